"""The other run kinds export too: a tokenizer run, an SFT run and a DPO run (one-layer Llama), each exported,
run as a script in a subprocess without the lab, and compared with the run (same tolerance as test_export)."""
from __future__ import annotations

from pathlib import Path

import pytest
from tests.sft_helpers import dpo_rows, sft_rows, tiny_model, write_jsonl
from tests.test_export import assert_same_curve, run_script
from tests.test_tokenization import CORPUS, run_job

from lab.config import DPORunConfig, SFTRunConfig, TokenizerConfig
from lab.export.script import export_run
from lab.store import Store


def exported(kind: str, cfg, tmp_path) -> tuple[dict, Path]:
    job_id, snap = run_job(kind, cfg)
    assert snap["status"] == "done", snap["error"]
    run = Store().get_run(job_id)
    return run, Path(export_run(run, tmp_path / "export")["dir"])


def test_tokenizer_export_learns_the_same_vocabulary(tmp_path):
    from transformers import AutoTokenizer

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS))
    run, folder = exported("tokenizer", TokenizerConfig(vocab_size=150, batch_size=7, corpus=str(corpus)), tmp_path)
    assert not (folder / "accelerate").exists()  # no Trainer, nothing to scale out
    results = run_script(folder)
    lab = AutoTokenizer.from_pretrained(run["result"]["tokenizer_path"])
    script = AutoTokenizer.from_pretrained(str(folder / "outputs" / "tokenizer"))
    # Not the same tokens one by one: the Rust trainer breaks ties between equally frequent pairs in hash order,
    # so even two trainings in one process differ there. The size and the compression are the run's.
    assert len(script) == len(lab) == run["result"]["vocab_size"]
    assert results["tokens_per_text_new"] == pytest.approx(run["result"]["tokens_per_text_new"], rel=0.05)
    assert results["tokens_per_text_old"] == run["result"]["tokens_per_text_old"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama")


@pytest.mark.parametrize("kind, config_class, rows", [("sft", SFTRunConfig, sft_rows), ("dpo", DPORunConfig, dpo_rows)])
def test_sft_and_dpo_exports_reproduce_the_loss(tiny, tmp_path, kind, config_class, rows):
    upload = write_jsonl(tmp_path / "pairs.jsonl", rows())
    cfg = config_class(model=tiny, dataset=upload, steps=4, batch_size=4, eval_size=4, max_new_tokens=2)
    run, folder = exported(kind, cfg, tmp_path)
    assert (folder / "base_model" / "config.json").exists() and (folder / "data" / "heldout.jsonl").exists()
    results = run_script(folder)
    assert_same_curve(run["curves"]["lora/step/loss"], results["loss"])
    assert results["accuracy_before"] == run["result"]["accuracy_before"]
    assert results["accuracy_after"] == run["result"]["accuracy_after"]
    # it trains as the lab trained: its precision, and in bf16 on a CPU eager attention (cpu_speed.py)
    assert results["precision"] == run["result"]["precision"]
    assert results["attention"] == ("eager" if results["precision"] == "bf16" else "sdpa")
    if kind == "dpo":
        margins = run["result"]["reward_margin"]  # the lab keeps 5 decimals of the margin
        assert [s for s, _ in results["reward_margin"]] == [s for s, _ in margins]
        assert [m for _, m in results["reward_margin"]] == pytest.approx([m for _, m in margins], abs=1e-5)
    assert (folder / "outputs" / "adapter" / "adapter_config.json").exists()


def test_rlhf_export_reproduces_both_stages(tiny, tmp_path):
    """A reward-model run, then GRPO against it and the label rule: the exported script trains the reward model
    again and then the policy against it, and both curves are the run's."""
    from tests.sft_helpers import PROMPT, TWEETS, preference_rows
    from tests.sft_helpers import tiny_encoder as tiny_encoder_folder

    from lab.config import RewardRunConfig, RLRunConfig

    encoder = tiny_encoder_folder(tmp_path / "bert")
    pairs = write_jsonl(tmp_path / "pairs.jsonl", preference_rows())
    reward_run, _ = exported("reward", RewardRunConfig(model=encoder, dataset=pairs, steps=20, batch_size=8,
                                                      eval_size=4, learning_rate=1e-2), tmp_path / "rm")
    prompts = write_jsonl(tmp_path / "prompts.jsonl", [{"prompt": PROMPT.format(t), "expected": y} for t, y in TWEETS])
    cfg = RLRunConfig(model=tiny, dataset=prompts, steps=4, eval_size=4, max_new_tokens=2, max_completion_length=3,
                      reward_model=f"run:{reward_run['id']}", reward_model_weight=1.0, label_weight=0.5,
                      learning_rate=1e-2)
    run, folder = exported("rl", cfg, tmp_path)
    assert (folder / "reward_base" / "config.json").exists() and (folder / "data" / "pairs.jsonl").exists()
    results = run_script(folder)
    assert_same_curve(reward_run["curves"]["full/step/loss"], results["reward_model"]["loss"])
    assert results["reward_model"]["heldout_accuracy"] == pytest.approx(reward_run["result"]["heldout_accuracy"],
                                                                        abs=1e-4)
    assert reward_run["result"]["heldout_accuracy"] >= 0.75  # it learnt something to reproduce
    lab_reward = run["result"]["reward"]  # the lab keeps 5 decimals of the reward
    assert [s for s, _ in results["policy"]["reward"]] == [s for s, _ in lab_reward]
    assert [r for _, r in results["policy"]["reward"]] == pytest.approx([r for _, r in lab_reward], abs=2e-5)
    assert results["policy"]["accuracy_before"] == run["result"]["accuracy_before"]
    assert results["policy"]["accuracy_after"] == run["result"]["accuracy_after"]
    assert results["precision"] == run["result"]["precision"]
