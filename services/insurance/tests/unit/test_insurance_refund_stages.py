from datetime import date
from decimal import Decimal

import pytest
from sentra_insurance.domain.dormant import dormant_claim_instructions
from sentra_insurance.domain.eps import (
    ClaimOutcome,
    ClaimType,
    EpsClaim,
    ExchangeRate,
    assess_claim,
    insurer_refused,
)
from sentra_insurance.domain.payout import settle_payout
from sentra_insurance.domain.reasons import InsuranceReason as R
from sentra_insurance.domain.reasons import reason

RATE = ExchangeRate(idr_per_krw=Decimal("11.40"), as_of=date(2026, 11, 2), source="test")
TODAY = date(2026, 11, 25)


def claim(**changes):
    base = dict(
        claim_id="c-1",
        worker_id="w-1",
        claim_type=ClaimType.RETURN_COST,
        passport_name="SITI AMINAH",
        account_holder_name="Siti Aminah",
        swift_bic="BRINIDJA",
        departure_date=date(2025, 3, 10),
    )
    base.update(changes)
    return EpsClaim(**base)


def codes(decision):
    return [r.code for r in decision.reasons]


def test_return_cost_confirmed_at_the_table_amount_is_accepted_without_notes():
    decision = assess_claim(claim(assessed_amount_krw=400_000), on=TODAY, rate=RATE)
    assert decision.outcome is ClaimOutcome.ACCEPTED
    assert (decision.amount_krw, decision.amount_idr) == (400_000, 4_560_000)
    assert codes(decision) == []


@pytest.mark.parametrize(
    ("held", "requested"), [(450_000, 400_000), (350_000, 350_000)], ids=["more", "less"]
)
def test_return_cost_disagreeing_with_the_table_requests_the_lower_and_tells_the_officer(
    held, requested
):
    decision = assess_claim(claim(assessed_amount_krw=held), on=TODAY, rate=RATE)
    assert decision.outcome is ClaimOutcome.ACCEPTED
    assert decision.amount_krw == requested
    assert decision.amount_idr == round(requested * 11.4)
    assert codes(decision) == [R.RETURN_COST_AMOUNT_DIFFERS]
    assert f"{held:,}" in decision.reasons[0].text.en
    assert f"{requested:,} KRW (the lower)" in decision.reasons[0].text.en


def test_nothing_held_by_the_insurer_rejects_the_claim():
    decision = assess_claim(claim(assessed_amount_krw=0), on=TODAY, rate=RATE)
    assert decision.outcome is ClaimOutcome.REJECTED
    assert codes(decision) == [R.INSURER_HOLDS_NOTHING]
    assert decision.amount_krw is None


def test_wage_arrears_confirmed_above_the_cap_is_capped():
    decision = assess_claim(
        claim(claim_type=ClaimType.WAGE_ARREARS_GUARANTEE, assessed_amount_krw=2_500_000),
        on=TODAY,
        rate=RATE,
    )
    assert decision.outcome is ClaimOutcome.ACCEPTED
    assert decision.amount_krw == 2_000_000
    assert codes(decision) == [R.AMOUNT_CAPPED]


def test_insurer_refusal_rejects_with_its_reasons_or_ours_when_it_gave_none():
    theirs = reason(R.INSURER_HOLDS_NOTHING)
    with_reasons = insurer_refused([theirs], date(2025, 3, 10))
    assert with_reasons.outcome is ClaimOutcome.REJECTED
    assert with_reasons.reasons == (theirs,)
    assert with_reasons.last_claim_day == date(2028, 3, 10)
    assert codes(insurer_refused([], date(2025, 3, 10))) == [R.INSURER_CHECK_FAILED]


def test_dormant_instructions_say_where_what_and_from_when_in_both_languages():
    instructions = dormant_claim_instructions(
        ClaimType.RETURN_COST, date(2021, 6, 1), date(2024, 6, 1), 400_000
    )
    assert [i.code for i in instructions] == [
        R.DORMANT_APPLY_THROUGH_EPS_CENTER,
        R.DORMANT_BRING_PASSPORT,
        R.DORMANT_BRING_OWN_BANK_ACCOUNT,
        R.DORMANT_STATE_EPS_INSURANCE,
        R.DORMANT_CLAIMABLE_FROM,
    ]
    where, passport, account, details, when = instructions
    assert "EPS Center" in where.text.en and "EPS Center" in where.text.id
    assert "passport" in passport.text.en and "paspor" in passport.text.id
    assert "own name" in account.text.en and "nama Anda sendiri" in account.text.id
    assert "Return Cost" in details.text.en and "2021-06-01" in details.text.en
    assert "400,000 KRW" in details.text.en and "400,000 KRW" in details.text.id
    assert "from 2024-06-02" in when.text.en and "ended on 2024-06-01" in when.text.en
    assert "mulai 2024-06-02" in when.text.id


def test_types_never_handed_to_hrd_korea_get_no_dormant_instructions():
    with pytest.raises(ValueError):
        dormant_claim_instructions(ClaimType.CASUALTY, date(2021, 6, 1), date(2024, 6, 1), 1)


def settle(**changes):
    base = dict(
        requested_krw=400_000,
        estimated_idr=4_560_000,
        payout_due=date(2026, 12, 9),
        paid_krw=None,
        paid_idr=None,
        paid_on=None,
        answered_on=date(2026, 12, 1),
        deadline_breached=False,
    )
    base.update(changes)
    return settle_payout(**base)


def test_the_insurers_paid_figures_and_day_are_what_the_worker_received():
    paid = settle(paid_krw=400_000, paid_idr=4_512_345, paid_on=date(2026, 11, 30))
    assert (paid.amount_krw, paid.amount_idr, paid.paid_on) == (
        400_000,
        4_512_345,
        date(2026, 11, 30),
    )
    assert paid.paid_late is False


def test_without_figures_the_requested_amount_estimate_and_answer_day_stand():
    paid = settle()
    assert (paid.amount_krw, paid.amount_idr, paid.paid_on) == (
        400_000,
        4_560_000,
        date(2026, 12, 1),
    )


def test_paid_on_the_due_day_is_on_time_and_the_day_after_is_late():
    assert settle(paid_on=date(2026, 12, 9), answered_on=date(2026, 12, 9)).paid_late is False
    assert settle(paid_on=date(2026, 12, 10), answered_on=date(2026, 12, 10)).paid_late is True


def test_a_confirmation_after_the_deadline_fired_counts_as_late():
    assert settle(paid_on=date(2026, 12, 1), deadline_breached=True).paid_late is True
