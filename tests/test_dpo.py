"""DPO with trl on a one-layer Llama: the reward margin rises, only the adapter trains, bad inputs."""
from __future__ import annotations

import pytest

from lab.config import DPORunConfig
from lab.kinds.causal.dpo import dpo_job
from lab.errors import LabError
from tests.sft_helpers import context, dpo_rows, tiny_model, write_jsonl


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama")


def config(tiny, upload, **kw) -> DPORunConfig:
    settings = dict(model=tiny, dataset=upload, steps=10, batch_size=4, eval_size=4, max_new_tokens=2,
                    learning_rate=5e-2)
    settings.update(kw)
    return DPORunConfig(**settings)


def test_reward_margin_rises_and_only_the_adapter_trains(tiny, tmp_path):
    result = dpo_job(config(tiny, write_jsonl(tmp_path / "p.jsonl", dpo_rows())), context("dpo"))
    margins = [m for _, m in result["reward_margin"]]
    losses = [loss for _, loss in result["loss"]]
    assert len(margins) == 10 and sum(margins[-3:]) / 3 > margins[0]
    assert sum(losses[-3:]) / 3 < losses[0]
    assert result["parameters"]["percent"] < 5
    assert result["models"][0]["task"] == "text-generation"
    # training time as SFT reports it: within the whole job's time, the mean step times the steps
    assert 0 < result["train_seconds"] < result["seconds"]
    assert result["train_seconds"] == pytest.approx(result["seconds_per_step"] * result["steps"], abs=0.02)


@pytest.mark.parametrize("mutate, sentence", [
    (lambda rows: rows.__setitem__(0, {**rows[0], "rejected": rows[0]["chosen"]}), "chosen and rejected are the same"),
    (lambda rows: rows[1].pop("rejected"), "has no rejected"),
])
def test_bad_pairs_get_a_sentence(tiny, tmp_path, mutate, sentence):
    rows = dpo_rows()
    mutate(rows)
    with pytest.raises(LabError, match=sentence):
        dpo_job(config(tiny, write_jsonl(tmp_path / "p.jsonl", rows)), context("dpo"))


def test_beta_out_of_range(tiny, tmp_path):
    with pytest.raises(LabError, match="Beta must be"):
        dpo_job(config(tiny, write_jsonl(tmp_path / "p.jsonl", dpo_rows()), beta=0.0), context("dpo"))
