"""The check every job passes before it is queued: its sources, its settings, its memory and its time.

`check_job(kind, config, owner, allow_local)` is the Runner's `check`: it resolves every source of the
config under the page's rules (no typed paths, only runs the owner may read; the CLI alone passes
`allow_local`), checks the settings, predicts the memory with the same ledger the pages draw
(lab.metrics.predict_memory on a weightless skeleton of the model), estimates the time
(lab.limits.step_seconds, an estimate stated as such), prunes the owner's oldest runs when their
files fill the owner's share of the disk, and returns (config, budget_s, notices, need): `need` is
the predicted memory and seconds, which the queue uses for its budget and its expected times.
"""
from __future__ import annotations

import dataclasses
import functools

from lab import limits, sources
from lab.errors import LabError


def _viewer(owner: str, allow_local: bool) -> str | None:
    return None if allow_local else owner  # the CLI is the machine's operator: it may read every run


def _check_upload(source) -> None:
    if source.kind in ("upload", "local"):
        from pathlib import Path
        size = Path(source.value).stat().st_size
        if size > limits.MAX_UPLOAD_BYTES:
            raise LabError(f"{source.label} is {size / 1e6:.1f} MB; uploads are limited to "
                           f"{limits.MAX_UPLOAD_BYTES // 2 ** 20} MB.")


@functools.lru_cache(maxsize=64)
def _ledger(kind: str, model_path: str, method: str, batch: int, length: int, extra: tuple,
            precision: str = "fp32") -> tuple[int, int, int]:
    """(predicted bytes, parameters, trainable parameters) of one method on a weightless skeleton, in the
    precision the job will train in (lab.training.precision)."""
    import torch

    from lab.metrics import count_parameters, predict_memory

    if kind == "reward":
        from transformers import AutoConfig, AutoModelForSequenceClassification
        config = AutoConfig.from_pretrained(sources.hub_folder(model_path, config_only=True), num_labels=1)
        with torch.device("meta"):
            model = AutoModelForSequenceClassification.from_config(config)
    elif kind == "finetune":
        from lab.config import FinetuneConfig
        from lab.kinds.finetune import methods as registry
        from lab.kinds.finetune.data import skeleton
        cfg = FinetuneConfig(**dict(extra))
        model = registry.prepare(method, skeleton(model_path, 2), cfg)
    else:
        from transformers import AutoConfig, AutoModelForCausalLM

        from lab.kinds.causal.cpu_speed import choose_attention
        config = AutoConfig.from_pretrained(sources.hub_folder(model_path, config_only=True))
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(config)
        choose_attention(model, batch, length, precision)  # as the job will: eager keeps its scores
        if method == "lora":
            from peft import LoraConfig, get_peft_model
            r, targets = dict(extra)["lora_r"], dict(extra)["lora_targets"]
            model = get_peft_model(model, LoraConfig(r=r, target_modules=targets.split(","), task_type="CAUSAL_LM"))
    ledger = predict_memory(model, batch, length, precision)
    counts = count_parameters(model)
    return ledger["total"], counts["total"], counts["trainable"]


def _precision() -> str:
    from lab.training import precision  # imports transformers: only once a job is checked
    return precision()


def _finetune(cfg, owner, allow_local):
    from lab.kinds.finetune.data import make_plan

    _check_upload(sources.resolve_data(cfg.dataset, _viewer(owner, allow_local), allow_local))
    plan = make_plan(cfg, _viewer(owner, allow_local), allow_local)  # settings, data, labels, base, methods
    methods, base = plan.methods, plan.base_path
    extra = tuple(sorted((k, v) for k, v in dataclasses.asdict(cfg).items() if k not in ("methods",)))
    memory, seconds = 0, 0.0
    for name in methods:
        try:
            need, params, trainable = _ledger("finetune", base, name, cfg.batch_size, cfg.max_length, extra,
                                              _precision())
        except LabError:
            raise
        except Exception as exc:  # the job's own checks give the precise sentence; here, say what failed
            raise LabError(f"The method {name} cannot be prepared on {cfg.base} ({type(exc).__name__}); "
                           "untick it or pick another base.") from None
        memory = max(memory, need)  # methods run one after another
        seconds += cfg.steps * limits.step_seconds(params, cfg.batch_size, cfg.max_length, trainable, name != "head")
        seconds += limits.step_seconds(params, cfg.eval_size or 400, cfg.max_length, 0, False)
    limits.check_budget(memory, seconds, "the steps, the batch size, the maximum length or the number of methods")
    return cfg, {"memory": memory, "seconds": seconds}


