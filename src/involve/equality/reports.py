"""Equality reports: only aggregates, with small numbers suppressed; never a person-level row.

For a set of equality records (the caller scopes them), each characteristic's counts with its
completeness rate (people who gave an answer other than "Prefer not to say", of all records), and
the distribution of IMD deciles. Counts are grouped in the database, one query per characteristic.
"""

import dataclasses

from django.db.models import Count

from involve.core import suppression

from .categories import CATEGORIES, IMD_DECILES, PREFER_NOT_TO_SAY

NOT_ANSWERED = "Not answered"
# The NHS ethnic category's "Prefer not to say" is its Data Dictionary code Z (categories.py).
DECLINED = {PREFER_NOT_TO_SAY, "Z"}


@dataclasses.dataclass
class Row:
    label: str
    count: int | None  # None: suppressed
    percent: int | None


@dataclasses.dataclass
class Characteristic:
    key: str
    label: str
    question: str
    rows: list
    base: int | None
    answered: int | None  # gave an answer other than "Prefer not to say"
    completeness: int | None  # per cent of all records


def _characteristic(key, label, question, options, counts, total, threshold):
    raw = [counts.get(code, 0) for code, _ in options]
    shown, base = suppression.suppress_counts(raw, threshold, total=total)
    rows = [Row(text, n, suppression.percent(n, base)) for (_, text), n in zip(options, shown, strict=True)]
    answered = sum(n for code, n in counts.items() if code not in DECLINED and code not in ("", None))
    answered_shown = suppression.suppress(answered, threshold) if base is not None else None
    return Characteristic(key, label, question, rows, base, answered_shown, suppression.percent(answered_shown, base))


def report(records, threshold=suppression.DEFAULT_THRESHOLD):
    """{"total", "characteristics": [Characteristic], "deprivation": Characteristic} for `records`."""
    total = records.count()
    result = []
    for category in CATEGORIES:
        counts = {code or "": n for code, n in records.values_list(category.key).annotate(n=Count("pk")).order_by()}
        options = [*category.choices, ("", NOT_ANSWERED)]
        label = category.characteristic + (" (2021 census groups)" if category.key == "ethnicity_census_2021" else "")
        result.append(_characteristic(category.key, label, category.label, options, counts, total, threshold))
    decile_counts = {
        (str(d) if d else ""): n for d, n in records.values_list("imd_decile").annotate(n=Count("pk")).order_by()
    }
    deprivation = _characteristic(
        "imd_decile",
        "Deprivation",
        "IMD decile of the area of the postcode given (1 is the most deprived tenth of areas)",
        [*((str(d), text) for d, text in IMD_DECILES), ("", "Not known (no postcode, or not in the lookup)")],
        decile_counts,
        total,
        threshold,
    )
    return {
        "total": suppression.suppress(total, threshold),
        "threshold": threshold,
        "characteristics": result,
        "deprivation": deprivation,
    }
