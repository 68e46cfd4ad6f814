"""Run history in SQLite and artifacts on disk, so runs survive a restart of the app.

A run is one job: its kind, owner, config, status, figures (the job's result) and curve points (the
numbers of its step and eval events). Its files live in `<data dir>/runs/<run id>/`.

    python -c "from lab.store import Store; print(Store().list_runs()[:3])"
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

from lab import resources

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, config TEXT NOT NULL,
    status TEXT NOT NULL, created REAL NOT NULL, finished REAL, result TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS points (
    run_id TEXT NOT NULL, series TEXT NOT NULL, x REAL NOT NULL, y REAL NOT NULL);
CREATE INDEX IF NOT EXISTS points_run ON points (run_id);
"""
CURVE_EVENTS = ("step", "eval")


def _jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


class Store:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else resources.data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / "runs.sqlite"
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)
            # A restart ends whatever was running: say so rather than leave it "running" forever.
            db.execute("UPDATE runs SET status='failed', error='The app restarted during this run.' "
                       "WHERE status IN ('queued', 'running')")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def run_dir(self, run_id: str) -> Path:
        path = self.root / "runs" / run_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def zip_run(self, run_id: str) -> Path | None:
        """The run's folder as a zip beside it (made once), or None when it saved no files."""
        folder = self.root / "runs" / run_id
        if not folder.is_dir() or not any(p for p in folder.rglob("*") if p.is_file()):
            return None
        archive = self.root / "downloads" / f"{run_id}.zip"
        if not archive.exists():
            archive.parent.mkdir(parents=True, exist_ok=True)
            shutil.make_archive(str(archive.with_suffix("")), "zip", folder)
        return archive

    def create_run(self, run_id: str, kind: str, owner: str, config) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO runs (id, kind, owner, config, status, created) VALUES (?,?,?,?,?,?)",
                       (run_id, kind, owner, json.dumps(_jsonable(config), default=str), "queued", time.time()))

    def finish_run(self, run_id: str, status: str, result: dict | None, error: str | None,
                   events: list[dict] = ()) -> None:
        points = []
        for event in events:
            if event.get("type") not in CURVE_EVENTS or "step" not in event:
                continue
            prefix = f"{event['method']}/" if "method" in event else ""
            for key, value in event.items():
                if key not in ("t", "step") and isinstance(value, (int, float)) and not isinstance(value, bool):
                    points.append((run_id, f"{prefix}{event['type']}/{key}", float(event["step"]), float(value)))
        with self._lock, self._connect() as db:
            db.execute("UPDATE runs SET status=?, finished=?, result=?, error=? WHERE id=?",
                       (status, time.time(), json.dumps(result, default=str) if result is not None else None,
                        error, run_id))
            db.executemany("INSERT INTO points VALUES (?,?,?,?)", points)

    def get_run(self, run_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                return None
            run = self._row(row)
            run["curves"] = {}
            for p in db.execute("SELECT series, x, y FROM points WHERE run_id=? ORDER BY rowid", (run_id,)):
                run["curves"].setdefault(p["series"], []).append([p["x"], p["y"]])
        return run

    def list_runs(self, kind: str | None = None, status: str | None = None, limit: int = 100) -> list[dict]:
        query, args = "SELECT * FROM runs WHERE 1=1", []
        if kind:
            query, args = query + " AND kind=?", args + [kind]
        if status:
            query, args = query + " AND status=?", args + [status]
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY created DESC LIMIT ?", (*args, limit)).fetchall()
        return [self._row(r) for r in rows]

    @staticmethod
    def _row(row: sqlite3.Row) -> dict:
        run = dict(row)
        run["config"] = json.loads(run["config"])
        run["result"] = json.loads(run["result"]) if run["result"] else None
        return run
