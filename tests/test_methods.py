"""Every fine-tuning method on a tiny 1-layer, hidden-16 BERT classifier: exactly the right parameters
train and the loss falls; LoRA from scratch equals peft's LoRA and merges without changing outputs;
each bad input gets its sentence before anything trains."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from tests.tiny_classifier import tiny_folder, tiny_model, tiny_rows, write_csv

from lab.kinds.finetune import methods as registry
from lab.config import FINETUNE_METHODS, FinetuneConfig
from lab.errors import LabError
from lab.kinds.finetune.models import load_base
from lab.kinds.finetune.data import Plan, make_plan
from lab.kinds.finetune.methods import bnb
from lab.kinds.finetune.methods.lora_scratch import LinearWithLoRA, merge_lora, replace_linear_with_lora

LAYER = "bert.encoder.layer.0."
HEAD = {"classifier.weight", "classifier.bias"}
PEFT_HEAD = {"base_model.model.classifier.modules_to_save.default.weight",
             "base_model.model.classifier.modules_to_save.default.bias"}
PEFT_LORA = {f"base_model.model.{LAYER}attention.self.{m}.lora_{ab}.default.weight"
             for m in ("query", "value") for ab in "AB"}
EXPECTED = {  # method -> the exact set of trainable parameter names (None: all of them)
    "full": None,
    "head": HEAD,
    "selective": HEAD | {"bert.pooler.dense.weight", "bert.pooler.dense.bias"}
    | {f"{LAYER}{part}.{wb}" for part in ("attention.self.query", "attention.self.key", "attention.self.value",
                                          "attention.output.dense", "attention.output.LayerNorm",
                                          "intermediate.dense", "output.dense", "output.LayerNorm")
       for wb in ("weight", "bias")},
    "adapter": HEAD | {f"{LAYER}output.dense.1.{p}.{wb}" for p in ("down", "up") for wb in ("weight", "bias")},
    "lora": PEFT_LORA | PEFT_HEAD,
    "lora_scratch": HEAD | {f"{LAYER}attention.self.{m}.lora.{ab}" for m in ("query", "value") for ab in "AB"},
    "qlora": PEFT_LORA | PEFT_HEAD,
    "dora": PEFT_LORA | PEFT_HEAD | {f"base_model.model.{LAYER}attention.self.{m}.lora_magnitude_vector.default.weight"
                                     for m in ("query", "value")},
    "adalora": PEFT_HEAD | {f"base_model.model.{LAYER}attention.self.{m}.lora_{p}.default"
                            for m in ("query", "value") for p in "ABE"},
    "prompt": {"prompt_encoder.default.embedding.weight", "base_model.classifier.modules_to_save.default.weight",
               "base_model.classifier.modules_to_save.default.bias"},
}
CFG = dict(top_k_layers=1, adapter_size=4, lora_r=4, lora_alpha=8, lora_dropout=0.0, max_length=16, prompt_tokens=4)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_folder(tmp_path_factory.mktemp("tiny"))


def batch(base_path):
    from transformers import AutoTokenizer

    rows = tiny_rows()
    tokens = AutoTokenizer.from_pretrained(base_path)([r["text"] for r in rows], padding=True, return_tensors="pt")
    labels = torch.tensor([int(r["label"] == "positive") for r in rows])
    return dict(tokens), labels


def test_the_table_covers_every_method():
    assert set(EXPECTED) == set(FINETUNE_METHODS) == set(registry.METHODS)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_method_trains_exactly_its_parameters_and_loss_falls(name, base):
    cfg = FinetuneConfig(**CFG)
    model, _ = load_base(name, Plan(base, [], [], ["negative", "positive"], [name]), cfg)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    everything = {n for n, _ in model.named_parameters()}
    assert trainable == (everything if EXPECTED[name] is None else EXPECTED[name])
    frozen_before = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}

    inputs, labels = batch(base)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    losses = []
    for _ in range(25):
        loss = model(**inputs, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-3:]) / 3 < losses[0] - 0.05, losses
    for n, p in model.named_parameters():  # frozen means frozen (4-bit weights included)
        if n in frozen_before:
            assert torch.equal(p.detach(), frozen_before[n]), n


def test_unknown_method_raises():
    with pytest.raises(LabError, match="Unknown fine-tuning method 'sparse'"):
        registry.get("sparse")


def _peft_and_scratch(r=4, alpha=8):
    from peft import LoraConfig, TaskType, get_peft_model

    base = tiny_model().eval()
    scratch = copy.deepcopy(base)
    peft_model = get_peft_model(base, LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=0.0,
                                                 target_modules=["query", "value"])).eval()
    replace_linear_with_lora(scratch, ["query", "value"], r, alpha)
    torch.manual_seed(1)
    for name, module in scratch.named_modules():
        if isinstance(module, LinearWithLoRA):
            peft_layer = peft_model.base_model.model.get_submodule(name)
            with torch.no_grad():
                peft_layer.lora_B["default"].weight.normal_(0, 0.3)  # B = 0 would make any LoRA "equal"
                module.lora.A.copy_(peft_layer.lora_A["default"].weight.T)
                module.lora.B.copy_(peft_layer.lora_B["default"].weight.T)
    with torch.no_grad():  # peft trains a copy of the head; give both the same one
        head = peft_model.base_model.model.classifier.modules_to_save["default"]
        scratch.classifier.weight.copy_(head.weight)
        scratch.classifier.bias.copy_(head.bias)
    return peft_model, scratch.eval()


def test_scratch_lora_gives_the_same_outputs_as_peft():
    peft_model, scratch = _peft_and_scratch()
    ids = torch.tensor([[2, 5, 9, 12, 3], [2, 7, 8, 3, 0]])
    mask = (ids != 0).long()
    plain = tiny_model().eval()(input_ids=ids, attention_mask=mask).logits
    ours = scratch(input_ids=ids, attention_mask=mask).logits
    theirs = peft_model(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(ours, theirs, atol=1e-5)
    assert not torch.allclose(ours, plain, atol=1e-3)  # the update is really there


def test_merging_leaves_outputs_unchanged():
    peft_model, scratch = _peft_and_scratch()
    ids = torch.tensor([[2, 5, 9, 12, 3]])
    before = scratch(input_ids=ids).logits
    merged = merge_lora(scratch)
    assert not any(isinstance(m, LinearWithLoRA) for m in merged.modules())
    assert all(isinstance(merged.get_submodule(f"{LAYER}attention.self.{m}"), torch.nn.Linear)
               for m in ("query", "value"))
    assert torch.allclose(merged(input_ids=ids).logits, before, atol=1e-5)
    peft_before = peft_model(input_ids=ids).logits
    assert torch.allclose(peft_model.merge_and_unload()(input_ids=ids).logits, peft_before, atol=1e-5)


class Recorder:
    """What a job's context offers a callback: emit and cancelled (the events land in a list)."""

    def __init__(self):
        self.events, self.cancelled = [], False

    def emit(self, type, **fields):
        self.events.append({"type": type, **fields})


