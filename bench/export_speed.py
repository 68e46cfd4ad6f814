"""An exported SFT or DPO script against the lab's own run of it: the same training, timed on the same machine
in one process's turn (the run first, then its script).

    LAB_DATA_DIR=/tmp/bench_export python bench/export_speed.py [--kind sft|dpo] [--steps N] [--json OUT]

Runs the kind's default job on the shared worker (as `python -m lab sft` does), exports it, and runs the
exported train.py in a subprocess without the lab importable (as tests/test_export_kinds.py does). Prints
each side's precision, attention, whole time (loading to saving, the job's `seconds` and the script's)
and training time (the lab: its `train_seconds`, first step's start to last step's end; the script: the Trainer's
train_runtime), their ratios (script / lab: 1.0 is "trains as fast as the lab"), and both held-out
accuracies, which should agree: the script repeats the run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("sft", "dpo"), default="sft")
    parser.add_argument("--steps", type=int, default=None, help="default: the kind's default steps")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    os.environ.setdefault("LAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-export-"))

    from lab.__main__ import run_job
    from lab.config import DPORunConfig, SFTRunConfig
    from lab.export.script import export_run
    from lab.store import Store

    cfg = (SFTRunConfig if args.kind == "sft" else DPORunConfig)()
    if args.steps:
        cfg.steps = args.steps
    lab = run_job(args.kind, cfg)  # as `python -m lab sft` runs it; progress on stderr
    folder = Path(export_run(Store().get_run(lab["run_id"]), tempfile.mkdtemp(prefix="bench-export-script-"))["dir"])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LAB_DATA_DIR")}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "train.py"], cwd=folder, env=env, capture_output=True, text=True)
    process_seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stderr[-3000:])
        return 1
    script = json.loads((folder / "outputs" / "results.json").read_text())

    print(f"{args.kind}, {lab['steps']} steps; load {open('/proc/loadavg').read().split()[0]}")
    print(f"  lab:    {lab['precision']}, whole {lab['seconds']:.1f} s, training {lab['train_seconds']:.1f} s, "
          f"held-out accuracy {lab['accuracy_before']:.3f} -> {lab['accuracy_after']:.3f}")
    print(f"  script: {script['precision']}, {script['attention']} attention, whole {script['seconds']:.1f} s "
          f"({process_seconds:.1f} s with the interpreter's imports), training {script['train_seconds']:.1f} s, "
          f"held-out accuracy {script['accuracy_before']:.3f} -> {script['accuracy_after']:.3f}")
    whole, training = script["seconds"] / lab["seconds"], script["train_seconds"] / lab["train_seconds"]
    print(f"script / lab: whole {whole:.2f}, training {training:.2f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "kind": args.kind, "steps": lab["steps"],
            "lab": {k: lab[k] for k in ("precision", "seconds", "train_seconds", "accuracy_before", "accuracy_after")},
            "script": {k: script[k] for k in ("precision", "attention", "seconds", "train_seconds",
                                              "accuracy_before", "accuracy_after")},
            "script_process_seconds": round(process_seconds, 2),
            "whole_ratio": round(whole, 3), "training_ratio": round(training, 3)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
