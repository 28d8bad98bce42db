"""The tasks projection of one flush, merged per task in Python before it reaches PostgreSQL.

``merge_tasks`` folds the task events of a flush into one row per (project, engine, task id),
with the rules the former SQL aggregation applied (and ``ProjectTasks`` in
``sql/queries/ingest.sql`` still applies against the stored row):

- events order by ``(occurred_at, z4j_task_state_rank(state))``; the newest overall, the newest
  terminal one and the newest ``task.retried`` are kept for ``z4j_task_state_merge``;
- ``received_at``/``started_at`` are the newest ``task.received``/``task.started`` times and
  ``retry_count`` is the highest valid count (a JSON number from 0 to 2**31-1, rounded);
- every other field takes the newest non-NULL value, where NULL means what the SQL extraction
  says: ``->>`` text fields (name, queue, worker, priority, parent and root ids) are NULL for
  JSON null and ``""``; ``tags`` only counts when it is an array; ``args``/``kwargs`` when not
  null; ``result`` (success only) whenever present, JSON null included; ``runtime_ms`` (success
  only) when a number below 1e300 in magnitude; ``exception``/``exception_message`` (failure
  only) when not null; ``traceback`` (failure only) is ``traceback``, else an ``exception``
  string holding a newline (1.x RQ agents send the whole traceback there).

Values are read from the stored JSON text (``PreparedEvent.payload``), never from the agent's
dict, so they are what PostgreSQL would extract. The winning values are copied as raw JSON
into one document per task; SQL extracts each field from it with the same expressions, so
text rendering of non-string values stays PostgreSQL's.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Final, Protocol, cast

import msgspec

TaskKey = tuple[uuid.UUID, str, str]
"""The primary key of a task row: (project_id, engine, task_id)."""

STATE_OF: Final = {
    "task.sent": "pending",
    "task.received": "received",
    "task.started": "started",
    "task.succeeded": "success",
    "task.failed": "failure",
    "task.retried": "retry",
    "task.revoked": "revoked",
    "task.rejected": "rejected",
}
"""z4j_task_state_of."""

RANK: Final = {
    "unknown": 0,
    "pending": 1,
    "received": 2,
    "started": 3,
    "retry": 4,
    "failure": 5,
    "success": 6,
    "rejected": 7,
    "revoked": 8,
}
"""z4j_task_state_rank."""

TERMINAL: Final = frozenset({"success", "failure", "revoked", "rejected"})
"""z4j_task_state_is_terminal."""

FIELDS: Final = (
    "task_name",
    "queue",
    "worker",
    "priority",
    "tags",
    "args",
    "kwargs",
    "parent_task_id",
    "root_task_id",
    "result",
    "runtime_ms",
    "exception",
    "exception_message",
    "traceback",
)
"""Keys of the merged document, in the order of the ``*_ats`` parameters of ProjectTasks."""

_TEXT_FIELDS: Final = ("task_name", "queue", "worker", "priority", "parent_task_id", "root_task_id")
_NULL: Final = b"null"
_EMPTY: Final = b'""'
_MAX_INT4: Final = decimal.Decimal(2147483647)
_MAX_RUNTIME: Final = decimal.Decimal("1e300")
_KEYS: Final = {name: b'"' + name.encode() + b'":' for name in FIELDS}


_TEXT, _TAGS, _JSON, _RESULT, _RUNTIME, _EXCEPTION, _FAILURE_TEXT, _COUNT = range(8)
_HANDLING: Final = {
    "task_name": _TEXT,
    "queue": _TEXT,
    "worker": _TEXT,
    "priority": _TEXT,
    "parent_task_id": _TEXT,
    "root_task_id": _TEXT,
    "tags": _TAGS,
    "args": _JSON,
    "kwargs": _JSON,
    "result": _RESULT,
    "runtime_ms": _RUNTIME,
    "exception": _EXCEPTION,
    "exception_message": _FAILURE_TEXT,
    "traceback": _FAILURE_TEXT,
    "retry_count": _COUNT,
}
_decode_data = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_decode_str = msgspec.json.Decoder(str).decode


class TaskEvent(Protocol):
    """The part of a stored task event the projection reads (``PreparedEvent`` has it)."""

    @property
    def project_id(self) -> uuid.UUID: ...
    @property
    def engine(self) -> str: ...
    @property
    def task_id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def occurred_at(self) -> dt.datetime: ...
    @property
    def payload(self) -> msgspec.Raw: ...


class MergedTask:
    """One task's events of a flush, merged; see the module doc."""

    __slots__ = (
        "n_at",
        "n_state",
        "r_at",
        "received_at",
        "retry_count",
        "started_at",
        "t_at",
        "t_state",
        "values",
    )

    def __init__(self, state: str, at: dt.datetime) -> None:
        self.n_state = state
        self.n_at = at
        self.t_state: str | None = None
        self.t_at: dt.datetime | None = None
        self.r_at: dt.datetime | None = None
        self.received_at: dt.datetime | None = None
        self.started_at: dt.datetime | None = None
        self.retry_count: int | None = None
        # field -> (occurred_at, raw JSON) of the newest event carrying it
        self.values: dict[str, tuple[dt.datetime, bytes]] = {}

    def doc(self) -> msgspec.Raw:
        """The JSON object of the winning raw values."""
        if not self.values:
            return msgspec.Raw(b"{}")
        parts = [_KEYS[name] + raw for name, (_, raw) in self.values.items()]
        return msgspec.Raw(b"{" + b",".join(parts) + b"}")

    def field_at(self, name: str) -> dt.datetime | None:
        """When the event that supplied ``name`` occurred; ``None`` when no event did."""
        value = self.values.get(name)
        return None if value is None else value[0]


