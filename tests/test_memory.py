"""The memory figures: the ledger predicted before a run against the peak measured during it.

A small BERT (2 layers, hidden 64) on short texts, but the 16 texts that seed 2's random order draws at
step 9 of 10 are repeated until they fill max_length (every tiny text has at least 2 words): that batch
alone has the predicted shape with no padding (the encoder trains packed, so a batch's memory follows
its real tokens), and only a measurement that covers the whole run (not its first steps) reaches the ledger. Tolerance: the measured
peak is within 10% of the predicted total for full, classifier-only, LoRA and QLoRA (the ledger leaves out
a few gradients that overlap the activations' release, and the batch tensors); the measurement covers the
weights and does not depend on the order of the methods.
The same holds in bf16 autocast, whose ledger counts the bf16 copies the forward keeps.
"""
from __future__ import annotations

import tempfile

import pytest
from tests.tiny_classifier import tiny_folder, tiny_model, tiny_rows, write_csv

from lab.__main__ import run_job
from lab.config import FinetuneConfig
from lab.kinds.finetune.models import load_base
from lab.kinds.finetune.data import make_plan
from lab.metrics import count_parameters, predict_memory, weight_bytes

SHAPE = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256)
METHODS = ["full", "head", "lora", "qlora"]
TOLERANCE = 0.10
LONG_STEP = 9  # the step whose batch is all full-length texts (setup puts them there)


def drawn_at(step: int, rows: int, cfg: FinetuneConfig) -> list[int]:
    """Which of `rows` uploaded rows the job's Trainer draws at `step`: the upload is split as the lab splits
    it (lab.data.split_rows), then sampled as the job's Trainer samples (its data seed, not the global RNG)."""
    import datasets
    from transformers import Trainer

    from lab.data import split_rows
    from lab.training import training_args

    train, _ = split_rows(list(range(rows)))
    with tempfile.TemporaryDirectory() as scratch:
        args = training_args(scratch, cfg.steps, cfg.batch_size, 1e-4, cfg.seed, remove_unused_columns=False)
        trainer = Trainer(model=tiny_model(), args=args, train_dataset=datasets.Dataset.from_dict({"row": train}),
                          data_collator=lambda batch: {"row": [r["row"] for r in batch]})
        for number, batch in enumerate(trainer.get_train_dataloader(), 1):
            if number == step:
                return batch["row"]
    raise AssertionError(f"the run has no step {step}")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("memory")
    base = tiny_folder(root, **SHAPE)
    rows = tiny_rows() * 12
    late = drawn_at(LONG_STEP, len(rows), config((base, ""), METHODS))
    for i in late:  # 16 copies of at least 2 words: past max_length, so truncated to exactly it
        rows[i] = {"text": " ".join([rows[i]["text"]] * 16), "label": rows[i]["label"]}
    return base, write_csv(root / "late.csv", rows)


def config(setup, methods) -> FinetuneConfig:
    base, data = setup
    return FinetuneConfig(methods=",".join(methods), base=base, dataset=data, steps=LONG_STEP + 1, batch_size=16,
                          max_length=32, lora_r=4, eval_size=8, save_models=False, seed=2)


def check_ledger(methods: dict) -> None:
    for name in METHODS:
        measured, ledger = methods[name]["peak_memory_bytes"], methods[name]["predicted_memory_bytes"]
        assert measured == pytest.approx(ledger["total"], rel=TOLERANCE), (name, measured, ledger)
        assert sum(ledger["at_peak"].values()) == ledger["total"]
        # the weights are inside the figure: loading alone reaches them
        phases = methods[name]["measured_phase_bytes"]
        assert phases["load"] >= ledger["weights"], name
        # the peak is the late long batch's, long after the steps every measurement watches
        assert max(phases, key=phases.get) == f"step {LONG_STEP}: forward and backward", (name, phases)
        assert f"step {LONG_STEP - 1}: forward and backward" not in phases  # a short batch is not watched again
    head, full = methods["head"]["predicted_memory_bytes"], methods["full"]["predicted_memory_bytes"]
    assert head["activations"] == 0 and full["activations"] > 10 * head["workspace"] / 4


def test_measured_peak_matches_the_ledger_in_either_order(setup, monkeypatch):
    monkeypatch.setenv("LAB_PRECISION", "fp32")
    forward = run_job("finetune", config(setup, METHODS))["methods"]
    backward = run_job("finetune", config(setup, METHODS[::-1]))["methods"]
    check_ledger(forward)
    for name in METHODS:
        assert forward[name]["peak_memory_bytes"] == pytest.approx(backward[name]["peak_memory_bytes"], rel=0.01), name
    assert forward["qlora"]["peak_memory_bytes"] < forward["lora"]["peak_memory_bytes"]


def test_the_ledger_predicts_bf16_autocast_too(setup, monkeypatch):
    monkeypatch.setenv("LAB_PRECISION", "bf16")
    methods = run_job("finetune", config(setup, METHODS))["methods"]
    assert {m["precision"] for m in methods.values()} == {"bf16"}
    check_ledger(methods)
    # autocast keeps bf16 copies where fp32 kept fp32 ones: LoRA's predicted peak is lower than in fp32
    monkeypatch.setenv("LAB_PRECISION", "fp32")
    cfg = config(setup, ["lora"])
    model, _ = load_base("lora", make_plan(cfg), cfg)
    assert methods["lora"]["predicted_memory_bytes"]["total"] < 0.8 * predict_memory(model, 16, 32)["total"]


