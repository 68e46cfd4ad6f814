"""An exported tiny fine-tuning script under torchrun with two CPU processes (gloo): both ranks train, one saves.

torchrun is what `accelerate launch --multi_gpu` runs underneath; the script itself is unchanged.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.test_export import script_env
from tests.test_tokenization import run_job
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab.config import FinetuneConfig
from lab.export.script import export_run
from lab.store import Store


def test_two_cpu_processes_both_train_and_one_model_is_saved(tmp_path):
    base = tiny_folder(tmp_path)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    cfg = FinetuneConfig(methods="lora", base=base, dataset=data, steps=4, batch_size=4, max_length=16, lora_r=4)
    job_id, snap = run_job("finetune", cfg)
    assert snap["status"] == "done", snap["error"]
    folder = Path(export_run(Store().get_run(job_id), tmp_path / "export")["dir"])
    torchrun = [sys.executable, "-m", "torch.distributed.run"]  # what the torchrun command runs
    done = subprocess.run([*torchrun, "--standalone", "--nproc_per_node", "2", "train.py"], cwd=folder,
                          env={**script_env(), "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = re.findall(r"\[rank (\d)/2 gloo\] lora: trained (\d+) steps", done.stdout + done.stderr)
    assert sorted(ranks) == [("0", "4"), ("1", "4")]
    results = json.loads((folder / "outputs" / "results.json").read_text())
    assert results["methods"]["lora"]["world_size"] == 2 and results["methods"]["lora"]["backend"] == "gloo"
    saved = [p.parent for p in (folder / "outputs").rglob("config.json")]
    assert saved == [folder / "outputs" / "lora" / "model"]
    assert len(list((folder / "outputs").rglob("adapter_model.safetensors"))) == 1
