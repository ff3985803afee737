"""Consultations (package 4): which desk answers a question, what the asker is told, and
where a consultation stands. Pure: dates and times are arguments, never read here.

The desks (`topics.toml` has each one's terms and supervisor):
- **placement**: BP3MI officers at the one-roof service centre (recruiters, costs,
  documents for working abroad);
- **credit**: the KUR banks and OJK at the centre (KUR Mikro, the regional bank's
  programme for returnees and families);
- **refund**: BP3MI, for EPS Korea insurance refunds (what can be claimed, by when);
- **product**: Disperindag, the provincial trade office, which markets returnees'
  products (a buyer's question about a listed business goes here with its name).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sentra_shared.events import Agency, CheckOutcome, ConsultationSubject, Language
from sentra_shared.reasons import Reason

DESK_OF_SUBJECT: dict[ConsultationSubject, Agency] = {
    "placement": Agency.PLACEMENT_DESK,
    "credit": Agency.CREDIT_DESK,
    "refund": Agency.REFUND_DESK,
    "product": Agency.PRODUCT_DESK,
}


def desk_for(subject: ConsultationSubject) -> Agency:
    """The one desk that answers questions on `subject`."""
    return DESK_OF_SUBJECT[subject]


class ConsultationStatus(StrEnum):
    AWAITING_ANSWER = "awaiting_answer"
    ANSWERED = "answered"
    # The desk missed its deadline twice over and its supervisor was told; the asker is
    # still waiting (a late answer still reaches them and makes it `answered`).
    ESCALATED = "escalated"


def status_of(*, answered_at: datetime | None, escalated_at: datetime | None) -> ConsultationStatus:
    """An answer, however late, is what the asker needs to know about first."""
    if answered_at is not None:
        return ConsultationStatus.ANSWERED
    if escalated_at is not None:
        return ConsultationStatus.ESCALATED
    return ConsultationStatus.AWAITING_ANSWER


def answer_for_asker(
    outcome: CheckOutcome, answer: str | None, reasons: tuple[Reason, ...], language: Language
) -> str:
    """What the asker is told from the desk's reply.

    A desk that cannot answer (`failed`: the question is for another desk, or lacks
    detail) still closes the consultation: Sentra cannot route the question better than
    the subject the asker chose, so the asker gets the desk's own reason, in their
    language, which says what to do (ask the desk of the right subject, or again with the
    details). Leaving it open would only let the deadline lapse on a desk that did reply.
    """
    if outcome is CheckOutcome.PASSED:
        if answer is None:  # the contract refuses such a reply; kept total for the types
            raise ValueError("a passed reply has an answer")
        return answer
    return " ".join(getattr(reason.text, language) for reason in reasons)


def product_reference_problem(
    subject: ConsultationSubject, business_id: object | None, business_listed: bool | None
) -> str | None:
    """A question may name a business only when it is about a product, and only a
    business listed in the public catalogue (`business_listed` None: no such business).
    A business that declined the catalogue is not shown to anyone, so it cannot be asked
    about either."""
    if business_id is None:
        return None
    if subject != "product":
        return "a business is named only in a question about a product"
    if not business_listed:
        return "no business with this id is listed in the catalogue"
    return None


def is_listed(catalogue: str) -> bool:
    """The owner's catalogue consent (none | listing | listing_and_contact)."""
    return catalogue in ("listing", "listing_and_contact")


# --- the asker's input ------------------------------------------------------------------

OLDEST_ASKER_AGE = 120
# Letters, marks, numbers, punctuation, symbols and spaces of any script, plus line breaks
# and tabs: a question may run over several lines, but invisible formatting, control,
# private-use and unassigned characters have no place in a text a desk reads.
_ALLOWED_CONTROLS = frozenset("\n\r\t")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def question_problem(question: str) -> str | None:
    for character in question:
        if character in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            return f"a question without the character U+{ord(character):04X}"
    return None


def birth_date_problem(born: date, today: date) -> str | None:
    """The birth date opens the asker's status page with the tracking code; it must be a
    plausible one."""
    if born >= today:
        return "a birth date in the past"
    if born.year < today.year - OLDEST_ASKER_AGE:
        return f"a birth date at most {OLDEST_ASKER_AGE} years back"
    return None


@dataclass(frozen=True)
class Question:
    """A question as asked, ready to be routed."""

    subject: ConsultationSubject
    text: str
    language: Language
    business_name: str | None = None

    @property
    def desk(self) -> Agency:
        return desk_for(self.subject)
