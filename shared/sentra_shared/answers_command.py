"""`sentra-answers`: agency answers that could not be applied, for the operator.

    sentra-answers list [--all] [--service NAME]     open ones (--all: resolved ones too)
    sentra-answers show EVENT_ID                      one answer, every field
    sentra-answers resolve EVENT_ID --by NAME --note TEXT

Each deciding service keeps its own in its database: the command reads
`SENTRA_DOCUMENTS_DATABASE_URL`, `SENTRA_CREDIT_DATABASE_URL` and
`SENTRA_INSURANCE_DATABASE_URL` (those that are set), or only `--database-url`. Resolving
changes nothing but the row: what to do about the answer (ask the agency to withdraw it,
correct its system, take the case up by hand) is the operator's, written in the note.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from collections.abc import Sequence

import asyncpg

from sentra_shared import clock
from sentra_shared.answers import (
    DECIDING_SERVICES,
    UnexpectedAnswer,
    list_unexpected,
    load_unexpected,
    resolve,
)


def _databases(args: argparse.Namespace) -> dict[str, str]:
    """The databases to read, by service name."""
    if args.database_url:
        return {args.service or "database": args.database_url}
    services = [args.service] if args.service else list(DECIDING_SERVICES)
    urls = {s: os.environ.get(f"SENTRA_{s.upper()}_DATABASE_URL", "") for s in services}
    return {service: url for service, url in urls.items() if url}


def _print_table(answers: Sequence[UnexpectedAnswer]) -> None:
    print(
        f"{'answer event_id':<37} {'service':<10} {'agency':<21} {'application':<37} "
        f"{'case':<20} {'received (UTC)':<17} {'state':<9} detail"
    )
    for a in answers:
        state = "resolved" if a.resolved_at else "open"
        received = a.received_at.strftime("%Y-%m-%d %H:%M")
        print(
            f"{a.event_id!s:<37} {a.service:<10} {a.agency:<21} {a.application_id!s:<37} "
            f"{a.case.value:<20} {received:<17} {state:<9} {a.detail}"
        )
    print(f"{len(answers)} answer(s)")


def _print_one(a: UnexpectedAnswer) -> None:
    fields = {
        "answer event_id": a.event_id,
        "service": a.service,
        "agency": a.agency,
        "application": a.application_id,
        "request_id": a.request_id,
        "ce_type": a.ce_type,
        "outcome": a.outcome,
        "reason codes": ", ".join(a.reason_codes) or "-",
        "case": a.case.value,
        "detail": a.detail,
        "received_at": a.received_at.isoformat(),
        "resolved_at": a.resolved_at.isoformat() if a.resolved_at else "-",
        "resolved_by": a.resolved_by or "-",
        "note": a.note or "-",
    }
    for name, value in fields.items():
        print(f"{name + ':':<17} {value}")


async def _main(args: argparse.Namespace) -> int:
    databases = _databases(args)
    if not databases:
        print(
            "no database: set SENTRA_<SERVICE>_DATABASE_URL or pass --database-url",
            file=sys.stderr,
        )
        return 2
    found: list[UnexpectedAnswer] = []
    for service, url in databases.items():
        try:
            conn = await asyncpg.connect(url, timeout=10)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            # The URL may hold a password: name the service, not the URL.
            print(f"cannot reach the {service} database: {error}", file=sys.stderr)
            return 2
        try:
            if args.command == "list":
                found += await list_unexpected(conn, include_resolved=args.all)
                continue
            answer = await load_unexpected(conn, args.event_id)
            if answer is None:
                continue
            if args.command == "show":
                _print_one(answer)
                return 0
            if not await resolve(conn, args.event_id, by=args.by, note=args.note, at=clock.now()):
                print(f"answer {args.event_id} was resolved already", file=sys.stderr)
                return 1
            print(f"resolved {args.event_id} ({answer.service}, {answer.case.value})")
            return 0
        except asyncpg.UndefinedTableError:
            print(
                f"the {service} database has no unexpected_answers table: is it a "
                "deciding service's database, migrated by its service?",
                file=sys.stderr,
            )
            return 2
        finally:
            await conn.close()
    if args.command == "list":
        if args.service:
            found = [a for a in found if a.service == args.service]
        _print_table(sorted(found, key=lambda a: (a.received_at, str(a.event_id))))
        return 0
    print(f"no unexpected answer {args.event_id}", file=sys.stderr)
    return 1


def _words(value: str) -> str:
    # A resolution is a record an auditor reads later: who, and why, never blank.
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be blank")
    return value.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sentra-answers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", help="read only this database")
    parser.add_argument("--service", choices=DECIDING_SERVICES, help="only this service's")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="answers waiting for an operator")
    listing.add_argument("--all", action="store_true", help="resolved ones too")
    listing.add_argument("--service", choices=DECIDING_SERVICES, default=argparse.SUPPRESS)
    showing = commands.add_parser("show", help="one answer in full")
    showing.add_argument("event_id", type=uuid.UUID)
    resolving = commands.add_parser("resolve", help="close an answer with a note")
    resolving.add_argument("event_id", type=uuid.UUID)
    resolving.add_argument("--by", required=True, type=_words, help="who resolves it")
    resolving.add_argument("--note", required=True, type=_words, help="what was done about it")
    args = parser.parse_args(argv)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
