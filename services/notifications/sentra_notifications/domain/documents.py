"""Notices about the applicant's file: received, under review, verified, rejected."""

from __future__ import annotations

from sentra_shared.events import (
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    DocumentsRejected,
    DocumentsVerified,
    ReviewDecision,
)

from sentra_notifications.domain.notice import Lang, Notice, compose, day, texts, topics
from sentra_notifications.domain.templates import Facts, render_notice

# What the applicant does about a rejection, by the reason's code (the templates say it
# in words). A code not listed gets the general advice: ask at the office.
REMEDY_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("NIK_", "identity"),
    ("MISSING_", "missing_document"),
    ("MEDICAL_CERTIFICATE_", "medical"),
    ("RECRUITER_", "recruiter"),
    ("DESTINATION_UNDER_MORATORIUM", "destination"),
    ("FEES_ABOVE_OFFICIAL_COST", "fees"),
    # A confirmed red flag, or an applicant too young: an officer explains in person;
    # the message never names the flag.
    ("REVIEW_CONFIRMED_RED_FLAGS", "in_person"),
    ("UNDER_MINIMUM_AGE", "in_person"),
)


def remedy(code: str) -> str:
    for prefix, topic in REMEDY_BY_PREFIX:
        if code.startswith(prefix):
            return topic
    return "ask"


@compose.register
def _(event: ApplicationSubmitted) -> Notice:
    # The tracking code, never the internal id: it is what the applicant types, with the
    # birth date, to open the status page.
    code = event.contact.tracking_code if event.contact else None
    return render_notice(
        "submitted",
        final=False,
        facts=lambda lang: {"kind": event.kind.value, "tracking_code": code},
    )


@compose.register
def _(event: ApplicationFlagged) -> Notice:
    # Never the flags themselves: a recruiter reading over the worker's shoulder must not
    # learn what gave the case away.
    return render_notice(
        "under_review",
        final=False,
        facts=lambda lang: {"kind": event.kind.value, "due": day(event.review_due, lang)},
    )


@compose.register
def _(event: ApplicationReviewed) -> Notice | None:
    if event.decision is ReviewDecision.CONFIRMED:
        return None  # the applicant hears the rejection, which follows, and nothing more
    return render_notice(
        "review_cleared", final=False, facts=lambda lang: {"kind": event.kind.value}
    )


@compose.register
def _(event: DocumentsVerified) -> Notice:
    # A placement ends here (the worker collects the documents); a loan or a refund goes
    # on to credit or insurance.
    return render_notice(
        "documents_verified",
        final=event.kind is ApplicationKind.PLACEMENT,
        facts=lambda lang: {"kind": event.kind.value},
    )


@compose.register
def _(event: DocumentsRejected) -> Notice:
    def facts(lang: Lang) -> Facts:
        return {
            "kind": event.kind.value,
            "reasons": texts(event.reasons, lang),
            "remedies": topics(event.reasons, remedy),
        }

    return render_notice("documents_rejected", final=True, facts=facts)
