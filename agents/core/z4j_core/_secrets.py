"""What secrets look like: the key patterns and the string scanners behind ``Redactor``.

The value patterns are split by what they start with, because Python's regex engine can only
skip ahead quickly when every alternative starts with a literal (or the whole pattern with one
character class); a single alternation mixing lookbehinds and classes cost ~0.7 µs per
character, ten times more. So: one alternation of literal-prefixed tokens, one for digit runs,
and a hand-rolled email scan that only runs when the string contains ``@``.
"""

from __future__ import annotations

import re

MARKER = "[REDACTED]"

_SEP = r"[-_ ]?"
KEY_PATTERNS = (
    rf"(?:old|new|current){_SEP}(?:password|passwd|pwd|passphrase)",
    rf"(?:password|passwd|pwd|passphrase)(?:{_SEP}(?:confirmation|confirm|hash))?",
    rf"(?:(?:client|webhook|app|api|shared|signing){_SEP})?secrets?(?:{_SEP}key)?",
    rf"(?:(?:access|refresh|id|api|bearer|session|auth|csrf){_SEP})?token",
    rf"(?:x{_SEP})?api{_SEP}key",
    rf"private{_SEP}key",
    rf"(?:proxy{_SEP})?authorization|auth|credentials?|cookies?|set{_SEP}cookie",
    rf"ssn|social{_SEP}security(?:{_SEP}number)?",
    rf"(?:credit{_SEP})?card(?:{_SEP}number)?|credit{_SEP}card|cvv|cvc",
)

_ID = r"[A-Za-z0-9_-]"
_BEARER = r"\s+[A-Za-z0-9._~+/=-]{16,}"
# Every alternative starts with a literal character (see the module docstring); the word
# boundary before a token is checked in _token instead of with a leading \b.
_TOKENS = (
    rf"eyJ{_ID}{{5,}}\.eyJ{_ID}{{5,}}\.{_ID}*",  # JWT: header and claims both start '{"'
    f"Bearer{_BEARER}",
    f"bearer{_BEARER}",
    f"BEARER{_BEARER}",
    r"sk_(?:live|test)_[A-Za-z0-9]{10,}",  # Stripe
    r"pk_(?:live|test)_[A-Za-z0-9]{10,}",
    r"rk_(?:live|test)_[A-Za-z0-9]{10,}",
    r"whsec_[A-Za-z0-9]{10,}",
    r"xox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
    r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+",
    r"gh[pousr]_[A-Za-z0-9]{36,}",  # GitHub
    r"github_pat_[A-Za-z0-9_]{82,}",
    r"AKIA[A-Z0-9]{16}\b",  # AWS
    r"ASIA[A-Z0-9]{16}\b",
    rf"AIza{_ID}{{35}}",  # Google
    r"SK[0-9a-fA-F]{32}\b",  # Twilio
    rf"SG\.{_ID}{{16,}}\.{_ID}{{16,}}",  # SendGrid
    # PEM private key with its body, to the END line or to the end of the text if cut off.
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[\s\S]*)",
    # user:password@ of any URI (postgres, redis, amqp, https...): scheme and host stay visible.
    r"://[^\s:/@]*:[^\s@/]+@",
)
TOKEN_RE = re.compile("|".join(_TOKENS))

# Card numbers (13-19 digits, or 4-4-4-x / 4-6-5 groups) and US SSNs (3-2-4). The pattern
# starts with a character class so the engine jumps between digits; the "not preceded by a
# word character or hyphen" rule sits in the lookbehind after the first digit.
NUMBER_RE = re.compile(
    r"[0-9](?<![\w-][0-9])"
    r"(?:(?P<card>\d{12,18}|\d{3}(?P<s1>[ -])\d{4}(?P=s1)\d{4}(?P=s1)\d{1,7}"
    r"|\d{3}(?P<s2>[ -])\d{6}(?P=s2)\d{5})|\d{2}-\d{2}-\d{4})(?![\w-])"
)

# The domain part of an address; the local part is found by scanning back from the '@'.
_DOMAIN_RE = re.compile(r"@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")
_LOCAL_PUNCTUATION = frozenset("._%+-")

# No built-in pattern matches fewer characters than these.
MIN_TOKEN_CHARS = 6  # "://:p@"
MIN_NUMBER_CHARS = 11  # an SSN
MIN_EMAIL_CHARS = 6  # "a@b.io"


def luhn_valid(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum used by payment card numbers."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def token(match: re.Match[str]) -> str:
    """``TOKEN_RE.sub`` callback: mask a token unless it starts inside a word."""
    text = match.group()
    if text[0] == ":":
        return f"://{MARKER}@"
    start = match.start()
    if text[0] != "-" and start:
        before = match.string[start - 1]
        if before.isalnum() or before == "_":
            return text  # e.g. "task_test_..." holds "sk_test_" but is no Stripe key
    return MARKER


def number(match: re.Match[str]) -> str:
    """``NUMBER_RE.sub`` callback: mask Luhn-valid card numbers and plausible SSNs."""
    text = match.group()
    if match.group("card") is not None:
        digits = text.replace(" ", "").replace("-", "")
        # Issuer prefixes start with 2-6 (Mastercard, Amex/Diners/JCB, Visa, Mastercard,
        # Discover); with Luhn this spares most order numbers and millisecond timestamps.
        if digits[0] in "23456" and luhn_valid(digits):
            return MARKER
        return text
    area, group, serial = text[:3], text[4:6], text[7:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return text
    return MARKER


def mask_emails(text: str) -> str:
    """Replace email addresses in ``text`` by the marker (linear in the length of ``text``)."""
    pieces: list[str] = []
    done = 0
    for match in _DOMAIN_RE.finditer(text):
        at = start = match.start()
        # Never scan back past the previous replacement or '@', so the scan stays linear.
        while start > done:
            char = text[start - 1]
            if not (char.isalnum() or char in _LOCAL_PUNCTUATION):
                break
            start -= 1
        if start == at:
            continue
        pieces.append(text[done:start])
        pieces.append(MARKER)
        done = match.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
