"""Every party that can hold a file has a name wherever it is shown: inside the notices'
sentences, as a label on the status page, and on the public dashboard. A new agency in
topics.toml fails here until it is named in all three, in both languages; likewise every
notice's status and every application (or case) kind on the pages. And where an application stands
is decided by one rule for the timeline API and the status page."""

from __future__ import annotations

from pathlib import Path

import pytest
import sentra_notifications
from sentra_notifications.domain.deadlines import PARTY_NAMES
from sentra_notifications.domain.notice import current_of
from sentra_notifications.repository import CASE_KINDS
from sentra_notifications.status.views import KINDS as STATUS_KINDS
from sentra_notifications.status.views import PARTIES as STATUS_LABELS
from sentra_notifications.status.views import STATUSES
from sentra_notifications.transparency.labels import KINDS as DASHBOARD_KINDS
from sentra_notifications.transparency.labels import PARTIES as DASHBOARD_LABELS
from sentra_shared.events import ApplicationKind
from sentra_shared.topics import declared_agencies

# The officers owe answers too (the review of a red flag), without a topic of their own.
PARTIES = {*declared_agencies(), "officer"}


@pytest.mark.parametrize(
    "table", [PARTY_NAMES, STATUS_LABELS, DASHBOARD_LABELS], ids=["notices", "status", "dashboard"]
)
def test_every_party_is_named_in_both_languages(table: dict[str, tuple[str, str]]) -> None:
    assert set(table) == PARTIES
    for party, (name_id, name_en) in table.items():
        assert name_id.strip() and name_en.strip(), party


def test_every_notice_status_and_kind_has_a_label_on_the_pages() -> None:
    templates = Path(sentra_notifications.__file__).parent / "templates" / "messages" / "en"
    notice_statuses = {f.stem for f in templates.glob("*.j2") if not f.stem.startswith("_")}
    assert notice_statuses and notice_statuses == set(STATUSES)
    kinds = {kind.value for kind in ApplicationKind}
    # The status page also opens the empowerment service's cases; the dashboard counts
    # applications only.
    assert set(STATUS_KINDS) == kinds | set(CASE_KINDS) and set(DASHBOARD_KINDS) == kinds


def test_the_final_word_decides_and_a_failed_message_is_never_where_it_stands() -> None:
    def stands(*entries: tuple[str, bool]) -> str | None:
        current = current_of(entries, status=lambda e: e[0], final=lambda e: e[1])
        return None if current is None else current[0]

    assert stands(("submitted", False), ("documents_verified", False)) == "documents_verified"
    # A final word that arrived before a later, non-final one still decides.
    assert stands(("loan_disbursed", True), ("delayed", False)) == "loan_disbursed"
    assert stands(("submitted", False), ("notification_failed", False)) == "submitted"
    assert stands(("notification_failed", False)) is None
