"""`make bench-e2e`: the whole system under an open-loop load, and its saturation rate.

On a fresh stack (Kafka + PostgreSQL on free loopback ports, the four services, the
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
import asyncio
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sentra_shared.kafka_login import KafkaLogin

from sentra_local.fleet import Fleet
from sentra_local.kafka import KafkaNode
from sentra_local.licences import sample_licences
from sentra_local.load_counters import Observer, cpu_snapshot, postmaster_pid
from sentra_local.load_generator import FinalReader, StepRun, run_step
from sentra_local.load_http import KeepAliveClient
from sentra_local.load_report import (
    backlog_growing,
    cpu_table,
    next_rate,
    percentile,
    saturation,
    step_passes,
    steps_table,
)
from sentra_local.paths import repo_root, state_dir
from sentra_local.postgres import PostgresCluster, reachable_home
from sentra_local.processes import free_port
from sentra_local.samples import PROMPT_PATHS, sample_cases
from sentra_local.stack import SERVICES, Stack

DEFAULT_RATES = (25.0, 50.0, 100.0, 150.0, 200.0, 300.0)
SETTLE_WITHIN_S = 120.0


@dataclass
class Target:
    """What the steps run against, and what can be measured there."""

    intake: str
    kafka: KafkaLogin
    postgres_dsn: str | None
    service_dsns: dict[str, str]
    fleet: Fleet | None = None  # a fresh stack: its processes' CPU is measured too

    def pids(self) -> dict[str, int | None]:
        pids: dict[str, int | None] = {"loadgen": os.getpid()}
        if self.fleet is not None:
            pids |= {label: self.fleet.pid(label) for label in self.fleet.processes}
            pids["kafka"] = self.fleet.stack.kafka.running_pid()
        return pids

    def postmaster(self) -> int | None:
        if self.fleet is None:
            return None
        return postmaster_pid(self.fleet.stack.postgres.data_dir)


class Forms:
    """The demo's mix (paths that finish on real time with nobody acting as officer),
    JSON-encoded ahead of each step. A NIK or passport number already used in this run
    is left out: documents would flag it as shared (a trafficking indicator) and the
    application would wait for an officer who never comes."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.today = date.today()
        self.licences = sample_licences(self.today)
        self.steps = 0
        self._seen: set[str] = set()

    def take(self, count: int) -> list[bytes]:
        self.steps += 1
        bodies: list[bytes] = []
        draw = 0
        while len(bodies) < count:
            draw += 1
            seed = self.seed * 1000 + self.steps * 10 + draw
            for sample in sample_cases(count, self.today, self.licences, seed, PROMPT_PATHS):
                form = sample.form
                ids = {"nik:" + form["applicant"]["nik"]}
                if "placement" in form:
                    ids.add("passport:" + form["placement"]["passport_number"])
                if ids & self._seen:
                    continue
                self._seen |= ids
                bodies.append(json.dumps(form).encode())
                if len(bodies) == count:
                    break
        return bodies


async def one_step(
    target: Target,
    client: KeepAliveClient,
    reader: FinalReader,
    observer: Observer,
    bodies: list[bytes],
    rate: float,
    duration: float,
    drain: float,
) -> dict[str, Any]:
    cpu_before = cpu_snapshot(target.pids(), target.postmaster())
    pg_before = await observer.pg_transactions()
    kafka_before = await observer.kafka_records()
    run = await run_step(client, bodies, rate, duration, reader, drain)
    settle = await _settle(observer)
    cpu_after = cpu_snapshot(target.pids(), target.postmaster())
    pg_after = await observer.pg_transactions()
    kafka_after = await observer.kafka_records()
    return summarise(
        run,
        reader.final_at,
        cpu={k: cpu_after[k] - cpu_before[k] for k in cpu_after.keys() & cpu_before.keys()},
        pg=None if pg_before is None or pg_after is None else pg_after - pg_before,
        records=kafka_after - kafka_before,
        settle=settle,
    )


async def _settle(observer: Observer) -> str:
    """Wait (bounded) until every group caught up and every outbox drained; then a
    moment for PostgreSQL's statistics, which reach the view up to a second late."""
    deadline = time.monotonic() + SETTLE_WITHIN_S
    began = time.monotonic()
    while True:
        done, pending = await observer.settled()
        if done:
            break
        if time.monotonic() > deadline:
            print(f"    not settled within {SETTLE_WITHIN_S:.0f}s: {pending}", flush=True)
            return f"not settled: {pending}"
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.0)
    return f"settled in {time.monotonic() - began:.1f}s"


