import types

import pytest

from involve.consultations.models import Question

from ..engagement.factories import make_activity
from .factories import make_consultation, make_import_run, make_question, make_response, make_section


@pytest.fixture
def records(cast):
    """One of every consultation record in org_a: an open consultation with a section, a question of
    every kind, a response and an import."""
    org = cast.org_a
    activity = make_activity(org, title="Elm Street listening")
    consultation = make_consultation(org, activity=activity)
    section = make_section(consultation)
    questions = {kind: make_question(consultation, kind, section=section) for kind in Question.Kind.values}
    response = make_response(
        consultation,
        {questions["free_text"]: "The bus does not go there", questions["single_choice"]: "c1"},
    )
    return types.SimpleNamespace(
        activity=activity,
        consultation=consultation,
        section=section,
        question=questions["free_text"],
        questions=questions,
        response=response,
        import_run=make_import_run(consultation),
    )


@pytest.fixture(autouse=True)
def _no_kept_pages():
    # Each test draws its own public pages (blank_page.py keeps them per process).
    from involve.consultations import blank_page

    blank_page.forget_all()
    yield
    blank_page.forget_all()
