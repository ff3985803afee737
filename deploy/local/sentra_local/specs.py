"""The AsyncAPI 3.0.0 JSON Schema the contract tests validate the published documents with.

It comes from the AsyncAPI project's own package (`@asyncapi/specs`), fetched once with
npm's ordinary client, checked against the integrity pinned here and cached outside the
clone like the Kafka jars. The `-without-$id` variant is the one that is self-contained:
its references point inside the file, so no network is needed to resolve them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from sentra_local.paths import cache_dir
from sentra_local.processes import StartupError

SPECS_PACKAGE = "@asyncapi/specs"
SPECS_VERSION = "6.11.1"
# npm's `integrity` of the package tarball: base64 of its SHA-512.
SPECS_INTEGRITY = (
    "sha512-"
    "A3WBLqAKGoJ2+6FWFtpjBlCQ1oFCcs4GxF7zsIGvNqp/klGUHjlA3aAcZ9XMMpLGE8zPeYDz2x9FmO6DSuKraQ=="
)
SCHEMA_MEMBER = "package/schemas/3.0.0-without-$id.json"


class NpmMissing(StartupError):
    """npm is not installed, so the schema cannot be fetched."""


def asyncapi_schema_file() -> Path:
    return cache_dir() / f"asyncapi-specs-{SPECS_VERSION}" / "asyncapi-3.0.0.schema.json"


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def ensure_asyncapi_schema() -> Path:
    """Fetch and verify the schema once; later calls (and later clones) reuse the cache."""
    target = asyncapi_schema_file()
    if target.exists():
        return target
    if shutil.which("npm") is None:
        raise NpmMissing(
            "'npm' is not on PATH. The contract tests need it once to fetch the AsyncAPI "
            "JSON Schema (Debian: apt-get install npm)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"sentra-local: fetching {SPECS_PACKAGE}@{SPECS_VERSION} into {target.parent} (once)")
    with tempfile.TemporaryDirectory(dir=target.parent) as staging:
        result = subprocess.run(
            ["npm", "pack", f"{SPECS_PACKAGE}@{SPECS_VERSION}", "--silent"],
            cwd=staging,
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(Path(staging).glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise StartupError(f"npm pack failed:\n{result.stdout}\n{result.stderr}")
        data = tarballs[0].read_bytes()
        if integrity(data) != SPECS_INTEGRITY:
            raise StartupError(
                f"{tarballs[0].name} does not match its pinned integrity: "
                f"got {integrity(data)}, expected {SPECS_INTEGRITY}"
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


def asyncapi_schema() -> dict[str, Any]:
    """The cached schema; missing means `make setup` has not run, which is an error."""
    path = asyncapi_schema_file()
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `make setup` (it fetches the AsyncAPI 3.0.0 JSON Schema)"
        )
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema
