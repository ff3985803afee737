"""The tamper-evident audit log: every decision, hash-chained, in the deciding service's
own database, written in the transaction that makes the decision.

`record` inserts the decision's row in the caller's transaction, content only; `chain`
(run by the service's audit task within a second of the commit) gives the committed rows,
in the order it sees them, their gap-free position, the previous row's hash and their own.
Only `chain` takes the chain-wide lock, for a moment: a decision never waits on another
(a lock held from a decision to its commit would serialise whole consumer batches and
deadlock with the rows they lock).

Each row's hash is the SHA-256 of its canonical content (`canonical`), which includes the
previous row's hash (the first row's previous hash is `GENESIS`). `verify` recomputes a
chain and names the first row that does not match; a head (position + hash) kept by a
witness outside our database also catches a tail cut off or a chain rebuilt from scratch.
docs/audit.md describes the format for someone checking it with their own tools.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

import asyncpg
from opentelemetry import trace
from pydantic import BaseModel

from sentra_shared import clock
from sentra_shared.reasons import BilingualText, Reason, ReasonCatalogue

GENESIS = "0" * 64
# The chainer's transaction-level lock: two chainers (two instances of a service) still
# form one linear chain (distinct from the migration lock).
_APPEND_LOCK = 0x5E47_0A0D
# Rows linked per chaining transaction.
CHAIN_BATCH = 500
SCHEDULER = "scheduler"


def system(service: str) -> str:
    """The actor of a decision the service's rules made by themselves."""
    return f"system:{service}"


def officer(subject: str) -> str:
    """The actor of an officer's decision (the identity provider's subject)."""
    return f"officer:{subject}"


class Decision(StrEnum):
    """Stable codes of what was decided; `show` and the witness read them."""

    DOCUMENTS_VERIFIED = "documents.verified"
    DOCUMENTS_REJECTED = "documents.rejected"
    DOCUMENTS_FLAGGED = "documents.flagged"  # referred to an officer's review
    REVIEW_CLEARED = "documents.review_cleared"
    REVIEW_CONFIRMED = "documents.review_confirmed"
    CREDIT_APPROVED = "credit.approved"
    CREDIT_REJECTED = "credit.rejected"
    CREDIT_REFERRED = "credit.referred"
    LOAN_DISBURSED = "credit.loan_disbursed"  # the bank's decision, as applied
    LOAN_REJECTED = "credit.loan_rejected"
    CLAIM_ACCEPTED = "insurance.claim_accepted"
    CLAIM_REJECTED = "insurance.claim_rejected"
    CLAIM_DORMANT = "insurance.claim_dormant"
    PAYOUT_PAID = "insurance.payout_paid"  # the insurer's payment, as applied
    PAYOUT_REFUSED = "insurance.payout_refused"
    AWARD_NOMINATED = "empowerment.award_nominated"  # scored per published criterion
    AWARD_NOT_NOMINATED = "empowerment.award_not_nominated"
    DEADLINE_ESCALATED = "deadline.escalated"


class AuditReason(StrEnum):
    DEADLINE_ESCALATED = "DEADLINE_ESCALATED"
    OFFICER_CLEARED = "OFFICER_CLEARED"
    OFFICER_CONFIRMED = "OFFICER_CONFIRMED"


AUDIT_REASONS = ReasonCatalogue(
    {
        AuditReason.DEADLINE_ESCALATED: BilingualText(
            id="{party} tidak menjawab ({step}) sampai {due}; diteruskan ke {supervisor}.",
            en="{party} did not answer ({step}) by {due}; escalated to {supervisor}.",
        ),
        AuditReason.OFFICER_CLEARED: BilingualText(
            id="Petugas menyatakan tanda bahaya telah dijelaskan: {why}",
            en="The officer cleared the red flags: {why}",
        ),
        AuditReason.OFFICER_CONFIRMED: BilingualText(
            id="Petugas mengonfirmasi tanda bahaya: {why}",
            en="The officer confirmed the red flags: {why}",
        ),
    }
)


def audit_reason(code: AuditReason, **params: object) -> Reason:
    return AUDIT_REASONS.reason(code, **params)


