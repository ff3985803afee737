"""Where the local runner keeps things.

Downloads are cached per user, outside the clone, so a fresh clone starts without
downloading again; runtime data lives in the clone's git-ignored `.sentra/`.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
LOCAL_DIR = PACKAGE_DIR.parent  # deploy/local


def repo_root() -> Path:
    configured = os.environ.get("SENTRA_REPO")
    if configured:
        return Path(configured).resolve()
    return LOCAL_DIR.parent.parent


def state_dir() -> Path:
    """Project-local runtime data (git-ignored)."""
    configured = os.environ.get("SENTRA_STATE_DIR")
    return Path(configured).resolve() if configured else repo_root() / ".sentra"


def cache_dir() -> Path:
    """Per-user download cache shared by every clone."""
    configured = os.environ.get("SENTRA_CACHE_DIR")
    if configured:
        return Path(configured).resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sentra"
