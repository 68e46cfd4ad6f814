"""Packed training (lab/kinds/finetune/packing.py): the real tokens' values and gradients are those of the
padded batch for every method, the model comes back as it was, and the dropout it swaps in drops what
dropout should."""
from __future__ import annotations

import pytest
import torch
from tests.tiny_classifier import tiny_folder, tiny_model, tiny_rows, write_csv

from lab.config import FinetuneConfig
from lab.kinds.finetune.data import make_plan
from lab.kinds.finetune.models import load_base
from lab.kinds.finetune.packing import FastDropout, _Attention, _dropout, _keep, packable_encoder, packed

METHODS = ["full", "head", "selective", "adapter", "lora", "lora_scratch", "qlora", "dora", "adalora", "prompt"]


def batch(rows: int = 4, length: int = 9, vocab: int = 23, seed: int = 0) -> dict:
    """Texts of 9, 6, 3 and 7 tokens (rows past 4 repeat them), right-padded with id 0."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab, (rows, length), generator=generator)
    lengths = torch.tensor([9, 6, 3, 7] * (rows // 4))[:rows].clamp(max=length)
    mask = (torch.arange(length)[None, :] < lengths[:, None]).long()
    return {"input_ids": ids * mask, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids),
            "labels": torch.tensor([0, 1] * (rows // 2))}


def forward_backward(model, inputs: dict) -> tuple[torch.Tensor, dict]:
    model.zero_grad(set_to_none=True)
    out = model(**inputs)
    out.loss.backward()
    return out.logits.detach(), {k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None}


def assert_same(padded, packed_run, atol=1e-5):
    logits, grads = padded
    packed_logits, packed_grads = packed_run
    torch.testing.assert_close(packed_logits, logits, atol=atol, rtol=1e-4)
    assert grads and grads.keys() == packed_grads.keys()
    for name in grads:
        torch.testing.assert_close(packed_grads[name], grads[name], atol=atol, rtol=1e-4, msg=name)


@pytest.mark.parametrize("name", METHODS)
def test_every_method_gets_the_padded_batchs_values_and_gradients(tmp_path, name):
    base = tiny_folder(tmp_path, num_hidden_layers=2)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    cfg = FinetuneConfig(methods=name, base=base, dataset=data, lora_r=4, top_k_layers=1, adapter_size=4,
                         prompt_tokens=3, lora_dropout=0.0, max_length=16)
    model, _ = load_base(name, make_plan(cfg), cfg)
    model.eval()  # dropout off: the two runs must then agree to rounding
    inputs = batch(vocab=model.config.vocab_size if hasattr(model, "config") else 23)
    padded = forward_backward(model, inputs)
    with packed(model) as on:
        assert on
        packed_run = forward_backward(model, inputs)
    assert_same(padded, packed_run, atol=1e-3 if name == "qlora" else 1e-5)


def test_roberta_packs_too_and_every_token_position_is_right():
    from transformers import RobertaConfig, RobertaForSequenceClassification

    torch.manual_seed(0)
    model = RobertaForSequenceClassification(RobertaConfig(
        vocab_size=30, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=40, pad_token_id=1, num_labels=2)).eval()
    inputs = batch(vocab=30)
    inputs["input_ids"][inputs["attention_mask"] == 0] = 1  # RoBERTa numbers positions from its pad id
    inputs.pop("token_type_ids")
    padded = forward_backward(model, inputs)
    with packed(model) as on:
        assert on
        assert_same(padded, forward_backward(model, inputs))
    # the encoder's real outputs, token by token, not only what the head reads
    with torch.no_grad():
        plain = model.roberta(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).last_hidden_state
        with packed(model):
            spread = model.roberta(input_ids=inputs["input_ids"],
                                   attention_mask=inputs["attention_mask"]).last_hidden_state
    keep = inputs["attention_mask"].bool()
    torch.testing.assert_close(spread[keep], plain[keep], atol=1e-5, rtol=1e-4)
    assert not spread[~keep].any()  # padding comes back as zeros: nothing reads it


def test_the_model_comes_back_as_it_was_and_a_full_batch_is_left_alone():
    model = tiny_model(num_hidden_layers=2, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    dropouts = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts
    with pytest.raises(RuntimeError, match="inside"):
        with packed(model):
            assert model.config._attn_implementation == "lab_packed"
            assert all(isinstance(m, FastDropout) for n, m in model.named_modules() if n in dict(dropouts))
            raise RuntimeError("inside")
    assert model.config._attn_implementation == "sdpa"
    assert [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Dropout)] == dropouts
    assert not any(m._forward_pre_hooks or m._forward_hooks for m in model.modules())
    # no padding in the batch: the layers run as they are, the numbers are the padded run's exactly
    model.eval()
    inputs = batch(rows=4)
    inputs["attention_mask"] = torch.ones_like(inputs["attention_mask"])
    plain = forward_backward(model, inputs)
    with packed(model):
        again = forward_backward(model, inputs)
    assert torch.equal(plain[0], again[0])


def test_models_not_known_to_act_per_token_train_padded():
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    model = DistilBertForSequenceClassification(DistilBertConfig(
        vocab_size=30, dim=16, n_layers=1, n_heads=2, hidden_dim=32, max_position_embeddings=40))
    assert packable_encoder(model) is None
    with packed(model) as on:
        assert not on
        assert not any(isinstance(m, FastDropout) for m in model.modules())
    bert = tiny_model()
    bert.set_attn_implementation("eager")  # someone chose eager attention: leave it to them
    assert packable_encoder(bert) is None
    with packed(tiny_model(), enabled=False) as on:
        assert not on


def test_the_swapped_dropout_drops_p_scales_the_rest_and_follows_the_seed():
    x = torch.ones(1_000_000)
    torch.manual_seed(3)
    out = _dropout(x, 0.1)
    dropped = float((out == 0).float().mean())
    assert abs(dropped - 0.1) < 0.002  # 1e6 draws: the standard error is 0.0003
    assert torch.allclose(out[out != 0], torch.tensor(1 / 0.9))
    assert abs(float(out.mean()) - 1.0) < 0.003  # unbiased, as dropout must be
    torch.manual_seed(3)
    assert torch.equal(_dropout(x, 0.1), out)
    bf16 = _dropout(torch.ones(4096, dtype=torch.bfloat16), 0.5)
    assert bf16.dtype == torch.bfloat16 and 0.4 < float((bf16 == 0).float().mean()) < 0.6
    layer = FastDropout(0.3)
    assert torch.equal(layer.eval()(x[:100]), x[:100])
    x.requires_grad_(True)
    torch.manual_seed(4)
    y = layer.train()(x)
    y.sum().backward()
    assert torch.equal(x.grad, (y != 0).float() / 0.7)  # the gradient passes where the value did


def reference_attention(q, k, v, blocked, scale, keep, p):
    """Attention as BERT's eager code writes it, in float64, with the given dropout mask."""
    q, k, v = (x.detach().double().requires_grad_(True) for x in (q, k, v))
    probs = torch.softmax(q @ k.transpose(-1, -2) * scale + blocked.double(), -1)
    out = (probs * keep / (1 - p) if keep is not None else probs) @ v
    return out, (q, k, v)


