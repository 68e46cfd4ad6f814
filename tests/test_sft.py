"""SFT with trl on a one-layer Llama: the label mask, the loss falls, the right weights train, bad inputs."""
from __future__ import annotations

import pytest
from safetensors.torch import load_file

from lab.kinds.causal import common as causal_lm
from lab.kinds.causal import cpu_speed
from lab import sources
from lab.config import SFTRunConfig
from lab.errors import LabError
from lab.kinds.causal.sft import build_trainer, loss_token_fraction, sft_job
from lab.kinds.causal.data import sft_data
from tests.sft_helpers import context, sft_rows, tiny_model, write_jsonl


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama")


def config(tiny, upload, **kw) -> SFTRunConfig:
    settings = dict(model=tiny, dataset=upload, steps=12, batch_size=4, eval_size=4, max_new_tokens=2, seed=0)
    settings.update(kw)
    return SFTRunConfig(**settings)


def prepared(cfg, tmp_path):
    model, tokenizer, _ = causal_lm.load_causal_lm(cfg.model)
    rows = sft_data(cfg)
    return build_trainer(cfg, model, tokenizer, rows, str(tmp_path / "t"), []).train_dataset, tokenizer


def test_completion_only_mask(tiny, tmp_path):
    cfg = config(tiny, write_jsonl(tmp_path / "d.jsonl", sft_rows()))
    data, tokenizer = prepared(cfg, tmp_path)
    example = data[0]
    carrying = [i for i, l in zip(example["input_ids"], example["labels"]) if l != -100]
    assert tokenizer.decode(carrying) in (" positive<|im_end|>", " negative<|im_end|>")
    masked = tokenizer.decode([i for i, l in zip(example["input_ids"], example["labels"]) if l == -100])
    assert masked.startswith("### Human:") and masked.endswith("### Assistant:")
    assert 0 < loss_token_fraction(data) < 0.2


def test_assistant_only_mask_for_messages(tiny, tmp_path):
    rows = [{"messages": [{"role": "user", "content": f"Say {w}"}, {"role": "assistant", "content": w}]}
            for w in ("yes", "no", "maybe", "sure", "never", "always")]
    cfg = config(tiny, write_jsonl(tmp_path / "m.jsonl", rows))
    data, tokenizer = prepared(cfg, tmp_path)
    for example in data:
        carrying = tokenizer.decode([i for i, l in zip(example["input_ids"], example["labels"]) if l != -100])
        assert carrying.removesuffix("<|im_end|>") in ("yes", "no", "maybe", "sure", "never", "always")


@pytest.mark.parametrize("method, lr, chosen", [("lora", 5e-2, "bf16"), ("lora", 5e-2, "fp32"), ("full", 1e-2, "bf16")])
def test_loss_falls_and_the_right_weights_train(tiny, tmp_path, monkeypatch, method, lr, chosen):
    """In bf16 LoRA trains beside bf16 copies of the frozen weights (cpu_speed.frozen_weights_in_bf16): the
    saved model must still hold the untouched fp32 originals everywhere but q and v."""
    monkeypatch.setenv("LAB_PRECISION", chosen)
    cfg = config(tiny, write_jsonl(tmp_path / "d.jsonl", sft_rows()), method=method, learning_rate=lr,
                 lora_targets="q_proj,v_proj")
    result = sft_job(cfg, context())
    losses = [loss for _, loss in result["loss"]]
    assert len(losses) == 12 and sum(losses[-3:]) / 3 < losses[0]
    assert 0 < result["loss_token_fraction"] < 0.2 and len(result["answers"]) == 4
    base, tuned = load_file(f"{tiny}/model.safetensors"), load_file(f"{result['model']}/model.safetensors")
    changed = {name for name in base if not (base[name] == tuned[name]).all()}
    assert {t.dtype for t in tuned.values()} == {base[name].dtype for name in base} and result["precision"] == chosen
    if method == "lora":
        assert changed == {"model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight"}
        assert result["parameters"]["percent"] < 5
    else:
        assert "model.layers.0.mlp.up_proj.weight" in changed and "model.embed_tokens.weight" in changed
        assert result["parameters"]["percent"] == 100
    # measured from before loading: fp32 weights (4 B each) always, plus gradients and AdamW's two moments
    # (4 + 8 B) for every trained weight; a figure taken after loading would leave the weights out
    params = result["parameters"]
    assert result["peak_memory_bytes"] >= 4 * params["total"] + 12 * params["trainable"]
    assert sources.resolve_model("run:testjob") == result["model"]
    assert result["models"][0] == {"ref": "run:testjob", "task": "text-generation", "label": result["models"][0]["label"]}


