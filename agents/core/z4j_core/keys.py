"""Project signing keys and agent bearer tokens (byte-compatible with z4j 1.x).

The brain never stores a project key: it derives it from ``Z4J_SECRET`` whenever it needs it,
so rotating the secret rotates every key. Tokens are stored only as a keyed hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid

_PROJECT_KEY_CONTEXT = b"z4j-project-secret-v1:"
_TOKEN_KEY_SUFFIX = b"z4j-agent-token-v1"
MIN_KEY_BYTES = 32


def derive_project_key(secret: str, project_id: uuid.UUID) -> bytes:
    """The 32-byte HMAC key of one project: HMAC-SHA256(secret, context + project uuid).

    ``bytes_le`` (Microsoft field order) is what 1.x used; keeping it keeps credentials
    minted by a 1.x brain valid against ours.
    """
    msg = _PROJECT_KEY_CONTEXT + project_id.bytes_le
    return hmac.new(secret.encode(), msg, hashlib.sha256).digest()


def encode_project_key(key: bytes) -> str:
    """The agent-facing form of a project key (``Z4J_HMAC_SECRET``): urlsafe base64, padded."""
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_project_key(text: str) -> bytes:
    """Decode ``Z4J_HMAC_SECRET``; padding may be missing. Raises ValueError if invalid or short."""
    try:
        raw = text.strip().encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("hmac secret is not ASCII") from None
    raw += b"=" * (-len(raw) % 4)
    try:
        # validate=True refuses stray characters instead of silently skipping them.
        key = base64.b64decode(raw, altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError(f"hmac secret is not valid base64url: {exc}") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"hmac secret decodes to {len(key)} bytes; at least {MIN_KEY_BYTES} needed"
        )
    return key


def mint_token() -> str:
    """A fresh agent bearer token (43 characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(secret: str, token: str) -> bytes:
    """The 32-byte digest stored for a token and looked up on connect.

    1.x stored the hex of the same digest; ``token_hash(...).hex()`` gives that form.
    """
    return hmac.new(secret.encode() + _TOKEN_KEY_SUFFIX, token.encode(), hashlib.sha256).digest()
