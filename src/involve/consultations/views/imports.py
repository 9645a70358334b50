"""Imports: the list of a consultation's imports, the upload, the mapping page and the report."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from involve.core.conflicts import RecordGone
from involve.core.pages import INVALID, posted, save_form, typed_values
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from ..access import get_consultation_for_user, get_import_run_for_user
from ..imports import services
from ..imports.forms import LAYOUT_HINTS, ImportStartForm, MappingForm
from ..imports.layouts import questions_for
from ..imports.reading import FileProblem, head
from ..models import ImportRun

SECTION = "consultations"


def import_list(request, pk):
    consultation = get_consultation_for_user(request.access, pk)
    runs = consultation.imports.select_related("created_by").order_by("-created_at", "-pk")
    return render(
        request,
        "consultations/imports/import_list.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "page": paginate(request, runs),
            "can_import": request.access.can_change(consultation.organisation_id, Action.EDIT),
        },
    )


def _when(run):
    moment = timezone.localtime(run.finished_at or run.created_at)
    who = run.created_by.get_full_name() or run.created_by.email if run.created_by else "someone"
    return f"{moment:%-d %B %Y at %H:%M} by {who}"


def import_start(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.EDIT)
    form = ImportStartForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run, already = services.upload(
            consultation=consultation,
            checked=form.cleaned_data["file"],
            layout=form.cleaned_data["layout"],
            by=request.user,
        )
        if already:
            messages.info(request, f"This file was already imported on {_when(run)}. Nothing was changed.")
            return redirect("consultations:import_detail", run.pk)
        if run.state == ImportRun.State.INVALID:
            return redirect("consultations:import_detail", run.pk)
        return redirect("consultations:import_mapping", run.pk)
    return render(
        request,
        "consultations/imports/import_start.html",
        {"section": SECTION, "consultation": consultation, "form": form, "hints": LAYOUT_HINTS},
        status=INVALID if form.errors else 200,
    )


def _examples(run):
    content, kind = services.stored_content(run)
    if content is None:
        return None, {}
    try:
        table = head(content, kind)
    except FileProblem:
        return None, {}
    examples = {h: [] for h in table.headings}
    for _, raw in table.rows:
        for heading, value in zip(table.headings, raw, strict=False):
            text = "" if value is None else str(value).strip()
            if text and text not in examples[heading] and len(examples[heading]) < 3:
                examples[heading].append(text)
    return table.headings, examples


def import_mapping(request, pk):
    run = get_import_run_for_user(request.access, pk, action=Action.EDIT)
    if run.state != ImportRun.State.VALIDATING or run.task_run_id:
        return redirect("consultations:import_detail", run.pk)
    headings, examples = _examples(run)
    context = {"section": SECTION, "run": run, "consultation": run.consultation}
    if headings is None:
        return render(request, "consultations/imports/import_mapping.html", {**context, "form": None})
    importing = request.POST.get("action") == "import"
    form = MappingForm(
        posted(request),
        headings=headings,
        questions=questions_for(run.consultation, run.layout),
        mapping=run.mapping,
        importing=importing,
        examples=examples,
    )
    if importing and form.is_valid():
        try:
            saved = services.save_mapping(run=run, mapping=form.mapping(), by=request.user)
        except RecordGone:
            return render(request, "core/record_gone.html", {"typed": typed_values(form)}, status=404)
        run = services.start(run=saved, by=request.user)
        if run.state == ImportRun.State.DONE:
            messages.success(request, f"{run.rows_imported:,} responses imported.")
        return redirect("consultations:import_detail", run.pk)

    def save():
        return services.save_mapping(run=run, mapping=form.mapping(), by=request.user)

    def next_url(saved):
        return reverse("consultations:import_mapping", args=[saved.pk])

    saved_only = "Your choices are saved. Check and import the file when you are ready."
    done = None if importing else save_form(request, form, save, success=saved_only, next_url=next_url)
    if done is not None:
        return done
    return render(
        request,
        "consultations/imports/import_mapping.html",
        {**context, "form": form},
        status=INVALID if form.errors else 200,
    )


def import_detail(request, pk):
    run = get_import_run_for_user(request.access, pk)
    problems = [p for p in run.problems if p.get("row") is not None or p.get("column")]
    notes = [p for p in run.problems if p.get("row") is None and not p.get("column")]
    context = {
        "section": SECTION,
        "run": run,
        "consultation": run.consultation,
        "problems": problems,
        "notes": notes,
        "task": run.task_run,
        "running": run.state in (ImportRun.State.VALIDATING, ImportRun.State.IMPORTING) and run.task_run_id,
        "can_import": request.access.can_change(run.consultation.organisation_id, Action.EDIT),
        "when": _when(run) if run.state == ImportRun.State.DONE else "",
        "detail_url": reverse("consultations:import_detail", args=[run.pk]),
    }
    if request.headers.get("HX-Request"):
        return render(request, "consultations/imports/_status.html", context)
    return render(request, "consultations/imports/import_detail.html", context)
