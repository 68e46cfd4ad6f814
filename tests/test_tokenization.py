"""Tokenizer training on an in-file corpus: the new vocabulary learns its words, bad inputs get a sentence."""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from lab.errors import LabError

from lab import tokenization
from lab.config import TokenizerConfig
from lab.errors import Cancelled, LabError

WORDS = ["driverless", "autopilot", "lidar", "robotaxi", "selfdriving"]
CORPUS = [f"my {w} {v} is {a} today" for w in WORDS for v in ("car", "van", "bus", "truck")
          for a in ("great", "awful", "late", "fast", "quiet")]


def run_job(kind, cfg):
    from lab.store import Store
    from lab.tasks import build_runner

    runner = build_runner(Store())
    job_id = runner.submit("test", kind, cfg, allow_local=True)  # local files, as the CLI
    while runner.snapshot(job_id)["status"] in ("queued", "running"):
        time.sleep(0.05)
    snap = runner.snapshot(job_id)
    runner.shutdown()
    return job_id, snap


def test_new_vocabulary_learns_the_corpus_words():
    old, new = tokenization.train_tokenizer(TokenizerConfig(vocab_size=150, batch_size=7), CORPUS)
    assert len(new) <= 150 < len(old)
    assert "robotaxi" not in old.get_vocab() and "robotaxi" in new.get_vocab()
    assert tokenization.tokens_per_text(new, CORPUS) < tokenization.tokens_per_text(old, CORPUS)
    stats = tokenization.new_vocabulary_stats(old, new, CORPUS)
    assert 0 < stats["overlap"] < 1
    assert "robotaxi" in [token for token, _ in stats["new_tokens"]]


def test_batches_report_progress_and_can_stop():
    seen = []

    def on_batch(done, total):
        seen.append((done, total))
        if len(seen) == 3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        tokenization.train_tokenizer(TokenizerConfig(vocab_size=150, batch_size=10), CORPUS, on_batch)
    assert seen == [(0, 100), (10, 100), (20, 100)]


def test_job_saves_a_run_with_a_zip_from_an_upload(tmp_path):
    upload = tmp_path / "corpus.txt"
    upload.write_text("\n".join(CORPUS * 3))
    job_id, snap = run_job("tokenizer", TokenizerConfig(vocab_size=150, corpus=str(upload), sample="my robotaxi"))
    assert snap["status"] == "done", snap["error"]
    result = snap["result"]
    assert result["tokens_per_text_new"] < result["tokens_per_text_old"]
    assert result["sample"]["new"][1][0] == "robotaxi" and len(result["sample"]["old"]) > 2
    assert "tokenizer.json" in zipfile.ZipFile(result["zip"]).namelist()
    assert tokenization.tokenizer_runs()[0][1] == f"run:{job_id}"
    assert Path(tokenization.tokenizer_path(f"run:{job_id}")).is_dir()
    assert tokenization.compare_sample(job_id, "a lidar van")["new"][1][0] == "lidar"
    assert any(e["type"] == "progress" for e in snap["events"])


@pytest.mark.parametrize("change, sentence", [
    (dict(vocab_size=0), "out of range"),
    (dict(vocab_size=100_001), "out of range"),
    (dict(base="gpt9"), "Unknown base tokenizer"),
    (dict(corpus="no such thing.txt"), "only as uploads"),
])
def test_bad_settings_are_refused_before_queueing(change, sentence):
    from lab.store import Store
    from lab.tasks import build_runner

    runner = build_runner(Store())
    with pytest.raises(LabError, match=sentence):
        runner.submit("test", "tokenizer", TokenizerConfig(**change))
    assert runner.jobs() == [] and Store().list_runs() == []
    runner.shutdown()


@pytest.mark.parametrize("content, sentence", [
    (b"", "is empty"),
    (b"\n  \n\n", "no non-empty text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
])
def test_bad_uploads_get_a_sentence(tmp_path, content, sentence):
    upload = tmp_path / "corpus.txt"
    upload.write_bytes(content)
    with pytest.raises(LabError, match=sentence):
        tokenization.corpus_texts(str(upload))


def test_unknown_run_is_refused():
    with pytest.raises(LabError, match="no saved tokenizer"):
        tokenization.tokenizer_path("run:0123abc")
    with pytest.raises(LabError, match="not a run"):
        tokenization.tokenizer_path("run:../etc")
