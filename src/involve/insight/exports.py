"""The theme counts of the insight overview as CSV or XLSX, with the filters the analyst chose, through
involve.core.exports (no cell can be a formula). Counts only: no comment text."""

from involve.core.exports import table

from .models import Comment

SENTIMENT_LABELS = dict(Comment.Sentiment3.choices)


def theme_count_rows(counts):
    """The header and rows: category, theme, count, % of the base, then the count of each sentiment."""
    unit = "Groups and single comments" if counts.by_group else "Comments"
    columns = [
        ("Category", lambda r: r.theme.category.name),
        ("Theme", lambda r: r.theme.name),
        (unit, lambda r: r.count),
        (f"% of {counts.base} {unit.lower()}", lambda r: r.percent),
    ] + [(f"{label} (count)", lambda r, key=key: r.sentiment.get(key, 0)) for key, label in SENTIMENT_LABELS.items()]
    return table(columns, counts.themes)
