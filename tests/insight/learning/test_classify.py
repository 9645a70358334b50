import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from involve.insight.learning import model


@pytest.fixture
def model_file(tiny_model, tmp_path):
    return str(model.save(tiny_model, tmp_path / "tiny.joblib"))


def _read(path):
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_classify_round_trip(model_file, tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        'id,comment\n1,the food was cold\n2,=HYPERLINK("http://x")\n3,\n4,"waited 6 hours, too long"\n'
        "5,I was hit by a nurse\n",
        encoding="utf-8-sig",
    )
    out = tmp_path / "out.csv"
    call_command("insight", "classify", str(source), str(out), "--model", model_file, "--no-progress")
    rows = _read(out)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "comment", "labels"]
    assert header[-4:] == ["sentiment_3", "sentiment_5", "safeguarding", "safeguarding_reason"]
    assert [f"p:{label}" for label in tiny_model.labels] == header[3:-4]
    assert [r[0] for r in body] == ["1", "2", "3", "4", "5"]
    assert body[1][1].startswith("'=")  # a formula-looking cell neutralised
    assert body[2][2] == "Labelling not possible"
    assert "Timeliness of care" in body[3][2].split("|")
    assert body[4][-2] == "yes" and "physical" in body[4][-1]
    assert body[0][-2] == "no"


def test_classify_windows_1252_and_question_column(model_file, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes("text,question\ncaf\xe9 food was cold,What could we do better?\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    call_command("insight", "classify", str(source), str(out), "--model", model_file, "--question-column", "question")
    assert _read(out)[1][0] == "café food was cold"


def test_malformed_csv_names_the_row_and_leaves_no_output(model_file, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('text\nfine\nalso fine\n"never closed\nmore\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="row 4"):
        call_command("insight", "classify", str(source), str(out), "--model", model_file)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv*"))


def test_wrong_column_name(model_file, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,comment\n1,hello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no text column named 'body'"):
        call_command(
            "insight", "classify", str(source), str(tmp_path / "o.csv"), "--model", model_file, "--text-column", "body"
        )


def test_too_many_fields_names_the_row(model_file, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nok\na,b\n", encoding="utf-8")
    with pytest.raises(CommandError, match="row 3"):
        call_command("insight", "classify", str(source), str(tmp_path / "o.csv"), "--model", model_file)


def test_train_on_a_csv_without_a_label_column(tmp_path):
    source = tmp_path / "l.csv"
    source.write_text("text\nhello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no label column named 'labels'"):
        call_command("insight", "train", "--csv", str(source), "--out", str(tmp_path / "m.joblib"))


def test_train_and_evaluate_from_a_labelled_csv(tmp_path, capsys):
    from .conftest import synthetic

    source = tmp_path / "l.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "labels", "sentiment"])
        for e in synthetic(160):
            writer.writerow([e.text, "|".join(sorted(e.labels)), e.sentiment5 or ""])
    out = tmp_path / "m.joblib"
    call_command("insight", "train", "--csv", str(source), "--sentiment-column", "sentiment", "--out", str(out))
    assert out.exists() and out.with_suffix(".json").exists()
    assert "held_out_test" in model.load(out).metadata["metrics"]
    report = tmp_path / "figures.json"
    call_command("insight", "evaluate", "--csv", str(source), "--model", str(out), "--json", str(report))
    assert "micro-F1" in capsys.readouterr().out
    assert '"without_lnp"' in report.read_text()
