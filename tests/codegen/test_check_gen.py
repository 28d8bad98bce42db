"""``sql/check-gen.sh``: passes on a clean tree, fails on edited, missing and stale files.

Runs on a temporary copy of the repo's ``sql/`` whose ``brain/z4j_brain/db/queries/`` is
generated there first, so the test checks the script, not the state of the working tree
(``just check-gen`` checks the tree).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from codegen_cases import CASES, ROOT, env_with_sqlc, sqlc

QUERIES = Path("brain/z4j_brain/db/queries")


@pytest.fixture(scope="module")
def clean_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "sql", tree / "sql", ignore=shutil.ignore_patterns("__pycache__"))
    if not any((tree / "sql" / "queries").glob("*.sql")):  # before the first query exists
        shutil.copytree(
            CASES / "full" / "sql" / "queries", tree / "sql" / "queries", dirs_exist_ok=True
        )
        shutil.copytree(
            CASES / "full" / "sql" / "migrations", tree / "sql" / "migrations", dirs_exist_ok=True
        )
    (tree / QUERIES).mkdir(parents=True)
    done = sqlc(tree)
    assert done.returncode == 0, done.stderr
    return tree


def check(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(tree / "sql" / "check-gen.sh")],
        cwd=tree,
        env=env_with_sqlc(),
        capture_output=True,
        text=True,
        check=False,
    )


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "# hand edit\n")


def test_clean_tree_passes(clean_tree: Path) -> None:
    done = check(clean_tree)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def delete(path: Path) -> None:
    path.unlink()


def add_stale(path: Path) -> None:
    path.write_text("x = 1\n")


@pytest.mark.parametrize(
    ("change", "file", "expected"),
    [
        (edit, "enums.py", "enums.py"),
        (delete, "_types.py", "Only in <generated>: _types.py"),
        (add_stale, "stale.py", "Only in brain/z4j_brain/db/queries: stale.py"),
    ],
    ids=["edited", "deleted", "stale"],
)
def test_drift_fails(
    clean_tree: Path, tmp_path: Path, change: Callable[[Path], None], file: str, expected: str
) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(clean_tree, tree)
    change(tree / QUERIES / file)
    done = check(tree)
    assert done.returncode != 0
    assert expected in done.stderr
    assert "run `just gen`" in done.stderr
