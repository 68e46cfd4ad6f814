"""Cancelling a running training job ends it within one step, through the real Trainer callback."""
from __future__ import annotations

import time

import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer

from lab.serve.runner import Runner
from lab.training import EventCallback, training_args


class Batches(torch.utils.data.Dataset):
    def __len__(self):
        return 10_000

    def __getitem__(self, i):
        ids = torch.randint(5, 50, (8,))
        return {"input_ids": ids, "attention_mask": torch.ones(8, dtype=torch.long), "labels": int(i % 2)}


def tiny_training(cfg, ctx):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=60, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=2)
    model = BertForSequenceClassification(config)
    callback = EventCallback(ctx, method="tiny")
    trainer = Trainer(model=model, args=training_args(cfg["dir"], max_steps=5000, batch_size=4, learning_rate=1e-3),
                      train_dataset=Batches(), callbacks=[callback])
    trainer.train()
    return {"steps": trainer.state.global_step}


def test_cancel_stops_a_running_trainer_within_one_step(tmp_path):
    runner = Runner({"train": tiny_training})
    job_id = runner.submit("a", "train", {"dir": str(tmp_path)})
    deadline = time.time() + 60
    steps = []
    while time.time() < deadline:
        steps = [e for e in runner.snapshot(job_id)["events"] if e["type"] == "step"]
        if len(steps) >= 3:
            break
        time.sleep(0.01)
    assert len(steps) >= 3, "training never logged three steps"
    assert steps[0]["method"] == "tiny" and steps[0]["loss"] > 0
    runner.cancel(job_id, owner="a")
    at_cancel = max(e["step"] for e in runner.snapshot(job_id)["events"] if e["type"] == "step")
    while runner.snapshot(job_id)["status"] == "running" and time.time() < deadline:
        time.sleep(0.01)
    snap = runner.snapshot(job_id)
    assert snap["status"] == "cancelled"
    last = max(e["step"] for e in snap["events"] if e["type"] == "step")
    assert last <= at_cancel + 1
    runner.shutdown()
