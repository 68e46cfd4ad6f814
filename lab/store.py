"""Run history in SQLite and artifacts on disk, so runs survive a restart of the app.

A run is one job: its kind, owner, config, status, figures (the job's result), curve points (the
numbers of its step and eval events, written as the run goes) and whether its owner shared it with
the class. Its files live in the folder `run_folder(id)` gives.

The app opens one Store per process (`get_store()`) and sweeps it once at start-up (`sweep()`):
what was queued or running when the last process ended is marked "interrupted", keeping its curves.

    python -c "from lab.store import get_store; print(get_store().list_runs()[:3])"
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from lab import resources
from lab.errors import LabError

RUN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT NOT NULL, config TEXT NOT NULL,
    status TEXT NOT NULL, created REAL NOT NULL, finished REAL, result TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS points (
    run_id TEXT NOT NULL, series TEXT NOT NULL, x REAL NOT NULL, y REAL NOT NULL);
CREATE INDEX IF NOT EXISTS points_run ON points (run_id);
CREATE TABLE IF NOT EXISTS pins (kind TEXT PRIMARY KEY, run_id TEXT NOT NULL);
"""
PINS_FRESH_S = 1.0  # another process (the CLI) pinning shows on the pages within this long
CURVE_EVENTS = ("step", "eval")
STILL_WRITING = ("queued", "running")  # a run whose files may change under a zip
REQUEST_FOLDER_KEEP_S = 3600  # an export's own folder outlives the download that reads it
INTERRUPTED = "The app restarted during this run; the curves up to then are kept."

_shared: "Store | None" = None
_shared_lock = threading.Lock()


