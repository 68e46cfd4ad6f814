"""The pipeline tab's engine: `transformers.pipeline`, run stage by stage so a class sees inside it.

A pipeline is three steps: preprocess (tokenize), forward (the model), postprocess (logits to an
answer). `run_pipeline` calls the three itself, times each, and returns the tokens, a summary of the
raw outputs, the answer and the three lines of Python that do the same in one call.

    python -m lab pipeline --task sentence-similarity --text "I love it" --text2 "I like it" --json out.json
"""
from __future__ import annotations

import collections
import threading
import time
from typing import Iterator

from lab import resources, sources
from lab.config import MAX_INPUT_CHARS, PIPELINE_TASKS, PipelineConfig
from lab.errors import LabError

# The offline default of each task; None: the models this lab trained; a Hub id: needs the Hub.
TASK_DEFAULTS = {
    "sentence-similarity": "minilm",
    "text-generation": "smollm2",
    "text-classification": None,
    "fill-mask": None,
    "question-answering": "distilbert/distilbert-base-cased-distilled-squad",
    "zero-shot-classification": "facebook/bart-large-mnli",
    "summarization": "sshleifer/distilbart-cnn-12-6",
}
TRAINED_BY = {"text-classification": "the Fine-tuning tab", "fill-mask": "the Pre-training tab"}
POSTPROCESS = {
    "sentence-similarity": "mean of the token vectors (mean pooling), then the cosine of the two sentence vectors",
    "text-generation": "the new token ids decoded to text; the prompt's ids are dropped",
    "text-classification": "softmax over the logits, one probability per label",
    "fill-mask": "softmax over the vocabulary at the [MASK] position, the top 5 tokens",
    "question-answering": "softmax over start and end logits, the best span of the context",
    "zero-shot-classification": "entailment logits of 'This example is {label}.' compared across labels",
    "summarization": "the generated ids decoded to text",
}
HF_TASK = {"sentence-similarity": "feature-extraction"}
CACHE_SIZE = 4  # pipelines kept loaded; each MiniLM is ~90 MB, SmolLM2 ~540 MB

_cache: "collections.OrderedDict[tuple, object]" = collections.OrderedDict()
_cache_lock = threading.Lock()


def lab_models(task: str, viewer: str | None, store=None) -> list[tuple[str, str]]:
    """(label, ref) of the models trained for a task that the viewer may use (theirs, shared), newest first."""
    if store is None:
        from lab.store import get_store
        store = get_store()
    found = []
    for run in store.list_runs(status=("done", "cancelled"), viewer=viewer):  # a stopped run keeps its models
        for model in (run.get("result") or {}).get("models", []):
            if model.get("task") == task:
                found.append((model.get("label") or model["ref"], model["ref"]))
    return found


def validate(cfg: PipelineConfig) -> None:
    if cfg.task not in PIPELINE_TASKS:
        raise LabError(f"Unknown task '{cfg.task}'; pick one of: {', '.join(PIPELINE_TASKS)}.")
    for name, value in (("text", cfg.text), ("second text", cfg.text2)):
        if len(value) > MAX_INPUT_CHARS:
            raise LabError(f"The {name} has {len(value):,} characters; this tab takes at most "
                           f"{MAX_INPUT_CHARS:,}, so shorten it.")
    if not cfg.text.strip():
        raise LabError("Type some text first.")
    needs_second = {"sentence-similarity": "a second sentence to compare with",
                    "question-answering": "a context that holds the answer",
                    "zero-shot-classification": "candidate labels, separated by commas"}
    if cfg.task in needs_second and not cfg.text2.strip():
        raise LabError(f"This task needs {needs_second[cfg.task]}.")
    if cfg.task == "fill-mask" and "[MASK]" not in cfg.text and "<mask>" not in cfg.text:
        raise LabError("Put [MASK] where the model should guess a word.")
    if not 1 <= cfg.max_new_tokens <= 256:
        raise LabError("Max new tokens must be between 1 and 256.")
    if not 0 <= cfg.temperature <= 2:  # written so that NaN fails too
        raise LabError("The temperature must be between 0 and 2.")


def model_for(cfg: PipelineConfig) -> str:
    """The model choice for this config: the user's, or the task's default (a sentence if none)."""
    if cfg.model.strip():
        return cfg.model.strip()
    default = TASK_DEFAULTS[cfg.task]
    if default is None:
        raise LabError(f"No model for {cfg.task} yet: train one in {TRAINED_BY[cfg.task]}, then pick it here.")
    if default not in resources.EMBEDDED_MODELS and not resources.hub_available():
        raise LabError(f"{cfg.task} has no packaged model and the Hugging Face Hub does not answer from "
                       "here; try sentence-similarity or text-generation.")
    return default


