"""`involve insight train | evaluate | classify`: the theme/sentiment model from the command line.

None of them uses the database. train and evaluate read the pxtextmining data (by default
../shared/data/pxtextmining beside the repository, or --data DIR) or a labelled CSV (--csv),
split it with data.grouped_split (20 %, seed 42), train on the training part only and evaluate on
the held-out part, so the shipped model's figures are honest and the training is reproducible.
"""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

REPO = Path(__file__).resolve().parents[5]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "pxtextmining"


def _examples(options):
    from involve.insight.learning import data

    try:
        if options.get("csv"):
            return data.read_labelled_csv(
                options["csv"],
                options["text_column"],
                options["label_column"],
                options.get("question_column"),
                options.get("sentiment_column"),
            )
        root = Path(options["data"] or DEFAULT_DATA)
        if not (root / "v6framework_230831.csv").exists():
            raise CommandError(f"No pxtextmining data in {root} (give --data DIR or --csv FILE)")
        return data.load_pxtextmining(root)
    except ValueError as error:
        raise CommandError(str(error)) from error


def _source_arguments(parser):
    parser.add_argument("--data", help=f"the pxtextmining folder (default: {DEFAULT_DATA})")
    parser.add_argument("--csv", help="a labelled CSV instead of the pxtextmining data")
    parser.add_argument("--text-column", default="text", help="with --csv: the comment column (default: text)")
    parser.add_argument("--label-column", default="labels", help="with --csv: '|'-separated labels (default: labels)")
    parser.add_argument("--question-column", help="with --csv: the question column")
    parser.add_argument("--sentiment-column", help="with --csv: the 1-5 sentiment column")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="held-out share (default: 0.2)")
    parser.add_argument("--seed", type=int, default=42, help="split seed (default: 42)")


class Command(BaseCommand):
    help = "Theme and sentiment model: train, evaluate or classify a CSV (no database needed)."
    requires_system_checks = []

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="train|evaluate|classify")

        train = commands.add_parser("train", help="train on the training split and save the model")
        _source_arguments(train)
        train.add_argument("--out", help="where to save the model (default: the shipped artefact)")

        evaluate = commands.add_parser("evaluate", help="figures for a model on the held-out split")
        _source_arguments(evaluate)
        evaluate.add_argument("--model", help="the model file (default: the shipped one)")
        evaluate.add_argument("--json", help="also write the figures as JSON to this file")
        evaluate.add_argument("--all", action="store_true", help="evaluate on every example, not the test split")

        classify = commands.add_parser("classify", help="add themes, sentiment and safeguarding to a CSV")
        classify.add_argument("input", metavar="IN.csv")
        classify.add_argument("output", metavar="OUT.csv")
        classify.add_argument("--text-column", help="the comment column (default: text, comment, ... or the only one)")
        classify.add_argument("--question-column", help="the question column, if any")
        classify.add_argument("--model", help="the model file (default: the shipped one)")
        classify.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, subcommand, **options):
        getattr(self, f"_{subcommand}")(options)

    def _model(self, options):
        from involve.insight.learning import model

        try:
            return model.load(options["model"]) if options.get("model") else model.load_default()
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot load the model: {error}") from error

    def _train(self, options):
        from involve.insight.learning import data, evaluate, model

        examples = _examples(options)
        train, test = data.grouped_split(examples, options["test_fraction"], options["seed"])
        del examples  # from here on, training sees `train` only
        self.stdout.write(f"{len(train)} training and {len(test)} held-out comments")
        started = time.monotonic()
        try:
            trained = model.train(train, progress=lambda step: self.stderr.write(f"  {step}"))
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        figures = evaluate.evaluate(trained, test)
        trained.metadata["training_seconds"] = round(seconds, 1)
        trained.metadata["metrics"]["held_out_test"] = {
            "examples": figures["examples"],
            "with_lnp": figures["with_lnp"],
            "without_lnp": figures["without_lnp"],
            "sentiment": figures.get("sentiment"),
            "split": {"test_fraction": options["test_fraction"], "seed": options["seed"]},
        }
        out = Path(options["out"]) if options.get("out") else model.default_path()
        model.save(trained, out)
        self.stdout.write(evaluate.format_table(figures))
        self.stdout.write(f"Trained in {seconds:.0f} s; saved {out} ({out.stat().st_size / 1e6:.1f} MB)")

    def _evaluate(self, options):
        from involve.insight.learning import data, evaluate

        trained = self._model(options)
        examples = _examples(options)
        if not options["all"]:
            _, examples = data.grouped_split(examples, options["test_fraction"], options["seed"])
        figures = evaluate.evaluate(trained, examples)
        self.stdout.write(evaluate.format_table(figures))
        if options.get("json"):
            Path(options["json"]).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")

    def _classify(self, options):
        from involve.core.exports import safe_cell
        from involve.insight.learning.classify_csv import CSVError, classify_csv

        trained = self._model(options)
        started = time.monotonic()
        try:
            rows = classify_csv(
                options["input"],
                options["output"],
                model=trained,
                text_column=options.get("text_column"),
                question_column=options.get("question_column"),
                cell=safe_cell,
                progress=not options["no_progress"] and sys.stderr.isatty(),
            )
        except CSVError as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        self.stderr.write(f"Classified {rows} rows into {options['output']} in {seconds:.2f} s")
