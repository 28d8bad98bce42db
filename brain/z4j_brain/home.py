"""``$Z4J_HOME`` (default ``~/.z4j``): secret.env, config.env and the embedded pgdata.

Files here are the lowest-priority source of settings after built-in defaults. ``secret.env``
holds the secrets minted on first boot; it must stay private (mode 0600), because anyone who
reads it can forge agent frames and session cookies.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from z4j_brain.errors import ConfigError

SECRET_FILE = "secret.env"  # noqa: S105 - a file name, not a secret
CONFIG_FILE = "config.env"
MINTED_SECRETS = ("Z4J_SECRET", "Z4J_SESSION_SECRET")
MIN_SECRET_LENGTH = 32


def default_home() -> Path:
    """``~/.z4j`` of the current user."""
    return Path.home() / ".z4j"


def ensure_home(home: Path) -> Path:
    """Create ``home`` (0700) if needed and check that it is a writable directory."""
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            "Z4J_HOME",
            f"cannot create {home}: {exc.strerror}",
            "point Z4J_HOME at a writable directory",
        ) from None
    if not home.is_dir():
        raise ConfigError("Z4J_HOME", f"{home} is not a directory", "point Z4J_HOME at a directory")
    if not os.access(home, os.W_OK | os.X_OK):
        raise ConfigError(
            "Z4J_HOME", f"{home} is not writable", "point Z4J_HOME at a writable directory"
        )
    return home


def parse_env_file(path: Path) -> dict[str, str]:
    """Read ``KEY=value`` lines; ``#`` comments, blank lines and ``export`` prefixes are allowed."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return values
    except OSError as exc:
        raise ConfigError(
            str(path), f"cannot read: {exc.strerror}", "check the file's permissions"
        ) from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ConfigError(f"{path}:{number}", "expected KEY=value", "fix or delete that line")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def check_private(path: Path) -> None:
    """Refuse a secrets file that group or others can read or write."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            str(path),
            f"permissions are {stat.filemode(mode)}; secrets must be readable by the owner only",
            f"chmod 600 {path}",
        )


def read_home_settings(home: Path) -> dict[str, str]:
    """``config.env`` overlaid by ``secret.env`` (both optional)."""
    secret_path = home / SECRET_FILE
    check_private(secret_path)
    values = parse_env_file(home / CONFIG_FILE)
    values.update(parse_env_file(secret_path))
    return values


def mint_missing_secrets(home: Path, present: set[str]) -> dict[str, str]:
    """Append freshly generated values for the secrets not in ``present`` to ``secret.env``.

    Returns what was minted. The file is created 0600 with ``O_EXCL`` semantics so a secret is
    never briefly world-readable; later boots read the same values back.
    """
    missing = [name for name in MINTED_SECRETS if name not in present]
    if not missing:
        return {}
    minted = {name: secrets.token_urlsafe(48) for name in missing}
    path = home / SECRET_FILE
    check_private(path)
    lines = "".join(f"{name}={value}\n" for name, value in minted.items())
    header = (
        ""
        if path.exists()
        else "# Minted by `z4j serve` on first boot. Keep private; back up with the database.\n"
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise ConfigError(
            "Z4J_HOME", f"cannot write {path}: {exc.strerror}", "make Z4J_HOME writable"
        ) from None
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(header + lines)
        fh.flush()
        os.fsync(fh.fileno())
    return minted
