"""Seconds from launching app.py to its first HTTP 200, and to the first answers of two pipeline calls,
from a cold and from a warm start.

    .venv/bin/python bench/startup.py [--runs 3] [--json startup.json]

cold: a new install's first start: an empty data folder, so SmolLM2 is converted from its GGUF
      during the first text-generation call, and no run history exists yet.
warm: started again with SmolLM2 already converted (what every later start of an install sees).
Each run starts a fresh app process on a free port (bench/served.py); the pipeline endpoint is found
by the elem_id of its button, its inputs filled from the page's defaults.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from served import App, Endpoints, api_name


def one_start(app_dir: Path, models: Path) -> dict:
    from gradio_client import Client

    started = time.perf_counter()
    app = App(app_dir, models=models)  # returns at the first HTTP 200
    try:
        http_s = time.perf_counter() - started
        client = Client(app.url, verbose=False)
        endpoints = Endpoints(client.config)
        pipeline = endpoints.find("click", "pipeline-run")
        times = {"http_200_s": http_s}
        for name, task, model, text, text2 in (
                ("first_similarity_s", "sentence-similarity", "minilm", "I love this car.", "I like this vehicle."),
                ("first_generation_s", "text-generation", "smollm2", "Say hello.", "")):
            values = endpoints.inputs(pipeline, pipeline_task=task, pipeline_model=model, pipeline_text=text,
                                      pipeline_text2=text2)
            client.predict(*values, api_name=api_name(pipeline))
            times[name] = time.perf_counter() - started
        return times
    finally:
        app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--app-dir", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    result = {"cold": [], "warm": []}
    for _ in range(args.runs):
        models = Path(tempfile.mkdtemp(prefix="lab-bench-models-"))  # empty: this start converts SmolLM2
        result["cold"].append(one_start(Path(args.app_dir), models))
        result["warm"].append(one_start(Path(args.app_dir), models))
    summary = {}
    for kind, rows in result.items():
        for key in rows[0]:
            values = [r[key] for r in rows]
            summary[f"{kind}_{key}"] = statistics.median(values)
            print(f"{kind} {key:>20}: median {statistics.median(values):6.2f} s  (runs: "
                  + ", ".join(f"{v:.2f}" for v in values) + ")")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"median": summary, "runs": result}, indent=2))


if __name__ == "__main__":
    main()
