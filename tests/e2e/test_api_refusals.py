"""Refused from the API too: the served app's endpoints, called by name with gradio_client (no browser).

A typed server path as a corpus, a stranger's private run as a model, a forged owner token and an
oversized job each get their one sentence, exactly as the page shows it, and nothing is queued: the
app's run history holds no new row (a row is written before any job is queued).
"""
from __future__ import annotations

import sqlite3
import uuid
from dataclasses import fields

import pytest

from lab.config import FinetuneConfig

SETTINGS = [f for f in fields(FinetuneConfig) if f.name not in ("methods", "base", "dataset", "steps")]


@pytest.fixture(scope="module")
def api(app_url, app_data):
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture()
def served(app_data, monkeypatch):
    """A valid token of the served app (signed with its key), a stranger's private run, and a row counter."""
    from lab.serve import owners
    from lab.store import Store

    monkeypatch.setenv("LAB_DATA_DIR", str(app_data))  # the app's key file: the token verifies there
    monkeypatch.delenv("LAB_SECRET", raising=False)
    token = owners.issue()
    stranger = uuid.uuid4().hex
    store = Store(app_data)  # opening a store never touches live runs
    store.create_run(stranger, "pretrain", "a-stranger", {})
    store.finish_run(stranger, "done", {}, None, [])
    (store.run_dir(stranger) / "model").mkdir()
    (store.run_dir(stranger) / "model" / "config.json").write_text('{"model_type": "bert"}')

    def rows() -> int:
        with sqlite3.connect(app_data / "runs.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    return {"token": token, "stranger": stranger, "rows": rows}


def compare(api, token, base="minilm", methods=("lora",), steps=10, **change):
    values = [change.get(f.name, f.default) for f in SETTINGS]
    note, _ = api.predict(token, list(methods), base, None, steps, *values, api_name="/compare")
    return note


def one_sentence(html: str, words: str) -> None:
    assert words in html and "Traceback" not in html and html.count('role="alert"') == 1, html


def test_each_bad_call_is_refused_with_its_sentence_and_nothing_is_queued(api, served):
    token, stranger = served["token"], served["stranger"]
    before = served["rows"]()

    # a typed server path as the tokenizer's corpus ("Hub dataset" box) and as the fine-tuning base
    note = api.predict(token, "minilm", 8000, "Hub dataset", None, "/etc/passwd", "a cat", api_name="/train_tokenizer")
    one_sentence(note, "only as uploads")
    one_sentence(compare(api, token, base="/etc"), "not a model this lab can load")

    # a stranger's private run, as a fine-tuning base, a pipeline model and an explainer's base
    one_sentence(compare(api, token, base=f"run:{stranger}"), f"There is no run {stranger} that you can open")
    answer, *_ = api.predict(token, "fill-mask", f"run:{stranger}", "a [MASK] day", "", 8, 0.0, api_name="/pipeline")
    one_sentence(answer, "There is no run")
    _, text, _ = api.predict(token, f"run:{stranger}", "", 0, api_name="/nf4_block")
    one_sentence(text, "There is no run")

    # a forged owner token: it owns nothing, so it may queue nothing
    forged = token.split(".")[0] + "." + "0" * 64
    one_sentence(compare(api, forged), "reload it")

    # an oversized job: batch 128 x length 512 x 2000 steps
    note = compare(api, token, methods=("full",), steps=2000, batch_size=128, max_length=512)
    assert "predicted to need" in note or "estimated to take" in note, note
    one_sentence(note, "lower")

    assert served["rows"]() == before  # nothing reached the queue


def test_a_valid_call_is_queued(api, served):
    """The same endpoint with a good token and settings does queue a job: the refusals above are real."""
    before = served["rows"]()
    note = api.predict(served["token"], "minilm", 120, "Built-in tweets", None, "", "a cat", api_name="/train_tokenizer")
    assert note == "" and served["rows"]() == before + 1
