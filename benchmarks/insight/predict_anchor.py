"""Labels a benchmark test.csv with a model from train_anchor.py (run in the anchor virtualenv).

    .anchor-venv/bin/python predict_anchor.py model.pkl test.csv out.csv

Calls pxtextmining's factory_predict_unlabelled_text.predict_multilabel_sklearn(X, model, labels,
additional_features=True, label_fix=True, custom_threshold_dict=None, rules_dict=None), exactly
as run_svc_pipeline does for the released model: its own text cleaning (process_text), 0.5
thresholds, the most probable label when none passes, and "Labelling not possible" alone when it
is among several. Rows its cleaning drops (nothing left once punctuation and digits are gone) get
no prediction from it; they are written as "Labelling not possible".
"""

import csv
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchor_common import install_stubs, question_type, read_rows  # noqa: E402

install_stubs()

import pandas as pd  # noqa: E402
from pxtextmining.factories.factory_predict_unlabelled_text import (  # noqa: E402
    predict_multilabel_sklearn,
    process_text,
)
from pxtextmining.params import q_map  # noqa: E402


def main(model_path, test_csv, out_csv):
    with open(model_path, "rb") as handle:
        saved = pickle.load(handle)  # noqa: S301  (the model train_anchor.py wrote in this run)
    rows = read_rows(test_csv)
    index = pd.Index(range(len(rows)), name="Comment ID")
    data = pd.DataFrame(
        {
            "FFT answer": [row["text"] for row in rows],
            "FFT_q_standardised": [question_type(row["question"], q_map) for row in rows],
        },
        index=index,
    )
    predicted = {}
    if len(process_text(data["FFT answer"])):  # its function fails when no row survives cleaning
        preds = predict_multilabel_sklearn(
            data,
            saved["model"],
            labels=saved["labels"],
            additional_features=True,
            label_fix=True,
            rules_dict=None,
            custom_threshold_dict=None,
        )
        predicted = preds["labels"].to_dict()
    with open(out_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["labels"])
        for i in range(len(rows)):
            writer.writerow(["|".join(predicted.get(i) or ["Labelling not possible"])])


if __name__ == "__main__":
    main(*sys.argv[1:4])
