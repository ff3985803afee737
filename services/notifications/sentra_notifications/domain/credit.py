"""Notices about a KUR loan: screening, the bank's decision."""

from __future__ import annotations

from sentra_shared.events import CreditOutcome, CreditScreened, LoanDecided, LoanOutcome
from sentra_shared.facts import rupiah

from sentra_notifications.domain.notice import Notice, compose, day_en, day_id, with_reasons


@compose.register
def _(event: CreditScreened) -> Notice:
    amount = rupiah(event.amount_idr)
    if event.outcome is CreditOutcome.REJECTED:
        return Notice(
            status="credit_rejected",
            message_id=with_reasons(
                f"Pengajuan KUR Anda sebesar {amount} ditolak.", event.reasons, "id"
            ),
            message_en=with_reasons(
                f"Your KUR loan application for {amount} was rejected.", event.reasons, "en"
            ),
            final=True,
        )
    due_id = day_id(event.bank_decision_due) if event.bank_decision_due else "-"
    due_en = day_en(event.bank_decision_due) if event.bank_decision_due else "-"
    if event.outcome is CreditOutcome.APPROVED:
        text_id = f"Pengajuan KUR Anda sebesar {amount} memenuhi syarat dan diteruskan ke bank."
        text_en = f"Your KUR loan application for {amount} meets the rules and goes to the bank."
    else:
        text_id = f"Pengajuan KUR Anda sebesar {amount} diteruskan ke bank untuk dinilai."
        text_en = f"Your KUR loan application for {amount} goes to the bank to be judged."
    return Notice(
        status=f"credit_{event.outcome.value}",
        message_id=with_reasons(text_id, event.reasons, "id")
        + f" Bank wajib memutuskan paling lambat {due_id}.",
        message_en=with_reasons(text_en, event.reasons, "en")
        + f" The bank must decide by {due_en}.",
        final=False,
    )


@compose.register
def _(event: LoanDecided) -> Notice:
    if event.outcome is LoanOutcome.DISBURSED:
        amount = rupiah(event.amount_disbursed_idr or 0)
        return Notice(
            status="loan_disbursed",
            message_id=f"Bank telah mencairkan KUR Anda sebesar {amount} ke rekening Anda.",
            message_en=f"The bank has paid out your KUR loan of {amount} to your account.",
            final=True,
        )
    return Notice(
        status="loan_rejected",
        message_id=with_reasons("Bank menolak pengajuan KUR Anda.", event.reasons, "id")
        + " Anda dapat bertanya atau mengajukan keberatan ke bank atau ke OJK (kontak 157).",
        message_en=with_reasons("The bank rejected your KUR loan.", event.reasons, "en")
        + " You may ask the bank, or complain to OJK (contact 157).",
        final=True,
    )
