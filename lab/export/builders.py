"""One builder per run kind: the settings, data and models an exported script needs, written into its folder.

Each builder reads the run's stored config (and result, where the run resolved something at run time,
such as the "latest" tokenizer or a method's learning rate), rebuilds the exact rows the lab trained
on with the lab's own data functions, writes them as JSONL under data/, and returns a Bundle.
"""
from __future__ import annotations

from pathlib import Path

from lab.errors import LabError
from lab.export.bundle import Bundle, config_of, copy_upload, model_spec, write_jsonl

FINETUNE_SECTIONS = ("full", "head", "selective", "adapter", "lora", "dora", "adalora", "lora_scratch", "qlora",
                     "prompt")
HUB_DATA_NOTE = ("The rows were read from the Hub when the run was exported; the Hub copy may have changed "
                 "since the run.")


def _source(dataset: str) -> str:
    """The data source as the script's README names it: an upload by its file name, not its server path."""
    dataset = (dataset or "").strip() or "tweets"
    return f"upload:{Path(dataset).name}" if _is_file(dataset) else dataset


def _is_file(dataset: str) -> bool:
    """An upload (or a CLI file): always an absolute path; a relative name is a Hub id (lab.sources)."""
    return Path(dataset).is_absolute() and Path(dataset).is_file()


def _data_note(dataset: str) -> list[str]:
    dataset = (dataset or "").strip()
    if dataset in ("", "tweets"):
        return []
    return [] if _is_file(dataset) else [HUB_DATA_NOTE]


def finetune(run: dict, out: Path) -> Bundle:
    from lab.config import FinetuneConfig
    from lab.kinds.finetune.data import make_plan
    from lab.kinds.finetune.job import learning_rate

    cfg = config_of(FinetuneConfig, run["config"])
    unknown = [m for m in cfg.method_list() if m not in FINETUNE_SECTIONS]
    if unknown:
        raise LabError(f"The method {', '.join(unknown)} has no export script yet; export a run of "
                       f"{', '.join(FINETUNE_SECTIONS)}.")
    plan = make_plan(cfg)  # the same rows, labels and base the run trained on
    write_jsonl(out / "data" / "train.jsonl", plan.train)
    write_jsonl(out / "data" / "eval.jsonl", plan.evaluation)
    upload = copy_upload(cfg.dataset, out)
    stored = ((run.get("result") or {}).get("methods") or {})
    methods = {name: {"learning_rate": stored.get(name, {}).get("learning_rate") or learning_rate(name, cfg)}
               for name in plan.methods}
    settings = {
        "run_id": run["id"], "kind": "finetune", "base": model_spec(cfg.base, plan.base_path, out),
        "data": {"source": _source(cfg.dataset), "upload": upload, "train": "data/train.jsonl",
                 "eval": "data/eval.jsonl"},
        "labels": plan.labels, "methods": methods, "steps": cfg.steps, "batch_size": cfg.batch_size,
        "eval_batch_size": 64, "max_length": cfg.max_length, "seed": cfg.seed,
        "lora_r": cfg.lora_r, "lora_alpha": cfg.lora_alpha, "lora_dropout": cfg.lora_dropout,
        "target_modules": cfg.target_list(), "top_k_layers": cfg.top_k_layers, "adapter_size": cfg.adapter_size,
        "prompt_tokens": cfg.prompt_tokens,
    }
    notes = _data_note(cfg.dataset)
    if "qlora" in plan.methods:
        notes.append("QLoRA's 4-bit kernels differ between CPU and GPU builds of bitsandbytes, so its curve "
                     "matches the lab's only on the same kind of machine.")
    return Bundle("finetune", settings, sections=set(plan.methods), notes=notes)


