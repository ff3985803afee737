"""The tools the manifests are rendered and checked with, built once into the per-user
cache (`cache_dir()/cluster/`, one folder per pinned version, see versions.toml).

Each tool is built from its source release on a package registry, never copied from a
fetched file: kustomize and controller-gen with `go install`, the operators' CRDs by the
operators' own generators (see crds.py). A folder counts only once its `.complete` marker
exists, so an interrupted build is redone and a finished one is never redone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sentra_local.paths import cache_dir

VERSIONS_FILE = Path(__file__).with_name("versions.toml")


class ToolError(RuntimeError):
    """A tool or schema could not be built; the message says what to do."""


@cache
def versions() -> dict[str, dict[str, Any]]:
    with VERSIONS_FILE.open("rb") as f:
        return tomllib.load(f)


def pinned(name: str) -> dict[str, Any]:
    return versions()[name]


def cluster_cache() -> Path:
    return cache_dir() / "cluster"


@dataclass(frozen=True)
class Built:
    """A folder in the cache built by `build(staging_dir)`; complete once marked.
    Progress goes to stderr, so that `validate` prints only problems on stdout."""

    name: str
    folder: Path
    build: Callable[[Path], None]

    @property
    def complete(self) -> bool:
        return (self.folder / ".complete").exists()

    def ensure(self) -> tuple[Path, float | None]:
        """The finished folder, and how long building it took (None when cached)."""
        if self.complete:
            return self.folder, None
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        # Every clone on the machine shares the cache: one process builds, the others wait.
        with self.folder.with_name(self.folder.name + ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.complete:
                return self.folder, None
            return self.folder, self._build()

    def _build(self) -> float:
        staging = self.folder.with_name(self.folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        print(f"sentra-cluster: building {self.name} into {self.folder} (once)", file=sys.stderr)
        started = time.monotonic()
        self.build(staging)
        shutil.rmtree(self.folder, ignore_errors=True)
        staging.rename(self.folder)
        (self.folder / ".complete").touch()
        took = time.monotonic() - started
        print(f"sentra-cluster: built {self.name} in {took:.0f}s", file=sys.stderr)
        return took


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a build step; its output is shown only when it fails."""
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ToolError(
            f"{' '.join(cmd)} failed (exit {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


def require(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise ToolError(f"'{tool}' is not on PATH: {hint}")
    return found


def go_env() -> dict[str, str]:
    require("go", "the cluster tools are built with Go 1.26+ (Debian: apt-get install golang)")
    # The machine's own Go builds every pinned module (versions.toml picks releases that
    # go1.26 builds); never let a go.mod line switch to a downloaded toolchain.
    return {"GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}


def go_install(package: str, version: str, staging: Path) -> None:
    run(["go", "install", f"{package}@{version}"], env={**go_env(), "GOBIN": str(staging / "bin")})


def kustomize_build() -> Built:
    spec = pinned("kustomize")
    return Built(
        f"kustomize {spec['version']}",
        cluster_cache() / f"kustomize-{spec['version']}",
        lambda staging: go_install(spec["module"], spec["version"], staging),
    )


def controller_gen_build() -> Built:
    spec = pinned("controller-tools")
    return Built(
        f"controller-gen {spec['version']}",
        cluster_cache() / f"controller-gen-{spec['version']}",
        lambda staging: go_install(
            f"{spec['module']}/cmd/controller-gen", spec["version"], staging
        ),
    )


def kustomize() -> Path:
    folder, _ = kustomize_build().ensure()
    return folder / "bin" / "kustomize"


def controller_gen() -> Path:
    folder, _ = controller_gen_build().ensure()
    return folder / "bin" / "controller-gen"
