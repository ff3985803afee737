"""The broker's runtime classpath: resolved by Maven from `deploy/local/kafka/pom.xml` once,
cached outside the clone (later calls and later clones reuse it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sentra_local.paths import LOCAL_DIR, cache_dir
from sentra_local.processes import StartupError

KAFKA_VERSION = "4.3.1"
POM = LOCAL_DIR / "kafka" / "pom.xml"


def classpath_dir() -> Path:
    return cache_dir() / f"kafka-{KAFKA_VERSION}" / "libs"


def ensure_classpath() -> Path:
    """Resolve the broker's jars once; later calls (and later clones) reuse the cache."""
    libs = classpath_dir()
    marker = libs / ".complete"
    if marker.exists():
        return libs
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise StartupError(
                f"'{tool}' is not on PATH. Kafka needs Java 17+ and Maven "
                "(Debian: apt-get install openjdk-17-jre-headless maven)."
            )
    staging = libs.with_name("libs.partial")
    shutil.rmtree(staging, ignore_errors=True)
    print(f"sentra-local: resolving Kafka {KAFKA_VERSION} jars into {libs} (once)", flush=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StartupError(
            f"Maven could not resolve the Kafka jars:\n{result.stdout}\n{result.stderr}"
        )
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    marker.touch()
    return libs
