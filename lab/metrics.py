"""What the lab measures: parameter counts, the predicted memory ledger, measured peak memory.

Parameter wording follows peft: "trainable params … all params … trainable%". The memory ledger is
predicted before a run (weights by dtype, gradients, AdamW state, activations, forward workspace) and
shown beside the peak measured during it by `TensorMemory`: torch.cuda.max_memory_allocated on CUDA,
the live bytes of the allocations torch's profiler records on CPU, both from before the model loads.
"""
from __future__ import annotations

import contextlib
import time


ADAMW_BYTES_PER_PARAM = 8  # two fp32 moments


def count_parameters(model) -> dict:
    """{"trainable", "total", "percent"}: peft's numbers (4-bit weights count two per stored byte)."""
    trainable = total = 0
    for param in model.parameters():
        n = param.numel()
        if param.__class__.__name__ == "Params4bit":  # bitsandbytes packs two 4-bit values per byte
            n *= 2
        total += n
        if param.requires_grad:
            trainable += n
    return {"trainable": trainable, "total": total, "percent": 100.0 * trainable / max(total, 1)}


def parameter_groups(model) -> dict[str, dict]:
    """Per top-level module group (embeddings, encoder.layer.0, ..., classifier): trainable and total."""
    groups: dict[str, dict] = {}
    for name, param in model.named_parameters():
        parts = name.split(".")
        while len(parts) > 2 and parts[0] in ("base_model", "model", "bert", "roberta", "distilbert"):
            parts = parts[1:]
        if parts[:2] == ["encoder", "layer"]:
            key = ".".join(parts[:3])  # encoder.layer.N
        elif parts[0] in ("layers", "h"):
            key = ".".join(parts[:2])  # layers.N in causal LMs
        else:
            key = parts[0]
        group = groups.setdefault(key, {"trainable": 0, "total": 0})
        group["total"] += param.numel()
        if param.requires_grad:
            group["trainable"] += param.numel()
    return groups


def _stored(model):
    """Each parameter and buffer once, by storage: peft's wrappers expose the same 4-bit weight twice."""
    seen = set()
    for tensor in list(model.parameters()) + list(model.buffers()):
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset()) if tensor.device.type != "meta" \
            else id(tensor)
        if key not in seen:
            seen.add(key)
            yield tensor


def weight_bytes(model) -> int:
    """Bytes the parameters and buffers take as stored (dtype-aware, so 4-bit weights count as packed)."""
    total = 0
    for tensor in _stored(model):
        total += tensor.numel() * tensor.element_size()
        # bitsandbytes keeps each 4-bit weight's absmax scales in a quant_state beside the tensor.
        state = getattr(tensor, "quant_state", None)
        if state is not None:
            total += quant_state_bytes(state)
    return total


def quant_state_bytes(state) -> int:
    """The absmax scales of one 4-bit weight (and, with double quantisation, their own scales)."""
    total = state.absmax.numel() * state.absmax.element_size()
    nested = getattr(state, "state2", None)
    if nested is not None:
        total += nested.absmax.numel() * nested.absmax.element_size() + nested.code.numel() * nested.code.element_size()
    return total


def _shape(model) -> tuple[int, int, int, int]:
    conf = model.config
    hidden = conf.hidden_size
    return (hidden, conf.num_hidden_layers, getattr(conf, "intermediate_size", None) or 4 * hidden,
            getattr(conf, "num_attention_heads", 12))


EAGER_BYTES_PER_SCORE = {"fp32": 5.0, "bf16": 6.5}  # what eager attention keeps beyond SDPA (see below)


