"""Settings: keyword arguments > ``Z4J_*`` environment > ``$Z4J_HOME`` files > defaults.

Every setting is declared once in ``FIELDS`` with its environment name, parser and help text;
the README's configuration table and ``z4j serve --help`` say the same things.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from z4j_brain import home as home_files
from z4j_brain.errors import ConfigError


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The brain's resolved configuration; one instance per process, never mutated."""

    home: str
    database_url: str | None
    secret: str
    session_secret: str
    bind_host: str
    bind_port: int
    workers: int
    public_url: str
    event_retention_days: int
    partition_interval_seconds: float
    log_level: str
    ws_heartbeat_interval_seconds: int
    ws_idle_timeout_seconds: float
    ws_max_frame_bytes: int
    ws_connect_rate_per_minute: int
    ws_max_workers_per_agent: int
    redaction_extra_key_patterns: tuple[str, ...]
    redaction_extra_value_patterns: tuple[str, ...]

    @property
    def home_path(self) -> Path:
        """``home`` as a path."""
        return Path(self.home)

    @property
    def pgdata(self) -> Path:
        """Data directory of the embedded PostgreSQL."""
        return Path(self.home) / "pgdata"


Parser = Callable[[str, str], object]


def _text(name: str, raw: str) -> object:
    value = raw.strip()
    if not value:
        raise ConfigError(name, "must not be empty", f"set {name} or unset it to use the default")
    return value


def _int_range(low: int, high: int) -> Parser:
    def parse(name: str, raw: str) -> object:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(
                name, f"{raw!r} is not a whole number", f"set {name} to a number"
            ) from None
        if not low <= value <= high:
            raise ConfigError(name, f"{value} is out of range", f"use a value from {low} to {high}")
        return value

    return parse


def _seconds_range(low: float, high: float) -> Parser:
    def parse(name: str, raw: str) -> object:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ConfigError(
                name, f"{raw!r} is not a number of seconds", f"set {name} to e.g. 90"
            ) from None
        if not low <= value <= high:
            raise ConfigError(name, f"{value} is out of range", f"use {low:g} to {high:g} seconds")
        return value

    return parse


def _secret(name: str, raw: str) -> object:
    value = raw.strip()
    if len(value) < home_files.MIN_SECRET_LENGTH:
        raise ConfigError(
            name,
            f"is {len(value)} characters; at least {home_files.MIN_SECRET_LENGTH} are required",
            f"generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`, "
            f"or delete it from {home_files.SECRET_FILE} to have one minted",
        )
    return value


def _database_url(name: str, raw: str) -> object:
    value = raw.strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(
            name, f"is not a valid URL ({exc})", "use postgresql://user:password@host:5432/z4j"
        ) from None
    if parts.scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
        raise ConfigError(
            name,
            f"unsupported scheme {parts.scheme!r}; z4j stores its data in PostgreSQL 15 or newer",
            "use postgresql://user:password@host:5432/z4j, or unset it for the embedded database",
        )
    if not parts.path.strip("/"):
        raise ConfigError(name, "names no database", "append the database name, e.g. .../z4j")
    # 1.x wrote SQLAlchemy-style URLs; accept them so existing configs keep working.
    return value.replace("postgresql+asyncpg://", "postgresql://", 1)


def _public_url(name: str, raw: str) -> object:
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            name, f"{raw!r} is not an http(s) URL", "use e.g. https://z4j.example.com"
        )
    if parts.username or parts.password:
        raise ConfigError(name, "must not contain a user name or password", "remove the user@ part")
    return value


def _log_level(name: str, raw: str) -> object:
    value = raw.strip().lower()
    if value not in ("debug", "info", "warning", "error"):
        raise ConfigError(name, f"unknown level {raw!r}", "use debug, info, warning or error")
    return value


def _patterns(name: str, raw: str) -> object:
    """Comma-separated regular expressions; each must compile."""
    import re

    patterns = tuple(p.strip() for p in raw.split(",") if p.strip())
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                name, f"pattern {pattern!r} does not compile: {exc}", "fix the regular expression"
            ) from None
    return patterns


@dataclass(frozen=True)
class Field:
    """One setting: its Settings attribute, environment name, parser, default and help."""

    name: str
    env: str
    parse: Parser
    default: object
    help: str