def pretrain(run: dict, out: Path) -> Bundle:
    from lab import resources
    from lab.config import PretrainConfig
    from lab.kinds import tokenizer as tokenization
    from lab.kinds.pretrain import job as lab_pretrain

    cfg = config_of(PretrainConfig, run["config"])
    # "latest" meant the newest tokenizer when the run started: the run recorded which one
    tok_path = (run.get("result") or {}).get("tokenizer")
    if not tok_path:
        tok_path = (tokenization.tokenizer_path("minilm") if cfg.init == "minilm"
                    else lab_pretrain.resolve_tokenizer(cfg.tokenizer))
    if not Path(tok_path).is_dir() and cfg.init != "minilm":
        raise LabError("The tokenizer this run used is gone; train it again and re-run the pre-training.")
    tokenization.load_tokenizer(tok_path).save_pretrained(str(out / "tokenizer"))
    train_texts, held_texts = tokenization.split_corpus(tokenization.corpus_texts(cfg.corpus))
    write_jsonl(out / "data" / "train.jsonl", [{"text": t} for t in train_texts])
    write_jsonl(out / "data" / "eval.jsonl", [{"text": t} for t in held_texts])
    shape = lab_pretrain.MINILM_SHAPE if cfg.init == "minilm" else cfg
    settings = {
        "run_id": run["id"], "kind": "pretrain", "init": cfg.init,
        "model": model_spec("minilm", resources.minilm_path(), out) if cfg.init == "minilm" else None,
        "tokenizer": "tokenizer",
        "data": {"source": _source(cfg.corpus), "upload": copy_upload(cfg.corpus, out),
                 "train": "data/train.jsonl", "eval": "data/eval.jsonl"},
        **{k: getattr(shape, k) for k in ("hidden", "layers", "heads", "intermediate", "max_positions")},
        **{k: getattr(cfg, k) for k in ("dropout", "block_size", "mlm_probability", "steps", "batch_size",
                                        "learning_rate", "warmup_steps", "eval_every", "probe", "seed")},
        "eval_blocks": lab_pretrain.EVAL_BLOCKS, "weight_decay": 0.01,
    }
    return Bundle("pretrain", settings, notes=_data_note(cfg.corpus))


def tokenizer(run: dict, out: Path) -> Bundle:
    from lab.config import TokenizerConfig
    from lab.kinds import tokenizer as tokenization

    cfg = config_of(TokenizerConfig, run["config"])
    tokenization.validate(cfg)
    train_texts, held_out = tokenization.split_corpus(tokenization.corpus_texts(cfg.corpus))
    write_jsonl(out / "data" / "train.jsonl", [{"text": t} for t in train_texts])
    write_jsonl(out / "data" / "eval.jsonl", [{"text": t} for t in held_out])
    settings = {"run_id": run["id"], "kind": "tokenizer",
                "base": model_spec(cfg.base, tokenization.base_path(cfg.base), out),
                "data": {"source": _source(cfg.corpus), "upload": copy_upload(cfg.corpus, out),
                         "train": "data/train.jsonl", "eval": "data/eval.jsonl"},
                "vocab_size": int(cfg.vocab_size), "batch_size": int(cfg.batch_size), "sample": cfg.sample}
    notes = _data_note(cfg.corpus) + [
        "The exact vocabulary: the tokenizers trainer breaks ties between equally frequent pairs in hash order, "
        "so two trainings (in the lab too) can differ in a few rare tokens; size and compression stay the same."]
    return Bundle("tokenizer", settings, trainer=False, notes=notes)


def _causal(kind: str, run: dict, out: Path) -> Bundle:
    """SFT and DPO: the rows the lab built (prompt/completion, messages or preference pairs) and held-out prompts."""
    from lab import sources
    from lab.config import DPO_DEFAULT_LR, SFT_DEFAULT_LR, DPORunConfig, SFTRunConfig
    from lab.kinds.causal import common as causal_lm
    from lab.kinds.causal.data import dpo_data, sft_data

    config_class, defaults, rows_of = ((SFTRunConfig, SFT_DEFAULT_LR, sft_data) if kind == "sft"
                                       else (DPORunConfig, DPO_DEFAULT_LR, dpo_data))
    cfg = config_of(config_class, run["config"])
    causal_lm.validate(cfg, 10 ** 9)
    rows = rows_of(cfg)
    write_jsonl(out / "data" / "train.jsonl", rows["train"])
    write_jsonl(out / "data" / "heldout.jsonl", rows["heldout"])
    settings = {"run_id": run["id"], "kind": kind, "model": model_spec(cfg.model, sources.resolve_model(cfg.model, allow_local=True), out),
                "data": {"source": _source(cfg.dataset), "upload": copy_upload(cfg.dataset, out),
                         "kind": rows.get("kind", "preference"), "train": "data/train.jsonl",
                         "heldout": "data/heldout.jsonl"},
                "method": cfg.method, "steps": cfg.steps, "batch_size": cfg.batch_size,
                "learning_rate": causal_lm.learning_rate(cfg, defaults), "max_length": cfg.max_length,
                "lora_r": cfg.lora_r, "lora_alpha": cfg.lora_alpha, "lora_targets": causal_lm.lora_targets(cfg),
                "max_new_tokens": cfg.max_new_tokens, "seed": cfg.seed}
    if kind == "dpo":
        settings["beta"] = cfg.beta
    notes = [] if cfg.dataset.strip() in ("", "tweets") or not cfg.dataset.strip().startswith("hub:") else [HUB_DATA_NOTE]
    return Bundle("causal", settings, sections={kind}, notes=notes)