def activation_bytes(model, batch_size: int, seq_len: int, precision: str = "fp32") -> int:
    """Bytes autograd keeps for backward in one step: only layers at or above the lowest trainable one.

    Per encoder layer, in fp32 (fitted to the profiler's allocations on MiniLM's BERT layers): about 10
    tensors of (B, T, H) for the projections, residuals, norms and dropout masks, and 2 of (B, T, I) for the
    feed-forward. Fused attention keeps no (B, heads, T, T) matrix unless attention dropout is on, which
    makes it keep the probabilities and the mask: 8 bytes per entry. Eager attention without dropout (the
    causal kinds in bf16 on the CPU: causal.cpu_speed.choose_attention) keeps the probabilities too (fp32, and
    a bf16 copy under autocast) and a mask of its no-op dropout: counted on Llama layers with
    saved_tensors_hooks, eager keeps 4.2-4.9 bytes per entry more than SDPA in fp32 and 6.1-6.4 in bf16;
    the ledger takes EAGER_BYTES_PER_SCORE. A layer below every trainable weight keeps nothing: no
    gradient has to flow through it.

    bf16 autocast changes what is kept, measured by counting the tensors autograd saves
    (torch.autograd.graph.saved_tensors_hooks) in a BERT layer run both ways: the matmuls' inputs are
    kept as bf16 copies, 8 bytes per token and hidden unit and 4 per token and feed-forward unit less
    than fp32; with hidden dropout 4 bytes per token and hidden unit less again (its masks and outputs
    shrink), while attention dropout makes it keep 6 more (the attention path it takes keeps bf16 query,
    key and value copies). Autocast also keeps one bf16 copy of every linear weight a gradient passes
    through, trainable or frozen (the copy serves the gradient of the input): 2 bytes per weight. Over a
    stack of bitsandbytes' 4-bit layers, which cast their inputs and outputs themselves and keep no
    bf16 copy of their weights, 6 more (B, T, H) fp32 tensors are kept once, and with hidden dropout on
    3 more per layer (fitted to MiniLM's measured peak; the tensors are not identified).
    """
    hidden, layers, intermediate, heads = _shape(model)
    tokens = batch_size * seq_len
    conf = model.config
    per_layer, once = 4 * (10 * tokens * hidden + 2 * tokens * intermediate), 0
    attention_dropout = bool(getattr(conf, "attention_probs_dropout_prob", 0.0))
    hidden_dropout = bool(getattr(conf, "hidden_dropout_prob", 0.0))
    if attention_dropout:
        per_layer += 8 * batch_size * heads * seq_len * seq_len
    elif getattr(conf, "_attn_implementation", None) == "eager":
        per_layer += int(EAGER_BYTES_PER_SCORE[precision] * batch_size * heads * seq_len * seq_len)
    lowest = lowest_trainable_layer(model)
    if lowest is None:
        return 0
    if precision == "bf16":
        per_layer -= 8 * tokens * hidden + 4 * tokens * intermediate
        if hidden_dropout:
            per_layer -= 4 * tokens * hidden
        if attention_dropout:
            per_layer += 6 * tokens * hidden
        if is_4bit(model):
            once += 4 * 6 * tokens * hidden
            if hidden_dropout:
                per_layer += 12 * tokens * hidden  # measured on MiniLM; a model without dropout keeps none
        once += 2 * cast_linear_weights(model, lowest)
    return per_layer * (layers - lowest) + once


def cast_linear_weights(model, lowest: int) -> int:
    """Weights of the linear layers at or above layer `lowest` that autocast copies to bf16 (every one
    but bitsandbytes' 4-bit layers): the layers a gradient passes through, and the head above them."""
    from torch import nn

    count = 0
    for name, module in model.named_modules():
        if not isinstance(module, nn.Linear) or module.weight.__class__.__name__ == "Params4bit":
            continue
        index = layer_index(name + ".")
        if index is None or index >= lowest:
            count += module.weight.numel()
    return count


def layer_index(name: str) -> int | None:
    """The encoder layer a parameter or module name lies in (`...layer.3.` or `...layers.3.`), or None."""
    import re

    match = re.search(r"\.layers?\.(\d+)\.", name)
    return int(match.group(1)) if match else None


def is_4bit(model) -> bool:
    return any(p.__class__.__name__ == "Params4bit" for p in model.parameters())


def workspace_bytes(model, batch_size: int, seq_len: int, precision: str = "fp32") -> int:
    """Transient buffers of one layer's forward, kept by no one: two (B, T, I) and two (B, heads, T, T)
    (the (B, T, I) ones in bf16 under autocast; attention's softmax stays fp32). Under autocast with
    attention dropout on, the attention path also makes bf16 copies of query, key and value (6 bytes per
    token and hidden unit, as activation_bytes counts when they are kept)."""
    hidden, _, intermediate, heads = _shape(model)
    wide = 2 if precision == "bf16" else 4
    out = 2 * batch_size * seq_len * intermediate * wide + 4 * 2 * batch_size * heads * seq_len * seq_len
    if precision == "bf16" and getattr(model.config, "attention_probs_dropout_prob", 0.0):
        out += 6 * batch_size * seq_len * hidden
    return out


def lowest_trainable_layer(model) -> int | None:
    """Index of the lowest encoder layer gradients must reach (0 when embeddings or prompts train)."""
    lowest = None
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        index = layer_index(name)
        if index is None and any(part in name for part in ("embeddings", "prompt_encoder", "word_embeddings")):
            index = 0
        if index is None:
            continue  # the head or the pooler: above every layer
        lowest = index if lowest is None else min(lowest, index)
    return lowest


