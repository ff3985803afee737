"""Test-only crash points: `SENTRA_FAULT=<point>:<n>` kills this process the n-th time
execution reaches `<point>`, as `kill -9` would (no cleanup, no flush).

Fault tests use it to crash exactly between two steps whose order matters (the database
commit and the offset commit; the broker's acknowledgement and the outbox mark). Unset,
it costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

AFTER_COMMIT_BEFORE_ACK = "after_commit_before_ack"
AFTER_PUBLISH_BEFORE_MARK = "after_publish_before_mark"

_reached: dict[str, int] = {}


def _planned() -> dict[str, int]:
    plan: dict[str, int] = {}
    for item in os.environ.get("SENTRA_FAULT", "").split(","):
        point, _, count = item.strip().partition(":")
        if point:
            plan[point] = int(count or "1")
    return plan


def crash_point(point: str) -> None:
    if "SENTRA_FAULT" not in os.environ:
        return
    _reached[point] = _reached.get(point, 0) + 1
    if _planned().get(point) == _reached[point]:
        os.kill(os.getpid(), signal.SIGKILL)
