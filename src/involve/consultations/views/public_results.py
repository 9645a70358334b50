"""The public results page of a consultation (no sign-in): what we heard and what we did, the
closed-question charts with small numbers suppressed, and the responses approved for publication,
each showing only its masked text."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import render

from involve.core.pagination import paginate

from .. import analysis, scales
from ..models import Answer, Consultation, Response
from .analysis import with_charts

PAGE_SIZE = 20


def published_responses(consultation):
    """Responses whose authors agreed to publication and that a moderator approved, with their masked
    free-text answers (never the original text)."""
    masked = Answer.objects.filter(question__kind__in=scales.TEXT_KINDS).exclude(masked_text="")
    return (
        consultation.responses.filter(publish_consent=True, moderation=Response.Moderation.APPROVED)
        .filter(Exists(masked.filter(response=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=masked.select_related("question")
                .order_by("question__position", "question__pk")
                .only("pk", "response_id", "masked_text", "question__text", "question__position"),
                to_attr="published_answers",
            )
        )
        .order_by("submitted_at", "pk")
    )


@login_not_required
def results(request, org, slug):
    consultation = (
        Consultation.objects.select_related("organisation")
        .filter(organisation_id=org, slug=slug, state=Consultation.State.RESULTS_PUBLISHED)
        .first()
    )
    if consultation is None:
        raise Http404
    page = paginate(request, published_responses(consultation), per_page=PAGE_SIZE)
    return render(
        request,
        "consultations/public_results/results.html",
        {
            "consultation": consultation,
            "result": with_charts(analysis.analyse(consultation), prefix="results"),
            "page": page,
        },
    )
