"""Labels a benchmark test.csv with an Involve model file, as a whole process (Involve's venv).

    .venv/bin/python benchmarks/insight/predict_involve.py MODEL|default test.csv out.csv

A thin stand-in for `involve insight classify`, used by run.py when the model is not the shipped
default or the command is not there: load the model, predict the whole file in one batch, write
the labels ('|'-separated) and the 3-point sentiment per row.
"""

import csv
import sys


def main(model_path, test_csv, out_csv):
    from involve.insight.learning import model as insight_model

    model = insight_model.load_default() if model_path == "default" else insight_model.load(model_path)
    with open(test_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    predictions = model.predict([r["text"] for r in rows], [r["question"] for r in rows])
    with open(out_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["labels", "sentiment3"])
        for p in predictions:
            writer.writerow(["|".join(p.labels), p.sentiment3])


if __name__ == "__main__":
    main(*sys.argv[1:4])