def _plain(value: Any) -> Any:
    """A JSON-able, order-stable form of a rule table (models, dataclasses, sets, dates)."""
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def rules_version(name: str, *tables: object) -> str:
    """`name:` and the first 12 hex digits of the SHA-256 of the rule tables' content: a
    row added or changed gives another version, the same tables always the same one."""
    text = json.dumps(_plain(tables), sort_keys=True, separators=(",", ":"))
    return f"{name}:{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class AuditRow:
    position: int
    application_id: uuid.UUID
    decision: str
    reasons: tuple[dict[str, Any], ...]  # [{code, text: {id, en}}]
    rules_version: str
    actor: str
    trace_id: str | None
    recorded_at: datetime
    prev_hash: str
    hash: str

    @classmethod
    def from_record(cls, record: asyncpg.Record) -> AuditRow:
        values = dict(record)
        values["reasons"] = tuple(json.loads(values["reasons"]))
        return cls(**values)

    def reasons_as(self) -> list[Reason]:
        return [Reason.model_validate(r) for r in self.reasons]


def canonical(row: AuditRow) -> bytes:
    """What the hash covers: every field but `hash`, as JSON with sorted keys, no
    whitespace, ASCII only, the time in UTC with microseconds (what PostgreSQL keeps)."""
    content = {
        "position": row.position,
        "application_id": str(row.application_id),
        "decision": row.decision,
        "reasons": list(row.reasons),
        "rules_version": row.rules_version,
        "actor": row.actor,
        "trace_id": row.trace_id,
        "recorded_at": row.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": row.prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("ascii")


def content_hash(row: AuditRow) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


@dataclass(frozen=True)
class Head:
    """The last row of a chain as a witness keeps it."""

    position: int
    hash: str


class Problem(StrEnum):
    EDITED = "edited"  # the row's content does not give its hash
    MISSING = "missing"  # a position is not there (a row deleted)
    WRONG_PREVIOUS = "wrong_previous"  # not chained to the row before (swapped, deleted)
    TRUNCATED = "truncated"  # shorter than the head the witness holds
    REWRITTEN = "rewritten"  # the witnessed position holds another row now


@dataclass(frozen=True)
class Failure:
    position: int
    problem: Problem
    detail: str


@dataclass(frozen=True)
class Verification:
    rows: int
    head: Head | None
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def verify(rows: Sequence[AuditRow], witness: Head | None = None) -> Verification:
    """Recompute a chain given in position order; the first row that does not match, and
    why. With `witness`, the chain must also reach that head unchanged."""
    previous = GENESIS
    for expected, row in enumerate(rows, start=1):
        failure = None
        if row.position != expected:
            failure = Failure(
                expected, Problem.MISSING, f"position {expected} is missing (next: {row.position})"
            )
        elif row.prev_hash != previous:
            failure = Failure(
                row.position,
                Problem.WRONG_PREVIOUS,
                "its previous hash is not the hash of the row before it: rows were swapped, "
                "removed or re-chained",
            )
        elif content_hash(row) != row.hash:
            failure = Failure(
                row.position, Problem.EDITED, "its content does not give its hash: edited"
            )
        if failure is not None:
            return Verification(expected - 1, Head(expected - 1, previous), failure)
        previous = row.hash
    head = Head(rows[-1].position, rows[-1].hash) if rows else None
    if witness is not None:
        if len(rows) < witness.position:
            failure = Failure(
                len(rows) + 1,
                Problem.TRUNCATED,
                f"the chain ends at {len(rows)}, the witnessed head is at {witness.position}",
            )
            return Verification(len(rows), head, failure)
        if witness.position > 0 and rows[witness.position - 1].hash != witness.hash:
            failure = Failure(
                witness.position,
                Problem.REWRITTEN,
                "the row at the witnessed head has another hash than the witness holds",
            )
            return Verification(len(rows), head, failure)
    return Verification(len(rows), head)


def _trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


async def record(
    conn: asyncpg.Connection,
    *,
    application_id: uuid.UUID,
    decision: Decision,
    reasons: Iterable[Reason] = (),
    rules_version: str,
    actor: str,
) -> None:
    """Record one decision in the caller's transaction (which must be open): it commits or
    rolls back with the decision itself. `chain` links it once committed."""
    if not conn.is_in_transaction():
        raise RuntimeError("audit.record needs the decision's transaction")
    await conn.execute(
        """INSERT INTO audit_log (application_id, decision, reasons, rules_version, actor,
                                  trace_id, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        application_id,
        decision.value,
        json.dumps([r.model_dump(mode="json") for r in reasons], ensure_ascii=False),
        rules_version,
        actor,
        _trace_id(),
        # Truncated to what PostgreSQL keeps, so the hash is the same when read back.
        clock.now().astimezone(UTC),
    )


@dataclass(frozen=True)
class Auditor:
    """How one deciding service records: its own actor by default, and the version of the
    rule tables it decides by (a function, so that tables are read on first use)."""

    service: str
    rules_version: Callable[[], str]

    @property
    def system(self) -> str:
        return system(self.service)

    async def record(
        self,
        conn: asyncpg.Connection,
        application_id: uuid.UUID,
        decision: Decision,
        reasons: Iterable[Reason] = (),
        *,
        actor: str | None = None,
    ) -> None:
        await record(
            conn,
            application_id=application_id,
            decision=decision,
            reasons=reasons,
            rules_version=self.rules_version(),
            actor=actor or self.system,
        )


async def chain(conn: asyncpg.Connection, limit: int = CHAIN_BATCH) -> int:
    """Link up to `limit` committed rows not yet chained, oldest insertion first, after the
    chain's last row; return how many. Each call is a transaction of its own."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _APPEND_LOCK)
        pending = await conn.fetch(
            f"""SELECT id, {_CONTENT} FROM audit_log WHERE hash IS NULL
                ORDER BY id LIMIT $1 FOR UPDATE""",
            limit,
        )
        if not pending:
            return 0
        last = await conn.fetchrow(
            "SELECT position, hash FROM audit_log WHERE hash IS NOT NULL "
            "ORDER BY position DESC LIMIT 1"
        )
        position, previous = (0, GENESIS) if last is None else (last["position"], last["hash"])
        links = []
        for record in pending:
            position += 1
            values = dict(record)
            row_id = values.pop("id")
            values["reasons"] = tuple(json.loads(values["reasons"]))
            unhashed = AuditRow(position=position, prev_hash=previous, hash="", **values)
            previous = content_hash(unhashed)
            links.append((row_id, position, unhashed.prev_hash, previous))
        await conn.executemany(
            "UPDATE audit_log SET position = $2, prev_hash = $3, hash = $4 WHERE id = $1",
            links,
        )
    return len(links)


async def unchained(conn: asyncpg.Connection) -> int:
    """Decisions committed but not linked yet (the chainer runs every second or so)."""
    return int(await conn.fetchval("SELECT count(*) FROM audit_log WHERE hash IS NULL"))


async def decisions_after(conn: asyncpg.Connection, position: int) -> tuple[dict[str, int], int]:
    """How many chained decisions of each code lie after `position`, and the last position
    counted. Chained positions are gap-free and final, so counting from the last one seen
    counts each decision once, only once it committed (the metrics read it this way)."""
    rows = await conn.fetch(
        """SELECT decision, count(*) AS n, max(position) AS last FROM audit_log
           WHERE position > $1 GROUP BY decision""",
        position,
    )
    last = max((row["last"] for row in rows), default=position)
    return {row["decision"]: row["n"] for row in rows}, last


_CONTENT = """application_id, decision, reasons::text AS reasons, rules_version, actor, trace_id,
              recorded_at"""
_COLUMNS = f"position, {_CONTENT}, prev_hash, hash"


async def read_chain(conn: asyncpg.Connection) -> list[AuditRow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE hash IS NOT NULL ORDER BY position"
    )
    return [AuditRow.from_record(r) for r in rows]


async def read_application(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[AuditRow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE application_id = $1 AND hash IS NOT NULL"
        " ORDER BY position",
        application_id,
    )
    return [AuditRow.from_record(r) for r in rows]


async def chain_head(conn: asyncpg.Connection) -> AuditRow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM audit_log WHERE hash IS NOT NULL ORDER BY position DESC LIMIT 1"
    )
    return None if row is None else AuditRow.from_record(row)
