"""The audit chain's pure rules: canonical form, hashing, and what verify() names."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from sentra_shared.audit import (
    GENESIS,
    AuditRow,
    Head,
    Problem,
    canonical,
    content_hash,
    rules_version,
    verify,
)

APPLICATION = uuid.UUID("6f0c2b1e-8f7a-4c1d-9a55-3b2f1e0d9c8a")
AT = datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=UTC)
REASON = {"code": "UNDER_AGE", "text": {"id": "Belum berusia 18 tahun.", "en": "Under 18."}}


def chain(length: int) -> list[AuditRow]:
    rows: list[AuditRow] = []
    previous = GENESIS
    for position in range(1, length + 1):
        row = AuditRow(
            position=position,
            application_id=APPLICATION,
            decision="documents.rejected",
            reasons=(REASON,),
            rules_version="placement:0123456789ab",
            actor="system:documents",
            trace_id="0af7651916cd43dd8448eb211c80319c",
            recorded_at=AT + timedelta(seconds=position),
            prev_hash=previous,
            hash="",
        )
        row = dataclasses.replace(row, hash=content_hash(row))
        rows.append(row)
        previous = row.hash
    return rows


def test_the_canonical_form_is_sorted_compact_json_in_utc() -> None:
    row = chain(1)[0]
    text = canonical(row).decode()
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert '"recorded_at":"2026-11-02T03:04:06.678901+00:00"' in text
    assert '"prev_hash":"' + GENESIS + '"' in text
    assert '"hash"' not in text  # a row's hash cannot cover itself
    assert row.hash == hashlib.sha256(canonical(row)).hexdigest()


def test_the_same_moment_in_another_zone_hashes_the_same() -> None:
    row = chain(1)[0]
    wib = row.recorded_at.astimezone(timezone(timedelta(hours=7)))
    assert content_hash(dataclasses.replace(row, recorded_at=wib)) == row.hash


def test_an_intact_chain_verifies_with_its_head() -> None:
    rows = chain(5)
    checked = verify(rows, Head(3, rows[2].hash))
    assert checked.ok
    assert (checked.rows, checked.head) == (5, Head(5, rows[4].hash))


def test_an_empty_chain_is_intact() -> None:
    checked = verify([])
    assert checked.ok and checked.rows == 0 and checked.head is None


def test_an_edited_row_is_named() -> None:
    rows = chain(5)
    rows[2] = dataclasses.replace(rows[2], decision="documents.verified")
    failure = verify(rows).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (3, Problem.EDITED)


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link() -> None:
    rows = chain(5)
    forged = dataclasses.replace(rows[2], reasons=())
    rows[2] = dataclasses.replace(forged, hash=content_hash(forged))
    failure = verify(rows).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (4, Problem.WRONG_PREVIOUS)


def test_a_deleted_row_is_a_missing_position() -> None:
    rows = chain(5)
    del rows[1]
    failure = verify(rows).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (2, Problem.MISSING)


def test_a_deleted_row_with_the_rest_renumbered_breaks_the_link() -> None:
    rows = chain(5)
    del rows[1]
    rows = [dataclasses.replace(r, position=i) for i, r in enumerate(rows, start=1)]
    failure = verify(rows).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (2, Problem.WRONG_PREVIOUS)


def test_two_swapped_rows_are_named() -> None:
    rows = chain(5)
    rows[1], rows[2] = (
        dataclasses.replace(rows[2], position=2),
        dataclasses.replace(rows[1], position=3),
    )
    failure = verify(rows).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (2, Problem.WRONG_PREVIOUS)


def test_a_truncated_tail_is_caught_only_against_the_witnessed_head() -> None:
    rows = chain(5)
    witnessed = Head(5, rows[4].hash)
    assert verify(rows[:3]).ok  # on its own a shorter chain is a valid chain
    failure = verify(rows[:3], witnessed).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (4, Problem.TRUNCATED)


def test_a_chain_rebuilt_from_scratch_is_caught_by_the_witnessed_head() -> None:
    rows = chain(5)
    witnessed = Head(4, rows[3].hash)
    rebuilt = [dataclasses.replace(r, actor="officer:someone-else") for r in rows]
    previous = GENESIS
    for i, row in enumerate(rebuilt):
        row = dataclasses.replace(row, prev_hash=previous)
        rebuilt[i] = dataclasses.replace(row, hash=content_hash(row))
        previous = rebuilt[i].hash
    assert verify(rebuilt).ok
    failure = verify(rebuilt, witnessed).failure
    assert failure is not None
    assert (failure.position, failure.problem) == (4, Problem.REWRITTEN)


def test_the_rules_version_follows_the_tables_content() -> None:
    table = ({"valid_from": "2022-01-01", "max": 100}, frozenset({"b", "a"}))
    same = ({"max": 100, "valid_from": "2022-01-01"}, frozenset({"a", "b"}))
    changed = ({"valid_from": "2022-01-01", "max": 50}, frozenset({"a", "b"}))
    assert rules_version("kur", *table) == rules_version("kur", *same)
    assert rules_version("kur", *table) != rules_version("kur", *changed)
    assert rules_version("kur", *table).startswith("kur:")
