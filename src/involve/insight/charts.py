"""Charts of the insight pages, drawn on the server as inline SVG like consultations/charts.py (whose bar
chart they reuse): each an image with a text alternative, always beside its data table; every piece
of text escaped (theme names may be an organisation's own)."""

import dataclasses

from markupsafe import Markup, escape

from involve.consultations.charts import BAR_COLOUR, FONT, TEXT_COLOUR, bar_chart

__all__ = ["Bar", "bar_chart", "theme_bars", "trend_chart"]

# Line colours with at least 3:1 contrast on white, told apart by their dash pattern too.
LINE_COLOURS = ["#005eb8", "#007f3b", "#d5281b", "#330072", "#7c2855", "#212b32", "#ae2573", "#00403d"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "12 2"]


@dataclasses.dataclass
class Bar:
    label: str
    count: int | None
    percent: float | None


def theme_bars(rows):
    return [Bar(r.label, r.count, r.percent) for r in rows]


def trend_chart(title, months, series, *, chart_id="trend"):
    """Lines of counts per month, one per theme, with a <desc> naming each line's figures."""
    width, height, left, top, bottom = 640, 260, 40, 10, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max((n for _, counts in series for n in counts), default=0) or 1
    step = plot_w / max(len(months) - 1, 1)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    desc = "; ".join(
        f"{theme.name}: " + ", ".join(f"{m:%b %Y} {n}" for m, n in zip(months, counts, strict=True))
        for theme, counts in series
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="involve-chart" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-family="{FONT}" font-size="12">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(title)}. {escape(desc)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{TEXT_COLOUR}"/>',
        f'<text x="0" y="{top + 10}" fill="{TEXT_COLOUR}">{peak}</text>',
        f'<text x="0" y="{top + plot_h}" fill="{TEXT_COLOUR}">0</text>',
    ]
    every = max(1, len(months) // 8)
    for i, m in enumerate(months):
        if i % every == 0:
            x = left + i * step
            out.append(f'<text x="{x:.0f}" y="{height - 20}" fill="{TEXT_COLOUR}">{m:%b %y}</text>')
    for k, (_theme, counts) in enumerate(series):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)] if k else BAR_COLOUR
        points = " ".join(f"{left + i * step:.1f},{top + plot_h - plot_h * n / peak:.1f}" for i, n in enumerate(counts))
        dash = DASHES[k % len(DASHES)]
        out.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f' points="{points}"/>'
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704  (every piece of text above is escaped)
