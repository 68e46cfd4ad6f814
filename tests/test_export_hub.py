"""Push to the Hub: the model card carries the run's figures; without a token, offline or refused, one sentence;
the token never reaches the store, a log line, the output or a job."""
from __future__ import annotations

import logging

import pytest
from tests.test_tokenization import run_job
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab.export import hub as hub_push
from lab import resources
from lab.config import FinetuneConfig
from lab.errors import LabError
from lab.store import Store

TOKEN = "hf_TestSecretToken0123456789abcdef"


def test_push_paths_and_the_token_stays_secret(tmp_path, data_dir, monkeypatch, caplog, capsys):
    base = tiny_folder(tmp_path)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    job_id, snap = run_job("finetune", FinetuneConfig(methods="head,adapter", base=base, dataset=data, steps=2,
                                                      batch_size=4, max_length=16, adapter_size=4))
    assert snap["status"] == "done", snap["error"]
    run = Store().get_run(job_id)
    caplog.set_level(logging.DEBUG)

    staged = hub_push.stage(run, tmp_path / "staged", "head")
    card = (staged / "README.md").read_text()
    accuracy = run["result"]["methods"]["head"]["accuracy"]
    assert f"held-out accuracy {accuracy:.1%}" in card and "fine-tuning-lab" in card
    assert (staged / "config.json").exists() and (staged / "model.safetensors").exists()

    messages = []
    for kwargs, sentence in [
        (dict(token=""), "Paste a Hugging Face access token"),
        (dict(token=TOKEN, repo_id="not a repo"), "is not a repository name"),
        (dict(token=TOKEN, method="adapter"), "saved as its trained weights only"),
        (dict(token=TOKEN, method=None), "name the method to push"),
    ]:
        with pytest.raises(LabError, match=sentence) as error:
            hub_push.push(run, **{"repo_id": "me/tiny", "method": "head", **kwargs})
        messages.append(str(error.value))

    monkeypatch.setattr(resources, "hub_available", lambda *a, **k: False)
    with pytest.raises(LabError, match="needs the Hugging Face Hub") as error:
        hub_push.push(run, "me/tiny", TOKEN, method="head")
    messages.append(str(error.value))
    # A Hub that does not take the upload (nothing listens on this port): the error is reworded without the token.
    with pytest.raises(LabError, match="The Hub did not take the upload") as error:
        hub_push.push(run, "me/tiny", TOKEN, method="head", endpoint="http://127.0.0.1:9")
    messages.append(str(error.value))

    out = capsys.readouterr()
    stored = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file() and not p.is_symlink()
                      and "models" not in p.parts)
    for text in (*messages, caplog.text, out.out, out.err, card, repr(Store().list_runs())):
        assert TOKEN not in text
    assert TOKEN.encode() not in stored
