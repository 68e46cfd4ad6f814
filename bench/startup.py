"""Seconds from launching app.py to its first HTTP 200, and to the first answer of a pipeline call.

    .venv/bin/python bench/startup.py [--runs 3]

Each run starts a fresh app process on a free port with its own empty data folder, except that the
converted SmolLM2 folder is reused (as it is after the first start of a real install).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(models: Path) -> dict:
    from gradio_client import Client

    data = Path(tempfile.mkdtemp(prefix="lab-bench-"))
    (data / "models").symlink_to(models, target_is_directory=True)
    port = free_port()
    env = {**os.environ, "LAB_DATA_DIR": str(data), "GRADIO_SERVER_PORT": str(port),
           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                if urllib.request.urlopen(url, timeout=1).status == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - start > 180:
                    raise RuntimeError("app.py did not start")
                time.sleep(0.05)
        http_s = time.perf_counter() - start
        client = Client(url, verbose=False)
        client.predict("sentence-similarity", "minilm", "I love this car.", "I like this vehicle.", 64, 0.0,
                       api_name="/pipeline")
        answer_s = time.perf_counter() - start
        client.predict("text-generation", "smollm2", "Say hello.", "", 16, 0.0, api_name="/pipeline")
        generation_s = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(data, ignore_errors=True)
    return {"http_200_s": http_s, "first_similarity_s": answer_s, "first_generation_s": generation_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from lab import resources

    resources.smollm2_path()  # convert once, outside the timed runs
    models = resources.data_dir() / "models"
    rows = [one_run(models) for _ in range(args.runs)]
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(f"{key:>22}: median {statistics.median(values):6.2f} s  (runs: "
              + ", ".join(f"{v:.2f}" for v in values) + ")")


if __name__ == "__main__":
    main()
