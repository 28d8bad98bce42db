"""Redactor: secret keys, secret-looking values, limits, and what must stay visible."""

from __future__ import annotations

from typing import Any

import pytest
from z4j_core.errors import RedactionConfigError
from z4j_core.redaction import DEPTH_MARKER, MARKER, Redactor

R = Redactor()


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "Password_Confirmation",
        "password_hash",
        "passwd",
        "pwd",
        "old_password",
        "new-password",
        "secret",
        "secrets",
        "client_secret",
        "webhook_secret",
        "secret_key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "api_token",
        "bearer_token",
        "session_token",
        "accessToken",
        "api_key",
        "apikey",
        "API-Key",
        "x-api-key",
        "x_api_key",
        "private_key",
        "authorization",
        "Proxy-Authorization",
        "auth",
        "credentials",
        "cookie",
        "set-cookie",
        "set_cookie",
        "ssn",
        "social_security_number",
        "credit_card",
        "credit_card_number",
        "card_number",
        "cvv",
        "cvc",
    ],
)
def test_secret_keys_mask_any_value(key: str) -> None:
    for value in ("hunter2", 1234, None, ["a", {"b": 1}], {"nested": "x"}):
        assert R.redact({key: value}) == {key: MARKER}
    assert R.is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "last_password_reset",
        "password_reset_sent",
        "token_count",
        "tokens",
        "max_tokens",
        "author",
        "authority",
        "cardinality",
        "secretary",
        "keyboard",
        "task_name",
        "description",
    ],
)
def test_substring_keys_are_kept(key: str) -> None:
    assert R.redact({key: "visible"}) == {key: "visible"}
    assert not R.is_secret_key(key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0",
            MARKER,
        ),
        ("Authorization: Bearer abcdefghijklmnop1234", f"Authorization: {MARKER}"),
        ("bearer abcdefghijklmnop1234.x", MARKER),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", MARKER),
        ("key=pk_test_TYooMQauvdEDq54NiTphI7jx", f"key={MARKER}"),
        ("rk_live_abcdefghijklmnop", MARKER),
        ("whsec_abcdefghijklmnop", MARKER),
        ("xoxb-123456789012-abcdefghijkl", MARKER),
        ("xoxp-123456789012-abcdefghijkl", MARKER),
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXX", MARKER),
        ("ghp_" + "a1" * 18, MARKER),
        ("gho_" + "Z" * 36, MARKER),
        ("github_pat_" + "x" * 82, MARKER),
        ("AKIAIOSFODNN7EXAMPLE", MARKER),
        ("id ASIAY34FZKBOKMUTVV7A here", f"id {MARKER} here"),
        ("AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"[:35], MARKER),
        ("SK" + "0123456789abcdef" * 2, MARKER),
        ("SG." + "a" * 22 + "." + "b" * 43, MARKER),
        ("postgres://bob:hunter2@db:5432/app", f"postgres://{MARKER}@db:5432/app"),
        ("postgresql://u:p@h/d", f"postgresql://{MARKER}@h/d"),
        ("mysql://root:pw@localhost", f"mysql://{MARKER}@localhost"),
        ("mongodb+srv://a:b@cluster0.x.net", f"mongodb+srv://{MARKER}@cluster0.x.net"),
        (
            "error: redis://:s3cret@localhost:6379/0 down",
            f"error: redis://{MARKER}@localhost:6379/0 down",
        ),
        ("amqp://guest:guest@rabbit//", f"amqp://{MARKER}@rabbit//"),
        ("amqps://u:p@mq", f"amqps://{MARKER}@mq"),
        (
            "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAbC=\n-----END RSA PRIVATE KEY-----\ny",
            f"x\n{MARKER}\ny",
        ),
        ("-----BEGIN PRIVATE KEY-----\nMIIEv...(cut)", MARKER),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", MARKER),
        ("4111111111111111", MARKER),
        ("card 4111 1111 1111 1111 declined", f"card {MARKER} declined"),
        ("5500-0000-0000-0004", MARKER),
        ("3782 822463 10005", MARKER),
        ("6011111111111117", MARKER),
        ("ssn 123-45-6789", f"ssn {MARKER}"),
        ("alice@example.com", MARKER),
        ("mail Bob.Smith+tag@mail.example.co.uk now", f"mail {MARKER} now"),
        ("a@b.io, c@d.io", f"{MARKER}, {MARKER}"),
    ],
)
def test_secret_values_masked(text: str, expected: str) -> None:
    assert R.redact(text) == expected
    assert R.redact([text]) == [expected]
    assert R.redact({"note": text}) == {"note": expected}


@pytest.mark.parametrize(
    "text",
    [
        "hello world",
        "app.tasks.send_invoice",
        "60719928-7987-4c86-8137-217ea5cb1c1e",
        "d576da2d4cdb47cc8dcbdf3c511cff52",
        "bare-13587-1795337971101",
        "1795337971101",  # unix milliseconds
        "1795337971101123456",  # unix nanoseconds
        "4111111111111112",  # fails Luhn
        "9111111111111111",  # no issuer starts with 9
        "order 7992739871300",  # Luhn-valid but issuer digit 7
        "abc4111111111111111",  # inside a word
        "000-12-3456",
        "666-12-3456",
        "123-00-4567",
        "2026-11-22",
        "celery@web-1",
        "user@localhost",
        "a@b",
        "task_test_abcdefghijklmn",  # holds "sk_test_" inside a word
        "mask_live_abcdefghijklmn",
        "https://example.com/path?q=1",
        "redis://localhost:6379/0",
        "postgres://db/app",
        "Bearer short",
        "TASK" + "0" * 32,  # "SK" + hex inside a word
        "-----BEGIN CERTIFICATE-----",
        "eyJhbGciOiJIUzI1NiJ9",
        "",
        "é" * 100,
    ],
)
def test_plain_values_kept(text: str) -> None:
    assert R.redact(text) == text


