import inspect

import numpy as np
import pytest

from involve.insight.learning import data, evaluate, model
from involve.insight.learning.data import LABELLING_NOT_POSSIBLE, Example, normalise

from .conftest import synthetic


def test_split_keeps_identical_normalised_texts_on_one_side():
    examples = (
        synthetic()
        + [Example("Great staff!!", "", frozenset({"x"}))] * 5
        + [Example("great  STAFF", "", frozenset({"x"}))]
    )
    train, test = data.grouped_split(examples, 0.2, seed=42)
    assert len(train) + len(test) == len(examples)
    assert not {normalise(e.text) for e in train} & {normalise(e.text) for e in test}
    assert data.grouped_split(examples, 0.2, seed=42) == (train, test)


def test_train_takes_only_what_it_is_given(tiny_split, tiny_model):
    train, test = tiny_split
    # train() has no access to a test split: its only data argument is the training examples...
    assert list(inspect.signature(model.train).parameters) == ["examples", "progress", "settings"]
    # ...and the model records the fingerprint of exactly those.
    assert tiny_model.metadata["training_data_sha256"] == data.training_data_sha256(train)
    assert tiny_model.metadata["training_examples"] == len(train)


def test_thresholds_come_from_out_of_fold_predictions(tiny_split, monkeypatch):
    train, _ = tiny_split
    seen = []
    original = model.out_of_fold

    def spy(examples, labels, settings, progress=None):
        seen.append(list(examples))
        return original(examples, labels, settings, progress)

    monkeypatch.setattr(model, "out_of_fold", spy)
    model.train(train, settings={"folds": 2})
    assert seen and all(e in train for e in seen[0])


def test_best_threshold():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.6, 0.5, 0.2, 0.1])
    assert 0.5 < model.best_threshold(y, p) < 0.6
    assert model.best_threshold(np.zeros(3), np.array([0.1, 0.2, 0.3])) == 0.5


def test_predictions_learn_and_always_give_a_label(tiny_split, tiny_model):
    _, test = tiny_split
    figures = evaluate.evaluate(tiny_model, test)
    assert figures["without_lnp"]["micro_f1"] > 0.8
    assert "sentiment" in figures and 0 <= figures["sentiment"]["accuracy_3"] <= 1
    for prediction in tiny_model.predict([e.text for e in test], [e.question for e in test]):
        assert prediction.labels
        assert 0 <= prediction.certainty <= 1
        assert prediction.sentiment3 in ("positive", "neutral", "negative")
        assert 1 <= prediction.sentiment5 <= 5
    assert "Timeliness of care" in tiny_model.predict(["we waited 7 hours for the ambulance"])[0].labels


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t", "🙂🙂👍", "!!!", "Did not answer", None],
)
def test_empty_texts_are_labelling_not_possible(tiny_model, text):
    (prediction,) = tiny_model.predict([text])
    assert prediction.labels == [LABELLING_NOT_POSSIBLE]
    assert prediction.sentiment3 == "neutral" and prediction.sentiment5 == 3


def test_odd_inputs_do_not_crash(tiny_model):
    texts = [
        ("the food " * 1250)[:10_000],
        "Roedd y staff yn garedig iawn, diolch",
        "Le personnel était très gentil",
        "x",
    ]
    predictions = tiny_model.predict(texts, questions=[None, "", "What was good?", "How could we improve?"])
    assert len(predictions) == 4 and all(p.labels for p in predictions)
    assert len(texts[0]) == 10_000
    assert tiny_model.predict([]) == []


def test_save_load_round_trip(tiny_split, tiny_model, tmp_path):
    _, test = tiny_split
    path = model.save(tiny_model, tmp_path / "m.joblib")
    loaded = model.load(path)
    texts = [e.text for e in test]
    assert loaded.predict(texts) == tiny_model.predict(texts)
    assert loaded.metadata == tiny_model.metadata
    sidecar = path.with_suffix(".json").read_text()
    assert '"sha256"' in sidecar and '"training_data_sha256"' in sidecar


def test_load_refuses_a_changed_file(tiny_model, tmp_path):
    path = model.save(tiny_model, tmp_path / "m.joblib")
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ValueError, match="does not match"):
        model.load(path)


def test_no_rare_training_strings_in_the_model(tmp_path):
    examples = synthetic(120) + [
        Example("Zebedee Quattlebaum was rude", "", frozenset({"Staff manner & personal attributes"}))
    ]
    trained = model.train(examples, settings={"folds": 2})
    vocab = set(trained.featuriser.word.vocabulary_) | set(trained.featuriser.char.vocabulary_)
    assert not any("quattlebaum" in term or "zebedee" in term for term in vocab)
    assert not hasattr(trained.featuriser.word, "stop_words_")


def test_shipped_model_loads_and_predicts():
    shipped = model.load_default()
    assert shipped is model.load_default()
    assert shipped.metadata["version"] == model.VERSION
    (p,) = shipped.predict(["The ambulance took four hours to arrive"], ["How could we improve?"])
    assert "Timeliness of care" in p.labels
    assert shipped.predict(["   "])[0].labels == [LABELLING_NOT_POSSIBLE]


def test_format_table(tiny_split, tiny_model):
    _, test = tiny_split
    table = evaluate.format_table(evaluate.evaluate(tiny_model, test))
    assert "micro-F1" in table and "without 'Labelling not possible'" in table


@pytest.mark.parametrize("analyzer,ngrams", [("word", (1, 2)), ("char_wb", (2, 5))])
def test_tfidf_matches_scikit_learn(analyzer, ngrams):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [normalise(e.text) for e in synthetic(80)] + ["a", "", "x y", "ab  cd\tef", "ñandú café 🙂 wait"]
    reference = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, min_df=2).fit(texts)
    ours = model.Tfidf.from_sklearn(reference)
    expected = reference.transform(texts).toarray()
    got = np.zeros_like(expected)
    for k, (indices, values) in enumerate(ours.rows(texts)):
        got[k, indices] = values
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
