"""MLM pre-training of a one-layer, hidden-16 BERT on an in-file corpus: the loss falls, the run loads."""
from __future__ import annotations

import math

import dataclasses
import random

import pytest

from lab.kinds.pretrain import mlm, job as pretrain
from lab.kinds import tokenizer as tokenization
from lab.config import PretrainConfig, TokenizerConfig
from tests.test_tokenization import run_job

rng = random.Random(0)
# Each word of a sentence gives away the others: a model that reads the context beats word frequencies.
SENTENCES = ["the cat eats fish .", "my dog likes toys .", "a bird sees seeds ."]
CORPUS = [rng.choice(SENTENCES) for _ in range(400)]
TINY = dict(hidden=16, layers=1, heads=2, intermediate=32, max_positions=32, block_size=16, batch_size=16)


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    _, new = tokenization.train_tokenizer(TokenizerConfig(vocab_size=120), CORPUS)
    path = tmp_path_factory.mktemp("tok")
    new.save_pretrained(str(path))
    return str(path)


@pytest.fixture()
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(CORPUS))
    return str(path)


def test_parameter_count_matches_the_model(tokenizer_dir):
    cfg = PretrainConfig(**TINY)
    tokenizer = pretrain.prepare_tokenizer(tokenization.load_tokenizer(tokenizer_dir))
    model = pretrain.build_model(cfg, tokenizer)
    assert pretrain.count_parameters(cfg, len(tokenizer)) == sum(p.numel() for p in model.parameters())
    described = pretrain.describe(dataclasses.replace(cfg, tokenizer=tokenizer_dir), allow_local=True)
    assert described["params"] == pretrain.count_parameters(cfg, len(tokenizer)) and described["error"] is None


@pytest.mark.parametrize("change, sentence", [
    (dict(hidden=18, heads=4), "do not divide the hidden size"),
    (dict(vocab_size=999), "does not match the tokenizer"),
    (dict(hidden=1024, layers=12, intermediate=4096), "at most 30M"),
    (dict(hidden=256, intermediate=1024, layers=2, batch_size=256, block_size=512, max_positions=512), "GB"),
    (dict(block_size=64, max_positions=32), "at least the block size"),
    (dict(dropout=0.95), "Dropout must be"),
])
def test_impossible_configs_are_refused(tokenizer_dir, change, sentence, monkeypatch):
    monkeypatch.setenv("LAB_MEMORY_BUDGET", "6g")  # the budget is the machine's; fix it for the test
    cfg = PretrainConfig(**{**TINY, **change, "tokenizer": tokenizer_dir})
    assert sentence in pretrain.describe(cfg, allow_local=True)["error"]


def test_mask_preview_follows_the_rule(tokenizer_dir):
    tokenizer = pretrain.prepare_tokenizer(tokenization.load_tokenizer(tokenizer_dir))
    text = " ".join(CORPUS[:40])
    preview = mlm.mask_preview(tokenizer, text, mlm_probability=0.5, seed=1)
    kinds = [t["kind"] for t in preview]
    assert set(kinds) == {"plain", "mask", "random", "kept"}
    assert 0.35 < kinds.count("plain") / len(kinds) < 0.65
    assert kinds.count("mask") > kinds.count("random") + kinds.count("kept")
    assert all(t["shown"] == tokenizer.mask_token for t in preview if t["kind"] == "mask")


def test_unigram_perplexity_of_uniform_tokens():
    # four tokens seen equally often: a frequency model is as unsure as a fair four-sided die
    blocks = [[5, 6, 7, 8] * 50]
    assert mlm.unigram_perplexity(blocks, [{"labels": [5, 6, 7, 8]}], vocab_size=4, special_ids={0}) == \
        pytest.approx(4.0, rel=0.05)


