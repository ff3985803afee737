"""Rendering a Kustomize overlay into the objects a cluster would receive, with the real
kustomize (built from its pinned release, see tools.py) rather than an imitation of it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from sentra_local.paths import repo_root

from sentra_cluster.tools import ToolError, kustomize


class RenderError(RuntimeError):
    """kustomize refused the overlay; the message is its own explanation."""


def overlays_dir() -> Path:
    return repo_root() / "deploy" / "kubernetes" / "overlays"


def overlays() -> list[Path]:
    """Every overlay the repository has (a folder holding a kustomization file)."""
    root = overlays_dir()
    if not root.is_dir():
        return []
    return sorted(
        d
        for d in root.iterdir()
        if any((d / name).is_file() for name in ("kustomization.yaml", "kustomization.yml"))
    )


def render_text(overlay_dir: Path) -> str:
    try:
        result = subprocess.run(
            [str(kustomize()), "build", str(overlay_dir)],
            capture_output=True,
            text=True,
            check=False,
        )
    except ToolError as e:
        raise RenderError(str(e)) from e
    if result.returncode != 0:
        raise RenderError(f"kustomize build {overlay_dir}: {result.stderr.strip()}")
    return result.stdout


def parse(text: str) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for doc in yaml.safe_load_all(text):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise RenderError(f"a rendered document is not a mapping: {str(doc)[:80]}")
        objects.append(doc)
    return objects


def render(overlay_dir: Path) -> list[dict[str, Any]]:
    """The overlay's objects, in kustomize's output order."""
    return parse(render_text(overlay_dir))
