"""Replay protection for signed frames: timestamp window, sequence numbers, nonces.

One :class:`ReplayGuard` belongs to one connection and one direction; it is created fresh
per WebSocket session, because both sides restart ``seq`` at 1 after every reconnect.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from z4j_core.errors import ReplayError

MAX_NONCE_CHARS = 32


def parse_ts(text: str) -> datetime:
    """Parse an ISO-8601 timestamp with ``Z`` or an offset; naive or invalid → ValueError."""
    try:
        # fromisoformat is C code and accepts "Z" from 3.11 on; a regex would be slower.
        parsed = datetime.fromisoformat(text)
    except TypeError:
        raise ValueError("timestamp is not a string") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("timestamp has no timezone")
    return parsed


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReplayGuard:
    """Rejects stale, out-of-order and repeated frames of one connection direction."""

    def __init__(
        self,
        *,
        max_skew_seconds: float = 60.0,
        nonce_ttl_seconds: float = 180.0,
        max_nonces: int = 4096,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._skew = timedelta(seconds=max_skew_seconds)
        self._ttl = timedelta(seconds=nonce_ttl_seconds)
        self._max_nonces = max_nonces
        self._clock = clock or _utcnow
        self._last_seq = 0
        # nonce -> expiry; insertion order is arrival order, so the oldest sit at the front.
        self._nonces: OrderedDict[str, datetime] = OrderedDict()

    @property
    def last_seq(self) -> int:
        """The highest ``seq`` accepted so far (0 before the first frame)."""
        return self._last_seq

    def check(self, ts: str | None, seq: object, nonce: object) -> None:
        """Accept the frame's replay fields or raise :class:`ReplayError`.

        State changes only when every check passes, so a refused frame does not move the
        sequence forward or burn its nonce.
        """
        now = self._clock()
        if ts is None:
            raise ReplayError("frame has no ts")
        try:
            sent = parse_ts(ts)
        except ValueError:
            raise ReplayError("frame ts is not a timezone-aware ISO-8601 timestamp") from None
        if abs(now - sent) > self._skew:
            raise ReplayError("frame ts is outside the allowed clock skew")
        if type(seq) is not int or seq < 1:
            raise ReplayError("frame seq is not a positive integer")
        if seq <= self._last_seq:
            raise ReplayError(f"frame seq {seq} is not above {self._last_seq}")
        if type(nonce) is not str or not 1 <= len(nonce) <= MAX_NONCE_CHARS:
            raise ReplayError("frame nonce is missing or longer than 32 characters")
        self._expire(now)
        if nonce in self._nonces:
            raise ReplayError("frame nonce was already used")
        self._last_seq = seq
        self._nonces[nonce] = now + self._ttl
        # Evicting a live nonce is safe: the strictly increasing seq still refuses a replay.
        while len(self._nonces) > self._max_nonces:
            self._nonces.popitem(last=False)

    def _expire(self, now: datetime) -> None:
        nonces = self._nonces
        while nonces:
            oldest = next(iter(nonces.values()))
            if oldest > now:
                break
            nonces.popitem(last=False)
