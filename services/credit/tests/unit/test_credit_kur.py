import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sentra_credit.domain.kur import (
    CreditOutcome,
    KurApplication,
    SlikCollectibility,
    bank_decision_deadline,
    screen_kur,
)
from sentra_credit.domain.kur_rules import KUR_RULES, BorrowerRole, KurProduct, rule_in_force
from sentra_credit.domain.reasons import CreditReason as R
from sentra_shared.calendar import WorkingDayCalendar, indonesian_calendar

# Ascension Day and its joint leave, Eid al-Adha and its joint leave (2025).
HOLIDAYS = {date(2025, 5, 29), date(2025, 5, 30), date(2025, 6, 6), date(2025, 6, 9)}
CALENDAR = WorkingDayCalendar.from_days_off(HOLIDAYS)
TODAY = date(2025, 5, 26)  # a Monday; Thursday and Friday are days off


def placement(**changes):
    base = dict(
        application_id="kur-1",
        product=KurProduct.PLACEMENT,
        amount_idr=40_000_000,
        tenor_months=24,
        work_contract_months=24,
        has_npwp=False,
        worst_slik_collectibility=SlikCollectibility.CURRENT,
    )
    base.update(changes)
    return KurApplication(**base)


def screen(app, on=TODAY):
    return screen_kur(app, on=on, calendar=CALENDAR)


def codes(decision):
    return {r.code for r in decision.reasons}


def test_clean_placement_loan_is_approved_with_a_bank_deadline():
    decision = screen(placement())
    assert decision.outcome is CreditOutcome.APPROVED
    assert decision.rule.annual_rate_percent == Decimal("6")
    assert decision.bank_decision_due == date(2025, 6, 4)


def test_loan_exactly_at_the_ceiling():
    at_ceiling = screen(placement(amount_idr=100_000_000, has_npwp=True))
    assert at_ceiling.outcome is CreditOutcome.APPROVED
    above = screen(placement(amount_idr=100_000_001, has_npwp=True))
    assert above.outcome is CreditOutcome.REJECTED and codes(above) == {R.AMOUNT_ABOVE_CEILING}
    assert "Rp 100.000.000" in above.reasons[0].text.id


def test_2017_and_2018_rules():
    rule_2017 = rule_in_force(KurProduct.PLACEMENT, date(2017, 12, 31))
    assert (rule_2017.max_amount_idr, rule_2017.annual_rate_percent) == (25_000_000, Decimal("9"))
    rule_2018 = rule_in_force(KurProduct.PLACEMENT, date(2018, 1, 1))
    assert (rule_2018.max_amount_idr, rule_2018.annual_rate_percent) == (25_000_000, Decimal("7"))
    assert (
        screen(placement(amount_idr=25_000_000), on=date(2017, 3, 1)).outcome
        is CreditOutcome.APPROVED
    )
    assert (
        screen(placement(amount_idr=25_000_001), on=date(2017, 3, 1)).outcome
        is CreditOutcome.REJECTED
    )


def test_no_product_before_the_table_starts():
    decision = screen(placement(), on=date(2015, 12, 31))
    assert decision.outcome is CreditOutcome.REJECTED and codes(decision) == {
        R.PRODUCT_NOT_AVAILABLE
    }


def test_npwp_required_only_above_50_million():
    assert screen(placement(amount_idr=50_000_000)).outcome is CreditOutcome.APPROVED
    assert codes(screen(placement(amount_idr=50_000_001))) == {R.NPWP_REQUIRED}


def test_tenor_limits():
    assert codes(screen(placement(tenor_months=36, work_contract_months=36))) == set()
    assert codes(screen(placement(tenor_months=37, work_contract_months=48))) == {
        R.TENOR_ABOVE_MAXIMUM
    }
    assert codes(screen(placement(tenor_months=24, work_contract_months=18))) == {
        R.TENOR_BEYOND_WORK_CONTRACT
    }
    assert codes(screen(placement(work_contract_months=None))) == {R.WORK_CONTRACT_REQUIRED}


@pytest.mark.parametrize("collectibility", [3, 4, 5])
def test_non_performing_slik_rejects(collectibility):
    decision = screen(placement(worst_slik_collectibility=SlikCollectibility(collectibility)))
    assert decision.outcome is CreditOutcome.REJECTED and codes(decision) == {R.SLIK_NON_PERFORMING}
    assert decision.bank_decision_due is None


