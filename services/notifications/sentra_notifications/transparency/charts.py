"""Server-rendered SVG bar charts: no JavaScript, nothing fetched from elsewhere.

A suppressed value draws no bar, only its mark ("<5", or a dash for a hidden total), so
that the picture gives away no more than the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from sentra_notifications.transparency.stats import Cell

ROW = 20
TITLE = 24
LABEL_WIDTH = 200
BAR_WIDTH = 230
WIDTH = LABEL_WIDTH + BAR_WIDTH + 60


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Cell]],
    show: Callable[[Cell], str],
    maximum: float | None = None,
    css_class: str = "bar",
) -> Markup:
    """Horizontal bars, one per (label, cell), scaled to `maximum` (else the largest)."""
    values = [c.value for _, c in rows if c.value is not None]
    top = maximum or max(values, default=0) or 1
    height = TITLE + ROW * len(rows) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" class="heading">{escape(title)}</text>',
    ]
    for i, (label, cell) in enumerate(rows):
        y = TITLE + i * ROW
        middle = y + ROW / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'class="label">{escape(label)}</text>'
        )
        width = 0.0
        if cell.value is not None:
            width = BAR_WIDTH * min(cell.value / top, 1.0)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" '
                f'height="{ROW - 5}" class="{css_class}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{middle}" class="value'
            f'{" suppressed" if cell.suppressed else ""}">{escape(show(cell))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