def _causal(kind, cfg, owner, allow_local):
    from lab.config import MAX_SFT_STEPS
    from lab.kinds.causal import common as causal_lm
    from lab.kinds.causal import data as sft_data

    causal_lm.validate(cfg, MAX_SFT_STEPS)
    sft_data.check_template(cfg)
    if kind == "dpo" and not 0 < cfg.beta <= 10:  # written so that NaN fails too
        raise LabError(f"Beta must be above 0 and at most 10 (0.1 is usual); {cfg.beta} is not.")
    path = sources.resolve_model(cfg.model, _viewer(owner, allow_local), allow_local)
    _check_upload(sources.resolve_data(cfg.dataset, _viewer(owner, allow_local), allow_local))
    pairs = 2 if kind == "dpo" else 1  # DPO scores a chosen and a rejected answer per example
    try:
        need, params, trainable = _ledger(kind, path, cfg.method, cfg.batch_size * pairs, cfg.max_length,
                                          (("lora_r", cfg.lora_r), ("lora_targets", cfg.lora_targets)),
                                          _precision())
    except LabError:
        raise
    except Exception as exc:
        raise LabError(f"The model {cfg.model} cannot be read as a causal LM ({type(exc).__name__}); "
                       "pick smollm2 or another causal LM.") from None
    step = limits.step_seconds(params, cfg.batch_size * pairs, cfg.max_length, trainable, True)
    if kind == "dpo":
        step += limits.step_seconds(params, cfg.batch_size * pairs, cfg.max_length, 0, False)  # the reference
    answers = 2 * limits.step_seconds(params, cfg.eval_size * cfg.max_new_tokens, cfg.max_length, 0, False)
    limits.check_budget(need, cfg.steps * step + answers, "the steps, the batch size or the maximum length")
    return cfg, {"memory": need, "seconds": cfg.steps * step + answers}


