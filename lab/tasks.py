"""The table of job kinds: each maps to fn(config, ctx) -> result dict, run by the shared worker.

A kind names its function as "module:function", imported on the worker the first time such a job
runs: the job modules pull in transformers, peft and trl (about 3 s), which the page need not wait
for. `build_runner` makes the one Runner the app and the CLI share.
"""
from __future__ import annotations

import importlib

from lab.jobs import Runner

JOB_KINDS = {
    "tokenizer": "lab.tokenization:tokenizer_job",
    "pretrain": "lab.pretrain:pretrain_job",
    "finetune": "lab.finetune:finetune_job",
    "sft": "lab.sft:sft_job",
    "dpo": "lab.dpo:dpo_job",
}


def load(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def _deferred(target: str):
    def run(config, ctx):
        return load(target)(config, ctx)
    run.__qualname__ = target
    return run


def handlers() -> dict:
    return {kind: _deferred(target) for kind, target in JOB_KINDS.items()}


def build_runner(store=None) -> Runner:
    """The runner over the process's one store, every job checked by lab.guards before it is queued."""
    from lab.guards import check_job

    if store is None:
        from lab.store import get_store
        store = get_store()
    return Runner(handlers(), store=store,
                  check=lambda kind, config, owner, allow_local: check_job(kind, config, owner, allow_local, store))
