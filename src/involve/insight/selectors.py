"""Reads of the insight pages, each taking the access scope: theme counts with filters (counted by
comment or by duplicate group), sentiment, trends by month, two periods compared, the comments of one
theme, duplicate groups, and themes crossed with an equality characteristic (aggregates only, with
small-number suppression).

A comment carries a theme when its label *applies* (Label.applies): a person's decision wins, else the
model's suggestion. Counting "by group" counts every duplicate group (a campaign, a copied letter) once
however many of its comments are in the filtered set, and every other comment once.

Every query is grouped in the database; the number of queries of each page does not grow with the
number of comments or themes (pinned in tests/insight/test_pages_queries.py).
"""

import dataclasses
import datetime
import zoneinfo
from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from involve.core import suppression
from involve.organisations.access import get_for_user
from involve.organisations.permissions import Action

from .models import Category, Comment, DuplicateGroup, Label, Quote, Theme

LONDON = zoneinfo.ZoneInfo("Europe/London")
BY_COMMENT, BY_GROUP = "comment", "group"
COUNT_CHOICES = [(BY_COMMENT, "Count every comment"), (BY_GROUP, "Count each group of duplicates (a campaign) once")]
SENTIMENTS = list(Comment.Sentiment3)
APPLIES = Q(decision=Label.Decision.ACCEPTED) | Q(decision=Label.Decision.NONE, source=Label.Source.MODEL)


@dataclasses.dataclass
class Filters:
    """What the analyst chose; every field optional. `organisation` narrows to one organisation in scope."""

    organisation: int | None = None
    programme: int | None = None
    consultation: int | None = None
    service: str = ""
    question: str = ""
    source: str = ""
    sentiment: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    count_by: str = BY_COMMENT

    @property
    def by_group(self):
        return self.count_by == BY_GROUP


def _day_start(day):
    return datetime.datetime.combine(day, datetime.time.min, LONDON)


