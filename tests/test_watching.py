"""Watching a job from many pages: one render per new event for all of them, only what is new sent
to each, every point of every curve on every page, late joiners included."""
from __future__ import annotations

import json
import threading

import gradio as gr

from lab.serve.runner import Runner
from lab.teach.figures import bar_figure, curve_figure
from lab.ui.common import Views, page_update
from tests.test_jobs import wait_for

SKIP = gr.skip()


def steps_job(cfg, ctx):
    """Emit steps in bursts released by the test; a result event at the end of the first burst."""
    for burst, count in enumerate(cfg["bursts"]):
        cfg["go"][burst].wait(10)
        for _ in range(count):
            step = len([1 for e in ctx._job.events if e["type"] == "step"]) + 1
            ctx.emit("step", step=step, loss=1.0 / step, method="full")
        if burst == 0:
            ctx.emit("result", method="full", accuracy=0.75)
        cfg["done"][burst].set()
    return {}


class CountingRender:
    def __init__(self):
        self.calls = 0

    def __call__(self, events, snap):
        self.calls += 1
        results = [e for e in events if e["type"] == "result"]
        accuracy = bar_figure([r["method"] for r in results], [r["accuracy"] for r in results], "Eval accuracy")
        return [curve_figure(events), accuracy, f"{len(events)} events"]


def start(bursts):
    go = [threading.Event() for _ in bursts]
    done = [threading.Event() for _ in bursts]
    runner = Runner({"steps": steps_job})
    job_id = runner.submit("teacher", "steps", {"bursts": bursts, "go": go, "done": done})
    return runner, job_id, go, done


def plotted_steps(plot) -> list:
    return json.loads(plot.plot)["data"][0]["x"]


def test_thirty_pages_share_one_render_and_get_only_what_is_new():
    runner, job_id, go, done = start([5, 3])
    render = CountingRender()
    views = Views(runner, render)
    pages = [None] * 30
    go[0].set()
    done[0].wait(10)
    first = []
    for i in range(30):
        update = page_update(views, "steps", f"student-{i}", pages[i], 3, job_id)
        pages[i] = update[0]
        first.append(update)
    assert render.calls == 1  # thirty pages, one render
    assert all(u[2:] == first[0][2:] for u in first)
    assert plotted_steps(first[0][2]) == [1, 2, 3, 4, 5]
    assert "shared with the class" in first[0][1]  # the pages hold its watch link

    again = page_update(views, "steps", "student-0", pages[0], 3, job_id)
    assert again == [SKIP] * 5 and render.calls == 1  # nothing new: nothing sent, nothing rendered

    go[1].set()
    done[1].wait(10)
    wait_for(runner, job_id)
    later = page_update(views, "steps", "student-0", pages[0], 3, job_id)
    assert render.calls == 2
    assert plotted_steps(later[2]) == list(range(1, 9))  # every point, not only the new ones
    assert later[3] == SKIP  # the accuracy figure did not change: not sent again
    assert later[4] != SKIP and "**Done**" in later[1]

    late = page_update(views, "steps", "latecomer", None, 3, job_id)
    assert render.calls == 2
    assert plotted_steps(late[2]) == list(range(1, 9)) and late[3] != SKIP  # the whole run so far
    assert json.loads(late[3].plot)["data"][0]["x"] == [0.75]
    runner.shutdown()


