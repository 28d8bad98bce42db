"""Golden tests of ``sql/codegen.py`` (no database, no network).

Refresh requests and goldens: ``Z4J_UPDATE_GOLDEN=1 uv run pytest tests/codegen``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from codegen_cases import (
    CASES,
    CODEGEN,
    ROOT,
    UPDATE,
    VENV_BIN,
    capture,
    dump,
    golden_files,
    load_codegen,
    request_of,
    write_golden,
    write_package,
)

codegen = load_codegen()


def only(case: str, name: str) -> dict[str, Any]:
    request = request_of(case)
    request["queries"] = [q for q in request["queries"] if q["name"] == name]
    assert request["queries"], name
    return request


@pytest.mark.parametrize("case", ["full", "errors"])
def test_request_fixture_matches_sqlc(case: str, tmp_path: Path) -> None:
    """The committed request is what the real sqlc sends for the case's SQL today."""
    fresh = dump(capture(case, tmp_path))
    fixture = CASES / case / "request.json"
    if UPDATE:
        fixture.write_text(fresh)
    assert fixture.read_text() == fresh, "stale request.json; rerun with Z4J_UPDATE_GOLDEN=1"


def test_full_matches_golden() -> None:
    files = codegen.generate(request_of("full"))
    if UPDATE:
        write_golden("full", files)
    assert sorted(files) == ["__init__.py", "_types.py", "agents.py", "enums.py", "events.py"]
    assert files == golden_files("full")


def test_output_is_byte_stable() -> None:
    request = request_of("full")
    first = codegen.generate(request)
    request["queries"].reverse()  # module order follows the file, module set is sorted
    second = codegen.generate(request)
    assert list(first) == list(second)
    assert first["enums.py"] == second["enums.py"]
    assert first["__init__.py"] == second["__init__.py"]


