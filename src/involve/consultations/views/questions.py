"""Sections and questions of a consultation: add, change, delete and move."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core.pages import INVALID, confirm_delete, form_view, posted
from involve.organisations.permissions import Action

from .. import services
from ..access import get_consultation_for_user, get_question_for_user, get_section_for_user
from ..forms import QuestionForm, SectionForm
from ..services import code_label

SECTION = "consultations"


def _detail(consultation, anchor=""):
    return reverse("consultations:consultation_detail", args=[consultation.pk]) + anchor


def section_add(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.EDIT)
    form = SectionForm(posted(request), consultation=consultation)
    return form_view(
        request,
        form,
        lambda: services.section_create(by=request.user, consultation=consultation, **form.changes()),
        success=lambda s: f"The section ‘{s.title}’ has been added.",
        next_url=lambda s: _detail(consultation, f"#section-{s.pk}"),
        title="Add a section",
        caption=consultation.title,
        section=SECTION,
        cancel_url=_detail(consultation),
    )


def section_edit(request, pk):
    section = get_section_for_user(request.access, pk, action=Action.EDIT)
    consultation = section.consultation
    form = SectionForm(posted(request), consultation=consultation, section=section)
    return form_view(
        request,
        form,
        lambda: services.section_update(by=request.user, section=section, **form.changes()),
        success="The section has been saved.",
        next_url=lambda s: _detail(consultation, f"#section-{s.pk}"),
        title="Change the section",
        caption=consultation.title,
        section=SECTION,
        cancel_url=_detail(consultation),
    )


def section_delete(request, pk):
    section = get_section_for_user(request.access, pk, action=Action.MANAGE)
    consultation = section.consultation
    return confirm_delete(
        request,
        obj=section,
        section=SECTION,
        delete=lambda: services.section_delete(by=request.user, section=section),
        title=f"Delete the section ‘{section.title}’?",
        message="Only an empty section can be deleted: move or delete its questions first.",
        cancel_url=_detail(consultation),
        done_url=_detail(consultation),
        done_message=f"The section ‘{section.title}’ has been deleted.",
    )


def question_add(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.EDIT)
    form = QuestionForm(posted(request), consultation=consultation)
    if request.method == "GET" and request.GET.get("section", "").isdecimal():
        form.initial["section"] = int(request.GET["section"][:12])
    return form_view(
        request,
        form,
        lambda: services.question_create(by=request.user, consultation=consultation, **form.changes()),
        success=lambda q: f"The question ‘{code_label(q)}’ has been added.",
        next_url=lambda q: _detail(consultation, f"#question-{q.pk}"),
        title="Add a question",
        caption=consultation.title,
        section=SECTION,
        cancel_url=_detail(consultation),
        template="consultations/question_form.html",
    )


def question_edit(request, pk):
    question = get_question_for_user(request.access, pk, action=Action.EDIT)
    consultation = question.consultation
    form = QuestionForm(posted(request), consultation=consultation, question=question)
    return form_view(
        request,
        form,
        lambda: services.question_update(by=request.user, question=question, **form.changes()),
        success=f"The question ‘{code_label(question)}’ has been saved.",
        next_url=lambda q: _detail(consultation, f"#question-{q.pk}"),
        title=f"Change the question ‘{code_label(question)}’",
        caption=consultation.title,
        section=SECTION,
        cancel_url=_detail(consultation),
        template="consultations/question_form.html",
    )


def question_delete(request, pk):
    question = get_question_for_user(request.access, pk, action=Action.MANAGE)
    consultation = question.consultation
    return confirm_delete(
        request,
        obj=question,
        section=SECTION,
        delete=lambda: services.question_delete(by=request.user, question=question),
        title=f"Delete the question ‘{code_label(question)}’?",
        message=f"‘{question.text}’ is deleted. A question that has answers, or that other questions depend on, "
        "cannot be deleted.",
        cancel_url=_detail(consultation),
        done_url=_detail(consultation),
        done_message=f"The question ‘{code_label(question)}’ has been deleted.",
    )


def question_move(request, pk):
    """POST direction=up or down. Without JavaScript the detail page's buttons post here; GET shows
    the same two buttons on their own."""
    question = get_question_for_user(request.access, pk, action=Action.EDIT)
    consultation = question.consultation
    error = None
    if request.method == "POST":
        try:
            services.question_move(by=request.user, question=question, direction=request.POST.get("direction", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
            messages.error(request, error)
        else:
            messages.success(request, f"The question ‘{code_label(question)}’ has been moved.")
        return redirect(_detail(consultation, f"#question-{question.pk}"))
    return render(
        request,
        "consultations/question_move.html",
        {"section": SECTION, "consultation": consultation, "question": question, "error": error},
        status=INVALID if error else 200,
    )
