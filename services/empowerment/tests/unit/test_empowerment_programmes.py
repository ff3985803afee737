"""The programmes file and the enrolment rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sentra_empowerment
from sentra_empowerment.domain.programmes import (
    Programme,
    ProgrammesFileError,
    Refusal,
    enrolment_refusals,
    parse_programmes,
    report_deadline,
    report_terms,
    seats_left,
)
from sentra_empowerment.programmes import load_programmes
from sentra_shared.calendar import WIB, DayKind, WorkingDayCalendar
from sentra_shared.deadlines import Terms
from sentra_shared.events import Agency

SAMPLE = Path(sentra_empowerment.__file__).parent / "sample_programmes.toml"
SESSIONS = [date(2027, 1, 11), date(2027, 1, 18), date(2027, 1, 25)]


def entry(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "cilacap-wirausaha-2027-01",
        "title": "Pelatihan kewirausahaan purna PMI Cilacap",
        "kind": "training",
        "organiser": "disnaker",
        "regencies": ["3301"],
        "capacity": 25,
        "sessions": SESSIONS,
        "enrolment_closes_on": date(2027, 1, 8),
    } | overrides


def programme(**overrides: Any) -> Programme:
    return parse_programmes({"programmes": [entry(**overrides)]})[0]


def test_a_file_entry_becomes_a_programme() -> None:
    p = programme()
    assert (p.agency, p.starts_on, p.ends_on) == (Agency.DISNAKER, SESSIONS[0], SESSIONS[-1])
    assert p.serves("3301") and not p.serves("3302")


def test_the_whole_province_serves_every_known_central_java_regency() -> None:
    p = programme(regencies=["*"], organiser="trade_office")
    assert p.serves("3301") and p.serves("3374")
    assert not p.serves("3501") and not p.serves("3399")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"capacity": 0}, "programmes[0].capacity: Input should be greater than 0"),
        ({"capacity": "25"}, "programmes[0].capacity"),
        ({"organiser": "ministry"}, "programmes[0].organiser"),
        ({"kind": "course"}, "programmes[0].kind"),
        ({"regencies": ["9999"]}, "unknown regency codes: 9999"),
        ({"regencies": ["*", "3301"]}, "stands alone"),
        ({"sessions": []}, "programmes[0].sessions"),
        ({"sessions": [SESSIONS[1], SESSIONS[0]]}, "increasing order"),
        ({"sessions": ["2027-01-11"]}, "programmes[0].sessions[0]"),
        ({"enrolment_closes_on": date(2027, 2, 1)}, "not be after the last session"),
        ({"id": "Has Spaces"}, "programmes[0].id"),
        ({"seats": 3}, "programmes[0].seats: Extra inputs are not permitted"),
    ],
)
def test_a_bad_entry_is_refused_with_its_place(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ProgrammesFileError) as refused:
        parse_programmes({"programmes": [entry(**overrides)]})
    assert problem in str(refused.value)


def test_ids_are_unique_in_a_file() -> None:
    with pytest.raises(ProgrammesFileError, match="repeated: cilacap-wirausaha-2027-01"):
        parse_programmes({"programmes": [entry(), entry()]})


def test_an_empty_file_offers_nothing() -> None:
    assert parse_programmes({}) == ()


def codes(**kwargs: Any) -> list[str]:
    defaults: dict[str, Any] = {
        "regency_code": "3301",
        "on": date(2027, 1, 8),
        "seats_taken": 24,
        "already_enrolled": False,
    }
    return [r.code for r in enrolment_refusals(programme(), **(defaults | kwargs))]


def test_the_last_seat_on_the_last_day_may_be_taken() -> None:
    assert codes() == []
    assert seats_left(programme(), 24) == 1


def test_each_refusal_has_its_reason() -> None:
    assert codes(seats_taken=25) == [Refusal.PROGRAMME_FULL]
    assert codes(on=date(2027, 1, 9)) == [Refusal.ENROLMENT_CLOSED]
    assert codes(regency_code="3302") == [Refusal.REGENCY_NOT_SERVED]
    assert codes(already_enrolled=True, seats_taken=25) == [Refusal.ALREADY_ENROLLED]
    assert seats_left(programme(), 30) == 0


def test_refusals_explain_themselves_in_both_languages() -> None:
    (reason,) = enrolment_refusals(
        programme(),
        regency_code="3301",
        on=date(2027, 1, 10),
        seats_taken=0,
        already_enrolled=False,
    )
    assert "2027-01-08" in reason.text.id and "2027-01-08" in reason.text.en


def test_the_report_is_due_within_the_organisers_terms_after_the_last_session() -> None:
    terms = Terms(5, DayKind.WORKING, 3, "kemnaker", "test terms")
    due, escalate = report_deadline(programme(), terms, WorkingDayCalendar.from_days_off(()))
    # Last session Monday 25 January; five working days: to Monday 1 February, inclusive.
    assert due == datetime(2027, 2, 2, tzinfo=WIB)
    assert escalate == datetime(2027, 2, 5, tzinfo=WIB)
    assert escalate - due == timedelta(days=3)


def test_every_organiser_reports_within_five_working_days_to_its_own_supervisor() -> None:
    disnaker = Terms(1, DayKind.WORKING, 1, "Disnakertrans Provinsi Jawa Tengah", "checks")
    terms = report_terms(disnaker)
    assert (terms.days, terms.day_kind, terms.escalate_after_days) == (5, DayKind.WORKING, 5)
    assert terms.supervisor == "Disnakertrans Provinsi Jawa Tengah"


def test_the_sample_file_shipped_with_the_service_loads() -> None:
    offered = load_programmes(SAMPLE)
    assert [p.organiser for p in offered] == ["disnaker", "trade_office", "bank"]
    assert offered[1].serves("3329") and offered[2].serves("3318")
    assert load_programmes(None) == ()


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ProgrammesFileError, match=r"nowhere\.toml"):
        load_programmes(missing)
    broken = tmp_path / "broken.toml"
    broken.write_text("capacity = = 3\n", encoding="utf-8")
    with pytest.raises(ProgrammesFileError, match=r"broken\.toml: .*line 1"):
        load_programmes(broken)
