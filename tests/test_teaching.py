"""What the pages teach: the code views are the code that runs, the family table names every method
as its module does, and each predict-first question is answered by the run's result."""
from __future__ import annotations

import importlib
import inspect

import pytest

from lab.teach import code_views, concepts
from lab.config import FINETUNE_METHODS


@pytest.mark.parametrize("name", FINETUNE_METHODS)
def test_method_code_is_the_source_that_runs(name):
    relative, names = code_views.METHOD_CODE[name]
    module = importlib.import_module("lab." + relative[:-3].replace("/", "."))
    shown = code_views.method_code(name)
    assert shown.startswith(f"# lab/{relative}\n")
    for piece in names:
        assert inspect.getsource(getattr(module, piece)).strip() in shown


@pytest.mark.parametrize("tab", code_views.TAB_CODE)
def test_tab_code_is_the_source_that_runs(tab):
    shown = code_views.tab_code(tab)
    for relative, names in code_views.TAB_CODE[tab]:
        module = importlib.import_module("lab." + relative[:-3].replace("/", "."))
        for piece in names:
            assert inspect.getsource(getattr(module, piece)).strip() in shown


def test_a_missing_piece_raises():
    with pytest.raises(KeyError, match="has no nothing_here"):
        code_views.source_of("kinds/finetune/methods/lora.py", ["nothing_here"])


def test_families_name_every_method_as_its_module_does():
    from lab.kinds.finetune import methods

    listed = [name for _, name in concepts.method_choices()]
    assert sorted(listed) == sorted(FINETUNE_METHODS)
    for label, name in concepts.method_choices():
        assert methods.get(name).LABEL == label


@pytest.mark.parametrize("tab, result, answer", [
    ("tokenizer", {"tokens_per_text_old": 20.0, "tokens_per_text_new": 15.0}, "Fewer tokens"),
    ("tokenizer", {"tokens_per_text_old": 20.0, "tokens_per_text_new": 20.2}, "About the same"),
    ("tokenizer", {"tokens_per_text_old": 20.0, "tokens_per_text_new": 25.0}, "More tokens"),
    ("pretrain", {"final_eval_perplexity": 90.0, "unigram_perplexity": 400.0}, "Below"),
    ("pretrain", {"final_eval_perplexity": 900.0, "unigram_perplexity": 400.0}, "Above"),
    ("finetune", {"methods": {"full": {"accuracy": 0.81}, "lora": {"accuracy": 0.86}, "head": {"accuracy": 0.7}}},
     "lora"),
    ("sft", {"accuracy_before": 0.4, "accuracy_after": 0.9}, "It will rise"),
    ("sft", {"accuracy_before": 0.5, "accuracy_after": 0.5}, "It will stay"),
])
def test_the_result_answers_the_question(tab, result, answer):
    assert concepts.outcome(tab, result) == answer
    choices = concepts.PREDICT[tab][1]
    assert choices is None or answer in choices


FEWER = {"tokens_per_text_old": 10.0, "tokens_per_text_new": 5.0}  # the tokenizer run's answer: Fewer tokens


def test_the_guess_is_locked_when_the_run_starts():
    from lab.ui.teach import guess_step

    def step(status, radio, locked, created=100.0):
        snapshot = lambda _: {"created": created, "result": FEWER if status == "done" else None}
        return guess_step("tokenizer", {"id": "j1", "status": status}, radio, locked, snapshot, "en")

    # guessed "More tokens" and pressed the button; the radio then moved before the page saw the job
    locked, interactive, verdict = step("queued", "Fewer tokens", {"id": None, "guess": "More tokens", "at": 99.5})
    assert locked == {"id": "j1", "guess": "More tokens"} and interactive is False and verdict == ""
    assert step("running", "Fewer tokens", locked)[:2] == (locked, None)  # stays locked while it runs
    _, interactive, verdict = step("done", "Fewer tokens", locked)  # the radio now shows the answer
    assert interactive is True
    assert verdict == "**You guessed** More tokens; **the run says** Fewer tokens."
    # a run too quick for the page to see it running still judges the guess pressed with it
    assert step("done", "More tokens", {"id": None, "guess": "Fewer tokens", "at": 99.5})[2].endswith("right!")
    # watching a job it did not start: the guess held when the page first saw it running
    assert step("done", "More tokens", step("running", "Fewer tokens", None)[0])[2].endswith("right!")
    # a run first seen finished, not started after a press here, judges no guess: the answer only
    assert step("done", "Fewer tokens", None)[2] == "**The run's answer:** Fewer tokens."
    assert step("done", "Fewer tokens", {"id": None, "guess": "Fewer tokens", "at": 500.0})[2].startswith("**The run's")
    assert step("done", "Fewer tokens", {"id": "older-job", "guess": "Fewer tokens"})[2].startswith("**The run's")
