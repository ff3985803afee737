"""Notices about an EPS Korea insurance refund: assessment, payment, the dormant route."""

from __future__ import annotations

from sentra_shared.events import (
    ClaimOutcome,
    DormantClaimReferred,
    RefundClaimAssessed,
    RefundPaid,
)
from sentra_shared.facts import rupiah

from sentra_notifications.domain.notice import Lang, Notice, compose, day, texts, topics
from sentra_notifications.domain.templates import Facts, render_notice

# What a worker whose claim was rejected can do, by the reason's code (the templates say
# it in words). A code not listed gets the general advice: ask at the office.
REMEDIES: dict[str, str] = {
    "ACCOUNT_NAME_MISMATCH": "account",
    "INVALID_SWIFT_BIC": "account",
    "EMPLOYMENT_DATES_MISSING": "details",
    "AMOUNT_REQUIRED": "details",
    "DEPARTURE_IN_FUTURE": "details",
}


def remedy(code: str) -> str:
    return REMEDIES.get(code, "ask")


def krw(amount: int, lang: Lang) -> str:
    """Won with the reader's thousands separator: KRW 400.000 in Indonesian."""
    text = f"KRW {amount:,}"
    return text.replace(",", ".") if lang == "id" else text


@compose.register
def _(event: RefundClaimAssessed) -> Notice:
    def facts(lang: Lang) -> Facts:
        return {
            "amount_krw": krw(event.amount_krw, lang) if event.amount_krw else None,
            "amount_idr": rupiah(event.amount_idr) if event.amount_idr else None,
            "due": day(event.payout_due, lang) if event.payout_due else None,
            "last_claim_day": day(event.last_claim_day, lang) if event.last_claim_day else None,
            "reasons": texts(event.reasons, lang),
            "remedies": topics(event.reasons, remedy),
        }

    # Accepted, the payout comes next; dormant, the HRD Korea referral; rejected, the end.
    final = event.outcome is ClaimOutcome.REJECTED
    return render_notice(f"claim_{event.outcome.value}", final=final, facts=facts)


@compose.register
def _(event: RefundPaid) -> Notice:
    return render_notice(
        "refund_paid",
        final=True,
        facts=lambda lang: {
            "amount_krw": krw(event.amount_krw, lang),
            "amount_idr": rupiah(event.amount_idr),
            "paid_on": day(event.paid_on, lang),
            "late": event.paid_late,
        },
    )


@compose.register
def _(event: DormantClaimReferred) -> Notice:
    return render_notice(
        "dormant_referred",
        final=True,
        facts=lambda lang: {
            "amount_krw": krw(event.amount_krw, lang) if event.amount_krw else None,
            "last_claim_day": day(event.last_claim_day, lang),
            "instructions": texts(event.instructions, lang),
        },
    )
