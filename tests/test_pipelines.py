"""The pipeline tab's engine on the packaged models, and a sentence for each bad input."""
from __future__ import annotations

import pytest

from lab.config import PipelineConfig
from lab.errors import LabError
from lab.kinds.pipeline import run_pipeline, stream_pipeline


def test_sentence_similarity_ranks_a_paraphrase_above_an_unrelated_sentence():
    close = run_pipeline(PipelineConfig(task="sentence-similarity", text="I love this car.",
                                        text2="I really like this vehicle."))
    far = run_pipeline(PipelineConfig(task="sentence-similarity", text="I love this car.",
                                      text2="The recipe needs two eggs."))
    assert close["answer"]["similarity"] > far["answer"]["similarity"] + 0.2
    assert close["tokens"][0] == ["[CLS]", 101]
    assert close["raw"][0]["name"] == "last_hidden_state" and close["raw"][0]["shape"][2] == 384
    assert set(close["timings_ms"]) == {"load", "preprocess", "forward", "postprocess"}
    assert "pipeline(\"feature-extraction\"" in close["code"]


def test_text_generation_streams_then_returns_the_reply():
    parts = list(stream_pipeline(PipelineConfig(task="text-generation", text="Say hi.", max_new_tokens=8)))
    assert len(parts) >= 2 and parts[0].get("streaming")
    final = parts[-1]
    assert not final.get("streaming") and final["answer"]["generated_text"].strip()
    assert final["tokens"][0][0] == "<|im_start|>"  # the chat template was applied


@pytest.mark.parametrize("cfg, message", [
    (PipelineConfig(task="sentence-similarity", text=""), "Type some text first"),
    (PipelineConfig(task="sentence-similarity", text="x" * 1_000_000, text2="y"), "at most 2,000"),
    (PipelineConfig(task="sentence-similarity", text="a"), "second sentence"),
    (PipelineConfig(task="translation", text="a"), "Unknown task"),
    (PipelineConfig(task="fill-mask", text="no mask here"), r"Put \[MASK\]"),
    (PipelineConfig(task="fill-mask", text="a [MASK] b"), "train one in the Pre-training tab"),
    (PipelineConfig(task="text-classification", text="good"), "train one in the Fine-tuning tab"),
    (PipelineConfig(task="text-generation", text="hi", model="someone/unknown-model"), "needs the Hugging Face Hub"),
])
def test_bad_inputs_get_one_sentence(cfg, message, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LabError, match=message):
        run_pipeline(cfg)


def test_a_task_with_no_offline_model_says_so(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LabError, match="no packaged model"):
        run_pipeline(PipelineConfig(task="summarization", text="A long text."))
