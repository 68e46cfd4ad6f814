"""The explainers answer without training: LoRA shapes, one real NF4 block of MiniLM, a parameter map."""
from __future__ import annotations

import pytest
import torch
from tests.tiny_classifier import tiny_folder

from lab.teach import explain
from lab.config import FinetuneConfig
from lab.errors import LabError
from lab.metrics import parameter_groups

MINILM_PARAMS = 22_713_216  # all-MiniLM-L6-v2's BertModel, pooler included


def test_lora_shapes_on_minilm():
    s = explain.lora_shapes("minilm", "query,value", 8)
    assert len(s["modules"]) == 12  # 6 layers x (query, value)
    first = s["modules"][0]
    assert first["W"] == [384, 384] and first["A"] == [8, 384] and first["B"] == [384, 8]
    assert s["lora_params"] == 12 * 8 * (384 + 384)
    assert s["total_params"] == MINILM_PARAMS + 384 * 2 + 2  # the classifier LoRA goes on (a two-label head)
    assert s["percent"] == pytest.approx(100 * s["lora_params"] / s["total_params"])
    with pytest.raises(LabError, match="between 1 and the hidden size"):
        explain.lora_shapes("minilm", "query", 385)
    with pytest.raises(LabError, match="no Linear layer named q_proj"):
        explain.lora_shapes("minilm", "q_proj", 8)


def test_nf4_block_of_a_real_minilm_weight():
    b = explain.nf4_block("minilm")
    values = torch.tensor(b["values"])
    assert b["weight"].endswith("query.weight") and len(values) == 64 and len(b["levels"]) == 16
    assert b["absmax"] == pytest.approx(values.abs().max().item(), rel=1e-3)
    assert min(b["levels"]) == -1.0 and max(b["levels"]) == 1.0
    # every restored value is one of the 16 levels times absmax
    grid = torch.tensor(b["scaled_levels"])
    restored = torch.tensor(b["restored"])
    assert (restored[:, None] - grid[None, :]).abs().min(dim=1).values.max() < 1e-3
    # and the level nearest to its value: NF4 rounds each value to its closest level
    nearest = grid[(values[:, None] - grid[None, :]).abs().argmin(dim=1)]
    assert torch.allclose(restored, nearest, atol=1e-4)
    assert b["relative_error"] == pytest.approx(((restored - values).norm() / values.norm()).item(), rel=1e-4)
    assert b["bits_per_param"] == 4 + 32 / 64  # 4 bits and one fp32 absmax per 64 values
    assert b["bits_per_param_double_quant"] == 4 + 8 / 64 + 32 / (64 * 256)  # 8-bit absmax, fp32 per 256 blocks
    with pytest.raises(LabError, match="pick a block from 0 to"):
        explain.nf4_block("minilm", block=10**6)


def test_parameter_map_and_update_spectrum(tmp_path):
    base = tiny_folder(tmp_path)
    cfg = FinetuneConfig(lora_r=4, top_k_layers=1, adapter_size=4, max_length=16, prompt_tokens=4)
    groups = explain.parameter_map(base, ["full", "head", "lora", "qlora"], cfg, allow_local=True)  # a test folder
    assert groups["head"]["classifier"]["trainable"] == groups["head"]["classifier"]["total"] > 0
    assert groups["head"]["embeddings"]["trainable"] == 0
    assert groups["full"]["embeddings"]["trainable"] == groups["full"]["embeddings"]["total"]
    assert 0 < groups["lora"]["encoder.layer.0"]["trainable"] < groups["lora"]["encoder.layer.0"]["total"]
    # QLoRA's map is drawn from LoRA's; hold it against a real 4-bit QLoRA model's trainable weights
    from lab.kinds.finetune.models import load_base
    from lab.kinds.finetune.data import Plan
    qlora, _ = load_base("qlora", Plan(base, [], [], ["negative", "positive"], ["qlora"]), cfg)
    real = {group: v["trainable"] for group, v in parameter_groups(qlora).items()}
    assert {group: v["trainable"] for group, v in groups["qlora"].items()} == real

    from lab.kinds.finetune.job import update_spectrum
    from lab.kinds.finetune.methods.lora_scratch import replace_linear_with_lora
    from tests.tiny_classifier import tiny_model
    model = replace_linear_with_lora(tiny_model(), ["query"], 4, 8)
    assert update_spectrum(model)["update_singular_values"]["bert.encoder.layer.0.attention.self.query"] \
        == [0.0] * 4  # B starts at zero: no update yet
    layer = model.get_submodule("bert.encoder.layer.0.attention.self.query")
    with torch.no_grad():
        layer.lora.B.normal_()
    values = update_spectrum(model)["update_singular_values"]["bert.encoder.layer.0.attention.self.query"]
    assert len(values) == 4 and all(v > 1e-4 for v in values) and values == sorted(values, reverse=True)
