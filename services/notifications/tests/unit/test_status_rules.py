"""Pure rules of the status page: the session cookie, reading what applicants type, the
rate-limit windows and what the page says."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sentra_notifications.repository import tracking_code_hash
from sentra_notifications.status import access, session
from sentra_notifications.status.limits import window_start
from sentra_notifications.status.views import status_page, when
from sentra_notifications.waits import Wait
from sentra_shared.calendar import WIB

SECRET = b"k" * 32
NOON = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 12.00 WIB


def test_a_session_opens_the_page_until_it_expires_and_only_with_its_own_signature() -> None:
    digest = tracking_code_hash("7K3QD-9XWM2")
    cookie = session.issue(digest, NOON + timedelta(minutes=15), SECRET)
    assert session.read(cookie, NOON, SECRET) == digest
    assert session.read(cookie, NOON + timedelta(minutes=15), SECRET) is None
    assert session.read(cookie, NOON, b"another secret") is None
    payload, mac = cookie.split(".")
    other = session.issue(tracking_code_hash("AAAAA-AAAAA"), NOON + timedelta(days=1), SECRET)
    assert session.read(f"{other.split('.')[0]}.{mac}", NOON, SECRET) is None
    for broken in (None, "", "no-dot", "!!!.???", f"{payload}.", f"{payload[:-4]}.{mac}"):
        assert session.read(broken, NOON, SECRET) is None


def test_a_code_is_the_same_code_however_it_is_typed() -> None:
    stored = tracking_code_hash("7K30D-91XM2")
    for typed in ("7K30D-91XM2", "7k30d91xm2", " 7K3OD 9IXM2 ", "7k3od-9lxm2"):
        assert access.code_hash(typed) == stored
    assert access.code_hash("7K30D-91XM3") != stored


def test_a_birth_date_is_read_iso_or_day_first() -> None:
    born = date(1996, 3, 14)
    for typed in ("1996-03-14", "14-03-1996", "14/3/1996", " 14.03.1996 "):
        assert access.birth_date(typed) == born
    for wrong in ("", "31-02-1996", "03/14/96", "1996", "14-03-1996; drop table"):
        assert access.birth_date(wrong) is None


def test_attempts_count_in_fixed_windows() -> None:
    window = timedelta(minutes=15)
    assert window_start(NOON + timedelta(minutes=14, seconds=59), window) == NOON
    assert window_start(NOON + timedelta(minutes=15), window) == NOON + window


def row(status: str, final: bool, minutes: int) -> dict[str, Any]:
    return {
        "status": status,
        "final": final,
        "occurred_at": NOON + timedelta(minutes=minutes),
        "message_id": f"pesan {status}",
        "message_en": f"message {status}",
    }


def wait(party: str, due: datetime, answered: bool = False) -> Wait:
    return Wait(
        request_id=uuid.uuid4(),
        application_id=uuid.uuid4(),
        owner="documents",
        step="agency_check",
        party=party,
        requested_at=NOON,
        due_at=due,
        closed_at=NOON + timedelta(hours=1) if answered else None,
        answered_at=NOON + timedelta(hours=1) if answered else None,
        on_time=True if answered else None,
    )


def test_the_page_names_who_holds_the_file_until_when_and_what_is_late() -> None:
    due = datetime(2026, 3, 4, tzinfo=WIB)  # midnight: the end of 3 March
    page = status_page(
        "placement",
        NOON,
        [row("submitted", False, 0)],
        [wait("polri", due), wait("dukcapil", due, answered=True), wait("lab_x", due)],
        due + timedelta(minutes=1),
        "id",
    )
    assert page.status == "Permohonan diterima" and not page.final
    assert page.next_step == "pesan submitted"
    assert [(h.party, h.due, h.overdue) for h in page.holders] == [
        ("Kepolisian (Polri)", "3 Maret 2026", True),
        ("lab x", "3 Maret 2026", True),  # a party the page has no name for yet
    ]
    assert [(a.party, a.on_time) for a in page.answered] == [
        ("Dinas Kependudukan dan Pencatatan Sipil (Dukcapil)", True)
    ]
    assert page.steps[0].at == "2 Maret 2026, 12.00 WIB"


def test_the_final_word_is_the_status_and_the_next_step_even_if_a_delay_came_later() -> None:
    timeline = [row("submitted", False, 0), row("documents_verified", True, 5)]
    timeline.append(row("delayed", False, 6))  # arrived late from another stream
    page = status_page("placement", NOON, timeline, [], NOON, "en")
    assert page.status == "Documents verified" and page.final
    assert page.next_step == "message documents_verified"
    labels = ["Application received", "Documents verified", "Delayed"]
    assert [s.label for s in page.steps] == labels
    assert page.kind == "Placement abroad" and page.submitted == "2 March 2026"
    assert when(NOON, "en") == "2 March 2026, 12:00 WIB"
