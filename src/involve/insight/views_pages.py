"""The insight pages: themes by category with counts, shares and sentiment (overview), trends by month,
two periods compared, one theme's comments and representative quotes, duplicate groups (and marking a
campaign), themes by an equality characteristic (aggregates, suppressed) and the export of the counts.

Reading (VIEW) is enough for every page; confirming or removing a quote, asking for suggestions and
marking a campaign need EDIT in the record's own organisation. Pages show the masked text of comments
only. Thin: the reads are in selectors.py, the writes in quotes.py and duplicates.py.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from involve.audit import services as audit
from involve.core.exports import csv_response, xlsx_response
from involve.core.pages import EXPORT_FORMATS, INVALID, posted
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from . import access as insight_access
from . import (
    audit_actions_pages,  # noqa: F401  (registers insight.export)
    charts,
    duplicates,
    exports,
    quotes,
    selectors,
)
from .forms_pages import CampaignForm, CompareForm, EqualityForm, FilterForm, GroupFilterForm, SearchForm
from .models import Comment

SECTION = "insight"
PAGE_SIZE = 25


def _context(request, **extra):
    return {
        "section": SECTION,
        "open_flags": insight_access.open_flag_count(request.access),
        "sentiments": list(Comment.Sentiment3),
        **extra,
    }


def _filters(request):
    request.access.require(Action.VIEW)
    form = FilterForm(request.GET or None, access=request.access)
    return form, form.filters()


def _query(request, drop=()):
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def overview(request):
    form, filters = _filters(request)
    counts = selectors.theme_counts(request.access, filters)
    for category in counts.categories:
        category.chart = charts.bar_chart(
            f"{category.category.name}: comments by theme",
            charts.theme_bars(category.themes),
            base_text=f"Base: {counts.base} {'groups and single comments' if counts.by_group else 'comments'}",
            chart_id=f"category-{category.category.pk}",
        )
    return render(
        request,
        "insight/pages/overview.html",
        _context(
            request,
            form=form,
            counts=counts,
            query=_query(request),
            exports={fmt: reverse("insight:export", args=[fmt]) for fmt in EXPORT_FORMATS},
        ),
        status=INVALID if form.errors else 200,
    )


def trends(request):
    form, filters = _filters(request)
    trend = selectors.trends(request.access, filters)
    chart = charts.trend_chart("Themes month by month", trend.months, trend.series) if trend.months else None
    return render(
        request,
        "insight/pages/trends.html",
        _context(request, form=form, trend=trend, chart=chart, by_group=filters.by_group, query=_query(request)),
        status=INVALID if form.errors else 200,
    )


def compare(request):
    form, filters = _filters(request)
    periods_form = CompareForm(request.GET if "first_from-day" in request.GET else None)
    comparison = None
    if periods_form.is_bound and periods_form.is_valid():
        first, second = periods_form.periods()
        comparison = selectors.compare(request.access, filters, first, second)
        comparison.first, comparison.second = first, second
    invalid = form.errors or (periods_form.is_bound and periods_form.errors)
    return render(
        request,
        "insight/pages/compare.html",
        _context(request, form=form, periods_form=periods_form, comparison=comparison, by_group=filters.by_group),
        status=INVALID if invalid else 200,
    )


def theme_detail(request, pk):
    form, filters = _filters(request)
    theme = selectors.get_theme_for_user(request.access, pk)
    search = SearchForm(request.GET or None)
    words = search.cleaned_data.get("q", "") if search.is_bound and search.is_valid() else ""
    page = paginate(request, selectors.theme_comments(request.access, filters, theme, search=words), PAGE_SIZE)
    confirmed, suggested = selectors.quotes_for(request.access, theme)
    organisation = request.access.organisation
    can_edit = request.access.can_change(organisation.pk, Action.EDIT)
    return render(
        request,
        "insight/pages/theme.html",
        _context(
            request,
            form=form,
            search=search,
            theme=theme,
            page=page,
            confirmed=confirmed,
            suggested=suggested,
            can_edit=can_edit,
            own_organisation=organisation.pk,
            query=_query(request, drop=("page",)),
        ),
        status=INVALID if form.errors or search.errors else 200,
    )


@require_POST
def quotes_suggest(request, pk):
    theme = selectors.get_theme_for_user(request.access, pk)
    access = request.access
    if not access.can_change(access.organisation.pk, Action.EDIT):
        raise PermissionDenied
    made = quotes.propose(organisation=access.organisation, theme=theme, by=request.user)
    if made:
        messages.success(request, f"{len(made)} quote{'s' if len(made) != 1 else ''} suggested: confirm or remove each")
    else:
        messages.info(request, "No more comments to suggest: the theme has its quotes, or none fits")
    return redirect("insight:theme_detail", theme.pk)


@require_POST
def quote_confirm(request, pk):
    quote = selectors.get_quote_for_user(request.access, pk, action=Action.EDIT)
    quotes.confirm(quote=quote, by=request.user)
    messages.success(request, "Quote confirmed: it is now shown as a representative quote")
    return redirect("insight:theme_detail", quote.theme_id)


@require_POST
def quote_remove(request, pk):
    quote = selectors.get_quote_for_user(request.access, pk, action=Action.EDIT)
    quotes.remove(quote=quote, by=request.user)
    messages.success(request, "Quote removed: it will not be suggested again")
    return redirect("insight:theme_detail", quote.theme_id)


def duplicates_list(request):
    request.access.require(Action.VIEW)
    form = GroupFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.groups(request.access, kind=values.get("kind", ""), campaign=values.get("campaign", ""))
    summary = duplicates.group_summary(selectors.groups(request.access))
    page = paginate(request, rows, PAGE_SIZE)
    return render(
        request,
        "insight/pages/duplicates.html",
        _context(request, form=form, page=page, summary=summary),
        status=INVALID if form.errors else 200,
    )


def duplicate_detail(request, pk):
    group = selectors.get_group_for_user(request.access, pk)
    page = paginate(request, selectors.group_comments(group), PAGE_SIZE)
    can_edit = request.access.can_change(group.organisation_id, Action.EDIT)
    form = CampaignForm(initial={"is_campaign": "yes" if group.is_campaign else "no"})
    return render(
        request,
        "insight/pages/duplicate.html",
        _context(request, group=group, page=page, can_edit=can_edit, form=form),
    )


@require_POST
def duplicate_campaign(request, pk):
    group = selectors.get_group_for_user(request.access, pk, action=Action.EDIT)
    form = CampaignForm(posted(request))
    if not form.is_valid():
        page = paginate(request, selectors.group_comments(group), PAGE_SIZE)
        return render(
            request,
            "insight/pages/duplicate.html",
            _context(request, group=group, page=page, can_edit=True, form=form),
            status=INVALID,
        )
    duplicates.mark_campaign(group=group, is_campaign=form.cleaned_data["is_campaign"], by=request.user)
    messages.success(
        request, "Marked as an organised campaign" if form.cleaned_data["is_campaign"] else "Marked as not a campaign"
    )
    return redirect("insight:duplicate_detail", group.pk)


def equality(request):
    form, filters = _filters(request)
    choice = EqualityForm(request.GET if "characteristic" in request.GET else None)
    result = None
    if choice.is_bound and choice.is_valid():
        result = selectors.equality_crosstab(request.access, filters, choice.dimension())
    return render(
        request,
        "insight/pages/equality.html",
        _context(request, form=form, choice=choice, result=result),
        status=INVALID if form.errors or (choice.is_bound and choice.errors) else 200,
    )


def export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form, filters = _filters(request)
    counts = selectors.theme_counts(request.access, filters)
    header, rows = exports.theme_count_rows(counts)
    name = "insight-theme-counts"
    response = csv_response(header, rows, name) if fmt == "csv" else xlsx_response(header, rows, name, title="Themes")
    audit.record(
        action="insight.export",
        by=request.user,
        organisation=request.access.organisation,
        new={"format": fmt, "rows": len(rows), "filters": request.GET.urlencode()[:500]},
    )
    response.audited = True
    return response
