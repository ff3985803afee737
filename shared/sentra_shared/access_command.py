"""`sentra-access`: the access file, as the broker should see it, and applying it.

    sentra-access show [PRINCIPAL]                 what each principal may do
    sentra-access apply --credentials FILE         users and ACLs exactly as access.toml says
    sentra-access rotate PRINCIPAL --credentials FILE   a new password for one principal

`apply` and `rotate` sign in as the broker's super user: SENTRA_KAFKA_USERNAME /
SENTRA_KAFKA_PASSWORD, or the `admin` entry of the credentials file. The credentials file
(JSON, principal -> password, mode 0600) gets a generated password for every principal
that has none; `rotate` replaces one. Passwords are never printed: hand a principal its
password from the file, through the channel agreed with that agency.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from confluent_kafka import KafkaException

from sentra_shared.access import (
    ADMIN,
    BROKER_USERS,
    AccessFileError,
    Grant,
    Principal,
    grants,
    load_principals,
)
from sentra_shared.access_admin import CredentialStore, apply_access, rotate_password
from sentra_shared.kafka_login import DEFAULT_BOOTSTRAP, KafkaLogin


def describe(principal: Principal, granted: list[Grant]) -> list[str]:
    """One principal's rights in words, one line each (reads, writes, groups)."""
    mine = [g for g in granted if g.principal == principal.name]
    lines = [f"{principal.name} ({principal.kind}): {principal.description}"]
    for label, chosen in (
        ("reads", [g for g in mine if g.resource == "TOPIC" and g.operation == "READ"]),
        ("writes", [g for g in mine if g.resource == "TOPIC" and g.operation == "WRITE"]),
        ("groups", [g for g in mine if g.resource == "GROUP"]),
    ):
        names = [g.name + ("*" if g.pattern == "PREFIXED" else "") for g in chosen]
        lines.append(f"  {label:<7} {', '.join(names) if names else '-'}")
    return lines


def _admin_login(store: CredentialStore, bootstrap: str) -> KafkaLogin:
    if os.environ.get("SENTRA_KAFKA_USERNAME"):
        return KafkaLogin.from_env(bootstrap=bootstrap)
    if not store.path.exists():
        raise SystemExit(
            f"no SENTRA_KAFKA_USERNAME and no credentials file at {store.path}: "
            "say who the broker's super user is"
        )
    return store.login(ADMIN, bootstrap)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sentra-access",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--bootstrap", default=os.environ.get("SENTRA_KAFKA_BOOTSTRAP", DEFAULT_BOOTSTRAP)
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="what each principal may do")
    show.add_argument("principal", nargs="?")
    apply = commands.add_parser("apply", help="create users and ACLs from access.toml")
    apply.add_argument("--credentials", type=Path, required=True)
    rotate = commands.add_parser("rotate", help="give one principal a new password")
    rotate.add_argument("principal")
    rotate.add_argument("--credentials", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        principals = load_principals()
        granted = grants(principals)
    except AccessFileError as error:
        print(f"access.toml: {error}", file=sys.stderr)
        return 2
    if args.command == "show":
        chosen = [args.principal] if args.principal else list(principals)
        unknown = [name for name in chosen if name not in principals]
        if unknown:
            print(f"no principal {unknown[0]!r} in access.toml", file=sys.stderr)
            return 2
        for name in chosen:
            print("\n".join(describe(principals[name], granted)))
        return 0
    store = CredentialStore(args.credentials)
    login = _admin_login(store, args.bootstrap)
    if args.command == "rotate" and args.principal not in principals:
        print(f"no principal {args.principal!r} in access.toml", file=sys.stderr)
        return 2
    try:
        if args.command == "apply":
            passwords = {name: store.password(name) for name in principals}
            applied = apply_access(login, principals, granted, passwords)
            store.forget(keep=[*principals, *BROKER_USERS])
            print(f"applied to {args.bootstrap}: {applied.summary()}")
            return 0
        store.rotate(args.principal, lambda new: rotate_password(login, args.principal, new))
    except (KafkaException, RuntimeError, TimeoutError) as error:
        # The broker's own words (never a password): unreachable, refused, too slow.
        print(f"sentra-access: {args.command} on {args.bootstrap} failed: {error}", file=sys.stderr)
        return 1
    print(
        f"{args.principal}: new password in {store.path}; the old one no longer signs in "
        "(clients already connected keep their session until they reconnect)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
