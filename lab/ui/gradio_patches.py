"""Two places where gradio 6.31 spends a watching page's CPU for nothing, and the patches that stop it.

Thirty pages each tick twice a second while a run trains; every tick is one request to the web
server, and on a 2-core machine each millisecond the server spends on it is taken from training.
A py-spy profile of the served app with 30 watching pages (bench/load.py) showed where the server's
half a core went (docs/watching.md has the figures):

- **gr.skip() rebuilt the component it skips.** A tick returns gr.skip() for every output the page
  already has: most ticks skip all of them, the rest all but the new status line and curve. Gradio
  treats a skip as a property update with no properties: it constructs a new component from the old
  one's arguments, then regenerates the session's copy of that component's config, JSON schema of
  its API included (pydantic, ~1 ms an output). The page receives `{"__type__": "update"}` either
  way. `skip_costs_nothing` lets such outputs through as that very dict and hands only the others to
  gradio, so what the browser receives is unchanged, byte for byte.
- **A failed import on every call.** Gradio wraps each call in `MatplotlibBackendMananger`, which
  tries `import matplotlib` on the way in and out. The lab does not install matplotlib, and a failed
  import is searched for again along the whole sys.path each time (17% of a tick's server time in the
  profile). `no_matplotlib_probe` replaces the manager with a no-op when matplotlib is not installed,
  which is exactly what the manager does then.
- **The queue loop's idle wait.** Gradio's queue polls every 1 ms when it has nothing to do (about
  9% of a core); `idle_queue_waits` makes that 50 ms, which delays a queued click by at most 50 ms.
  Ticks skip the queue (queue=False), so watching is not slowed by it.

Gradio has no setting for any of them. The patches are checked by tests/test_watching.py against the
installed gradio, so an upgrade that changes these internals fails a test instead of silently
costing the class its training speed.
"""
from __future__ import annotations

import contextlib
import copy
import importlib.util

import gradio as gr
import gradio.utils
from gradio.blocks import Blocks

QUEUE_IDLE_SLEEP_S = 0.05
SKIP = {"__type__": "update"}


def is_bare_skip(value) -> bool:
    """gr.skip(): an update that changes nothing (gradio's own test, without building a component)."""
    return type(value) is dict and len(value) == 1 and value.get("__type__") == "update"


_original_postprocess = Blocks.postprocess_data
GRADIO_MATPLOTLIB_MANAGER = gradio.utils.MatplotlibBackendMananger  # what no_matplotlib_probe replaces


async def _postprocess_data(self, block_fn, predictions, state):
    outputs = block_fn.outputs
    if (len(outputs) < 2 or block_fn.batch or not isinstance(predictions, (list, tuple))
            or len(predictions) != len(outputs)):
        return await _original_postprocess(self, block_fn, predictions, state)
    keep = [i for i, value in enumerate(predictions) if not is_bare_skip(value)]
    if len(keep) == len(outputs):
        return await _original_postprocess(self, block_fn, predictions, state)
    # What gradio itself sends for a skipped output: None for a State, the empty update otherwise.
    result = [None if block.stateful else dict(SKIP) for block in outputs]
    if keep:
        part = copy.copy(block_fn)  # the same event, answering for the outputs that changed
        part.outputs = [outputs[i] for i in keep]
        values = [predictions[i] for i in keep]
        done = await _original_postprocess(self, part, values if len(keep) > 1 else values[0], state)
        for i, value in zip(keep, done):
            result[i] = value
    return result


_postprocess_data.lab_patch = True


def skip_costs_nothing() -> None:
    """Skipped outputs pass through as gr.skip()'s dict instead of rebuilding their components."""
    if not getattr(Blocks.postprocess_data, "lab_patch", False):
        Blocks.postprocess_data = _postprocess_data


def no_matplotlib_probe() -> None:
    """Without matplotlib installed, gradio's per-call matplotlib backend switch is a no-op; say so once."""
    if importlib.util.find_spec("matplotlib") is None:
        gradio.utils.MatplotlibBackendMananger = contextlib.nullcontext


def idle_queue_waits(demo: gr.Blocks, seconds: float = QUEUE_IDLE_SLEEP_S) -> None:
    """The queue loop sleeps `seconds` instead of 1 ms (and 10 ms for progress) when there is no work."""
    demo._queue.sleep_when_free = seconds
    demo._queue.progress_update_sleep_when_free = seconds  # no tab reports gr.Progress