def test_adalora_prunes_the_rank_budget_while_it_trains(base, tmp_path):
    from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer

    from lab.kinds.finetune.job import encode
    from lab.training import training_args

    steps = 20
    cfg = FinetuneConfig(**{**CFG, "steps": steps, "lora_r": 2})
    model, _ = load_base("adalora", Plan(base, [], [], ["negative", "positive"], ["adalora"]), cfg)
    tokenizer = AutoTokenizer.from_pretrained(base)
    ctx = Recorder()
    trainer = Trainer(model=model, args=training_args(str(tmp_path), steps, 4, 1e-2),
                      train_dataset=encode(tiny_rows(), tokenizer, ["negative", "positive"], 16),
                      data_collator=DataCollatorWithPadding(tokenizer),
                      callbacks=registry.callbacks("adalora", model, ctx))
    trainer.train()
    ranks = [e for e in ctx.events if e["type"] == "rank"]
    assert [e["step"] for e in ranks] == list(range(1, steps + 1))
    assert ranks[0]["layers"] == ["L0.query", "L0.value"]
    init_r = registry.adalora.schedule(cfg)["init_r"]
    assert ranks[0]["budget"] == 2 * init_r  # warm-up: every triplet kept
    assert ranks[-1]["budget"] == 2 * cfg.lora_r  # pruned to the target rank per layer on average
    assert min(e["budget"] for e in ranks) == ranks[-1]["budget"]
    assert registry.adalora.layer_ranks(model) == dict(zip(ranks[-1]["layers"], ranks[-1]["ranks"]))


