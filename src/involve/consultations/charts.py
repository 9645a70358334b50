"""Bar charts drawn on the server as inline SVG: the same markup in the page, the summary report
and its PDF (WeasyPrint draws inline SVG), with no script.

Each chart is an image with a text alternative (role="img", <title> and <desc> naming every bar),
and the page always puts the data table beside it. A suppressed bar is drawn as "*" with no bar.
Every piece of text is escaped: option labels are typed by staff.
"""

from markupsafe import Markup, escape

from involve.core.suppression import SUPPRESSED

WIDTH = 640
LABEL_HEIGHT = 18
BAR_HEIGHT = 18
GAP = 12
BAR_AREA = 440  # the longest bar; the rest of the width holds its figure
LABEL_MAX = 80
# NHS.UK blue (#005eb8) on white: 6.0:1 contrast. Text in NHS black (#212b32).
BAR_COLOUR = "#005eb8"
TEXT_COLOUR = "#212b32"
FONT = "Frutiger W01, Arial, sans-serif"


def _short(text):
    text = str(text)
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _figure(bar):
    if bar.count is None:
        return SUPPRESSED
    return f"{bar.count} ({bar.percent}%)" if bar.percent is not None else str(bar.count)


def alternative(title, bars, base_text=""):
    """The chart in words, for its <desc>."""
    parts = [f"{b.label}: {'suppressed (fewer than the threshold)' if b.count is None else _figure(b)}" for b in bars]
    return f"{title}. " + "; ".join(parts) + (f". {base_text}" if base_text else "")


def bar_chart(title, bars, *, base_text="", chart_id="chart"):
    """A horizontal bar chart of `bars` (objects with label, count (None when suppressed) and percent)."""
    shown = [b.count for b in bars if b.count is not None]
    top = max(shown, default=0) or 1
    row = LABEL_HEIGHT + BAR_HEIGHT + GAP
    height = max(row * len(bars), row)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="involve-chart" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-family="{FONT}" font-size="14">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(alternative(title, bars, base_text))}</desc>',
    ]
    for i, bar in enumerate(bars):
        y = i * row
        out.append(f'<text x="0" y="{y + 14}" fill="{TEXT_COLOUR}">{escape(_short(bar.label))}</text>')
        bar_y = y + LABEL_HEIGHT
        if bar.count is None:
            out.append(f'<text x="0" y="{bar_y + 14}" fill="{TEXT_COLOUR}" font-weight="bold">{SUPPRESSED}</text>')
            continue
        length = round(BAR_AREA * bar.count / top) if bar.count else 0
        if length:
            out.append(f'<rect x="0" y="{bar_y}" width="{length}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>')
        out.append(f'<text x="{length + 6}" y="{bar_y + 14}" fill="{TEXT_COLOUR}">{escape(_figure(bar))}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704  (every piece of text above is escaped)