def _reward_stage(cfg, out: Path) -> dict:
    """Stage 1's settings and pairs: the reward model as the run trained it."""
    from lab import sources
    from lab.config import REWARD_DEFAULT_LR
    from lab.kinds.causal import reward
    from lab.kinds.causal.data import dpo_data

    reward.validate(cfg)
    rows = dpo_data(cfg)
    write_jsonl(out / "data" / "pairs.jsonl", rows["train"])
    write_jsonl(out / "data" / "heldout_pairs.jsonl", rows["heldout_pairs"])
    return {"model": model_spec(cfg.model, sources.resolve_model(cfg.model, allow_local=True), out, name="reward_base"),
            "data": {"source": _source(cfg.dataset), "upload": copy_upload(cfg.dataset, out),
                     "pairs": "data/pairs.jsonl", "heldout_pairs": "data/heldout_pairs.jsonl"},
            "steps": cfg.steps, "batch_size": cfg.batch_size, "learning_rate": cfg.learning_rate or REWARD_DEFAULT_LR,
            "max_length": cfg.max_length, "seed": cfg.seed, "eval_every": reward.EVAL_EVERY}


def reward_model(run: dict, out: Path) -> Bundle:
    from lab.config import RewardRunConfig

    cfg = config_of(RewardRunConfig, run["config"])
    settings = {"run_id": run["id"], "kind": "reward", "reward": _reward_stage(cfg, out), "policy": None}
    return Bundle("rlhf", settings, notes=_data_note(cfg.dataset))


def rl(run: dict, out: Path) -> Bundle:
    """Both stages: the reward-model run this run scored with is trained again first (its settings and pairs),
    then the policy; without a reward model, stage 2 alone."""
    from lab import sources
    from lab.config import RL_DEFAULT_LR, RewardRunConfig, RLRunConfig
    from lab.kinds.causal import common as causal_lm
    from lab.kinds.causal import rl as lab_rl
    from lab.kinds.causal.data import rl_data
    from lab.store import Store

    cfg = config_of(RLRunConfig, run["config"])
    lab_rl.validate(cfg)
    chosen = {name: w for name, w in lab_rl.weights(cfg).items() if w}
    stage_one, notes = None, _data_note(cfg.dataset)
    if "reward_model" in chosen:
        ref = cfg.reward_model.strip()
        reward_run = Store().get_run(ref[4:]) if ref.startswith("run:") else None
        if not reward_run or reward_run.get("kind") != "reward":
            raise LabError(f"The reward model {ref} of this run is not a reward-model run any more; export a run "
                           "whose reward model is still in the run history.")
        reward_cfg = config_of(RewardRunConfig, reward_run["config"])
        stage_one = _reward_stage(reward_cfg, out)
        notes += _data_note(reward_cfg.dataset)
    rows = rl_data(cfg)
    write_jsonl(out / "data" / "prompts.jsonl", rows["train"])
    write_jsonl(out / "data" / "heldout.jsonl", rows["heldout"])
    policy = {"model": model_spec(cfg.model, sources.resolve_model(cfg.model, allow_local=True), out),
              "data": {"source": _source(cfg.dataset), "upload": copy_upload(cfg.dataset, out),
                       "prompts": "data/prompts.jsonl", "heldout": "data/heldout.jsonl"},
              "algorithm": cfg.algorithm, "method": cfg.method, "weights": chosen, "steps": cfg.steps,
              "prompts_per_step": cfg.prompts_per_step, "generations": cfg.generations,
              "max_completion_length": cfg.max_completion_length, "temperature": cfg.temperature, "beta": cfg.beta,
              "learning_rate": causal_lm.learning_rate(cfg, RL_DEFAULT_LR), "max_length": cfg.max_length,
              "lora_r": cfg.lora_r, "lora_alpha": cfg.lora_alpha, "lora_targets": causal_lm.lora_targets(cfg),
              "answer_tokens": lab_rl.answer_tokens(cfg), "seed": cfg.seed}
    settings = {"run_id": run["id"], "kind": "rl", "reward": stage_one, "policy": policy}
    notes.append("Sampling is seeded: on the same kind of machine and precision the script draws the run's "
                 "completions; elsewhere the curves match in shape, not step by step.")
    return Bundle("rlhf", settings, notes=sorted(set(notes), key=notes.index))


BUILDERS = {"finetune": finetune, "pretrain": pretrain, "tokenizer": tokenizer,
            "sft": lambda run, out: _causal("sft", run, out), "dpo": lambda run, out: _causal("dpo", run, out),
            "reward": reward_model, "rl": rl}
