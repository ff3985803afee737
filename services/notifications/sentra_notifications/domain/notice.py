"""The notice type and the dispatcher every event type registers with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import singledispatch
from typing import TypeVar

from sentra_shared.calendar import WIB
from sentra_shared.events import Event, Language
from sentra_shared.reasons import Reason

# The applicant's language, as chosen at intake (the contract's `Language`).
Lang = Language


@dataclass(frozen=True)
class Notice:
    """What the applicant is told about one event, in both languages. `subject_*` is the
    email subject; `message_*` the text sent by SMS and email and shown on the timeline;
    `sms_*`, when set, a shorter text for SMS in its place (a desk's long answer: the SMS
    carries its first part, the email and the status page all of it)."""

    status: str
    message_id: str
    message_en: str
    final: bool
    subject_id: str = "Sentra: kabar permohonan Anda"
    subject_en: str = "Sentra: news about your application"
    sms_id: str | None = None
    sms_en: str | None = None

    def message(self, lang: Lang) -> str:
        return self.message_id if lang == "id" else self.message_en

    def sms(self, lang: Lang) -> str:
        short = self.sms_id if lang == "id" else self.sms_en
        return short if short is not None else self.message(lang)

    def subject(self, lang: Lang) -> str:
        return self.subject_id if lang == "id" else self.subject_en

    def masking(self, secret: str | None) -> Notice:
        """The same notice with `secret` (a tracking code) blotted out of every text."""
        if not secret:
            return self
        mask = "".join("-" if char == "-" else "\u2022" for char in secret)
        return replace(
            self,
            message_id=self.message_id.replace(secret, mask),
            message_en=self.message_en.replace(secret, mask),
            subject_id=self.subject_id.replace(secret, mask),
            subject_en=self.subject_en.replace(secret, mask),
            sms_id=self.sms_id.replace(secret, mask) if self.sms_id else self.sms_id,
            sms_en=self.sms_en.replace(secret, mask) if self.sms_en else self.sms_en,
        )


# Notices about the telling itself (a message that could not be delivered): they stand on
# the timeline, but never as the application's status or its next step.
NOTIFICATION_FAILED = "notification_failed"
ABOUT_THE_TELLING = frozenset({NOTIFICATION_FAILED})


E = TypeVar("E")


def current_of(
    entries: Sequence[E], *, status: Callable[[E], str], final: Callable[[E], bool]
) -> E | None:
    """Where an application stands, from its timeline in order: the newest final word
    (events from different services may arrive in any order; the final one decides), else
    the newest step of the application."""
    finals = [entry for entry in entries if final(entry)]
    if finals:
        return finals[-1]
    steps = [entry for entry in entries if status(entry) not in ABOUT_THE_TELLING]
    return steps[-1] if steps else None


@singledispatch
def compose(event: Event) -> Notice | None:
    raise TypeError(f"no notice for {type(event).__name__}")


def texts(reasons: tuple[Reason, ...], lang: Lang) -> list[str]:
    """The reasons' own words in one language, for a template to list."""
    return [r.text.id if lang == "id" else r.text.en for r in reasons]


def topics(reasons: tuple[Reason, ...], topic_of: Callable[[str], str]) -> list[str]:
    """What the applicant must do about the reasons, once per kind of remedy and in the
    order the reasons came: two missing documents need one "bring them" sentence."""
    return list(dict.fromkeys(topic_of(r.code) for r in reasons))


_MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day(moment: date | datetime, lang: Lang) -> str:
    return day_id(moment) if lang == "id" else day_en(moment)


def day_id(moment: date | datetime) -> str:
    """A date as people in Indonesia write it: 1 Desember 2026 (WIB for a moment)."""
    day = _local_day(moment)
    return f"{day.day} {_MONTHS_ID[day.month - 1]} {day.year}"


def day_en(moment: date | datetime) -> str:
    day = _local_day(moment)
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def _local_day(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        # A deadline at local midnight belongs to the day before it: "by 30 November".
        local = moment.astimezone(WIB)
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return local.date() - timedelta(days=1)
        return local.date()
    return moment
