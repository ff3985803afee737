"""The award's published criteria, scored one by one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sentra_empowerment.domain.award import (
    ATTENDANCE,
    AWARD_CRITERIA,
    MILESTONES,
    STAGE,
    Participation,
    assess,
)
from sentra_shared.events import Milestone

ON = date(2027, 2, 3)


def milestone(kind: str) -> Milestone:
    return Milestone.model_validate({"kind": kind, "achieved_on": date(2027, 1, 20)})


def test_the_criteria_are_published_with_their_source_and_add_up() -> None:
    assert AWARD_CRITERIA.source and AWARD_CRITERIA.published_on <= ON
    assert sum(c.max_points for c in AWARD_CRITERIA.criteria) == Decimal(100)
    codes = [c.code for c in AWARD_CRITERIA.criteria]
    assert codes == [ATTENDANCE, MILESTONES, STAGE]


def test_full_attendance_a_permit_and_a_first_sale_nominate_a_starting_business() -> None:
    report = Participation(3, 3, (milestone("business_permit"), milestone("first_sale")))
    result = assess("starting", [report], ON)
    points = {s.criterion: s.points for s in result.scores}
    assert points == {ATTENDANCE: Decimal(40), MILESTONES: Decimal(25), STAGE: Decimal(5)}
    assert (result.total, result.threshold, result.nominated) == (Decimal(70), Decimal(60), True)
    assert (result.award, result.criteria_version) == ("purna-pmi-2027", AWARD_CRITERIA.version)
    attendance = result.scores[0].explanation
    assert attendance.text.en == "Attended 3 of 3 sessions (100%): 40.00 of 40 points."
    assert attendance.text.id == "Hadir 3 dari 3 sesi (100%): 40.00 dari 40 poin."
    assert "first sale (15)" in result.scores[1].explanation.text.en


def test_an_absent_participant_is_not_nominated_and_is_told_why() -> None:
    result = assess("starting", [Participation(3, 0)], ON)
    assert [s.points for s in result.scores] == [Decimal(0), Decimal(0), Decimal(5)]
    assert not result.nominated and result.total == Decimal(5)
    assert result.scores[1].explanation.text.en == "Milestones: none yet: 0 of 40 points."


def test_attendance_counts_across_programmes_and_milestones_once_each() -> None:
    reports = [
        Participation(4, 3, (milestone("first_sale"),)),
        Participation(4, 2, (milestone("first_sale"), milestone("loan_repaid"))),
    ]
    result = assess("growing", reports, ON)
    # 5 of 8 sessions: 25 points; first sale once (15) and loan repaid (15); growing: 20.
    assert [s.points for s in result.scores] == [Decimal(25), Decimal(30), Decimal(20)]
    assert result.total == Decimal(75) and result.nominated


def test_partial_attendance_is_rounded_to_cents_of_a_point() -> None:
    result = assess("idea", [Participation(3, 2)], ON)
    assert result.scores[0].points == Decimal("26.67")
    assert not result.nominated


def test_no_report_yet_scores_nothing_for_attendance() -> None:
    result = assess("running", [], ON)
    assert result.scores[0].points == 0 and result.total == Decimal(15)


def test_the_threshold_itself_nominates() -> None:
    # Half the sessions (20), all three milestones (40, the most), an idea (0): 60.
    full = (milestone("first_sale"), milestone("business_permit"), milestone("loan_repaid"))
    result = assess("idea", [Participation(2, 1, full)], ON)
    assert result.total == Decimal(60) and result.nominated
