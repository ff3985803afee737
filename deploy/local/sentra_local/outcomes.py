"""What a run left behind, and whether it kept every promise: every application (and
every business and consultation of the empowerment service) final,
every effect exactly once, outboxes drained, no consumer lag, no dead letters; with a
report of where the unfinished ones stopped. Used by the fault tests and the benchmark
over the processes `sentra_local.fleet` starts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import asyncpg

from sentra_local.fleet import Fleet
from sentra_local.on_kafka import all_lag
from sentra_local.stack import SERVICES, Stack


async def fetch_rows(stack: Stack, service: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url(service))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def finished(stack: Stack, ids: list[str]) -> int:
    """How many of these applications the notifications timeline shows as final."""
    rows = await fetch_rows(
        stack,
        "notifications",
        "SELECT count(DISTINCT application_id) AS n FROM timeline "
        "WHERE final AND application_id = ANY($1::uuid[])",
        ids,
    )
    return int(rows[0]["n"])


async def exactly_once_problems(
    stack: Stack, ids: list[str], applicant_facing: set[str]
) -> list[str]:
    """Every effect of these applications, counted: an empty list means exactly once.

    `applicant_facing`: the CloudEvents types notifications tells the applicant about;
    each must have exactly one timeline entry and one ApplicantNotified.
    """
    problems: list[str] = []
    emitted: Counter[str] = Counter()  # applicant-facing events each application caused
    wanted = set(ids)
    for service in ("documents", "credit", "insurance", "empowerment"):
        rows = await fetch_rows(
            stack,
            service,
            "SELECT convert_from(key, 'UTF8') AS app, headers->>'ce_type' AS type, "
            "convert_from(payload, 'UTF8') AS payload FROM outbox",
        )
        mine = [r for r in rows if r["app"] in wanted and r["type"] in applicant_facing]
        # One event per type, except a missed deadline: one per request that missed it.
        per_effect = Counter((r["app"], r["type"], _subject(r["payload"])) for r in mine)
        problems += [
            f"{service} emitted {t} {n}x for {a}" for (a, t, _), n in per_effect.items() if n > 1
        ]
        emitted.update(r["app"] for r in mine if _told(r["type"], r["payload"]))
    verified = await fetch_rows(
        stack,
        "documents",
        "SELECT application_id::text AS app, kind, status FROM applications "
        "WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    cases = wanted & await case_ids(stack)
    if len(verified) + len(cases) != len(ids):
        problems.append(
            f"documents holds {len(verified)} and empowerment {len(cases)} of {len(ids)} cases"
        )
    problems += [f"{r['app']} still {r['status']}" for r in verified if r["status"] == "submitted"]
    for service, table, kind in (
        ("credit", "screenings", "kur_loan"),
        ("insurance", "claims", "insurance_refund"),
    ):
        decided = {
            str(r["application_id"])
            for r in await fetch_rows(stack, service, f"SELECT application_id FROM {table}")
        }
        expected = {r["app"] for r in verified if r["kind"] == kind and r["status"] == "verified"}
        if expected - decided:
            problems.append(f"{service}: {len(expected - decided)} verified applications undecided")
    told = await _told_per_application(stack, ids)
    for app in ids:
        notices, counter, delivered = told.get(app, (0, 0, 0))
        if not emitted[app] == notices == counter + delivered:
            problems.append(
                f"{app}: {emitted[app]} events, {notices} timeline entries, told "
                f"{counter} at the counter and {delivered} by SMS or email"
            )
    problems += await _delivery_problems(stack, ids)
    return problems


async def _told_per_application(stack: Stack, ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """Per application: timeline notices (not counting delivery failures), notices told at
    the counter only, and notices owed by SMS or email (one delivery row per channel)."""
    rows = await fetch_rows(
        stack,
        "notifications",
        """SELECT a.app,
                  (SELECT count(*) FROM timeline t WHERE t.application_id = a.app::uuid
                     AND t.event_type NOT LIKE '%.ApplicantNotificationFailed.%') AS notices,
                  (SELECT count(*) FROM outbox o WHERE convert_from(o.key, 'UTF8') = a.app
                     AND o.headers->>'ce_type' LIKE '%.ApplicantNotified.%'
                     AND convert_from(o.payload, 'UTF8')::jsonb->>'channel' = 'counter')
                    AS counter,
                  (SELECT count(DISTINCT d.event_id) FROM deliveries d
                     WHERE d.application_id = a.app::uuid) AS delivered
           FROM unnest($1::text[]) AS a(app)""",
        ids,
    )
    return {r["app"]: (int(r["notices"]), int(r["counter"]), int(r["delivered"])) for r in rows}


async def _delivery_problems(stack: Stack, ids: list[str]) -> list[str]:
    """Each sent message announced once (ApplicantNotified), each failed one once
    (ApplicantNotificationFailed), read in one snapshot (a result and its event commit
    together)."""
    conn = await asyncpg.connect(stack.database_url("notifications"))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            deliveries = Counter(
                (str(r["application_id"]), r["channel"], r["status"])
                for r in await conn.fetch(
                    "SELECT application_id, channel, status FROM deliveries "
                    "WHERE application_id = ANY($1::uuid[])",
                    ids,
                )
            )
            announced: Counter[tuple[str, str, str]] = Counter()
            for r in await conn.fetch(
                """SELECT convert_from(key, 'UTF8') AS app, headers->>'ce_type' AS type,
                          convert_from(payload, 'UTF8')::jsonb->>'channel' AS channel
                   FROM outbox WHERE convert_from(key, 'UTF8') = ANY($1::text[])
                   AND (headers->>'ce_type' LIKE '%.ApplicantNotified.%'
                        OR headers->>'ce_type' LIKE '%.ApplicantNotificationFailed.%')""",
                ids,
            ):
                if r["channel"] != "counter":
                    status = "sent" if ".ApplicantNotified." in r["type"] else "failed"
                    announced[(r["app"], r["channel"], status)] += 1
    finally:
        await conn.close()
    return [
        f"{app}: {n} {channel} deliveries {status}, {announced[(app, channel, status)]} announced"
        for (app, channel, status), n in deliveries.items()
        if status != "pending" and n != announced[(app, channel, status)]
    ] + [
        f"{app}: {channel} announced {status} {n}x without such a delivery"
        for (app, channel, status), n in announced.items()
        if (app, channel, status) not in deliveries
    ]


def _subject(payload: str) -> str:
    """What a deadline event is about (its request); empty for other events."""
    return str(json.loads(payload).get("request_id", ""))


def _told(ce_type: str, payload: str) -> bool:
    """An officer's confirmation of a red flag is not told (the rejection is)."""
    return not (".ApplicationReviewed." in ce_type and '"decision":"confirmed"' in payload)


