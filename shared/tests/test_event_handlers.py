"""Which records a consumer skips by their type header, without decoding them."""

from __future__ import annotations

import asyncpg
from sentra_shared.consumer import EventHandlers
from sentra_shared.events import (
    CATALOGUE,
    DOCUMENTS_TOPIC,
    ApplicationSubmitted,
    DocumentsRejected,
    DocumentsVerified,
    RefundDocumentsVerified,
)


async def _nothing(conn: asyncpg.Connection, event: object) -> None:
    return None


def test_types_on_our_topics_that_we_do_not_handle_are_skipped_by_header() -> None:
    handlers = EventHandlers("credit")
    handlers.on(DocumentsVerified)(_nothing)
    ignored = handlers.ignored_types
    # Every other event of the documents stream is skipped unread...
    assert ApplicationSubmitted.ce_type() in ignored
    assert DocumentsRejected.ce_type() in ignored
    assert ignored == {cls.ce_type() for cls in CATALOGUE if cls.topic == DOCUMENTS_TOPIC} - {
        DocumentsVerified.ce_type()
    }
    # ... never the handled one, nor one of a topic we do not read (nothing to skip).
    assert DocumentsVerified.ce_type() not in ignored
    assert RefundDocumentsVerified.ce_type() not in ignored
