"""Classify every row of a CSV of comments: themes, their probabilities, sentiment, safeguarding.

Every input row is written out, in order, with its original columns and these after them:
labels ('|'-separated), one p:<label> per label, sentiment_3, sentiment_5, safeguarding (yes/no),
safeguarding_reason. The output is written to a temporary file beside OUT and renamed at the end,
so a failure leaves no partial OUT. `cell` (the management command passes the export module's
formula guard) is applied to every output cell.
"""

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

from . import safeguarding

TEXT_COLUMN_GUESSES = ("text", "comment", "comments", "fft answer", "answer", "response", "feedback")
BATCH = 1000


class CSVError(ValueError):
    """A CSV that cannot be read: the message names the row or the column."""


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _rows(text: str, name: str):
    """(header, iterator of (line number, row)); raises CSVError naming the row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CSVError(f"{name}: the file is empty (no header row)") from None
    except csv.Error as error:
        raise CSVError(f"{name}: malformed header row (line 1): {error}") from error

    def rows():
        record = 1
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise CSVError(
                    f"{name}: malformed CSV at row {record + 1} (starting at line {start}): {error}"
                    " (an unterminated quote?)"
                ) from error
            record += 1
            if not row:
                continue
            if len(row) > len(header):
                raise CSVError(
                    f"{name}: row {record} (line {start}) has {len(row)} fields but the header has {len(header)}"
                )
            yield record, row + [""] * (len(header) - len(row))

    return header, rows()


def _column(header, wanted, role, name, guesses=()):
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        raise CSVError(f"{name}: no {role} column named {wanted!r}; the columns are: {', '.join(header)}")
    lowered = [h.strip().casefold() for h in header]
    for guess in guesses:
        if guess in lowered:
            return lowered.index(guess)
    if role == "text" and len(header) == 1:
        return 0
    if role == "text":
        raise CSVError(
            f"{name}: say which column holds the comments (--text-column); the columns are: {', '.join(header)}"
        )
    return None


def classify_csv(
    in_path, out_path, *, model, text_column=None, question_column=None, cell=None, progress=True, batch=BATCH
) -> int:
    """Classify IN into OUT; returns the number of rows written. Raises CSVError for a bad input."""
    in_path, out_path = Path(in_path), Path(out_path)
    cell = cell or (lambda value: value)
    name = in_path.name
    try:
        text = decode(in_path.read_bytes())
    except OSError as error:
        raise CSVError(f"{in_path}: cannot read it: {error.strerror}") from error
    header, rows = _rows(text, name)
    text_index = _column(header, text_column, "text", name, TEXT_COLUMN_GUESSES)
    question_index = _column(header, question_column, "question", name, ("question", "fft question"))
    labels = list(model.labels)
    out_header = [
        *header,
        "labels",
        *(f"p:{label}" for label in labels),
        "sentiment_3",
        "sentiment_5",
        "safeguarding",
        "safeguarding_reason",
    ]
    total = max(text.count("\n") - 1, 0)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="row", file=sys.stderr, desc="classifying", leave=False)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8-sig", newline="", dir=out_path.parent, prefix=f".{out_path.name}.", delete=False
    )
    written = 0
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow([cell(h) for h in out_header])

            def flush(chunk):
                texts = [row[text_index] for _, row in chunk]
                questions = [row[question_index] for _, row in chunk] if question_index is not None else None
                for (_, row), prediction in zip(chunk, model.predict(texts, questions), strict=True):
                    reasons = safeguarding.assess(row[text_index], prediction)
                    writer.writerow(
                        [
                            *(cell(v) for v in row),
                            cell("|".join(prediction.labels)),
                            *(round(prediction.probabilities[label], 4) for label in labels),
                            prediction.sentiment3,
                            prediction.sentiment5,
                            "yes" if reasons else "no",
                            cell("; ".join(reasons)),
                        ]
                    )
                if bar:
                    bar.update(len(chunk))
                return len(chunk)

            chunk = []
            for item in rows:
                chunk.append(item)
                if len(chunk) >= batch:
                    written += flush(chunk)
                    chunk = []
            if chunk:
                written += flush(chunk)
        os.replace(handle.name, out_path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    finally:
        if bar:
            bar.close()
    return written