@pytest.mark.parametrize("dtype, p", [(torch.float32, 0.0), (torch.float32, 0.1), (torch.bfloat16, 0.1)])
def test_the_packed_attention_and_its_gradients_are_attentions_with_the_mask_it_drew(dtype, p):
    torch.manual_seed(0)
    q, k, v = (torch.randn(3, 2, 7, 4).to(dtype).requires_grad_(True) for _ in range(3))
    blocked = torch.zeros(3, 1, 1, 7)
    blocked[0, ..., 5:] = float("-inf")  # the first text has 5 tokens, the second 2
    blocked[1, ..., 2:] = float("-inf")
    torch.manual_seed(1)
    out = _Attention.apply(q, k, v, blocked, 0.5, p)
    torch.manual_seed(1)
    keep = _keep((3, 2, 7, 7), p, q.device) if p else None  # the same draw as inside
    expected, leaves = reference_attention(q, k, v, blocked, 0.5, keep, p)
    grad = torch.randn_like(expected)
    out.backward(grad.to(dtype))
    expected.backward(grad)
    tolerance = dict(atol=2e-2, rtol=2e-2) if dtype == torch.bfloat16 else dict(atol=1e-5, rtol=1e-4)
    assert out.dtype == dtype
    torch.testing.assert_close(out.double(), expected, **tolerance)
    for mine, reference in zip((q, k, v), leaves):
        assert mine.grad.dtype == dtype
        torch.testing.assert_close(mine.grad.double(), reference.grad, **tolerance)
    if p:  # a dropped score passes nothing forward: zero the kept ones and nothing is left
        assert (keep == 0).any()
        torch.testing.assert_close(_Attention.apply(q.float(), k.float(), v.float(), blocked, 0.5, 0.0).double(),
                                   reference_attention(q, k, v, blocked, 0.5, None, 0.0)[0], atol=2e-2, rtol=2e-2)


