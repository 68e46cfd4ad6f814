"""The CLI twin of every tab: the same functions, settings from flags, the result as JSON.

    python -m lab pipeline --task sentence-similarity --text "I love it" --text2 "I like it" --json out.json
    python -m lab <tokenizer|pretrain|finetune|sft|dpo|reward|rl> --help
    python -m lab export RUN_ID --out DIR     # the run as a standalone script (also: report, push)

Training commands run on the same worker and store as the app, so their runs appear in its tabs.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

from lab.errors import LabError

NAMES = ("minilm", "smollm2", "tweets", "latest")  # packaged choices win over a folder of the same name


def add_config_flags(parser: argparse.ArgumentParser, config_class, skip: tuple = ()) -> None:
    """One --flag per dataclass field, with its default and help text."""
    for f in fields(config_class):
        if f.name in skip:
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = type(f.default) if f.default is not None else str
        if kind is bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=f.default,
                                help=f.metadata.get("help"))
        else:
            parser.add_argument(flag, dest=f.name, type=kind, default=f.default, help=f.metadata.get("help"))


def config_from(args: argparse.Namespace, config_class):
    return config_class(**{f.name: absolute(getattr(args, f.name)) for f in fields(config_class) if hasattr(args, f.name)})


def absolute(value):
    """A local file or folder as its absolute path: lab.sources reads local paths only so, and takes
    a relative name for a Hub id (a page's typed id must never open a folder of that name)."""
    if isinstance(value, str) and value and value not in NAMES and not value.startswith("run:") \
            and Path(value).exists():
        return str(Path(value).resolve())
    return value


def run_job(kind: str, config) -> dict:
    """Submit one job to a fresh worker, print its progress to stderr, return its result."""
    from lab.serve.runner import build_runner

    runner = build_runner()
    job_id = runner.submit("cli", kind, config, allow_local=True)  # the CLI may read local files
    # The Trainer prints its log dicts (PrinterCallback); stdout is for the result alone.
    with contextlib.redirect_stdout(sys.stderr):
        return _follow(runner, job_id)


def _follow(runner, job_id: str) -> dict:
    cursor, snap = 0, None
    try:
        while True:
            snap = runner.snapshot(job_id, cursor)
            cursor = snap["cursor"]
            for event in snap["events"]:
                if event["type"] == "log":
                    print(event["message"], file=sys.stderr)
                elif event["type"] in ("step", "eval"):
                    shown = {k: v for k, v in event.items() if k not in ("type", "t")}
                    print(event["type"], json.dumps(shown), file=sys.stderr)
            if snap["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
    except KeyboardInterrupt:
        runner.cancel(job_id)
        raise
    finally:
        runner.shutdown()
    if snap["status"] != "done":
        raise LabError(snap["error"] or f"The job ended {snap['status']}.")
    return {"run_id": job_id, **snap["result"]}


def cmd_pipeline(args) -> dict:
    from lab.config import PipelineConfig
    from lab.kinds.pipeline import run_pipeline

    return run_pipeline(config_from(args, PipelineConfig), allow_local=True)


def cmd_finetune(args) -> dict:
    from lab.config import FinetuneConfig

    return run_job("finetune", config_from(args, FinetuneConfig))


def cmd_tokenizer(args) -> dict:
    from lab.config import TokenizerConfig

    return run_job("tokenizer", config_from(args, TokenizerConfig))


def cmd_pretrain(args) -> dict:
    from lab.config import PretrainConfig

    return run_job("pretrain", config_from(args, PretrainConfig))


def stored_run(run_id: str) -> dict:
    from lab.store import Store

    run = Store().get_run(run_id)
    if run is None:
        raise LabError(f"There is no run {run_id}; copy a run id from the Run history tab or a --json result.")
    return run


def cmd_export(args) -> dict:
    from lab.export.script import export_run

    return export_run(stored_run(args.run_id), args.out)


def cmd_report(args) -> dict:
    from lab.export.report import build_report

    return build_report(stored_run(args.run_id), args.out)


def cmd_push(args) -> dict:
    import getpass
    import os

    from lab.export.hub import push

    # never a flag: flags land in shell history and the process list
    token = os.environ.get("HF_TOKEN") or getpass.getpass("Hugging Face token (not echoed, not stored): ")
    return {"url": push(stored_run(args.run_id), args.repo, token, method=args.method, private=not args.public)}


def build_parser() -> argparse.ArgumentParser:
    from lab.config import PIPELINE_TASKS, PipelineConfig

    parser = argparse.ArgumentParser(prog="python -m lab", description="Fine-Tuning Lab from the command line.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("pipeline", help="Run one transformers.pipeline call, stage by stage.")
    p.add_argument("--task", choices=PIPELINE_TASKS, default="sentence-similarity")
    add_config_flags(p, PipelineConfig, skip=("task",))
    p.set_defaults(func=cmd_pipeline)

    # --- tokenizer and pretrain ---
    from lab.config import PRETRAIN_INITS, TOKENIZER_BASES, PretrainConfig, TokenizerConfig

    p = sub.add_parser("tokenizer", help="Train a new vocabulary with train_new_from_iterator; compare it with its base.")
    p.add_argument("--base", choices=TOKENIZER_BASES, default="minilm")
    add_config_flags(p, TokenizerConfig, skip=("base",))
    p.set_defaults(func=cmd_tokenizer)

    p = sub.add_parser("pretrain", help="Pre-train a small BERT (or continue MiniLM) with masked-language modelling.")
    p.add_argument("--init", choices=PRETRAIN_INITS, default="scratch")
    add_config_flags(p, PretrainConfig, skip=("init",))
    p.set_defaults(func=cmd_pretrain)

    # --- finetune ---
    from lab.config import FinetuneConfig

    p = sub.add_parser("finetune", help="Compare fine-tuning methods on one base and dataset, one after another.")
    add_config_flags(p, FinetuneConfig)
    p.set_defaults(func=cmd_finetune)

    # --- sft and dpo ---
    from lab.config import SFT_METHODS, DPORunConfig, SFTRunConfig, help_text

    for name, config_class, about in (("sft", SFTRunConfig, "Supervised fine-tuning with trl's SFTTrainer."),
                                      ("dpo", DPORunConfig, "Preference tuning with trl's DPOTrainer.")):
        p = sub.add_parser(name, help=about)
        p.add_argument("--method", choices=SFT_METHODS, default="lora", help=help_text(config_class, "method"))
        add_config_flags(p, config_class, skip=("method",))
        p.set_defaults(func=lambda args, kind=name, cls=config_class: run_job(kind, config_from(args, cls)))

    # --- reinforcement: a reward model, then the policy against it ---
    from lab.config import RL_ALGORITHMS, RewardRunConfig, RLRunConfig

    p = sub.add_parser("reward", help="RLHF stage 1: learn a reward model from preference pairs (trl RewardTrainer).")
    add_config_flags(p, RewardRunConfig)
    p.set_defaults(func=lambda args: run_job("reward", config_from(args, RewardRunConfig)))
    p = sub.add_parser("rl", help="RLHF stage 2: tune the policy against rewards (trl GRPOTrainer or RLOOTrainer).")
    p.add_argument("--algorithm", choices=RL_ALGORITHMS, default="grpo", help=help_text(RLRunConfig, "algorithm"))
    p.add_argument("--method", choices=SFT_METHODS, default="lora", help=help_text(RLRunConfig, "method"))
    add_config_flags(p, RLRunConfig, skip=("algorithm", "method"))
    p.set_defaults(func=lambda args: run_job("rl", config_from(args, RLRunConfig)))

    # --- a run as code, as a report, on the Hub ---
    p = sub.add_parser("export", help="Write a run's standalone script, its data, accelerate configs and a README.")
    p.add_argument("run_id")
    p.add_argument("--out", required=True, help="A new or empty folder.")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("report", help="Zip a run's settings, per-step metrics (CSV), figures (HTML) and script.")
    p.add_argument("run_id")
    p.add_argument("--out", required=True, help="The zip file to write.")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("push", help="Upload a run's model or adapter with a model card (token from HF_TOKEN or a prompt).")
    p.add_argument("run_id")
    p.add_argument("--repo", required=True, help="your-name/model-name on the Hub.")
    p.add_argument("--method", help="For a fine-tuning comparison: which method's model.")
    p.add_argument("--public", action="store_true", help="Make a new repository public (default: private).")
    p.set_defaults(func=cmd_push)

    for command in sub.choices.values():
        command.add_argument("--json", dest="json_out", help="Write the result to this JSON file.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(result, indent=2, default=str)
    if args.json_out:
        with open(args.json_out, "w") as handle:
            handle.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
