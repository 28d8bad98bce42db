"""asyncpg connection pools with JSON decoded by msgspec."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg
import msgspec

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.queries._types import ConnectionLike

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def _encode_json(value: Any) -> bytes:
    return _encoder.encode(value)


def _encode_jsonb(value: Any) -> bytes:
    # jsonb's binary wire format is a version byte (1) followed by the JSON text.
    return b"\x01" + _encoder.encode(value)


def _decode_jsonb(data: bytes) -> Any:
    return _decoder.decode(data[1:])


async def init_connection(conn: asyncpg.Connection) -> None:
    """Register binary json/jsonb codecs: Python values in, Python values out.

    Binary (not text) so that COPY, which always uses the binary format, can load jsonb too.
    """
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=_encode_json, decoder=_decoder.decode, format="binary"
    )
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=_encode_jsonb, decoder=_decode_jsonb, format="binary"
    )


async def connect(dsn: Dsn, *, connect_timeout: float = 10.0) -> asyncpg.Connection:
    """One connection with the codecs registered (for leader locks and CLI commands)."""
    conn = cast("asyncpg.Connection", await asyncpg.connect(dsn.url, timeout=connect_timeout))  # pyright: ignore[reportArgumentType]
    await init_connection(conn)
    return conn


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncGenerator[ConnectionLike]:
    """``pool.acquire()`` with the connection type stated (asyncpg leaves it unknown)."""
    async with pool.acquire() as conn:  # pyright: ignore[reportUnknownVariableType]
        yield cast("ConnectionLike", conn)


async def create_pool(dsn: Dsn, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """The process-wide pool; small by default because every granian worker has its own."""
    pool = await asyncpg.create_pool(
        dsn.url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        timeout=10.0,
        command_timeout=60.0,
        max_inactive_connection_lifetime=60.0,
    )
    assert pool is not None
    return pool
