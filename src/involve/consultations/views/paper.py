"""Staff pages of the responding part: the preview (the public pages exactly, answers not stored) and
paper or face-to-face entry (the same questions and validation, with the channel and date received)."""

import datetime

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from involve.core.forms import Form, NHSDateField
from involve.organisations.permissions import Action

from .. import responding, submission
from ..access import get_consultation_for_user
from ..models import Response
from . import public

INVALID = 400
STAFF_CHANNELS = [
    (Response.Channel.PAPER, Response.Channel.PAPER.label),
    (Response.Channel.FACE_TO_FACE, Response.Channel.FACE_TO_FACE.label),
    (Response.Channel.PHONE, Response.Channel.PHONE.label),
    (Response.Channel.EMAIL, Response.Channel.EMAIL.label),
]


def preview(request, pk):
    """The public page of the survey, page by page (?page=), exactly as people see it. Sending a page
    checks it and stores nothing."""
    consultation = get_consultation_for_user(request.access, pk, action=Action.EDIT)
    survey = responding.survey_for(consultation)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = survey.page(number) or (survey.pages[0] if survey.pages else None)
    if page is None:
        return render(request, "consultations/public/no_questions.html", public._common(consultation, preview=True))
    one_page = consultation.paging == consultation.Paging.ALL
    data = request.POST if request.method == "POST" else None
    form = responding.QuestionsForm(
        data,
        questions=page.questions,
        all_questions=survey.questions,
        equality=one_page and consultation.ask_equality,
        honeypot=one_page,
    )
    checked = data is not None and form.is_valid()
    base = reverse("consultations:preview", args=[consultation.pk])
    context = public._page_context(
        request,
        consultation,
        survey,
        page,
        form,
        preview=True,
        preview_checked=checked,
        preview_previous=f"{base}?page={page.number - 1}" if page.number > 1 else None,
        preview_next=f"{base}?page={page.number + 1}" if page.number < len(survey.pages) else None,
        back_url=reverse("consultations:consultation_detail", args=[consultation.pk]),
    )
    return public._render_page(request, context)


class PaperForm(Form):
    channel = forms.ChoiceField(label="How the response reached you", choices=STAFF_CHANNELS, widget=forms.RadioSelect)
    received = NHSDateField(label="Date received", help_text="For example, 15 3 2026")
    publish_consent = forms.BooleanField(
        label="The person agreed that what they wrote may be published, with personal details removed",
        required=False,
    )

    def clean_received(self):
        value = self.cleaned_data.get("received")
        if value and value > timezone.localdate():
            raise forms.ValidationError("Date received must be today or in the past")
        return value


def paper_entry(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.EDIT)
    survey = responding.survey_for(consultation, paging=consultation.Paging.ALL)
    data = request.POST if request.method == "POST" else None
    questions = responding.QuestionsForm(
        data,
        questions=survey.questions,
        equality=consultation.ask_equality,
        require_something=True,
    )
    details = PaperForm(data)
    if data is not None:
        ok = questions.is_valid() & details.is_valid()
        token = submission.read_form_token(consultation, data.get("form_token"))
        if ok and token is None:
            questions.add_error(None, "This form was open too long or was changed: check the answers and save again.")
            ok = False
        if ok:
            received = details.cleaned_data["received"]
            at = timezone.make_aware(datetime.datetime.combine(received, datetime.time(12, 0)))
            response = submission.submit(
                consultation,
                questions.answers,
                questions.equality_answers,
                channel=details.cleaned_data["channel"],
                idempotency_key=token.key,
                by=request.user,
                at=at,
                publish_consent=details.cleaned_data["publish_consent"],
                consented=questions.consent,
                postcode=submission.postcode_of(survey.questions, questions.answers),
                questions=survey.questions,
            )
            messages.success(request, f"Response {response.reference} entered. You can enter another below.")
            return redirect("consultations:paper_entry", pk=consultation.pk)
    context = public._page_context(request, consultation, survey, survey.pages[0] if survey.pages else None, questions)
    context.update(
        section="consultations",
        details=details,
        errors=responding_errors(questions, details),
        cancel_url=reverse("consultations:consultation_detail", args=[consultation.pk]),
    )
    status = INVALID if questions.errors or details.errors else 200
    return render(request, "consultations/public/paper_entry.html", context, status=status)


def responding_errors(*forms_):
    from involve.core.forms import error_list

    items = []
    for form in forms_:
        items += error_list(form)
    return items
