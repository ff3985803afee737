"""The steps of the end-to-end benchmark: what a step runs against, the forms it
offers, one step measured (load, settle, counters), and the sequence of steps with the
saturation search. The command line and the report are in `bench_e2e`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sentra_shared.kafka_login import KafkaLogin

from sentra_local.fleet import Fleet
from sentra_local.licences import sample_licences
from sentra_local.load_counters import Observer, cpu_snapshot, postmaster_pid
from sentra_local.load_generator import FinalReader, StepRun, run_step
from sentra_local.load_http import KeepAliveClient
from sentra_local.load_report import backlog_growing, next_rate, percentile, step_passes
from sentra_local.samples import PROMPT_PATHS, sample_cases

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
        records=None if kafka_before is None or kafka_after is None else kafka_after - kafka_before,
        settle=settle,
        whole_system=target.fleet is not None,
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
    records: int | None,
    settle: str,
    whole_system: bool = True,
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
    if whole_system:  # remote: only the bench's own CPU is seen, no total
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
        "kafka_records_per_app": None if records is None else records / per_app,
        "backlog": [(round(t, 2), b) for t, b in run.backlog],
        "growing": growing,
        "settle": settle,
        "passed": step_passes(p99, len(run.errors), completed, offered, growing),
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: an infinite percentile (unfinished applications) is null."""
    return None if value == float("inf") else round(value, 2)


WARM_UP_RATE = 15.0  # the broker's JIT needs some volume before its CPU per record settles


async def warm_up(
    client: KeepAliveClient,
    reader: FinalReader,
    observer: Observer,
    forms: Forms,
    seconds: float,
) -> dict[str, Any]:
    """A few applications through a freshly started system before anything is measured:
    the broker's JIT, the services' first imports, pools and caches; not reported as a step."""
    if seconds <= 0:
        return {"applications": 0}
    bodies = forms.take(max(1, round(WARM_UP_RATE * seconds)))
    print(f"  warm-up: {WARM_UP_RATE:g}/s for {seconds:g}s ({len(bodies)} applications)")
    run = await run_step(client, bodies, WARM_UP_RATE, seconds, reader, drain=60.0)
    settle = await _settle(observer)
    done = run.completed(reader.final_at)
    print(f"  -> {done}/{len(bodies)} final, {settle}", flush=True)
    return {"applications": len(bodies), "completed": done, "post_errors": len(run.errors)}


async def idle_cpu(target: Target, seconds: float) -> dict[str, float]:
    """CPU ms per second of each process while nothing is offered: the fixed cost (polls,
    heartbeats, timers) that every step's CPU per application includes."""
    if seconds <= 0:
        return {}
    before = cpu_snapshot(target.pids(), target.postmaster())
    await asyncio.sleep(seconds)
    after = cpu_snapshot(target.pids(), target.postmaster())
    idle = {
        k: round((after[k] - before[k]) * 1000 / seconds, 1) for k in after.keys() & before.keys()
    }
    print(
        f"  idle: {sum(idle.values()):.0f} ms of CPU per second "
        f"({', '.join(f'{k} {v:g}' for k, v in sorted(idle.items()))})",
        flush=True,
    )
    return idle


async def run_steps(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """The warm-up, the idle baseline, then the steps (with the search unless told not)."""
    forms = Forms(args.seed)
    client = KeepAliveClient(target.intake)
    reader = FinalReader(target.kafka)
    observer = Observer(target.kafka, target.postgres_dsn, target.service_dsns)
    steps: list[dict[str, Any]] = []
    warmed: dict[str, Any] = {}
    idle: dict[str, float] = {}
    ladder: Sequence[float] = sorted(args.rates)
    budget_ends = time.monotonic() + args.max_minutes * 60
    try:
        await observer.start()
        await reader.start()
        warmed = await warm_up(client, reader, observer, forms, args.warmup)
        idle = await idle_cpu(target, args.idle)
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
    return {"warm_up": warmed, "idle_cpu_ms_per_s": idle, "steps": steps}
