"""Throughput of z4j-core's hot paths on one 1000-event batch frame; prints figures.

Run: uv run python tests/agents/core/bench_core.py
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from z4j_core.events import parse_event
from z4j_core.frames import EventBatch, decode_frame
from z4j_core.redaction import Redactor
from z4j_core.replay import ReplayGuard
from z4j_core.signing import FrameSigner, FrameVerifier, SessionBinding, verify

EVENTS = 1000
KEY = b"k" * 32
BINDING = SessionBinding(
    agent_id=str(uuid.uuid4()), project_id=str(uuid.uuid4()), session_id=str(uuid.uuid4())
)


def make_events(with_exponent_float: bool = False) -> list[dict[str, Any]]:
    """Realistic started/succeeded events with args, kwargs and a result."""
    now = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    for i in range(EVENTS):
        data: dict[str, Any] = {
            "task_name": "app.tasks.send_invoice",
            "queue": "default",
            "worker": "celery@web-1",
            "args": [i, f"INV-{i:06d}"],
            "kwargs": {"customer_id": 1000 + i, "currency": "EUR", "note": "monthly run"},
            "runtime_ms": 12.5 + i,
        }
        if with_exponent_float and i == EVENTS - 1:
            data["big"] = 1e16
        events.append(
            {
                "id": str(uuid.uuid4()),
                "kind": "task.succeeded" if i % 2 else "task.started",
                "engine": "celery",
                "task_id": str(uuid.uuid4()),
                "occurred_at": (now - timedelta(milliseconds=i)).isoformat(),
                "data": data,
            }
        )
    return events


def rate(label: str, fn: Callable[[], object], units: int, repeat: int = 20) -> None:
    """Print the best-of-``repeat`` throughput of ``fn`` in units per second."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<48} {best * 1e3:8.2f} ms   {units / best:12,.0f} /s")


def run(exponent: bool) -> None:
    """Sign one frame, then time every receive-side step on it."""
    signer = FrameSigner(KEY, BINDING)
    payload = {"events": make_events(exponent)}
    raw = signer.sign_frame("event_batch", f"ev_{uuid.uuid4().hex}", payload)
    tag = "fallback (1e16 in data)" if exponent else "fast path"
    print(f"-- frame {len(raw):,} bytes, {EVENTS} events, verify {tag}")
    rate(
        "FrameSigner.sign_frame (agent side)",
        lambda: signer.sign_frame("event_batch", "x", payload),
        EVENTS,
    )
    obj = msgspec.json.decode(raw)
    rate("msgspec.json.decode (frame)", lambda: msgspec.json.decode(raw), EVENTS)
    rate("signing.verify (1 frame, in events/s)", lambda: verify(KEY, obj, BINDING), EVENTS)
    rate("signing.verify (frames/s)", lambda: verify(KEY, obj, BINDING), 1)
    rate(
        "FrameVerifier.verify (hmac + replay)",
        lambda: FrameVerifier(KEY, BINDING, guard=ReplayGuard()).verify(obj),
        EVENTS,
    )
    frame = decode_frame(obj)
    rate("decode_frame", lambda: decode_frame(obj), EVENTS)
    assert isinstance(frame, EventBatch)
    events = frame.payload.events
    rate("parse_event x1000", lambda: [parse_event(e) for e in events], EVENTS)
    redactor = Redactor()
    parsed = [parse_event(e) for e in events]
    rate(
        "Redactor.redact(event.data) x1000",
        lambda: [redactor.redact(e.data) for e in parsed],
        EVENTS,
    )


def main() -> None:
    """Both verify paths."""
    run(exponent=False)
    run(exponent=True)


if __name__ == "__main__":
    main()
