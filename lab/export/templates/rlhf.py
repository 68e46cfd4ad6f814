"""RLHF exported from Fine-Tuning Lab (trl): a reward model learnt from preference pairs, then the policy tuned
against it with GRPO (or RLOO) and the run's rules, with the run's models, rows, seed and settings.

    python train.py                                  # both stages, as the run had them
    python train.py --reward-model outputs/reward_model  # stage 2 against a reward model already trained
    python train.py --steps 60 --reward-steps 200

Stage 1 (when the run has one) trains the reward model on data/pairs.jsonl and ranks the held-out pairs
(data/heldout_pairs.jsonl). Stage 2 samples completions of data/prompts.jsonl and pushes up those its rewards
score above their group; the held-out prompts (data/heldout.jsonl, never trained on) are answered greedily
before and after. Both stages' curves go to outputs/results.json.
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
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer, set_seed

HERE = Path(__file__).resolve().parent
SETTINGS: dict = {}  # EXPORT:SETTINGS


# EXPORT:INCLUDE script_inputs.py
# EXPORT:INCLUDE precision.py
# EXPORT:INCLUDE lab/kinds/causal/cpu_speed.py
# EXPORT:INCLUDE lab/kinds/causal/rlhf.py
# EXPORT:INCLUDE heldout.py
# EXPORT:INCLUDE trl_settings.py


def stage_one(s: dict, model_override: str | None, steps: int, out: Path) -> dict:
    """The reward model: RewardTrainer on the pairs, evaluated on the held-out pairs every few steps."""
    from trl import RewardConfig

    source = model_source(s["model"], model_override)
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token is None:  # BERT has none: trl ends each answer with one, and [SEP] ends a BERT text
        tokenizer.eos_token = tokenizer.sep_token
    set_seed(s["seed"])  # the new score head is drawn from the run's seed, as the lab draws it
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=1, dtype=torch.float32)
    model.config.pad_token_id = tokenizer.pad_token_id
    args = RewardConfig(**trainer_settings(s, out / "reward_trainer", steps, max_length=s["max_length"]),
                        eval_strategy="steps", eval_steps=min(s["eval_every"], steps), per_device_eval_batch_size=32,
                        disable_dropout=True)
    pairs = Dataset.from_list(read_jsonl(HERE / s["data"]["pairs"]))
    heldout = Dataset.from_list(read_jsonl(HERE / s["data"]["heldout_pairs"]))
    trainer, scores = train_reward_model(model, tokenizer, pairs, heldout, args)
    trainer.model.save_pretrained(str(out / "reward_model"))
    tokenizer.save_pretrained(str(out / "reward_model"))
    history = trainer.state.log_history
    print(f"reward model: {trainer.state.global_step} steps; held-out pairwise accuracy "
          f"{scores['eval_accuracy']:.3f}, margin {scores['eval_margin']:.3f}", flush=True)
    return {"steps": trainer.state.global_step, "loss": [[h["step"], h["loss"]] for h in history if "loss" in h],
            "accuracy": [[h["step"], h["accuracy"]] for h in history if "accuracy" in h and "loss" in h],
            "heldout_accuracy": scores["eval_accuracy"], "heldout_margin": scores["eval_margin"],
            "model": str(out / "reward_model")}


def reward_functions(s: dict, reward_model: str | None) -> list:
    """The rewards with a weight above 0, in the run's order; the reward model scores in fp32, as the lab's."""
    rules = {"label": label_reward, "format": format_reward, "length": length_reward}
    functions = []
    for name in s["weights"]:
        if name == "reward_model":
            tokenizer = AutoTokenizer.from_pretrained(reward_model)
            model = AutoModelForSequenceClassification.from_pretrained(reward_model, dtype=torch.float32).eval()
            functions.append(reward_model_scores(model, tokenizer))
        else:
            functions.append(rules[name])
    return functions


def stage_two(s: dict, model_override: str | None, reward_model: str | None, steps: int, out: Path) -> dict:
    """The policy: GRPO (or RLOO) against the summed rewards; held-out answers before and after."""
    from trl import GRPOConfig, RLOOConfig

    source = model_source(s["model"], model_override)
    policy = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    choose_attention(policy, s["prompts_per_step"] * s["generations"], s["max_length"])
    generate_in_bf16(policy)  # trl samples the completions outside autocast; in bf16 the lab samples in bf16
    Config = RLOOConfig if s["algorithm"] == "rloo" else GRPOConfig
    args = Config(**trainer_settings({**s, "batch_size": s["prompts_per_step"] * s["generations"]},
                                     out / "policy_trainer", steps),
                  num_generations=s["generations"], max_completion_length=s["max_completion_length"],
                  temperature=s["temperature"], beta=s["beta"], reward_weights=list(s["weights"].values()))
    heldout = read_jsonl(HERE / s["data"]["heldout"])
    prompts = Dataset.from_list(read_jsonl(HERE / s["data"]["prompts"]))
    before = []

    from transformers import TrainerCallback

    class AnswerFirst(TrainerCallback):  # the held-out answers from the model as it starts training, as the lab's
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            with frozen_weights_in_bf16(model):
                before.extend(answers(model, tokenizer, heldout, s["answer_tokens"]))

    set_seed(s["seed"])  # LoRA's new weights are drawn before trl seeds its Trainer
    trainer = optimise_policy(policy, tokenizer, prompts, reward_functions(s, reward_model), args, s["algorithm"],
                              lora_config(s), callbacks=[AnswerFirst()])
    with frozen_weights_in_bf16(trainer.model):
        after = answers(trainer.model, tokenizer, heldout, s["answer_tokens"])
    tuned = trainer.model
    if hasattr(tuned, "merge_and_unload"):  # a peft model: keep the small adapter too
        tuned.save_pretrained(str(out / "adapter"))
        tuned = tuned.merge_and_unload()
    tuned.save_pretrained(str(out / "model"))
    tokenizer.save_pretrained(str(out / "model"))
    history = [h for h in trainer.state.log_history if "reward" in h]
    print(f"policy: {trainer.state.global_step} steps; mean reward {history[0]['reward']:.3f} -> "
          f"{history[-1]['reward']:.3f}; held-out accuracy {accuracy(before, heldout):.2f} -> "
          f"{accuracy(after, heldout):.2f}", flush=True)
    return {"steps": trainer.state.global_step, "reward": [[h["step"], h["reward"]] for h in history],
            "reward_std": [[h["step"], h["reward_std"]] for h in history],
            "kl": [[h["step"], h["kl"]] for h in history if "kl" in h],
            "accuracy_before": accuracy(before, heldout), "accuracy_after": accuracy(after, heldout),
            "answers": [{"expected": h["expected"], "before": b, "after": a}
                        for h, b, a in zip(heldout, before, after)]}


def main() -> None:
    started = time.perf_counter()
    s = SETTINGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="The policy: a causal LM folder or Hub id instead of the run's.")
    parser.add_argument("--reward-base", help="Stage 1's model: a folder or Hub id instead of the run's.")
    parser.add_argument("--reward-model", help="Skip stage 1 and score with this reward-model folder.")
    parser.add_argument("--steps", type=int, default=(s["policy"] or {}).get("steps"), help="Stage 2's steps.")
    parser.add_argument("--reward-steps", type=int, default=(s["reward"] or {}).get("steps"), help="Stage 1's steps.")
    parser.add_argument("--output-dir", default=str(HERE / "outputs"), help="Where the models and results go.")
    args = parser.parse_args()
    out = Path(args.output_dir)
    results = {"run_id": s["run_id"], "precision": precision()}
    reward_model = args.reward_model
    if s["reward"] and not reward_model:
        results["reward_model"] = stage_one(s["reward"], args.reward_base, args.reward_steps, out)
        reward_model = results["reward_model"]["model"]
    if s["policy"]:
        if "reward_model" in s["policy"]["weights"] and not reward_model:
            reward_model = model_source(s["policy"]["reward_model"], None)
        results["policy"] = stage_two(s["policy"], args.model, reward_model, args.steps, out)
    results["seconds"] = round(time.perf_counter() - started, 2)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"Results in {out / 'results.json'}")


if __name__ == "__main__":
    main()
