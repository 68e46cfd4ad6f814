"""The table of job kinds: each maps to fn(config, ctx) -> result dict, run by the shared worker.

Each tab's module registers its long-running work here; `build_runner` makes the one Runner the
app and the CLI share.
"""
from __future__ import annotations

from lab.jobs import Runner


def handlers() -> dict:
    table = {}
    # --- tokenizer and pre-training (issue 3) ---
    from lab.pretrain import pretrain_job
    from lab.tokenization import tokenizer_job
    table["tokenizer"] = tokenizer_job
    table["pretrain"] = pretrain_job

    # --- fine-tuning comparison (issue 4) ---
    from lab.finetune import finetune_job
    table["finetune"] = finetune_job

    # --- SFT and DPO (issue 5) ---
    from lab.dpo import dpo_job
    from lab.sft import sft_job
    table["sft"] = sft_job
    table["dpo"] = dpo_job

    return table


def build_runner(store=None) -> Runner:
    if store is None:
        from lab.store import Store
        store = Store()
    return Runner(handlers(), store=store)
