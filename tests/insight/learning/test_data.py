import pytest

from involve.insight.learning import data, framework
from involve.insight.learning.data import LABELLING_NOT_POSSIBLE


def test_read_labelled_csv(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("text,labels,q,s\nGreat food,Food|Staff,What was good?,1\n,,,\nnope,,,\n", encoding="utf-8-sig")
    examples = data.read_labelled_csv(path, "text", "labels", "q", "s")
    assert examples[0] == data.Example("Great food", "What was good?", frozenset({"Food", "Staff"}), 1)
    assert examples[1].labels == {LABELLING_NOT_POSSIBLE}
    assert len(examples) == 2  # a text row without labels is left out


def test_read_labelled_csv_without_a_label_column(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("text,other\nGreat food,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no label column named 'labels'"):
        data.read_labelled_csv(path, "text", "labels")


def test_read_labelled_csv_windows_1252(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes("text,labels\ncaf\xe9 was nice,Food\n".encode("cp1252"))
    assert data.read_labelled_csv(path, "text", "labels")[0].text == "café was nice"


def test_framework():
    fw = framework.load_framework()
    assert len(fw.categories) == 10 and len(fw.themes) == 33
    assert "Feeling safe" in fw.categories["General"]
    assert len(fw.sha256) == 64


def test_load_pxtextmining(shared_data):
    examples = data.load_pxtextmining(shared_data)
    assert len(examples) > 6000
    labels = {label for e in examples for label in e.labels}
    fw = {t.name for t in framework.load_framework().themes}
    assert labels <= fw
    assert all(e.labels == {LABELLING_NOT_POSSIBLE} for e in examples if data.is_unlabellable(e.text))
    train, test = data.grouped_split(examples)
    assert not {data.normalise(e.text) for e in train} & {data.normalise(e.text) for e in test}
