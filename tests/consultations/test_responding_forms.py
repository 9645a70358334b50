"""The project-wide form tests (tests/project/test_forms.py), run on the responding part's forms alone,
so a failure in another part's form cannot hide one here; and Hypothesis over the validator."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from involve.consultations import responding, submission
from involve.consultations.models import Consultation, Response

from ..e2e.pages import urls_to_visit
from ..project.test_forms import (
    HEADER_INJECTION,
    SINGLE_LINE_INPUTS,
    _bad_values,
    as_submitted,
    database_state,
    defaults_in,
    main_form,
)
from ..world import build_world
from .spec_responding import FORMS
from .surveys import long_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(cast):
    world = build_world(cast)
    urls, problems = urls_to_visit(world, world.walker)
    assert not problems
    client = Client()
    client.force_login(world.walker)
    found = {}
    for name, url, _ in urls:
        if name in FORMS:
            response = client.get(url)
            assert response.status_code == 200, name
            found[name] = url
    assert set(found) == set(FORMS)
    return client, found


def test_every_form_refuses_empty_and_bad_values_in_words_for_people(pages):
    client, found = pages
    for name, url in sorted(found.items()):
        form = main_form(client.get(url).content.decode())
        assert form is not None, name
        for label, data in (("empty", {}), ("bad", _bad_values(form, 0)), ("other bad", _bad_values(form, 1))):
            before = database_state()
            response = client.post(url, data)
            html = response.content.decode()
            assert response.status_code == 400, (name, label, response.status_code)
            assert "There is a problem" in html, (name, label)
            assert not defaults_in(html), (name, label, defaults_in(html))
            assert database_state() == before, (name, label)


def test_no_single_line_field_takes_a_line_break(pages):
    client, found = pages
    checked = []
    for name, url in sorted(found.items()):
        form = main_form(client.get(url).content.decode())
        single = [
            c["name"]
            for c in form["controls"]
            if c["tag"] == "input" and c["type"] in SINGLE_LINE_INPUTS and c["name"] and "-" not in c["name"]
        ]
        if not single:
            continue
        before = database_state()
        response = client.post(url, {**as_submitted(form), **{f: [HEADER_INJECTION] for f in single}})
        html = response.content.decode()
        assert response.status_code == 400, name
        for field in single:
            assert f'href="#id_{field}"' in html, (name, field)
        assert database_state() == before, name
        checked += [(name, f) for f in single]
    assert ("have_your_say:respond", "q_q6") in checked or any(n == "have_your_say:respond" for n, _ in checked)
    assert ("have_your_say:saved", "email") in checked


# Hypothesis: whatever is posted, the validator answers with a result, and what it accepts round-trips.

_KEYS = st.sampled_from(
    [
        "q_visited", "q_why_not", "q_services", "q_rating", "q_travel", "q_parking", "q_postcode", "q_grid_s1",
        "q_grid_s2", "q_grid_s9", "q_ranking_time", "q_ranking_near", "q_ranking_staff", "q_agree", "q_fft",
        "q_ward", "q_comments", "q_nope", "eq_sex", "eq_consent", "eq_age_band", "website", "other",
    ]
)  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(["yes", "no", "gp", "nurse", "bloods", "car", "bus", "1", "2", "3", "4", "5", "0", "agree",
                     "good", "female", "on", "prefer_not", "LS1 4AP", "ls14ap", "", " "]),
    st.text(max_size=40),
)  # fmt: skip
_DATA = st.dictionaries(_KEYS, st.one_of(_VALUES, st.lists(_VALUES, max_size=4)), max_size=12)


@pytest.fixture
def survey(cast):
    q = long_survey(cast.org_a, paging=Consultation.Paging.ALL)
    return q.consultation, responding.survey_for(q.consultation, paging=Consultation.Paging.ALL)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_DATA)
def test_the_validator_never_raises_and_what_it_accepts_round_trips(survey, data):
    from django.db import transaction

    consultation, s = survey
    result = responding.validate_response(consultation, data, survey=s)
    assert isinstance(result, responding.Result)
    if not result.ok:
        assert result.errors and result.answers == {}
        return
    with transaction.atomic():
        response = submission.submit(
            consultation, result.answers, result.equality, consented=result.consent, questions=s.questions
        )
        assert submission.stored_answers(response) == result.answers
        again = responding.validate_response(consultation, responding.posted_for(s.questions, result.answers), survey=s,
                                             equality=False, require_something=False)  # fmt: skip
        assert again.ok and again.answers == result.answers
        transaction.set_rollback(True)
    assert not Response.objects.exists()
