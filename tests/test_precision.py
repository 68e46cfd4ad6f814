"""The precision the lab trains in: chosen by the machine (or LAB_PRECISION), used by the Trainer, recorded in
every result, shown beside the status in both languages; and a comparison that reads its base once.

The curves test trains a tiny classifier twice, fp32 and bf16 autocast, on the same batches: bf16 rounds
the matmuls' inputs to 8 bits of mantissa, so the curves differ, but by little (tolerance 0.05 on losses
near 0.7: measured differences are a few thousandths).
"""
from __future__ import annotations

import uuid

import pytest
from tests.sft_helpers import tiny_model
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab import training
from lab.kinds.causal import cpu_speed
from lab.config import FinetuneConfig
from lab.errors import LabError
from lab.kinds.finetune.job import finetune_job
from lab.serve.job import Job, JobContext


def comparison(cfg: FinetuneConfig) -> dict:
    """The comparison job in this process (the worker's child process runs the same function)."""
    return finetune_job(cfg, JobContext(Job(uuid.uuid4().hex, "test", "finetune", cfg)))


@pytest.fixture()
def tiny(tmp_path):
    base = tiny_folder(tmp_path, hidden_dropout_prob=0.1)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    return lambda methods: FinetuneConfig(methods=methods, base=base, dataset=data, steps=8, batch_size=4,
                                          max_length=16, lora_r=4, eval_size=4, save_models=False)


def test_lab_precision_overrides_the_machine_and_the_trainer_follows(monkeypatch, tmp_path):
    for chosen in ("fp32", "bf16"):
        monkeypatch.setenv("LAB_PRECISION", chosen)
        assert training.precision() == chosen
        assert training.training_args(str(tmp_path), 1, 2, 1e-3).bf16 is (chosen == "bf16")
    monkeypatch.setenv("LAB_PRECISION", "fp16")
    with pytest.raises(LabError, match="fp32, bf16 or auto"):
        training.precision()


@pytest.mark.parametrize("probe, expected", [
    ({"native": False, "speedup": None}, "fp32"),  # no bf16 units: torch would emulate it
    ({"native": True, "speedup": 1.1}, "fp32"),    # units, but the probe finds no gain worth autocast's casts
    ({"native": True, "speedup": 3.0}, "bf16"),
])
def test_auto_takes_bf16_only_where_it_is_native_and_measured_faster(monkeypatch, probe, expected):
    monkeypatch.setenv("LAB_PRECISION", "auto")
    monkeypatch.setattr(training, "bf16_probe", lambda: probe)
    assert training.precision() == expected


def test_the_probe_runs_once_per_process_and_measures_this_machine():
    first = training.bf16_probe()
    assert training.bf16_probe() is first  # cached: jobs after the first pay nothing
    assert first["native"] == training.bf16_native()
    if first["speedup"] is not None:
        assert first["fp32_gflops"] > 0 and first["bf16_gflops"] > 0


def test_bf16_and_fp32_curves_of_a_tiny_model_stay_close(monkeypatch, tiny):
    runs = {}
    for chosen in ("fp32", "bf16"):
        monkeypatch.setenv("LAB_PRECISION", chosen)
        runs[chosen] = comparison(tiny("full,lora"))
        assert runs[chosen]["precision"] == chosen
    for name in ("full", "lora"):
        fp32, bf16 = runs["fp32"]["methods"][name], runs["bf16"]["methods"][name]
        assert (fp32["precision"], bf16["precision"]) == ("fp32", "bf16")
        assert [s for s, _ in fp32["loss"]] == [s for s, _ in bf16["loss"]] and len(fp32["loss"]) == 8
        gaps = [abs(a - b) for (_, a), (_, b) in zip(fp32["loss"], bf16["loss"])]
        assert max(gaps) < 0.05, (name, gaps)
        assert max(gaps) > 0, name  # bf16 really ran: its rounding moves the curve
        assert abs(fp32["accuracy"] - bf16["accuracy"]) <= 0.25, name  # one of four held-out texts at most


def test_the_base_is_read_once_and_each_method_trains_a_fresh_copy(monkeypatch, tiny):
    from transformers import AutoModelForSequenceClassification

    monkeypatch.setenv("LAB_PRECISION", "fp32")
    reads = []
    real = AutoModelForSequenceClassification.from_pretrained.__func__

    def counted(cls, *args, **kwargs):
        reads.append(args[0])
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(AutoModelForSequenceClassification, "from_pretrained", classmethod(counted))
    forward = comparison(tiny("lora,full,head"))["methods"]
    assert len(reads) == 1  # three methods, one read of the checkpoint
    backward = comparison(tiny("head,full,lora"))["methods"]
    for name in ("lora", "full", "head"):  # no method sees another's training: same curve in either order
        assert forward[name]["loss"] == backward[name]["loss"], name


