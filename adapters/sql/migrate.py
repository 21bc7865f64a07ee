"""Run the Alembic migrations programmatically, from an installed package in any working directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic Config for the package's own migrations and this database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolates '%'
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate up to `revision`. Blocking, and it runs its own event loop: from async code use upgrade_async."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate down to `revision` ("base" for nothing, "-1" for one step)."""
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """upgrade() in a worker thread, so its event loop does not collide with the caller's."""
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_async(url: str, revision: str) -> None:
    """downgrade() in a worker thread."""
    await asyncio.to_thread(downgrade, url, revision)


def revisions(url: str = "sqlite+aiosqlite://") -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]
