"""The ``z4j`` command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from z4j_brain import __version__
from z4j_brain.errors import ConfigError


def _clean_errors(fn: Callable[..., None]) -> Callable[..., None]:
    """Operator mistakes end with one line and exit code 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"z4j: error: {exc.one_line()}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="z4j")
def main() -> None:
    """z4j: one dashboard, API and audit trail for Celery, RQ, Dramatiq, Huey, arq and TaskIQ.

    Settings come from command-line options, then Z4J_* environment variables, then
    $Z4J_HOME/config.env and secret.env ($Z4J_HOME defaults to ~/.z4j), then defaults.
    """


@main.command()
@click.option(
    "--host",
    "bind_host",
    metavar="ADDR",
    help="Address to listen on [Z4J_BIND_HOST; default 0.0.0.0].",
)
@click.option(
    "--port", "bind_port", type=int, metavar="PORT", help="TCP port [Z4J_BIND_PORT; default 7700]."
)
@click.option(
    "--workers", type=int, metavar="N", help="granian worker processes [Z4J_WORKERS; default 1]."
)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Data directory for secrets and the embedded database [Z4J_HOME; default ~/.z4j].",
)
@click.option(
    "--database-url",
    metavar="URL",
    help="External PostgreSQL 15+ [Z4J_DATABASE_URL; default: the embedded PostgreSQL 18 "
    "in $Z4J_HOME/pgdata].",
)
@_clean_errors
def serve(**options: Any) -> None:
    """Run the brain: dashboard, REST API and agent WebSocket.

    On first boot it mints Z4J_SECRET and Z4J_SESSION_SECRET into $Z4J_HOME/secret.env
    (mode 0600), initialises the embedded PostgreSQL unless Z4J_DATABASE_URL is set, and
    applies migrations. Stop it with Ctrl-C or SIGTERM; the embedded database stops with it.
    """
    from z4j_brain.boot import Boot

    boot = Boot(options)
    try:
        runtime = boot.prepare()
        boot.serve(runtime)
    finally:
        boot.shutdown()


def _register_groups() -> None:
    from z4j_brain.cli_agents import agent, project

    for group in (project, agent):
        for command in group.commands.values():
            command.callback = _clean_errors(command.callback)  # pyright: ignore[reportArgumentType]
        main.add_command(group)


@main.command()
def version() -> None:
    """Print the installed z4j version."""
    click.echo(__version__)


_register_groups()
