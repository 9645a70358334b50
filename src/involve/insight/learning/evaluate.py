"""Figures for a model on labelled examples: per label, overall (micro, macro, samples F1), sentiment."""

import numpy as np

from .data import LABELLING_NOT_POSSIBLE
from .model import SENTIMENT3


def _f1s(y, p, columns):
    from sklearn.metrics import f1_score

    if not columns:
        return {"micro_f1": 0.0, "macro_f1": 0.0, "samples_f1": 0.0, "labels": 0, "rows": 0}
    ys, ps = y[:, columns], p[:, columns]
    rows = ys.sum(axis=1) > 0  # samples F1 over comments that carry one of these labels
    present = [k for k in range(len(columns)) if ys[:, k].sum() > 0]
    return {
        "micro_f1": float(f1_score(ys, ps, average="micro", zero_division=0)),
        # Macro over the labels present in these examples (a label with no example has no F1).
        "macro_f1": float(f1_score(ys[:, present], ps[:, present], average="macro", zero_division=0))
        if present
        else 0.0,
        "samples_f1": float(f1_score(ys[rows], ps[rows], average="samples", zero_division=0)) if rows.any() else 0.0,
        "labels": len(present),
        "rows": int(rows.sum()),
    }


def evaluate(model, examples) -> dict:
    """Per-label precision/recall/F1/support; micro, macro, samples F1 with and without LNP; sentiment."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    examples = list(examples)
    labels = list(model.labels)
    extra = sorted({label for e in examples for label in e.labels} - set(labels))
    index = {label: j for j, label in enumerate(labels)}
    y = np.zeros((len(examples), len(labels)), dtype=np.int8)
    for i, e in enumerate(examples):
        for label in e.labels:
            if label in index:
                y[i, index[label]] = 1
    probabilities, sentiment, empty = model.scores([e.text for e in examples], [e.question for e in examples])
    p = model.decide(probabilities, empty).astype(np.int8)

    precision, recall, f1, support = precision_recall_fscore_support(y, p, average=None, zero_division=0)
    train_support = model.metadata.get("label_support", {})
    per_label = {
        label: {
            "precision": float(precision[j]),
            "recall": float(recall[j]),
            "f1": float(f1[j]),
            "support": int(support[j]),
            "training_support": int(train_support.get(label, 0)),
            "sparse": int(train_support.get(label, 0)) < 5,
        }
        for j, label in enumerate(labels)
    }
    everything = list(range(len(labels)))
    without = [j for j, label in enumerate(labels) if label != LABELLING_NOT_POSSIBLE]
    result = {
        "examples": len(examples),
        "labels": per_label,
        "labels_not_in_model": extra,
        "with_lnp": _f1s(y, p, everything),
        "without_lnp": _f1s(y, p, without),
    }

    has = np.array([e.sentiment5 is not None for e in examples], dtype=bool)
    if has.any():
        truth5 = np.array([e.sentiment5 for e in examples if e.sentiment5 is not None])
        pred5 = sentiment[has].argmax(axis=1) + 1
        s3 = sentiment[has]
        pred3 = np.array(["positive", "neutral", "negative"])[
            np.stack([s3[:, 0:2].sum(axis=1), s3[:, 2], s3[:, 3:5].sum(axis=1)], axis=1).argmax(axis=1)
        ]
        truth3 = np.array([SENTIMENT3[int(v)] for v in truth5])
        result["sentiment"] = {
            "rows": int(has.sum()),
            "accuracy_5": float(accuracy_score(truth5, pred5)),
            "macro_f1_5": float(f1_score(truth5, pred5, average="macro", zero_division=0)),
            "accuracy_3": float(accuracy_score(truth3, pred3)),
            "macro_f1_3": float(f1_score(truth3, pred3, average="macro", zero_division=0)),
        }
    return result


def format_table(result: dict) -> str:
    """A readable plain-text table of evaluate()'s result."""
    lines = [f"{'label':<58} {'prec':>5} {'rec':>5} {'F1':>5} {'supp':>5} {'train':>6}"]
    for label, row in sorted(result["labels"].items(), key=lambda kv: -kv[1]["support"]):
        mark = " *" if row["sparse"] else ""
        lines.append(
            f"{label[:58]:<58} {row['precision']:5.2f} {row['recall']:5.2f} {row['f1']:5.2f} "
            f"{row['support']:5d} {row['training_support']:6d}{mark}"
        )
    lines.append("* fewer than 5 training examples: predicted, but its figures mean little")
    lines.append("")
    for key, title in (("with_lnp", "all labels"), ("without_lnp", "without 'Labelling not possible'")):
        r = result[key]
        lines.append(
            f"{title:<34} micro-F1 {r['micro_f1']:.3f}  macro-F1 {r['macro_f1']:.3f}  "
            f"samples-F1 {r['samples_f1']:.3f}  ({r['labels']} labels, {r['rows']} comments)"
        )
    if "sentiment" in result:
        s = result["sentiment"]
        lines.append(
            f"sentiment ({s['rows']} comments)           3-point accuracy {s['accuracy_3']:.3f} macro-F1 "
            f"{s['macro_f1_3']:.3f}; 5-point accuracy {s['accuracy_5']:.3f} macro-F1 {s['macro_f1_5']:.3f}"
        )
    lines.append(f"{result['examples']} comments evaluated")
    return "\n".join(lines)