def test_adalora_plots_the_task_loss_and_its_penalty_apart(base, tmp_path, monkeypatch):
    """Both start from the unchanged base (LoRA's B and AdaLoRA's E are zero) on the same seed and batch, so the
    first plotted losses agree; peft adds AdaLoRA's orthogonality penalty to what trains, shown apart."""
    from tests.test_tokenization import run_job

    monkeypatch.setenv("LAB_PRECISION", "fp32")  # the penalty is recomputed below in fp32, outside autocast
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    cfg = FinetuneConfig(**{**CFG, "steps": 3, "batch_size": 4}, methods="lora,adalora", base=base, dataset=data,
                         save_models=False)
    _, snap = run_job("finetune", cfg)
    assert snap["status"] == "done", snap["error"]
    result = snap["result"]["methods"]
    lora, adalora = result["lora"]["loss"], result["adalora"]["loss"]
    assert adalora[0][1] == pytest.approx(lora[0][1], abs=1e-3)
    steps = {m: [e for e in snap["events"] if e["type"] == "step" and e["method"] == m] for m in ("lora", "adalora")}
    assert [e["loss"] for e in steps["adalora"]] == [loss for _, loss in adalora]
    assert all("orth_penalty" not in e for e in steps["lora"])
    # P and Q start random, far from orthogonal: what trains starts well above the task loss
    model, _ = load_base("adalora", make_plan(cfg), cfg)
    first = steps["adalora"][0]["orth_penalty"]
    assert first == pytest.approx(float(registry.adalora.orthogonality_penalty(model.base_model)), rel=1e-5)
    assert first > 0.05 and all(e["orth_penalty"] > 0 for e in steps["adalora"])


def test_dora_starts_as_the_base_and_merges_without_changing_outputs(base):
    cfg = FinetuneConfig(**CFG)
    model, _ = load_base("dora", Plan(base, [], [], ["negative", "positive"], ["dora"]), cfg)
    inputs, labels = batch(base)
    plain = tiny_model().eval()
    with torch.no_grad():  # the magnitude starts at ||W|| and B at zero: nothing changed yet
        head = model.base_model.model.classifier.modules_to_save["default"]
        plain.classifier.load_state_dict(head.state_dict())
    model.eval()
    assert torch.allclose(model(**inputs).logits, plain(**inputs).logits, atol=1e-5)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name or "magnitude" in name:
                param.add_(torch.randn_like(param) * 0.3)
    before = model(**inputs).logits
    assert not torch.allclose(before, plain(**inputs).logits, atol=1e-3)
    merged = registry.export("dora", model)
    assert torch.allclose(merged(**inputs).logits, before, atol=1e-4)


# --- bad inputs: one sentence each, before anything trains ---------------------------------------

def _plan(base, tmp_path, rows=None, columns=("text", "label"), **overrides):
    data = write_csv(tmp_path / "data.csv", rows if rows is not None else tiny_rows(), columns)
    return make_plan(FinetuneConfig(**{**CFG, "base": base, "dataset": data, "methods": "lora", **overrides}))


def test_good_upload_makes_a_plan(base, tmp_path):
    plan = _plan(base, tmp_path)
    assert plan.labels == ["negative", "positive"] and len(plan.train) + len(plan.evaluation) == 16


@pytest.mark.parametrize("rows, columns, message", [
    ([{"text": f"text {i}", "label": "positive"} for i in range(10)], ("text", "label"), "only one class"),
    (tiny_rows(), ("text",), "needs a 'label' column"),
    ([{"text": f"text {i}", "label": f"{i * 0.37:.2f}"} for i in range(12)], ("text", "label"), "must be categories"),
])
def test_bad_dataset_gets_a_sentence(base, tmp_path, rows, columns, message):
    with pytest.raises(LabError, match=message):
        _plan(base, tmp_path, rows, columns)


@pytest.mark.parametrize("overrides, message", [
    ({"lora_r": 0}, "rank must be between 1 and the hidden size \\(16\\)"),
    ({"lora_r": 17}, "rank must be between 1 and the hidden size \\(16\\)"),
    ({"target_modules": "q_proj,v_proj"}, "no Linear layer named q_proj, v_proj"),
    ({"methods": "full,sparse"}, "Unknown fine-tuning method 'sparse'"),
    ({"methods": ""}, "Tick at least one method"),
    ({"steps": 0}, "Steps must be between"),
    ({"methods": "selective", "top_k_layers": 3}, "Top layers must be between 1 and 1"),
])
def test_bad_setting_gets_a_sentence(base, tmp_path, overrides, message):
    with pytest.raises(LabError, match=message):
        _plan(base, tmp_path, **overrides)


def test_qlora_where_bitsandbytes_cannot_run(base, tmp_path, monkeypatch):
    monkeypatch.setattr(bnb, "_load", lambda: (None, "OSError: libbitsandbytes_cpu.so not found"))
    with pytest.raises(LabError, match="QLoRA needs bitsandbytes, which cannot run on this machine"):
        _plan(base, tmp_path, methods="full,qlora")
    _plan(base, tmp_path, methods="full,lora")  # without QLoRA the same settings are fine


def test_unknown_base_gets_a_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LabError, match="needs the Hugging Face Hub"):
        make_plan(FinetuneConfig(base="someone/some-model"))


