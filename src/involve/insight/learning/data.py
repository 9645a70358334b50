"""Labelled comments: reading them, normalising text and splitting without leaks."""

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

_NOT_WORD = re.compile(r"[^\w]+")

LABELLING_NOT_POSSIBLE = "Labelling not possible"
# Texts that say nothing: after normalising, these (or nothing at all) mean "Labelling not possible".
_EMPTY_ANSWERS = {"", "did not answer", "n a", "na", "none", "nil", "no comment", "no comments", "nothing"}


def normalise(text: str) -> str:
    """Case, accents of compatibility forms, spacing and punctuation folded: 'Great staff!!' == 'great  staff'."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def is_unlabellable(text: str) -> bool:
    """True for an empty, whitespace-only, punctuation/emoji-only or 'Did not answer' text."""
    key = normalise(text)
    return key in ("", "did not answer")


@dataclass(frozen=True)
class Example:
    text: str
    question: str = ""
    labels: frozenset = field(default_factory=frozenset)
    sentiment5: int | None = None


def _sentiment(value) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = int(float(value))
    except ValueError:
        return None
    return number if 1 <= number <= 5 else None


def _read_rows(path: Path):
    """Rows of a CSV as dicts, UTF-8 (with or without BOM) or else Windows-1252."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    try:
        return reader.fieldnames or [], list(reader)
    except csv.Error as error:
        raise ValueError(f"{path}: malformed CSV near line {reader.line_num}: {error}") from error


def v6_to_v7_mapping(root) -> dict[str, str]:
    _, rows = _read_rows(Path(root) / "v6_to_v7_labels.csv")
    return {row["v6_label"]: (row["v7_label"] or "").strip() for row in rows}


def load_pxtextmining(root) -> list[Example]:
    """v6framework_230831.csv mapped to v7 labels.

    v6 labels with no v7 counterpart are dropped; an empty or 'Did not answer' text is labelled
    'Labelling not possible' (whatever its v6 labels); other rows left with no v7 label are dropped
    (they carried only labels v7 has no place for, so they would teach 'no label' as a class).
    Rows are kept in file order, so the result is deterministic.
    """
    root = Path(root)
    mapping = v6_to_v7_mapping(root)
    columns, rows = _read_rows(root / "v6framework_230831.csv")
    label_columns = [c for c in columns if c in mapping]
    examples = []
    for row in rows:
        text = (row.get("FFT answer") or "").strip()
        question = " ".join((row.get("FFT question") or "").split())
        sentiment = _sentiment(row.get("Comment sentiment"))
        if is_unlabellable(text):
            examples.append(Example(text, question, frozenset({LABELLING_NOT_POSSIBLE}), sentiment))
            continue
        labels = frozenset(mapping[c] for c in label_columns if (row.get(c) or "").strip() == "1" and mapping[c])
        if not labels:
            continue
        examples.append(Example(text, question, labels, sentiment))
    return examples


def read_labelled_csv(path, text_column, label_column, question_column=None, sentiment_column=None) -> list[Example]:
    """Examples from a CSV with one text column and one '|'-separated label column."""
    columns, rows = _read_rows(Path(path))
    for name, role in (
        (text_column, "text"),
        (label_column, "label"),
        (question_column, "question"),
        (sentiment_column, "sentiment"),
    ):
        if name is not None and name not in columns:
            raise ValueError(
                f"{path}: no {role} column named {name!r}; the columns are: {', '.join(columns) or '(none)'}"
            )
    examples = []
    for row in rows:
        text = row.get(text_column) or ""
        labels = frozenset(part.strip() for part in (row.get(label_column) or "").split("|") if part.strip())
        if is_unlabellable(text):
            labels = frozenset({LABELLING_NOT_POSSIBLE})
        if not labels:
            continue
        examples.append(
            Example(
                text,
                (row.get(question_column) or "") if question_column else "",
                labels,
                _sentiment(row.get(sentiment_column)) if sentiment_column else None,
            )
        )
    return examples


def grouped_split(examples, test_fraction=0.2, seed=42):
    """(train, test) with every identical normalised text on one side (sklearn's GroupShuffleSplit)."""
    from sklearn.model_selection import GroupShuffleSplit

    examples = list(examples)
    groups = [normalise(e.text) for e in examples]
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
    train_index, test_index = next(splitter.split(examples, groups=groups))
    return [examples[i] for i in sorted(train_index)], [examples[i] for i in sorted(test_index)]


def training_data_sha256(examples) -> str:
    """A fingerprint of the training examples (text, question, sorted labels, sentiment), order included."""
    digest = hashlib.sha256()
    for e in examples:
        record = "\x1f".join([e.text, e.question, "|".join(sorted(e.labels)), str(e.sentiment5 or "")])
        digest.update(record.encode("utf-8") + b"\x1e")
    return digest.hexdigest()
