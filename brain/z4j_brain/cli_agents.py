"""``z4j project`` and ``z4j agent``: create projects, mint and revoke agent tokens.

Interim operator commands until the REST API and dashboard expose the same actions.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import click

from z4j_brain.database import database
from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.db.queries import agents as aq
from z4j_brain.db.queries import projects as pq
from z4j_brain.errors import ConfigError
from z4j_brain.services.agents import AgentError, mint_agent, revoke_agent
from z4j_brain.settings import load_settings


def _run(fn: Any) -> Any:
    """Run ``fn(conn, secret)`` on the configured database."""
    settings = load_settings()
    click.get_current_context().meta["z4j.public_url"] = settings.public_url

    async def go(dsn: Dsn) -> Any:
        conn = await connect(dsn)
        try:
            return await fn(conn, settings.secret)
        finally:
            await conn.close()

    with database(settings) as dsn:
        return asyncio.run(go(dsn))


@click.group()
def project() -> None:
    """Manage projects."""


@project.command("create")
@click.argument("slug")
@click.option("--name", help="Display name [default: the slug].")
def project_create(slug: str, name: str | None) -> None:
    """Create project SLUG (lower-case letters, digits and dashes)."""

    async def create(conn: asyncpg.Connection, _secret: str) -> uuid.UUID:
        try:
            row = await pq.create_project(conn, slug=slug, name=name or slug, description="")
        except asyncpg.CheckViolationError:
            raise ConfigError(
                "SLUG", f"{slug!r} is not a valid slug", "use 2-63 of a-z, 0-9 and -"
            ) from None
        except asyncpg.UniqueViolationError:
            raise ConfigError(
                "SLUG", f"project {slug!r} already exists", "pick another slug"
            ) from None
        assert row is not None
        return row.id

    project_id = _run(create)
    click.echo(f"created project {slug} ({project_id})")


@click.group()
def agent() -> None:
    """Manage agent tokens."""


@agent.command("mint")
@click.option("--project", "slug", required=True, help="Project slug.")
@click.option("--name", required=True, help="Agent name, unique in the project.")
def agent_mint(slug: str, name: str) -> None:
    """Mint an agent token; the token and hmac_secret are shown only now."""

    async def mint(conn: asyncpg.Connection, secret: str) -> Any:
        found = await pq.get_project_by_slug(conn, slug=slug)
        if found is None:
            raise ConfigError(
                "--project", f"no project {slug!r}", f"create it with `z4j project create {slug}`"
            )
        try:
            return await mint_agent(conn, secret=secret, project_id=found.id, name=name)
        except AgentError as exc:
            raise ConfigError("--name", exc.message, "choose another name") from None

    minted = _run(mint)
    click.echo(
        f"# agent {minted.name} ({minted.agent_id}) in project {slug}; shown once, store it now"
    )
    click.echo(f"Z4J_BRAIN_URL={click.get_current_context().meta['z4j.public_url']}")
    click.echo(f"Z4J_TOKEN={minted.token}")
    click.echo(f"Z4J_HMAC_SECRET={minted.hmac_secret}")
    click.echo(f"Z4J_PROJECT_ID={slug}")


@agent.command("revoke")
@click.option("--project", "slug", required=True, help="Project slug.")
@click.option("--name", required=True, help="Agent name.")
def agent_revoke(slug: str, name: str) -> None:
    """Revoke an agent token; its open connections close with 4003 on every brain process."""

    async def revoke(conn: asyncpg.Connection, _secret: str) -> bool:
        found = await aq.get_agent_by_name(conn, project_slug=slug, name=name)
        if found is None:
            raise ConfigError("--name", f"no agent {name!r} in project {slug!r}", "check the names")
        return await revoke_agent(conn, agent_id=found.id)

    click.echo("revoked" if _run(revoke) else "already revoked")
