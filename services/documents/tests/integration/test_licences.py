"""The SIP3MI registry loader: upserts a whole file in one transaction, or nothing."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sentra_documents.app import MIGRATIONS
from sentra_documents.licences import (
    SAMPLE_FILE,
    LicenceFileError,
    find_licence,
    load_licences,
)
from sentra_local.stack import Stack
from sentra_shared.database import create_pool, migrate

DATABASE = "documents_licences_test"
HEADER = "licence_number,holder,valid_from,valid_until,revoked_on\n"


@pytest.fixture
async def pool(local_stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    await local_stack.postgres.recreate_databases([DATABASE])
    pool = await create_pool(local_stack.postgres.dsn(DATABASE))
    await migrate(pool, MIGRATIONS)
    try:
        yield pool
    finally:
        await pool.close()


async def count(pool: asyncpg.Pool) -> int:
    loaded: int = await pool.fetchval("SELECT count(*) FROM recruiter_licences")
    return loaded


async def test_the_sample_registry_loads_and_reloads_as_an_upsert(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        first = await load_licences(conn, SAMPLE_FILE)
        assert (first.added, first.updated, first.unchanged) == (12, 0, 0)
        again = await load_licences(conn, SAMPLE_FILE)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 12)

        changed = tmp_path / "changed.csv"
        changed.write_text(
            HEADER
            + "SIP3MI-3314-0103-2023,PT Sragen Mitra Abadi,2023-06-01,2028-05-31,2026-01-05\n"
            + "SIP3MI-3376-0001-2026,PT Tegal Bahari Mandiri,2026-02-02,2031-02-01,\n"
        )
        report = await load_licences(conn, changed)
        assert (report.added, report.updated, report.unchanged) == (1, 1, 0)

        revoked = await find_licence(conn, " sip3mi-3314-0103-2023 ")
        assert revoked is not None and revoked.revoked_on is not None
        assert revoked.revoked_on.isoformat() == "2026-01-05"
        assert await find_licence(conn, "SIP3MI-0000-0000-0000") is None
        assert await find_licence(conn, None) is None
    assert await count(pool) == 13


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("SIP3MI-X,PT Salah Tanggal,2024-13-01,2029-01-01,", "valid_from '2024-13-01'"),
        ("SIP3MI-X,,2024-01-01,2029-01-01,", "holder is empty"),
        ("SIP3MI-X,PT Terbalik,2029-01-01,2024-01-01,", "valid_until is before valid_from"),
        ("SIP3MI-3315-0061-2024,PT Dobel,2024-01-01,2029-01-01,", "already on line 2"),
    ],
)
async def test_a_bad_row_names_its_line_and_nothing_is_loaded(
    pool: asyncpg.Pool, tmp_path: Path, row: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "SIP3MI-3315-0061-2024,PT Grobogan Cahaya Mandiri,2024-04-22,2029-04-21,\n"
        + "SIP3MI-3302-0092-2024,PT Banyumas Duta Perkasa,2024-10-07,2029-10-06,\n"
        + row
        + "\n"
    )
    async with pool.acquire() as conn:
        with pytest.raises(LicenceFileError) as error:
            await load_licences(conn, bad)
    assert f"{bad}:4:" in str(error.value)
    assert message in str(error.value)
    assert await count(pool) == 0


async def operator_command(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sentra_documents.licences", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_the_operator_command_reports_counts_and_refuses_a_bad_file(
    pool: asyncpg.Pool, local_stack: Stack, tmp_path: Path
) -> None:
    url = local_stack.postgres.dsn(DATABASE)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "SIP3MI-1,PT Satu,2024-01-01,2029-01-01,\nSIP3MI-2,PT Dua,kemarin,,\n")
    code, output = await operator_command("load", str(bad), "--database-url", url)
    assert code == 2
    assert "nothing loaded" in output and f"{bad}:3:" in output
    assert await count(pool) == 0

    code, output = await operator_command("load", str(SAMPLE_FILE), "--database-url", url)
    assert code == 0, output
    assert "added 12, updated 0, unchanged 0" in output
    assert await count(pool) == 12
