"""Frame signing: the stdlib canonical form is the reference; msgspec is only a fast path."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from z4j_core import signing
from z4j_core.errors import FrameError, ReplayError, SignatureError
from z4j_core.replay import ReplayGuard
from z4j_core.signing import (
    FrameSigner,
    FrameVerifier,
    SessionBinding,
    canonical_bytes,
    sign,
    verify,
)

KEY = bytes.fromhex("fbd09b26a3b31420e3ff5499a929c925f923e46ed9c288e406ee0fddadc67346")
BINDING = SessionBinding(
    agent_id="8dd11c2f-5c30-4ddb-b582-6c3f42562657",
    project_id="251ff506-7ace-4b8c-b934-2bb40b5b76e5",
    session_id="3407e1ef-0628-404a-81d4-07cf7cc22377",
)
CAPTURED_AT = datetime(2026, 11, 22, 8, 59, 31, 190538, tzinfo=UTC)


def heartbeat_frame() -> dict[str, Any]:
    """The captured heartbeat of the live reference, without its hmac."""
    return {
        "v": 2,
        "id": "hb_e4885d962351",
        "ts": "2026-11-22T08:59:31.190538Z",
        "nonce": "XJfFFY2pwcJxEWjjMXbF6Q",
        "seq": 1,
        "type": "heartbeat",
        "payload": {
            "buffer_size": 0,
            "last_flush_at": None,
            "dropped_events": 0,
            "telemetry_loss": {
                "buffer_id": "52dd39443e054e71ab9eb7da30facf33",
                "runtime_id": "1ccaaa5e97354fee8e761d9bd859c07f:13587",
                "capacity_evicted_frames": 0,
                "adapter_events": {"rq": 0},
            },
            "adapter_health": {
                "rq.broker_type": "redis",
                "rq.broker_connected": "True",
                "rq.queue_depths": "{}",
            },
        },
    }


def stdlib_hmac(frame: dict[str, Any], binding: SessionBinding = BINDING) -> str:
    """Sign exactly as the live reference's rule 4 says, independently of z4j_core."""
    envelope = {k: v for k, v in frame.items() if k != "hmac"}
    envelope.update(
        agent_id=binding.agent_id, project_id=binding.project_id, session_id=binding.session_id
    )
    signed = json.dumps(
        envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
    return hmac.new(KEY, signed, hashlib.sha256).hexdigest()


def on_the_wire(frame: dict[str, Any]) -> dict[str, Any]:
    """What the receiver holds: the frame after a JSON round trip through msgspec."""
    return msgspec.json.decode(json.dumps(frame).encode())


def captured_verifier() -> FrameVerifier:
    return FrameVerifier(KEY, BINDING, guard=ReplayGuard(clock=lambda: CAPTURED_AT))


def test_captured_heartbeat_verifies() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    captured_verifier().verify(on_the_wire(frame))


def test_canonical_bytes_are_the_stdlib_form() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = "ignored"
    data = canonical_bytes(frame, BINDING)
    assert data.startswith(b'{"agent_id":"8dd11c2f-')
    assert b"hmac" not in data
    assert b" " not in data
    assert sign(KEY, frame, BINDING) == stdlib_hmac(frame)


def test_binding_wins_over_wire_fields() -> None:
    frame = heartbeat_frame()
    frame["session_id"] = "forged"
    assert b'"session_id":"3407e1ef' in canonical_bytes(frame, BINDING)


Tamper = Callable[[dict[str, Any]], object]
TAMPERS: list[Tamper] = [
    lambda f: f["payload"].__setitem__("buffer_size", 1),
    lambda f: f["payload"]["adapter_health"].__setitem__("rq.queue_depths", '{"a":1}'),
    lambda f: f.__setitem__("seq", 2),
    lambda f: f.__setitem__("type", "agent_status"),
    lambda f: f.__setitem__("extra", None),
    lambda f: f.__setitem__("hmac", f["hmac"].upper()),
    lambda f: f.__setitem__("hmac", f["hmac"][:-1]),
    lambda f: f.__setitem__("hmac", 12),
]


@pytest.mark.parametrize(
    "tamper",
    TAMPERS,
    ids=["payload", "nested", "seq", "type", "added-field", "uppercase", "short", "not-str"],
)
def test_tampered_frame_rejected(tamper: Tamper) -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    wire = on_the_wire(frame)
    tamper(wire)
    with pytest.raises(SignatureError):
        captured_verifier().verify(wire)


def test_wrong_key_rejected() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    verifier = FrameVerifier(bytes(32), BINDING, guard=ReplayGuard(clock=lambda: CAPTURED_AT))
    with pytest.raises(SignatureError):
        verifier.verify(on_the_wire(frame))


@pytest.mark.parametrize("field", ["agent_id", "project_id", "session_id"])
def test_wrong_binding_rejected(field: str) -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    other = msgspec.structs.replace(BINDING, **{field: str(uuid.uuid4())})
    verifier = FrameVerifier(KEY, other, guard=ReplayGuard(clock=lambda: CAPTURED_AT))
    with pytest.raises(SignatureError):
        verifier.verify(on_the_wire(frame))


def test_unsigned_frame_rejected() -> None:
    with pytest.raises(SignatureError, match="not signed"):
        captured_verifier().verify(heartbeat_frame())


def test_signature_checked_before_replay() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = "0" * 64
    frame["ts"] = "1999-01-01T00:00:00Z"
    with pytest.raises(SignatureError):
        captured_verifier().verify(on_the_wire(frame))


def test_replayed_frame_rejected() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    verifier = captured_verifier()
    verifier.verify(on_the_wire(frame))
    with pytest.raises(ReplayError):
        verifier.verify(on_the_wire(frame))


def test_verifier_defaults_to_a_replay_guard() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    with pytest.raises(ReplayError, match="skew"):  # the 2026 capture is stale for a real clock
        FrameVerifier(KEY, BINDING).verify(on_the_wire(frame))


# Values whose msgspec rendering differs from the stdlib one (exponent floats) and values
# where both agree; verify must accept all of them as signed by a stock (stdlib) peer.
AWKWARD = {
    "floats": [1e16, 0.1, -0.0, 1e-7, 1e22, 5e-324, 1.7976931348623157e308, 0.006497, 12.5],
    "ints": [0, -1, 2**63, 2**70],
    "text": ["é", "日本語", "😀", "\u2028", "\x00\x01\x1f", '\b\f\n\r\t"\\/', "\x7f", ""],
    "nested": {"z": {"b": [{"y": 1, "x": [None, True, False]}], "a": {}}, "A": []},
    "keys": {"é": 1, "e": 2, "E": 3, "😀": 4, "\uffff": 5, "": 6},
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_values_verify(name: str) -> None:
    frame = heartbeat_frame()
    frame["payload"] = {name: AWKWARD[name]}
    frame["hmac"] = stdlib_hmac(frame)
    wire = on_the_wire(frame)
    assert verify(KEY, wire, BINDING)
    wire["payload"][name] = "changed"
    assert not verify(KEY, wire, BINDING)


def _fast_form(frame: dict[str, Any]) -> bytes:
    return msgspec.json.encode(signing._envelope(frame, BINDING), order="sorted")


def test_fast_path_agrees_without_exponent_floats() -> None:
    frame = heartbeat_frame()
    frame["payload"] = {k: v for k, v in AWKWARD.items() if k != "floats"}
    frame["payload"]["floats"] = [0.1, -0.0, 12.5, 0.006497, 5e-324]
    assert _fast_form(frame) == canonical_bytes(frame, BINDING)


def test_fallback_path_for_exponent_floats(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = heartbeat_frame()
    frame["payload"] = {"big": 1e16, "small": 1e-7}
    assert _fast_form(frame) != canonical_bytes(frame, BINDING)
    assert b"1e+16" in canonical_bytes(frame, BINDING)
    frame["hmac"] = stdlib_hmac(frame)
    calls: list[bytes] = []
    real = signing._stdlib_bytes

    def spy(body: Any) -> bytes:
        calls.append(out := real(body))
        return out

    monkeypatch.setattr(signing, "_stdlib_bytes", spy)
    assert verify(KEY, on_the_wire(frame), BINDING)
    assert len(calls) == 1  # the fast form did not match, the stdlib form did


def test_fast_path_skips_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)

    def boom(body: Any) -> bytes:
        raise AssertionError("stdlib form should not be needed")

    monkeypatch.setattr(signing, "_stdlib_bytes", boom)
    assert verify(KEY, on_the_wire(frame), BINDING)


def test_nan_never_verifies() -> None:
    frame = heartbeat_frame()
    frame["hmac"] = stdlib_hmac(frame)
    frame["payload"]["buffer_size"] = float("nan")
    assert not verify(KEY, frame, BINDING)
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_bytes(frame, BINDING)


TS_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_signer_builds_stock_frames() -> None:
    moments = iter(CAPTURED_AT + timedelta(seconds=i) for i in range(3))
    signer = FrameSigner(KEY, BINDING, clock=lambda: next(moments))
    raws = [signer.sign_frame("heartbeat", f"hb_{i}", {"buffer_size": i}) for i in range(3)]
    frames = [msgspec.json.decode(raw) for raw in raws]
    assert [f["seq"] for f in frames] == [1, 2, 3]
    assert list(frames[0]) == ["v", "id", "ts", "nonce", "seq", "hmac", "type", "payload"]
    assert frames[0]["ts"] == "2026-11-22T08:59:31.190538Z"
    assert all(TS_FORMAT.match(f["ts"]) for f in frames)
    assert len({f["nonce"] for f in frames}) == 3
    assert all(len(f["nonce"]) == 22 for f in frames)
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["hmac"]) for f in frames)
    verifier = captured_verifier()
    for frame in frames:
        assert frame["hmac"] == stdlib_hmac(frame)  # a stock peer computes the same
        verifier.verify(frame)


