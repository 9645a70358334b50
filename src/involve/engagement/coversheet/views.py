"""The cover sheet page, its PDF and DOCX downloads, and the board paper details form.

Reading needs view rights on the decision (a region reads the ICBs below it); the details form
needs edit rights in the decision's own organisation: get_decision_for_user answers 404 for
another organisation's decision and 403 for one the person may read but not change.

A download is drawn in the request when the sheet is small; a large one (limits.is_large) is made
by a background task after the person asks with a button, and its progress page is the task's own
(site: only the person who asked sees it). Either way a file made once is served from the cache
until the record changes.
"""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from involve.core.exports import download_response
from involve.core.pages import form_view
from involve.organisations.permissions import Action

from ..access import get_decision_for_user
from ..models import BoardPaper
from . import limits
from .build import build_cover_sheet
from .forms import BoardPaperForm
from .services import RENDERS_PER_PERSON, TooManyRenders, board_paper_save, cover_sheet_render_start


def _downloads(sheet):
    """For each format: its link, and whether it must be made in the background first (a button)."""
    return [
        {
            "fmt": fmt,
            "name": name,
            "url": reverse(f"engagement:cover_sheet_{fmt}", args=[sheet.decision_id]),
            "background": limits.is_large(sheet, fmt) and not limits.is_cached(sheet, fmt),
        }
        for fmt, (_, name) in limits.FORMATS.items()
    ]


@require_http_methods(["GET", "HEAD"])
def cover_sheet(request, pk):
    decision = get_decision_for_user(request.access, pk)
    sheet = build_cover_sheet(decision)
    return render(
        request,
        "engagement/documents/cover_sheet.html",
        {
            "sheet": sheet,
            "decision": decision,
            "downloads": _downloads(sheet),
            "can_edit": request.access.can_change(decision.organisation_id, Action.EDIT),
        },
    )


def _cover_sheet_file(request, pk, fmt):
    """GET: the file, from the cache or drawn now; for a large sheet not made yet, a page offering to make it.
    POST: start making a large sheet's file in the background, and show its progress."""
    decision = get_decision_for_user(request.access, pk)
    sheet = build_cover_sheet(decision)
    content_type, name = limits.FORMATS[fmt]
    large = limits.is_large(sheet, fmt)
    if request.method == "POST":
        if not large or limits.is_cached(sheet, fmt):
            return redirect(request.path)
        try:
            run = cover_sheet_render_start(
                by=request.user, organisation=request.access.organisation, decision=decision, fmt=fmt
            )
        except TooManyRenders as busy:
            context = {"sheet": sheet, "runs": busy.runs, "limit": RENDERS_PER_PERSON}
            return render(request, "engagement/documents/cover_sheet_busy.html", context, status=429)
        return redirect("task_run", pk=run.pk)
    content = limits.cached(sheet, fmt) if large else limits.file_in_request(sheet, fmt)
    if content is None:
        context = {"sheet": sheet, "fmt": fmt, "name": name, "action": request.path}
        return render(request, "engagement/documents/cover_sheet_large.html", context)
    return download_response(content, f"{sheet.filename_stem}.{fmt}", content_type)


@require_http_methods(["GET", "HEAD", "POST"])
def cover_sheet_pdf(request, pk):
    return _cover_sheet_file(request, pk, "pdf")


@require_http_methods(["GET", "HEAD", "POST"])
def cover_sheet_docx(request, pk):
    return _cover_sheet_file(request, pk, "docx")


@require_http_methods(["GET", "POST"])
def cover_sheet_details(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.EDIT)
    paper = BoardPaper.objects.filter(decision=decision).first()
    instance = paper or BoardPaper(organisation=decision.organisation, decision=decision)
    form = BoardPaperForm(request.POST if request.method == "POST" else None, instance=instance)
    cover_sheet_url = reverse("engagement:cover_sheet", args=[decision.pk])
    return form_view(
        request,
        form,
        lambda: board_paper_save(by=request.user, decision=decision, revision=form.revision, **form.changes()),
        success="The board paper details have been saved.",
        next_url=lambda _: cover_sheet_url,
        title="Board paper details",
        caption=decision.title,
        intro="What the front of the cover sheet says about the meeting the paper goes to.",
        section="decisions",
        cancel_url=cover_sheet_url,
    )
