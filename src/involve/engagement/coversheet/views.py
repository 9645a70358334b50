"""The cover sheet page, its PDF and DOCX downloads, and the board paper details form.

Reading needs view rights on the decision (a region reads the ICBs below it); the details form
needs edit rights in the decision's own organisation: get_decision_for_user answers 404 for
another organisation's decision and 403 for one the person may read but not change.
"""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from involve.core.exports import download_response
from involve.core.pages import form_view
from involve.organisations.permissions import Action

from ..access import get_decision_for_user
from ..models import BoardPaper
from .build import build_cover_sheet
from .docx import render_docx
from .forms import BoardPaperForm
from .pdf import render_pdf
from .services import board_paper_save

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_http_methods(["GET", "HEAD"])
def cover_sheet(request, pk):
    decision = get_decision_for_user(request.access, pk)
    return render(
        request,
        "engagement/documents/cover_sheet.html",
        {
            "sheet": build_cover_sheet(decision),
            "decision": decision,
            "can_edit": request.access.can_change(decision.organisation_id, Action.EDIT),
        },
    )


@require_http_methods(["GET", "HEAD"])
def cover_sheet_pdf(request, pk):
    sheet = build_cover_sheet(get_decision_for_user(request.access, pk))
    return download_response(render_pdf(sheet), f"{sheet.filename_stem}.pdf", "application/pdf")


@require_http_methods(["GET", "HEAD"])
def cover_sheet_docx(request, pk):
    sheet = build_cover_sheet(get_decision_for_user(request.access, pk))
    return download_response(render_docx(sheet), f"{sheet.filename_stem}.docx", DOCX_TYPE)


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