def comments(access, filters: Filters, *, date_from=None, date_to=None):
    """The comments the person may read that match the filters (dates: Europe/London days, inclusive)."""
    rows = access.scope(Comment.objects.all())
    f = filters
    if f.organisation:
        rows = rows.filter(organisation_id=f.organisation)
    if f.programme:
        rows = rows.filter(programme_id=f.programme)
    if f.consultation:
        rows = rows.filter(consultation_id=f.consultation)
    if f.service:
        rows = rows.filter(service=f.service)
    if f.question:
        rows = rows.filter(question=f.question)
    if f.source:
        rows = rows.filter(source=f.source)
    if f.sentiment:
        rows = rows.filter(sentiment3=f.sentiment)
    start = date_from if date_from is not None else f.date_from
    end = date_to if date_to is not None else f.date_to
    if start:
        rows = rows.filter(received_at__gte=_day_start(start))
    if end:
        rows = rows.filter(received_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return rows


def _units(prefix, by_group, extra=None):
    """Count of comments, or of groups plus ungrouped comments, as aggregate expressions."""
    extra = extra or Q()
    if not by_group:
        return {"n": Count(f"{prefix}pk" if prefix else "pk", filter=extra)}
    return {
        "n_groups": Count(f"{prefix}duplicate_group", distinct=True, filter=extra),
        "n_single": Count(f"{prefix}pk", filter=extra & Q(**{f"{prefix}duplicate_group__isnull": True})),
    }


def _total(row, key=""):
    if f"n{key}" in row:
        return row[f"n{key}"]
    return row[f"n_groups{key}"] + row[f"n_single{key}"]


def base_count(rows, by_group):
    """How many comments (or units, counting each group once) `rows` holds."""
    return _total(rows.aggregate(**_units("", by_group)))


def themes_in_scope(access):
    """Themes of the national frameworks and of the organisations the person may read."""
    below = access.readable_organisations.values("pk")
    return (
        Theme.objects.filter(Q(framework__organisation__isnull=True) | Q(framework__organisation__in=below))
        .select_related("category")
        .order_by("category__position", "category__pk", "position", "pk")
    )


def get_theme_for_user(access, pk) -> Theme:
    if not access.can(Action.VIEW):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    try:
        return themes_in_scope(access).select_related("framework").get(pk=pk)
    except (Theme.DoesNotExist, ValueError):
        raise Http404 from None


def get_group_for_user(access, pk, *, action=Action.VIEW) -> DuplicateGroup:
    queryset = DuplicateGroup.objects.select_related("organisation", "representative")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_quote_for_user(access, pk, *, action=Action.VIEW) -> Quote:
    queryset = Quote.objects.filter(removed_at__isnull=True).select_related("organisation", "theme", "comment")
    return get_for_user(queryset, access, action=action, pk=pk)


# Theme counts


@dataclasses.dataclass
class ThemeRow:
    theme: Theme
    count: int
    percent: float | None  # of the base (comments, or units)
    sentiment: dict  # {sentiment value: count}

    @property
    def label(self):
        return self.theme.name


@dataclasses.dataclass
class CategoryRow:
    category: Category
    themes: list
    count: int  # comments (units) with any theme of the category
    percent: float | None

    @property
    def label(self):
        return self.category.name


@dataclasses.dataclass
class ThemeCounts:
    base: int
    by_group: bool
    categories: list
    sentiment_totals: dict

    @property
    def themes(self):
        return [t for c in self.categories for t in c.themes]

    @property
    def empty(self):
        return self.base == 0


def _pct(count, base):
    return round(100 * count / base, 1) if base else None


def theme_counts(access, filters: Filters, *, rows=None) -> ThemeCounts:
    """Every theme with at least one comment in the filtered set, under its category, with counts,
    % of the comments (or units) in the set, and the sentiment split. Three queries."""
    rows = comments(access, filters) if rows is None else rows
    by_group = filters.by_group
    base = base_count(rows, by_group)
    sentiment_totals = {}
    if base:
        agg = {}
        for s in SENTIMENTS:
            for k, v in _units("", by_group, Q(sentiment3=s.value)).items():
                agg[f"{k}_{s.value}"] = v
        totals = rows.aggregate(**agg)
        sentiment_totals = {s.value: _total(totals, f"_{s.value}") for s in SENTIMENTS}
    labels = Label.objects.filter(APPLIES, comment__in=rows.values("pk"))
    aggregates = {**_units("comment__", by_group)}
    for s in SENTIMENTS:
        for k, v in _units("comment__", by_group, Q(comment__sentiment3=s.value)).items():
            aggregates[f"{k}_{s.value}"] = v
    counted = {r["theme"]: r for r in labels.values("theme").annotate(**aggregates).order_by()} if base else {}
    per_category = {}
    if counted:
        # A comment with two themes of one category counts once for the category: count distinct comments.
        cat_aggregate = (
            {"n": Count("comment", distinct=True)}
            if not by_group
            else {
                "n_groups": Count("comment__duplicate_group", distinct=True),
                "n_single": Count("comment", distinct=True, filter=Q(comment__duplicate_group__isnull=True)),
            }
        )
        cat_rows = labels.values("theme__category").annotate(**cat_aggregate).order_by()
        per_category = {r["theme__category"]: _total(r) for r in cat_rows}
    themes = Theme.objects.filter(pk__in=list(counted)).select_related("category") if counted else []
    categories = {}
    for theme in sorted(themes, key=lambda t: (t.category.position, t.category_id, t.position, t.pk)):
        r = counted[theme.pk]
        n = _total(r)
        row = ThemeRow(theme, n, _pct(n, base), {s.value: _total(r, f"_{s.value}") for s in SENTIMENTS})
        if theme.category_id not in categories:
            count = per_category.get(theme.category_id, 0)
            categories[theme.category_id] = CategoryRow(theme.category, [], count, _pct(count, base))
        categories[theme.category_id].themes.append(row)
    return ThemeCounts(base, by_group, list(categories.values()), sentiment_totals)


# Trends


@dataclasses.dataclass
class Trend:
    months: list  # first day of each month, Europe/London
    series: list  # (theme, [count per month])
    bases: list  # comments (units) per month


def _months(first, last):
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return out


def trends(access, filters: Filters, *, top=8) -> Trend:
    """The `top` themes of the filtered set, counted month by month (Europe/London), with each month's base."""
    rows = comments(access, filters)
    by_group = filters.by_group
    month = TruncMonth("received_at", tzinfo=LONDON)
    bases = {
        r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]: _total(r)
        for r in rows.annotate(month=month).values("month").annotate(**_units("", by_group)).order_by()
    }
    if not bases:
        return Trend([], [], [])
    labels = Label.objects.filter(APPLIES, comment__in=rows.values("pk"))
    counts = defaultdict(dict)
    totals = defaultdict(int)
    for r in (
        labels.annotate(month=TruncMonth("comment__received_at", tzinfo=LONDON))
        .values("theme", "month")
        .annotate(**_units("comment__", by_group))
        .order_by()
    ):
        m = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
        counts[r["theme"]][m] = _total(r)
        totals[r["theme"]] += _total(r)
    chosen = sorted(totals, key=lambda t: (-totals[t], t))[:top]
    themes = {t.pk: t for t in Theme.objects.filter(pk__in=chosen)}
    months = _months(min(bases), max(bases))
    series = [(themes[t], [counts[t].get(m, 0) for m in months]) for t in chosen]
    return Trend(months, series, [bases.get(m, 0) for m in months])


