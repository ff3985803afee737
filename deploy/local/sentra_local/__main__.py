"""sentra-local: run Sentra's real parts on this machine, without Docker.

sentra-local setup   install/resolve what is missing (PostgreSQL server, Kafka jars, the
                     AsyncAPI JSON Schema the contract tests validate with)
sentra-local up      start Kafka, PostgreSQL, the five services, the agencies and the
                     sinks (SMTP server, SMS gateway) notifications sends to;
                     --instances documents=2,notifications=2 runs several processes of
                     a service (one consumer group, one HTTP port each: 8001, 8101, ...)
sentra-local down    stop what `up` started
sentra-local status  show what runs
sentra-local demo    run the end-to-end demo and stop what it started
sentra-local token   print a development bearer token for an officer (--officer NAME)
sentra-local credentials PRINCIPAL
                     print the local broker login of one principal of access.toml (an
                     agency testing its consumer against `make up`), as shell exports
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from sentra_shared.access import load_principals

from sentra_local import demo
from sentra_local.kafka_classpath import ensure_classpath
from sentra_local.licences import load_sample_licences
from sentra_local.paths import state_dir
from sentra_local.postgres import ensure_server_binaries
from sentra_local.processes import StartupError, running_pid
from sentra_local.services import (
    SMTP_PORT,
    parse_instances,
    service_processes,
    start_services,
    stop_services,
)
from sentra_local.specs import NpmMissing, ensure_asyncapi_schema
from sentra_local.stack import local_stack
from sentra_local.tokens import issue_token

# The services that serve /metrics (the built-in agency responders do not).
METRICS_SERVICES = ("documents", "credit", "insurance", "notifications", "empowerment")


def _setup() -> int:
    bindir = ensure_server_binaries()
    print(f"postgres server binaries: {bindir}")
    print(f"kafka classpath: {ensure_classpath()}")
    # Only the contract tests need the AsyncAPI schema: without npm the demo and the
    # services still run, and those tests fail saying what is missing.
    try:
        print(f"asyncapi 3.0.0 schema: {ensure_asyncapi_schema()}")
    except NpmMissing as missing:
        print(f"asyncapi 3.0.0 schema: not fetched ({missing})")
    return 0


def _up(instances: dict[str, int] | None = None) -> int:
    stack = local_stack()
    started = stack.up()
    print(f"kafka      {stack.kafka.bootstrap}  (SASL/SCRAM-SHA-512, ACLs from access.toml; "
          "'sentra-local credentials <principal>' prints a login)")  # fmt: skip
    print(f"postgres   {stack.postgres.host}:{stack.postgres.port}")
    started += start_services(stack, state_dir() / "services", instances)
    for process in service_processes(state_dir() / "services"):
        print(f"{process.label:<15} {process.url}  (log {process.log_file})")
        if process.name in METRICS_SERVICES:
            print(f"{'':<15} {process.url}/metrics  (Prometheus metrics, docs/metrics.md)")
    print(f"{'smtp sink':<15} 127.0.0.1:{os.environ.get('SENTRA_SINKS_SMTP_PORT', SMTP_PORT)}"
          "  (what notifications sent: GET /received on the sinks' port)")  # fmt: skip
    print(f"recruiter licences (sample registry): {load_sample_licences(stack)}")
    print(f"started: {', '.join(started) or 'nothing (all were running)'}")
    print("Try: curl -s http://127.0.0.1:8001/health ; 'make down' stops everything.")
    return 0


def _down() -> int:
    stopped = stop_services(state_dir() / "services")
    stopped += local_stack().down()
    print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
    return 0


def _status() -> int:
    stack = local_stack()
    print(f"kafka      {'up' if stack.kafka.running_pid() else 'down'}  {stack.kafka.bootstrap}")
    pg = "up" if stack.postgres.running() else "down"
    print(f"postgres   {pg}  {stack.postgres.host}:{stack.postgres.port}")
    for process in service_processes(state_dir() / "services"):
        pid = running_pid(process.pid_file)
        state = f"up (pid {pid})" if pid else "down"
        metrics = f"  metrics {process.url}/metrics" if process.name in METRICS_SERVICES else ""
        print(f"{process.label:<16} {state:<16} {process.url}{metrics}")
    return 0


def _credentials(principal: str) -> int:
    if principal not in load_principals():
        print(f"sentra-local: no principal {principal!r} in access.toml", file=sys.stderr)
        return 2
    kafka = local_stack().kafka
    if not kafka.credentials.path.exists():
        print("sentra-local: the local broker has no users yet: run 'make up'", file=sys.stderr)
        return 2
    # The local broker's generated login: printing it is this command's purpose.
    for name, value in kafka.login(principal).environment().items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sentra-local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("setup", "down", "status"):
        commands.add_parser(name)
    up_parser = commands.add_parser("up")
    up_parser.add_argument(
        "--instances",
        default=None,
        metavar="SERVICE=N[,SERVICE=N]",
        help="run N processes of a service, e.g. documents=2,notifications=2 (default 1 each)",
    )
    demo_parser = commands.add_parser("demo")
    demo_parser.add_argument("--count", type=int, default=30, help="applications to submit")
    demo_parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait")
    demo_parser.add_argument("--seed", type=int, default=None, help="sample batch (default: new)")
    demo_parser.add_argument(
        "--journeys", type=int, default=10, help="businesses and consultations to open"
    )
    credentials_parser = commands.add_parser(
        "credentials", help="print one principal's local broker login"
    )
    credentials_parser.add_argument("principal")
    token_parser = commands.add_parser("token", help="print a development officer token")
    token_parser.add_argument("--officer", required=True, help="the officer's id (token subject)")
    token_parser.add_argument(
        "--role",
        action="append",
        dest="roles",
        help="a role to grant (repeatable; default officer)",
    )
    token_parser.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    args = parser.parse_args(argv)
    try:
        if args.command == "token":
            if args.ttl < 1 or not args.officer.strip():
                parser.error("--ttl must be at least 1 and --officer not blank")
            print(issue_token(args.officer.strip(), args.roles or ["officer"], args.ttl))
            return 0
        if args.command == "credentials":
            return _credentials(args.principal)
        if args.command == "demo":
            if args.count < 1:
                parser.error("--count must be at least 1")
            return demo.main(args.count, args.timeout, args.seed, args.journeys)
        if args.command == "up":
            try:
                instances = None if args.instances is None else parse_instances(args.instances)
            except ValueError as error:
                parser.error(f"--instances: {error}")
            return _up(instances)
        return {"setup": _setup, "down": _down, "status": _status}[args.command]()
    except StartupError as error:
        print(f"sentra-local: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