@pytest.mark.parametrize("name", ["lora", "qlora"])
def test_trainable_counts_agree_with_peft_and_4bit_weights_count_once(setup, name):
    cfg = config(setup, [name])
    model, _ = load_base(name, make_plan(cfg), cfg)
    trainable, total = model.get_nb_trainable_parameters()
    counts = count_parameters(model)
    assert (counts["trainable"], counts["total"]) == (trainable, total)
    if name == "qlora":
        import bitsandbytes

        from lab.kinds.finetune.methods.qlora import quantised_bytes
        # bitsandbytes' own layers only: peft's wrapper (also named Linear4bit) shows the same weight again
        layers = [m for m in model.modules() if isinstance(m, bitsandbytes.nn.Linear4bit)]
        assert len(layers) == 13  # 2 layers x 6 Linear + the pooler
        packed = sum(m.weight.numel() + 4 * m.weight.quant_state.absmax.numel() for m in layers)
        assert quantised_bytes(model)["quantised_linear_bytes"] == packed
        others = sum(p.numel() * p.element_size() for n, p in model.named_parameters()
                     if p.__class__.__name__ != "Params4bit") + sum(b.numel() * b.element_size() for b in model.buffers())
        assert weight_bytes(model) == packed + others


@pytest.mark.parametrize("chosen", ["fp32", "bf16"])
def test_the_ledger_holds_on_minilm_whose_dropout_changes_what_autocast_keeps(tmp_path, monkeypatch, chosen):
    """The page's default model: dropout on (hidden and attention), batches filling max_length (16 x 64),
    so the measured peak meets the ledger's shapes. The bf16 terms for dropout were measured on it."""
    import random

    monkeypatch.setenv("LAB_PRECISION", chosen)
    words = "the flight was great and the crew kind but my bag got lost on the way home again".split()
    random.seed(0)
    rows = [{"text": " ".join(random.choice(words) for _ in range(90)), "label": ("negative", "positive")[i % 2]}
            for i in range(64)]
    cfg = FinetuneConfig(methods=",".join(METHODS), dataset=write_csv(tmp_path / "long.csv", rows), steps=3,
                         batch_size=16, max_length=64, eval_size=8, save_models=False)
    methods = run_job("finetune", cfg)["methods"]
    for name in METHODS:
        measured, ledger = methods[name]["peak_memory_bytes"], methods[name]["predicted_memory_bytes"]
        assert methods[name]["precision"] == chosen
        assert measured == pytest.approx(ledger["total"], rel=TOLERANCE), (name, measured, ledger)


@pytest.mark.parametrize("chosen, length", [("bf16", 64), ("bf16", 160), ("fp32", 64), ("fp32", 160)])
def test_eager_attention_keeps_its_scores_and_the_ledger_counts_them(chosen, length):
    """What eager attention keeps beyond SDPA (counted with saved_tensors_hooks on a two-layer Llama) is what
    the ledger adds for it, within 20%: the causal kinds train with eager attention in bf16 on the CPU."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=500, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2)
    torch.manual_seed(0)
    ids = torch.randint(0, 500, (2, length))
    kept, predicted = {}, {}
    for attention in ("sdpa", "eager"):
        model = LlamaForCausalLM(config)
        model.set_attn_implementation(attention)
        saved = {}

        def pack(tensor):
            saved.setdefault(tensor.data_ptr(), tensor.numel() * tensor.element_size())
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=chosen == "bf16"):
                model(input_ids=ids)
        kept[attention] = sum(saved.values())
        predicted[attention] = predict_memory(model, 2, length, chosen)["activations"]
    measured, ledger = kept["eager"] - kept["sdpa"], predicted["eager"] - predicted["sdpa"]
    assert measured > 2 * 4 * length * length * 2  # at least 2 bytes a score over both layers
    assert abs(ledger - measured) <= 0.2 * measured, (ledger, measured)


def test_a_window_counts_live_tensors_and_aside_leaves_out_only_what_dies_inside():
    import torch

    from lab.metrics import TensorMemory

    kept_bytes, temp_bytes, later_bytes = 4_000_000, 40_000_000, 8_000_000
    memory = TensorMemory("cpu", steps=1).start()
    kept = torch.empty(kept_bytes // 4)
    with memory.aside("after the block"):
        temp = torch.ones(temp_bytes // 4)
        del temp
    later = torch.empty(later_bytes // 4)
    memory.pause()  # ends the first window: every later window counts from what is live now
    # the window's own allocations: the tensors and the probe that names the thread, no more
    assert kept_bytes + later_bytes <= memory.peak_bytes < kept_bytes + later_bytes + 1024
    assert memory.baseline == memory.peak_bytes
    assert memory.phase_peaks["after the block"] == memory.peak_bytes
    assert memory.phase_peaks["load"] < kept_bytes + 1024
    memory.resume("a step")
    step = torch.empty(2_000_000)
    del step
    peak = memory.stop()  # a later window: the baseline and its own peak
    assert memory.baseline + 8_000_000 <= peak < memory.baseline + 8_000_000 + 1024
    del kept, later

    # the same block, watched: its 40 MB is in the peak
    watched = TensorMemory("cpu", steps=1).start()
    temp = torch.ones(temp_bytes // 4)
    del temp
    assert watched.stop() >= temp_bytes