# Two periods compared


@dataclasses.dataclass
class Change:
    theme: Theme
    first: int
    first_percent: float | None
    second: int
    second_percent: float | None

    @property
    def change(self):
        return self.second - self.first

    @property
    def change_points(self):
        """The change in the share of comments, in percentage points (None when a period has none)."""
        if self.first_percent is None or self.second_percent is None:
            return None
        return round(self.second_percent - self.first_percent, 1)


@dataclasses.dataclass
class Comparison:
    first_base: int
    second_base: int
    rows: list


def _period_counts(access, filters, start, end):
    rows = comments(access, filters, date_from=start, date_to=end)
    base = base_count(rows, filters.by_group)
    labels = Label.objects.filter(APPLIES, comment__in=rows.values("pk"))
    counts = {
        r["theme"]: _total(r)
        for r in labels.values("theme").annotate(**_units("comment__", filters.by_group)).order_by()
    }
    return base, counts


def compare(access, filters: Filters, first, second) -> Comparison:
    """Counts and % of comments of every theme in two periods ((from, to) dates each), and the change."""
    first_base, first_counts = _period_counts(access, filters, *first)
    second_base, second_counts = _period_counts(access, filters, *second)
    ids = set(first_counts) | set(second_counts)
    themes = (
        Theme.objects.filter(pk__in=ids).select_related("category").order_by("category__position", "position", "pk")
    )
    rows = []
    for theme in themes:
        a, b = first_counts.get(theme.pk, 0), second_counts.get(theme.pk, 0)
        rows.append(Change(theme, a, _pct(a, first_base), b, _pct(b, second_base)))
    rows.sort(key=lambda r: (-abs(r.change), r.theme.pk))
    return Comparison(first_base, second_base, rows)


# Drill-down


def theme_comments(access, filters: Filters, theme, *, search=""):
    """The comments in the filtered set that carry `theme`, newest first (pages show the masked text only)."""
    rows = comments(access, filters).filter(pk__in=Label.objects.filter(APPLIES, theme=theme).values("comment_id"))
    if search:
        rows = rows.filter(masked_text__icontains=search[:200])
    return (
        rows.select_related("duplicate_group")
        .only(
            "pk",
            "masked_text",
            "received_at",
            "source",
            "service",
            "question",
            "sentiment3",
            "duplicate_group__size",
            "duplicate_group__is_campaign",
            "duplicate_group__kind",
            "organisation_id",
        )
        .order_by("-received_at", "pk")
    )


def quotes_for(access, theme):
    """(confirmed, suggested) quotes of the theme in the person's scope, each with its comment."""
    rows = (
        access.scope(Quote.objects.filter(theme=theme, removed_at__isnull=True))
        .select_related("comment")
        .order_by("-confirmed_at", "pk")
    )
    confirmed, suggested = [], []
    for quote in rows:
        (confirmed if quote.confirmed_at else suggested).append(quote)
    return confirmed, suggested


