"""RLHF as the textbook has it, in two lessons: a reward model learnt from preference pairs, then policy
optimisation of the causal LM against that reward (GRPO, or RLOO), with rules as rewards beside it.

These are the functions the Reinforcement sub-tab shows and the exported script contains (everything below
EXPORT:BODY is copied into it as it is): they hold no instrument of the lab. The jobs that run them
(reward.py, rl.py) attach the lab's around them: event callbacks, the memory watch, held-out answers
before and after, and a recorder of sampled completions.

    python -m lab reward --steps 120 --json rm.json       # stage 1
    python -m lab rl --reward-model run:<id> --json rl.json  # stage 2
"""
from __future__ import annotations

# EXPORT:BODY
# RLHF in two stages (Fine-Tuning Lab's lab/kinds/causal/rlhf.py): a reward model learnt from preference
# pairs with trl's RewardTrainer, then the policy tuned against it with GRPOTrainer (or RLOOTrainer).
import string as _string

import torch
from trl import GRPOTrainer, RewardTrainer, RLOOTrainer


def train_reward_model(model, tokenizer, pairs, heldout_pairs, args, callbacks=()):
    """Stage 1: a sequence classifier with one output learns to score the chosen answer above the rejected
    one (loss: -log sigmoid(r_chosen - r_rejected)); held-out pairs give its pairwise accuracy."""
    trainer = RewardTrainer(model=model, args=args, train_dataset=pairs, eval_dataset=heldout_pairs,
                            processing_class=tokenizer, callbacks=list(callbacks))
    trainer.train()
    return trainer, trainer.evaluate()


def reward_model_scores(model, tokenizer):
    """The reward model as a reward function: the score of prompt + completion, one float per completion."""
    def reward_model(prompts, completions, **kwargs):
        batch = tokenizer([p + c for p, c in zip(prompts, completions)], return_tensors="pt", padding=True,
                          truncation=True, max_length=512).to(model.device)
        with torch.no_grad():
            return model(**batch).logits[:, 0].float().tolist()  # (B,)
    return reward_model


def named_labels(text: str, labels) -> set:
    """The labels the answer's first line names as words: "The sentiment of this tweet is negative." names
    {"negative"}; "positive or negative" names both."""
    line = text.strip().split("\n")[0].lower()
    return {w.strip(_string.punctuation) for w in line.split()} & {label.lower() for label in labels}


def label_reward(completions, expected, labels, **kwargs):
    """A verifiable reward: 1 when the answer names the tweet's label (the dataset's `expected` column) and no
    other of the task's `labels`; or when its first line is the expected answer word for word."""
    def right(c, e, ls):
        return named_labels(c, ls) == {e.lower()} or c.strip().split("\n")[0].strip().lower() == e.strip().lower()
    return [1.0 if right(c, e, ls) else 0.0 for c, e, ls in zip(completions, expected, labels)]


def format_reward(completions, labels, **kwargs):
    """A format rule: 1 when the answer names exactly one of the task's labels, whichever it is."""
    return [1.0 if len(named_labels(c, ls)) == 1 else 0.0 for c, ls in zip(completions, labels)]


def length_reward(completions, **kwargs):
    """A reward a policy can game: longer answers score more, whatever they say (reward hacking, shown live)."""
    return [min(len(c.split()), 10) / 10 for c in completions]


def optimise_policy(policy, tokenizer, prompts, reward_funcs, args, algorithm="grpo", peft_config=None,
                    callbacks=()):
    """Stage 2: sample a group of completions per prompt, score each with the rewards, and push up the
    likelihood of those above their group's mean (GRPO: advantage = (r - mean) / std of the group; RLOO:
    r minus the mean of the others). `args.beta` > 0 holds the policy near the starting model by a KL term."""
    Trainer = RLOOTrainer if algorithm == "rloo" else GRPOTrainer
    trainer = Trainer(model=policy, reward_funcs=reward_funcs, args=args, train_dataset=prompts,
                      processing_class=tokenizer, peft_config=peft_config, callbacks=list(callbacks))
    trainer.train()
    return trainer
