from involve.insight.learning import data, retrain
from involve.insight.learning.data import Example

from .conftest import synthetic


def test_retrain_learns_a_correction_and_measures_on_held_out(tiny_model):
    # Reviewers say comments about the car park belong to "Transport to/ from services".
    corrections = [
        Example(
            f"the car park was full again {i} times" if i % 2 else f"no spaces at the car park, drove round {i}",
            "",
            frozenset({"Transport to/ from services"}),
        )
        for i in range(40)
    ] + [e for e in synthetic(60, seed=5)]
    new, before, after = retrain.retrain(tiny_model, corrections)
    assert "Transport to/ from services" in new.metadata["retrained"]["labels_retrained"]
    assert before is not None and after is not None
    assert after["without_lnp"]["micro_f1"] >= before["without_lnp"]["micro_f1"]
    assert "Transport to/ from services" in new.predict(["car park was full, drove round for ages"])[0].labels
    # The held-out corrections were not learnt from.
    held = new.metadata["retrained"]["held_out"]
    assert held > 0 and new.metadata["retrained"]["learnt_from"] + held == len(corrections)
    assert new.labels == tiny_model.labels


def test_retrain_with_few_corrections_has_no_metrics(tiny_model):
    new, before, after = retrain.retrain(
        tiny_model, [Example("food was cold", "", frozenset({"Food & drink provision & facilities"}))]
    )
    assert before is None and after is None
    assert new.predict(["the food was cold"])[0].labels == tiny_model.predict(["the food was cold"])[0].labels
    assert data.LABELLING_NOT_POSSIBLE in new.labels