@pytest.mark.parametrize(
    ("slik", "code"), [(2, R.SLIK_SPECIAL_MENTION), (None, R.SLIK_NOT_AVAILABLE)]
)
def test_unclear_credit_history_is_referred_to_the_bank(slik, code):
    decision = screen(
        placement(worst_slik_collectibility=None if slik is None else SlikCollectibility(slik))
    )
    assert decision.outcome is CreditOutcome.REFERRED and codes(decision) == {code}
    assert decision.bank_decision_due == date(2025, 6, 4)


def test_returnee_business_loan_excludes_existing_productive_credit():
    micro = placement(
        product=KurProduct.MICRO,
        work_contract_months=None,
        has_commercial_productive_credit=True,
        borrower_role=BorrowerRole.RETURNEE,
    )
    assert codes(screen(micro)) == {R.PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT}
    assert (
        screen(micro.model_copy(update={"has_commercial_productive_credit": False})).outcome
        is CreditOutcome.APPROVED
    )
    assert (
        screen(placement(has_commercial_productive_credit=True)).outcome is CreditOutcome.APPROVED
    )
    assert rule_in_force(KurProduct.MICRO, date(2021, 6, 1)).max_amount_idr == 50_000_000


def test_money_is_whole_rupiah():
    with pytest.raises(ValidationError):
        placement(amount_idr=40_000_000.5)
    with pytest.raises(ValidationError):
        placement(amount_idr=0)


def test_bank_deadline_skips_a_holiday_in_the_middle():
    assert bank_decision_deadline(TODAY, CALENDAR) == date(2025, 6, 4)
    assert bank_decision_deadline(TODAY, WorkingDayCalendar.from_days_off(())) == date(2025, 6, 2)


def test_bank_deadline_counts_joint_leave_as_a_day_off():
    # Screened Monday 22 Dec 2025: Christmas (Thu 25) and its joint leave (Fri 26) are
    # both days off for the bank, so the fifth working day is Wednesday 31 Dec.
    screened_on = date(2025, 12, 22)
    assert bank_decision_deadline(screened_on, indonesian_calendar()) == date(2025, 12, 31)
    public_holidays_only = WorkingDayCalendar.from_days_off({date(2025, 12, 25)})
    assert bank_decision_deadline(screened_on, public_holidays_only) == date(2025, 12, 30)
    decision = screen_kur(placement(), on=screened_on, calendar=indonesian_calendar())
    assert decision.bank_decision_due == date(2025, 12, 31)


def test_every_rule_row_has_a_source_and_rows_do_not_overlap():
    for product in KurProduct:
        rows = sorted((r for r in KUR_RULES if r.product is product), key=lambda r: r.valid_from)
        assert all(r.source for r in rows)
        for earlier, later in itertools.pairwise(rows):
            assert earlier.valid_until is not None and earlier.valid_until < later.valid_from


SEVERITY = {CreditOutcome.APPROVED: 0, CreditOutcome.REFERRED: 1, CreditOutcome.REJECTED: 2}

applications = st.builds(
    KurApplication,
    application_id=st.just("p"),
    product=st.sampled_from(KurProduct),
    amount_idr=st.integers(1, 150_000_000),
    tenor_months=st.integers(1, 48),
    work_contract_months=st.none() | st.integers(1, 48),
    has_npwp=st.booleans(),
    worst_slik_collectibility=st.none() | st.sampled_from(SlikCollectibility),
    has_commercial_productive_credit=st.booleans(),
    borrower_role=st.sampled_from(BorrowerRole),
    worker_linked=st.booleans(),
)


@given(applications, st.integers(0, 100_000_000), st.dates(date(2015, 1, 1), date(2030, 12, 31)))
def test_raising_the_amount_never_turns_a_rejection_into_an_approval(app, extra, on):
    before = screen(app, on=on)
    after = screen(app.model_copy(update={"amount_idr": app.amount_idr + extra}), on=on)
    assert SEVERITY[after.outcome] >= SEVERITY[before.outcome]
    assert {r.code for r in before.reasons} <= {r.code for r in after.reasons}


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_bank_deadline_is_the_fifth_working_day_after_the_screening(received):
    due = bank_decision_deadline(received, CALENDAR)
    assert CALENDAR.is_working_day(due)
    assert (due - received).days >= 5
    between = [received.fromordinal(d) for d in range(received.toordinal() + 1, due.toordinal())]
    assert sum(CALENDAR.is_working_day(day) for day in between) == 4
