"""Stop keeps what finished, for every kind: a run stopped after a few steps ends "cancelled" with
its partial result (the model so far, saved and offered; its curves), and a stopped tokenizer run
says that it keeps nothing. Tiny models (one layer, hidden 16); each job is stopped from outside,
through Runner.cancel, as the Stop button does.
"""
from __future__ import annotations

import random
import time

import pytest

from lab.config import DPORunConfig, PretrainConfig, SFTRunConfig, TokenizerConfig
from lab.store import run_folder
from tests.sft_helpers import dpo_rows, sft_rows, tiny_model, write_jsonl

SENTENCES = ["the cat eats fish .", "my dog likes toys .", "a bird sees seeds ."]
rng = random.Random(0)
CORPUS = [rng.choice(SENTENCES) for _ in range(400)]


def stop_after(kind, cfg, steps: int = 3, event: str = "step"):
    """Run a job on the app's runner, press Stop once `steps` events of type `event` arrived; the final snapshot."""
    from lab.store import Store
    from lab.serve.runner import build_runner

    runner = build_runner(Store())
    job_id = runner.submit("owner-a", kind, cfg, allow_local=True)  # local test files, as the CLI
    deadline, seen = time.time() + 120, 0
    while time.time() < deadline and runner.snapshot(job_id)["status"] in ("queued", "running"):
        seen = sum(e["type"] == event for e in runner.snapshot(job_id)["events"])
        if seen >= steps:
            assert runner.cancel(job_id, owner="owner-a")
            break
        time.sleep(0.005)
    assert seen >= steps, runner.snapshot(job_id)["error"]
    while runner.snapshot(job_id)["status"] in ("queued", "running") and time.time() < deadline:
        time.sleep(0.02)
    snap = runner.snapshot(job_id)
    runner.shutdown()
    return job_id, snap


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama")


def assert_kept(job_id, snap, task: str):
    from lab.kinds.pipeline import lab_models
    from lab.store import get_store

    assert snap["status"] == "cancelled", snap["error"]
    assert snap["error"] == "Stopped by the user; what finished before is kept."
    result = snap["result"]
    assert result["stopped"] is True and 3 <= result["steps"] < 100
    assert (dict(lab_models(task, "owner-a"))[result["models"][0]["label"]] == f"run:{job_id}"
            and "(stopped)" in result["models"][0]["label"])  # offered in the Pipeline tab
    assert lab_models(task, "someone-else") == []  # still private
    row = get_store().get_run(job_id)
    assert row["status"] == "cancelled" and row["result"]["steps"] == result["steps"] and row["curves"]
    return result


def test_stopped_pretraining_keeps_its_model_and_curves(tmp_path):
    from transformers import BertForMaskedLM

    from lab import sources
    from lab.kinds import tokenizer as tokenization

    _, tokenizer = tokenization.train_tokenizer(TokenizerConfig(vocab_size=120), CORPUS)
    tokenizer.save_pretrained(str(tmp_path / "tok"))
    (tmp_path / "corpus.txt").write_text("\n".join(CORPUS))
    cfg = PretrainConfig(hidden=16, layers=1, heads=2, intermediate=32, max_positions=32, block_size=16,
                         batch_size=16, tokenizer=str(tmp_path / "tok"), corpus=str(tmp_path / "corpus.txt"),
                         steps=2000, eval_every=1000, probe="the cat [MASK] fish .")
    job_id, snap = stop_after("pretrain", cfg)
    result = assert_kept(job_id, snap, "fill-mask")
    assert [s for s, _ in result["train_loss"]] == list(range(1, result["steps"] + 1))
    # the final evaluation is skipped: the last perplexity is the untrained one, and says so
    assert result["final_eval_step"] == 0 and result["eval_perplexity"] == [[0, result["final_eval_perplexity"]]]
    model = BertForMaskedLM.from_pretrained(sources.resolve_model(f"run:{job_id}", viewer="owner-a"))
    assert model.config.hidden_size == 16
    from lab.ui.pretrain_tab import render
    summary = render(snap["events"], snap)[-1]  # the page's summary of the stopped run
    assert f"trained {result['steps']} steps before it was stopped (last evaluated at step 0)" in summary


@pytest.mark.parametrize("kind", ["sft", "dpo"])
def test_stopped_sft_and_dpo_keep_the_model_so_far_and_skip_the_after_answers(tiny_llama, tmp_path, kind):
    from transformers import AutoModelForCausalLM

    from lab import sources

    rows, config = (sft_rows(), SFTRunConfig) if kind == "sft" else (dpo_rows(), DPORunConfig)
    cfg = config(model=tiny_llama, dataset=write_jsonl(tmp_path / "d.jsonl", rows), steps=1000, batch_size=2,
                 eval_size=4, max_new_tokens=2, method="lora", lora_targets="q_proj,v_proj")
    job_id, snap = stop_after(kind, cfg)
    result = assert_kept(job_id, snap, "text-generation")
    assert result["accuracy_after"] is None and result["accuracy_before"] is not None
    assert len(result["loss"]) == result["steps"] and all(r["after"] == "" for r in result["answers"])
    phases = [e["phase"] for e in snap["events"] if e["type"] == "answers"]
    assert phases == ["before", "stopped"]
    assert (run_folder(job_id) / "adapter" / "adapter_config.json").exists()
    model = AutoModelForCausalLM.from_pretrained(sources.resolve_model(f"run:{job_id}", viewer="owner-a"))
    assert model.config.hidden_size == 16
    from lab.ui.sft_tab import answers_html
    stopped_answers = [e for e in snap["events"] if e["type"] == "answers"][-1]
    assert "not asked again: stopped before the end" in answers_html(stopped_answers)  # what the page shows


def test_a_stopped_tokenizer_run_says_it_keeps_nothing(tmp_path):
    from lab.kinds import tokenizer as tokenization

    (tmp_path / "corpus.txt").write_text("\n".join(f"{w} {i} {i * 7}" for i, w in
                                                  zip(range(60_000), CORPUS * 150)))
    cfg = TokenizerConfig(vocab_size=200, corpus=str(tmp_path / "corpus.txt"), batch_size=5)
    job_id, snap = stop_after("tokenizer", cfg, steps=2, event="progress")
    assert snap["status"] == "cancelled" and snap["result"] is None
    assert snap["error"].startswith("Stopped by the user; nothing had finished yet.")
    assert "keeps nothing" in snap["error"]
    assert tokenization.tokenizer_runs("owner-a") == []
