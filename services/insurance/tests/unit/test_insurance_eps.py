from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sentra_insurance.domain.eps import (
    ClaimOutcome,
    ClaimType,
    EpsClaim,
    ExchangeRate,
    PaidClaim,
    assess_claim,
    is_valid_swift_bic,
    krw_to_idr,
    last_claim_day,
    names_match,
    normalise_name,
)
from sentra_insurance.domain.reasons import InsuranceReason as R

RATE = ExchangeRate(idr_per_krw=Decimal("11.3457"), as_of=date(2025, 6, 2), source="test")


def claim(**changes):
    base = dict(
        claim_id="c-1",
        worker_id="w-1",
        claim_type=ClaimType.RETURN_COST,
        passport_name="SITI AMINAH",
        account_holder_name="Siti Aminah",
        swift_bic="BRINIDJA",
        departure_date=date(2023, 3, 10),
    )
    base.update(changes)
    return EpsClaim(**base)


def codes(decision):
    return {r.code for r in decision.reasons}


def test_return_cost_for_indonesia_is_400000_krw_with_rupiah_equivalent():
    decision = assess_claim(claim(), on=date(2025, 6, 2), rate=RATE)
    assert decision.outcome is ClaimOutcome.ACCEPTED
    assert decision.amount_krw == 400_000
    assert decision.amount_idr == 4_538_280
    assert "half-up" in decision.rounding


def test_rounding_is_half_up_to_whole_rupiah():
    assert krw_to_idr(1, Decimal("11.5")) == 12
    assert krw_to_idr(1, Decimal("11.49")) == 11
    assert krw_to_idr(3, Decimal("0.5")) == 2


def test_claim_on_the_last_day_goes_to_the_insurer_and_the_next_day_is_dormant():
    departure = date(2021, 3, 10)
    assert last_claim_day(departure) == date(2024, 3, 10)
    on_time = assess_claim(claim(departure_date=departure), on=date(2024, 3, 10), rate=RATE)
    assert on_time.outcome is ClaimOutcome.ACCEPTED
    late = assess_claim(claim(departure_date=departure), on=date(2024, 3, 11), rate=RATE)
    assert late.outcome is ClaimOutcome.DORMANT and codes(late) == {R.DORMANT_WITH_HRD_KOREA}
    assert late.amount_krw == 400_000


def test_claim_period_was_two_years_before_the_2014_amendment():
    assert last_claim_day(date(2012, 5, 1)) == date(2014, 5, 1)
    assert last_claim_day(date(2014, 7, 29)) == date(2017, 7, 29)
    assert last_claim_day(date(2020, 2, 29)) == date(2023, 2, 28)


def test_late_wage_arrears_claim_is_time_barred_not_dormant():
    late = claim(claim_type=ClaimType.WAGE_ARREARS_GUARANTEE, assessed_amount_krw=1_000_000)
    decision = assess_claim(late, on=date(2026, 3, 11), rate=RATE)
    assert decision.outcome is ClaimOutcome.REJECTED and codes(decision) == {R.CLAIM_TIME_BARRED}


def test_wage_arrears_guarantee_is_capped_at_2_million_krw():
    exact = assess_claim(
        claim(claim_type=ClaimType.WAGE_ARREARS_GUARANTEE, assessed_amount_krw=2_000_000),
        on=date(2025, 1, 1),
        rate=RATE,
    )
    assert exact.amount_krw == 2_000_000 and exact.reasons == ()
    over = assess_claim(
        claim(claim_type=ClaimType.WAGE_ARREARS_GUARANTEE, assessed_amount_krw=2_500_000),
        on=date(2025, 1, 1),
        rate=RATE,
    )
    assert (
        over.outcome is ClaimOutcome.ACCEPTED
        and over.amount_krw == 2_000_000
        and codes(over) == {R.AMOUNT_CAPPED}
    )


def departure_guarantee(**changes):
    return claim(
        claim_type=ClaimType.DEPARTURE_GUARANTEE,
        employment_start=date(2022, 3, 1),
        employment_end=date(2023, 2, 28),
        assessed_amount_krw=3_000_000,
        **changes,
    )


