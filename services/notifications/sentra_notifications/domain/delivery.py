"""Delivering notices: which messages one notice makes, how long to wait before trying a
message again, and what the applicant is told when a message could not be delivered.

Pure: the contact and the attempt count are arguments; the worker does the sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sentra_shared.events import ApplicantNotificationFailed, Channel

from sentra_notifications.domain.notice import NOTIFICATION_FAILED, Lang, Notice, compose
from sentra_notifications.domain.templates import render_notice

CHANNELS: tuple[Channel, ...] = ("sms", "email")


@dataclass(frozen=True)
class Contact:
    """How the applicant asked to be told (from ApplicationSubmitted.contact)."""

    language: Lang
    channels: tuple[Channel, ...]
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class Message:
    """One message owed on one channel, rendered in the applicant's language."""

    channel: Channel
    recipient: str
    language: Lang
    subject: str
    text: str


def messages_for(notice: Notice, contact: Contact) -> tuple[Message, ...]:
    """One message per channel the applicant chose and can be reached on. None at all
    means the applicant is told at the counter (and on the status page) only."""
    address = {"sms": contact.phone, "email": contact.email}
    lang = contact.language
    text = {"sms": notice.sms(lang), "email": notice.message(lang)}
    return tuple(
        Message(channel, recipient, lang, notice.subject(lang), text[channel])
        for channel in CHANNELS
        if channel in contact.channels and (recipient := address[channel])
    )


def backoff(failures: int, base: timedelta, cap: timedelta) -> timedelta:
    """The wait after the `failures`-th failed attempt: base, 2 base, 4 base, ... at most
    cap. Doubling gives a gateway that is down time to recover without hammering it."""
    if failures < 1:
        raise ValueError("backoff follows a failure")
    return min(base * (1 << min(failures - 1, 30)), cap)


_CHANNEL_NAMES = {
    "id": {"sms": "SMS", "email": "email"},
    "en": {"sms": "text message (SMS)", "email": "email"},
}


@compose.register
def _(event: ApplicantNotificationFailed) -> Notice:
    # Shown on the timeline (the status page), the one place that still reaches the
    # applicant when their phone or mailbox does not: never the failure's technical cause.
    return render_notice(
        NOTIFICATION_FAILED,
        final=False,
        facts=lambda lang: {"channel": _CHANNEL_NAMES[lang][event.channel]},
    )