def _number(raw: bytes) -> decimal.Decimal | None:
    """The value of a JSON number; ``None`` for anything else (jsonb_typeof <> 'number')."""
    if not raw or raw[:1] not in b"-0123456789":
        return None
    try:
        return decimal.Decimal(raw.decode())
    except decimal.InvalidOperation:
        return None


def _is_string_with_newline(raw: bytes) -> bool:
    if raw[:1] != b'"' or b"\\n" not in raw:
        return False
    try:
        return "\n" in _decode_str(raw)
    except msgspec.DecodeError:
        return False


def merge_tasks(events: Iterable[TaskEvent]) -> dict[TaskKey, MergedTask]:
    """Fold task events (kinds in ``STATE_OF``, task id set) into one row per task.

    The events are visited from the oldest to the newest by ``(occurred_at, rank)``, so a later
    one simply overwrites (ties have no defined winner, as in the SQL they replace). Raises
    ``msgspec.DecodeError`` for a payload that is not a JSON object.
    """
    stamped = [(e.occurred_at, RANK[STATE_OF[e.kind]], e) for e in events]
    stamped.sort(key=_stamp)
    tasks: dict[TaskKey, MergedTask] = {}
    for at, _, e in stamped:
        state = STATE_OF[e.kind]
        key = (e.project_id, e.engine, cast("str", e.task_id))
        task = tasks.get(key)
        if task is None:
            task = tasks[key] = MergedTask(state, at)
        else:
            task.n_state, task.n_at = state, at
        if state in TERMINAL:
            task.t_state, task.t_at = state, at
        elif state == "retry":
            task.r_at = at
        elif state == "received":
            task.received_at = at
        elif state == "started":
            task.started_at = at
        values = task.values
        exception: bytes | None = None
        traceback = False
        for name, value in _decode_data(e.payload).items():
            handling = _HANDLING.get(name)
            if handling is None:
                continue
            raw = bytes(value)
            if handling == _TEXT:
                if raw != _NULL and raw != _EMPTY:
                    values[name] = (at, raw)
            elif handling == _JSON:
                if raw != _NULL:
                    values[name] = (at, raw)
            elif handling == _TAGS:
                if raw[:1] == b"[":
                    values[name] = (at, raw)
            elif handling == _RESULT:
                if state == "success":
                    values[name] = (at, raw)
            elif handling == _RUNTIME:
                if state == "success":
                    runtime = _number(raw)
                    if runtime is not None and abs(runtime) < _MAX_RUNTIME:
                        values[name] = (at, raw)
            elif handling == _EXCEPTION:
                if state == "failure" and raw != _NULL:
                    values[name] = (at, raw)
                    exception = raw
            elif handling == _FAILURE_TEXT:
                if state == "failure" and raw != _NULL:
                    values[name] = (at, raw)
                    traceback = traceback or name == "traceback"
            else:
                count = _number(raw)
                if count is not None and 0 <= count <= _MAX_INT4:
                    n = int(count.to_integral_value(rounding=decimal.ROUND_HALF_UP))
                    if task.retry_count is None or n > task.retry_count:
                        task.retry_count = n
        if not traceback and exception is not None and _is_string_with_newline(exception):
            values["traceback"] = (at, exception)
    return tasks


def _stamp(item: tuple[dt.datetime, int, TaskEvent]) -> tuple[dt.datetime, int]:
    return item[0], item[1]
