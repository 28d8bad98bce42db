"""Project keys and agent tokens: known-answer vectors computed with the stdlib from the spec."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

import pytest
from z4j_core.keys import (
    decode_project_key,
    derive_project_key,
    encode_project_key,
    mint_token,
    token_hash,
)

SECRET = "z4j-test-secret-with-64-chars-0123456789abcdef0123456789abcdef01"
PROJECT = uuid.UUID("251ff506-7ace-4b8c-b934-2bb40b5b76e5")
# HMAC-SHA256(SECRET, b"z4j-project-secret-v1:" + PROJECT.bytes_le), computed once with hmac.
PROJECT_KEY_HEX = "fbd09b26a3b31420e3ff5499a929c925f923e46ed9c288e406ee0fddadc67346"
PROJECT_KEY_B64 = "-9CbJqOzFCDj_1SZqSnJJfkj5G7ZwojkBu4P3a3Gc0Y="
TOKEN = "9kbuQ3vVxZ0example-token_abcdefghijklmnopq"
# HMAC-SHA256(SECRET + b"z4j-agent-token-v1", TOKEN), computed once with hmac.
TOKEN_HASH_HEX = "a77089023d71857960ce8b1212631e139f13d44fcaddc1e9b9fc46a321f123c0"


def test_project_key_known_answer() -> None:
    assert derive_project_key(SECRET, PROJECT).hex() == PROJECT_KEY_HEX


def test_project_key_uses_bytes_le_not_bytes() -> None:
    # bytes_le swaps the first three fields; 1.x credentials depend on it.
    assert PROJECT.bytes_le.hex() == "06f51f25ce7a8c4bb9342bb40b5b76e5"
    expected = hmac.new(
        SECRET.encode(), b"z4j-project-secret-v1:" + PROJECT.bytes_le, hashlib.sha256
    ).digest()
    wrong = hmac.new(
        SECRET.encode(), b"z4j-project-secret-v1:" + PROJECT.bytes, hashlib.sha256
    ).digest()
    assert derive_project_key(SECRET, PROJECT) == expected != wrong


def test_project_key_differs_per_project_and_secret() -> None:
    other = uuid.UUID("8dd11c2f-5c30-4ddb-b582-6c3f42562657")
    assert derive_project_key(SECRET, PROJECT) != derive_project_key(SECRET, other)
    assert derive_project_key(SECRET, PROJECT) != derive_project_key(SECRET + "x", PROJECT)


def test_encode_project_key_is_padded_urlsafe() -> None:
    text = encode_project_key(bytes.fromhex(PROJECT_KEY_HEX))
    assert text == PROJECT_KEY_B64
    assert len(text) == 44
    assert text == base64.urlsafe_b64encode(bytes.fromhex(PROJECT_KEY_HEX)).decode()


@pytest.mark.parametrize(
    "text",
    [PROJECT_KEY_B64, PROJECT_KEY_B64.rstrip("="), f"  {PROJECT_KEY_B64}\n"],
    ids=["padded", "unpadded", "whitespace"],
)
def test_decode_project_key_tolerates_missing_padding(text: str) -> None:
    assert decode_project_key(text).hex() == PROJECT_KEY_HEX


def test_decode_accepts_longer_keys() -> None:
    key = bytes(range(48))
    assert decode_project_key(encode_project_key(key)) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        encode_project_key(b"x" * 31),
        PROJECT_KEY_B64[:-5] + "!!!!=",
        PROJECT_KEY_B64[:-2] + "é",
        "A",  # 1 mod 4 characters can never be base64
    ],
    ids=["empty", "short", "31-bytes", "bad-chars", "non-ascii", "one-char"],
)
def test_decode_project_key_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="hmac secret"):
        decode_project_key(text)


def test_token_hash_known_answer() -> None:
    digest = token_hash(SECRET, TOKEN)
    assert isinstance(digest, bytes)
    assert len(digest) == 32
    assert digest.hex() == TOKEN_HASH_HEX


def test_token_hash_matches_spec_formula() -> None:
    token = mint_token()
    expected = hmac.new(SECRET.encode() + b"z4j-agent-token-v1", token.encode(), hashlib.sha256)
    assert token_hash(SECRET, token) == expected.digest()


def test_mint_token_shape() -> None:
    tokens = {mint_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 43
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
