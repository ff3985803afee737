from sentra_credit.domain.loan import REASONS_REQUIRED_BY, decide_loan
from sentra_credit.domain.reasons import CreditReason as R
from sentra_shared.events import LoanOutcome
from sentra_shared.reasons import BilingualText, Reason

INCOME_TOO_LOW = Reason(
    code="REPAYMENT_CAPACITY_INSUFFICIENT",
    text=BilingualText(id="Kemampuan bayar tidak cukup.", en="Repayment capacity too low."),
)


def test_a_granted_loan_is_disbursed_with_the_banks_amount():
    decision = decide_loan(
        granted=True,
        disbursed_amount_idr=45_000_000,
        referred_amount_idr=50_000_000,
        bank_reasons=(),
    )
    assert decision.outcome is LoanOutcome.DISBURSED
    assert decision.amount_disbursed_idr == 45_000_000
    assert decision.reasons == ()


def test_a_grant_without_an_amount_is_the_amount_referred():
    decision = decide_loan(
        granted=True, disbursed_amount_idr=None, referred_amount_idr=50_000_000, bank_reasons=()
    )
    assert (decision.outcome, decision.amount_disbursed_idr) == (LoanOutcome.DISBURSED, 50_000_000)


def test_a_rejection_carries_the_banks_reasons():
    decision = decide_loan(
        granted=False,
        disbursed_amount_idr=None,
        referred_amount_idr=50_000_000,
        bank_reasons=(INCOME_TOO_LOW,),
    )
    assert decision.outcome is LoanOutcome.REJECTED
    assert decision.amount_disbursed_idr is None
    assert decision.reasons == (INCOME_TOO_LOW,)


def test_a_rejection_without_a_reason_is_recorded_as_breaking_the_rule():
    decision = decide_loan(
        granted=False, disbursed_amount_idr=None, referred_amount_idr=50_000_000, bank_reasons=()
    )
    assert decision.outcome is LoanOutcome.REJECTED
    assert [r.code for r in decision.reasons] == [R.BANK_REJECTED_WITHOUT_REASON]
    assert REASONS_REQUIRED_BY in decision.reasons[0].text.en
    assert REASONS_REQUIRED_BY in decision.reasons[0].text.id
