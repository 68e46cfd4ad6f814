"""A job's randomness is its own: the same config gives the same loss curves, whatever ran before it.

A job trains in a child forked from the forkserver, so it starts from the server's RNG state whatever
it does not seed itself; it must seed everything it draws (the new head, adapters, dropout, data
order) or a run on the worker thread, from another RNG state, would tell it apart. The pages'
explainers and text sampling run in the web process and must not reseed its global RNG.
"""
from __future__ import annotations

import time
from dataclasses import replace

import torch
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab.teach import explain
from lab.config import FinetuneConfig
from lab.kinds.pipeline import local_sampler
from lab.serve.runner import build_runner


def losses(cfg: FinetuneConfig, isolate: bool = True) -> dict:
    runner = build_runner(isolate=isolate)
    try:
        job_id = runner.submit("test", "finetune", cfg, allow_local=True)  # a test file, as the CLI allows
        while runner.snapshot(job_id)["status"] in ("queued", "running"):
            time.sleep(0.01)
        snap = runner.snapshot(job_id)
    finally:
        runner.shutdown()
    assert snap["status"] == "done", snap["error"]
    return {name: r["loss"] for name, r in snap["result"]["methods"].items()}


def test_same_config_same_curves_in_a_row_and_in_any_process(tmp_path):
    base = tiny_folder(tmp_path, hidden_dropout_prob=0.2, attention_probs_dropout_prob=0.2)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    cfg = FinetuneConfig(methods="lora,full", base=base, dataset=data, steps=6, batch_size=4, max_length=16,
                         lora_r=4, lora_dropout=0.3, eval_size=4, save_models=False)

    first = losses(cfg)  # a child of the forkserver
    other = losses(replace(cfg, methods="head", seed=1))  # another job in between, from the same forkserver
    second = losses(cfg)
    torch.manual_seed(1234)
    torch.rand(100)  # this process's RNG is somewhere else entirely
    here = losses(cfg, isolate=False)  # the same job on the worker thread of this process
    assert second == first and here == first
    assert other["head"] != first["full"]
    assert len({round(v, 6) for _, v in first["lora"]}) > 1  # the curve moves: the runs drew dropout


def test_explainers_and_sampling_leave_the_global_rng_alone(tmp_path):
    base = tiny_folder(tmp_path)
    cfg = FinetuneConfig(methods="lora", base=base, lora_r=4)
    state = torch.get_rng_state()
    explain.parameter_map(base, ["full", "head", "lora", "qlora"], cfg, allow_local=True)  # a test folder
    local_sampler(1.0)[0](None, torch.zeros(1, 50))
    assert torch.equal(torch.get_rng_state(), state)


def test_local_sampler_draws_from_its_own_generator():
    scores = torch.randn(1, 1000)
    draws = [int(local_sampler(1.0, seed=7)[0](None, scores).argmax()) for _ in range(2)]
    assert draws[0] == draws[1]  # same seed, same token
    many = {int(local_sampler(1.0, seed=s)[0](None, scores).argmax()) for s in range(20)}
    assert len(many) > 5  # it samples, not greedy
    chosen = local_sampler(1.0, seed=3)[0](None, scores)
    assert (chosen == 0).sum() == 1 and torch.isinf(chosen).sum() == 999