def test_long_examples_are_truncated_with_a_notice(tiny, tmp_path):
    rows = sft_rows()
    rows[:8] = [{"prompt": "### Human: " + "very " * 40 + "long\n### Assistant:", "completion": "positive"}] * 8
    cfg = config(tiny, write_jsonl(tmp_path / "d.jsonl", rows), steps=1, max_length=30)
    result = sft_job(cfg, context())
    assert any("longer than 30 tokens" in n for n in result["notices"])
    assert result["preview"]["length"] <= 30


def test_long_messages_are_reported_too(tiny, tmp_path):
    rows = [{"messages": [{"role": "user", "content": ("very " * (40 if i < 6 else 1)) + "long?"},
                          {"role": "assistant", "content": "positive"}]} for i in range(24)]
    cfg = config(tiny, write_jsonl(tmp_path / "m.jsonl", rows), steps=1, max_length=40)
    result = sft_job(cfg, context())
    notice = next(n for n in result["notices"] if "longer than 40 tokens" in n)
    assert notice.split(" of ")[0] in {"1", "2", "3", "4", "5", "6"}, notice  # the long rows left in training


@pytest.mark.parametrize("rows, kw, sentence", [
    ([{"prompt": "### Human: hi\n### Assistant:", "completion": ""}] * 5, {}, "have a prompt but no completion"),
    ([{"text": "User: hi Bot: hello"}] * 5, {}, "never occurs"),
    (None, {}, "is empty"),
    ([{"prompt": "p", "completion": "c"}] * 5, {"method": "qlora"}, "Unknown method"),
    ([{"prompt": "p", "completion": "c"}] * 5, {"lora_targets": "c_attn"}, "no module named c_attn"),
    ([{"prompt": "p", "completion": "c"}] * 5, {"steps": 0}, "Steps must be between"),
])
def test_bad_inputs_get_a_sentence(tiny, tmp_path, rows, kw, sentence):
    path = tmp_path / "bad.jsonl"
    path.write_text("") if rows is None else write_jsonl(path, rows)
    with pytest.raises(LabError, match=sentence):
        sft_job(config(tiny, str(path), **kw), context())


def test_a_model_that_is_not_a_causal_lm(tmp_path):
    from transformers import BertConfig, BertModel

    BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(str(tmp_path / "bert"))
    with pytest.raises(LabError, match="not a causal language model"):
        causal_lm.load_causal_lm(str(tmp_path / "bert"))


def test_builtin_task_keeps_held_out_prompts_apart():
    cfg = SFTRunConfig(train_size=400, eval_size=10)
    rows = sft_data(cfg)
    assert rows["train"][0]["prompt"].startswith("### Human: What is the sentiment of this tweet?")
    assert rows["train"][0]["completion"] in (" positive", " negative")
    held = {h["prompt"] for h in rows["heldout"]}
    assert len(held) == 10 and not held & {r["prompt"] for r in rows["train"]}
    assert sorted(h["expected"] for h in rows["heldout"]) == ["negative"] * 5 + ["positive"] * 5


def test_smollm2_integration_two_steps():
    cfg = SFTRunConfig(steps=2, batch_size=2, train_size=16, eval_size=2, max_new_tokens=2)
    result = sft_job(cfg, context(job_id="smol"))
    assert result["steps"] == 2 and len(result["loss"]) == 2
    assert result["preview"]["tokens"][-1] == ["<|im_end|>", 2]
    from transformers import AutoModelForCausalLM
    assert AutoModelForCausalLM.from_pretrained(sources.resolve_model("run:smol")).config.model_type == "llama"


def test_korean_upload_trains_on_the_korean_answer(tiny, tmp_path):
    prompt = "### Human: 이 문장의 감정은? {}\n### Assistant:"
    sentences = [("오늘 날씨가 정말 좋아요", " 긍정"), ("영화가 너무 지루했어요", " 부정"), ("친구들과 즐거운 하루", " 긍정"),
                 ("비행기가 또 늦었어요", " 부정")] * 4
    upload = write_jsonl(tmp_path / "ko.jsonl", [{"prompt": prompt.format(t), "completion": c} for t, c in sentences])
    data, tokenizer = prepared(config(tiny, upload), tmp_path)
    example = data[0]
    answer = tokenizer.decode([i for i, l in zip(example["input_ids"], example["labels"]) if l != -100])
    assert answer.replace("<|im_end|>", "").strip() in ("긍정", "부정")
    assert tokenizer.decode(example["input_ids"]).startswith("### Human: 이 문장의 감정은?")


