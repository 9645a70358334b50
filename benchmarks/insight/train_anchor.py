"""Trains pxtextmining 1.0.1's SVC recipe on a benchmark train.csv (run in the anchor virtualenv).

    .anchor-venv/bin/python train_anchor.py train.csv model.pkl

What it calls, all pxtextmining's own code:
- factory_data_load_and_split.remove_punc_and_nums and clean_empty_features on the text, as its
  process_data(preprocess_text=True) does for scikit-learn models (rows empty after cleaning are
  dropped from training, as there);
- params.q_map for the question type (FFT_q_standardised);
- factory_pipeline.create_and_train_svc_model(X, Y, additional_features=True): the released "svc"
  model's recipe (run_svc_pipeline in pipelines/multilabel_pipeline.py), i.e. OneHotEncoder on the
  question type + TfidfVectorizer(max_df=0.9, min_df=0, ngram_range=(1, 2)) on the text, then
  MultiOutputClassifier(SVC(C=15, probability=True, class_weight="balanced", max_iter=1000,
  cache_size=1000)).
The target columns are the v7 labels present in train.csv, in pxtextmining's minor_cats order.
"""

import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anchor_common import install_stubs, question_type, read_rows  # noqa: E402

install_stubs()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from pxtextmining.factories.factory_data_load_and_split import (  # noqa: E402
    clean_empty_features,
    remove_punc_and_nums,
)
from pxtextmining.factories.factory_pipeline import create_and_train_svc_model  # noqa: E402
from pxtextmining.params import minor_cats, q_map  # noqa: E402


def main(train_csv, model_path):
    rows = read_rows(train_csv)
    present = {label for row in rows for label in row["labels"].split("|") if label}
    labels = [c for c in minor_cats if c in present] + sorted(present - set(minor_cats))
    index = pd.Index(range(len(rows)), name="Comment ID")
    text = pd.Series([row["text"] for row in rows], index=index, name="FFT answer")
    text = clean_empty_features(text.astype(str).apply(remove_punc_and_nums))
    X = pd.DataFrame(
        {
            "FFT answer": text,
            "FFT_q_standardised": [question_type(rows[i]["question"], q_map) for i in text.index],
        },
        index=text.index,
    )
    Y = np.array([[int(label in rows[i]["labels"].split("|")) for label in labels] for i in X.index])
    started = time.perf_counter()
    model, training_time = create_and_train_svc_model(X, Y, additional_features=True)
    seconds = time.perf_counter() - started
    with open(model_path, "wb") as handle:
        pickle.dump({"model": model, "labels": labels}, handle)
    print(f"anchor trained on {len(X)} of {len(rows)} rows, {len(labels)} labels, {seconds:.0f} s ({training_time})")


if __name__ == "__main__":
    main(*sys.argv[1:3])
