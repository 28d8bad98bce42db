"""Settings precedence, secret minting and the errors bad configuration gets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from z4j_brain.errors import ConfigError
from z4j_brain.settings import load_settings

GOOD = "s" * 40


def test_defaults_and_first_boot_minting(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings({"home": str(home)}, environ={})
    assert settings.bind_host == "0.0.0.0"
    assert settings.bind_port == 7700
    assert settings.database_url is None
    assert settings.public_url == "http://localhost:7700"
    assert settings.event_retention_days == 30
    secret_file = home / "secret.env"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    text = secret_file.read_text()
    assert f"Z4J_SECRET={settings.secret}\n" in text
    assert f"Z4J_SESSION_SECRET={settings.session_secret}\n" in text
    assert len(settings.secret) >= 32
    assert settings.secret != settings.session_secret


def test_restart_reuses_minted_secrets(tmp_path: Path) -> None:
    first = load_settings({"home": str(tmp_path)}, environ={})
    before = (tmp_path / "secret.env").read_text()
    second = load_settings({"home": str(tmp_path)}, environ={})
    assert (second.secret, second.session_secret) == (first.secret, first.session_secret)
    assert (tmp_path / "secret.env").read_text() == before


def test_only_missing_secrets_are_minted(tmp_path: Path) -> None:
    settings = load_settings({"home": str(tmp_path)}, environ={"Z4J_SECRET": GOOD})
    assert settings.secret == GOOD
    text = (tmp_path / "secret.env").read_text()
    assert "Z4J_SECRET=" not in text
    assert "Z4J_SESSION_SECRET=" in text


def test_precedence_kwargs_over_env_over_files_over_defaults(tmp_path: Path) -> None:
    (tmp_path / "config.env").write_text(
        "# comment\nZ4J_BIND_PORT=7001\nexport Z4J_WORKERS=3\nZ4J_EVENT_RETENTION_DAYS='9'\n"
    )
    env = {"Z4J_BIND_PORT": "7002", "Z4J_LOG_LEVEL": "DEBUG"}
    from_files = load_settings({"home": str(tmp_path)}, environ={})
    assert (from_files.bind_port, from_files.workers, from_files.event_retention_days) == (
        7001,
        3,
        9,
    )
    from_env = load_settings({"home": str(tmp_path)}, environ=env)
    assert (from_env.bind_port, from_env.workers, from_env.log_level) == (7002, 3, "debug")
    from_kwargs = load_settings(
        {"home": str(tmp_path), "bind_port": 7003, "workers": None}, environ=env
    )
    assert (from_kwargs.bind_port, from_kwargs.workers) == (7003, 3)
    assert from_kwargs.public_url == "http://localhost:7003"


def test_home_from_environment(tmp_path: Path) -> None:
    settings = load_settings(environ={"Z4J_HOME": str(tmp_path / "h")})
    assert settings.home == str(tmp_path / "h")
    assert (tmp_path / "h" / "secret.env").exists()


def test_sqlalchemy_style_url_is_accepted(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://u:p@db.internal:5432/z4j"
    settings = load_settings({"home": str(tmp_path)}, environ={"Z4J_DATABASE_URL": url})
    assert settings.database_url == "postgresql://u:p@db.internal:5432/z4j"


@pytest.mark.parametrize(
    ("env", "setting", "fragment"),
    [
        ({"Z4J_DATABASE_URL": "mysql://u@h/db"}, "Z4J_DATABASE_URL", "unsupported scheme"),
        ({"Z4J_DATABASE_URL": "postgresql://u@h:99999/db"}, "Z4J_DATABASE_URL", "not a valid URL"),
        ({"Z4J_DATABASE_URL": "postgresql://u@h:5432"}, "Z4J_DATABASE_URL", "names no database"),
        ({"Z4J_BIND_PORT": "http"}, "Z4J_BIND_PORT", "not a whole number"),
        ({"Z4J_BIND_PORT": "70000"}, "Z4J_BIND_PORT", "out of range"),
        ({"Z4J_SECRET": "short"}, "Z4J_SECRET", "at least 32"),
        ({"Z4J_PUBLIC_URL": "https://user:pw@z4j.example.com"}, "Z4J_PUBLIC_URL", "user name"),
        ({"Z4J_PUBLIC_URL": "z4j.example.com"}, "Z4J_PUBLIC_URL", "not an http(s) URL"),
        ({"Z4J_LOG_LEVEL": "loud"}, "Z4J_LOG_LEVEL", "unknown level"),
        ({"Z4J_EVENT_RETENTION_DAYS": "0"}, "Z4J_EVENT_RETENTION_DAYS", "out of range"),
    ],
)
def test_bad_values_name_the_setting(
    tmp_path: Path, env: dict[str, str], setting: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"home": str(tmp_path)}, environ=env)
    assert info.value.setting == setting
    assert fragment in info.value.message
    assert info.value.fix


def test_short_secret_in_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.env"
    path.write_text("Z4J_SECRET=tooshort\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_settings({"home": str(tmp_path)}, environ={})
    assert info.value.setting.startswith("Z4J_SECRET (in ")
    assert "delete it" in info.value.fix


def test_world_readable_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.env"
    path.write_text(f"Z4J_SECRET={GOOD}\nZ4J_SESSION_SECRET={GOOD}\n")
    path.chmod(0o644)
    with pytest.raises(ConfigError) as info:
        load_settings({"home": str(tmp_path)}, environ={})
    assert info.value.fix == f"chmod 600 {path}"


def test_malformed_file_line_is_located(tmp_path: Path) -> None:
    (tmp_path / "config.env").write_text("Z4J_BIND_PORT=1\nthis is not a setting\n")
    with pytest.raises(ConfigError) as info:
        load_settings({"home": str(tmp_path)}, environ={})
    assert info.value.setting.endswith("config.env:2")


def test_unwritable_home(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as info:
        load_settings({"home": str(blocker / "home")}, environ={})
    assert info.value.setting == "Z4J_HOME"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a 0500 directory")
def test_read_only_home(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ConfigError) as info:
            load_settings({"home": str(tmp_path)}, environ={})
        assert info.value.setting == "Z4J_HOME"
    finally:
        tmp_path.chmod(0o700)


def test_unknown_override_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"home": str(tmp_path), "colour": "blue"}, environ={})
    assert info.value.setting == "colour"
