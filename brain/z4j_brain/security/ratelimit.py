"""In-process token buckets keyed by client address."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class KeyedRateLimit:
    """``rate`` events per ``per`` seconds for each key, with a burst of ``rate``.

    Memory is bounded: the least recently used keys beyond ``max_keys`` are forgotten (a
    forgotten key starts again with a full bucket, which only ever errs on the lenient side).
    """

    def __init__(
        self,
        rate: int,
        per: float = 60.0,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = float(rate)
        self._refill = rate / per
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False when its bucket is empty."""
        now = self._clock()
        tokens, stamp = self._buckets.pop(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - stamp) * self._refill)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return allowed
