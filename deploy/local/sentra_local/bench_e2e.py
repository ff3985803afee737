"""`make bench-e2e`: the whole system under an open-loop load, and its saturation rate.

On a fresh stack (Kafka + PostgreSQL on free loopback ports, the five services, the
built-in agency responders and the mail/SMS sinks as real processes, on the real clock)
or against one already up (`--intake URL --bootstrap HOST:PORT`), each step offers the
demo's mix of applications at a fixed rate and measures, per application, the time from
its *scheduled* submit to its final notification on Kafka; and per step the completions
per second, p50/p95/p99, CPU ms per application per process, and PostgreSQL transactions
and Kafka records per application. Then it searches for the highest rate that passes
(p99 < 2 s, no POST error, every application final, no growing backlog).
Results: a printed table and `.sentra/bench/e2e.json`. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop
from sentra_shared.kafka_login import KafkaLogin

from sentra_local.fleet import Fleet
from sentra_local.kafka import KafkaNode
from sentra_local.load_report import cpu_table, saturation, steps_table
from sentra_local.load_steps import Target, run_steps
from sentra_local.paths import repo_root, state_dir
from sentra_local.postgres import PostgresCluster, reachable_home
from sentra_local.processes import free_port
from sentra_local.stack import SERVICES, Stack, remove_throwaway

DEFAULT_RATES = (25.0, 50.0, 100.0, 150.0, 200.0, 300.0)


def report(run: dict[str, Any], args: argparse.Namespace, path: Path) -> dict[str, Any]:
    steps: list[dict[str, Any]] = run["steps"]
    tried = [(s["rate"], bool(s["passed"])) for s in steps]
    found = saturation(tried) if args.search else None
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "commit": _commit(),
        "arguments": {
            k: str(v) if isinstance(v, Path) else v
            for k, v in vars(args).items()
            if k != "kafka_password"
        },
        "saturation_per_s": found,
        "warm_up": run["warm_up"],
        "idle_cpu_ms_per_s": run["idle_cpu_ms_per_s"],
        "steps": steps,
    }
    print()
    print(steps_table(steps))
    print()
    print("CPU ms per completed application, per process")
    print(cpu_table(steps))
    if idle := run["idle_cpu_ms_per_s"]:
        print(
            "idle, CPU ms per second: " + ", ".join(f"{k} {v:g}" for k, v in sorted(idle.items()))
        )
    if args.search:
        print()
        print(
            f"saturation: {found:g} applications/s"
            if found is not None
            else "saturation: no rate passed"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written to {path}")
    return document


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo_root()), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sentra-bench-e2e", description=__doc__)
    parser.add_argument(
        "--rates",
        type=_rates,
        default=list(DEFAULT_RATES),
        help="applications/s, comma separated (default: %(default)s)",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per step")
    parser.add_argument(
        "--drain",
        type=float,
        default=None,
        help="seconds to wait for the last finals (default max(10, duration))",
    )
    parser.add_argument("--max-steps", type=int, default=12)
    parser.add_argument(
        "--warmup",
        type=float,
        default=20.0,
        help="seconds at 15/s before the steps, not measured (0: none)",
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=5.0,
        help="seconds of idle CPU measured before the steps (0: none)",
    )
    parser.add_argument("--max-minutes", type=float, default=45.0, help="bound on the whole run")
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="the mix's seed (default 2016 on a fresh stack, else the time)",
    )
    parser.add_argument(
        "--no-search",
        dest="search",
        action="store_false",
        help="run only --rates, no saturation search",
    )
    parser.add_argument("--intake", help="documents' URL of a stack already up")
    parser.add_argument("--bootstrap", help="its Kafka bootstrap HOST:PORT")
    parser.add_argument("--kafka-username", default=os.environ.get("SENTRA_BENCH_KAFKA_USERNAME"))
    parser.add_argument("--kafka-password", default=os.environ.get("SENTRA_BENCH_KAFKA_PASSWORD"))
    parser.add_argument("--postgres", help="a DSN that can read pg_stat_database (remote)")
    parser.add_argument("--output", type=Path, default=None, help="default .sentra/bench/e2e.json")
    args = parser.parse_args(argv)
    if (args.intake is None) != (args.bootstrap is None):
        parser.error("--intake and --bootstrap go together")
    if args.seed is None:
        # A stack already up remembers earlier runs' applicants: a new seed, new people.
        args.seed = 2016 if args.intake is None else int(time.time()) % 100_000
    return args


def _rates(text: str) -> list[float]:
    rates = [float(part) for part in text.split(",") if part.strip()]
    if not rates or any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError("rates are positive numbers, comma separated")
    return rates


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output = args.output or state_dir() / "bench" / "e2e.json"
    if args.intake is not None:
        target = Target(
            intake=args.intake.rstrip("/"),
            kafka=KafkaLogin(args.bootstrap, args.kafka_username, args.kafka_password),
            postgres_dsn=args.postgres,
            service_dsns={},
        )
        print(f"Against {target.intake} and Kafka at {args.bootstrap} (CPU: this process only)")
        # The event loop the services run on: the generator shares the machine it measures.
        report(uvloop.run(run_steps(target, args)), args, output)
        return 0
    home = state_dir() / "bench" / "e2e"
    shutil.rmtree(home, ignore_errors=True)
    stack = Stack(
        kafka=KafkaNode(home / "kafka", port=free_port(), controller_port=free_port()),
        postgres=PostgresCluster(reachable_home(home / "postgres"), port=free_port()),
    )
    fleet = Fleet(stack, home / "services")
    print("Starting Kafka, PostgreSQL and the fleet for the benchmark (loopback)", flush=True)
    try:
        stack.up()
        fleet.start()
        target = Target(
            intake=fleet.url("documents"),
            kafka=stack.kafka.admin,
            postgres_dsn=stack.postgres.dsn(),
            service_dsns={s: stack.database_url(s) for s in SERVICES},
            fleet=fleet,
        )
        # The event loop the services run on: the generator shares the machine it measures.
        report(uvloop.run(run_steps(target, args)), args, output)
    finally:
        fleet.stop()
        stopped = remove_throwaway(stack, home)
        print(f"Stopped what the benchmark started: the fleet, {', '.join(stopped) or 'nothing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
