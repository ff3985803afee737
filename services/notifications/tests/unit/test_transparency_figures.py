"""The public figures as pure functions: suppression, order statistics, on-time shares,
overdue-now, working days across holidays, and the events that feed the read model."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sentra_notifications.transparency.charts import bar_chart
from sentra_notifications.transparency.facts import Outcome, fact_of
from sentra_notifications.transparency.figures import (
    COLUMNS,
    KINDS,
    PublicApplication,
    compute,
    party_figures,
    working_days_between,
)
from sentra_notifications.transparency.stats import (
    SUPPRESSED,
    Cell,
    count,
    measured,
    median,
    p90,
    total_of,
)
from sentra_notifications.waits import Wait
from sentra_shared.calendar import WIB, WorkingDayCalendar, indonesian_calendar
from sentra_shared.events import (
    ApplicationKind,
    ApplicationReviewed,
    ClaimOutcome,
    CreditOutcome,
    CreditScreened,
    DocumentsVerified,
    RefundClaimAssessed,
    ReviewDecision,
)

CALENDAR = indonesian_calendar()
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
P, KUR, REFUND = (
    ApplicationKind.PLACEMENT,
    ApplicationKind.KUR_LOAN,
    ApplicationKind.INSURANCE_REFUND,
)


def app(
    kind: ApplicationKind = P,
    regency: str = "3314",
    outcome: Outcome | None = Outcome.APPROVED,
    days: float = 3,
    flagged: bool = False,
    confirmed: bool = False,
) -> PublicApplication:
    submitted = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
    return PublicApplication(
        kind=kind,
        regency_code=regency,
        submitted_at=submitted,
        outcome=outcome,
        decided_at=submitted + timedelta(days=days) if outcome else None,
        flagged=flagged,
        confirmed=confirmed,
    )


def wait(
    party: str = "dukcapil",
    hours: float | None = 10,
    on_time: bool | None = True,
    due_in_hours: float = 48,
    withdrawn: bool = False,
    requested_at: datetime = NOW - timedelta(days=5),
) -> Wait:
    answered = requested_at + timedelta(hours=hours) if hours is not None else None
    closed = answered or (requested_at + timedelta(hours=1) if withdrawn else None)
    return Wait(
        request_id=uuid.uuid4(),
        application_id=uuid.uuid4(),
        owner="documents",
        step="agency_check",
        party=party,
        requested_at=requested_at,
        due_at=requested_at + timedelta(hours=due_in_hours),
        closed_at=closed,
        answered_at=None if withdrawn else answered,
        on_time=None if withdrawn else on_time,
    )


# --- suppression ----------------------------------------------------------------------


def test_counts_from_one_to_four_are_suppressed_zero_and_five_are_not() -> None:
    assert count(0) == Cell(0)
    assert [count(n).suppressed for n in (1, 2, 3, 4)] == [True] * 4
    assert count(3).value is None and count(3).mark == "<5"
    assert count(5) == Cell(5)


def test_a_total_beside_a_suppressed_cell_is_hidden_not_published() -> None:
    assert total_of([count(7), count(0), count(12)]) == Cell(19)
    hidden = total_of([count(7), count(3)])
    assert hidden.suppressed and hidden.value is None and hidden.mark == "\u2013"


def test_statistics_from_fewer_than_five_items_are_suppressed() -> None:
    assert measured([1, 2, 3, 4], "median").suppressed
    assert measured([1, 2, 3, 4, 5], "median") == Cell(3)
    assert measured([], "p90").suppressed


def test_a_regency_with_a_small_cell_hides_its_totals_and_the_column_totals() -> None:
    sragen = [app(P, "3314", Outcome.APPROVED)] * 7 + [app(P, "3314", Outcome.REJECTED)] * 3
    cilacap = [app(P, "3301", Outcome.APPROVED)] * 6 + [app(P, "3301", Outcome.REJECTED)] * 5
    figures = compute(sragen + cilacap, [], NOW, CALENDAR)
    rows = {row.code: row for row in figures.regencies}
    s, c, all_ = rows["3314"], rows["3301"], figures.all_regencies
    assert s.applications[P, Outcome.APPROVED] == Cell(7)
    assert s.applications[P, Outcome.REJECTED].suppressed  # 3
    assert s.applications[KUR, Outcome.APPROVED] == Cell(0)
    # 10 - 7 would give the 3 away: Sragen's placement total and grand total are hidden...
    assert s.by_kind[P].suppressed and s.total.suppressed
    # ... and so is the column of rejections over all regencies (8 - 5 = 3).
    assert all_.applications[P, Outcome.REJECTED].suppressed
    assert all_.by_kind[P].suppressed and all_.total.suppressed
    # Columns without a small cell keep their totals.
    assert all_.applications[P, Outcome.APPROVED] == Cell(13)
    assert c.by_kind[P] == Cell(11) and c.total == Cell(11)
    assert all_.by_kind[KUR] == Cell(0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["3314", "3301", "3302", "3374"]),
            st.sampled_from(COLUMNS),
        ),
        max_size=60,
    )
)
def test_no_suppressed_cell_can_be_recovered_from_a_published_total(
    cells: list[tuple[str, tuple[ApplicationKind, Outcome]]],
) -> None:
    apps = [
        app(kind, regency, None if outcome is Outcome.IN_PROGRESS else outcome)
        for regency, (kind, outcome) in cells
    ]
    figures = compute(apps, [], NOW, CALENDAR)
    rows = figures.regencies
    for row in rows:
        kind_cells = {k: [row.applications[c] for c in COLUMNS if c[0] is k] for k in KINDS}
        for kind, parts in kind_cells.items():
            if row.by_kind[kind].published:
                assert all(part.published for part in parts)
        if row.total.published:
            assert all(cell.published for cell in row.applications.values())
    for column in COLUMNS:
        if figures.all_regencies.applications[column].published:
            assert all(row.applications[column].published for row in rows)
    # Every published count is the true count.
    for row in rows:
        for (kind, outcome), cell in row.applications.items():
            true = sum(1 for r, c in cells if r == row.code and c == (kind, outcome))
            assert cell == (count(true))


def test_the_nine_sending_regencies_come_first_in_order_then_others_by_code() -> None:
    figures = compute([app(regency="3374"), app(regency="3201")], [], NOW, CALENDAR)
    codes = [row.code for row in figures.regencies]
    assert codes == [
        "3314", "3301", "3302", "3307", "3329", "3327", "3324", "3318", "3315", "3201", "3374",
    ]  # fmt: skip
    names = {row.code: row.name for row in figures.regencies}
    assert names["3314"] == "Kabupaten Sragen" and names["3374"] == "Kota Semarang"
    assert names["3201"] is None  # outside Central Java: shown by its code
    assert all(row.sending for row in figures.regencies[:9])
    assert not figures.regencies[9].sending


def test_red_flags_are_counts_only_and_suppressed_when_small() -> None:
    apps = [app(flagged=True)] * 6 + [app(flagged=True, confirmed=True)] * 2 + [app()] * 3
    figures = compute(apps, [], NOW, CALENDAR)
    assert figures.flags_raised == Cell(8)
    assert figures.flags_confirmed.suppressed


# --- median, p90, on-time share, overdue now -----------------------------------------------


def test_median_and_p90_by_nearest_rank() -> None:
    assert median([4, 1, 3, 2]) == 2.5
    assert median([5, 1, 3]) == 3
    assert p90(list(range(1, 11))) == 9
    assert p90(list(range(1, 21))) == 18
    assert p90([1, 2, 3, 4, 100]) == 100


def test_party_answer_times_on_time_share_and_overdue_now() -> None:
    waits = [
        *(wait(hours=h, on_time=True) for h in (2, 4, 6, 8, 10, 12, 14)),
        wait(hours=60, on_time=False),
        wait(hours=80, on_time=False),
        wait(hours=100, on_time=False),
        # Withdrawn (decided first): not an answer, not overdue.
        *(wait(hours=None, withdrawn=True) for _ in range(4)),
        # Still open: past due (overdue now) or not yet due.
        *(wait(hours=None, on_time=None, due_in_hours=24) for _ in range(5)),
        wait(hours=None, on_time=None, due_in_hours=24 * 10),
        # Another party with too few answers for any statistic.
        *(wait("polri", hours=5) for _ in range(3)),
    ]
    dukcapil, polri = party_figures(waits, NOW)
    assert dukcapil.party == "dukcapil"
    assert dukcapil.answered == Cell(10)
    assert dukcapil.on_time_share == Cell(0.7)
    assert dukcapil.median_hours == Cell(11.0)  # (10 + 12) / 2
    assert dukcapil.p90_hours == Cell(80.0)  # 9th of 10
    assert dukcapil.overdue_now == Cell(5)
    assert polri.party == "polri"
    assert polri.answered.suppressed and polri.on_time_share.suppressed
    assert polri.median_hours.suppressed and polri.p90_hours.suppressed
    assert polri.overdue_now == Cell(0)


def test_a_wait_due_exactly_now_is_not_yet_overdue() -> None:
    due_now = [wait(hours=None, on_time=None, due_in_hours=120) for _ in range(5)]
    (figures,) = party_figures(due_now, NOW)
    assert figures.overdue_now == Cell(0)
    (later,) = party_figures(due_now, NOW + timedelta(seconds=1))
    assert later.overdue_now == Cell(5)


def test_desks_answers_count_and_organisers_programme_reports_do_not() -> None:
    def empowerment(w: Wait, step: str) -> Wait:
        return replace(w, owner="empowerment", step=step)

    waits = [
        *(wait("disnaker", hours=3) for _ in range(5)),
        # Disnaker as a programme's organiser: weeks after the request, not a check's time.
        *(empowerment(wait("disnaker", hours=500), "programme_report") for _ in range(5)),
        *(empowerment(wait("trade_office", hours=400), "programme_report") for _ in range(5)),
        *(empowerment(wait("credit_desk", hours=20), "consultation_answer") for _ in range(5)),
    ]
    credit_desk, disnaker = party_figures(waits, NOW)
    assert disnaker.party == "disnaker" and disnaker.answered == Cell(5)
    assert disnaker.median_hours == Cell(3.0)
    assert credit_desk.party == "credit_desk" and credit_desk.median_hours == Cell(20.0)


# --- working days to a decision -----------------------------------------------------------


def test_working_days_skip_weekends_holidays_and_joint_leave_in_wib() -> None:
    # Tuesday 17 March 2026, 10:00 WIB; Nyepi and Lebaran close offices 18-24 March
    # (holidays and joint leave, with a weekend between): decided Wednesday 25 March.
    submitted = datetime(2026, 3, 17, 10, 0, tzinfo=WIB)
    assert working_days_between(CALENDAR, submitted, datetime(2026, 3, 25, 9, tzinfo=WIB)) == 1
    # Independence Day, Monday 17 August 2026: Friday to Tuesday is one working day.
    friday = datetime(2026, 8, 14, 9, 0, tzinfo=WIB)
    assert working_days_between(CALENDAR, friday, datetime(2026, 8, 18, 15, tzinfo=WIB)) == 1
    # Same day: zero. The WIB date counts, not the UTC one (20:00 UTC is 03:00 WIB next day).
    assert working_days_between(CALENDAR, friday, friday + timedelta(hours=5)) == 0
    thursday_utc = datetime(2026, 8, 13, 20, 0, tzinfo=UTC)  # Friday 03:00 WIB
    assert working_days_between(CALENDAR, thursday_utc, friday) == 0


def test_median_working_days_per_regency() -> None:
    plain = WorkingDayCalendar.from_days_off([])
    # Monday 09:00 WIB + n days: 1, 2, 3, 4 working days; 7 days later is 5.
    apps = [app(days=d) for d in (1, 2, 3, 4, 7)] + [app(outcome=None)]
    figures = compute(apps, [], NOW, plain)
    sragen = figures.regencies[0]
    assert sragen.median_working_days == Cell(3)
    assert figures.all_regencies.median_working_days == Cell(3)
    fewer = compute(apps[:4], [], NOW, plain)
    assert fewer.regencies[0].median_working_days.suppressed


# --- what the events say -------------------------------------------------------------------


def test_outcomes_from_the_events() -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    a = uuid.uuid4()
    verified_loan = fact_of(DocumentsVerified(application_id=a, occurred_at=at, kind=KUR))
    assert verified_loan is not None and verified_loan.outcome is None
    verified = fact_of(DocumentsVerified(application_id=a, occurred_at=at, kind=P))
    assert verified is not None and verified.outcome is Outcome.APPROVED
    assert verified.decided_at == at
    referred = CreditScreened(
        application_id=a, occurred_at=at, outcome=CreditOutcome.REFERRED, amount_idr=1
    )
    assert (fact := fact_of(referred)) is not None and fact.outcome is None
    dormant = RefundClaimAssessed(
        application_id=a,
        occurred_at=at,
        outcome=ClaimOutcome.DORMANT,
        amount_krw=None,
        amount_idr=None,
        last_claim_day=None,
    )
    assert (fact := fact_of(dormant)) is not None and fact.outcome is Outcome.REFERRED
    assert fact.kind is REFUND
    confirmed = ApplicationReviewed(
        application_id=a,
        occurred_at=at,
        kind=P,
        decision=ReviewDecision.CONFIRMED,
        officer_id="o",
        reason="r",
    )
    assert (fact := fact_of(confirmed)) is not None and fact.flagged and fact.confirmed
    assert fact.outcome is None  # the rejection (DocumentsRejected) decides


def test_charts_escape_labels_and_draw_no_bar_for_a_suppressed_value() -> None:
    svg = bar_chart(
        "Jawaban <tepat> waktu",
        [("<script>alert(1)</script>", Cell(50)), ("Polri", SUPPRESSED)],
        lambda c: c.mark if c.value is None else str(c.value),
        maximum=100,
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 1  # the suppressed value has no bar
    assert "&lt;5" in svg
