"""AdaLoRA with peft: LoRA whose rank moves between layers while it trains (a dynamic rank).

Each target holds P diag(E) Q, an SVD-shaped update of `init_r` triplets. Every step peft scores
each triplet's importance (|weight x gradient|, smoothed) and keeps only the best ones across all
layers, the total budget shrinking from init_r per layer to lora_r per layer (the target) over the
middle of training; the layers that matter keep more rank. peft leaves the step to the training
loop (`update_and_allocate`), so `callbacks` hands the Trainer one that calls it after each optimizer
step (while the gradients are still there) and reports every layer's rank as a `rank` event.

peft's forward also adds an orthogonality penalty to the loss it returns (orth_reg_weight x the mean of
||P P^T - I|| and ||Q^T Q - I||), which is what trains. The penalty is no part of the task: the same
callback records it as each forward adds it and logs the task loss (cross-entropy, comparable with every
other method's) as `loss`, and the penalty apart as `orth_penalty`.
"""
from __future__ import annotations

from lab.errors import LabError
from lab.kinds.finetune.methods.common import check_rank, check_targets

NAME = "adalora"
LABEL = "AdaLoRA (dynamic rank)"
LEARNING_RATE = 5e-3
EXPORT = "merged"  # the kept triplets fold into W like LoRA's B A
INIT_RANK_FACTOR = 1.5  # AdaLoRA's paper starts at 1.5x the target rank and prunes down


def schedule(cfg) -> dict:
    """The three phases over the run: warm up at full rank, prune, then train at the final ranks."""
    steps = int(cfg.steps)
    return {"init_r": max(cfg.lora_r + 1, round(cfg.lora_r * INIT_RANK_FACTOR)), "target_r": cfg.lora_r,
            "tinit": steps // 10, "tfinal": steps // 5, "deltaT": 1, "total_step": steps}


def adalora_config(cfg):
    from peft import AdaLoraConfig, TaskType

    return AdaLoraConfig(task_type=TaskType.SEQ_CLS, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                         target_modules=cfg.target_list(), **schedule(cfg))


def check(model, cfg) -> None:
    check_rank(model, schedule(cfg)["init_r"])
    check_targets(model, cfg.target_list())
    if cfg.steps < 2:
        raise LabError("AdaLoRA reallocates rank as training goes; give it at least 2 steps.")


def prepare(model, cfg):
    from peft import get_peft_model

    check(model, cfg)
    return get_peft_model(model, adalora_config(cfg))


def export(model):
    return model.merge_and_unload()


def layer_ranks(model) -> dict[str, int]:
    """{target layer: triplets still kept}: pruned triplets have their singular value E zeroed."""
    ranks = {}
    for name, module in model.named_modules():
        values = getattr(module, "lora_E", None)
        if values is None or not hasattr(values, "items") or not len(values):
            continue
        key = next(iter(values))
        short = name.replace("base_model.model.", "").replace("bert.encoder.layer.", "L").replace(".attention.self", "")
        ranks[short] = int((values[key].detach() != 0).sum())
    return ranks


def orthogonality_penalty(adalora_model):
    """What AdaLoraModel.forward adds to the loss, computed as it does (same order, same dtypes)."""
    import torch

    name = adalora_model.trainable_adapter_name
    weight = adalora_model.peft_config[name].orth_reg_weight
    total, count = 0, 0
    with torch.no_grad():
        for n, p in adalora_model.model.named_parameters():
            if ("lora_A" in n or "lora_B" in n) and name in n:
                cov = p @ p.T if "lora_A" in n else p.T @ p  # (r, r)
                total += torch.norm(cov - torch.eye(*cov.size(), out=torch.empty_like(cov)), p="fro")
                count += 1
    return weight * (total / count) if count else 0.0


def callbacks(model, ctx, method: str) -> list:
    """The Trainer callback that runs AdaLoRA's budget step, emits `rank` events and logs the task loss.

    It must come before the callback that turns logs into events: it rewrites `loss` in the logs.
    """
    from transformers import TrainerCallback

    penalties = []  # the penalty of each training forward since the last log

    def record(module, args, kwargs):
        # inside the forward, so under the same autocast as peft's own sum, before peft adds it
        if module.training and kwargs.get("labels") is not None:
            penalties.append(orthogonality_penalty(module))

    class RankAllocation(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.hook = model.base_model.register_forward_pre_hook(record, with_kwargs=True)

        def on_train_end(self, args, state, control, **kwargs):
            self.hook.remove()

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs is None or "loss" not in logs or not penalties:
                return
            penalty = float(sum(penalties)) / len(penalties)  # a logged loss is the mean of its steps
            penalties.clear()
            for entry in (logs, state.log_history[-1]):  # what the events read, and the Trainer's history
                entry["orth_penalty"] = penalty
                entry["loss"] -= penalty

        def on_optimizer_step(self, args, state, control, **kwargs):
            # peft wants the step after optimizer.step() and before zero_grad(): the Trainer calls this
            # hook exactly there; global_step is not incremented yet, hence the +1
            model.base_model.update_and_allocate(state.global_step + 1)
            ranks = layer_ranks(model)
            ctx.emit("rank", method=method, step=state.global_step + 1, layers=list(ranks),
                     ranks=list(ranks.values()), budget=sum(ranks.values()))

    return [RankAllocation()]
