"""Fixtures of the insight tests: a model to classify with (the shipped one, or a tiny one trained here on
synthetic comments when the package ships none), and one of every review record in org_a."""

import types

import pytest

from involve.insight import pipeline
from involve.insight.learning import model as learning_model
from involve.insight.learning.data import Example
from involve.organisations.models import Role

from ..factories import make_member
from .factories import make_comment, make_flag, make_label, make_model_version, make_reviewer

SYNTHETIC = [
    ("The car park was full and I could not find a space", "Parking"),
    ("Parking costs far too much and there are never spaces", "Parking"),
    ("No parking anywhere near the clinic entrance", "Parking"),
    ("I drove round the car park for half an hour", "Parking"),
    ("The nurse was kind and caring to my mother", "Staff manner & personal attributes"),
    ("Staff were rude and dismissive when I asked a question", "Staff manner & personal attributes"),
    ("The receptionist was friendly and helpful", "Staff manner & personal attributes"),
    ("Doctors were patient and very polite", "Staff manner & personal attributes"),
    ("I waited four hours to be seen", "Timeliness of care"),
    ("The wait for an appointment was months", "Timeliness of care"),
    ("Seen quickly and on time", "Timeliness of care"),
    ("Long delays in the waiting room again", "Timeliness of care"),
    ("The ward was dirty and the toilets filthy", "Cleanliness, tidiness & infection control"),
    ("Everything was spotless and clean", "Cleanliness, tidiness & infection control"),
    ("Bins overflowing and floors sticky", "Cleanliness, tidiness & infection control"),
    ("The room was clean and tidy", "Cleanliness, tidiness & infection control"),
]
SENTIMENT = {True: 2, False: 4}


def _examples():
    examples = []
    for i in range(3):
        for text, label in SYNTHETIC:
            positive = any(w in text for w in ("kind", "friendly", "polite", "quickly", "spotless", "clean and"))
            examples.append(
                Example(f"{text} {'' if i == 0 else i}".strip(), "", frozenset({label}), SENTIMENT[positive])
            )
    return examples


@pytest.fixture(scope="session")
def _model_path(tmp_path_factory):
    shipped = learning_model.default_path()
    if shipped.exists():
        return None
    path = tmp_path_factory.mktemp("insight-model") / "model-test.joblib"
    learning_model.save(learning_model.train(_examples()), path)
    return path


@pytest.fixture
def insight_model(_model_path, monkeypatch):
    """A default model is available: the shipped one, else a tiny one trained on synthetic comments."""
    if _model_path is not None:
        monkeypatch.setattr(learning_model, "default_path", lambda: _model_path)
    learning_model.load_default.cache_clear()
    pipeline._loaded.clear()
    yield
    learning_model.load_default.cache_clear()
    pipeline._loaded.clear()


@pytest.fixture
def review(cast):
    """One of every review record in org_a: a comment with a model label, a flagged comment, a retrained
    model version and a safeguarding reviewer."""
    org = cast.org_a
    comment = make_comment(org, text="The car park is full <b>every</b> day", certainty=0.4)
    label = make_label(comment)
    flagged = make_comment(org, text="I want to end it all")
    flag = make_flag(flagged)
    return types.SimpleNamespace(
        comment=comment,
        label=label,
        flag=flag,
        model_version=make_model_version(org, version="a-1"),
        reviewer=make_reviewer(org, make_member(org, Role.VIEWER, email="safeguarding.reviewer@example.nhs.uk")),
    )
