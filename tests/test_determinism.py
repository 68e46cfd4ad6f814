"""A job's randomness is its own: the same config gives the same loss curves, whatever pages do meanwhile.

Pages' explainers and text sampling must not draw from (or reseed) the global RNG the training job
draws dropout and data order from.
"""
from __future__ import annotations

import time

import torch
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab.teach import explain
from lab.config import FinetuneConfig
from lab.kinds.pipeline import local_sampler
from lab.serve.runner import build_runner


def losses(cfg: FinetuneConfig, meanwhile=None) -> dict:
    runner = build_runner()
    try:
        job_id = runner.submit("test", "finetune", cfg, allow_local=True)  # a test file, as the CLI allows
        while runner.snapshot(job_id)["status"] in ("queued", "running"):
            if meanwhile is not None:
                meanwhile()  # on this thread, while the worker trains
            time.sleep(0.01)
        snap = runner.snapshot(job_id)
    finally:
        runner.shutdown()
    assert snap["status"] == "done", snap["error"]
    return {name: r["loss"] for name, r in snap["result"]["methods"].items()}


def test_same_config_same_curves_with_explainers_in_between(tmp_path):
    base = tiny_folder(tmp_path, hidden_dropout_prob=0.2, attention_probs_dropout_prob=0.2)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    cfg = FinetuneConfig(methods="lora,full", base=base, dataset=data, steps=6, batch_size=4, max_length=16,
                         lora_r=4, lora_dropout=0.3, eval_size=4, save_models=False)

    def explain_and_sample():
        explain.parameter_map(base, ["full", "head", "lora", "qlora"], cfg, allow_local=True)  # a test folder
        local_sampler(1.0)[0](None, torch.zeros(1, 50))

    first = losses(cfg)
    state = torch.get_rng_state()
    explain_and_sample()
    assert torch.equal(torch.get_rng_state(), state)  # the explainers left the global RNG alone
    second = losses(cfg, meanwhile=explain_and_sample)
    assert second == first
    assert len({round(v, 6) for _, v in first["lora"]}) > 1  # the curve moves: the runs drew dropout


def test_local_sampler_draws_from_its_own_generator():
    scores = torch.randn(1, 1000)
    draws = [int(local_sampler(1.0, seed=7)[0](None, scores).argmax()) for _ in range(2)]
    assert draws[0] == draws[1]  # same seed, same token
    many = {int(local_sampler(1.0, seed=s)[0](None, scores).argmax()) for s in range(20)}
    assert len(many) > 5  # it samples, not greedy
    chosen = local_sampler(1.0, seed=3)[0](None, scores)
    assert (chosen == 0).sum() == 1 and torch.isinf(chosen).sum() == 999