def test_pages_that_tick_at_the_same_time_render_once():
    runner, job_id, go, done = start([4])
    render = CountingRender()
    views = Views(runner, render)
    go[0].set()
    wait_for(runner, job_id)
    barrier = threading.Barrier(12)
    updates = [None] * 12

    def page(i):
        barrier.wait()
        updates[i] = page_update(views, "steps", f"p{i}", None, 3, job_id)

    threads = [threading.Thread(target=page, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert render.calls == 1
    assert all(plotted_steps(u[2]) == [1, 2, 3, 4] for u in updates)
    runner.shutdown()


def test_pages_in_two_languages_share_one_render_per_language():
    runner, job_id, go, done = start([3])
    render = CountingRender()
    views = Views(runner, render)
    go[0].set()
    wait_for(runner, job_id)
    pages = {}
    for i in range(20):
        lang = "ko" if i % 2 else "en"
        pages[i] = page_update(views, "steps", f"p{i}", None, 3, job_id, lang)
    assert render.calls == 2  # twenty pages, one render per language
    english, korean = json.loads(pages[0][3].plot), json.loads(pages[1][3].plot)
    assert english["layout"]["title"]["text"] == "Eval accuracy" and korean["layout"]["title"]["text"] == "평가 정확도"
    assert "**Done**" in pages[0][1] and "**완료**" in pages[1][1] and "반에 공유된 실행" in pages[1][1]
    switched = page_update(views, "steps", "p0", pages[0][0], 3, job_id, "ko-KR")  # the page switched language
    assert render.calls == 2 and switched[1:] == pages[1][1:]  # the Korean frame, every output sent again
    assert page_update(views, "steps", "p0", switched[0], 3, job_id, "ko") == [SKIP] * 5
    runner.shutdown()


def tick_blocks():
    """A page's tick as gradio wires it: a State, a status line and two plots, one event."""
    with gr.Blocks() as demo:
        state, status, loss, accuracy = gr.State(None), gr.Markdown(), gr.Plot(), gr.Plot()
        button = gr.Button()
        button.click(lambda: None, None, [state, status, loss, accuracy])
    return demo, next(iter(demo.fns.values()))


def postprocess(demo, block_fn, predictions, patched: bool):
    import asyncio
    import concurrent.futures

    from gradio.state_holder import SessionState

    from lab.ui import gradio_patches

    session = SessionState(demo)
    method = gradio_patches._postprocess_data if patched else gradio_patches._original_postprocess
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a loop of its own (the browser tests' may run here)
        return pool.submit(asyncio.run, method(demo, block_fn, predictions, session)).result(), session


def test_skipped_outputs_reach_the_page_as_gradio_sends_them_without_rebuilding_components(monkeypatch):
    from gradio.state_holder import SessionState

    from lab.ui.common import _encoded  # a curve as the tick sends it

    demo, block_fn = tick_blocks()
    curve = _encoded(curve_figure([{"type": "step", "step": 1, "loss": 0.5, "method": "full"}]))
    rebuilt = []
    original_update = SessionState._update_config
    monkeypatch.setattr(SessionState, "_update_config",
                        lambda self, key: (rebuilt.append(key), original_update(self, key))[1])
    for predictions in ([SKIP] * 4, [{"id": "j"}, "**Running**", SKIP, SKIP], [SKIP, SKIP, curve, SKIP],
                        [{"id": "j"}, "**Done**", curve, curve], [SKIP, "only the status", SKIP, SKIP]):
        rebuilt.clear()
        gradio_says, plain = postprocess(demo, block_fn, list(predictions), patched=False)
        skipped = sum(p == SKIP and not b.stateful for p, b in zip(predictions, block_fn.outputs))
        assert len(rebuilt) == skipped  # what the patch saves: gradio rebuilds each skipped component
        rebuilt.clear()
        lab_says, patched = postprocess(demo, block_fn, list(predictions), patched=True)
        assert rebuilt == []
        assert json.dumps(lab_says, default=str) == json.dumps(gradio_says, default=str)
        assert patched.state_data == plain.state_data  # the page's State is kept the same way
        for block in block_fn.outputs[1:]:  # and the session's copy of each value the page was sent
            if block._id in plain.config_values and block._id in patched.config_values:
                assert patched.config_values[block._id]["props"].get("value") == \
                    plain.config_values[block._id]["props"].get("value")


class Recorder:
    """What a served call costs gradio: components rebuilt, `import matplotlib` attempts, the queue's idle sleeps."""

    def __init__(self, monkeypatch):
        import asyncio
        import sys

        import gradio.queueing
        from gradio.state_holder import SessionState

        self.rebuilt, self.matplotlib, self.sleeps = [], [], []
        original_update = SessionState._update_config
        monkeypatch.setattr(SessionState, "_update_config",
                            lambda state, key: (self.rebuilt.append(key), original_update(state, key))[1])
        recorder = self

        class MatplotlibFinder:  # sees every `import matplotlib` that reaches sys.meta_path
            @staticmethod
            def find_spec(name, path=None, target=None):
                if name == "matplotlib":
                    recorder.matplotlib.append(name)
                return None

        monkeypatch.setattr(sys, "meta_path", [MatplotlibFinder, *sys.meta_path])

        class Asyncio:  # the queue loop's `asyncio`, with its sleeps written down
            def __getattr__(self, name):
                return getattr(asyncio, name)

            @staticmethod
            def sleep(seconds, *args, **kwargs):
                recorder.sleeps.append(seconds)
                return asyncio.sleep(seconds, *args, **kwargs)

        monkeypatch.setattr(gradio.queueing, "asyncio", Asyncio())

    def clear(self):
        self.rebuilt.clear(), self.matplotlib.clear(), self.sleeps.clear()


def serve_and_tick(recorder, demo):
    """Launch `demo` here, idle a moment, call its tick as a browser's timer does; return its outputs."""
    import time

    from gradio_client import Client

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        time.sleep(0.4)  # the queue loop idles
        client = Client(demo.local_url, verbose=False)
        recorder.clear()
        time.sleep(0.3)
        idle = list(recorder.sleeps)
        recorder.clear()
        out = client.predict(api_name="/tick")
        return out, idle
    finally:
        demo.close()


def tick_app():
    with gr.Blocks() as demo:
        state, status, loss, accuracy = gr.State(None), gr.Markdown("x"), gr.Plot(), gr.Plot()
        gr.Button().click(lambda: [gr.skip()] * 4, None, [state, status, loss, accuracy], api_name="tick",
                          queue=False)
    return demo


def test_the_served_app_costs_gradio_nothing_for_skips_matplotlib_or_idling(monkeypatch):
    """Through gradio's own request path: unpatched it rebuilds each skipped output, looks for
    matplotlib and idles in 1 ms sleeps; patched as app.queued does, none of it. If gradio renames
    what a patch replaces, the patched half fails here instead of the patch silently doing nothing."""
    import gradio.utils
    from gradio.blocks import Blocks

    import app
    from lab.ui import gradio_patches

    recorder = Recorder(monkeypatch)
    monkeypatch.setattr(Blocks, "postprocess_data", gradio_patches._original_postprocess)
    monkeypatch.setattr(gradio.utils, "MatplotlibBackendMananger", gradio_patches.GRADIO_MATPLOTLIB_MANAGER)
    plain = tick_app().queue()
    _, idle = serve_and_tick(recorder, plain)
    assert len(recorder.rebuilt) == 3  # gradio's own path: one rebuild per skipped output but the State
    assert recorder.matplotlib  # and a search for matplotlib around the call
    assert idle and min(idle) <= 0.001  # and the queue polls every millisecond when it has nothing to do

    patched = app.queued(tick_app())
    _, idle = serve_and_tick(recorder, patched)
    assert recorder.rebuilt == [] and recorder.matplotlib == []
    assert idle and set(idle) == {gradio_patches.QUEUE_IDLE_SLEEP_S}


def test_unsharing_stops_the_pages_that_already_watch_the_run(data_dir):
    """A watch link is checked on every tick, not only when the page loaded: once the owner unshares
    (or deletes) the run, a page that was watching it through its link is told so and sent nothing more."""
    from lab.store import Store

    store = Store()
    runner = Runner({"steps": steps_job}, store=store)
    go, done = [threading.Event(), threading.Event()], [threading.Event(), threading.Event()]
    job_id = runner.submit("teacher", "steps", {"bursts": [2, 2], "go": go, "done": done})
    store.set_shared(job_id, True)
    views = Views(runner, CountingRender())
    go[0].set()
    done[0].wait(10)
    watcher = page_update(views, "steps", "student", None, 3, job_id)
    assert plotted_steps(watcher[2]) == [1, 2]
    owner_page = page_update(views, "steps", "teacher", None, 3)

    store.set_shared(job_id, False)
    go[1].set()
    done[1].wait(10)
    stopped = page_update(views, "steps", "student", watcher[0], 3, job_id)
    assert stopped[0] is None and stopped[1] == "This run is no longer shared with the class."
    assert stopped[2:] == [SKIP] * 3  # none of the new steps
    assert page_update(views, "steps", "student", None, 3, job_id) == [SKIP] * 5  # nor on a fresh tick
    assert plotted_steps(page_update(views, "steps", "teacher", owner_page[0], 3)[2]) == [1, 2, 3, 4]  # the owner still

    store.set_shared(job_id, True)  # shared again: the link works again
    assert plotted_steps(page_update(views, "steps", "student", None, 3, job_id)[2]) == [1, 2, 3, 4]
    wait_for(runner, job_id)
    store.delete_run(job_id)
    assert page_update(views, "steps", "student", None, 3, job_id) == [SKIP] * 5