def _reward(cfg, owner, allow_local):
    from lab.kinds.causal import data as causal_data
    from lab.kinds.causal import reward

    reward.validate(cfg)
    causal_data.check_template(cfg)
    path = sources.resolve_model(cfg.model, _viewer(owner, allow_local), allow_local)
    _check_upload(sources.resolve_data(cfg.dataset, _viewer(owner, allow_local), allow_local))
    if not (cfg.dataset.strip() in ("", "tweets")):
        causal_data.dpo_data(cfg)  # an upload's pairs are checked now (chosen equal to rejected, a missing column)
    try:  # chosen and rejected both pass through the model: a pair is two sequences
        need, params, _ = _ledger("reward", path, "full", 2 * cfg.batch_size, cfg.max_length, (), _precision())
    except Exception as exc:
        raise LabError(f"The model {cfg.model} cannot be read as a reward model ({type(exc).__name__}); "
                       "pick minilm or smollm2.") from None
    step = limits.step_seconds(params, 2 * cfg.batch_size, cfg.max_length, params, True)
    evals = (cfg.steps // reward.EVAL_EVERY + 1) * limits.step_seconds(params, 2 * cfg.eval_size, cfg.max_length, 0, False)
    seconds = cfg.steps * step + evals
    limits.check_budget(need, seconds, "the steps or the batch size")
    return cfg, {"memory": need, "seconds": seconds}


def _rl(cfg, owner, allow_local):
    from lab.kinds.causal import data as causal_data
    from lab.kinds.causal import rl
    from lab.kinds.causal.reward import is_reward_model

    viewer = _viewer(owner, allow_local)
    if cfg.reward_model_weight and (cfg.reward_model or "latest").strip() == "latest":
        cfg = dataclasses.replace(cfg, reward_model=latest_reward_model(viewer))  # fixed now, for this owner
    rl.validate(cfg)
    causal_data.check_template(cfg)
    path = sources.resolve_model(cfg.model, viewer, allow_local)
    if cfg.reward_model_weight:
        folder = sources.resolve_model(cfg.reward_model, viewer, allow_local)
        if not is_reward_model(folder):
            raise LabError(f"{cfg.reward_model} is not a reward model (a classifier with one output); "
                           "pick a run of the reward-model stage.")
    _check_upload(sources.resolve_data(cfg.dataset, viewer, allow_local))
    if not (cfg.dataset.strip() in ("", "tweets")):
        causal_data.rl_data(cfg)  # an upload without prompts is refused now, not in the queue
    sequences = cfg.prompts_per_step * cfg.generations
    length = cfg.max_length + cfg.max_completion_length
    try:  # the generations are the batch: every completion is scored and trained on
        need, params, trainable = _ledger("rl", path, cfg.method, sequences, length,
                                          (("lora_r", cfg.lora_r), ("lora_targets", cfg.lora_targets)), _precision())
    except LabError:
        raise
    except Exception as exc:
        raise LabError(f"The model {cfg.model} cannot be read as a causal LM ({type(exc).__name__}); "
                       "pick smollm2 or another causal LM.") from None
    if cfg.reward_model_weight:
        need += 4 * _parameters(sources.resolve_model(cfg.reward_model, viewer, allow_local))
    # each step: the completions generated token by token, scored, then one forward and backward over them
    generate = limits.generate_seconds(params, sequences, cfg.max_length, cfg.max_completion_length)
    step = generate + limits.step_seconds(params, sequences, length, trainable, True)
    answers = 2 * limits.generate_seconds(params, cfg.eval_size, cfg.max_length, rl.answer_tokens(cfg))
    seconds = cfg.steps * step + answers
    limits.check_budget(need, seconds, "the steps, the prompts per step, the generations or the completion length")
    return cfg, {"memory": need, "seconds": seconds}


def latest_reward_model(viewer) -> str:
    """run:<id> of the viewer's newest reward-model run (for the CLI, anyone's), or a LabError saying to train one."""
    from lab.kinds.causal.reward import reward_runs

    runs = reward_runs(viewer, own=True)
    if not runs:
        raise LabError("You have no reward model yet: train one in stage 1 first, pick a reward run (run:<id>), "
                       "or set the reward model's weight to 0.")
    return runs[0][1]


def _parameters(path: str) -> int:
    """Parameters of a model folder, counted on a weightless skeleton."""
    import torch
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(sources.hub_folder(path, config_only=True))
    with torch.device("meta"):
        model = AutoModel.from_config(config)
    return sum(p.numel() for p in model.parameters())


def _pretrain(cfg, owner, allow_local):
    from lab.kinds.pretrain import job as pretrain

    if (cfg.tokenizer or "latest") == "latest":  # fixed now, for this owner: never a stranger's newer one
        cfg = dataclasses.replace(cfg, tokenizer=pretrain.latest_tokenizer(_viewer(owner, allow_local)))
    _check_upload(sources.resolve_data(cfg.corpus, _viewer(owner, allow_local), allow_local))
    if cfg.init == "minilm":
        vocab = 30522
        shape = dataclasses.replace(pretrain.MINILM_SHAPE, batch_size=cfg.batch_size, block_size=cfg.block_size)
        pretrain.validate(dataclasses.replace(cfg, init="scratch", vocab_size=0, hidden=8, heads=1, intermediate=8,
                                              layers=1, max_positions=512), vocab)  # the training settings only
        params = pretrain.count_parameters(shape, vocab)
    else:
        vocab = pretrain.tokenizer_size(sources.resolve_tokenizer(cfg.tokenizer, _viewer(owner, allow_local),
                                                                  allow_local))
        shape, params = cfg, pretrain.validate(cfg, vocab)
    memory = pretrain.predicted_memory(shape, params, vocab)
    seconds = cfg.steps * limits.step_seconds(params, cfg.batch_size, cfg.block_size, params, True)
    limits.check_budget(memory, seconds, "the steps, the batch size, the block size or the model's size")
    return cfg, {"memory": memory, "seconds": seconds}


def _tokenizer(cfg, owner, allow_local):
    from lab.kinds import tokenizer as tokenization

    tokenization.validate(cfg)
    _check_upload(sources.resolve_data(cfg.corpus, _viewer(owner, allow_local), allow_local))
    return cfg, {}  # no estimate: the lab learns a tokenizer's length from the ones it has run


CHECKS = {"finetune": _finetune, "sft": lambda c, o, a: _causal("sft", c, o, a),
          "dpo": lambda c, o, a: _causal("dpo", c, o, a), "pretrain": _pretrain, "tokenizer": _tokenizer,
          "reward": _reward, "rl": _rl}


def prune(owner: str, store) -> list[str]:
    """Remove the owner's oldest finished runs while they exceed their share of runs or disk."""
    runs = [r for r in store.owner_runs(owner) if r["status"] not in ("queued", "running")]
    total = sum(r["bytes"] for r in runs)
    removed = []
    while runs and (len(runs) >= limits.MAX_OWNER_RUNS or total > limits.MAX_OWNER_BYTES_ON_DISK):
        oldest = runs.pop(0)
        store.delete_run(oldest["id"])
        total -= oldest["bytes"]
        removed.append(oldest["id"])
    return removed


def check_job(kind: str, config, owner: str, allow_local: bool = False, store=None):
    """(config, budget_s, notices, need), or a LabError that says what to change. `need` is what the
    queue plans with: {"memory": predicted bytes, "seconds": the estimate} (either may be missing)."""
    check = CHECKS.get(kind)
    need = {}
    if check is not None:
        config, need = check(config, owner, allow_local)
    notices = []
    if store is not None and not allow_local:
        removed = prune(owner, store)
        if removed:
            notices.append(f"Your {len(removed)} oldest run(s) were removed to keep your share of the disk "
                           f"({limits.MAX_OWNER_RUNS} runs, {limits.gb(limits.MAX_OWNER_BYTES_ON_DISK)}).")
    return config, limits.job_seconds(), notices, need