def get_pipeline(task: str, model: str, viewer: str | None = None, allow_local: bool = False):
    """A cached `transformers.pipeline` for (task, model); the model is resolved (and its access
    checked) before the cache is asked, so a cached private model never answers a stranger."""
    path = sources.resolve_model(model, viewer=viewer, allow_local=allow_local)
    key = (task, path)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        from transformers import pipeline

        from lab.training import device

        try:
            pipe = pipeline(HF_TASK.get(task, task), model=sources.hub_folder(path), device=0 if device() == "cuda" else -1)
        except (OSError, ValueError, KeyError) as exc:
            raise LabError(f"'{model}' cannot run {task}: {str(exc).splitlines()[0][:200]}") from None
        _cache[key] = pipe
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return pipe


def code_lines(task: str, model: str, cfg: PipelineConfig) -> str:
    shown = {"minilm": resources.MINILM_HUB_ID, "smollm2": resources.SMOLLM2_HUB_ID}.get(model, model)
    call = {
        "sentence-similarity": 'a, b = (torch.tensor(pipe(s)[0]).mean(0) for s in (text, text2))\n'
                               'print(torch.cosine_similarity(a, b, dim=0))',
        "text-generation": 'print(pipe([{"role": "user", "content": text}], max_new_tokens='
                           f'{cfg.max_new_tokens})[0]["generated_text"][-1]["content"])',
        "question-answering": "print(pipe(question=text, context=text2))",
        "zero-shot-classification": 'print(pipe(text, candidate_labels=text2.split(",")))',
    }.get(task, "print(pipe(text))")
    return (f'from transformers import pipeline\npipe = pipeline("{HF_TASK.get(task, task)}", '
            f'model="{shown}")\n{call}')


def _summarise(outputs) -> list[dict]:
    """Name, shape, dtype and first values of each tensor in the raw model outputs."""
    import torch
    items = outputs.items() if hasattr(outputs, "items") else [("output", outputs)]
    rows = []
    for name, value in items:
        if isinstance(value, torch.Tensor):
            flat = value.detach().float().flatten()[:6].tolist()
            rows.append({"name": name, "shape": list(value.shape), "dtype": str(value.dtype).replace("torch.", ""),
                         "first values": [round(v, 4) for v in flat]})
    return rows


def _stages(pipe, inputs, timings: dict, **kwargs):
    """preprocess -> forward -> postprocess, timed; returns (model_inputs, raw outputs, result)."""
    from transformers.pipelines.base import ChunkPipeline

    pre_p, fwd_p, post_p = pipe._sanitize_parameters(**kwargs)
    start = time.perf_counter()
    if isinstance(pipe, ChunkPipeline):  # one input becomes several model calls (QA, zero-shot)
        model_inputs = list(pipe.preprocess(inputs, **pre_p))
        timings["preprocess"] += 1000 * (time.perf_counter() - start)
        start = time.perf_counter()
        outputs = [pipe.forward(chunk, **fwd_p) for chunk in model_inputs]
        timings["forward"] += 1000 * (time.perf_counter() - start)
        first_inputs, first_outputs = model_inputs[0], outputs[0]
    else:
        first_inputs = model_inputs = pipe.preprocess(inputs, **pre_p)
        timings["preprocess"] += 1000 * (time.perf_counter() - start)
        start = time.perf_counter()
        first_outputs = outputs = pipe.forward(model_inputs, **fwd_p)
        timings["forward"] += 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    result = pipe.postprocess(outputs, **post_p)
    timings["postprocess"] += 1000 * (time.perf_counter() - start)
    return first_inputs, first_outputs, result


def _tokens(pipe, model_inputs) -> list[list]:
    ids = model_inputs["input_ids"][0].tolist()
    return [[token, token_id] for token, token_id in zip(pipe.tokenizer.convert_ids_to_tokens(ids), ids)]