def summarise(
    run: StepRun,
    final_at: dict[str, float],
    cpu: dict[str, float],
    pg: int | None,
    records: int,
    settle: str,
) -> dict[str, Any]:
    offered = len(run.ids)
    latencies = run.latencies_ms(final_at)
    completed = run.completed(final_at)
    finished = [final_at[a] for a in run.ids if a is not None and a in final_at]
    span = (max(finished) - run.began) if finished else 0.0
    growing = backlog_growing(run.backlog, run.duration, run.rate)
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    per_app = max(completed, 1)
    cpu_ms = {label: seconds * 1000 / per_app for label, seconds in cpu.items()}
    if cpu_ms:
        cpu_ms["total"] = sum(cpu_ms.values())
    return {
        "rate": run.rate,
        "duration_s": run.duration,
        "submitted": offered,
        "post_errors": len(run.errors),
        "post_error_samples": run.errors[:5],
        "completed": completed,
        "completions_per_s": completed / span if span > 0 else 0.0,
        "p50_ms": _finite(p50),
        "p95_ms": _finite(p95),
        "p99_ms": _finite(p99),
        "cpu_ms_per_app": {k: round(v, 3) for k, v in cpu_ms.items()},
        "pg_transactions_per_app": None if pg is None else pg / per_app,
        "kafka_records_per_app": records / per_app,
        "backlog": [(round(t, 2), b) for t, b in run.backlog],
        "growing": growing,
        "settle": settle,
        "passed": step_passes(p99, len(run.errors), completed, offered, growing),
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: an infinite percentile (unfinished applications) is null."""
    return None if value == float("inf") else round(value, 2)


async def run_steps(target: Target, args: argparse.Namespace) -> list[dict[str, Any]]:
    forms = Forms(args.seed)
    client = KeepAliveClient(target.intake)
    reader = FinalReader(target.kafka)
    observer = Observer(target.kafka, target.postgres_dsn, target.service_dsns)
    steps: list[dict[str, Any]] = []
    ladder: Sequence[float] = sorted(args.rates)
    budget_ends = time.monotonic() + args.max_minutes * 60
    try:
        await observer.start()
        await reader.start()
        rate: float | None = ladder[0] if ladder else None
        while rate is not None and len(steps) < args.max_steps:
            if time.monotonic() > budget_ends:
                print(f"  the run's time bound ({args.max_minutes:g} min) is spent; stopping")
                break
            drain = args.drain if args.drain is not None else max(10.0, args.duration)
            bodies = forms.take(max(1, round(rate * args.duration)))
            print(
                f"  step {len(steps) + 1}: {rate:g}/s for {args.duration:g}s "
                f"({len(bodies)} applications)",
                flush=True,
            )
            step = await one_step(
                target, client, reader, observer, bodies, rate, args.duration, drain
            )
            steps.append(step)
            print(
                f"  -> {'pass' if step['passed'] else 'FAIL'}: p99 {step['p99_ms']} ms, "
                f"{step['completed']}/{step['submitted']} final, "
                f"{step['post_errors']} POST errors, {step['settle']}",
                flush=True,
            )
            tried = [(s["rate"], bool(s["passed"])) for s in steps]
            if args.search:
                rate = next_rate(ladder, tried)
            else:
                rest = [r for r in args.rates if r not in {t for t, _ in tried}]
                rate = rest[0] if rest else None
    finally:
        await reader.stop()
        await client.close()
        await observer.stop()
    return steps


def report(steps: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> dict[str, Any]:
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
        "steps": steps,
    }
    print()
    print(steps_table(steps))
    print()
    print("CPU ms per completed application, per process")
    print(cpu_table(steps))
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
        report(asyncio.run(run_steps(target, args)), args, output)
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
        report(asyncio.run(run_steps(target, args)), args, output)
    finally:
        fleet.stop()
        stopped = stack.down()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(stack.postgres.home, ignore_errors=True)
        print(f"Stopped what the benchmark started: the fleet, {', '.join(stopped) or 'nothing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
