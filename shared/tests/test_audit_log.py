"""The audit log in a real PostgreSQL database: one chain under concurrent appends, the
trigger that refuses changes, and `sentra-audit verify` catching what an owner who
disables the trigger can still do (edit, delete, swap, truncate)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from sentra_local.stack import Stack
from sentra_shared import audit, clock
from sentra_shared.audit_command import main as sentra_audit
from sentra_shared.database import create_pool, migrate
from sentra_shared.envelope import encode, headers_for
from sentra_shared.events import DocumentsAuditChainHead
from sentra_shared.events.audit import chain_id
from sentra_shared.kafka_login import KafkaLogin
from sentra_shared.reasons import BilingualText, Reason

DATABASE = "sentra_audit_chain_test"
ROWS = 5
REASON = Reason(
    code="UNDER_AGE",
    text=BilingualText(id="Pemohon belum berusia 18 tahun.", en="The applicant is under 18."),
)
# An owner of the database can do all of this; the chain must still tell.
AS_OWNER = "SET session_replication_role = replica"


async def _append(pool: asyncpg.Pool, application_id: uuid.UUID) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await audit.record(
            conn,
            application_id=application_id,
            decision=audit.Decision.DOCUMENTS_REJECTED,
            reasons=[REASON],
            rules_version="placement:test",
            actor=audit.system("documents"),
        )


async def _fresh_chain(stack: Stack, migrations: Path, rows: int) -> str:
    await stack.postgres.recreate_databases([DATABASE])
    url = stack.postgres.dsn(DATABASE)
    pool = await create_pool(url)
    try:
        await migrate(pool, migrations)
        for _ in range(rows):
            await _append(pool, uuid.uuid4())
        async with pool.acquire() as conn:
            assert await audit.chain(conn) == rows
    finally:
        await pool.close()
    return url


async def _as_owner(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(AS_OWNER)
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _publish_head(kafka: KafkaLogin, url: str) -> audit.Head:
    """What the documents service's head task would publish: the chain's head now."""
    conn = await asyncpg.connect(url)
    try:
        last = await audit.chain_head(conn)
    finally:
        await conn.close()
    assert last is not None
    head = DocumentsAuditChainHead(
        application_id=chain_id("documents"),
        occurred_at=clock.now(),
        service="documents",
        position=last.position,
        hash=last.hash,
        recorded_at=last.recorded_at,
    )
    producer = AIOKafkaProducer(**kafka.aiokafka())
    await producer.start()
    try:
        headers = [(k, v.encode()) for k, v in headers_for(head).items()]
        await producer.send_and_wait(head.topic, encode(head), key=head.key, headers=headers)
    finally:
        await producer.stop()
    return audit.Head(last.position, last.hash)


@pytest.fixture
def chain_url(local_stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A documents-like database of its own with a chain of ROWS decisions; the command
    reads it as the documents service's."""
    local_stack.postgres.ensure_databases([DATABASE])
    url = asyncio.run(_fresh_chain(local_stack, tmp_path, ROWS))
    monkeypatch.setenv("SENTRA_DOCUMENTS_DATABASE_URL", url)
    monkeypatch.delenv("SENTRA_CREDIT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SENTRA_INSURANCE_DATABASE_URL", raising=False)
    yield url


