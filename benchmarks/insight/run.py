"""Insight themes against pxtextmining 1.0.1's SVC recipe, side by side on one split.

    scripts/benchmark.sh insight                  (builds the anchor's virtualenv first)
    .venv/bin/python benchmarks/insight/run.py [--data DIR] [--repeats 3] [--keep DIR] [--retrain]

1. The split is Involve's: data.load_pxtextmining(../shared/data/pxtextmining), then
   data.grouped_split(test_fraction=0.2, seed=42) (identical normalised texts on one side).
   train.csv and test.csv (text, question, labels '|'-separated over v7 labels, sentiment 1-5)
   go to a temporary directory, with test-input.csv (text and question only), which is all
   either system sees of the test rows.
2. The anchor (train_anchor.py, in its own Python 3.10 virtualenv from setup_anchor.sh) is trained
   on train.csv. Involve uses its shipped default artefact when the artefact's training-data
   SHA-256 is that of this train split, and otherwise (or with --retrain) trains model.train() on
   the same rows.
3. Prediction on test-input.csv is timed as whole processes (interpreter start, imports, model load,
   prediction, writing the CSV): the anchor by predict_anchor.py, Involve by `involve insight
   classify` (predict_involve.py only if the command is missing), alternately, --repeats times
   each; the median wall-clock time is reported per 1,000 comments.
4. Both output CSVs are scored by the same function here (scikit-learn metrics over one label
   set). pxtextmining's SVC predicts no sentiment; Involve's 3-point sentiment is scored against
   the test rows that have one (1-2 positive, 3 neutral, 4-5 negative).
5. A markdown table is printed and the figures written to benchmarks/insight/results.json
   (git-ignored: docs/benchmarks.md records each run that counts).
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LNP = "Labelling not possible"
SENTIMENT3 = {1: "positive", 2: "positive", 3: "neutral", 4: "negative", 5: "negative"}
TARGETS = {"macro_f1": 0.65, "micro_f1": 0.80, "speedup": 10.0, "sentiment3_accuracy": 0.85}


def write_split(path, examples):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "question", "labels", "sentiment"])
        for e in examples:
            writer.writerow([e.text, e.question, "|".join(sorted(e.labels)), e.sentiment5 or ""])


def read_labels(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    return rows, [frozenset(x for x in (r.get("labels") or "").split("|") if x) for r in rows]


def run(command, **kwargs):
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # noqa: S603  (our own scripts)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"Failed ({done.returncode}): {' '.join(map(str, command))}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def matrix(label_sets, labels):
    return np.array([[int(label in s) for label in labels] for s in label_sets])


def score(gold, pred, labels):
    """Micro, macro and samples F1 with and without 'Labelling not possible', and per label.

    Macro averages over the labels that occur in the test split. Without 'Labelling not possible'
    its column is dropped, and samples-F1 is taken over the rows that keep a true label.
    """
    y, p = matrix(gold, labels), matrix(pred, labels)
    present = [i for i, _ in enumerate(labels) if y[:, i].sum() > 0]
    figures = {}
    for suffix, keep in (("", present), ("_without_lnp", [i for i in present if labels[i] != LNP])):
        rows = y[:, keep].sum(axis=1) > 0 if suffix else np.ones(len(y), bool)
        figures["micro_f1" + suffix] = float(f1_score(y[:, keep], p[:, keep], average="micro", zero_division=0))
        figures["macro_f1" + suffix] = float(f1_score(y[:, keep], p[:, keep], average="macro", zero_division=0))
        figures["samples_f1" + suffix] = float(
            f1_score(y[rows][:, keep], p[rows][:, keep], average="samples", zero_division=0)
        )
    precision, recall, f1, support = precision_recall_fscore_support(y, p, average=None, zero_division=0)
    figures["per_label"] = {
        labels[i]: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i in present
    }
    return figures


def involve_model(train, work, retrain):
    """(how, path for predict_involve.py, training seconds or None)."""
    from involve.insight.learning import data, model

    sha = data.training_data_sha256(train)
    if not retrain:
        try:
            default = model.load_default()
        except (OSError, ValueError) as error:
            print(f"No usable default artefact ({error}); training on the split", file=sys.stderr)
        else:
            if default.metadata.get("training_data_sha256") == sha:
                how = "shipped default artefact (trained on exactly this train split: SHA-256 matches)"
                return how, "default", None
            print("The default artefact was trained on other data; training on the split", file=sys.stderr)
    started = time.perf_counter()
    trained = model.train(train)
    seconds = time.perf_counter() - started
    path = model.save(trained, work / "involve-model.joblib")
    return "trained by model.train() on this train split in the run", str(path), seconds


def classify_command(model_arg, input_csv, out_csv):
    """`involve insight classify` (with --model for a model trained in the run), else the thin script."""
    involve = ROOT / ".venv" / "bin" / "involve"
    if involve.exists():
        probe = subprocess.run([involve, "insight", "classify", "--help"], capture_output=True, text=True)  # noqa: S603
        if probe.returncode == 0 and (model_arg == "default" or "--model" in probe.stdout):
            command = [involve, "insight", "classify", input_csv, out_csv, "--text-column", "text"]
            for option, value in (("--question-column", "question"), ("--no-progress", None)):
                if option in probe.stdout:
                    command += [option] + ([value] if value else [])
            if model_arg != "default":
                command += ["--model", model_arg]
            return command
    return [sys.executable, HERE / "predict_involve.py", model_arg, input_csv, out_csv]


def sentiment_column(rows):
    if not rows:
        return None
    for name in ("sentiment3", "sentiment_3", "sentiment 3", "sentiment (3-point)", "sentiment"):
        if name in rows[0]:
            return name
    return None


def table(results):
    a, i = results["anchor"], results["involve"]
    lines = [
        f"Test split: {results['test_rows']:,} comments (train {results['train_rows']:,}), "
        f"{results['labels']} v7 labels; Involve model: {results['involve_model']}",
        "",
        "| | pxtextmining 1.0.1 SVC | Involve | Target |",
        "| --- | --- | --- | --- |",
    ]
    for key, name in (
        ("micro_f1", "Micro-F1"),
        ("macro_f1", "Macro-F1"),
        ("samples_f1", "Samples-F1"),
        ("micro_f1_without_lnp", "Micro-F1 without 'Labelling not possible'"),
        ("macro_f1_without_lnp", "Macro-F1 without 'Labelling not possible'"),
        ("samples_f1_without_lnp", "Samples-F1 without 'Labelling not possible'"),
    ):
        target = f"≥ {TARGETS[key]:.2f}" if key in TARGETS else ""
        lines.append(f"| {name} | {a[key]:.3f} | {i[key]:.3f} | {target} |")
    s3 = i.get("sentiment3_accuracy")
    lines.append(
        f"| 3-point sentiment accuracy ({i.get('sentiment_rows', 0):,} rows with a sentiment) | none (no sentiment) | "
        + (f"{s3:.3f}" if s3 is not None else "n/a")
        + " | ≥ 0.85 |"
    )
    lines.append(
        f"| Seconds per 1,000 comments, whole process (median of {results['repeats']}) | "
        f"{a['seconds_per_1000']:.2f} | {i['seconds_per_1000']:.2f} | |"
    )
    lines.append(f"| Throughput, Involve against the anchor | 1× | {results['speedup']:.1f}× | ≥ 10× |")
    lines.append(
        f"| of which a process's fixed cost (a 1-comment file: start, imports, model load) | "
        f"{a['process_fixed_seconds']:.2f} s | {i['process_fixed_seconds']:.2f} s | |"
    )
    lines.append(
        f"| Seconds per 1,000 comments beyond that fixed cost | "
        f"{a['marginal_seconds_per_1000']:.2f} | {i['marginal_seconds_per_1000']:.2f} | |"
    )
    trained = f"{a['training_seconds']:.0f} s" if a.get("training_seconds") is not None else "n/a"
    involve_trained = f"{i['training_seconds']:.0f} s" if i.get("training_seconds") is not None else "(shipped)"
    lines.append(f"| Training time in the run | {trained} | {involve_trained} | |")
    lines += ["", "| Label (test support) | Anchor F1 | Involve F1 |", "| --- | --- | --- |"]
    for label, row in sorted(i["per_label"].items(), key=lambda kv: -kv[1]["support"]):
        anchor_f1 = a["per_label"].get(label, {}).get("f1", 0.0)
        lines.append(f"| {label} ({row['support']}) | {anchor_f1:.2f} | {row['f1']:.2f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "pxtextmining")
    parser.add_argument("--anchor-venv", type=Path, default=Path(os.environ.get("ANCHOR_VENV", HERE / ".anchor-venv")))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the split, models and outputs in this directory")
    parser.add_argument("--retrain", action="store_true", help="train Involve's model even if the default matches")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    args = parser.parse_args()

    anchor_python = args.anchor_venv / "bin" / "python"
    if not anchor_python.exists():
        sys.exit(f"No anchor virtualenv at {args.anchor_venv}: run benchmarks/insight/setup_anchor.sh")
    from involve.insight.learning import data

    examples = data.load_pxtextmining(args.data)
    train, test = data.grouped_split(examples, test_fraction=0.2, seed=42)
    work = args.keep or Path(tempfile.mkdtemp(prefix="insight-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        train_csv, test_csv = work / "train.csv", work / "test.csv"
        write_split(train_csv, train)
        write_split(test_csv, test)
        # What both predictors read: the test rows without their labels and sentiment.
        input_csv = work / "test-input.csv"
        with open(input_csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "question"])
            writer.writerows([e.text, e.question] for e in test)
        one_csv = work / "one-input.csv"  # one comment: the fixed cost of a process (start, imports, load)
        with open(one_csv, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([["text", "question"], [test[0].text, test[0].question]])
        print(f"Split: {len(train):,} train, {len(test):,} test rows in {work}", file=sys.stderr)

        print("Training the anchor (pxtextmining's SVC recipe)...", file=sys.stderr)
        anchor_model = work / "anchor-model.pkl"
        anchor_train_seconds, anchor_log = run([anchor_python, HERE / "train_anchor.py", train_csv, anchor_model])
        print(anchor_log.strip(), file=sys.stderr)

        print("Involve's model...", file=sys.stderr)
        how, model_arg, involve_train_seconds = involve_model(train, work, args.retrain)
        print(how, file=sys.stderr)

        anchor_out, involve_out = work / "anchor-out.csv", work / "involve-out.csv"
        anchor_command = [anchor_python, HERE / "predict_anchor.py", anchor_model, input_csv, anchor_out]
        involve_command = classify_command(model_arg, input_csv, involve_out)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        times = {"anchor": [], "involve": [], "anchor_one": [], "involve_one": []}
        one_out = work / "one-out.csv"
        for n in range(args.repeats):
            for name, command in (("anchor", anchor_command), ("involve", involve_command)):
                seconds, _ = run(command, env=env, cwd=ROOT)
                times[name].append(seconds)
                print(f"  prediction {n + 1}/{args.repeats} {name}: {seconds:.2f} s", file=sys.stderr)
            for name, command in (("anchor", anchor_command), ("involve", involve_command)):
                swap = {str(input_csv): str(one_csv), str(anchor_out): str(one_out), str(involve_out): str(one_out)}
                one = [swap.get(str(c), str(c)) for c in command]
                seconds, _ = run(one, env=env, cwd=ROOT)
                times[name + "_one"].append(seconds)

        gold = [e.labels for e in test]
        _, anchor_pred = read_labels(anchor_out)
        involve_rows, involve_pred = read_labels(involve_out)
        if len(anchor_pred) != len(test) or len(involve_pred) != len(test):
            sys.exit(f"Row counts differ: test {len(test)}, anchor {len(anchor_pred)}, involve {len(involve_pred)}")
        labels = sorted(set().union(*gold, *anchor_pred, *involve_pred))

        results = {
            "date": time.strftime("%Y-%m-%d"),
            "train_rows": len(train),
            "test_rows": len(test),
            "train_sha256": data.training_data_sha256(train),
            "labels": len(labels),
            "repeats": args.repeats,
            "involve_model": how,
            "commands": {
                "anchor": " ".join(str(c) for c in anchor_command).replace(str(work), "$WORK"),
                "involve": " ".join(str(c) for c in involve_command).replace(str(work), "$WORK"),
            },
        }
        for name, pred, seconds in (
            ("anchor", anchor_pred, anchor_train_seconds),
            ("involve", involve_pred, involve_train_seconds),
        ):
            median = statistics.median(times[name])
            fixed = statistics.median(times[name + "_one"])
            results[name] = {
                **score(gold, pred, labels),
                "prediction_seconds": times[name],
                "seconds_per_1000": median / len(test) * 1000,
                "one_comment_seconds": times[name + "_one"],
                "process_fixed_seconds": fixed,
                "marginal_seconds_per_1000": max(median - fixed, 0.0) / (len(test) - 1) * 1000,
                "training_seconds": seconds,
            }
        column = sentiment_column(involve_rows)
        has = [k for k, e in enumerate(test) if e.sentiment5]
        if column:
            truth = [SENTIMENT3[test[k].sentiment5] for k in has]
            predicted = [involve_rows[k][column].strip().lower() for k in has]
            results["involve"]["sentiment3_accuracy"] = float(accuracy_score(truth, predicted))
        results["involve"]["sentiment_rows"] = len(has)
        results["speedup"] = results["anchor"]["seconds_per_1000"] / results["involve"]["seconds_per_1000"]
        i = results["involve"]
        results["targets_met"] = {
            "macro_f1": i["macro_f1"] >= TARGETS["macro_f1"],
            "micro_f1": i["micro_f1"] >= TARGETS["micro_f1"],
            "speedup": results["speedup"] >= TARGETS["speedup"],
            "sentiment3_accuracy": i.get("sentiment3_accuracy", 0) >= TARGETS["sentiment3_accuracy"],
        }
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(table(results))
        print(f"\nTargets met: {results['targets_met']}\nJSON: {args.json}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