async def outbox_pending(stack: Stack) -> int:
    total = 0
    for service in SERVICES:
        rows = await fetch_rows(
            stack, service, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
        )
        total += int(rows[0]["n"])
    return total


# --- for the chaos and infrastructure-restart tests ---------------------------------------

# The consumer group of the built-in agency responders (deploy/agencies).


async def application_ids(stack: Stack) -> set[str]:
    """Every application documents has stored."""
    rows = await fetch_rows(
        stack, "documents", "SELECT application_id::text AS app FROM applications"
    )
    return {r["app"] for r in rows}


async def case_ids(stack: Stack) -> set[str]:
    """Every business and consultation the empowerment service has stored."""
    rows = await fetch_rows(
        stack,
        "empowerment",
        "SELECT business_id::text AS app FROM businesses "
        "UNION ALL SELECT consultation_id::text FROM consultations",
    )
    return {r["app"] for r in rows}


async def not_final(stack: Stack, ids: list[str]) -> list[str]:
    """The applications among `ids` whose timeline is not final yet."""
    rows = await fetch_rows(
        stack,
        "notifications",
        "SELECT DISTINCT application_id::text AS app FROM timeline "
        "WHERE final AND application_id = ANY($1::uuid[])",
        ids,
    )
    done = {r["app"] for r in rows}
    return [app for app in ids if app not in done]


