"""The SIP3MI registry: licensed P3MI placement companies, loaded from the ministry's list.

Operator command (one transaction: a bad row loads nothing)::

    python -m sentra_documents.licences load FILE.csv [--database-url URL]

The database defaults to `SENTRA_DOCUMENTS_DATABASE_URL`. The CSV has a header row and
the columns `licence_number`, `holder`, `valid_from`, `valid_until` (ISO dates, both
inclusive) and `revoked_on` (ISO date, or empty when the licence was never revoked).
Rows are upserted by licence number; the command reports how many were added, updated
and left unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
from sentra_shared.clock import now

from sentra_documents.domain.placement import RecruiterLicence

COLUMNS = ("licence_number", "holder", "valid_from", "valid_until", "revoked_on")
SAMPLE_FILE = Path(__file__).parent / "sample_data" / "sip3mi_licences.csv"


class LicenceFileError(ValueError):
    """The file cannot be loaded; the message names the line."""


@dataclass(frozen=True)
class LoadReport:
    added: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}"


def read_licences(path: Path) -> list[RecruiterLicence]:
    """Every row of the file as a licence, or `LicenceFileError` for the first bad one."""
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise LicenceFileError(f"{path}:1: missing column(s) {', '.join(missing)}")
        licences: list[RecruiterLicence] = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            licence = _licence(row, f"{path}:{line}")
            if licence.licence_number in seen:
                raise LicenceFileError(
                    f"{path}:{line}: licence {licence.licence_number} "
                    f"already on line {seen[licence.licence_number]}"
                )
            seen[licence.licence_number] = line
            licences.append(licence)
    return licences


def _licence(row: dict[str, str | None], where: str) -> RecruiterLicence:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    for required in ("licence_number", "holder", "valid_from", "valid_until"):
        if not values[required]:
            raise LicenceFileError(f"{where}: {required} is empty")
    dates: dict[str, date | None] = {}
    for column in ("valid_from", "valid_until", "revoked_on"):
        try:
            dates[column] = date.fromisoformat(values[column]) if values[column] else None
        except ValueError:
            raise LicenceFileError(
                f"{where}: {column} {values[column]!r} is not a date (YYYY-MM-DD)"
            ) from None
    valid_from, valid_until = dates["valid_from"], dates["valid_until"]
    assert valid_from is not None and valid_until is not None  # required above
    if valid_until < valid_from:
        raise LicenceFileError(f"{where}: valid_until is before valid_from")
    return RecruiterLicence(
        licence_number=normalise_licence_number(values["licence_number"]),
        holder=values["holder"],
        valid_from=valid_from,
        valid_until=valid_until,
        revoked_on=dates["revoked_on"],
    )


def normalise_licence_number(number: str) -> str:
    # Officers and applicants type licence numbers in any case, with stray spaces.
    return "".join(number.split()).upper()


async def load_licences(conn: asyncpg.Connection, path: Path) -> LoadReport:
    """Upsert every licence of the file in one transaction; nothing when a row is bad."""
    licences = read_licences(path)
    added = updated = 0
    at = now()
    async with conn.transaction():
        for licence in licences:
            inserted = await conn.fetchval(
                """INSERT INTO recruiter_licences AS l
                       (licence_number, holder, valid_from, valid_until, revoked_on, loaded_at)
                   VALUES ($1, $2, $3, $4, $5, $6)
                   ON CONFLICT (licence_number) DO UPDATE
                   SET holder = EXCLUDED.holder, valid_from = EXCLUDED.valid_from,
                       valid_until = EXCLUDED.valid_until, revoked_on = EXCLUDED.revoked_on,
                       loaded_at = EXCLUDED.loaded_at
                   WHERE (l.holder, l.valid_from, l.valid_until, l.revoked_on)
                         IS DISTINCT FROM (EXCLUDED.holder, EXCLUDED.valid_from,
                                           EXCLUDED.valid_until, EXCLUDED.revoked_on)
                   RETURNING (xmax = 0)""",
                licence.licence_number,
                licence.holder,
                licence.valid_from,
                licence.valid_until,
                licence.revoked_on,
                at,
            )
            if inserted is True:
                added += 1
            elif inserted is False:
                updated += 1
    return LoadReport(added, updated, len(licences) - added - updated)


async def find_licence(conn: asyncpg.Connection, number: str | None) -> RecruiterLicence | None:
    """The licence named on a form, as the registry has it; None when it has no such one."""
    if not number:
        return None
    row = await conn.fetchrow(
        """SELECT licence_number, holder, valid_from, valid_until, revoked_on
           FROM recruiter_licences WHERE licence_number = $1""",
        normalise_licence_number(number),
    )
    return None if row is None else RecruiterLicence(**dict(row))


async def _load_command(path: Path, database_url: str) -> LoadReport:
    conn = await asyncpg.connect(database_url)
    try:
        return await load_licences(conn, path)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sentra_documents.licences", description="Load the SIP3MI registry."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="upsert the licences of a CSV file")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--database-url",
        default=os.environ.get("SENTRA_DOCUMENTS_DATABASE_URL"),
        help="default: SENTRA_DOCUMENTS_DATABASE_URL",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("no database: pass --database-url or set SENTRA_DOCUMENTS_DATABASE_URL")
    try:
        report = asyncio.run(_load_command(args.file, args.database_url))
    except (LicenceFileError, OSError) as error:
        print(f"nothing loaded: {error}", file=sys.stderr)
        return 2
    print(f"{args.file}: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
