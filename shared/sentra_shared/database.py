"""PostgreSQL plumbing: the connection pool and plain-SQL migrations applied in order.

Several processes of a service may start at once: one migrator at a time holds a
session advisory lock, and the others find the files applied when they get it. Each
applied file's sha256 is kept in `schema_migrations.checksum`; a file edited after it
was applied stops the service at startup, naming the file (an edit is never applied to a
database that already ran the old text: write a new migration instead). Rows applied
before the column existed get the current file's checksum on the first start that has
it, and are checked from then on. Why our own runner and not a migration tool:
docs/several-instances.md.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"

# One lock id for every service's migrator: two processes of the same service starting
# at once must not apply the same file twice.
_MIGRATION_LOCK = 0x5E47_0001


async def _keep_session(_: asyncpg.Connection) -> None:
    """The pool's reset on release, instead of asyncpg's default query (unlock all, close
    cursors, UNLISTEN *, RESET ALL: one round trip per release, the price of a whole
    statement). Sentra leaves no session state on a pooled connection: its locks are
    transaction-level (the migrator unlocks its session lock itself), no code runs SET,
    cursors live inside transactions and `remove_listener` unlistens. asyncpg still rolls
    back a transaction left open before calling this."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, reset=_keep_session)
    if pool is None:  # pragma: no cover - asyncpg types it Optional
        raise RuntimeError("asyncpg returned no pool")
    return pool


class MigrationChanged(RuntimeError):
    """An applied migration file no longer has the text that was applied."""


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
            await conn.execute(
                "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text"
            )
            done = {
                r["name"]: r["checksum"]
                for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")
            }
            _refuse_changed(files, done)
            for name, path in files:
                if name in done:
                    if done[name] is None:  # applied before checksums were kept
                        await conn.execute(
                            "UPDATE schema_migrations SET checksum = $2 WHERE name = $1",
                            name,
                            checksum(path),
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute(
                        "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                        name,
                        checksum(path),
                    )
                log.info("applied migration %s", name)
                applied.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied


def _refuse_changed(files: list[tuple[str, Path]], done: dict[str, str | None]) -> None:
    """Before anything runs: every applied file must still be the text that was applied."""
    changed = [
        (name, path)
        for name, path in files
        if done.get(name) is not None and done[name] != checksum(path)
    ]
    if changed:
        listed = ", ".join(f"{name} ({path})" for name, path in changed)
        raise MigrationChanged(
            f"migration file changed after it was applied: {listed}. Restore the applied "
            "text and put the change in a new migration file."
        )