# Duplicate groups


def groups(access, *, kind="", campaign=""):
    rows = access.scope(DuplicateGroup.objects.all()).select_related("representative")
    if kind in DuplicateGroup.Kind.values:
        rows = rows.filter(kind=kind)
    if campaign == "yes":
        rows = rows.filter(is_campaign=True)
    elif campaign == "no":
        rows = rows.filter(is_campaign=False)
    return rows.order_by("-size", "pk")


def group_comments(group):
    return group.comments.only("pk", "masked_text", "received_at", "source", "service", "organisation_id").order_by(
        "received_at", "pk"
    )


# Themes × an equality characteristic (aggregates only)


@dataclasses.dataclass
class EqualityTable:
    characteristic: str
    columns: list  # labels, "Not answered" last
    themes: list  # Theme per row
    table: suppression.Table
    threshold: int
    people: int  # before suppression (not shown unless the table's total is)


def equality_crosstab(access, filters: Filters, dimension, threshold=suppression.DEFAULT_THRESHOLD):
    """People (consultation responses with an answer in the filtered set) counted by the themes of their
    comments (rows: a person may carry several themes) and their `dimension` category (columns: one each,
    "Not answered" when they gave none or have no equality record). Suppressed: primary below
    `threshold`, secondary wherever cells add up to a total shown (consultations.analysis.crosstab)."""
    from involve.consultations.analysis import NOT_ANSWERED
    from involve.equality.models import EqualityRecord

    rows = comments(access, filters).filter(source=Comment.Source.ANSWER, answer__isnull=False)
    pairs = (
        Label.objects.filter(APPLIES, comment__in=rows.values("pk"))
        .values_list("comment__answer__response_id", "theme_id")
        .distinct()
    )
    people = set(rows.values_list("answer__response_id", "organisation_id").distinct())
    themes_of = defaultdict(set)
    for response_id, theme_id in pairs:
        themes_of[response_id].add(theme_id)
    response_ids = {r for r, _ in people}
    field = dimension.equality_field
    found = {}
    if response_ids:
        records = access.scope(
            EqualityRecord.objects.filter(subject_kind=EqualityRecord.Subject.CONSULTATION_RESPONSE)
        ).filter(subject_id__in=rows.values("answer__response_id"))
        found = {
            (sid, org): str(v)
            for sid, org, v in records.values_list("subject_id", "organisation_id", field)
            if v not in (None, "")
        }
    known = [key for key, _ in dimension.options]
    c_index = {k: i for i, k in enumerate(known)}
    theme_ids = sorted({t for ts in themes_of.values() for t in ts})
    theme_objects = {t.pk: t for t in Theme.objects.filter(pk__in=theme_ids).select_related("category")}
    ordered = sorted(theme_objects.values(), key=lambda t: (t.category.position, t.category_id, t.position, t.pk))
    r_index = {t.pk: i for i, t in enumerate(ordered)}
    cells = [[0] * len(known) for _ in ordered]
    row_totals = [0] * len(ordered)
    column_totals = [0] * len(known)
    for response_id, org in people:
        key = found.get((response_id, org), NOT_ANSWERED)
        c = c_index.get(key, c_index[NOT_ANSWERED])
        column_totals[c] += 1
        for theme_id in themes_of.get(response_id, ()):
            cells[r_index[theme_id]][c] += 1
            row_totals[r_index[theme_id]] += 1
    if ordered:
        # A person carries several themes, so a column's cells add up to more than its total: the column
        # totals and the grand total are given (people); each row's cells add up to the row total.
        table = suppression.suppress_table(cells, threshold, column_totals=column_totals, total=len(people))
    else:
        table = suppression.Table([], [], [suppression.suppress(n, threshold) for n in column_totals], None)
    return EqualityTable(
        dimension.label, [label for _, label in dimension.options], ordered, table, threshold, len(people)
    )


def localtime(value):
    return timezone.localtime(value, LONDON)
