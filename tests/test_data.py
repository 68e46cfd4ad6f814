"""The built-in tweets and the upload parser: each malformed upload gets a sentence naming the fix."""
from __future__ import annotations

import json

import pytest

from lab import data
from lab.errors import LabError


def test_tweets_are_clean_balanced_and_split_the_same_way_each_time():
    train, evaluation = data.tweet_split()
    labels = [r["label"] for r in train + evaluation]
    assert set(labels) == {"negative", "positive"}
    assert labels.count("negative") == labels.count("positive")
    texts = [r["text"].lower() for r in train + evaluation]
    assert len(texts) == len(set(texts)), "duplicates must be dropped"
    assert not any("â€" in t or "Ã" in t for t in texts), "mojibake must be fixed"
    again_train, _ = data.tweet_split()
    assert [r["text"] for r in again_train[:20]] == [r["text"] for r in train[:20]]
    assert len(evaluation) == pytest.approx(0.2 * (len(train) + len(evaluation)), rel=0.01)
    assert not {r["text"] for r in train} & {r["text"] for r in evaluation}


def test_uploads_in_each_format(tmp_path):
    (tmp_path / "a.txt").write_text("first line\n\n second line \n")
    assert data.read_upload(tmp_path / "a.txt") == [{"text": "first line"}, {"text": "second line"}]
    (tmp_path / "b.csv").write_text("Text,Label\ngood movie,pos\nbad movie,neg\n")
    assert data.read_upload(tmp_path / "b.csv", need_labels=True)[1] == {"text": "bad movie", "label": "neg"}
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": "x", "label": 1}) + "\n" + json.dumps({"text": "y", "label": 0}))
    assert data.read_upload(tmp_path / "c.jsonl", need_labels=True) == [{"text": "x", "label": "1"},
                                                                         {"text": "y", "label": "0"}]


@pytest.mark.parametrize("name, content, need_labels, message", [
    ("a.pdf", b"%PDF", False, "upload a .txt, .csv or .jsonl"),
    ("a.txt", b"", False, "is empty"),
    ("a.txt", b"\x00\x01\x02binary", False, "is not a text file"),
    ("a.txt", "caf\xe9".encode("latin-1"), False, "is not UTF-8"),
    ("a.csv", b"sentence,label\nhi,1\n", False, "needs a header row with a 'text' column"),
    ("a.jsonl", b'{"text": "a"}\nnot json\n', False, "line 2, is not valid JSON"),
    ("a.jsonl", b'[1, 2]\n', False, "is not a JSON object"),
    ("a.csv", b"text\nhello\n", True, "needs a 'label' column"),
    ("a.csv", b"text,label\nhello,x\nworld,x\n", True, "only one class"),
    ("a.csv", b"text,label\n" + b"".join(b"t%d,%d\n" % (i, i) for i in range(10)), True, "must be categories"),
    ("a.txt", b"   \n\n", False, "has no non-empty text"),
])
def test_bad_uploads_get_a_sentence(tmp_path, name, content, need_labels, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LabError, match=message):
        data.read_upload(path, need_labels=need_labels)


def test_an_upload_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MAX_UPLOAD_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_text("x" * 101)
    with pytest.raises(LabError, match="limited to"):
        data.read_upload(path)


def test_a_hub_dataset_offline_gets_one_sentence(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LabError, match="needs the Hugging Face Hub"):
        data.hub_rows("stanfordnlp/imdb")
    with pytest.raises(LabError, match="Type a Hub dataset name"):
        data.hub_rows(" ")
