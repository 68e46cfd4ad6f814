"""The table of job kinds: each maps to fn(config, ctx) -> result dict, run by the shared worker.

A kind names its function as "module:function": the worker's child process imports it (the
forkserver behind it has torch, transformers, peft and trl imported already), so neither the page
nor the web server ever waits for those imports. `build_runner` makes the one Runner the app and
the CLI share; its jobs run in child processes (see lab/child.py).
"""
from __future__ import annotations

from lab.child import HEAVY_MODULES, load  # noqa: F401 - load is part of this module's interface
from lab.jobs import Runner

JOB_KINDS = {
    "tokenizer": "lab.tokenization:tokenizer_job",
    "pretrain": "lab.pretrain:pretrain_job",
    "finetune": "lab.finetune:finetune_job",
    "sft": "lab.sft:sft_job",
    "dpo": "lab.dpo:dpo_job",
}


def handlers() -> dict:
    return dict(JOB_KINDS)


def build_runner(store=None, isolate: bool = True) -> Runner:
    """The runner over the process's one store, every job checked by lab.guards before it is queued and
    run in a child process (isolate=False runs it on the worker thread, for tests of the queue itself)."""
    from lab.guards import check_job

    if store is None:
        from lab.store import get_store
        store = get_store()
    return Runner(handlers(), store=store, isolate=isolate, preload=HEAVY_MODULES if isolate else (),
                  check=lambda kind, config, owner, allow_local: check_job(kind, config, owner, allow_local, store))
