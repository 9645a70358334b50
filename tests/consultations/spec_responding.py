"""The responding part's declarations for the project-wide tests (see spec.py): the public hub and
response pages (no sign-in), the staff preview and paper entry."""

from involve.organisations.permissions import Action

from ..matrix import OBJECT
from .world import records_for

_P = "have_your_say:"
PUBLIC_PAGES = (
    "hub",
    "consultation",
    "respond",
    "privacy",
    "document",
    "closed",
    "confirmation",
    "language",
    "resume",
    "page",
    "about_you",
    "check",
    "saved",
)
PUBLIC = {f"{_P}{name}" for name in PUBLIC_PAGES}

ROWS = [
    ("consultations:preview", "consultation", Action.EDIT, OBJECT),
    ("consultations:paper_entry", "consultation", Action.EDIT, OBJECT),
]
EXEMPT = {
    name: "a public page, no sign-in: tests/consultations/test_responding.py and test_responding_permissions.py"
    for name in PUBLIC
}


def _consultation(w):
    c = records_for(w).consultation
    return {"org": c.organisation_id, "slug": c.slug}


def _draft(w, **extra):
    from involve.consultations.submission import new_draft

    _draft_obj, token = new_draft(records_for(w).consultation)
    return {"token": token, **extra}


def _document(w):
    from ..engagement.factories import make_activity, make_file_evidence

    c = records_for(w).consultation
    evidence = make_file_evidence(make_activity(w.org_a, title="Walk listening"), title="The proposal")
    c.documents.add(evidence)
    return {"org": c.organisation_id, "slug": c.slug, "pk": evidence.pk}


OBJECTS = {
    f"{_P}hub": lambda w: {"org": w.org_a.pk},
    f"{_P}document": _document,
    **{f"{_P}{name}": _consultation for name in ("consultation", "respond", "privacy", "closed")},
    f"{_P}confirmation": lambda w: {**_consultation(w), "reference": records_for(w).response.reference},
    **{f"{_P}{name}": _draft for name in ("resume", "about_you", "check", "saved")},
    f"{_P}page": lambda w: _draft(w, number=1),
    "consultations:preview": lambda w: {"pk": records_for(w).consultation.pk},
    "consultations:paper_entry": lambda w: {"pk": records_for(w).consultation.pk},
}

ADD = "add"
FORMS = {
    f"{_P}respond": ADD,
    f"{_P}page": ADD,
    f"{_P}check": ADD,
    f"{_P}saved": ADD,
    "consultations:paper_entry": ADD,
}
FORM_EXEMPT = {
    # Equality monitoring questions are optional by law and design: sending the page empty is a valid
    # answer ("nothing said about me"), so the empty-post test does not apply. Its refusals (a code not
    # offered, answers without consent) are tested in tests/consultations/test_responding.py.
    f"{_P}about_you": "every equality question is optional: an empty page is a valid answer",
    # The preview stores nothing: sending one of its pages only checks it (and, like a middle page of
    # a long survey, an empty optional page passes).
    "consultations:preview": "stores nothing; a page of optional questions sent empty passes its checks",
}
