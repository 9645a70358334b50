"""Moderation pages: the queue of responses whose authors agreed to publication and wrote something,
each with its masked text; approving or withholding one (MANAGE). The original text is shown only to
people who may moderate; everyone else who may read the consultation sees the masked text only."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core import forms as core_forms
from involve.core.pages import INVALID, apply_errors
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from .. import moderation, scales
from ..access import get_consultation_for_user, get_response_for_user
from ..models import ANSWER_MAX_LENGTH, Answer, Response

SECTION = "consultations"
PAGE_SIZE = 20
STATES = [("", "Any state"), *Response.Moderation.choices]
DECISIONS = [
    (moderation.APPROVE, "Approve for publication (the masked text only)"),
    (moderation.WITHHOLD, "Do not publish"),
    (moderation.LEAVE, "Leave it for now"),
]


class ModerationForm(core_forms.Form):
    decision = forms.ChoiceField(label="Publish this response?", widget=forms.RadioSelect, choices=DECISIONS)
    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, data=None, *, response, answers, **kwargs):
        kwargs.setdefault("prefix", f"r{response.pk}")
        current = response.moderation
        initial = {"decision": current, "seen": moderation.seen_token(response)}
        super().__init__(data, initial=initial, **kwargs)
        self.response = response
        self.answers = answers
        for answer in answers:
            self.fields[f"masked_{answer.pk}"] = forms.CharField(
                label=f"Text to publish for ‘{answer.question.text}’",
                required=False,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=moderation.suggestion(answer),
                help_text="Check the masking, and mask anything else that could identify someone",
            )
        core_forms.humanise_errors(self)

    def masked_texts(self):
        return {a.pk: self.cleaned_data.get(f"masked_{a.pk}", "") for a in self.answers}


def _with_text(responses):
    text = Answer.objects.filter(response=OuterRef("pk"), question__kind__in=scales.TEXT_KINDS).exclude(text="")
    return responses.filter(Exists(text))


def _answers_by_response(responses):
    by_response = {}
    answers = (
        Answer.objects.filter(response__in=responses, question__kind__in=scales.TEXT_KINDS)
        .exclude(text="")
        .select_related("question")
        .order_by("question__position", "question__pk")
    )
    for answer in answers:
        answer.suggested, answer.findings = moderation.mask(answer.text)
        answer.suggested = answer.masked_text or answer.suggested
        by_response.setdefault(answer.response_id, []).append(answer)
    return by_response


def _items(responses, can_manage, forms_by_response=None):
    by_response = _answers_by_response(responses)
    items = []
    for response in responses:
        answers = by_response.get(response.pk, [])
        form = None
        if can_manage:
            form = (forms_by_response or {}).get(response.pk) or ModerationForm(response=response, answers=answers)
        items.append({"response": response, "answers": answers, "form": form})
    return items


def moderation_queue(request, pk):
    access = request.access
    consultation = get_consultation_for_user(access, pk)
    can_manage = access.can_change(consultation.organisation_id, Action.MANAGE)
    state = request.GET.get("state", "")
    if state not in dict(STATES):
        state = ""
    rows = _with_text(consultation.responses.filter(publish_consent=True))
    if state:
        rows = rows.filter(moderation=state)
    page = paginate(request, rows.order_by("submitted_at", "pk"), per_page=PAGE_SIZE)
    return render(
        request,
        "consultations/analysis/moderation.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "page": page,
            "items": _items(list(page.object_list), can_manage),
            "can_manage": can_manage,
            "states": STATES,
            "state": state,
        },
    )


def moderate(request, pk):
    """One response's moderation: the same form as in the queue, on its own page; POST saves it."""
    response = get_response_for_user(request.access, pk, action=Action.MANAGE)
    consultation = response.consultation
    queue = reverse("consultations:moderation", args=[consultation.pk])
    answers = _answers_by_response([response]).get(response.pk, [])
    form = None
    status = 200
    if response.publish_consent and answers:
        form = ModerationForm(request.POST if request.method == "POST" else None, response=response, answers=answers)
        if form.is_bound:
            if form.is_valid():
                try:
                    moderation.moderate_response(
                        by=request.user,
                        response=response,
                        decision=form.cleaned_data["decision"],
                        masked_texts=form.masked_texts(),
                        seen=form.cleaned_data["seen"],
                    )
                except moderation.ModeratedMeanwhile:
                    messages.error(
                        request,
                        f"Someone else moderated response {response.reference} after you opened the page, so "
                        "nothing was saved. Check their decision below.",
                    )
                    return redirect(reverse("consultations:moderate", args=[response.pk]))
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, f"Response {response.reference} has been moderated.")
                    return redirect(queue)
            status = INVALID
    elif request.method == "POST":
        status = INVALID
    return render(
        request,
        "consultations/analysis/moderate.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "response": response,
            "item": {"response": response, "answers": answers, "form": form},
            "can_manage": True,
            "queue_url": queue,
        },
        status=status,
    )
