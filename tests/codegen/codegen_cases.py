"""Helpers of the codegen tests: case projects, request capture, golden files.

A case is a small sqlc project under ``cases/<name>/sql`` (migrations + queries). Its
``request.json`` is the request sqlc sends the plugin, captured with the real ``sqlc`` and
trimmed to the user schemas; the goldens under ``golden/<name>/`` are the generator's output
for it (``<file>.golden``, so the repo's ruff and pyright do not treat them as modules).

Refresh both after changing a case or the generator:
``Z4J_UPDATE_GOLDEN=1 uv run pytest tests/codegen``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CODEGEN = ROOT / "sql" / "codegen.py"
CASES = HERE / "cases"
GOLDEN = HERE / "golden"
VENV_BIN = Path(sys.executable).parent
UPDATE = os.environ.get("Z4J_UPDATE_GOLDEN", "") not in ("", "0")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_temp")

SQLC_YAML = """\
version: "2"
plugins:
  - name: asyncpg
    env: [PATH]
    process:
      cmd: ./sql/codegen.py
      format: json
sql:
  - name: brain
    engine: postgresql
    schema: [migrations]
    queries: queries
    codegen:
      - out: ../brain/z4j_brain/db/queries
        plugin: asyncpg
        options:
          package: z4j_brain.db.queries
"""

CAPTURE_PLUGIN = """\
#!/usr/bin/env python3
import sys
with open(sys.argv[0] + ".request.json", "w", encoding="utf-8") as fh:
    fh.write(sys.stdin.read())
print('{"files": []}')
"""


def load_codegen() -> ModuleType:
    """Import ``sql/codegen.py`` as a module (it is a script, not a package member)."""
    spec = importlib.util.spec_from_file_location("z4j_sql_codegen", CODEGEN)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def env_with_sqlc() -> dict[str, str]:
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def sqlc(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "sqlc"), "-f", "sql/sqlc.yaml", "generate"],
        cwd=cwd,
        env=env_with_sqlc(),
        capture_output=True,
        text=True,
        check=False,
    )


def trim(request: dict[str, Any]) -> dict[str, Any]:
    """Drop sqlc's built-in schemas (about 2 MB); the generator ignores them anyway."""
    schemas = request["catalog"]["schemas"]
    request["catalog"]["schemas"] = [s for s in schemas if s["name"] not in SYSTEM_SCHEMAS]
    return request


def capture(case: str, tmp: Path) -> dict[str, Any]:
    """Run the real sqlc on a case project and return the (trimmed) plugin request."""
    project = tmp / case
    shutil.copytree(CASES / case / "sql", project / "sql")
    (project / "sql" / "sqlc.yaml").write_text(SQLC_YAML)
    plugin = project / "sql" / "codegen.py"
    plugin.write_text(CAPTURE_PLUGIN)
    plugin.chmod(0o755)
    done = sqlc(project)
    assert done.returncode == 0, done.stderr
    request = json.loads(Path(f"{plugin}.request.json").read_text())
    return trim(request)


def dump(request: dict[str, Any]) -> str:
    return json.dumps(request, indent=1, sort_keys=True) + "\n"


def request_of(case: str) -> dict[str, Any]:
    return json.loads((CASES / case / "request.json").read_text())


def golden_files(case: str) -> dict[str, str]:
    folder = GOLDEN / case
    return {p.name.removesuffix(".golden"): p.read_text() for p in sorted(folder.glob("*.golden"))}


def write_golden(case: str, files: dict[str, str]) -> None:
    folder = GOLDEN / case
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / f"{name}.golden").write_text(text)


def write_package(files: dict[str, str], root: Path) -> Path:
    """Lay generated files out as an importable ``z4j_brain.db.queries`` under ``root``."""
    package = root / "z4j_brain" / "db" / "queries"
    package.mkdir(parents=True)
    (root / "z4j_brain" / "__init__.py").write_text("")
    (root / "z4j_brain" / "db" / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    return package
