"""The run report: one zip with the run's settings and results (JSON), its per-step metrics (CSV), its
figures as standalone plotly HTML (plotly.js inside each file, so they open in a classroom without
network) and its exported script folder (lab/export/script.py).

    python -m lab report RUN_ID --out report.zip
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path

from lab.errors import LabError

MAX_BASE_MODEL_BYTES = 100 * 1024 ** 2  # a copied base model bigger than this stays out of a download
RUN_FIELDS = ("id", "kind", "status", "created", "finished", "error", "config", "result")


def metrics_csv(curves: dict[str, list]) -> str:
    """One row per step, one column per series (e.g. lora/step/loss, eval/eval_loss); blank where not logged."""
    series = sorted(curves)
    rows: dict[float, dict] = {}
    for name in series:
        for step, value in curves[name]:
            rows.setdefault(step, {})[name] = value
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", *series])
    for step in sorted(rows):
        writer.writerow([int(step) if float(step).is_integer() else step, *[rows[step].get(s, "") for s in series]])
    return out.getvalue()


# (file name, title, y axis, which series) for the curve figures
CURVE_FIGURES = (
    ("loss.html", "Training loss", "loss", lambda s: s.endswith("step/loss")),
    ("eval_loss.html", "Held-out loss", "loss", lambda s: s.endswith("eval/eval_loss")),
    ("perplexity.html", "Held-out perplexity", "perplexity", lambda s: s.endswith("eval/eval_perplexity")),
    ("learning_rate.html", "Learning rate", "learning rate", lambda s: s.endswith("step/lr")),
    ("reward_margin.html", "DPO reward margin (chosen - rejected)", "margin", lambda s: s.endswith("reward_margin")),
)


def figures(run: dict) -> dict:
    """{file name: plotly Figure} of the run's curves, plus the comparison's scores for a fine-tuning run."""
    import plotly.graph_objects as go

    from lab.teach.figures import LAYOUT, PALETTE

    out = {}
    curves = run.get("curves") or {}
    for filename, title, y_title, wanted in CURVE_FIGURES:
        chosen = {name: points for name, points in curves.items() if wanted(name)}
        if not chosen:
            continue
        fig = go.Figure()
        for i, (name, points) in enumerate(sorted(chosen.items())):
            fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], name=name,
                                     mode="lines+markers" if len(points) < 30 else "lines",
                                     line=dict(color=PALETTE[i % len(PALETTE)])))
        fig.update_layout(title=f"{title}, run {run['id'][:8]}", xaxis_title="step", yaxis_title=y_title, **LAYOUT)
        out[filename] = fig
    methods = ((run.get("result") or {}).get("methods") or {}) if run.get("kind") == "finetune" else {}
    scored = {name: r for name, r in methods.items() if r.get("accuracy") is not None}
    if scored:
        fig = go.Figure(go.Bar(x=list(scored), y=[r["accuracy"] for r in scored.values()],
                               text=[f"{r['accuracy']:.1%}" for r in scored.values()], marker_color=PALETTE[0]))
        fig.update_layout(title="Held-out accuracy per method", yaxis_title="accuracy", yaxis_range=[0, 1], **LAYOUT)
        out["accuracy.html"] = fig
    return out


def _add_folder(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    base = folder / "base_model"
    skip_base = base.is_dir() and sum(p.stat().st_size for p in base.rglob("*") if p.is_file()) > MAX_BASE_MODEL_BYTES
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not (skip_base and base in path.parents):
            archive.write(path, f"{prefix}/{path.relative_to(folder)}")
    if skip_base:
        archive.writestr(f"{prefix}/base_model/NOT_INCLUDED.txt",
                         "The base model is too big for this download; run `python -m lab export RUN_ID --out DIR` "
                         "on the lab's machine, or pass --model to train.py.\n")


def build_report(run: dict, out: str | Path) -> dict:
    """Write the report zip for a run (already checked for ownership by the caller); return its contents."""
    from lab.export.script import export_run

    if not run:
        raise LabError("Pick a run to download its report.")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps({k: run.get(k) for k in RUN_FIELDS}, indent=2, default=str))
        archive.writestr("metrics.csv", metrics_csv(run.get("curves") or {}))
        for name, fig in figures(run).items():
            archive.writestr(f"figures/{name}", fig.to_html(include_plotlyjs=True, full_html=True))
        try:
            _add_folder(archive, Path(export_run(run, Path(scratch) / "script")["dir"]), "script")
        except LabError as exc:  # e.g. a Hub dataset while offline: the rest of the report still helps
            archive.writestr("script/NOT_EXPORTED.txt", f"{exc}\n")
        names = archive.namelist()
    return {"zip": str(out), "files": names}