def test_plugin_protocol_over_stdin() -> None:
    """sqlc's calling convention: request on stdin, base64 files on stdout."""
    request = request_of("full")
    done = subprocess.run(
        [sys.executable, str(CODEGEN), "/plugin.CodegenService/Generate"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    response = json.loads(done.stdout)
    names = [f["name"] for f in response["files"]]
    assert names == sorted(names)
    decoded = {f["name"]: base64.b64decode(f["contents"]).decode() for f in response["files"]}
    assert decoded == golden_files("full")


def test_api_shape() -> None:
    files = golden_files("full")
    agents, events, enums = files["agents.py"], files["events.py"], files["enums.py"]
    # every kind of command
    assert "-> GetAgentByNameRow | None:" in agents  # :one, several columns
    assert "async def count_agents(conn: ConnectionLike) -> int | None:" in agents
    assert "-> list[ListAgentsRow]:" in agents  # :many
    assert "-> list[str]:" in agents  # :many, one column
    assert "-> int:" in agents  # :execrows
    assert "async def ensure_partition(" in events  # :exec on a void function
    assert "-> None:" in events
    # parameters in sqlc's numbering ($1 = page_offset), keyword-only, keyword names escaped
    assert "    *,\n    page_offset: int,\n    page_size: int,\n" in agents
    assert "from_: datetime.datetime" in agents
    # narg -> optional, arrays -> Sequence in, list out, jsonb -> JsonInput / JsonValue
    assert "meta: JsonInput | None," in agents
    assert "agent_ids: Sequence[uuid.UUID]," in agents
    assert "    labels: list[str]\n    meta: JsonValue\n" in agents
    # nullability: @nullable, uncast aggregate, cast aggregate, bare count, LEFT JOIN
    assert "    agents: int\n    newest: datetime.datetime | None\n" in agents
    assert "    slots: int | None\n    mean_ratio: float\n" in agents
    assert "    agent_name: str | None\n    runtime_plus: int | None\n" in events
    assert "@nullable" not in agents
    # enums: StrEnum, UPPER_SNAKE members, wrapped on read, accepted as params
    assert "class TaskState(enum.StrEnum):" in enums
    assert '    RETRY_LATER = "retry-later"' in enums
    assert '"""Lifecycle state of a task."""' in enums
    assert "state: TaskState," in events
    assert "return _types.enum_or_none(TaskState, v)" in events  # :one enum scalar
    assert "return [TaskState(r[0]) for r in rows]" in events
    assert "states: Sequence[TaskState]," in events
    assert "history=_types.enum_list_or_none(TaskState, r[2])," in events
    # copyfrom
    assert "class CopyEventsParams(msgspec.Struct, frozen=True, kw_only=True):" in events
    assert "    rows: Sequence[CopyEventsParams],\n) -> int:" in events
    assert '        "events",\n        columns=[\n            "id",\n' in events


ERRORS = {
    "DupParams": "parameter $2: name `name` is also used by $1; use distinct @named",
    "PseudoMax": (
        "query PseudoMax: column newest: type `anyarray` is a pseudo type; add an explicit "
        "cast, e.g. `max(x)::timestamptz AS x`"
    ),
    "PseudoParam": "query PseudoParam: parameter $1: type `any` is a pseudo type; add an explicit",
    "VoidOne": "query VoidOne: column ensure_partition: returns void; annotate the query `:exec`",
    "UnknownNullable": "query UnknownNullable: `-- @nullable nope`: no such result column",
    "NullableOnExec": "`-- @nullable` is only meaningful on :one/:many queries, not :exec",
    "ExecResult": "command :execresult is not supported",
    "Embedded": "sqlc.embed() is not supported",
    "DupColumn": "column name `id` appears twice; give one an alias",
    "Unnamed": "query Unnamed: parameter $1: has no name",
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name: str) -> None:
    with pytest.raises(codegen.GenError) as info:
        codegen.generate(only("errors", name))
    message = str(info.value)
    assert message.startswith("sql/codegen.py: sql/queries/bad.sql: query ")
    assert ERRORS[name] in message
    assert "\n" not in message


def test_error_exit_status_and_single_stderr_line() -> None:
    done = subprocess.run(
        [sys.executable, str(CODEGEN)],
        input=json.dumps(only("errors", "PseudoMax")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "add an explicit cast" in done.stderr


def test_generated_code_passes_ruff_and_basedpyright(tmp_path: Path) -> None:
    """Goldens are what `just gen` would commit: ruff-formatted, lint-clean, pyright strict."""
    write_package(golden_files("full"), tmp_path)
    config = str(ROOT / "pyproject.toml")
    ruff = str(VENV_BIN / "ruff")
    fmt = [ruff, "format", "--check", "--diff", "--config", config, "z4j_brain"]
    lint = [ruff, "check", "--no-cache", "--config", config, "z4j_brain"]
    for command in (fmt, lint):
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    pyright_config = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.11",
        "reportMissingTypeStubs": False,
        "reportUnknownMemberType": False,
    }
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(pyright_config))
    done = subprocess.run(
        [str(VENV_BIN / "basedpyright"), "--pythonpath", sys.executable, "z4j_brain"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


RUNTIME_CHECK = textwrap.dedent(
    """
    import asyncio, datetime, uuid
    from z4j_brain.db import queries
    from z4j_brain.db.queries import agents, events
    from z4j_brain.db.queries.enums import TaskState

    class FakeConn:
        def __init__(self, result):
            self.result, self.calls = result, []
        async def _call(self, kind, *args, **kwargs):
            self.calls.append((kind, args, kwargs))
            return self.result
        async def fetch(self, *a): return await self._call("fetch", *a)
        async def fetchrow(self, *a): return await self._call("fetchrow", *a)
        async def fetchval(self, *a): return await self._call("fetchval", *a)
        async def execute(self, *a): return await self._call("execute", *a)
        async def copy_records_to_table(self, table, **kw):
            kw["records"] = list(kw["records"])
            return await self._call("copy", table, **kw)

    async def main():
        c = FakeConn([(1, "a", ["x"])])
        rows = await agents.list_agents(c, page_size=10, page_offset=20)
        assert c.calls == [("fetch", (agents.LIST_AGENTS, 20, 10), {})], c.calls
        assert rows == [agents.ListAgentsRow(id=1, name="a", labels=["x"])]
        c = FakeConn("UPDATE 3")
        assert await agents.touch_agents(c, seen_at=None, agent_ids=[]) == 3
        c = FakeConn(None)
        assert await agents.get_agent_by_name(c, name="n") is None
        assert await events.latest_state(c, agent_id=uuid.uuid4()) is None
        c = FakeConn("retry-later")
        assert await events.latest_state(c, agent_id=uuid.uuid4()) is TaskState.RETRY_LATER
        c = FakeConn([(1, "success", ["pending", "failure"], {"k": 1}, None, None)])
        (row,) = await events.events_in_states(
            c, states=[TaskState.SUCCESS], before=datetime.datetime.now()
        )
        assert row.state is TaskState.SUCCESS
        assert row.history == [TaskState.PENDING, TaskState.FAILURE]
        c = FakeConn("COPY 1")
        p = events.CopyEventsParams(
            id=1, occurred_at=2, agent_id=3, state=TaskState.STARTED, runtime_ms=None
        )
        assert await events.copy_events(c, rows=[p]) == 1
        (kind, args, kw) = c.calls[0]
        assert args == ("events",) and kw["columns"] == [
            "id", "occurred_at", "agent_id", "state", "runtime_ms"
        ] and kw["records"] == [(1, 2, 3, TaskState.STARTED, None)] and kw["schema_name"] is None
        c = FakeConn("SELECT 1")
        assert await events.ensure_partition(c, day=datetime.date.today()) is None
        assert queries.__all__ == ("agents", "enums", "events")
        print("ok")

    asyncio.run(main())
    """
)


def test_generated_code_runs(tmp_path: Path) -> None:
    """Import the goldens and drive them with a fake connection (duck-typed asyncpg)."""
    write_package(golden_files("full"), tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", RUNTIME_CHECK],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"