def stream_pipeline(cfg: PipelineConfig, viewer: str | None = None, allow_local: bool = False) -> Iterator[dict]:
    """Yields partial results (text generation streams its text), the last one complete.
    `viewer`: the page's owner (runs it may use); the CLI passes allow_local for local folders."""
    validate(cfg)
    model = model_for(cfg)
    timings = {"load": 0.0, "preprocess": 0.0, "forward": 0.0, "postprocess": 0.0}
    start = time.perf_counter()
    pipe = get_pipeline(cfg.task, model, viewer, allow_local)
    timings["load"] = 1000 * (time.perf_counter() - start)
    base = {"task": cfg.task, "model": model, "code": code_lines(cfg.task, model, cfg),
            "postprocess": POSTPROCESS[cfg.task], "timings_ms": timings}
    if cfg.task == "text-generation":
        yield from _generate(pipe, cfg, base, timings)
        return
    if cfg.task == "sentence-similarity":
        import torch
        vectors, tokens = [], []
        for text in (cfg.text, cfg.text2):
            model_inputs, outputs, result = _stages(pipe, text, timings)
            tokens.append(_tokens(pipe, model_inputs))
            start = time.perf_counter()
            vectors.append(torch.tensor(result[0]).mean(0))  # (T, H) -> (H,)
            timings["postprocess"] += 1000 * (time.perf_counter() - start)
        score = float(torch.cosine_similarity(vectors[0], vectors[1], dim=0))
        yield {**base, "answer": {"similarity": round(score, 4)}, "tokens": tokens[0],
               "tokens2": tokens[1], "raw": _summarise(outputs)}
        return
    kwargs, inputs = {}, cfg.text
    if cfg.task == "question-answering":
        inputs = {"question": cfg.text, "context": cfg.text2}
    elif cfg.task == "zero-shot-classification":
        kwargs["candidate_labels"] = [s.strip() for s in cfg.text2.split(",") if s.strip()]
    elif cfg.task == "text-classification":
        kwargs["top_k"] = None
    elif cfg.task == "fill-mask":
        inputs = cfg.text.replace("[MASK]", pipe.tokenizer.mask_token or "[MASK]")
    model_inputs, outputs, result = _stages(pipe, inputs, timings, **kwargs)
    yield {**base, "answer": result, "tokens": _tokens(pipe, model_inputs), "raw": _summarise(outputs)}


def local_sampler(temperature: float, seed: int | None = None):
    """Sampling at `temperature` from the page's own torch.Generator, never the global RNG.

    A training job draws dropout and data order from the global generator; a page sampling from it
    meanwhile would change that run. This processor draws the token itself and leaves only it
    possible, so generate's greedy step picks exactly the sampled token.
    """
    import secrets

    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    generator = torch.Generator().manual_seed(secrets.randbits(63) if seed is None else seed)

    class Sample(LogitsProcessor):
        def __call__(self, input_ids, scores):  # scores: (batch, vocab)
            probs = torch.softmax(scores.float() / temperature, dim=-1)
            token = torch.multinomial(probs.cpu(), 1, generator=generator).to(scores.device)  # (batch, 1)
            return torch.full_like(scores, float("-inf")).scatter(1, token, 0.0)

    return LogitsProcessorList([Sample()])


def _generate(pipe, cfg: PipelineConfig, base: dict, timings: dict) -> Iterator[dict]:
    from transformers import TextIteratorStreamer

    streamer = TextIteratorStreamer(pipe.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=120)
    sampling = {"do_sample": False}
    if cfg.temperature > 0:
        sampling["logits_processor"] = local_sampler(cfg.temperature)
    from transformers.utils.chat_template_utils import Chat

    messages = Chat([{"role": "user", "content": cfg.text}])  # what pipe(messages) wraps them in
    box: dict = {}

    def work():
        try:
            box["staged"] = _stages(pipe, messages, timings, max_new_tokens=cfg.max_new_tokens,
                                    streamer=streamer, **sampling)
        except Exception as exc:  # surfaced below, after the stream ends
            box["error"] = exc
            streamer.end()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    text = ""
    for piece in streamer:
        text += piece
        yield {**base, "answer": {"generated_text": text}, "streaming": True}
    thread.join()
    if "error" in box:
        raise box["error"]
    model_inputs, outputs, result = box["staged"]
    reply = result[0]["generated_text"]
    if isinstance(reply, list):  # chat input: the reply is the last message
        reply = reply[-1]["content"]
    yield {**base, "answer": {"generated_text": reply}, "tokens": _tokens(pipe, model_inputs),
           "raw": _summarise(outputs)}


def run_pipeline(cfg: PipelineConfig, viewer: str | None = None, allow_local: bool = False) -> dict:
    """The complete result (the last of `stream_pipeline`)."""
    result = None
    for result in stream_pipeline(cfg, viewer, allow_local):
        pass
    return result
