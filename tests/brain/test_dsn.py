"""One database location spelled for asyncpg, dbmate and humans."""

from __future__ import annotations

from z4j_brain.db.dsn import Dsn


def test_socket_urls_for_each_client() -> None:
    dsn = Dsn.for_socket("/tmp/pg", "z4j")
    assert dsn.url == "postgresql://postgres@/z4j?host=/tmp/pg&port=5432"
    assert dsn.socket_dir == "/tmp/pg"
    assert dsn.for_dbmate() == "postgres://postgres@:5432/z4j?socket=%2Ftmp%2Fpg"
    assert dsn.with_database("other").database == "other"
    assert "unix socket" in dsn.describe()


def test_tcp_urls_keep_ssl_choice_and_hide_passwords() -> None:
    local = Dsn(url="postgresql://u:secret@127.0.0.1:5432/z4j")
    assert local.for_dbmate() == "postgres://u:secret@127.0.0.1:5432/z4j?sslmode=disable"
    assert local.masked() == "postgresql://u:***@127.0.0.1:5432/z4j"
    assert "secret" not in local.describe()
    remote = Dsn(url="postgresql://u@db.example.com/z4j?sslmode=require")
    assert remote.for_dbmate() == "postgres://u@db.example.com/z4j?sslmode=require"
    assert remote.masked() == remote.url
