"""The public dashboard: GET /transparency (HTML, `?lang=en` for English),
/transparency.json and /transparency.csv. No personal data, no login."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sentra_shared import clock
from sentra_shared.calendar import HOLIDAY_SOURCE, WIB, WorkingDayCalendar, indonesian_calendar
from sentra_shared.runtime import ServiceRuntime

from sentra_notifications import waits
from sentra_notifications.domain.notice import Lang
from sentra_notifications.transparency import export, figures, labels, store
from sentra_notifications.transparency.charts import bar_chart
from sentra_notifications.transparency.stats import Cell

router = APIRouter()
TEMPLATES = Path(__file__).parent.parent / "templates"


@functools.cache
def _calendar() -> WorkingDayCalendar:
    return indonesian_calendar()


@functools.cache
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )


async def current_figures(request: Request) -> figures.Figures:
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.pool.acquire() as conn, conn.transaction(readonly=True):
        applications = await store.applications(conn)
        all_waits = await waits.all_waits(conn)
    return figures.compute(applications, all_waits, clock.now(), _calendar())


@router.get("/transparency.json")
async def transparency_json(request: Request) -> JSONResponse:
    body = export.as_json(await current_figures(request))
    return JSONResponse({**body, "working_day_calendar": HOLIDAY_SOURCE})


@router.get("/transparency.csv")
async def transparency_csv(request: Request) -> Response:
    return Response(
        export.as_csv(await current_figures(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transparency.csv"'},
    )


@router.get("/transparency", response_class=HTMLResponse)
async def transparency_page(request: Request, lang: str = "id") -> HTMLResponse:
    language: Lang = "en" if lang == "en" else "id"
    page = _templates().get_template("transparency/dashboard.html")
    return HTMLResponse(page.render(view(await current_figures(request), language)))


def view(data: figures.Figures, lang: Lang) -> dict[str, Any]:
    """What the template needs: the figures, the words, the number formats, the charts."""
    decimal = "," if lang == "id" else "."

    def number(cell: Cell, digits: int = 1) -> str:
        if cell.value is None:
            return cell.mark
        if float(cell.value).is_integer():
            return str(int(cell.value))
        return f"{cell.value:.{digits}f}".replace(".", decimal)

    def percent(cell: Cell) -> str:
        return cell.mark if cell.value is None else f"{round(cell.value * 100)}%"

    def party(code: str) -> str:
        return labels.word(labels.PARTIES, code, lang)

    def regency(row: figures.RegencyFigures) -> str:
        return row.name or row.code

    on_time = [(party(p.party), _scaled(p.on_time_share, 100)) for p in data.parties]
    hours = [(party(p.party), p.median_hours) for p in data.parties]
    days = [(regency(r), r.median_working_days) for r in data.regencies]
    return {
        "lang": lang,
        "other_lang": "en" if lang == "id" else "id",
        "f": data,
        # The public reads local time: WIB.
        "generated": data.generated_at.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB"),
        "columns": figures.COLUMNS,
        "kinds": figures.KINDS,
        "t": lambda key: labels.word(labels.TEXT, key, lang),
        "kind_label": lambda kind: labels.word(labels.KINDS, kind.value, lang),
        "outcome_label": lambda outcome: labels.word(labels.OUTCOMES, outcome.value, lang),
        "party": party,
        "regency": regency,
        "number": number,
        "percent": percent,
        "outcomes_of": lambda kind: [o for k, o in figures.COLUMNS if k is kind],
        "chart_on_time": bar_chart(
            labels.word(labels.TEXT, "chart_on_time", lang), on_time, number, maximum=100
        ),
        "chart_hours": bar_chart(
            labels.word(labels.TEXT, "chart_hours", lang), hours, number, css_class="bar hours"
        ),
        "chart_regencies": bar_chart(
            labels.word(labels.TEXT, "median_days", lang),
            days,
            number,
            css_class="bar regency",
        ),
    }


def _scaled(cell: Cell, factor: float) -> Cell:
    if cell.value is None:
        return cell
    return Cell(round(cell.value * factor), cell.suppressed, cell.mark)