def test_the_status_line_names_the_precision_in_both_languages():
    from lab.ui import common, i18n

    snap = {"owner": "me", "status": "done", "created": 1.0, "started": 2.0, "finished": 5.0, "error": None,
            "all_events": [{"type": "precision", "precision": "bf16", "method": "full"}]}
    assert "bf16" in common.status_text(snap, "me")
    token = i18n.PAGE_LANG.set("ko")
    try:
        korean = common.status_text(snap, "me")
        fp32 = common.status_text({**snap, "all_events": [], "result": {"precision": "fp32"}}, "me")
    finally:
        i18n.PAGE_LANG.reset(token)
    assert "bf16로 학습" in korean and "완료" in korean
    assert "fp32로 학습" in fp32  # a finished run read back from the store: its result says it
    assert "bf16" not in common.status_text({**snap, "status": "queued", "position": 1}, "me")


def test_frozen_weights_train_from_one_bf16_copy_with_autocasts_numbers_and_come_back_unchanged(tmp_path):
    """frozen_weights_in_bf16: the frozen linear weights of a LoRA model become bf16 inside, nothing else does,
    the forward and the adapters' gradients are exactly those of autocast casting the fp32 weights itself,
    and on exit every parameter is the same fp32 object with the same values; in fp32 nothing moves."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(tiny_model(tmp_path / "llama"), dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"],
                                             init_lora_weights=False))  # non-zero B: the adapters matter
    originals = dict(model.named_parameters())
    values = {name: p.detach().clone() for name, p in originals.items()}
    ids = torch.randint(0, 1000, (2, 12))

    def forward_and_grads():
        model.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(input_ids=ids).logits
        logits.float().logsumexp(-1).mean().backward()
        return logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}

    expected, expected_grads = forward_and_grads()
    with cpu_speed.frozen_weights_in_bf16(model, None, chosen="bf16") as copied:
        inside = {name: p.dtype for name, p in model.named_parameters()}
        got, got_grads = forward_and_grads()
    bf16 = {name for name, dtype in inside.items() if dtype == torch.bfloat16}
    layer = "base_model.model.model.layers.0."
    assert copied == 8 and bf16 == {  # the one layer's frozen linear weights and the LM head; not LoRA's
        layer + "self_attn.q_proj.base_layer.weight", layer + "self_attn.v_proj.base_layer.weight",
        layer + "self_attn.k_proj.weight", layer + "self_attn.o_proj.weight",
        layer + "mlp.gate_proj.weight", layer + "mlp.up_proj.weight", layer + "mlp.down_proj.weight",
        "base_model.model.lm_head.weight"}
    assert inside["base_model.model.model.embed_tokens.weight"] == torch.float32  # the table the lookup reads
    assert torch.equal(got, expected)
    assert got_grads.keys() == expected_grads.keys() and len(got_grads) == 4
    assert all(torch.equal(got_grads[n], expected_grads[n]) for n in got_grads)
    after = dict(model.named_parameters())
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight  # tied again
    assert all(after[name] is originals[name] and after[name].dtype == torch.float32 for name in originals)
    assert all(torch.equal(after[name], values[name]) for name in values if not after[name].requires_grad)
    with cpu_speed.frozen_weights_in_bf16(model, chosen="fp32") as copied:
        assert copied == 0 and {p.dtype for p in model.parameters()} == {torch.float32}


def test_greedy_answers_from_the_bf16_copies_are_autocasts_answers(tmp_path):
    """The held-out answers of SFT and DPO are generated inside frozen_weights_in_bf16: the same tokens as
    autocast casting the fp32 weights at every new token, with the adapters (non-zero here) on."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(tiny_model(tmp_path / "llama"), dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"],
                                             init_lora_weights=False)).eval()
    ids = torch.randint(0, 1000, (3, 9))

    def answers():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=6,
                                 do_sample=False, pad_token_id=0)
            logits = model(input_ids=out).logits  # the scores themselves, not only their argmax
        return out, logits

    expected, expected_logits = answers()
    with cpu_speed.frozen_weights_in_bf16(model, chosen="bf16") as copied:
        got, got_logits = answers()
    assert copied > 0 and torch.equal(got, expected) and torch.equal(got_logits, expected_logits)


def test_eager_attention_only_in_bf16_and_only_while_its_scores_are_small(tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    from lab.kinds.causal.cpu_speed import EAGER_ATTENTION_BYTES, EAGER_BF16_BYTES_PER_SCORE, choose_attention
    from lab.metrics import EAGER_BYTES_PER_SCORE

    model = AutoModelForCausalLM.from_pretrained(tiny_model(tmp_path / "llama"), dtype=torch.float32)
    assert model.config._attn_implementation == "sdpa"
    assert choose_attention(model, 4, 128, chosen="fp32") == "sdpa"  # fp32: SDPA is as fast, and holds less
    assert choose_attention(model, 4, 128, chosen="bf16") == "eager" == model.config._attn_implementation
    heads, layers = model.config.num_attention_heads, model.config.num_hidden_layers
    too_long = int((EAGER_ATTENTION_BYTES / (4 * heads * layers * EAGER_BYTES_PER_SCORE["bf16"])) ** 0.5) + 1
    assert choose_attention(model, 4, too_long, chosen="bf16") == "sdpa" == model.config._attn_implementation
    assert choose_attention(model, 4, too_long - 1, chosen="bf16") == "eager"
    # the exported script carries its own copy of what the ledger counts per score
    assert EAGER_BF16_BYTES_PER_SCORE == EAGER_BYTES_PER_SCORE["bf16"]