async def where_stopped(stack: Stack, ids: list[str]) -> dict[str, str]:
    """For each application, how far it got: documents' status and the agencies it still
    waits for, credit's or insurance's decision, and the statuses on its timeline."""
    apps = await fetch_rows(
        stack,
        "documents",
        "SELECT application_id::text AS app, kind, status FROM applications "
        "WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    checks = await fetch_rows(
        stack,
        "documents",
        "SELECT application_id::text AS app, agency, outcome FROM agency_checks "
        "WHERE application_id = ANY($1::uuid[])",
        ids,
    )
    decided: dict[str, str] = {}
    for service, table in (("credit", "screenings"), ("insurance", "claims")):
        for r in await fetch_rows(
            stack,
            service,
            f"SELECT application_id::text AS app, outcome FROM {table} "
            "WHERE application_id = ANY($1::uuid[])",
            ids,
        ):
            decided[r["app"]] = f"{service}={r['outcome']}"
    timeline: dict[str, list[str]] = {}
    for r in await fetch_rows(
        stack,
        "notifications",
        "SELECT application_id::text AS app, status FROM timeline "
        "WHERE application_id = ANY($1::uuid[]) ORDER BY occurred_at, recorded_at",
        ids,
    ):
        timeline.setdefault(r["app"], []).append(r["status"])
    waiting: dict[str, list[str]] = {}
    asked: Counter[str] = Counter()
    for r in checks:
        asked[r["app"]] += 1
        if r["outcome"] is None:
            waiting.setdefault(r["app"], []).append(r["agency"])
    by_id = {r["app"]: r for r in apps}
    cases = await case_ids(stack)
    report: dict[str, str] = {}
    for app in ids:
        row = by_id.get(app)
        if row is None:
            known = "an empowerment case" if app in cases else "unknown to documents"
            report[app] = f"{known}, timeline={timeline.get(app, [])}"
            continue
        parts = [f"{row['kind']}: documents={row['status']}"]
        if asked[app]:
            pending = waiting.get(app, [])
            parts.append(
                f"agencies {asked[app] - len(pending)}/{asked[app]} answered"
                + (f" (waiting for {', '.join(sorted(pending))})" if pending else "")
            )
        if app in decided:
            parts.append(decided[app])
        parts.append(f"timeline={timeline.get(app, [])}")
        report[app] = ", ".join(parts)
    return report


async def wait_final_or_report(fleet: Fleet, ids: list[str], within: float, when: str) -> None:
    """Wait until every application is final; else fail saying where the first 20 stopped.

    `when` completes the message, e.g. "after the last restart (seed 7)".
    """
    deadline = time.monotonic() + within
    pending = ids
    while pending := await not_final(fleet.stack, pending):
        if time.monotonic() > deadline:
            report = await where_stopped(fleet.stack, pending[:20])
            lines = "\n".join(f"  {app}: {where}" for app, where in report.items())
            raise AssertionError(
                f"{len(pending)} of {len(ids)} applications not final {within:.0f}s {when}; "
                f"where they stopped (first 20):\n{lines}\nservice logs: {fleet.home}"
            )
        await asyncio.sleep(1.0)


async def wait_settled_or_report(fleet: Fleet, within: float, when: str) -> None:
    """Wait until every outbox is drained and every consumer group has caught up."""
    deadline = time.monotonic() + within
    while True:
        pending, lag = await outbox_pending(fleet.stack), await all_lag(fleet)
        if pending == 0 and not any(lag.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled within {within:.0f}s {when}: {pending} outbox rows unpublished, "
                f"consumer lag {lag}"
            )
        await asyncio.sleep(0.5)
