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
