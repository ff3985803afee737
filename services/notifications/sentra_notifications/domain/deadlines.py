"""Notices about missed deadlines: the applicant sees who is late, and who was told.

An escalation of the bank's loan decision, the insurer's payout or a desk's answer to a
consultation ends what Sentra can do on its own: the case is with the supervisor, so that
notice is final (a late answer still comes through and is the newer final word). Other
escalations keep the case open (an organiser's late report still leads to the award).
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
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
)

from sentra_notifications.domain.notice import Lang, Notice, compose, day
from sentra_notifications.domain.templates import Facts, render_notice

# Who owes the answer, as the applicant knows them (Bahasa Indonesia, English). The step
# itself ("the check by ...") is worded in the templates (`_steps.j2`).
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
    # Organisers of programmes and the consultation desks (empowerment).
    "trade_office": ("Disperindag", "the trade office (Disperindag)"),
    "placement_desk": ("layanan konsultasi penempatan", "the placement desk"),
    "credit_desk": ("layanan konsultasi kredit", "the credit desk"),
    "refund_desk": ("layanan konsultasi klaim asuransi", "the insurance refund desk"),
    "product_desk": ("layanan konsultasi produk", "the product desk"),
}

# Steps of several services (each its own enum): compared by value.
ENDS_THE_PATH = frozenset(
    {
        DeadlineStep.BANK_DECISION.value,
        DeadlineStep.INSURER_PAYOUT.value,
        EmpowermentStep.CONSULTATION_ANSWER.value,
    }
)


def party_name(party: str, lang: Lang) -> str:
    name_id, name_en = PARTY_NAMES.get(party, (party, party))
    return name_id if lang == "id" else name_en


def _facts(event: DeadlineMissed, lang: Lang) -> dict[str, object]:
    return {
        "step": event.step.value,
        "party": party_name(event.party, lang),
        "due": day(event.due_at, lang),
    }


def _overdue(event: DeadlineMissed) -> Notice:
    return render_notice("delayed", final=False, facts=lambda lang: _facts(event, lang))


def _escalated(event: DeadlineEscalated) -> Notice:
    final = event.step.value in ENDS_THE_PATH

    def facts(lang: Lang) -> Facts:
        return {**_facts(event, lang), "supervisor": event.supervisor, "final": final}

    return render_notice("escalated", final=final, facts=facts)


for _overdue_type in (
    DocumentsDeadlineOverdue,
    CreditDeadlineOverdue,
    InsuranceDeadlineOverdue,
    EmpowermentDeadlineOverdue,
):
    compose.register(_overdue_type, _overdue)
for _escalated_type in (
    DocumentsDeadlineEscalated,
    CreditDeadlineEscalated,
    InsuranceDeadlineEscalated,
    EmpowermentDeadlineEscalated,
):
    compose.register(_escalated_type, _escalated)
