"""The operators' CRDs, produced from their pinned releases, and every cached build."""

from __future__ import annotations

from sentra_cluster.crds import Crd
from sentra_cluster.tools import Built, kustomize_build


def every_build() -> list[Built]:
    """What `sentra-cluster tools` installs, in order."""
    return [kustomize_build()]


def operator_crds() -> list[Crd]:
    """The CRDs objects are validated against (built first when missing)."""
    return []
