"""The training and mentoring programmes the local runner offers (`make up`, the demo,
the fault tests): one per organiser, written as the empowerment service's programmes
file with dates counted from the day the run starts, so that they never go stale.

Enrolment stays open for a year and the sessions lie beyond it: a run on an accelerated
clock (a working day in ~2 s) still enrols for minutes. The built-in organisers report
at once (deploy/agencies sandbox), so a journey does not wait for the sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ENROLMENT_OPEN_DAYS = 365


@dataclass(frozen=True)
class SampleProgramme:
    id: str
    title: str
    kind: str
    organiser: str
    regencies: tuple[str, ...]
    capacity: int
    first_session_in_days: int
    sessions: int
    every_days: int


SAMPLE_PROGRAMMES = (
    SampleProgramme("disnaker-wirausaha", "Pelatihan kewirausahaan purna PMI (Disnaker)",
                    "training", "disnaker", ("*",), 10_000, 380, 4, 7),
    SampleProgramme("bank-pendampingan-umkm", "Pendampingan usaha dan literasi kredit (bank)",
                    "mentoring", "bank", ("*",), 10_000, 390, 6, 14),
    SampleProgramme("disperindag-pemasaran", "Pelatihan pemasaran dan kemasan (Disperindag)",
                    "training", "trade_office", ("*",), 10_000, 375, 3, 7),
)  # fmt: skip


def programmes_toml(today: date) -> str:
    closes = today + timedelta(days=ENROLMENT_OPEN_DAYS)
    parts = ["# Written by the local runner; dates count from the day it started.\n"]
    for p in SAMPLE_PROGRAMMES:
        first = today + timedelta(days=p.first_session_in_days)
        days = ", ".join(
            (first + timedelta(days=i * p.every_days)).isoformat() for i in range(p.sessions)
        )
        regencies = ", ".join(f'"{r}"' for r in p.regencies)
        parts.append(
            f"""
[[programmes]]
id = "{p.id}"
title = "{p.title}"
kind = "{p.kind}"
organiser = "{p.organiser}"
regencies = [{regencies}]
capacity = {p.capacity}
sessions = [{days}]
enrolment_closes_on = {closes.isoformat()}
"""
        )
    return "".join(parts)


def write_programmes(path: Path, today: date) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(programmes_toml(today))
    return path
