"""ReplayGuard: timestamp window, strictly increasing seq, nonce memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from z4j_core.errors import ReplayError
from z4j_core.protocol import CloseCode
from z4j_core.replay import ReplayGuard, parse_ts

NOW = datetime(2026, 11, 22, 8, 59, 31, 190538, tzinfo=UTC)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def ts(delta: float = 0.0) -> str:
    return (NOW + timedelta(seconds=delta)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock: Clock) -> ReplayGuard:
    return ReplayGuard(clock=clock)


def test_fresh_frames_pass(guard: ReplayGuard) -> None:
    guard.check(ts(), 1, "n1")
    guard.check(ts(59), 2, "n2")
    guard.check(ts(-59), 7, "n3")  # gaps are fine
    assert guard.last_seq == 7


@pytest.mark.parametrize("delta", [61.0, -61.0, 3600.0])
def test_stale_or_future_ts_rejected(guard: ReplayGuard, delta: float) -> None:
    with pytest.raises(ReplayError, match="skew"):
        guard.check(ts(delta), 1, "n1")


@pytest.mark.parametrize(
    "value",
    [None, "2026-11-22T08:59:31.190538", "yesterday", "", "2026-11-22"],
    ids=["missing", "naive", "garbage", "empty", "date-only"],
)
def test_bad_ts_rejected(guard: ReplayGuard, value: str | None) -> None:
    with pytest.raises(ReplayError, match="ts"):
        guard.check(value, 1, "n1")


def test_offset_ts_accepted(guard: ReplayGuard) -> None:
    guard.check("2026-11-22T10:59:31.190538+02:00", 1, "n1")


def test_repeated_and_decreasing_seq_rejected(guard: ReplayGuard) -> None:
    guard.check(ts(), 5, "a")
    with pytest.raises(ReplayError, match="seq 5"):
        guard.check(ts(), 5, "b")
    with pytest.raises(ReplayError, match="seq 4"):
        guard.check(ts(), 4, "c")
    guard.check(ts(), 6, "d")


@pytest.mark.parametrize("seq", [0, -1, "3", 2.0, True, None])
def test_seq_must_be_positive_int(guard: ReplayGuard, seq: object) -> None:
    with pytest.raises(ReplayError, match="seq"):
        guard.check(ts(), seq, "n1")


def test_reused_nonce_rejected(guard: ReplayGuard) -> None:
    guard.check(ts(), 1, "same")
    with pytest.raises(ReplayError, match="nonce"):
        guard.check(ts(), 2, "same")


@pytest.mark.parametrize("nonce", ["", "x" * 33, None, 12])
def test_nonce_shape(guard: ReplayGuard, nonce: object) -> None:
    with pytest.raises(ReplayError, match="nonce"):
        guard.check(ts(), 1, nonce)


def test_nonce_of_32_chars_ok(guard: ReplayGuard) -> None:
    guard.check(ts(), 1, "x" * 32)


def test_nonce_forgotten_after_ttl(clock: Clock, guard: ReplayGuard) -> None:
    guard.check(ts(), 1, "n")
    clock.now = NOW + timedelta(seconds=181)
    guard.check((NOW + timedelta(seconds=181)).isoformat(), 2, "n")


def test_refused_frame_changes_nothing(guard: ReplayGuard) -> None:
    guard.check(ts(), 1, "n1")
    with pytest.raises(ReplayError):
        guard.check(ts(), 9, "n1")  # nonce reuse, after a seq that would have passed
    assert guard.last_seq == 1
    with pytest.raises(ReplayError):
        guard.check(ts(120), 2, "n2")  # stale; must not burn n2
    guard.check(ts(), 2, "n2")


def test_nonce_memory_is_bounded(clock: Clock) -> None:
    guard = ReplayGuard(max_nonces=4, clock=clock)
    for seq in range(1, 101):
        guard.check(ts(), seq, f"n{seq}")
        assert len(guard._nonces) <= 4
    assert list(guard._nonces) == ["n97", "n98", "n99", "n100"]
    # An evicted nonce replayed with its old seq is still refused by the seq rule.
    with pytest.raises(ReplayError, match="seq"):
        guard.check(ts(), 1, "n1")


def test_replay_error_closes_4403() -> None:
    assert ReplayError("x").close_code == CloseCode.BAD_SIGNATURE == 4403


def test_parse_ts() -> None:
    assert parse_ts("2026-11-22T08:59:31.190538Z") == NOW
    parsed = parse_ts("2026-11-22T09:59:31.190538+01:00")
    assert parsed == NOW
    assert parsed.utcoffset() == timezone(timedelta(hours=1)).utcoffset(None)
    with pytest.raises(ValueError, match="timezone"):
        parse_ts("2026-11-22T08:59:31")
    with pytest.raises(ValueError):  # noqa: PT011 - fromisoformat's own message
        parse_ts("not a time")
    with pytest.raises(ValueError, match="string"):
        parse_ts(1234)  # pyright: ignore[reportArgumentType]
