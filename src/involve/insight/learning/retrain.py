"""Retraining the shipped model from reviewers' corrections, without its training comments.

The product has the shipped artefact and the corrections, never the original training data, so
retrain() keeps the base model's vocabulary and adds a correction layer learnt from the
corrections alone: for each label with enough corrected examples (both classes at least
MIN_PER_CLASS times), a logistic regression on [the base model's logits for every label, the
comment's TF-IDF features]. Because both inputs are linear in the features, the layer folds back
into one weight matrix (W' = W·A + V, b' = b·A + c), so the result is an ordinary InsightModel.
Each retrained label's threshold is chosen on out-of-fold predictions inside the corrections'
training part. Labels without enough corrections, and the sentiment model, stay as they were.

The corrections are split (grouped on the normalised text) into a part to learn from and a held-out
part; metrics_before and metrics_after are evaluate() of the base and the new model on that held-out
part, so the comparison is honest. With fewer than MIN_HELD_OUT corrections there is no held-out
part and both metrics are None.
"""

import copy
import datetime

import numpy as np

from . import evaluate as evaluation
from .data import Example, grouped_split, is_unlabellable, training_data_sha256
from .model import SEED, InsightModel, _folds, _label_matrix, _sigmoid, best_threshold

MIN_PER_CLASS = 3
MIN_HELD_OUT = 10
C = 1.0


def _fit_layer(z, y, C=C):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=SEED)
    clf.fit(z, y)
    return clf.coef_[0], float(clf.intercept_[0])


def retrain(base: InsightModel, corrections: list[Example], *, held_out_fraction=0.25, seed=42):
    """(new model, metrics_before, metrics_after): see the module's docstring."""
    from scipy import sparse

    corrections = [e for e in corrections if e.labels]
    if len(corrections) >= MIN_HELD_OUT:
        learn, held_out = grouped_split(corrections, held_out_fraction, seed)
    else:
        learn, held_out = corrections, []
    textual = [e for e in learn if not is_unlabellable(e.text)]
    labels = base.labels
    weights = base.weights.copy()
    bias = base.bias.copy()
    thresholds = base.thresholds.copy()
    retrained = []
    if textual:
        x = base.featuriser.transform([e.text for e in textual], [e.question for e in textual])
        logits = np.asarray(x @ base.weights) + base.bias
        z = sparse.hstack([sparse.csr_matrix(logits), x], format="csr")
        y = _label_matrix(textual, labels)
        folds = _folds(textual, 3) if len(textual) >= 6 else []
        for j, label in enumerate(labels):
            positives = int(y[:, j].sum())
            if positives < MIN_PER_CLASS or len(textual) - positives < MIN_PER_CLASS:
                continue
            coef, intercept = _fit_layer(z, y[:, j])
            # Out-of-fold probabilities inside the learning part choose the threshold.
            oof = np.full(len(textual), 0.5)
            for fit_index, held_index in folds:
                if 0 < y[fit_index, j].sum() < len(fit_index):
                    c, i = _fit_layer(z[fit_index], y[fit_index, j])
                    oof[held_index] = _sigmoid(z[held_index] @ c + i)
            a, v = coef[: len(labels)], coef[len(labels) :]
            weights[:, j] = (base.weights @ a + v).astype(np.float32)
            bias[j] = float(base.bias @ a + intercept)
            thresholds[j] = best_threshold(y[:, j], oof) if folds else 0.5
            retrained.append(label)

    metadata = copy.deepcopy(base.metadata)
    metadata["retrained"] = {
        "from_version": base.metadata.get("version"),
        "corrections": len(corrections),
        "learnt_from": len(learn),
        "held_out": len(held_out),
        "labels_retrained": retrained,
        "corrections_sha256": training_data_sha256(corrections),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    new = InsightModel(
        base.featuriser,
        labels,
        weights,
        bias,
        thresholds,
        base.sentiment_weights,
        base.sentiment_bias,
        metadata,
    )
    before = evaluation.evaluate(base, held_out) if held_out else None
    after = evaluation.evaluate(new, held_out) if held_out else None
    metadata["retrained"]["metrics_before"] = before and before["without_lnp"]
    metadata["retrained"]["metrics_after"] = after and after["without_lnp"]
    return new, before, after
