"""Helpers for the benchmarks that drive a served app: start app.py of any checkout on loopback, find
its endpoints by the elem_id of the components they touch (so an older checkout, whose endpoints
have other names, is measured the same way), and read its run history.

Used by bench/load.py and bench/streaming.py; not a benchmark itself.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
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


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


class App:
    """app.py of `app_dir` in a subprocess on a free loopback port, with its own data folder."""

    def __init__(self, app_dir: Path, models: Path | None = None):
        self.app_dir = Path(app_dir).resolve()
        self.data = Path(tempfile.mkdtemp(prefix="lab-bench-"))
        models = models or Path(os.environ.get("LAB_TEST_CACHE", ROOT / "lab_data")).resolve() / "models"
        models.mkdir(parents=True, exist_ok=True)
        (self.data / "models").symlink_to(models, target_is_directory=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "LAB_DATA_DIR": str(self.data), "GRADIO_SERVER_PORT": str(self.port),
               "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
        self.log = open(self.data / "app.log", "w")
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=self.app_dir, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app.py exited: {(self.data / 'app.log').read_text()[-3000:]}")
            try:
                if urllib.request.urlopen(self.url, timeout=2).status == 200:
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("app.py did not answer within 180 s")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def runs(self) -> list[dict]:
        with sqlite3.connect(self.data / "runs.sqlite", timeout=10) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT id, kind, owner, status, error FROM runs")]

    def points(self, run_id: str, series: str) -> list[tuple[float, float]]:
        with sqlite3.connect(self.data / "runs.sqlite", timeout=10) as db:
            return [tuple(r) for r in db.execute("SELECT x, y FROM points WHERE run_id=? AND series=? ORDER BY x",
                                                 (run_id, series))]


class Endpoints:
    """A served app's endpoints found by the elem_id of a trigger or an output, with default inputs."""

    def __init__(self, config: dict):
        self.components = {c["id"]: c for c in config["components"]}
        self.by_elem = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]
                        if c.get("props", {}).get("elem_id")}
        self.deps = config["dependencies"]

    def find(self, trigger: str, elem_id: str, where: str = "targets") -> dict:
        """The event `trigger` (click, tick, load) whose trigger (where="targets") or output
        (where="outputs") is the component with this elem_id."""
        wanted = self.by_elem[elem_id]
        for dep in self.deps:
            events = [t[1] for t in dep["targets"]]
            if trigger not in events:
                continue
            ids = [t[0] for t in dep["targets"]] if where == "targets" else dep["outputs"]
            if wanted in ids:
                return dep
        raise LookupError(f"no {trigger} event on #{elem_id}")

    def inputs(self, dep: dict, **overrides) -> list:
        """Each input's default value; `overrides` by elem_id (dashes as underscores)."""
        values = []
        for cid in dep["inputs"]:
            props = self.components[cid].get("props", {})
            key = (props.get("elem_id") or "").replace("-", "_")
            values.append(overrides[key] if key in overrides else props.get("value"))
        return values


def api_name(dep: dict) -> str:
    return "/" + dep["api_name"].lstrip("/")


def plot_points(value) -> dict[str, list]:
    """{trace name: x values} from a gr.Plot output as gradio_client returns it."""
    if not value:
        return {}
    plot = value.get("plot") if isinstance(value, dict) else None
    figure = json.loads(plot) if isinstance(plot, str) else {}
    return {str(t.get("name")): list(t.get("x") or []) for t in figure.get("data", [])}
