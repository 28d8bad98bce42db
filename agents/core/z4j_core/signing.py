"""Frame signatures: HMAC-SHA256 over canonical JSON bound to the session.

The signed bytes are the frame without ``hmac``, plus ``agent_id``, ``project_id`` and
``session_id`` from hello_ack (never on the wire), serialised as
``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``.
That stdlib form is the reference because the stock 1.x agents produce exactly it. msgspec's
sorted encoding is byte-identical for everything except floats with an exponent (``1e16`` vs
``1e+16``), so :func:`verify` tries it first and falls back to the stdlib form.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from z4j_core.errors import FrameError, SignatureError
from z4j_core.protocol import WIRE_VERSION
from z4j_core.replay import ReplayGuard

_HEX_DIGEST_CHARS = 64
_encoder = msgspec.json.Encoder(order="sorted")
_wire_encoder = msgspec.json.Encoder()


class SessionBinding(msgspec.Struct, frozen=True):
    """The identity a frame is bound to; taken from hello_ack, never sent in signed frames."""

    agent_id: str
    project_id: str
    session_id: str


def _envelope(frame: Mapping[str, Any], binding: SessionBinding) -> dict[str, Any]:
    body = {k: v for k, v in frame.items() if k != "hmac"}
    # The binding wins over same-named wire fields, as in 1.x.
    body["agent_id"] = binding.agent_id
    body["project_id"] = binding.project_id
    body["session_id"] = binding.session_id
    return body


def _stdlib_bytes(body: Mapping[str, Any]) -> bytes:
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def canonical_bytes(frame: Mapping[str, Any], binding: SessionBinding) -> bytes:
    """The exact bytes that are signed (the stdlib reference form).

    Raises ValueError or TypeError when the frame holds NaN/Infinity, lone surrogates or
    values JSON cannot carry.
    """
    return _stdlib_bytes(_envelope(frame, binding))


def _mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def sign(key: bytes, frame: Mapping[str, Any], binding: SessionBinding) -> str:
    """The lowercase hex HMAC of ``frame`` (any ``hmac`` field in it is ignored)."""
    return _mac(key, canonical_bytes(frame, binding))


def verify(key: bytes, frame: Mapping[str, Any], binding: SessionBinding) -> bool:
    """Whether ``frame["hmac"]`` is the signature of ``frame``; constant-time comparison.

    ``frame`` must hold the values as received (decoded JSON), not re-formatted ones.
    """
    claimed = frame.get("hmac")
    if type(claimed) is not str or len(claimed) != _HEX_DIGEST_CHARS:
        return False
    body = _envelope(frame, binding)
    try:
        fast = _encoder.encode(body)
    except (TypeError, ValueError, OverflowError):
        fast = None
    # msgspec writes NaN/Infinity as null where the stdlib refuses them; decoded wire JSON
    # never holds them (the JSON grammar has no such tokens), so this does not widen what verifies.
    if fast is not None and hmac.compare_digest(_mac(key, fast), claimed):
        return True
    try:
        reference = _stdlib_bytes(body)
    except (TypeError, ValueError):
        return False
    if reference == fast:
        return False  # Same bytes, same (wrong) digest: skip a second HMAC.
    return hmac.compare_digest(_mac(key, reference), claimed)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def format_ts(moment: datetime) -> str:
    """Render a frame ``ts`` as 1.x does: UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (naive = UTC)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FrameSigner:
    """Stamps and signs outgoing frames of one session and direction (seq 1, 2, 3, ...)."""

    def __init__(
        self,
        key: bytes,
        binding: SessionBinding,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._key = key
        self._binding = binding
        self._clock = clock or _utcnow
        # next() on itertools.count is atomic under the GIL, so threads may share a signer.
        self._seq = itertools.count(1)

    def sign_frame(self, type: str, id: str, payload: Mapping[str, Any]) -> bytes:
        """Build, sign and encode one frame; returns the JSON bytes to send.

        The payload is first reduced to JSON builtins (UUIDs, datetimes and Structs become
        strings and dicts) so the signed form equals what the receiver decodes.
        """
        try:
            body: dict[str, Any] = msgspec.to_builtins(dict(payload), str_keys=True)
        except (TypeError, ValueError) as exc:
            raise FrameError(f"payload cannot be encoded: {exc}") from None
        frame: dict[str, Any] = {
            "v": WIRE_VERSION,
            "id": id,
            "ts": format_ts(self._clock()),
            "nonce": secrets.token_urlsafe(16),
            "seq": next(self._seq),
            "type": type,
            "payload": body,
        }
        try:
            mac = sign(self._key, frame, self._binding)
        except (TypeError, ValueError) as exc:
            raise FrameError(f"payload cannot be signed: {exc}") from None
        # Wire key order as the stock agents send it; order does not matter for signing.
        wire = {
            "v": frame["v"],
            "id": id,
            "ts": frame["ts"],
            "nonce": frame["nonce"],
            "seq": frame["seq"],
            "hmac": mac,
            "type": type,
            "payload": body,
        }
        return _wire_encoder.encode(wire)


class FrameVerifier:
    """Checks incoming signed frames of one session and direction: HMAC first, then replay.

    Without an explicit ``guard`` a fresh default :class:`ReplayGuard` is used; replay
    checking is never silently off.
    """

    def __init__(
        self,
        key: bytes,
        binding: SessionBinding,
        *,
        guard: ReplayGuard | None = None,
    ) -> None:
        self._key = key
        self._binding = binding
        self._guard = guard if guard is not None else ReplayGuard()

    def verify(self, frame: Mapping[str, Any]) -> None:
        """Raise :class:`SignatureError` or :class:`ReplayError` unless ``frame`` is acceptable."""
        if "hmac" not in frame:
            raise SignatureError("frame is not signed")
        if not verify(self._key, frame, self._binding):
            raise SignatureError("frame signature does not match")
        self._guard.check(frame.get("ts"), frame.get("seq"), frame.get("nonce"))
