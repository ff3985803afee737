"""Key rotation: re-seal every stored identity number under the current data key.

Operator commands (see docs/data-at-rest.md for the whole rotation)::

    python -m sentra_documents.rekey new-key           # print a fresh key for the keyring
    python -m sentra_documents.rekey run [--batch-size N]
    python -m sentra_documents.rekey status            # which keys the stored values use

The database and the keyring come from `SENTRA_DOCUMENTS_DATABASE_URL` and
`SENTRA_DOCUMENTS_DATA_KEYS`, as for the service. `run` reads the applications in bounded
batches and rewrites each form whose values are not all under the current key (plaintext
values from before sealing included), one row per statement: it takes one row lock at a
time, so the running service never waits long on it and never deadlocks with it. A form
is written once and never changed afterwards; the rewrite is conditional on the stored
form being the one read all the same. It is idempotent: after a crash, run it again.
When `status` shows no value under an old key, that key can leave the keyring.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from pydantic import ValidationError

from sentra_documents.config import DocumentsSettings
from sentra_documents.sealed_forms import key_ids, reseal_form
from sentra_documents.sealing import Sealer, SealingError, new_key

DEFAULT_BATCH = 200


@dataclass
class Progress:
    total: int
    checked: int = 0
    rows_rewritten: int = 0
    values_resealed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.checked}/{self.total} applications checked, {self.rows_rewritten} "
            f"rewritten, {self.values_resealed} values re-sealed"
        )


async def rekey(
    conn: asyncpg.Connection,
    sealer: Sealer,
    *,
    batch_size: int = DEFAULT_BATCH,
    report: Callable[[Progress], None] = lambda _: None,
) -> Progress:
    """Re-seal every identity number under `sealer`'s current key; `report` after each batch."""
    progress = Progress(total=await conn.fetchval("SELECT count(*) FROM applications"))
    after = uuid.UUID(int=0)
    while True:
        rows = await conn.fetch(
            """SELECT application_id, form::text AS form FROM applications
               WHERE application_id > $1 ORDER BY application_id LIMIT $2""",
            after,
            batch_size,
        )
        if not rows:
            return progress
        for row in rows:
            resealed, changed = reseal_form(row["form"], row["application_id"], sealer)
            if changed:
                # Autocommit, one row at a time: never more than one row lock held.
                written = await conn.fetchval(
                    """UPDATE applications SET form = $2::jsonb
                       WHERE application_id = $1 AND form = $3::jsonb RETURNING true""",
                    row["application_id"],
                    resealed,
                    row["form"],
                )
                if written:
                    progress.rows_rewritten += 1
                    progress.values_resealed += changed
        progress.checked += len(rows)
        after = rows[-1]["application_id"]
        report(progress)


async def key_usage(conn: asyncpg.Connection) -> Counter[str | None]:
    """How many stored identity numbers each key seals (None: still plaintext)."""
    usage: Counter[str | None] = Counter()
    after = uuid.UUID(int=0)
    while rows := await conn.fetch(
        """SELECT application_id, form::text AS form FROM applications
           WHERE application_id > $1 ORDER BY application_id LIMIT $2""",
        after,
        1000,
    ):
        for row in rows:
            usage.update(key_ids(row["form"]))
        after = rows[-1]["application_id"]
    return usage


def describe_usage(usage: Counter[str | None], sealer: Sealer) -> str:
    lines = [
        f"  {'plaintext' if kid is None else kid}: {count}"
        for kid, count in sorted(usage.items(), key=lambda item: str(item[0]))
    ]
    stale = sorted(str(k) for k in usage if k != sealer.keyring.current)
    unused = [k for k in sealer.keyring.key_ids if k != sealer.keyring.current and k not in usage]
    verdict = (
        f"values not under the current key {sealer.keyring.current!r}: run `rekey run`"
        if stale
        else f"every value is sealed under the current key {sealer.keyring.current!r}"
    )
    if unused:
        verdict += f"; no value needs {', '.join(unused)}: it can leave the keyring"
    return "\n".join(["identity numbers by key:", *lines, verdict])


async def _command(command: str, batch_size: int) -> int:
    try:
        settings = DocumentsSettings()  # type: ignore[call-arg]  # fields from the environment
    except ValidationError as error:
        names = ", ".join(f"SENTRA_DOCUMENTS_{str(e['loc'][0]).upper()}" for e in error.errors())
        print(f"set {names}", file=sys.stderr)
        return 2
    sealer = Sealer.from_setting(settings.data_keys.get_secret_value())
    try:
        conn = await asyncpg.connect(settings.database_url)
    except (OSError, asyncpg.PostgresError) as error:
        # Never the URL: it may carry a password.
        print(f"cannot reach the documents database: {type(error).__name__}", file=sys.stderr)
        return 2
    try:
        if command == "run":
            print(f"re-sealing under key {sealer.keyring.current!r}", flush=True)
            done = await rekey(
                conn,
                sealer,
                batch_size=batch_size,
                report=lambda p: print(f"  {p}", flush=True),
            )
            print(f"done: {done}")
        print(describe_usage(await key_usage(conn), sealer))
    finally:
        await conn.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sentra_documents.rekey",
        description="Rotate the key that seals identity numbers at rest.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("new-key", help="print a fresh random key (base64) for the keyring")
    run = commands.add_parser("run", help="re-seal every stored value under the current key")
    run.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
    commands.add_parser("status", help="count the stored values per key")
    args = parser.parse_args(argv)
    if args.command == "new-key":
        print(new_key())
        return 0
    batch_size = getattr(args, "batch_size", DEFAULT_BATCH)
    if batch_size < 1:
        parser.error("--batch-size must be at least 1")
    try:
        return asyncio.run(_command(args.command, batch_size))
    except SealingError as error:
        print(f"rekey stopped: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
