"""The bad-input battery: every tab's server checks and the CLI, each bad input answered by one sentence.

Each case goes through `Runner.submit` with the app's real check (lab/serve/guards.py), as a page or the API
would; the worker's handlers are held on a gate, so no training runs. After every case the earlier
finished run and the queued job of another student are still there, untouched.
"""
from __future__ import annotations

import math
import threading
from dataclasses import replace

import pytest

from lab.config import DPORunConfig, FinetuneConfig, PipelineConfig, PretrainConfig, SFTRunConfig, TokenizerConfig
from lab.errors import LabError
from lab.serve.guards import check_job
from lab.serve.runner import Runner
from lab.store import Store
from lab.kinds import JOB_KINDS
from lab.kinds import tokenizer as tokenization
from lab.kinds.pretrain import job as pretrain
from lab.teach import explain

STRANGER_RUN = "a" * 32
NAN, HUGE = math.nan, 10 ** 9


def one_sentence(text: str) -> bool:
    return bool(text) and "Traceback" not in text and "\n" not in text and text.rstrip().endswith((".", ")"))


@pytest.fixture()
def uploads(tmp_path, monkeypatch):
    """Files as gradio would hand them over: inside its upload folder (GRADIO_TEMP_DIR)."""
    root = tmp_path / "gradio"
    (root / "abc123").mkdir(parents=True)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(root))
    files = {
        "one_class.csv": "text,label\ngood film,pos\nnice one,pos\nlovely,pos\n",
        "no_label.csv": "text\ngood film\nbad film\n",
        "wrong_columns.csv": "sentence,score\ngood,1\nbad,0\n",
        "free_labels.csv": "text,label\n" + "".join(f"t{i},label {i}\n" for i in range(12)),
        "empty.csv": "",
        "emoji_rtl.txt": "😀 what a day 🎉\nمرحبا بالعالم\nשלום עולם\n" * 20,
    }
    paths = {}
    for name, text in files.items():
        paths[name] = root / "abc123" / name
        paths[name].write_text(text, encoding="utf-8")
    paths["fake.csv"] = root / "abc123" / "fake.csv"
    paths["fake.csv"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return {k: str(v) for k, v in paths.items()}


@pytest.fixture()
def lab(data_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the Hub never answers here: ids get the offline sentence
    monkeypatch.setenv("LAB_MEMORY_BUDGET", "4g")
    monkeypatch.setenv("LAB_JOB_SECONDS", "600")
    store = Store()
    store.create_run("earlier", "tokenizer", "bob", {})
    store.finish_run("earlier", "done", {"vocab_size": 100}, None, [{"type": "step", "step": 1, "loss": 1.0}])
    store.create_run(STRANGER_RUN, "pretrain", "stranger", {})  # private, with a loadable model folder
    store.finish_run(STRANGER_RUN, "done", {}, None, [])
    (store.run_dir(STRANGER_RUN) / "model").mkdir()
    (store.run_dir(STRANGER_RUN) / "model" / "config.json").write_text('{"model_type": "bert"}')
    gate = threading.Event()
    runner = Runner({kind: (lambda cfg, ctx: gate.wait(30) and {}) for kind in JOB_KINDS}, store=store,
                    check=lambda kind, cfg, owner, local: check_job(kind, cfg, owner, local, store))
    queued = runner.submit("bob", "tokenizer", TokenizerConfig())  # held by the gate: another student's job
    yield runner, store, queued
    gate.set()
    runner.shutdown()


FT, SFT, DPO, PRE, TOK = FinetuneConfig(), SFTRunConfig(), DPORunConfig(), PretrainConfig(), TokenizerConfig()
CASES = [
    # fine-tuning: absurd numbers
    ("finetune", dict(steps=0), "Steps must be between"),
    ("finetune", dict(steps=-5), "Steps must be between"),
    ("finetune", dict(steps=HUGE), "Steps must be between"),
    ("finetune", dict(batch_size=0), "batch size must be between"),
    ("finetune", dict(batch_size=HUGE), "batch size must be between"),
    ("finetune", dict(max_length=100_000), "maximum length must be between"),
    ("finetune", dict(learning_rate=NAN), "learning rate must be between"),
    ("finetune", dict(learning_rate=-1.0), "learning rate must be between"),
    ("finetune", dict(lora_dropout=1.5), "LoRA dropout"),
    ("finetune", dict(methods=""), "Tick at least one method"),
    ("finetune", dict(methods="full,full"), "ticked once"),
    ("finetune", dict(methods="magic"), "Unknown fine-tuning method"),
    # fine-tuning: sources
    ("finetune", dict(base="/etc"), "not a model this lab can load"),
    ("finetune", dict(base="../../etc/passwd"), "not a model this lab can load"),
    ("finetune", dict(base=f"run:{STRANGER_RUN}"), "no run"),
    ("finetune", dict(base="run:deadbeef"), "no run"),
    ("finetune", dict(base="no-such-org/no-such-model"), "needs the Hugging Face Hub"),
    ("finetune", dict(dataset="/etc/passwd"), "only as uploads"),
    ("finetune", dict(dataset="C:\\data\\x.csv"), "only as uploads"),
    ("finetune", dict(dataset="😀 مرحبا"), "not a Hub dataset id"),
    ("finetune", dict(dataset="upload:one_class.csv"), "only one class"),
    ("finetune", dict(dataset="upload:no_label.csv"), "needs a 'label' column"),
    ("finetune", dict(dataset="upload:wrong_columns.csv"), "'text' column"),
    ("finetune", dict(dataset="upload:free_labels.csv"), "labels must be categories"),
    ("finetune", dict(dataset="upload:fake.csv"), "not a text file"),
    ("finetune", dict(dataset="upload:empty.csv"), "is empty"),
    # fine-tuning: budgets
    ("finetune", dict(methods="full", batch_size=128, max_length=512), "predicted to need"),
    ("finetune", dict(methods="full,lora", steps=2000), "estimated to take"),
    # SFT and DPO
    ("sft", dict(steps=0), "Steps must be between"),
    ("sft", dict(batch_size=HUGE), "Batch size must be between"),
    ("sft", dict(learning_rate=NAN), "learning rate must be between"),
    ("sft", dict(model="/tmp"), "not a model this lab can load"),
    ("sft", dict(model="run:../x"), "not a run"),
    ("sft", dict(dataset="/etc/passwd.jsonl"), "only as uploads"),
    ("sft", dict(assistant_marker=" "), "Set an assistant marker"),
    ("sft", dict(method="full", steps=2000, batch_size=64), "lower"),
    ("dpo", dict(beta=NAN), "Beta must be above 0"),
    ("dpo", dict(model="someone/a-model"), "needs the Hugging Face Hub"),
    # pre-training
    ("pretrain", dict(hidden=HUGE), "out of range"),
    ("pretrain", dict(heads=3), "do not divide"),
    ("pretrain", dict(block_size=0), "out of range"),
    ("pretrain", dict(learning_rate=NAN), "learning rate must be above 0"),
    ("pretrain", dict(tokenizer="/etc"), "not a tokenizer"),
    ("pretrain", dict(tokenizer=f"run:{STRANGER_RUN}"), "no run"),
    ("pretrain", dict(corpus="/etc/hosts"), "only as uploads"),
    ("pretrain", dict(hidden=1024, heads=16, intermediate=4096, layers=12), "make it smaller"),
    ("pretrain", dict(init="minilm", batch_size=256, block_size=512), "lower"),
    # tokenizer
    ("tokenizer", dict(vocab_size=0), "out of range"),
    ("tokenizer", dict(vocab_size=HUGE), "out of range"),
    ("tokenizer", dict(corpus="/etc/passwd"), "only as uploads"),
    ("tokenizer", dict(corpus="~/.ssh/id_rsa"), "only as uploads"),
    ("tokenizer", dict(corpus="someone/corpus"), "needs the Hugging Face Hub"),
    ("tokenizer", dict(corpus="upload:fake.csv"), None),  # read by the job: refused there, see below
]
DEFAULTS = {"finetune": FT, "sft": SFT, "dpo": DPO, "pretrain": PRE, "tokenizer": TOK}


@pytest.mark.parametrize("kind, change, sentence", CASES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(CASES)])
def test_a_bad_job_is_refused_with_one_sentence_and_harms_nothing(lab, uploads, kind, change, sentence):
    runner, store, queued = lab
    change = {k: uploads[v[7:]] if isinstance(v, str) and v.startswith("upload:") else v for k, v in change.items()}
    cfg = replace(DEFAULTS[kind], **change)
    if sentence is None:  # accepted at the door (an upload path); the job itself reads and refuses it
        runner.cancel(runner.submit("alice", kind, cfg), owner="alice")
    else:
        with pytest.raises(LabError) as refused:
            runner.submit("alice", kind, cfg)
        message = str(refused.value)
        assert sentence in message and one_sentence(message), message
        assert not runner.jobs(owner="alice")
    assert runner.snapshot(queued)["status"] in ("queued", "running")
    assert store.get_run("earlier")["status"] == "done" and store.get_run("earlier")["curves"]
    assert store.get_run(STRANGER_RUN)["owner"] == "stranger"


def test_emoji_and_right_to_left_text_are_accepted(lab, uploads):
    runner, store, _ = lab
    job = runner.submit("alice", "tokenizer", replace(TOK, corpus=uploads["emoji_rtl.txt"]))
    assert store.get_run(job)["status"] == "queued"  # the row was written before the job was queued
    from lab.kinds.tokenizer import corpus_texts
    assert "مرحبا بالعالم" in corpus_texts(uploads["emoji_rtl.txt"])


@pytest.mark.parametrize("change, sentence", [
    (dict(text=""), "Type some text"),
    (dict(text="x" * 5000), "at most"),
    (dict(model="/etc"), "not a model this lab can load"),
    (dict(model=f"run:{STRANGER_RUN}"), "no run"),
    (dict(temperature=NAN), "temperature must be between"),
])
def test_the_pipeline_tab_refuses_with_one_sentence(lab, change, sentence):
    from lab.kinds.pipeline import run_pipeline

    with pytest.raises(LabError) as refused:
        run_pipeline(PipelineConfig(**{"task": "sentence-similarity", "text": "hello", "text2": "hi", **change}),
                     viewer="alice")
    assert sentence in str(refused.value) and one_sentence(str(refused.value))


def test_a_forged_owner_token_owns_nothing(lab):
    from lab.serve import owners
    from lab.ui.common import submit

    runner, _, _ = lab
    good = owners.issue()
    forged = good.split(".")[0] + "." + "0" * 64
    assert owners.verify(good) and owners.verify(forged) is None and owners.verify("bob") is None
    assert "reload" in submit(runner, forged, "tokenizer", TOK)
    assert runner.jobs(owner=good.split(".")[0]) == []


@pytest.mark.parametrize("argv, sentence", [
    (["finetune", "--steps", "0"], "Steps must be between"),
    (["finetune", "--dataset", "/no/such/file.csv"], "not there any more"),
    (["sft", "--model", "run:deadbeef"], "no saved model"),
    (["pipeline", "--text", ""], "Type some text"),
])
def test_the_cli_answers_with_one_sentence(data_dir, monkeypatch, capsys, argv, sentence):
    from lab.__main__ import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: ") and sentence in err and one_sentence(err[7:])


PAGE_READERS = {  # every page-side function that takes a model or tokenizer reference, as its tab calls it
    "lora shapes": lambda ref, viewer: explain.lora_shapes(ref, "query", 4, viewer=viewer),
    "weight names": lambda ref, viewer: explain.weight_names(ref, viewer),
    "nf4 block": lambda ref, viewer: explain.nf4_block(ref, viewer=viewer),
    "parameter map": lambda ref, viewer: explain.parameter_map(ref, ["lora"], FT, viewer=viewer),
    "pretrain description": lambda ref, viewer: _raise_error(pretrain.describe(
        replace(PRE, tokenizer=ref), viewer)),
    "masking preview": lambda ref, viewer: pretrain.preview_masking(
        replace(PRE, tokenizer=ref), "a cat", viewer),
    "tokenizer compare": lambda ref, viewer: tokenization.compare_sample(
        ref[4:], "a cat", viewer=viewer),
}


def _raise_error(info: dict) -> dict:
    if info["error"]:
        raise LabError(info["error"])
    return info


@pytest.mark.parametrize("reader", list(PAGE_READERS))
@pytest.mark.parametrize("viewer", ["alice", "", "forged"])
def test_a_strangers_private_run_reads_like_a_missing_one_on_every_page(lab, reader, viewer):
    from lab.serve import owners
    from lab.ui.owner import owner_of

    if viewer == "forged":  # what a page makes of a forged token: nobody
        viewer = owner_of(owners.issue().split(".")[0] + "." + "0" * 64)
    messages = []
    for ref in (f"run:{STRANGER_RUN}", "run:" + "b" * 32):  # a stranger's private run, then a missing one
        with pytest.raises(LabError) as refused:
            PAGE_READERS[reader](ref, viewer)
        messages.append(str(refused.value).replace(ref[4:], "ID"))
        assert "There is no run" in messages[-1] and one_sentence(messages[-1]), messages[-1]
    assert messages[0] == messages[1]  # the id tells nothing


@pytest.mark.parametrize("reader", ["lora shapes", "weight names", "parameter map"])
def test_the_owner_and_the_class_do_read_a_run_they_may(lab, reader):
    runner, store, _ = lab
    assert PAGE_READERS[reader](f"run:{STRANGER_RUN}", "stranger")  # the owner reads their own run's model
    with pytest.raises(LabError, match="There is no run"):
        PAGE_READERS[reader](f"run:{STRANGER_RUN}", "alice")
    store.set_shared(STRANGER_RUN, True)  # once shared, the class reads it
    assert PAGE_READERS[reader](f"run:{STRANGER_RUN}", "alice")
