"""Cheap checks run on each event before it is queued for storage.

Decisions (documented in ``ingest.py`` as well):

- ``occurred_at`` is never clamped: a resent event must keep its key to be deduped. An event
  more than ``max_future`` ahead of the brain's clock, or older than the retention window
  (it would land in a partition that is dropped, or already was), is rejected.
- Identity strings (``engine``, ``kind``, ``task_id``) are stored verbatim or not at all: an
  event whose identity holds a NUL character or a lone surrogate, is empty where it must not be,
  or is longer than the btree indexes take, is rejected.
- ``data`` is encoded to JSON once here and handed to PostgreSQL as is. jsonb refuses the NUL
  character (``\\u0000``) and UTF-8 refuses lone surrogates, so such characters in keys and
  values are replaced with U+FFFD (the event is kept, the mark shows where text was lost).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec

MAX_ENGINE_CHARS = 64
MAX_KIND_CHARS = 64
MAX_TASK_ID_CHARS = 512

_encoder = msgspec.json.Encoder()
_REPLACEMENT = "\ufffd"
_NUL_ESCAPE = b"\\u0000"
_SURROGATE = re.compile("[\ud800-\udfff]")


class Rejected(Exception):
    """The event cannot be stored; the message says why (it goes back to the agent's log)."""


def check_identity(engine: str, kind: str, task_id: str | None) -> None:
    """Reject identity strings PostgreSQL or its indexes would refuse."""
    if not engine or len(engine) > MAX_ENGINE_CHARS:
        raise Rejected(f"engine must be 1 to {MAX_ENGINE_CHARS} characters")
    if not kind or len(kind) > MAX_KIND_CHARS:
        raise Rejected(f"kind must be 1 to {MAX_KIND_CHARS} characters")
    if task_id is not None and len(task_id) > MAX_TASK_ID_CHARS:
        raise Rejected(f"task_id is longer than {MAX_TASK_ID_CHARS} characters")
    for name, value in (("engine", engine), ("kind", kind), ("task_id", task_id)):
        if value is not None and not _storable(value):
            raise Rejected(f"{name} contains a NUL character or an invalid surrogate")


def check_time(
    occurred_at: dt.datetime, *, now: dt.datetime, oldest: dt.datetime, max_future: dt.timedelta
) -> None:
    """Reject timestamps without a zone, too far ahead, or past the retention window."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise Rejected("occurred_at has no time zone")
    if occurred_at > now + max_future:
        raise Rejected(
            f"occurred_at {occurred_at.isoformat()} is more than "
            f"{int(max_future.total_seconds())} s ahead of the brain's clock"
        )
    if occurred_at < oldest:
        raise Rejected(f"occurred_at {occurred_at.isoformat()} is older than the retention window")


def encode_data(data: dict[str, Any]) -> msgspec.Raw:
    """The JSON text of ``data`` as jsonb will take it (see the module docstring)."""
    try:
        text = _encoder.encode(data)
    except UnicodeEncodeError:
        text = _encode_clean(data)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Rejected(f"data is not JSON-serialisable: {exc}") from exc
    # A NUL is always escaped as \u0000; the same bytes also match an escaped backslash
    # followed by "u0000", for which the clean pass changes nothing but costs a little time.
    if _NUL_ESCAPE in text:
        text = _encode_clean(data)
    return msgspec.Raw(text)


def _encode_clean(data: dict[str, Any]) -> bytes:
    try:
        return _encoder.encode(_clean(data))
    except (TypeError, ValueError, OverflowError) as exc:
        raise Rejected(f"data is not JSON-serialisable: {exc}") from exc


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _clean_str(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", _REPLACEMENT)
    if not _storable(value):
        value = _SURROGATE.sub(_REPLACEMENT, value)
    return value


def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
