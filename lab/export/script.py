"""Every run as code: a standalone script, its exact data and a README in one folder, from the stored run.

    python -m lab export RUN_ID --out DIR        # then: cd DIR && python train.py

`export_run(run, out)` takes a run dict (`Store().get_run(id)`, already checked for ownership by the
caller), asks the kind's builder (lab/builders.py) for its settings and data, fills the kind's
template (lab/export/templates/<kind>.py) with those settings and writes README.md and the accelerate
configs beside it (lab/scale.py). The script imports no `lab`: only torch, transformers,
tokenizers, datasets, peft, trl and bitsandbytes, and accelerate as the Trainer's engine.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from lab.errors import LabError
from lab.export import builders, scale
from lab.export.bundle import render

SCRIPT = "train.py"


def export_run(run: dict, out: str | Path) -> dict:
    """Write the run's script, data, README and accelerate configs into `out`; return what was written."""
    if not run:
        raise LabError("Pick a run to export.")
    builder = builders.BUILDERS.get(run.get("kind"))
    if builder is None:
        raise LabError(f"Runs of the kind '{run.get('kind')}' cannot be exported; export a training run.")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise LabError(f"The folder {out} is not empty; export into a new folder.")
    out.mkdir(parents=True, exist_ok=True)
    try:
        bundle = builder(run, out)
        script = out / SCRIPT
        script.write_text(render(bundle.template, bundle.settings, bundle.sections))
        (out / "settings.json").write_text(json.dumps(bundle.settings, indent=2))
        (out / "requirements.txt").write_text(scale.requirements() + "\n")
        if bundle.trainer:
            scale.write_configs(out)
        (out / "README.md").write_text(scale.readme(run, bundle))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # never leave half an export that looks whole
        raise
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    return {"dir": str(out), "script": str(script), "files": files, "notes": bundle.notes}
