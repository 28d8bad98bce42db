"""Secret redaction for event data, run by the agents before buffering and by the brain on ingest.

Two rules:

* A dict value whose KEY looks secret (full match, case-insensitive: ``password``,
  ``api_key``, ``authorization``, ``cvv``...) is replaced whole, whatever its type. Substrings
  do not count: ``last_password_reset`` and ``token_count`` are kept.
* Inside every string (values and dict keys), spans that look like credentials (JWTs,
  Bearer tokens, Stripe/Slack/GitHub/AWS/Google/Twilio/SendGrid keys, ``user:password@`` in
  database and broker URIs, PEM private keys, Luhn-valid card numbers, US SSNs and, by
  default, email addresses) are replaced by the marker. Only the span is replaced, so a
  traceback that mentions a DSN stays readable.

Email addresses are masked by default, as 1.x did: they are personal data, and the brain's
database is often kept longer and shown to more people than the application's own logs.
Pass ``mask_emails=False`` where task arguments carry addresses that operators need to see.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from z4j_core import _secrets
from z4j_core._secrets import MARKER
from z4j_core.errors import RedactionConfigError

__all__ = ["DEPTH_MARKER", "MARKER", "MAX_DEPTH", "RedactionConfigError", "Redactor"]

DEPTH_MARKER = "[REDACTED:depth]"
MAX_DEPTH = 64

_CACHE_MAX = 8192
_CACHE_MAX_CHARS = 256
_TRUNCATE_MARGIN_CHARS = 1024
_MISSING: Any = object()


def _check(patterns: Sequence[str], what: str) -> list[str]:
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise RedactionConfigError(f"{what} pattern {pattern!r} is invalid: {exc}") from None
        if compiled.fullmatch("") is not None:
            raise RedactionConfigError(f"{what} pattern {pattern!r} matches the empty string")
    return list(patterns)


class Redactor:
    """Masks secrets in event data; build one per process and reuse it (it caches decisions).

    ``extra_key_patterns`` are full-match, case-insensitive regexes for dict keys;
    ``extra_value_patterns`` are searched inside strings (combined into one alternation, so
    use named groups rather than numbered backreferences). A pattern that does not compile or
    matches the empty string raises :class:`RedactionConfigError` here, at startup.
    Strings longer than ``max_value_bytes`` (UTF-8) are cut and get a
    ``[...N more bytes truncated]`` suffix, N counted on the original.
    """

    def __init__(
        self,
        *,
        extra_key_patterns: Sequence[str] = (),
        extra_value_patterns: Sequence[str] = (),
        max_value_bytes: int = 8192,
        mask_emails: bool = True,
    ) -> None:
        if max_value_bytes < 1:
            raise RedactionConfigError("max_value_bytes must be at least 1")
        keys = [*_secrets.KEY_PATTERNS, *_check(extra_key_patterns, "key")]
        extras = _check(extra_value_patterns, "value")
        try:
            self._key_re = re.compile("|".join(f"(?:{p})" for p in keys), re.IGNORECASE)
            self._extra_re = re.compile("|".join(f"(?:{p})" for p in extras)) if extras else None
        except re.error as exc:
            raise RedactionConfigError(f"redaction patterns do not combine: {exc}") from None
        self._mask_emails = mask_emails
        self._max_bytes = max_value_bytes
        # Strings shorter than this are returned untouched without any lookup: they can neither
        # hold a built-in match nor exceed the byte limit (4 bytes per character at most).
        shortest = 1 if extras else min(_secrets.MIN_TOKEN_CHARS, _secrets.MIN_EMAIL_CHARS)
        self._skip_below = min(shortest, max_value_bytes // 4 + 1)
        self._key_cache: dict[str, str | None] = {}
        # Event data repeats the same task, queue and worker names constantly; caching short
        # strings' results skips the scan for them. Bounded: cleared when full. It holds
        # strings this process has already seen, so it exposes nothing new.
        self._value_cache: dict[str, str] = {}

    def redact(self, value: Any) -> Any:
        """A redacted copy of ``value``: dicts and lists are rebuilt, tuples become lists.

        Scalars (None, bool, int, float) are returned as they are; other objects become their
        ``str()`` and are scrubbed like strings. Containers nested deeper than 64 levels are
        replaced by ``[REDACTED:depth]`` and a reference cycle by ``[REDACTED]``.
        """
        return self._walk(value, 0, set())

    def is_secret_key(self, key: str) -> bool:
        """Whether a dict key names a secret (its whole value is masked)."""
        return self._key_entry(key) is None

    def _key_entry(self, key: str) -> str | None:
        """None for a secret key, else the key as it is written out (scrubbed); cached."""
        entry = self._key_cache.get(key, _MISSING)
        if entry is _MISSING:
            entry = None if self._key_re.fullmatch(key) is not None else self.scrub(key)
            if len(key) <= _CACHE_MAX_CHARS:
                if len(self._key_cache) >= _CACHE_MAX:
                    self._key_cache.clear()
                self._key_cache[key] = entry
        return entry

    def scrub(self, text: str) -> str:
        """Mask secret-looking spans of one string and cut it to ``max_value_bytes``."""
        size = len(text)
        if size < self._skip_below:
            return text
        if size > _CACHE_MAX_CHARS:
            return self._scrub(text)
        cached = self._value_cache.get(text)
        if cached is None:
            cached = self._scrub(text)
            if len(self._value_cache) >= _CACHE_MAX:
                self._value_cache.clear()
            self._value_cache[text] = cached
        return cached

    def _walk(self, value: Any, depth: int, path: set[int]) -> Any:
        kind = type(value)  # pyright: ignore[reportUnknownVariableType] - exact-type fast path
        if kind is str:
            return self.scrub(value)
        if value is None or kind is int or kind is float or kind is bool:
            return value
        if kind is dict or kind is list or kind is tuple or isinstance(value, dict | list | tuple):
            if depth >= MAX_DEPTH:
                return DEPTH_MARKER
            marker = id(value)  # pyright: ignore[reportUnknownArgumentType]
            if marker in path:
                return MARKER
            path.add(marker)
            try:
                if isinstance(value, dict):
                    return self._walk_dict(value, depth + 1, path)  # pyright: ignore[reportUnknownArgumentType]
                return self._walk_list(value, depth + 1, path)  # pyright: ignore[reportUnknownArgumentType]
            finally:
                path.discard(marker)
        if isinstance(value, int | float):
            return value
        return self.scrub(str(value))

    # The two loops below inline the scalar cases of _walk: a Python call per leaf was most of
    # the cost of redacting an event.

    def _walk_dict(self, value: dict[Any, Any], depth: int, path: set[int]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        skip_below = self._skip_below
        keys = self._key_cache
        strings = self._value_cache
        for key, item in value.items():
            if type(key) is str:
                # The key is written out scrubbed: it may itself be an address or a token.
                entry = keys.get(key, _MISSING)
                if entry is _MISSING:
                    entry = self._key_entry(key)
                if entry is None:
                    out[key] = MARKER
                    continue
                key = entry
            kind = type(item)  # pyright: ignore[reportUnknownVariableType]
            if kind is str:
                if len(item) < skip_below:
                    out[key] = item
                else:
                    out[key] = strings.get(item) or self.scrub(item)
            elif item is None or kind is int or kind is bool or kind is float:
                out[key] = item
            else:
                out[key] = self._walk(item, depth, path)
        return out

    def _walk_list(
        self, value: list[Any] | tuple[Any, ...], depth: int, path: set[int]
    ) -> list[Any]:
        out: list[Any] = []
        skip_below = self._skip_below
        for item in value:
            kind = type(item)  # pyright: ignore[reportUnknownVariableType]
            if kind is str:
                out.append(item if len(item) < skip_below else self.scrub(item))
            elif item is None or kind is int or kind is bool or kind is float:
                out.append(item)
            else:
                out.append(self._walk(item, depth, path))
        return out

    def _scrub(self, text: str) -> str:
        limit = self._max_bytes
        size = len(text)
        if size * 4 <= limit or (
            size <= limit and len(text.encode("utf-8", "surrogatepass")) <= limit
        ):
            return self._mask(text)
        total = len(text.encode("utf-8", "surrogatepass"))
        # Mask a little beyond the cut, so a secret straddling it is masked, not half kept.
        masked = self._mask(text[: limit + _TRUNCATE_MARGIN_CHARS])
        kept = masked.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")
        return f"{kept}[...{total - limit} more bytes truncated]"

    def _mask(self, text: str) -> str:
        size = len(text)
        if size >= _secrets.MIN_TOKEN_CHARS:
            text = _secrets.TOKEN_RE.sub(_secrets.token, text)
        if size >= _secrets.MIN_NUMBER_CHARS:
            text = _secrets.NUMBER_RE.sub(_secrets.number, text)
        if self._mask_emails and "@" in text:
            text = _secrets.mask_emails(text)
        if self._extra_re is not None:
            text = self._extra_re.sub(MARKER, text)
        return text
