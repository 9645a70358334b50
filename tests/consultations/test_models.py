"""The consultation records' own rules."""

import datetime

import pytest

from involve.consultations.models import Consultation

from .factories import make_consultation, now

pytestmark = pytest.mark.django_db


def test_a_consultation_takes_responses_only_between_opening_and_closing(cast):
    c = make_consultation(cast.org_a)
    assert c.is_open()
    assert not c.is_open(at=c.closes_at)  # the close is the first moment it stops taking responses
    assert c.is_open(at=c.closes_at - datetime.timedelta(seconds=1))
    assert not c.is_open(at=c.opens_at - datetime.timedelta(seconds=1))
    c.state = Consultation.State.DRAFT
    assert not c.is_open()


def test_the_fixture_holds_a_question_of_every_kind(records):
    assert records.consultation.questions.count() == len(records.questions) == 11
    assert records.response.answers.count() == 2
    assert now() < records.consultation.closes_at
