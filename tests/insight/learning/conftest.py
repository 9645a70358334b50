import random
from pathlib import Path

import pytest

from involve.insight.learning import data, model

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pxtextmining"

_TEMPLATES = {
    "Timeliness of care": [
        "waited {n} hours for the ambulance",
        "the wait was far too long",
        "seen quickly, no waiting",
    ],
    "Staff manner & personal attributes": [
        "the nurse was kind and caring",
        "staff were rude",
        "very friendly polite staff",
    ],
    "Food & drink provision & facilities": ["the food was cold", "lovely meals and hot drinks", "more choice of food"],
    "Transport to/ from services": [
        "the transport home was late",
        "the driver took me home",
        "patient transport was great",
    ],
    "Positive experience & gratitude": ["thank you so much", "brilliant service", "all good, nothing to improve"],
}


def synthetic(n=300, seed=0):
    """Labelled comments made from templates: enough for a tiny model in a test, no real comments."""
    rng = random.Random(seed)
    names = list(_TEMPLATES)
    examples = []
    for i in range(n):
        chosen = rng.sample(names, rng.choice([1, 1, 2]))
        text = " and ".join(rng.choice(_TEMPLATES[label]).format(n=rng.randint(2, 9)) for label in chosen)
        text += rng.choice(["", ".", "!", f" ({i % 7})"])
        question = rng.choice(["What was good?", "How could we improve?", "FFT Why?"])
        sentiment = 1 if "Positive experience & gratitude" in chosen else rng.choice([2, 3, 4, 5])
        examples.append(data.Example(text, question, frozenset(chosen), sentiment))
    for _ in range(20):
        examples.append(
            data.Example(
                rng.choice(["", "Did not answer", "  "]), "FFT Why?", frozenset({data.LABELLING_NOT_POSSIBLE}), None
            )
        )
    return examples


@pytest.fixture(scope="session")
def tiny_split():
    return data.grouped_split(synthetic(), 0.25, seed=1)


@pytest.fixture(scope="session")
def tiny_model(tiny_split):
    train, _ = tiny_split
    return model.train(train, settings={"folds": 3})


@pytest.fixture(scope="session")
def shared_data():
    if not (SHARED / "v6framework_230831.csv").exists():
        pytest.skip("the pxtextmining data (../shared/data/pxtextmining) is not here")
    return SHARED