def test_unigram_perplexity_by_hand():
    # train counts: token 5 three times, 6 once (special 0 and ignored -100 left out); add-one over a
    # vocabulary of 2: p(5) = 4/6, p(6) = 2/6; the eval targets 5 and 6 give exp(-(ln 4/6 + ln 2/6) / 2)
    blocks = [[0, 5, 5, 6, 0, 5]]
    value = mlm.unigram_perplexity(blocks, [{"labels": [5, -100, 6]}], vocab_size=2, special_ids={0})
    assert value == pytest.approx(math.exp(-(math.log(4 / 6) + math.log(2 / 6)) / 2), rel=1e-9)


def test_pretraining_lowers_loss_and_saves_a_fill_mask_run(tokenizer_dir, corpus_file):
    from lab import sources
    from lab.kinds.pipeline import lab_models

    cfg = PretrainConfig(**TINY, tokenizer=tokenizer_dir, corpus=corpus_file, steps=40, learning_rate=1e-2,
                         warmup_steps=0, eval_every=20, probe="the cat [MASK] fish .")
    job_id, snap = run_job("pretrain", cfg)
    assert snap["status"] == "done", snap["error"]
    result = snap["result"]
    losses = [loss for _, loss in result["train_loss"]]
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.5
    # weights, gradients and AdamW's two moments of every parameter (16 B each) are inside the peak
    assert result["peak_memory_bytes"] >= 16 * result["params"]
    ppl = [p for _, p in result["eval_perplexity"]]
    assert [s for s, _ in result["eval_perplexity"]] == [0, 20, 40] and ppl[-1] < ppl[0] / 2
    probes = [e for e in snap["events"] if e["type"] == "probe"]
    assert len(probes) == 3 and len(probes[-1]["predictions"]) == 5
    assert any(e["type"] == "mask_preview" for e in snap["events"])
    assert lab_models("fill-mask", None)[0][1] == f"run:{job_id}"
    assert sources.resolve_model(f"run:{job_id}").endswith("model")


def test_corpus_too_small_for_one_block(tokenizer_dir, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("the cat eats fish .")
    _, snap = run_job("pretrain", PretrainConfig(**TINY, tokenizer=tokenizer_dir, corpus=str(path), steps=2))
    assert snap["status"] == "failed" and "not enough to fill one block" in snap["error"]


def test_probe_needs_a_mask(tokenizer_dir, corpus_file):
    _, snap = run_job("pretrain", PretrainConfig(**TINY, tokenizer=tokenizer_dir, corpus=corpus_file, probe="no mask"))
    assert snap["status"] == "failed" and "[MASK]" in snap["error"]


def test_korean_corpus_pretrains_on_a_korean_vocabulary(tmp_path):
    from tests.test_tokenization import JAMO

    # 120 different sentences (a corpus is deduplicated): who, when, what
    korean = [f"{who} {when} {what}" for who in ("학생들이", "자동차가", "모델이", "친구가", "선생님이")
              for when in ("오늘", "내일", "아침에", "저녁에", "가끔", "자주")
              for what in ("정말 좋아요", "빠르게 달립니다", "한국어를 배웁니다", "문장을 읽습니다")]
    _, new = tokenization.train_tokenizer(TokenizerConfig(vocab_size=200), korean)
    new.save_pretrained(str(tmp_path / "ko-tok"))
    corpus = tmp_path / "ko.txt"
    corpus.write_text("\n".join(korean), encoding="utf-8")
    cfg = PretrainConfig(**TINY, tokenizer=str(tmp_path / "ko-tok"), corpus=str(corpus), steps=10,
                         learning_rate=1e-2, warmup_steps=0, eval_every=10, probe="자동차가 오늘 [MASK]")
    _, snap = run_job("pretrain", cfg)
    assert snap["status"] == "done", snap["error"]
    preview = next(e for e in snap["events"] if e["type"] == "mask_preview")["tokens"]
    shown = "".join(t["shown"] + t["token"] for t in preview)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in shown) and not any(j in shown for j in JAMO)
    probe = [e for e in snap["events"] if e["type"] == "probe"][-1]
    assert len(probe["predictions"]) == 5
