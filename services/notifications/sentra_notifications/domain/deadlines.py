"""Notices about missed deadlines: the applicant sees who is late, and who was told.

An escalation of the bank's loan decision or the insurer's payout ends what Sentra can do
on its own: the case is with the supervisor, so that notice is final (a late answer
still comes through and is the newer final word). Other escalations keep the case open.
"""

from __future__ import annotations

from sentra_shared.events import (
    CreditDeadlineEscalated,
    CreditDeadlineOverdue,
    DeadlineEscalated,
    DeadlineMissed,
    DeadlineStep,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
)

from sentra_notifications.domain.notice import Notice, compose, day_en, day_id

# What is late, in words an applicant understands.
_STEP_TEXT: dict[DeadlineStep, tuple[str, str]] = {
    DeadlineStep.AGENCY_CHECK: ("pemeriksaan oleh {party}", "the check by {party}"),
    DeadlineStep.OFFICER_REVIEW: ("pemeriksaan oleh petugas", "the officer's review"),
    DeadlineStep.BANK_CHECK: ("pemeriksaan riwayat kredit (SLIK) oleh bank",
                              "the bank's credit-history (SLIK) check"),
    DeadlineStep.BANK_DECISION: ("keputusan bank atas KUR Anda",
                                 "the bank's decision on your loan"),
    DeadlineStep.INSURER_CHECK: ("konfirmasi klaim oleh perusahaan asuransi",
                                 "the insurer's confirmation of your claim"),
    DeadlineStep.INSURER_PAYOUT: ("pembayaran oleh perusahaan asuransi", "the insurer's payment"),
}  # fmt: skip

# Who owes the answer, as the applicant knows them (Bahasa Indonesia, English).
PARTY_NAMES: dict[str, tuple[str, str]] = {
    "dukcapil": ("Dukcapil", "Dukcapil (civil registry)"),
    "disnaker": ("Disnaker", "Disnaker (manpower office)"),
    "health_facility": ("fasilitas kesehatan", "the health facility"),
    "polri": ("Polri (SKCK)", "the police (SKCK)"),
    "imigrasi": ("Imigrasi", "Immigration"),
    "bp3mi": ("BP3MI", "BP3MI"),
    "bpjs_ketenagakerjaan": ("BPJS Ketenagakerjaan", "BPJS Ketenagakerjaan"),
    "bank": ("bank", "the bank"),
    "insurer": ("perusahaan asuransi", "the insurer"),
    "officer": ("petugas", "the officer"),
}

ENDS_THE_PATH = frozenset({DeadlineStep.BANK_DECISION, DeadlineStep.INSURER_PAYOUT})


def _what(event: DeadlineMissed) -> tuple[str, str]:
    party_id, party_en = PARTY_NAMES.get(event.party, (event.party, event.party))
    text_id, text_en = _STEP_TEXT[event.step]
    return text_id.format(party=party_id), text_en.format(party=party_en)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _overdue(event: DeadlineMissed) -> Notice:
    what_id, what_en = _what(event)
    return Notice(
        status="delayed",
        message_id=f"Maaf, {what_id} terlambat: batasnya {day_id(event.due_at)}. Kami sudah "
        "mengingatkan mereka. Anda tidak perlu membayar apa pun untuk mempercepatnya.",
        message_en=f"Sorry, {what_en} is late: it was due by {day_en(event.due_at)}. We have "
        "reminded them. You never need to pay anyone to speed it up.",
        final=False,
    )


def _escalated(event: DeadlineEscalated) -> Notice:
    what_id, what_en = _what(event)
    final = event.step in ENDS_THE_PATH
    next_id = (
        " Kasus Anda kini ditangani pengawas tersebut; Anda akan dihubungi."
        if final
        else " Permohonan Anda tetap diproses."
    )
    next_en = (
        " Your case is now in the supervisor's hands; you will be contacted."
        if final
        else " Your application is still being processed."
    )
    return Notice(
        status="escalated",
        message_id=f"{_sentence(what_id)} masih belum ada; kasus Anda telah dilaporkan ke "
        f"{event.supervisor}.{next_id}",
        message_en=f"{_sentence(what_en)} has still not come; your case has been reported to "
        f"{event.supervisor}.{next_en}",
        final=final,
    )


for _overdue_type in (DocumentsDeadlineOverdue, CreditDeadlineOverdue, InsuranceDeadlineOverdue):
    compose.register(_overdue_type, _overdue)
for _escalated_type in (
    DocumentsDeadlineEscalated,
    CreditDeadlineEscalated,
    InsuranceDeadlineEscalated,
):
    compose.register(_escalated_type, _escalated)