def predict_memory(model, batch_size: int, seq_len: int, precision: str = "fp32") -> dict:
    """The ledger predicted before training, in bytes, and the predicted peak it adds up to.

    `precision`: "fp32", or "bf16" for bf16 autocast (weights, gradients and optimizer stay fp32; what
    the forward keeps and its buffers shrink: see activation_bytes). Parts: weights (as stored, each 4-bit weight once), gradients (fp32, trainable only), optimizer
    (AdamW's two moments, from step 1 on), activations (kept for backward, only above the lowest trainable
    layer) and workspace (one layer's transient forward buffers). Those last three do not peak together:
    backward frees a layer's activations as it writes the gradients below them, and the workspace is freed
    layer by layer, so the peak holds weights + optimizer + the largest of the three (measured: within 10%
    on the tests' model, 6% on MiniLM). `at_peak` names what is live then; its parts add up to `total`.
    """
    trainable = count_parameters(model)["trainable"]
    ledger = {
        "weights": weight_bytes(model),
        "gradients": 4 * trainable,
        "optimizer": ADAMW_BYTES_PER_PARAM * trainable,
        "activations": activation_bytes(model, batch_size, seq_len, precision),
        "workspace": workspace_bytes(model, batch_size, seq_len, precision),
    }
    # the moment of the peak: the start of backward (activations), or its end (gradients), or, with
    # nothing to keep, one forward's transient buffers
    largest = max(("activations", "gradients", "workspace"), key=ledger.get)
    at_peak = {part: ledger[part] if part in ("weights", "optimizer", largest) else 0 for part in ledger}
    ledger["at_peak"] = at_peak
    ledger["total"] = sum(at_peak.values())
    return ledger