def test_rank_figure_draws_one_line_per_layer():
    from lab.teach.figures import rank_figure

    events = [{"type": "rank", "step": s, "layers": ["L0.query", "L0.value"], "ranks": [6 - s, 6]} for s in (1, 2, 3)]
    fig = rank_figure(events, "Rank per layer")
    assert [t.name for t in fig.data] == ["L0.query", "L0.value"]
    assert list(fig.data[0].y) == [5, 4, 3] and list(fig.data[0].x) == [1, 2, 3]
    assert not rank_figure([], "Rank per layer").data  # nothing yet: the empty figure's note


def test_head_trains_the_models_own_seeded_head(tmp_path):
    base = tiny_folder(tmp_path)
    plan = Plan(base, [], [], ["negative", "positive"], ["head"])
    head, _ = load_base("head", plan, FinetuneConfig(seed=3))
    full, _ = load_base("full", plan, FinetuneConfig(seed=3))
    assert {n for n, p in head.named_parameters() if p.requires_grad} == {"classifier.weight", "classifier.bias"}
    assert torch.equal(head.classifier.weight, full.classifier.weight)  # the same start as every method
    # BERT's own init (normal, std = initializer_range 0.5), not nn.Linear's uniform(+-1/sqrt(16))
    assert head.classifier.weight.abs().max() > 0.25


@pytest.mark.parametrize("kind", ["no pooler", "mean config", "cls config", "pooler"])
def test_head_reads_the_bases_own_sentence_vector(tmp_path, kind):
    """A lab pre-training run saves no pooler, and a sentence-transformers model says how it pools: the new linear
    layer reads that vector, not a frozen tanh pooler nobody trained for it. A checkpoint's own pooler stays."""
    import json

    from transformers import AutoTokenizer, BertForMaskedLM

    base = tiny_folder(tmp_path)
    if kind == "no pooler":
        BertForMaskedLM(tiny_model().config).save_pretrained(base)  # as the pre-training tab saves its model
    elif kind != "pooler":
        (Path(base) / "1_Pooling").mkdir()
        (Path(base) / "1_Pooling" / "config.json").write_text(json.dumps(
            {"pooling_mode_cls_token": kind == "cls config", "pooling_mode_mean_tokens": kind == "mean config"}))
    plan = Plan(base, [], [], ["negative", "positive"], ["head"])
    model, _ = load_base("head", plan, FinetuneConfig(seed=3))
    model.eval()
    assert {n for n, p in model.named_parameters() if p.requires_grad} == HEAD
    texts = ["i love it", "the movie was very good and fun"]
    batch = AutoTokenizer.from_pretrained(base)(texts, padding=True, return_tensors="pt")
    mask = batch["attention_mask"].unsqueeze(-1).float()  # (B, T, 1)
    with torch.no_grad():
        logits = model(**batch).logits
        hidden = model.bert(**batch).last_hidden_state  # (B, T, H)
        wanted = {"no pooler": (hidden * mask).sum(1) / mask.sum(1), "mean config": (hidden * mask).sum(1) / mask.sum(1),
                  "cls config": hidden[:, 0], "pooler": model.bert.pooler(hidden)}[kind]
        assert torch.allclose(logits, model.classifier(wanted), atol=1e-5)
        alone = model(**AutoTokenizer.from_pretrained(base)(texts[:1], return_tensors="pt")).logits
    assert torch.allclose(alone[0], logits[0], atol=1e-5)  # padding is not part of the sentence
    assert registry.exportable("head", model) == (kind == "pooler")  # a plain BERT folder holds the pooler only


def test_head_finds_a_head_named_score():
    from transformers import LlamaConfig, LlamaForSequenceClassification

    model = LlamaForSequenceClassification(LlamaConfig(
        vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, num_labels=2, pad_token_id=0))
    prepared = registry.prepare("head", model, FinetuneConfig())
    assert {n for n, p in prepared.named_parameters() if p.requires_grad} == {"score.weight"}


def test_bitsandbytes_imports_without_the_kernels_warning():
    """Importing the lab (which imports bitsandbytes through transformers and peft) keeps bitsandbytes'
    warning about the optional `kernels` package off the log; bitsandbytes alone still logs it here."""
    import importlib.util
    import subprocess
    import sys

    if not torch.cpu._is_avx512_bf16_supported():
        pytest.skip("bitsandbytes logs the warning only on a CPU with AVX512-BF16")
    if importlib.util.find_spec("kernels") is not None:
        pytest.skip("the optional `kernels` package is installed here: nothing to warn about")

    def stderr_of(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                              cwd=Path(__file__).resolve().parents[1])
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stderr

    assert "kernels-community" in stderr_of("import logging; logging.basicConfig(); import bitsandbytes")
    assert "kernels-community" not in stderr_of("import logging; logging.basicConfig(); import lab.training")