def test_the_lm_head_scores_only_labelled_positions_and_the_loss_is_unchanged(tiny, tmp_path, monkeypatch):
    """score_loss_tokens_only: on the CPU trl's fused head projects only positions with a label (counted at
    the chunked function), and the losses and logged metrics match those of projecting every position."""
    import trl.trainer.utils as trl_utils

    monkeypatch.setenv("LAB_PRECISION", "fp32")
    cfg = config(tiny, write_jsonl(tmp_path / "d.jsonl", sft_rows()), steps=4, lora_targets="q_proj,v_proj")
    projected, apply = [], trl_utils._ChunkedLogProbFunction.apply

    def counting(hidden, *rest):
        projected.append(hidden.shape[0])
        return apply(hidden, *rest)

    monkeypatch.setattr(trl_utils._ChunkedLogProbFunction, "apply", counting)

    def train(compact: bool) -> tuple[list, list]:  # (logged loss and metrics, rows projected per call)
        projected.clear()
        model, tokenizer, _ = causal_lm.load_causal_lm(cfg.model)
        trainer = build_trainer(cfg, model, tokenizer, sft_data(cfg), str(tmp_path / f"t{compact}"), [])
        if not compact:  # trl's own choice on the CPU: every position
            monkeypatch.setattr(trl_utils, "_use_triton", lambda device: False)
        trainer.train()
        logs = [(round(e["loss"], 4), round(e["entropy"], 4), round(e["mean_token_accuracy"], 4))
                for e in trainer.state.log_history if "loss" in e]
        return logs, list(projected)

    assert cpu_speed.score_loss_tokens_only()
    compact_logs, compact_rows = train(compact=True)
    full_logs, full_rows = train(compact=False)
    assert len(compact_logs) == 4 and compact_logs == full_logs
    assert sum(compact_rows) < sum(full_rows) / 3  # a few answer tokens against every prompt token
    assert all(0 < n <= cfg.max_length * cfg.batch_size for n in compact_rows)


def test_the_lm_head_gradient_is_accumulated_in_fp32_blocks_as_trl_accumulates_it(monkeypatch):
    """accumulate_lm_head_in_blocks: the gradient trl's chunked log-probabilities give the hidden states in
    bf16 autocast on the CPU is trl's own to fp32 rounding (a product rounded to bf16 would be ~1e-3 off),
    through the blocked path (a vocabulary longer than a block)."""
    import torch
    import trl.kernels.chunked_logprob as chunked

    torch.manual_seed(0)
    vocab, width, rows = 3 * cpu_speed.LM_HEAD_BLOCK_ROWS + 5, 16, 6
    weight = (torch.randn(vocab, width) * 0.5).bfloat16()
    hidden = torch.randn(rows, width).bfloat16()
    targets = torch.randint(0, vocab, (rows,))

    def hidden_gradient():
        x = hidden.clone().requires_grad_()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logprobs = chunked.ChunkedLogProbFunction.apply(x, weight, None, targets, 1.0, 32768, None, 1.0, ())[0]
        logprobs.sum().backward()
        return x.grad.double()

    calls, trl_own = [], getattr(chunked._addmm_fp32, "trl_original", chunked._addmm_fp32)  # another test may have wrapped it
    monkeypatch.setattr(chunked, "_addmm_fp32", lambda acc, a, b: (calls.append(a.shape), trl_own(acc, a, b))[1])
    expected = hidden_gradient()
    assert calls, "trl's backward no longer goes through _addmm_fp32"
    assert cpu_speed.accumulate_lm_head_in_blocks()
    assert chunked._addmm_fp32 is not trl_own and chunked._addmm_fp32.lab_blocked
    blocked = hidden_gradient()
    assert torch.allclose(blocked, expected, rtol=1e-5, atol=1e-6)

    acc, a, b = torch.zeros(rows, width), torch.randn(rows, vocab).bfloat16(), weight
    chunked._addmm_fp32(acc, a, b)
    exact = a.double() @ b.double()
    assert (acc.double() - exact).abs().max() < 1e-4 * exact.abs().max()
    assert (torch.mm(a, b).double() - exact).abs().max() > 1e-3 * exact.abs().max()  # what bf16 rounding costs


def test_trl_configs_keep_activation_checkpointing_off_without_a_deprecation_warning(tmp_path):
    """trl's configs turn activation checkpointing on; the lab turns it off under the name transformers 5
    reads, so neither config warns that `gradient_checkpointing` is deprecated."""
    import warnings

    from trl import DPOConfig, SFTConfig

    for config_class in (SFTConfig, DPOConfig):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            args = config_class(**causal_lm.trl_settings(SFTRunConfig(steps=2), str(tmp_path), 1e-4))
        assert not [w for w in caught if "checkpointing" in str(w.message)], config_class.__name__
        assert args.activation_checkpointing is False and args.gradient_checkpointing is False
