"""The figures as JSON and as CSV: the same cells, suppressed ones as null / empty with
`suppressed` set."""

from __future__ import annotations

import csv
import io
from typing import Any

from sentra_notifications.transparency.figures import COLUMNS, KINDS, Figures, RegencyFigures
from sentra_notifications.transparency.stats import THRESHOLD, Cell

PARTY_METRICS = ("answered", "on_time_share", "median_hours", "p90_hours", "overdue_now")


def cell(value: Cell) -> dict[str, Any]:
    return {"value": value.value, "suppressed": value.suppressed}


def _regency(row: RegencyFigures) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "sending_regency": row.sending,
        "applications": [
            {"kind": kind.value, "outcome": outcome.value, **cell(row.applications[kind, outcome])}
            for kind, outcome in COLUMNS
        ],
        "applications_by_kind": {kind.value: cell(row.by_kind[kind]) for kind in KINDS},
        "applications_total": cell(row.total),
        "median_working_days_to_decision": cell(row.median_working_days),
    }


def as_json(figures: Figures) -> dict[str, Any]:
    return {
        "generated_at": figures.generated_at.isoformat(),
        "suppression_threshold": THRESHOLD,
        "answer_time_unit": "hours",
        "parties": [
            {"party": p.party, **{m: cell(getattr(p, m)) for m in PARTY_METRICS}}
            for p in figures.parties
        ],
        "regencies": [_regency(row) for row in figures.regencies],
        "all_regencies": _regency(figures.all_regencies),
        "red_flags": {
            "raised": cell(figures.flags_raised),
            "confirmed": cell(figures.flags_confirmed),
        },
    }


CSV_HEADER = ("section", "subject", "metric", "kind", "outcome", "value", "suppressed")


def as_csv(figures: Figures) -> str:
    """One figure per line (long format), so that a spreadsheet can filter and pivot."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)

    def put(section: str, subject: str, metric: str, value: Cell, kind: str = "",
            outcome: str = "") -> None:  # fmt: skip
        shown = "" if value.value is None else _number(value.value)
        writer.writerow(
            (section, subject, metric, kind, outcome, shown, str(value.suppressed).lower())
        )

    for p in figures.parties:
        for metric in PARTY_METRICS:
            put("party", p.party, metric, getattr(p, metric))
    for row in (*figures.regencies, figures.all_regencies):
        for kind, outcome in COLUMNS:
            put("regency", row.code, "applications", row.applications[kind, outcome],
                kind.value, outcome.value)  # fmt: skip
        for kind in KINDS:
            put("regency", row.code, "applications", row.by_kind[kind], kind.value)
        put("regency", row.code, "applications", row.total)
        put("regency", row.code, "median_working_days_to_decision", row.median_working_days)
    put("red_flags", "all", "raised", figures.flags_raised)
    put("red_flags", "all", "confirmed", figures.flags_confirmed)
    return out.getvalue()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
