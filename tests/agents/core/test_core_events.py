"""parse_event: the wire event model and its refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from z4j_core.errors import EventError
from z4j_core.events import (
    TASK_STATE_BY_KIND,
    TERMINAL_STATES,
    Event,
    EventKind,
    TaskState,
    parse_event,
)

CAPTURED: dict[str, Any] = {
    "id": "60719928-7987-4c86-8137-217ea5cb1c1e",
    "kind": "task.started",
    "engine": "rq",
    "task_id": "45b2b433-5d6e-4bf5-884f-fa87b09bdf46",
    "occurred_at": "2026-11-22T08:59:36.698306+00:00",
    "data": {
        "task_name": "peer_tasks.ok",
        "queue": "default",
        "description": "peer_tasks.ok(0)",
        "worker": "d576da2d4cdb47cc8dcbdf3c511cff52",
    },
}


def event(**override: Any) -> dict[str, Any]:
    return {**CAPTURED, **override}


def test_captured_event() -> None:
    parsed = parse_event(CAPTURED)
    assert parsed == Event(
        id=uuid.UUID("60719928-7987-4c86-8137-217ea5cb1c1e"),
        kind=EventKind.TASK_STARTED,
        engine="rq",
        task_id="45b2b433-5d6e-4bf5-884f-fa87b09bdf46",
        occurred_at=datetime(2026, 11, 22, 8, 59, 36, 698306, tzinfo=UTC),
        data=CAPTURED["data"],
        raw_kind="task.started",
    )
    assert parsed.data is CAPTURED["data"]  # not copied


def test_every_kind_round_trips() -> None:
    for kind in EventKind:
        parsed = parse_event(event(kind=kind.value))
        assert parsed.kind is kind
        assert parsed.to_wire()["kind"] == kind.value


def test_unknown_kind_kept_raw() -> None:
    parsed = parse_event(event(kind="task.teleported"))
    assert parsed.kind is EventKind.UNKNOWN
    assert parsed.raw_kind == "task.teleported"
    assert parsed.to_wire()["kind"] == "task.teleported"


@pytest.mark.parametrize(
    "occurred",
    [
        "2026-11-22T08:59:36Z",
        "2026-11-22T10:59:36+02:00",
        "2026-11-22 08:59:36+00:00",
        "2026-11-22T08:59:36.698306+0000",
    ],
)
def test_timestamp_spellings(occurred: str) -> None:
    parsed = parse_event(event(occurred_at=occurred))
    assert parsed.occurred_at.utcoffset() is not None
    assert parsed.occurred_at.astimezone(UTC).replace(microsecond=0) == datetime(
        2026, 11, 22, 8, 59, 36, tzinfo=UTC
    )


def test_offset_preserved() -> None:
    parsed = parse_event(event(occurred_at="2026-11-22T10:59:36+02:00"))
    assert parsed.occurred_at.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)


def test_lenient_optional_fields() -> None:
    parsed = parse_event({k: v for k, v in event(task_id="").items() if k != "data"})
    assert parsed.task_id is None
    assert parsed.data == {}
    assert parse_event(event(task_id=None, data=None, extra="ignored")).task_id is None
    assert parse_event(event(id="6071992879874C868137217EA5CB1C1E")).id == uuid.UUID(CAPTURED["id"])


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ([], "not an object"),
        ("event", "not an object"),
        (event(id=None), "id"),
        (event(id="not-a-uuid"), "UUID"),
        (event(id=123), "id"),
        (event(id=str(uuid.UUID(int=0))), "nil"),
        (event(id="ffffffff-ffff-ffff-ffff-ffffffffffff"), "nil or max"),
        (event(kind=None), "kind"),
        (event(kind=""), "kind"),
        (event(engine=""), "engine"),
        (event(engine="e" * 65), "engine"),
        (event(engine=["rq"]), "engine"),
        (event(task_id="t" * 201), "task_id"),
        (event(task_id=42), "task_id"),
        (event(occurred_at="2026-11-22T08:59:36"), "timezone"),
        (event(occurred_at="last tuesday"), "ISO-8601"),
        (event(occurred_at=1795337971.1), "occurred_at"),
        (event(occurred_at=None), "occurred_at"),
        (event(data=[1, 2]), "data"),
        (event(data="x"), "data"),
    ],
)
def test_bad_events(obj: Any, reason: str) -> None:
    with pytest.raises(EventError, match=reason) as info:
        parse_event(obj)
    assert isinstance(info.value, ValueError)
    assert info.value.reason == str(info.value)


def test_limits_are_inclusive() -> None:
    parsed = parse_event(event(engine="e" * 64, task_id="t" * 200))
    assert len(parsed.engine) == 64
    assert parsed.task_id is not None
    assert len(parsed.task_id) == 200


def test_to_wire_parses_back() -> None:
    parsed = parse_event(CAPTURED)
    assert parse_event(parsed.to_wire()) == parsed


def test_state_mapping() -> None:
    assert TASK_STATE_BY_KIND[EventKind.TASK_SENT] is TaskState.PENDING
    assert TASK_STATE_BY_KIND[EventKind.TASK_SUCCEEDED] is TaskState.SUCCESS
    assert TASK_STATE_BY_KIND[EventKind.TASK_FAILED] is TaskState.FAILURE
    assert TASK_STATE_BY_KIND[EventKind.TASK_RETRIED] is TaskState.RETRY
    assert EventKind.WORKER_ONLINE not in TASK_STATE_BY_KIND
    assert {kind.value.split(".")[0] for kind in TASK_STATE_BY_KIND} == {"task"}
    assert len(TASK_STATE_BY_KIND) == 8
    assert {TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED} == TERMINAL_STATES
    assert len(EventKind) == 19
    assert [s.value for s in TaskState] == [
        "pending",
        "received",
        "started",
        "success",
        "failure",
        "retry",
        "revoked",
        "rejected",
        "unknown",
    ]
