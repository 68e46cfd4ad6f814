"""Push a run's model (or LoRA adapter, or tokenizer) to the Hugging Face Hub with a model card.

The token is an argument of `push` and nothing else: it is never put in a job, a run's config, the
store, an event or a log line, and an error from the Hub is reworded without it. Offline, or without
a token, the answer is one sentence.

    HF_TOKEN=hf_... python -m lab push RUN_ID --repo you/my-model [--method lora]
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from lab import resources
from lab.errors import LabError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
PUSHABLE_METHODS = ("full", "head", "selective", "lora", "lora_scratch")  # the ones saved as a plain classifier


def _method(run: dict, method: str | None) -> str:
    result = run.get("result") or {}
    order = result.get("order") or []
    method = (method or "").strip() or (order[0] if len(order) == 1 else "")
    if not method:
        raise LabError(f"This comparison trained {', '.join(order)}; name the method to push.")
    if method not in order:
        raise LabError(f"This run has no trained '{method}' model; pick one of {', '.join(order)}.")
    return method


def source_folder(run: dict, method: str | None = None) -> tuple[Path, str]:
    """(folder to upload, what it is) for a finished run: a model, a LoRA adapter or a tokenizer."""
    if not run or run.get("status") != "done" or not run.get("result"):
        raise LabError("Only a finished run can be pushed; pick a run whose status is done.")
    kind, result = run["kind"], run["result"]
    if kind == "finetune":
        method = _method(run, method)
        folder = Path(result["methods"][method].get("path") or "") / "model"
        if method not in PUSHABLE_METHODS or not (folder / "config.json").exists():
            raise LabError(f"The {method} model was saved as its trained weights only, which load only in the lab; "
                           f"push one of {', '.join(PUSHABLE_METHODS)}.")
        return folder, "model"
    if kind in ("sft", "dpo"):
        if result.get("adapter") and Path(result["adapter"], "adapter_config.json").exists():
            return Path(result["adapter"]), "adapter"
        return _saved(result.get("model")), "model"
    if kind == "pretrain":
        return _saved(result.get("model_path")), "model"
    if kind == "tokenizer":
        return _saved(result.get("tokenizer_path")), "tokenizer"
    raise LabError(f"Runs of the kind '{kind}' have nothing to push.")


def _saved(path: str | None) -> Path:
    if not path or not Path(path).is_dir():
        raise LabError("The files of this run are gone from the lab's disk; train it again to push it.")
    return Path(path)


def _figures(run: dict, method: str | None) -> list[str]:
    result, kind = run["result"], run["kind"]
    if kind == "finetune":
        r = result["methods"][method]
        return [f"held-out accuracy {r['accuracy']:.1%}, macro F1 {r['f1']:.3f} on {result['eval_rows']} examples",
                f"trainable parameters {r['trainable_params']:,} of {r['total_params']:,} ({r['percent']:.2f}%)",
                f"final training loss {r['loss'][-1][1]:.4f} after {r['steps']} steps" if r.get("loss") else ""]
    if kind == "pretrain":
        return [f"{result['params']:,} parameters, {result['steps']} MLM steps",
                f"held-out perplexity {result['final_eval_perplexity']} (unigram level {result['unigram_perplexity']})"]
    if kind in ("sft", "dpo"):
        return [f"held-out accuracy {result['accuracy_before']:.0%} before, {result['accuracy_after']:.0%} after "
                f"{result['steps']} steps", f"final training loss {result['loss'][-1][1]:.4f}" if result.get("loss") else ""]
    return [f"{result['vocab_size']:,} tokens; {result['tokens_per_text_old']} -> {result['tokens_per_text_new']} "
            "tokens per held-out text"]


def model_card(run: dict, what: str, method: str | None = None) -> str:
    config = run["config"]
    base = config.get("base") or config.get("model") or ("minilm" if config.get("init") == "minilm" else "")
    base = "" if Path(base).is_absolute() else base  # a folder on the lab's machine means nothing on the Hub
    base_id = resources.HUB_IDS.get(base)
    front = ["---", "tags:", "- fine-tuning-lab", f"- {run['kind']}"]
    front += ["library_name: peft" if what == "adapter" else "library_name: transformers"]
    front += [f"base_model: {base_id}"] if base_id else []
    front += ["---"]
    how = {"finetune": f"fine-tuned for sequence classification with the {method} method",
           "pretrain": "pre-trained with masked-language modelling", "sft": "supervised fine-tuning with trl's SFTTrainer",
           "dpo": "preference tuning with trl's DPOTrainer", "tokenizer": "a tokenizer retrained with train_new_from_iterator"}
    lines = front + ["", f"# {what.capitalize()} from Fine-Tuning Lab run {run['id']}", "",
                     f"This {what} comes from {how.get(run['kind'], run['kind'])}"
                     + (f", starting from `{base_id or base}`" if base else "") + ".", "",
                     "## Figures (measured by the lab)", ""]
    lines += [f"- {f}" for f in _figures(run, method) if f]
    settings = {k: v for k, v in config.items() if not isinstance(v, str) or not Path(v).is_absolute()}
    lines += ["", "## Settings", "", "```json", json.dumps(settings, indent=2, default=str), "```", "",
              "The whole run, as a script that reproduces it: `python -m lab export " + run["id"] + " --out DIR`.", ""]
    return "\n".join(lines)


def stage(run: dict, target: Path, method: str | None = None) -> Path:
    """The folder as it will be uploaded: the run's files and a README.md model card."""
    folder, what = source_folder(run, method)
    if run["kind"] == "finetune":
        method = _method(run, method)
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("trainer", "*.zip"))
    config_path = target / "adapter_config.json"
    base_id = resources.HUB_IDS.get(run["config"].get("model", ""))
    if what == "adapter" and base_id and config_path.exists():  # a local base path means nothing on the Hub
        adapter = json.loads(config_path.read_text())
        adapter["base_model_name_or_path"] = base_id
        config_path.write_text(json.dumps(adapter, indent=2))
    (target / "README.md").write_text(model_card(run, what, method))
    return target


def push(run: dict, repo_id: str, token: str, method: str | None = None, private: bool = True,
         endpoint: str | None = None) -> str:
    """Upload the run's model with its card; return the repository's URL. The token is used here only."""
    token, repo_id = (token or "").strip(), (repo_id or "").strip()
    if not token:
        raise LabError("Paste a Hugging Face access token with write permission to push; it is used for this "
                       "upload only and never stored.")
    if not REPO_ID.match(repo_id):
        raise LabError(f"'{repo_id}' is not a repository name; write it as your-name/model-name.")
    source_folder(run, method)  # a run that cannot be pushed says so before any network
    if endpoint is None and not resources.hub_available():
        raise LabError(resources.offline_sentence("Pushing to the Hub"))
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    with tempfile.TemporaryDirectory() as scratch:
        folder = stage(run, Path(scratch) / "upload", method)
        try:
            url = api.create_repo(repo_id, private=private, exist_ok=True)
            api.upload_folder(repo_id=repo_id, folder_path=str(folder),
                              commit_message=f"Fine-Tuning Lab run {run['id']} ({run['kind']})")
        except Exception as exc:  # the Hub's errors vary; none of their text may carry the token out
            reason = str(exc).splitlines()[0][:200].replace(token, "***") if str(exc) else ""
            raise LabError(f"The Hub did not take the upload ({type(exc).__name__}{': ' + reason if reason else ''}); "
                           "check the repository name, the network and that the token may write.") from None
    return str(url)
