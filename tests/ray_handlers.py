"""Module-level handlers for the Ray backend's tests: a Ray worker imports them by "module:function"."""
from __future__ import annotations

import os


def tokenizer_where(cfg, ctx):
    """The real tokenizer job, after saying where it runs (events are not moved to the app's folders)."""
    from lab.kinds.tokenizer import tokenizer_job

    ctx.emit("where", cwd=os.getcwd(), data_dir=os.environ["LAB_DATA_DIR"], corpus=cfg.corpus, pid=os.getpid())
    return tokenizer_job(cfg, ctx)
