"""The comparison as a job on the shared worker: a tiny model over every method, then MiniLM for real."""
from __future__ import annotations

import time

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab import sources
from lab.config import FinetuneConfig
from lab.kinds.finetune.models import try_it
from lab.serve.runner import build_runner

CLI_KEYS = {"trainable_params", "total_params", "predicted_memory_bytes", "peak_memory_bytes", "seconds_per_step",
            "wall_seconds", "accuracy", "f1", "saved_bytes", "loss"}
EXPORTABLE = {"full", "head", "selective", "lora", "lora_scratch", "dora", "adalora"}


def run(cfg: FinetuneConfig, timeout: float = 400) -> tuple[str, dict]:
    runner = build_runner()
    try:
        job_id = runner.submit("test", "finetune", cfg, allow_local=True)  # local files, as the CLI
        deadline = time.time() + timeout
        while runner.snapshot(job_id)["status"] in ("queued", "running") and time.time() < deadline:
            time.sleep(0.2)
        snap = runner.snapshot(job_id)
    finally:
        runner.shutdown()
    assert snap["status"] == "done", snap["error"] or snap["events"][-5:]
    return job_id, snap


def test_every_method_runs_saves_and_answers(tmp_path):
    base = tiny_folder(tmp_path)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    names = ["full", "head", "selective", "adapter", "lora", "lora_scratch", "qlora", "dora", "adalora", "prompt"]
    cfg = FinetuneConfig(methods=",".join(names), base=base, dataset=data, steps=3, batch_size=4, max_length=16,
                         lora_r=4, top_k_layers=1, adapter_size=4, prompt_tokens=4)
    job_id, snap = run(cfg)
    result = snap["result"]
    assert result["order"] == names
    steps = [e for e in snap["events"] if e["type"] == "step"]
    assert [e["method"] for e in steps] == [n for n in names for _ in range(3)]  # one after another
    for name in names:
        r = result["methods"][name]
        assert CLI_KEYS <= set(r), name
        assert [s for s, _ in r["loss"]] == [1, 2, 3]
        assert {"weights", "gradients", "optimizer", "activations"} <= set(r["predicted_memory_bytes"])
        assert r["exported"] == (name in EXPORTABLE)
        # the method's own events bracket its loading (from "Training name…" to its "method" event) and its
        # training (to its "result" event): neither figure may be longer than its bracket
        said = next(e["t"] for e in snap["events"] if e["type"] == "log" and e["message"] == f"Training {name}…")
        loaded = next(e["t"] for e in snap["events"] if e["type"] == "method" and e["method"] == name)
        finished = next(e["t"] for e in snap["events"] if e["type"] == "result" and e["method"] == name)
        assert 0 <= r["load_seconds"] <= loaded - said + 0.01  # a copy of the base read once: about 0 on a tiny one
        assert 0 < r["train_seconds"] <= finished - loaded + 0.01
        assert r["load_seconds"] + r["train_seconds"] <= r["wall_seconds"] + 0.02
        # the profile bench/finetune.py prints: its phases lie inside the method's wall time, the memory
        # watch inside loading and training (it starts before the weights load and ends with the steps)
        phases = r["phase_seconds"]
        assert phases["load"] == pytest.approx(r["load_seconds"], abs=0.01)
        assert phases["train"] == pytest.approx(r["train_seconds"], abs=0.01)
        assert all(v >= 0 for v in phases.values())
        assert sum(v for k, v in phases.items() if k != "memory_watch") <= r["wall_seconds"] + 0.02
        assert 0 < phases["memory_watch"] <= phases["load"] + phases["train"] + 0.01
    # the reported accuracy is the saved model's on the held-out rows, recomputed here
    from lab.kinds.finetune.data import make_plan
    plan = make_plan(cfg)
    full = sources.resolve_model(f"run:{job_id}/full")
    model, tok = AutoModelForSequenceClassification.from_pretrained(full), AutoTokenizer.from_pretrained(full)
    with torch.no_grad():
        logits = model(**tok([r["text"] for r in plan.evaluation], padding=True, truncation=True, max_length=16,
                             return_tensors="pt")).logits
    right = [plan.labels[i] == str(r["label"]) for i, r in zip(logits.argmax(-1).tolist(), plan.evaluation)]
    assert result["methods"]["full"]["accuracy"] == pytest.approx(sum(right) / len(right))
    assert result["methods"]["head"]["saved_bytes"] < result["methods"]["lora"]["saved_bytes"] \
        < result["methods"]["full"]["saved_bytes"]
    assert result["methods"]["qlora"]["quantised_linear_bytes"] < result["methods"]["qlora"]["fp32_linear_bytes"] / 3
    assert len(result["methods"]["lora"]["update_singular_values"]) == 2  # query and value of one layer
    # every method trained packed on the same batches: the same real tokens of the same padded positions;
    # prompt tuning's 4 virtual tokens are real tokens too, in each of the 3 steps' 4 rows
    counts = {n: (result["methods"][n]["tokens_computed"], result["methods"][n]["padded_positions"]) for n in names}
    tokens, positions = counts["full"]
    assert 0 < tokens < positions <= 3 * 4 * 16
    assert {counts[n] for n in names if n != "prompt"} == {(tokens, positions)}
    assert counts["prompt"] == (tokens + 3 * 4 * 4, positions + 3 * 4 * 4)
    ranks = [e for e in snap["events"] if e["type"] == "rank"]
    assert {e["method"] for e in ranks} == {"adalora"} and [e["step"] for e in ranks] == [1, 2, 3]
    refs = {m["ref"] for m in result["models"]}
    assert refs == {f"run:{job_id}/{n}" for n in EXPORTABLE}

    answers = try_it(job_id, "i love the movie")
    assert [a["method"] for a in answers] == names
    path = sources.resolve_model(f"run:{job_id}/lora")  # merged LoRA, loaded as a plain classifier
    model, tok = AutoModelForSequenceClassification.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    with torch.no_grad():
        probs = model(**tok(["i love the movie"], return_tensors="pt")).logits.softmax(-1)[0].tolist()
    lora_answer = next(a for a in answers if a["method"] == "lora")
    assert [p for _, p in lora_answer["scores"]] == pytest.approx(probs, abs=1e-5)


def test_minilm_head_and_lora_few_steps():
    cfg = FinetuneConfig(methods="head,lora", steps=2, batch_size=8, eval_size=32)
    job_id, snap = run(cfg)
    lora = snap["result"]["methods"]["lora"]
    assert lora["percent"] < 1.0 and lora["total_params"] > 22_000_000
    assert lora["saved_bytes"] < lora["full_model_bytes"] / 50
    answers = try_it(job_id, "What a wonderful day!")
    assert {a["answer"] for a in answers} <= {"negative", "positive"} and len(answers) == 2