def test_signer_converts_rich_payload_values() -> None:
    signer = FrameSigner(KEY, BINDING, clock=lambda: CAPTURED_AT)
    command = uuid.uuid4()
    raw = signer.sign_frame(
        "command",
        str(command),
        {"issued_by": command, "at": CAPTURED_AT, "args": (1, 2), "big": 1e16, "n": {3: "x"}},
    )
    frame = msgspec.json.decode(raw)
    assert frame["payload"] == {
        "issued_by": str(command),
        "at": "2026-11-22T08:59:31.190538Z",
        "args": [1, 2],
        "big": 1e16,
        "n": {"3": "x"},
    }
    assert frame["hmac"] == stdlib_hmac(frame)
    captured_verifier().verify(frame)


def test_signer_naive_clock_is_utc() -> None:
    signer = FrameSigner(KEY, BINDING, clock=lambda: CAPTURED_AT.replace(tzinfo=None))
    frame = msgspec.json.decode(signer.sign_frame("heartbeat", "hb_1", {}))
    assert frame["ts"] == "2026-11-22T08:59:31.190538Z"


def test_signer_refuses_unsignable_payload() -> None:
    signer = FrameSigner(KEY, BINDING)
    with pytest.raises(FrameError, match="signed"):
        signer.sign_frame("heartbeat", "hb_1", {"x": float("inf")})
    with pytest.raises(FrameError, match="encoded"):
        signer.sign_frame("heartbeat", "hb_1", {"x": object()})