@pytest.mark.parametrize("autocast", [False, True])
def test_a_packed_step_keeps_no_more_than_the_padded_step_the_ledger_counts(autocast):
    """The ledger (lab/metrics.py) is fitted to the padded step; a packed step of a batch missing a single
    token must keep less for backward, dropout on (the attention then keeps its probabilities and mask).
    Four heads over 32 positions: the attention's scores outweigh the rest, as in MiniLM's layers."""
    model = tiny_model(num_hidden_layers=2, num_attention_heads=4, hidden_dropout_prob=0.1,
                       attention_probs_dropout_prob=0.1).train()
    inputs = batch(rows=4, length=32)
    inputs["attention_mask"] = torch.ones_like(inputs["attention_mask"])
    inputs["attention_mask"][0, -1] = 0  # one position of padding: packing applies, and saves almost nothing

    def kept() -> int:
        saved = {}

        def count(tensor):
            saved.setdefault((tensor.untyped_storage().data_ptr(), tensor.dtype),
                             tensor.untyped_storage().nbytes())
            return tensor
        with torch.autograd.graph.saved_tensors_hooks(count, lambda tensor: tensor):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                model(**inputs).loss.backward()
        return sum(saved.values())

    padded = kept()
    with packed(model):
        packed_bytes = kept()
    assert packed_bytes < padded, (packed_bytes, padded)


def test_the_tally_counts_the_real_tokens_and_the_padded_positions_of_every_step(tmp_path):
    import datasets
    from transformers import BertTokenizerFast, DataCollatorWithPadding, Trainer

    from lab.training import training_args

    base = tiny_folder(tmp_path)
    tokenizer = BertTokenizerFast.from_pretrained(base)
    texts = [r["text"] for r in tiny_rows()] * 2
    data = datasets.Dataset.from_dict({**tokenizer(texts), "labels": [i % 2 for i in range(len(texts))]})
    args = training_args(str(tmp_path / "out"), 5, 4, 1e-3, seed=1, remove_unused_columns=False)
    trainer = Trainer(model=tiny_model(), args=args, train_dataset=data,
                      data_collator=DataCollatorWithPadding(tokenizer))
    tokens = positions = 0
    for step, inputs in enumerate(trainer.get_train_dataloader(), 1):  # the batches train() will draw
        tokens += int(inputs["attention_mask"].sum())
        positions += inputs["attention_mask"].numel()
        if step == 5:
            break
    with packed(trainer.model) as tally:
        trainer.train()
    assert (tally.tokens, tally.positions) == (tokens, positions)
    assert tokens < positions  # the texts differ in length: there was padding to leave out
