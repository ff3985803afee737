"""Every party that can hold a file has a name wherever it is shown: inside the notices'
sentences, as a label on the status page, and on the public dashboard. A new agency in
topics.toml fails here until it is named in all three, in both languages."""

from __future__ import annotations

import pytest
from sentra_notifications.domain.deadlines import PARTY_NAMES
from sentra_notifications.status.views import PARTIES as STATUS_LABELS
from sentra_notifications.transparency.labels import PARTIES as DASHBOARD_LABELS
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