def test_departure_guarantee_needs_one_year_with_the_same_employer():
    assert (
        assess_claim(departure_guarantee(), on=date(2025, 1, 1), rate=RATE).outcome
        is ClaimOutcome.ACCEPTED
    )
    short = departure_guarantee().model_copy(update={"employment_end": date(2023, 2, 27)})
    assert codes(assess_claim(short, on=date(2025, 1, 1), rate=RATE)) == {R.SERVICE_UNDER_ONE_YEAR}
    deserted = departure_guarantee(left_workplace_without_permission=True)
    assert codes(assess_claim(deserted, on=date(2025, 1, 1), rate=RATE)) == {
        R.LEFT_WORKPLACE_WITHOUT_PERMISSION
    }
    undated = departure_guarantee().model_copy(update={"employment_start": None})
    assert codes(assess_claim(undated, on=date(2025, 1, 1), rate=RATE)) == {
        R.EMPLOYMENT_DATES_MISSING
    }


def test_casualty_needs_the_insurers_amount():
    assert codes(
        assess_claim(claim(claim_type=ClaimType.CASUALTY), on=date(2025, 1, 1), rate=RATE)
    ) == {R.AMOUNT_REQUIRED}


def test_one_paid_claim_per_worker_and_type():
    paid = [PaidClaim(worker_id="w-1", claim_type=ClaimType.RETURN_COST)]
    decision = assess_claim(claim(), on=date(2025, 1, 1), rate=RATE, prior_paid_claims=paid)
    assert decision.outcome is ClaimOutcome.REJECTED and codes(decision) == {R.ALREADY_PAID}
    other_type = [PaidClaim(worker_id="w-1", claim_type=ClaimType.CASUALTY)]
    assert (
        assess_claim(claim(), on=date(2025, 1, 1), rate=RATE, prior_paid_claims=other_type).outcome
        is ClaimOutcome.ACCEPTED
    )


@pytest.mark.parametrize(
    ("passport", "account", "match"),
    [
        ("SITI AMINAH", "Siti  Aminah.", True),
        ("SITI AMINAH", "AMINAH, SITI", True),
        ("JOSÉ RIZAL", "Jose Rizal", True),
        ("SITI AMINAH", "SITI AMINA", False),
        ("SITI AMINAH", "SITI AMINAH BINTI SLAMET", False),
        ("", "", False),
    ],
)
def test_payee_name_must_match_the_passport(passport, account, match):
    assert names_match(passport, account) is match


def test_mismatched_payee_is_rejected():
    decision = assess_claim(
        claim(account_holder_name="Budi Santoso"), on=date(2025, 1, 1), rate=RATE
    )
    assert decision.outcome is ClaimOutcome.REJECTED and codes(decision) == {
        R.ACCOUNT_NAME_MISMATCH
    }
    assert decision.amount_idr is None


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("BRINIDJA", True),
        ("BRINIDJAXXX", True),
        ("bmri idja", True),
        ("BRINIDJ", False),
        ("BR1NIDJA", False),
        ("BRINIDJAXX", False),
        ("BRIN1DJA", False),
    ],
)
def test_swift_bic_format(code, valid):
    assert is_valid_swift_bic(code) is valid


def test_departure_in_the_future_is_rejected():
    decision = assess_claim(claim(departure_date=date(2025, 7, 1)), on=date(2025, 6, 2), rate=RATE)
    assert codes(decision) == {R.DEPARTURE_IN_FUTURE}


@given(st.text(max_size=40))
def test_name_normalisation_is_idempotent(name):
    assert normalise_name(normalise_name(name)) == normalise_name(name)


@given(st.text(max_size=30), st.text(max_size=30))
def test_name_match_is_symmetric(a, b):
    assert names_match(a, b) == names_match(b, a)


@given(
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100"), places=4),
)
def test_conversion_is_monotonic(a, b, rate):
    low, high = sorted((a, b))
    assert krw_to_idr(low, rate) <= krw_to_idr(high, rate)


@given(st.dates(date(2010, 1, 1), date(2030, 12, 31)))
def test_the_last_claim_day_is_the_last_day_with_the_insurer(departure):
    last = last_claim_day(departure)
    assert last > departure
    assert (
        assess_claim(claim(departure_date=departure), on=last, rate=RATE).outcome
        is ClaimOutcome.ACCEPTED
    )
    assert (
        assess_claim(
            claim(departure_date=departure), on=last + timedelta(days=1), rate=RATE
        ).outcome
        is ClaimOutcome.DORMANT
    )