def test_an_untouched_chain_verifies(chain_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert sentra_audit(["verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"documents: ok, {ROWS} rows, head ")


def test_an_edited_row_is_caught(chain_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(
        _as_owner(
            chain_url,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            "UPDATE audit_log SET decision = 'documents.verified', reasons = '[]' "
            "WHERE position = 3",
        )
    )
    assert sentra_audit(["verify", "--service", "documents"]) == 1
    assert "documents: FAILED at row 3: edited" in capsys.readouterr().out


def test_a_deleted_row_is_caught(chain_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_as_owner(chain_url, "DELETE FROM audit_log WHERE position = 2"))
    assert sentra_audit(["verify"]) == 1
    assert "documents: FAILED at row 2: missing" in capsys.readouterr().out


def test_two_swapped_rows_are_caught(chain_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(
        _as_owner(
            chain_url,
            "UPDATE audit_log SET position = 1000 WHERE position = 2",
            "UPDATE audit_log SET position = 2 WHERE position = 3",
            "UPDATE audit_log SET position = 3 WHERE position = 1000",
        )
    )
    assert sentra_audit(["verify"]) == 1
    assert "documents: FAILED at row 2: wrong_previous" in capsys.readouterr().out


def test_a_truncated_tail_is_caught_against_the_published_head(
    local_stack: Stack,
    chain_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Published as the documents service would; read back as the witness reads it.
    head = asyncio.run(_publish_head(local_stack.kafka.login("documents"), chain_url))
    assert head.position == ROWS
    witness = local_stack.kafka.login("witness")
    for name, value in witness.environment().items():
        monkeypatch.setenv(name, value)
    heads = ["verify", "--heads-from-kafka", "--bootstrap", witness.bootstrap]
    assert sentra_audit(heads) == 0
    assert f"reaches the published head at {ROWS}" in capsys.readouterr().out

    asyncio.run(_as_owner(chain_url, f"DELETE FROM audit_log WHERE position > {ROWS - 2}"))
    # Without the witness, what is left is a valid (shorter) chain ...
    assert sentra_audit(["verify"]) == 0
    capsys.readouterr()
    # ... the published head proves that rows were cut off.
    assert sentra_audit(heads) == 1
    assert f"documents: FAILED at row {ROWS - 1}: truncated" in capsys.readouterr().out


async def test_the_trigger_refuses_changes(local_stack: Stack, tmp_path: Path) -> None:
    url = await _fresh_chain(local_stack, tmp_path, 2)
    pool = await create_pool(url)
    try:
        await _append(pool, uuid.uuid4())  # recorded, not chained yet
    finally:
        await pool.close()
    conn = await asyncpg.connect(url)
    try:
        for statement in (
            "UPDATE audit_log SET actor = 'officer:x' WHERE position = 1",
            # Linking is write-once: a chained row cannot be linked again ...
            f"UPDATE audit_log SET hash = '{'1' * 64}' WHERE position = 2",
            # ... and linking may not touch what was decided.
            "UPDATE audit_log SET position = 3, prev_hash = hash, hash = md5('x') || md5('y'),"
            " actor = 'officer:x' WHERE hash IS NULL",
            "DELETE FROM audit_log WHERE position = 2",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 3
    finally:
        await conn.close()


async def test_a_record_outside_a_transaction_is_refused(
    local_stack: Stack, tmp_path: Path
) -> None:
    url = await _fresh_chain(local_stack, tmp_path, 0)
    conn = await asyncpg.connect(url)
    try:
        with pytest.raises(RuntimeError, match="transaction"):
            await audit.record(
                conn,
                application_id=uuid.uuid4(),
                decision=audit.Decision.DOCUMENTS_VERIFIED,
                rules_version="placement:test",
                actor=audit.system("documents"),
            )
    finally:
        await conn.close()


async def test_concurrent_appends_form_one_chain(local_stack: Stack, tmp_path: Path) -> None:
    url = await _fresh_chain(local_stack, tmp_path, 0)
    pool = await create_pool(url, max_size=8)
    try:
        applications = [uuid.uuid4() for _ in range(24)]
        await asyncio.gather(*(_append(pool, a) for a in applications))
        async with pool.acquire() as conn:
            assert await audit.read_chain(conn) == []  # recorded, not chained yet
            assert await audit.unchained(conn) == 24
            # Two chainers at once (two instances of a service) still make one chain.
            async with pool.acquire() as other:
                linked = await asyncio.gather(audit.chain(conn, 10), audit.chain(other, 10))
            while await audit.chain(conn, 10):
                pass
            rows = await audit.read_chain(conn)
            assert await audit.unchained(conn) == 0
    finally:
        await pool.close()
    assert sorted(linked) == [10, 10]
    assert [r.position for r in rows] == list(range(1, 25))
    assert {r.application_id for r in rows} == set(applications)
    assert audit.verify(rows).ok
