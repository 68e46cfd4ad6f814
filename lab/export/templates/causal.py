"""Supervised fine-tuning or preference tuning (trl) exported from Fine-Tuning Lab: same model, rows, seed, settings.

    python train.py                       # the run as it was
    python train.py --steps 500 --model HuggingFaceTB/SmolLM2-360M-Instruct
    accelerate launch --config_file accelerate/multi_gpu.yaml train.py
    torchrun --standalone --nproc_per_node 2 train.py        # two processes, also on CPUs (gloo)

Held-out prompts (data/heldout.jsonl, never trained on) are answered greedily before and after training and
scored as the lab scores them: right when the answer names the expected label and no other. The tuned model is saved merged (and, with LoRA, as an adapter too).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import string
import time
from pathlib import Path

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = Path(__file__).resolve().parent
SETTINGS: dict = {}  # EXPORT:SETTINGS
# ChatML with {% generation %} around assistant turns, so trl can take the loss on them only; it renders
# exactly SmolLM2's own template.
CHATML_TRAINING_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\n' }}{% generation %}"
    "{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


# EXPORT:INCLUDE script_inputs.py
# EXPORT:INCLUDE precision.py
# EXPORT:INCLUDE lab/kinds/causal/cpu_speed.py
# EXPORT:INCLUDE heldout.py
# EXPORT:INCLUDE trl_settings.py


# >>> method sft
def build_trainer(s, model, tokenizer, rows, output_dir: Path, steps: int, max_length: int):
    from trl import SFTConfig, SFTTrainer
    from trl.chat_template_utils import has_generation_markers

    messages = s["data"]["kind"] == "messages"
    if messages and not has_generation_markers(tokenizer.chat_template or ""):
        tokenizer.chat_template = CHATML_TRAINING_TEMPLATE
    args = SFTConfig(**trainer_settings(s, output_dir, steps, max_length=max_length),
                     completion_only_loss=not messages, assistant_only_loss=messages)
    return SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                      peft_config=lora_config(s))
# <<< method sft
# >>> method dpo
def build_trainer(s, model, tokenizer, rows, output_dir: Path, steps: int, max_length: int):
    from trl import DPOConfig, DPOTrainer

    args = DPOConfig(**trainer_settings(s, output_dir, steps, max_length=max_length), beta=s["beta"])
    return DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                      peft_config=lora_config(s))
# <<< method dpo


def main() -> None:
    started = time.perf_counter()
    s = SETTINGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="A causal LM folder or Hub id instead of the run's.")
    parser.add_argument("--steps", type=int, default=s["steps"], help="Optimizer steps.")
    parser.add_argument("--output-dir", default=str(HERE / "outputs"), help="Where the model and results go.")
    args = parser.parse_args()
    out = Path(args.output_dir)
    source = model_source(s["model"], args.model)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    original_template = tokenizer.chat_template
    max_length = min(s["max_length"], getattr(model.config, "max_position_embeddings", None) or s["max_length"])
    # DPO's batch holds a chosen and a rejected answer per pair
    attention = choose_attention(model, s["batch_size"] * (2 if s["kind"] == "dpo" else 1), max_length)
    rows, heldout = read_jsonl(HERE / s["data"]["train"]), read_jsonl(HERE / s["data"]["heldout"])
    trainer = build_trainer(s, model, tokenizer, rows, out / "trainer", args.steps, max_length)
    # in bf16 the frozen weights (LoRA's base, DPO's reference) train and answer as bf16 copies; fp32 after
    with frozen_weights_in_bf16(trainer.model, getattr(trainer, "ref_model", None)):
        before = answers(trainer.model, tokenizer, heldout, s["max_new_tokens"])
        trained = trainer.train()
        after = answers(trainer.model, tokenizer, heldout, s["max_new_tokens"])
    print(f"[rank {trainer.args.process_index}/{trainer.args.world_size}] trained {trainer.state.global_step} steps; "
          f"held-out accuracy {accuracy(before, heldout):.2f} -> {accuracy(after, heldout):.2f}", flush=True)
    if not trainer.is_world_process_zero():
        return
    tuned = trainer.model
    if hasattr(tuned, "merge_and_unload"):  # a peft model: keep the small adapter too
        tuned.save_pretrained(str(out / "adapter"))
        tuned = tuned.merge_and_unload()
    tokenizer.chat_template = original_template
    tuned.save_pretrained(str(out / "model"))
    tokenizer.save_pretrained(str(out / "model"))
    history = trainer.state.log_history
    results = {"run_id": s["run_id"], "steps": trainer.state.global_step, "precision": precision(),
               "attention": attention, "train_seconds": round(trained.metrics["train_runtime"], 2),
               "loss": [[h["step"], h["loss"]] for h in history if "loss" in h],
               "accuracy_before": accuracy(before, heldout), "accuracy_after": accuracy(after, heldout),
               "answers": [{"expected": h["expected"], "before": b, "after": a}
                           for h, b, a in zip(heldout, before, after)]}
    margins = [[h["step"], h["rewards/margins"]] for h in history if "rewards/margins" in h]
    if margins:
        results["reward_margin"] = margins
    results["seconds"] = round(time.perf_counter() - started, 2)  # loading to saving, as the lab's job counts
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"Results in {out / 'results.json'}")


if __name__ == "__main__":
    main()