def test_emails_can_be_kept() -> None:
    keep = Redactor(mask_emails=False)
    assert keep.redact("alice@example.com") == "alice@example.com"
    assert keep.redact("postgres://a:b@h/d") == f"postgres://{MARKER}@h/d"


def test_structure_is_rebuilt() -> None:
    data: dict[Any, Any] = {
        "task_name": "app.charge",
        "args": (1, "alice@example.com", None, True, 2.5),
        "kwargs": {"password": "x", "card": {"cvv": 123}, "nested": [{"api_key": "k"}]},
        "alice@example.com": "address as a key",
        7: "int key",
    }
    out = R.redact(data)
    assert out == {
        "task_name": "app.charge",
        "args": [1, MARKER, None, True, 2.5],
        "kwargs": {"password": MARKER, "card": MARKER, "nested": [{"api_key": MARKER}]},
        MARKER: "address as a key",
        7: "int key",
    }
    assert out is not data
    assert data["kwargs"]["password"] == "x"  # input untouched


def test_other_objects_become_strings() -> None:
    class Thing:
        def __str__(self) -> str:
            return "thing with sk_live_abcdefghijklmnop"

    assert R.redact(Thing()) == f"thing with {MARKER}"
    assert R.redact({1, 2}) == "{1, 2}"
    assert R.redact(b"bytes") == "b'bytes'"


def test_depth_limit() -> None:
    deep: Any = "leaf"
    for _ in range(100):
        deep = [deep]
    out = R.redact(deep)
    for _ in range(64):
        out = out[0]
    assert out == DEPTH_MARKER
    shallow: Any = "leaf"
    for _ in range(64):
        shallow = {"k": shallow}
    assert R.redact(shallow) == shallow


def test_cycles_are_safe() -> None:
    loop: dict[str, Any] = {"name": "a"}
    loop["self"] = loop
    items: list[Any] = [1]
    items.append(items)
    assert R.redact(loop) == {"name": "a", "self": MARKER}
    assert R.redact(items) == [1, MARKER]
    shared = {"x": 1}
    assert R.redact([shared, shared]) == [{"x": 1}, {"x": 1}]  # repeats are not cycles


def test_long_strings_truncated() -> None:
    small = Redactor(max_value_bytes=100)
    assert small.redact("x" * 100) == "x" * 100
    assert small.redact("x" * 150) == "x" * 100 + "[...50 more bytes truncated]"
    # Multi-byte characters are counted in UTF-8 bytes and never cut in half.
    out = small.redact("é" * 60)  # 120 bytes
    assert out == "é" * 50 + "[...20 more bytes truncated]"
    default = R.redact("y" * 10_000)
    assert default.startswith("y" * 8192)
    assert default.endswith("[...1808 more bytes truncated]")


def test_secret_straddling_the_cut_is_masked() -> None:
    small = Redactor(max_value_bytes=100)
    out = small.redact("a" * 90 + " sk_live_abcdefghijklmnopqrstuvwxyz")
    assert "abcdefghij" not in out
    assert out.startswith("a" * 90 + " [REDACTED")  # the marker itself may be cut
    pem = small.redact("b" * 80 + "-----BEGIN EC PRIVATE KEY-----\n" + "K" * 5000)
    assert "KKK" not in pem


def test_extra_patterns() -> None:
    custom = Redactor(extra_key_patterns=[r"customer_.*"], extra_value_patterns=[r"ACME-\d{6}"])
    assert custom.redact({"customer_id": 5, "Customer_Name": "x", "id": 6}) == {
        "customer_id": MARKER,
        "Customer_Name": MARKER,
        "id": 6,
    }
    assert custom.redact("order ACME-123456 shipped") == f"order {MARKER} shipped"
    assert custom.redact("x") == "x"
    assert custom.redact({"password": "p"}) == {"password": MARKER}  # built-ins still on


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extra_key_patterns": ["("]},
        {"extra_value_patterns": ["[unclosed"]},
        {"extra_value_patterns": ["a*"]},
        {"extra_value_patterns": ["(?P<x>a)", "(?P<x>b)"]},
        {"max_value_bytes": 0},
    ],
    ids=["bad-key", "bad-value", "empty-match", "duplicate-group", "zero-limit"],
)
def test_bad_configuration_fails_at_construction(kwargs: dict[str, Any]) -> None:
    with pytest.raises(RedactionConfigError):
        Redactor(**kwargs)


def test_cache_is_bounded_and_consistent() -> None:
    redactor = Redactor()
    for i in range(20_000):
        assert redactor.redact(f"value number {i}") == f"value number {i}"
    assert len(redactor._value_cache) <= 8192
    assert redactor.redact("alice@example.com") == MARKER
    assert redactor.redact("alice@example.com") == MARKER


def test_long_adversarial_strings_are_fast() -> None:
    import time

    start = time.perf_counter()
    for text in ("a." * 4000, "a" * 8000 + "@", "1 " * 4000, "@" * 8000, "eyJ" * 2700):
        R.redact(text)
    assert time.perf_counter() - start < 0.5
