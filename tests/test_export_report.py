"""The run report zip holds what it says (settings, per-step metrics, offline figures, the script), and the CLI
twins `export` and `report` write them from a run id."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from tests.test_tokenization import run_job
from tests.tiny_classifier import tiny_folder, tiny_rows, write_csv

from lab.__main__ import main
from lab.config import FinetuneConfig
from lab.export.report import metrics_csv
from lab.store import Store


def test_metrics_csv_is_one_row_per_step():
    text = metrics_csv({"a/step/loss": [[1, 0.5], [2, 0.25]], "a/eval/eval_f1": [[2, 0.75]]})
    assert list(csv.reader(io.StringIO(text))) == [["step", "a/eval/eval_f1", "a/step/loss"], ["1", "", "0.5"],
                                                  ["2", "0.75", "0.25"]]


def test_report_zip_and_the_cli_twins(tmp_path, capsys):
    base = tiny_folder(tmp_path)
    data = write_csv(tmp_path / "data.csv", tiny_rows() * 3)
    job_id, snap = run_job("finetune", FinetuneConfig(methods="head,lora", base=base, dataset=data, steps=3,
                                                      batch_size=4, max_length=16, lora_r=4))
    assert snap["status"] == "done", snap["error"]
    run = Store().get_run(job_id)

    assert main(["report", job_id, "--out", str(tmp_path / "report.zip"), "--json", str(tmp_path / "r.json")]) == 0
    with zipfile.ZipFile(tmp_path / "report.zip") as archive:
        names = set(archive.namelist())
        assert {"config.json", "metrics.csv", "figures/loss.html", "figures/accuracy.html", "script/train.py",
                "script/data/train.jsonl", "script/README.md", "script/accelerate/deepspeed_zero3.yaml"} <= names
        config = json.loads(archive.read("config.json"))
        assert config["config"] == run["config"] and config["result"]["order"] == ["head", "lora"]
        table = list(csv.DictReader(io.StringIO(archive.read("metrics.csv").decode())))
        assert [float(r["lora/step/loss"]) for r in table if r["lora/step/loss"]] == \
            pytest.approx([y for _, y in run["curves"]["lora/step/loss"]])
        page = archive.read("figures/loss.html").decode()
        assert "<script src=\"http" not in page and "plotly.js v" in page  # plotly.js inline: works offline
        assert f"{run['curves']['head/step/loss'][0][1]}" in page
    assert "report.zip" in json.loads((tmp_path / "r.json").read_text())["zip"]

    capsys.readouterr()  # the run's own Trainer logs
    assert main(["export", job_id, "--out", str(tmp_path / "dir")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["script"].endswith("train.py") and "data/eval.jsonl" in printed["files"]
    assert main(["export", "no-such-run", "--out", str(tmp_path / "x")]) == 2
    assert "There is no run no-such-run" in capsys.readouterr().err