FIELDS: tuple[Field, ...] = (
    Field(
        "database_url",
        "Z4J_DATABASE_URL",
        _database_url,
        None,
        "PostgreSQL URL (15 or newer). Unset: the embedded PostgreSQL 18 in $Z4J_HOME/pgdata.",
    ),
    Field(
        "secret",
        "Z4J_SECRET",
        _secret,
        None,
        "Master key for agent token hashes and per-project signing keys. Minted on first boot.",
    ),
    Field(
        "session_secret",
        "Z4J_SESSION_SECRET",
        _secret,
        None,
        "Key that signs session cookies; changing it logs everyone out. Minted on first boot.",
    ),
    Field("bind_host", "Z4J_BIND_HOST", _text, "0.0.0.0", "Address to listen on."),  # noqa: S104
    Field("bind_port", "Z4J_BIND_PORT", _int_range(1, 65535), 7700, "TCP port to listen on."),
    Field("workers", "Z4J_WORKERS", _int_range(1, 64), 1, "granian worker processes."),
    Field(
        "public_url",
        "Z4J_PUBLIC_URL",
        _public_url,
        None,
        "URL users and agents reach the brain at. Default: http://localhost:<port>.",
    ),
    Field(
        "event_retention_days",
        "Z4J_EVENT_RETENTION_DAYS",
        _int_range(1, 3650),
        30,
        "Days of events kept; older daily partitions are dropped.",
    ),
    Field(
        "partition_interval_seconds",
        "Z4J_PARTITION_INTERVAL_SECONDS",
        _seconds_range(1, 86400),
        3600.0,
        "How often the partition job creates upcoming and drops expired event partitions.",
    ),
    Field("log_level", "Z4J_LOG_LEVEL", _log_level, "info", "debug, info, warning or error."),
    Field(
        "ws_heartbeat_interval_seconds",
        "Z4J_WS_HEARTBEAT_INTERVAL_SECONDS",
        _int_range(1, 300),
        10,
        "Heartbeat interval agents are told to use (hello_ack).",
    ),
    Field(
        "ws_idle_timeout_seconds",
        "Z4J_WS_IDLE_TIMEOUT_SECONDS",
        _seconds_range(0.1, 86400),
        90.0,
        "An agent socket with no frame for this long is closed with 4408.",
    ),
    Field(
        "ws_max_frame_bytes",
        "Z4J_WS_MAX_FRAME_BYTES",
        _int_range(65536, 16 * 1048576),
        1048576,
        "Largest agent frame accepted (announced in hello_ack); larger closes with 4400.",
    ),
    Field(
        "ws_connect_rate_per_minute",
        "Z4J_WS_CONNECT_RATE_PER_MINUTE",
        _int_range(1, 1_000_000),
        600,
        "WebSocket handshakes allowed per client IP per minute; more close with 4429.",
    ),
    Field(
        "ws_max_workers_per_agent",
        "Z4J_WS_MAX_WORKERS_PER_AGENT",
        _int_range(1, 10_000),
        64,
        "Concurrent worker connections per agent token; more close with 4429.",
    ),
    Field(
        "redaction_extra_key_patterns",
        "Z4J_REDACTION_EXTRA_KEY_PATTERNS",
        _patterns,
        (),
        "Extra comma-separated regexes; matching keys in event data are masked before storage.",
    ),
    Field(
        "redaction_extra_value_patterns",
        "Z4J_REDACTION_EXTRA_VALUE_PATTERNS",
        _patterns,
        (),
        "Extra comma-separated regexes; matching string values in event data are masked.",
    ),
)


def load_settings(
    overrides: Mapping[str, object] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    mint_secrets: bool = True,
) -> Settings:
    """Resolve every setting from its highest-priority source and validate it.

    ``overrides`` are keyword arguments (CLI flags) keyed by attribute name; ``None`` values
    count as absent. With ``mint_secrets``, missing secrets are generated into
    ``$Z4J_HOME/secret.env`` and reused on later boots.
    """
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    env = os.environ if environ is None else environ
    known = {f.name for f in FIELDS} | {"home"}
    if unknown := sorted(set(given) - known):
        raise ConfigError(unknown[0], "is not a setting", f"use one of: {', '.join(sorted(known))}")

    home_raw = given.get("home") or env.get("Z4J_HOME") or str(home_files.default_home())
    home = home_files.ensure_home(Path(str(home_raw)).expanduser().resolve())
    files = home_files.read_home_settings(home)

    present = {f.env for f in FIELDS if f.name in given or env.get(f.env) or files.get(f.env)}
    if mint_secrets:
        files.update(home_files.mint_missing_secrets(home, present))

    values: dict[str, object] = {"home": str(home)}
    for field in FIELDS:
        if field.name in given:
            raw = given[field.name]
            values[field.name] = field.parse(f"--{field.name.replace('_', '-')}", str(raw))
        elif env.get(field.env):
            values[field.name] = field.parse(field.env, env[field.env])
        elif files.get(field.env):
            values[field.name] = field.parse(f"{field.env} (in {home})", files[field.env])
        elif field.default is None and field.name in ("secret", "session_secret"):
            raise ConfigError(
                field.env, "is not set", f"set it, or let `z4j serve` mint it into {home}"
            )
        else:
            values[field.name] = field.default
    if values["public_url"] is None:
        values["public_url"] = f"http://localhost:{values['bind_port']}"
    return msgspec.convert(values, Settings)
