"""What the pages teach: the code views are the code that runs, the family table names every method
as its module does, and each predict-first question is answered by the run's result."""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from lab.teach import code_views, concepts
from lab.config import FINETUNE_METHODS

LAB = Path(code_views.__file__).resolve().parents[1]  # lab/


class Calls:
    """Every function of lab/ that runs while it is open, as (file under lab/, top-level name), on every thread."""

    def __enter__(self) -> set:
        self.seen: set = set()
        root = str(LAB) + "/"

        def profile(frame, event, arg):
            if event == "call" and frame.f_code.co_filename.startswith(root):
                relative = frame.f_code.co_filename[len(root):]
                self.seen.add((relative, frame.f_code.co_qualname.split(".")[0]))

        sys.setprofile(profile)
        threading.setprofile(profile)
        return self.seen

    def __exit__(self, *exc) -> None:
        sys.setprofile(None)
        threading.setprofile(None)


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> set:
    """One tiny job of every kind, every fine-tuning method ticked, on the worker thread: what each called."""
    from lab.config import (DPORunConfig, FinetuneConfig, PretrainConfig, RewardRunConfig, RLRunConfig, SFTRunConfig,
                            TokenizerConfig)
    from lab.serve.runner import build_runner
    from tests.sft_helpers import dpo_rows, sft_rows, tiny_encoder, tiny_model, write_jsonl
    from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

    tmp = tmp_path_factory.mktemp("ran")
    corpus = tmp / "corpus.txt"
    corpus.write_text("\n".join(f"the {a} {b} sat on the mat" for a in ("cat", "dog", "fox", "owl")
                                for b in ("ran", "sat", "hid", "ate")) * 8)
    llama = tiny_model(tmp / "llama")
    base = tiny_folder(tmp)  # pooled as sentence-transformers pools MiniLM, so the head runs the code its view shows
    (Path(base) / "1_Pooling").mkdir()
    (Path(base) / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    jobs = [("tokenizer", TokenizerConfig(vocab_size=120, corpus=str(corpus))),
            ("finetune", FinetuneConfig(methods=",".join(FINETUNE_METHODS), base=base,
                                        dataset=write_csv(tmp / "data.csv", tiny_rows() * 2), steps=2, batch_size=4,
                                        max_length=16, lora_r=4, top_k_layers=1, adapter_size=4, prompt_tokens=4,
                                        eval_size=4, save_models=False)),
            ("sft", SFTRunConfig(model=llama, dataset=write_jsonl(tmp / "sft.jsonl", sft_rows()), steps=2,
                                 batch_size=4, eval_size=2, max_new_tokens=2)),
            ("dpo", DPORunConfig(model=llama, dataset=write_jsonl(tmp / "dpo.jsonl", dpo_rows()), steps=2,
                                 batch_size=4, eval_size=2, max_new_tokens=2))]
    with Calls() as seen:
        runner = build_runner(isolate=False)  # its worker thread starts under the profile: handlers run there
        try:
            tokenizer_run = runner.submit("test", *jobs[0], allow_local=True)
            wait(runner, tokenizer_run)
            pretrain = PretrainConfig(hidden=16, layers=1, heads=2, intermediate=32, max_positions=32, block_size=16,
                                      batch_size=8, steps=2, tokenizer=f"run:{tokenizer_run}", corpus=str(corpus))
            for kind, cfg in [("pretrain", pretrain), *jobs[1:]]:
                wait(runner, runner.submit("test", kind, cfg, allow_local=True))
            reward_run = runner.submit("test", "reward", RewardRunConfig(
                model=tiny_encoder(tmp / "bert"), dataset=write_jsonl(tmp / "pairs.jsonl", dpo_rows()), steps=2,
                batch_size=4, eval_size=2), allow_local=True)
            wait(runner, reward_run)
            wait(runner, runner.submit("test", "rl", RLRunConfig(
                model=llama, dataset=write_jsonl(tmp / "rl.jsonl", [{**r, "expected": r["chosen"]} for r in dpo_rows()]),
                reward_model=f"run:{reward_run}", label_weight=1.0, steps=2, generations=2, eval_size=2,
                max_new_tokens=2), allow_local=True))
        finally:
            runner.shutdown()
    return seen


def wait(runner, job_id: str) -> None:
    import time

    while (snap := runner.snapshot(job_id))["status"] in ("queued", "running"):
        time.sleep(0.05)
    assert snap["status"] == "done", snap["error"]


@pytest.mark.parametrize("name", FINETUNE_METHODS)
def test_a_method_shows_the_code_its_run_called(name, ran):
    relative, names = code_views.METHOD_CODE[name]
    shown = code_views.method_code(name)
    assert shown.startswith(f"# lab/{relative}\n")
    assert {(relative, piece) for piece in names} <= ran  # every piece shown ran in that method's training


@pytest.mark.parametrize("tab", code_views.TAB_CODE)
def test_a_tab_shows_the_code_its_job_called(tab, ran):
    for relative, names in code_views.TAB_CODE[tab]:
        assert {(relative, piece) for piece in names} <= ran


def test_the_view_follows_the_source_on_disk(tmp_path, monkeypatch):
    relative = code_views.METHOD_CODE["lora"][0]
    copy = tmp_path / relative
    copy.parent.mkdir(parents=True)
    copy.write_text((LAB / relative).read_text().replace("def prepare(model, cfg):",
                                                         "def prepare(model, cfg):\n    changed = True"))
    monkeypatch.setattr(code_views, "ROOT", tmp_path)
    code_views._definitions.cache_clear()
    try:
        assert "    changed = True" in code_views.method_code("lora")
    finally:
        code_views._definitions.cache_clear()


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
    ("rl", {"accuracy_before": 0.4, "accuracy_after": 0.7}, "It will rise"),
    ("rl", {"accuracy_before": 0.4, "accuracy_after": 0.1}, "It will fall"),
    ("rl", {"accuracy_before": 0.4, "accuracy_after": None}, None),  # stopped: nothing to judge by
])
def test_the_result_answers_the_question(tab, result, answer):
    assert concepts.outcome(tab, result) == answer
    choices = concepts.PREDICT[tab][1]
    assert choices is None or answer is None or answer in choices


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
