"""The analysis part's declarations for the project-wide tests (see spec.py): counts, cross-tabs,
exports, the summary report, moderation and the public results page."""

from involve.consultations.models import Consultation, Response
from involve.organisations.permissions import Action

from ..matrix import OBJECT
from .world import records_for

_C = "consultations:"

ROWS = [
    (f"{_C}{name}", needs, action, kind)
    for name, needs, action, kind in [
        ("analysis", "consultation", Action.VIEW, OBJECT),
        ("crosstab", "consultation", Action.VIEW, OBJECT),
        ("summary", "consultation", Action.VIEW, OBJECT),
        ("summary_pdf", "consultation", Action.VIEW, OBJECT),
        ("moderation", "consultation", Action.VIEW, OBJECT),
        ("moderate", "response", Action.MANAGE, OBJECT),
    ]
]
EXEMPT = {
    f"{_C}response_export": "takes a consultation and a format: every role in "
    "tests/consultations/test_analysis_permissions.py",
    "have_your_say:results": "public, no sign-in: tests/consultations/test_analysis_public.py",
}


def _pk(record):
    return lambda w: {"pk": getattr(records_for(w), record).pk}


def results_for(w):
    """A consultation with its results published, with one approved response, made on first use."""
    if not hasattr(w, "published_results"):
        from .factories import make_consultation, make_question, make_response

        consultation = make_consultation(
            w.org_a,
            title="Walk results",
            state=Consultation.State.RESULTS_PUBLISHED,
            results_summary="We heard that parking is hard. We are adding spaces.",
        )
        choice = make_question(consultation, "single_choice")
        text = make_question(consultation, "free_text")
        for i in range(6):
            response = make_response(
                consultation,
                {choice: "c1", text: f"Comment {i}"},
                publish_consent=True,
                moderation=Response.Moderation.APPROVED,
            )
            response.answers.filter(question=text).update(masked_text=f"Comment {i}")
        w.published_results = consultation
    return w.published_results


OBJECTS = {
    **{f"{_C}{name}": _pk("consultation") for name in ("analysis", "crosstab", "summary", "summary_pdf", "moderation")},
    f"{_C}response_export": lambda w: {"pk": records_for(w).consultation.pk, "fmt": "csv"},
    f"{_C}moderate": _pk("response"),
    "have_your_say:results": lambda w: {"org": results_for(w).organisation_id, "slug": results_for(w).slug},
}
FORMS = {}
FORM_EXEMPT = {
    f"{_C}moderation": "one moderation form per response, posting to consultations:moderate: "
    "tests/consultations/test_analysis_moderation.py",
    f"{_C}moderate": "a moderation decision, not a record edit (saving 'leave it for now' stores nothing): "
    "tests/consultations/test_analysis_moderation.py",
}
PUBLIC = {"have_your_say:results"}