class TensorMemory:
    """Peak bytes of live tensors over a whole training run, from before the model loads.

    On CUDA the allocator counts (max_memory_allocated, reset at start): the whole run, for free. On
    CPU torch's profiler records every allocation and free with its size; the running sum of those from
    `start()` is what the method's tensors hold, whatever ran before (so the order of methods changes
    nothing) and without the noise of the process's resident memory. The profiler slows what it
    watches, so it watches in windows: loading and the first `steps` steps (by the end of step 2 every
    part exists: AdamW's state is created in step 1), then `pause()`. After that a step's memory is the
    bytes every step starts from (`baseline`: weights, optimizer state) plus what its batch needs, which
    grows with the batch's shape; `MemoryCallback` calls `resume()` for each batch larger than every
    batch watched so far and `pause()` at the end of that step. `phase(name)` marks moments so the peak
    of each phase (load, step 1, ...) can be read back; work whose tensors all die before it returns
    (the held-out answers of SFT and DPO) can run `aside()`, unwatched.

    The profiler records allocations only (`_start_profiler`): the operators around them, which a plain
    `torch.profiler.profile` records as well, would cost three times the events to collect and walk.
    """

    def __init__(self, device: str = "cpu", steps: int = 3):
        self.device = device
        self.steps = steps
        self.peak_bytes = 0
        self.baseline = 0  # live bytes when the first window ended: what every later step starts from
        self.phase_peaks: dict[str, int] = {}
        self.windows = 0  # profiler windows read back
        self.seconds = 0.0  # what watching cost: starting, stopping and reading back the profiler
        self.source = ("cuda max_memory_allocated, whole run" if device.startswith("cuda")
                       else "CPU tensor allocations (torch profiler): load, first steps, then each larger batch")
        self._open = False  # whether a CPU window is being recorded
        self._carried = 0  # live bytes the first window held when `aside()` split it
        self._marks: list[tuple[int, str]] = []
        self._done = False

    @property
    def watching(self) -> bool:
        return self._open

    def start(self) -> "TensorMemory":
        import torch

        self._marks = [(time.time_ns(), "load")]
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self._baseline = torch.cuda.memory_allocated()
            return self
        self._profile()
        return self

    def _profile(self) -> None:
        import torch

        started = time.perf_counter()
        _start_profiler()
        self._open = True
        self._probe = torch.empty(1)  # its allocation names this thread among the profiler's
        self.seconds += time.perf_counter() - started

    def _close(self) -> tuple[int, dict[str, int], int]:
        """End the open window: its (peak, peak per phase, live at its end), counted from its start."""
        from torch.autograd import _disable_profiler

        started = time.perf_counter()
        result = _disable_profiler()
        self._open = False
        counted = self._timeline(result, self._marks)
        self.seconds += time.perf_counter() - started
        return counted

    def _fold(self, offset: int, peak: int, phases: dict[str, int]) -> None:
        self.peak_bytes = max(self.peak_bytes, offset + peak)
        for name, value in phases.items():
            self.phase_peaks[name] = max(self.phase_peaks.get(name, 0), offset + value)

    def phase(self, name: str) -> None:
        self._marks.append((time.time_ns(), name))

    def __enter__(self) -> "TensorMemory":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()  # a callback may have stopped it after the first steps; an error stops it here

    def pause(self) -> None:
        """End the CPU profiler's window and fold it into the peak (on CUDA: nothing, it counts on)."""
        if not self._open:
            return
        peak, phases, live = self._close()
        # the first window counts from before the model loaded; a later one from what each step starts with
        offset = self.baseline if self.windows else self._carried
        if not self.windows:
            self.baseline = offset + live
        self.windows += 1
        self._fold(offset, peak, phases)

    @contextlib.contextmanager
    def aside(self, name: str = "after"):
        """Run the block unwatched, within the first window, and watch on from its end, marked `name`.

        For work whose tensors are all freed by its end (greedy answers to a few prompts): what it holds
        while it runs is not counted, and neither is its cost in profiler events. The first window's live
        bytes carry over its split, so the steps after it count from the weights loaded before it. Outside
        the first window (or on CUDA, where nothing is paused) it runs the block as it is.
        """
        if not self._open or self.windows:
            yield
            return
        peak, phases, live = self._close()
        self._fold(self._carried, peak, phases)
        self._carried += live
        try:
            yield
        finally:
            if not self._done:
                self.phase(name)
                self._profile()

    def resume(self, name: str) -> None:
        """Watch again on CPU (one more window) from here, marked `name`."""
        if self._done or self._open or self.device.startswith("cuda"):
            return
        self.phase(name)
        self._profile()

    def stop(self) -> int:
        """End measuring (idempotent); returns the peak bytes."""
        if self._done:
            return self.peak_bytes
        self._done = True
        if self.device.startswith("cuda"):
            import torch
            torch.cuda.synchronize()
            self.peak_bytes = int(torch.cuda.max_memory_allocated() - self._baseline)
            return self.peak_bytes
        self.pause()
        return self.peak_bytes

    @staticmethod
    def _timeline(result, marks) -> tuple[int, dict[str, int], int]:
        """(peak, peak per phase, live at the end) of the window's live bytes, counted from its start."""
        from torch._C._profiler import _EventType

        allocation = _EventType.Allocation
        events, stack = [], list(result.experimental_event_tree())
        while stack:  # allocations are leaves; a loop, not recursion: autograd nests operators deeply
            node = stack.pop()
            if node.tag == allocation:
                if node.extra_fields.device.type == "cpu":
                    events.append(node)
            else:
                stack.extend(node.children)
        events.sort(key=lambda n: n.start_time_ns)
        ours = events[0].start_tid if events else None  # the probe allocated first, on the job's thread
        live = peak = 0
        sizes: dict[int, int] = {}  # pointer -> bytes of the blocks allocated inside the window
        phases: dict[str, int] = {}
        mark = 0
        for node in events:
            if node.start_tid != ours:
                continue  # another thread of this process (a page's request) allocating meanwhile
            while mark + 1 < len(marks) and marks[mark + 1][0] <= node.start_time_ns:
                mark += 1
            fields = node.extra_fields
            if fields.alloc_size > 0:
                sizes[fields.ptr] = fields.alloc_size
                live += fields.alloc_size
            else:  # a free counts only for a block born in the window, not one left by an earlier method
                live -= sizes.pop(fields.ptr, 0)
            peak = max(peak, live)
            name = marks[mark][1]
            phases[name] = max(phases.get(name, 0), live)
        return peak, phases, live


def _start_profiler() -> None:
    """Start torch's profiler (this process, CPU) recording tensor allocations and frees, and no operators.

    torch.profiler.profile records every operator too and builds their summary when it stops; an empty
    set of operator scopes but USER_SCOPE (record_function blocks, which the lab never opens while
    training) leaves the allocation events alone, read back from `experimental_event_tree()`. On a
    SmolLM2 SFT step: a third of the events, and stopping and reading back a window about 3x faster.
    """
    from torch._C._profiler import (ProfilerActivity, ProfilerConfig, ProfilerState, RecordScope,
                                    _ExperimentalConfig)
    from torch.autograd import _enable_profiler, _prepare_profiler

    config = ProfilerConfig(ProfilerState.KINETO, False, True, False, False, False, _ExperimentalConfig())
    _prepare_profiler(config, {ProfilerActivity.CPU})
    _enable_profiler(config, {ProfilerActivity.CPU}, {RecordScope.USER_SCOPE})
