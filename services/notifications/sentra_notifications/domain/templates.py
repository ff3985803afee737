"""Notice texts live in Jinja2 files, one per notice and language:
`templates/messages/<lang>/<status>.j2`, each with a `subject` and a `message` block
(docs/messages.md). The domain decides which notice and gathers the facts in each
language; this module only renders them.

The environment is built on first use and cached: importing the package reads no file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from sentra_notifications.domain.notice import Lang, Notice

LANGUAGES: tuple[Lang, ...] = ("id", "en")
BLOCKS = ("subject", "message")
# Optional: a template whose message can grow too long for an SMS says what the SMS
# carries instead; an empty block means the message itself goes by SMS.
SMS_BLOCK = "sms"

Facts = Mapping[str, object]


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("sentra_notifications", "templates/messages"),
        # A fact a template names but the domain did not gather is a bug, not an empty
        # string in a message to a worker.
        undefined=StrictUndefined,
        # Plain text for SMS, email and the timeline: HTML escaping would show "&amp;".
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template_name(status: str, lang: Lang) -> str:
    return f"{lang}/{status}.j2"


def render(status: str, lang: Lang, facts: Facts) -> tuple[str, str]:
    """The subject and the message of one notice in one language."""
    subject, message, _ = render_all(status, lang, facts)
    return subject, message


def render_all(status: str, lang: Lang, facts: Facts) -> tuple[str, str, str | None]:
    """The subject, the message and the SMS text (None: the SMS is the message)."""
    template = environment().get_template(template_name(status, lang))
    context = template.new_context(dict(facts))

    def block(name: str) -> str:
        # Templates are laid out for reading; an SMS is one paragraph.
        return " ".join("".join(template.blocks[name](context)).split())

    sms = block(SMS_BLOCK) if SMS_BLOCK in template.blocks else ""
    return block("subject"), block("message"), sms or None


def render_notice(status: str, *, final: bool, facts: Callable[[Lang], Facts]) -> Notice:
    """The notice named `status`, rendered from its template in every language with the
    facts gathered for that language (dates, amounts and reasons in its words)."""
    subject_id, message_id, sms_id = render_all(status, "id", facts("id"))
    subject_en, message_en, sms_en = render_all(status, "en", facts("en"))
    return Notice(
        status=status,
        message_id=message_id,
        message_en=message_en,
        final=final,
        subject_id=subject_id,
        subject_en=subject_en,
        sms_id=sms_id,
        sms_en=sms_en,
    )
