"""Notices about a KUR loan: screening, the bank's decision."""

from __future__ import annotations

from sentra_shared.events import CreditOutcome, CreditScreened, LoanDecided, LoanOutcome
from sentra_shared.facts import rupiah

from sentra_notifications.domain.notice import Lang, Notice, compose, day, texts, topics
from sentra_notifications.domain.templates import Facts, render_notice

# What a rejected borrower can do, by the screening's reason code (the templates say it in
# words). A code not listed gets the general advice: ask at the office or the bank.
REMEDIES: dict[str, str] = {
    "AMOUNT_ABOVE_CEILING": "terms",
    "TENOR_ABOVE_MAXIMUM": "terms",
    "TENOR_BEYOND_WORK_CONTRACT": "terms",
    "PRODUCT_NOT_AVAILABLE": "terms",
    "WORK_CONTRACT_REQUIRED": "document",
    "NPWP_REQUIRED": "document",
    "SLIK_NON_PERFORMING": "credit_history",
    "SLIK_SPECIAL_MENTION": "credit_history",
    "PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT": "credit_history",
}


def remedy(code: str) -> str:
    return REMEDIES.get(code, "ask")


@compose.register
def _(event: CreditScreened) -> Notice:
    def facts(lang: Lang) -> Facts:
        due = event.bank_decision_due
        return {
            "amount": rupiah(event.amount_idr),
            "due": day(due, lang) if due else None,
            "reasons": texts(event.reasons, lang),
            "remedies": topics(event.reasons, remedy),
            # A family's or a returnee's loan, or the regional bank's programme, is named
            # as such: the same steps, but not the worker's own KUR.
            "role": event.borrower_role,
            "scheme": event.scheme,
        }

    # Rejected here, the application ends; approved or referred, the bank decides next.
    return render_notice(
        f"credit_{event.outcome.value}",
        final=event.outcome is CreditOutcome.REJECTED,
        facts=facts,
    )


@compose.register
def _(event: LoanDecided) -> Notice:
    def facts(lang: Lang) -> Facts:
        amount = event.amount_disbursed_idr
        return {
            "amount": rupiah(amount) if amount else None,
            "late": event.decided_late,
            "reasons": texts(event.reasons, lang),
        }

    status = "loan_disbursed" if event.outcome is LoanOutcome.DISBURSED else "loan_rejected"
    return render_notice(status, final=True, facts=facts)
