"""Tokenizer training on an in-file corpus: the new vocabulary learns its words, bad inputs get a sentence."""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from lab.errors import LabError

from lab.kinds import tokenizer as tokenization
from lab.config import TokenizerConfig
from lab.errors import Cancelled

WORDS = ["driverless", "autopilot", "lidar", "robotaxi", "selfdriving"]
CORPUS = [f"my {w} {v} is {a} today" for w in WORDS for v in ("car", "van", "bus", "truck")
          for a in ("great", "awful", "late", "fast", "quiet")]


def run_job(kind, cfg):
    from lab.store import Store
    from lab.serve.runner import build_runner

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
    shared = set(new.get_vocab()) & set(old.get_vocab())  # the new vocabulary's share that the old one has
    assert stats["overlap"] == round(len(shared) / len(new.get_vocab()), 4) and 0 < stats["overlap"] < 1
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
    from lab.serve.runner import build_runner

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


# --- Korean: a handful of sentences written for this test ----------------------------------------
KOREAN = ["오늘 날씨가 정말 좋아요", "자율주행 자동차가 도로를 달립니다", "저는 이 영화를 정말 좋아해요",
          "내일은 비가 올 것 같아요", "학생들이 파인튜닝을 배웁니다", "이 모델은 한국어 문장을 읽습니다",
          "토크나이저가 음절을 나눕니다", "자동차가 정말 빠르네요"] * 5
JAMO = [chr(c) for c in range(0x1100, 0x1200)] + [chr(c) for c in range(0x3131, 0x318F)]


def _chip_texts(pairs):
    return [text for text, _ in pairs]


@pytest.mark.parametrize("base", ["minilm", "smollm2"])
def test_korean_corpus_trains_and_chips_show_whole_syllables(base):
    old, new = tokenization.train_tokenizer(TokenizerConfig(base=base, vocab_size=400, batch_size=8), KOREAN)
    sample = tokenization.tokenize_side_by_side(old, new, "자율주행 자동차가 정말 좋아요")
    for side in ("old", "new"):
        chips = "".join(_chip_texts(sample[side]))
        assert not any(j in chips for j in JAMO), (side, sample[side])  # no decomposed syllables
        assert "\ufffd" not in chips
    new_text = "".join(t for t in _chip_texts(sample["new"]) if not t.startswith("·"))
    assert "자동차가" in new_text.replace(" ", "")  # whole words, learnt from the corpus
    assert len(sample["new"]) < len(sample["old"])  # the Korean vocabulary cuts Korean into fewer pieces


def test_a_saved_korean_tokenizer_keeps_its_syllables(tmp_path):
    _, new = tokenization.train_tokenizer(TokenizerConfig(vocab_size=200), KOREAN)
    new.save_pretrained(str(tmp_path))
    loaded = tokenization.load_tokenizer(str(tmp_path))
    assert loaded.tokenize("자동차가 정말") == new.tokenize("자동차가 정말") == ["자동차가", "정말"]
