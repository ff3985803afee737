"""PostgreSQL plumbing: the connection pool and plain-SQL migrations applied in order."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"

# One lock id for every service's migrator: two processes of the same service starting
# at once must not apply the same file twice.
_MIGRATION_LOCK = 0x5E47_0001


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
    if pool is None:  # pragma: no cover - asyncpg types it Optional
        raise RuntimeError("asyncpg returned no pool")
    return pool


def _migration_files(directories: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    files: list[tuple[str, Path]] = []
    for namespace, directory in directories:
        for path in sorted(directory.glob("*.sql")):
            files.append((f"{namespace}/{path.name}", path))
    return files


async def migrate(pool: asyncpg.Pool, service_migrations: Path) -> list[str]:
    """Apply the shared plumbing migrations, then the service's own; return what ran."""
    files = _migration_files([("shared", SHARED_MIGRATIONS), ("service", service_migrations)])
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       name       text PRIMARY KEY,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, path in files:
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                log.info("applied migration %s", name)
                applied.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied
