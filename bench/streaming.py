"""From a training step's event to its point drawn in a real page, with 0 and N watchers beside it.

    .venv/bin/python bench/streaming.py --watchers 30 --json streaming.json
    .venv/bin/python bench/streaming.py --app-dir ../old-checkout   # the same bench, older code

The app (app.py of --app-dir) runs on loopback; one headless Chromium page (Playwright, /usr/bin/chromium)
opens the fine-tuning tab. The bench trains two short full fine-tunings of MiniLM one after the other:
the first with no one else watching, the second with N simulated watchers (gradio_client polling the
tab's timer like open pages). For every step:
  - event time: when the Trainer's log line for that step reaches the app's output. The Trainer writes
    it in the same on_log call that emits the step event (just after it), so it stands for the event;
    the bench reads the output as it grows, every 5 ms.
  - drawn time: when the page's loss-vs-step plot first holds that step's point (the page checks
    its plot every 10 ms).
Prints p50/p95/max of drawn - event for each phase; --json OUT writes them and the raw latencies.
"""
from __future__ import annotations

import argparse
import json
import re
import threading
import time
from pathlib import Path

from served import ROOT, App, Endpoints, api_name, percentile

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
RECORDER = """() => {
  window.__drawn = {}; window.__phase = -1;
  setInterval(() => {
    const p = document.querySelector('#finetune-loss-step .js-plotly-plot');
    if (!p || !p.data || window.__phase < 0) return;
    const seen = window.__drawn[window.__phase] = window.__drawn[window.__phase] || {};
    for (const t of p.data) for (const x of (t.x || [])) if (!(x in seen)) seen[x] = Date.now() / 1000;
  }, 10);
}"""
STEP_LINE = re.compile(r"^\{'loss':")


class LogTail(threading.Thread):
    """Stamps each Trainer step line of the app's output as it appears: steps[job] = [time of step 1, ...]."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.steps, self.stop = path, [[]], threading.Event()

    def run(self):
        with open(self.path, errors="replace") as handle:
            buffer = ""
            while not self.stop.is_set():
                chunk = handle.read()
                if not chunk:
                    time.sleep(0.005)
                    continue
                now = time.time()
                buffer += chunk
                *lines, buffer = buffer.split("\n")
                for line in lines:
                    if STEP_LINE.match(line):
                        self.steps[-1].append(now)
                    elif "'train_runtime'" in line:
                        self.steps.append([])


def watcher(url: str, poll: float, stop: threading.Event, failures: list) -> None:
    from gradio_client import Client
    try:
        client = Client(url, verbose=False)
        endpoints = Endpoints(client.config)
        tick = endpoints.find("tick", "finetune-status", where="outputs")
        owner = f"watcher-{threading.get_ident()}"
        while not stop.is_set():
            started = time.perf_counter()
            client.predict(owner, api_name=api_name(tick))
            stop.wait(max(0.0, poll - (time.perf_counter() - started)))
    except Exception as exc:  # noqa: BLE001 - counted, and the bench goes on
        failures.append(f"{type(exc).__name__}: {exc}")


def run(args) -> dict:
    from gradio_client import Client
    from playwright.sync_api import sync_playwright

    app = App(Path(args.app_dir))
    tail = LogTail(app.data / "app.log")
    tail.start()
    result = {"app_dir": str(Path(args.app_dir).resolve()), "steps": args.steps, "phases": []}
    try:
        teacher = Client(app.url, verbose=False)
        endpoints = Endpoints(teacher.config)
        compare = endpoints.find("click", "finetune-run")
        values = endpoints.inputs(compare, finetune_methods=["full"], finetune_steps=args.steps)
        values[0] = "bench-teacher"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(app.url)
            page.get_by_role("tab", name="4 · Fine-tuning").click()
            page.evaluate(RECORDER)
            for phase, watchers in enumerate((0, args.watchers)):
                stop, failures = threading.Event(), []
                threads = [threading.Thread(target=watcher, args=(app.url, args.poll, stop, failures), daemon=True)
                           for _ in range(watchers)]
                for thread in threads:
                    thread.start()
                teacher.predict(*values, api_name=api_name(compare))
                # the page turns to the new (queued) job and clears its curve before any step is drawn
                page.wait_for_function("() => { const p = document.querySelector("
                                       "'#finetune-loss-step .js-plotly-plot'); return p && !(p.data || []).length; }")
                page.evaluate(f"() => {{ window.__phase = {phase}; }}")
                page.locator("#finetune-status").filter(has_text="Done").wait_for(timeout=args.timeout * 1000)
                time.sleep(1.0)  # the last point's draw
                stop.set()
                for thread in threads:
                    thread.join(30)
                drawn = page.evaluate(f"() => window.__drawn[{phase}] || {{}}")
                events = tail.steps[phase] if phase < len(tail.steps) else []
                latencies = [drawn[str(step)] - events[step - 1] for step in range(1, len(events) + 1)
                             if str(step) in drawn]
                result["phases"].append({
                    "watchers": watchers, "steps_logged": len(events), "steps_drawn": len(drawn),
                    "p50_seconds": percentile(latencies, 50), "p95_seconds": percentile(latencies, 95),
                    "max_seconds": max(latencies, default=None), "failed_watchers": len(failures),
                    "errors": failures[:5], "latencies": [round(x, 3) for x in latencies]})
            browser.close()
    finally:
        tail.stop.set()
        app.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=30)
    parser.add_argument("--steps", type=int, default=20, help="Steps of each of the two trainings.")
    parser.add_argument("--poll", type=float, default=0.5, help="Seconds between a watcher's polls.")
    parser.add_argument("--app-dir", default=str(ROOT), help="The checkout whose app.py is served.")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--timeout", type=float, default=900, help="Seconds one training may take.")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    result = run(args)
    for phase in result["phases"]:
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"watchers {phase['watchers']:3d}: step -> drawn p50 {fmt(phase['p50_seconds'])} s, "
              f"p95 {fmt(phase['p95_seconds'])} s, max {fmt(phase['max_seconds'])} s "
              f"({phase['steps_drawn']}/{phase['steps_logged']} steps drawn, "
              f"{phase['failed_watchers']} watchers failed)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