def get_store() -> "Store":
    """The one Store of this process (opened on first use; the start-up sweep is separate)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.root != resources.data_dir():
            _shared = Store()
        return _shared


def _jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def curve_points(run_id: str, events) -> list[tuple]:
    """(run, series, x, y) rows of the numbers in step and eval events; a method tag prefixes the series."""
    points = []
    for event in events:
        if event.get("type") not in CURVE_EVENTS or "step" not in event:
            continue
        prefix = f"{event['method']}/" if "method" in event else ""
        for key, value in event.items():
            if key not in ("t", "step") and isinstance(value, (int, float)) and not isinstance(value, bool):
                points.append((run_id, f"{prefix}{event['type']}/{key}", float(event["step"]), float(value)))
    return points


class Store:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else resources.data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / "runs.sqlite"
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
            if "shared" not in columns:  # a history from before sharing existed: every run private
                db.execute("ALTER TABLE runs ADD COLUMN shared INTEGER NOT NULL DEFAULT 0")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def sweep(self) -> int:
        """At start-up only: what was queued or running belonged to a process that is gone."""
        with self._lock, self._connect() as db:
            return db.execute("UPDATE runs SET status='interrupted', error=?, finished=? "
                              "WHERE status IN ('queued', 'running')", (INTERRUPTED, time.time())).rowcount

    def run_dir(self, run_id: str, create: bool = True) -> Path:
        """This store's folder of a run's files (the same layout as run_folder, under self.root)."""
        return run_folder(run_id, create=create, root=self.root)

    def downloads(self, run_id: str) -> Path:
        """The folder of a run's downloads (its files zip, each export's own folder), deleted with the run."""
        return self.root / "downloads" / run_folder(run_id).name  # run_folder checks the id

    def zip_run(self, run_id: str) -> Path | None:
        """The run's folder as a zip, made once per state of its files (a file's name, size and time),
        never while the run may still write them; None when there is nothing (yet) to offer."""
        with self._connect() as db:
            row = db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
        folder = self.run_dir(run_id, create=False)
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        if (row is not None and row["status"] in STILL_WRITING) or not files:
            return None
        state = hashlib.sha256("\n".join(f"{p.relative_to(folder)} {p.stat().st_size} {p.stat().st_mtime_ns}"
                                         for p in files).encode()).hexdigest()[:16]
        archive = self.downloads(run_id) / f"files-{state}" / f"{run_id}.zip"
        if not archive.exists():
            archive.parent.mkdir(parents=True, exist_ok=True)
            # written under a name of its own, then renamed: a page asking meanwhile never gets half a zip
            partial = shutil.make_archive(str(archive.parent / f".{uuid.uuid4().hex}"), "zip", folder)
            os.replace(partial, archive)
        for old in self.downloads(run_id).glob("files-*"):  # the zips of the files' earlier states
            if old != archive.parent:
                shutil.rmtree(old, ignore_errors=True)
        return archive

    def request_folder(self, run_id: str) -> Path:
        """A new folder of this run's downloads for one request (an export), so two pages exporting the
        same shared run never write, or serve, each other's file; folders older than an hour go."""
        root = self.downloads(run_id)
        if root.is_dir():
            for old in root.glob("request-*"):
                if time.time() - old.stat().st_mtime > REQUEST_FOLDER_KEEP_S:
                    shutil.rmtree(old, ignore_errors=True)
        folder = root / f"request-{uuid.uuid4().hex}"
        folder.mkdir(parents=True)
        return folder

    def create_run(self, run_id: str, kind: str, owner: str, config) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO runs (id, kind, owner, config, status, created) VALUES (?,?,?,?,?,?)",
                       (run_id, kind, owner, json.dumps(_jsonable(config), default=str), "queued", time.time()))

    def set_status(self, run_id: str, status: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("UPDATE runs SET status=? WHERE id=?", (status, run_id))

    def add_points(self, run_id: str, events) -> None:
        """Curve points of events as they come, so a restart mid-run keeps the curve so far."""
        points = curve_points(run_id, events)
        if points:
            with self._lock, self._connect() as db:
                db.executemany("INSERT INTO points VALUES (?,?,?,?)", points)

    def finish_run(self, run_id: str, status: str, result: dict | None, error: str | None,
                   events: list[dict] = ()) -> None:
        """The run's end; `events` are those not yet written with add_points."""
        points = curve_points(run_id, events)
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

    def list_runs(self, kind: str | None = None, status: str | tuple | None = None, limit: int = 100,
                  viewer: str | None = None) -> list[dict]:
        """Newest first. With `viewer`, only the viewer's own runs and the runs shared with the class."""
        query, args = "SELECT * FROM runs WHERE 1=1", []
        if kind:
            query, args = query + " AND kind=?", args + [kind]
        if status:  # one status or several
            statuses = [status] if isinstance(status, str) else list(status)
            query, args = query + f" AND status IN ({','.join('?' * len(statuses))})", args + statuses
        if viewer is not None:
            query, args = query + " AND (owner=? OR shared=1)", args + [viewer]
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY created DESC LIMIT ?", (*args, limit)).fetchall()
        return [self._row(r) for r in rows]

    def set_shared(self, run_id: str, shared: bool) -> None:
        self._shared_ids = None
        with self._lock, self._connect() as db:
            db.execute("UPDATE runs SET shared=? WHERE id=?", (int(bool(shared)), run_id))

    def shared_ids(self) -> frozenset[str]:
        """The runs shared with the class now. Every watching page's tick asks this (unsharing stops
        pages that watch through a link), so it is kept for PINS_FRESH_S; a change made here shows at once."""
        cached = getattr(self, "_shared_ids", None)
        if cached is not None and time.monotonic() - cached[0] < PINS_FRESH_S:
            return cached[1]
        with self._connect() as db:
            ids = frozenset(r["id"] for r in db.execute("SELECT id FROM runs WHERE shared=1"))
        self._shared_ids = (time.monotonic(), ids)
        return ids

    def pin(self, kind: str, run_id: str | None) -> None:
        """The run the whole class watches on a tab (None unpins); a pinned run is shared too."""
        self._pins = self._shared_ids = None
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM pins WHERE kind=?", (kind,))
            if run_id:
                db.execute("INSERT INTO pins VALUES (?,?)", (kind, run_id))
                db.execute("UPDATE runs SET shared=1 WHERE id=?", (run_id,))

    def pins(self) -> dict[str, str]:
        """Every page's tick asks this (a page with no job of its own follows the pin): kept for
        PINS_FRESH_S, so thirty pages polling twice a second do not each open the database."""
        cached = getattr(self, "_pins", None)
        if cached is not None and time.monotonic() - cached[0] < PINS_FRESH_S:
            return dict(cached[1])
        with self._connect() as db:
            pins = {r["kind"]: r["run_id"] for r in db.execute("SELECT kind, run_id FROM pins")}
        self._pins = (time.monotonic(), pins)
        return dict(pins)

    def delete_run(self, run_id: str) -> None:
        """The row, its curves, its pin, its folder and its downloads."""
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM points WHERE run_id=?", (run_id,))
            db.execute("DELETE FROM pins WHERE run_id=?", (run_id,))
            self._pins = self._shared_ids = None
            db.execute("DELETE FROM runs WHERE id=?", (run_id,))
        shutil.rmtree(run_folder(run_id), ignore_errors=True)
        shutil.rmtree(self.downloads(run_id), ignore_errors=True)
        for legacy in (f"{run_id}.zip", f"report-{run_id}.zip"):  # where older versions wrote them
            (self.root / "downloads" / legacy).unlink(missing_ok=True)
        (self.root / "events" / f"{run_id}.json").unlink(missing_ok=True)

    def save_events(self, run_id: str, events: list[dict]) -> None:
        """Every event of a finished run, so its tab draws it again after a restart."""
        path = self.root / "events" / f"{run_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(events, default=str))

    def events(self, run_id: str) -> list[dict]:
        """The events saved with a run ([] for a run that ended before events were saved)."""
        path = self.root / "events" / f"{run_id}.json"
        return json.loads(path.read_text()) if RUN_ID.fullmatch(run_id or "") and path.is_file() else []

    def owner_runs(self, owner: str) -> list[dict]:
        """An owner's finished runs, oldest first, with the bytes their folders hold (for pruning)."""
        with self._connect() as db:
            rows = db.execute("SELECT id, status FROM runs WHERE owner=? ORDER BY created", (owner,)).fetchall()
        out = []
        for row in rows:
            folder = run_folder(row["id"])
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
            out.append({"id": row["id"], "status": row["status"], "bytes": size})
        return out

    @staticmethod
    def _row(row: sqlite3.Row) -> dict:
        run = dict(row)
        run["config"] = json.loads(run["config"])
        run["result"] = json.loads(run["result"]) if run["result"] else None
        run["shared"] = bool(run.get("shared"))
        return run


def run_folder(run_id: str, create: bool = False, root: Path | None = None) -> Path:
    """The folder of a run's files: `<data dir>/runs/<id>` (`root` replaces the data dir)."""
    if not RUN_ID.fullmatch(run_id or ""):
        raise LabError(f"'{run_id}' is not a run id of this lab; copy the id from Run history.")
    path = Path(root or resources.data_dir()) / "runs" / run_id
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
