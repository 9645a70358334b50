"""Equality pages: the aggregate report (anyone who may read the organisation's records), the
person-level records (the equality-data permission only) and the deprivation lookups (MANAGE)."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from involve.core.pages import INVALID
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from . import lookups as lookup_files
from .categories import CATEGORIES
from .forms import LookupForm, ReportFilterForm
from .models import EqualityRecord
from .reports import report as build_report

SECTION = "equality"


def _day_start(day):
    return datetime.datetime.combine(day, datetime.time.min, timezone.get_current_timezone())


def report(request):
    access = request.access
    access.require(Action.VIEW)
    form = ReportFilterForm(request.GET or None)
    records = access.scope(EqualityRecord.objects.filter(subject_kind=EqualityRecord.Subject.CONSULTATION_RESPONSE))
    if date_from := form.value("date_from"):
        records = records.filter(created_at__gte=_day_start(date_from))
    if date_to := form.value("date_to"):
        records = records.filter(created_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    return render(
        request,
        "equality/report.html",
        {
            "section": SECTION,
            "form": form,
            "report": build_report(records),
            "can_read_records": access.can(Action.VIEW_EQUALITY_DATA),
            "can_manage": access.can(Action.MANAGE),
        },
    )


def records(request):
    """Person-level equality answers of the active organisation: the equality-data permission only."""
    access = request.access
    access.require(Action.VIEW_EQUALITY_DATA)
    rows = EqualityRecord.objects.filter(organisation=access.organisation).order_by("-created_at", "pk")
    page = paginate(request, rows)
    for record in page.object_list:
        record.answers = [
            category.labels.get(getattr(record, category.key), "") or "Not answered" for category in CATEGORIES
        ]
    return render(
        request,
        "equality/records.html",
        {"section": SECTION, "page": page, "categories": CATEGORIES},
    )


def lookups(request):
    access = request.access
    access.require(Action.MANAGE)
    form = LookupForm(request.POST, request.FILES) if request.method == "POST" else LookupForm()
    problems = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = lookup_files.load(
                    by=request.user,
                    organisation=access.organisation,
                    postcodes=form.cleaned_data["postcodes"].content if form.cleaned_data.get("postcodes") else None,
                    deprivation=form.cleaned_data["deprivation"].content
                    if form.cleaned_data.get("deprivation")
                    else None,
                )
            except lookup_files.LookupInvalid as exc:
                problems = exc.problems
                form.add_error(None, "Nothing was imported: the files have the problems listed below")
            else:
                parts = []
                if "postcodes" in result:
                    r = result["postcodes"]
                    parts.append(f"{r.rows:,} postcodes ({r.new:,} new)")
                if "deprivation" in result:
                    r = result["deprivation"]
                    parts.append(f"{r.rows:,} areas' deprivation deciles ({r.new:,} new)")
                messages.success(request, "Imported " + " and ".join(parts) + ".")
                return redirect("equality:lookups")
        status = INVALID
    return render(
        request,
        "equality/lookups.html",
        {
            "section": SECTION,
            "form": form,
            "problems": problems,
            "counts": lookup_files.counts(),
            "labels": {"postcodes": "Postcode directory", "deprivation": "Deprivation file"},
        },
        status=status,
    )
