"""Notices about a returnee's or a family's business (registered, enrolled, its progress,
the award) and about a consultation (received by a desk, answered).

The desk's answer is the point of a consultation: the notice carries it whole, to the
email and the status page. An SMS carries it whole too up to `SMS_ANSWER_CHARS`; a longer
answer goes by SMS as its first part, cut at a word, and the SMS says where the rest is.
"""

from __future__ import annotations

from decimal import Decimal

from sentra_shared.events import (
    AwardAssessed,
    BusinessRegistered,
    ConsultationAnswered,
    ConsultationReceived,
    ProgrammeEnrolled,
    ProgressRecorded,
)

from sentra_notifications.domain.deadlines import party_name
from sentra_notifications.domain.notice import Lang, Notice, compose, day, texts
from sentra_notifications.domain.templates import Facts, render_notice

# The SMS's frame (who answered, where the rest is) and an answer of this length fit in
# four concatenated segments of 153 characters; a longer answer would arrive as a wall of
# segments on a basic phone. The texts keep to plain characters (GSM-7): one curly quote
# would turn every segment into 67 characters.
SMS_ANSWER_CHARS = 300


@compose.register
def _(event: BusinessRegistered) -> Notice:
    # The tracking code, as for an application: with the birth date it opens the page.
    return render_notice(
        "business_registered",
        final=False,
        facts=lambda lang: {
            "sector": event.sector,
            "listed": event.listed,
            "tracking_code": event.contact.tracking_code,
        },
    )


@compose.register
def _(event: ProgrammeEnrolled) -> Notice:
    return render_notice(
        "programme_enrolled",
        final=False,
        facts=lambda lang: {
            "title": event.programme_title,
            "organiser": party_name(event.organiser, lang),
            "starts": day(event.starts_on, lang),
            "ends": day(event.ends_on, lang),
        },
    )


@compose.register
def _(event: ProgressRecorded) -> Notice:
    def facts(lang: Lang) -> Facts:
        return {
            "completed": event.completed,
            "held": event.sessions_held,
            "attended": event.sessions_attended,
            # In the order achieved; the templates name each kind in words.
            "milestones": [
                (m.kind, day(m.achieved_on, lang))
                for m in sorted(event.milestones, key=lambda m: m.achieved_on)
            ],
            "reasons": texts(event.reasons, lang),
            "late": event.reported_late,
        }

    # Not the end: the award is assessed after the programmes.
    return render_notice("progress_recorded", final=False, facts=facts)


def points(value: Decimal, lang: Lang) -> str:
    """A score as the reader writes it: 7,5 in Indonesian, 7.5 in English; 8 not 8.0."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if lang == "id" else text


@compose.register
def _(event: AwardAssessed) -> Notice:
    def facts(lang: Lang) -> Facts:
        # Not nominated: the criteria that did not earn their full points, each with the
        # assessment's own explanation, so the owner sees what to build on.
        short = [s for s in event.scores if s.points < s.max_points]
        return {
            "total": points(event.total, lang),
            "threshold": points(event.threshold, lang),
            "short": [
                {
                    "points": points(s.points, lang),
                    "max": points(s.max_points, lang),
                    # The template closes the sentence after the points.
                    "why": (s.explanation.text.id if lang == "id" else s.explanation.text.en)
                    .strip()
                    .rstrip("."),
                }
                for s in short
            ],
        }

    # Either way the round's word on this business is said.
    status = "award_nominated" if event.nominated else "award_not_nominated"
    return render_notice(status, final=True, facts=facts)


@compose.register
def _(event: ConsultationReceived) -> Notice:
    return render_notice(
        "consultation_received",
        final=False,
        facts=lambda lang: {
            "subject": event.subject,
            "desk": party_name(event.desk, lang),
            "due": day(event.answer_due, lang),
            "tracking_code": event.contact.tracking_code,
        },
    )


def excerpt(text: str, limit: int = SMS_ANSWER_CHARS) -> str | None:
    """The first part of `text` cut at a word within `limit` characters, or None when the
    whole text fits."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return None
    head = text[: limit + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else text[:limit]
    return cut.rstrip(" ,;:.") + "..."


@compose.register
def _(event: ConsultationAnswered) -> Notice:
    answer = " ".join(event.answer.split())
    # The answer closes the consultation, even one escalated before it came: as with a late
    # bank decision, it is the newer final word.
    return render_notice(
        "consultation_answered",
        final=True,
        facts=lambda lang: {
            "desk": party_name(event.desk, lang),
            "answer": answer,
            "excerpt": excerpt(answer),
            "late": event.answered_late,
        },
    )
