"""RLHF on tiny models: a reward model learns a preference; GRPO raises a reward only when it is applied; KL is
logged when beta > 0; the jobs report what the page draws; bad inputs get a sentence."""
from __future__ import annotations

import pytest

from lab.config import RewardRunConfig, RLRunConfig
from lab.errors import LabError
from lab.kinds.causal import rlhf
from lab.kinds.causal.reward import is_reward_model, reward_job
from lab.kinds.causal.rl import rl_job, validate
from tests.sft_helpers import PROMPT, TWEETS, context, preference_rows, tiny_model, write_jsonl
from tests.sft_helpers import tiny_encoder as tiny_encoder_folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("tiny") / "llama")


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    return tiny_encoder_folder(tmp_path_factory.mktemp("tiny") / "bert")


def test_a_reward_model_learns_a_preference(tiny_encoder, tmp_path):
    upload = write_jsonl(tmp_path / "pairs.jsonl", preference_rows())
    ctx = context("reward")
    result = reward_job(RewardRunConfig(model=tiny_encoder, dataset=upload, steps=60, batch_size=8, eval_size=4,
                                        learning_rate=1e-2), ctx)
    # held-out pairs are ranked right well above chance (0.5): at the start a score cannot tell a pair's order
    assert result["heldout_accuracy"] >= 0.9
    assert result["evals"][0]["step"] == 20 and result["evals"][-1]["step"] == 60
    assert is_reward_model(result["model"])
    steps = [e for e in ctx._job.events if e["type"] == "step"]
    assert len(steps) == 60 and all("accuracy" in e and "margin" in e for e in steps)
    # the saved model scores a prompt's right answer above the wrong one, as the page's box shows
    from lab.kinds.causal.reward import score
    prompt = PROMPT.format(TWEETS[0][0])
    assert score(result["model"], prompt, " thanks, gladly", allow_local=True) > score(result["model"], prompt, " no",
                                                                                       allow_local=True)


def grpo(tiny, tmp_path, weights, beta=0.0, steps=12):
    """GRPO on the tiny policy: a reward for low token ids (a rule one layer learns quickly) and a constant."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig

    def low_ids(completions, completion_ids, **kwargs):
        return [sum(i < 5000 for i in ids) / max(len(ids), 1) for ids in completion_ids]

    def constant(completions, **kwargs):
        return [0.0] * len(completions)

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    policy = AutoModelForCausalLM.from_pretrained(tiny)
    prompts = Dataset.from_list([{"prompt": PROMPT.format(t)} for t, _ in TWEETS])
    args = GRPOConfig(output_dir=str(tmp_path / "grpo"), max_steps=steps, per_device_train_batch_size=8,
                      num_generations=4, max_completion_length=4, learning_rate=0.2, beta=beta, logging_steps=1,
                      reward_weights=weights, save_strategy="no", report_to="none", use_cpu=True, bf16=False,
                      activation_checkpointing=False, disable_tqdm=True, seed=0)
    trainer = rlhf.optimise_policy(policy, tokenizer, prompts, [low_ids, constant], args)
    return [h for h in trainer.state.log_history if "rewards/low_ids/mean" in h]


def test_grpo_raises_the_reward_only_when_it_is_applied(tiny, tmp_path):
    applied = [h["rewards/low_ids/mean"] for h in grpo(tiny, tmp_path / "a", [1.0, 0.0])]
    ignored = [h["rewards/low_ids/mean"] for h in grpo(tiny, tmp_path / "b", [0.0, 1.0])]
    first, last = sum(applied[:3]) / 3, sum(applied[-3:]) / 3
    assert last > first + 0.3, applied
    assert abs(sum(ignored[-3:]) / 3 - sum(ignored[:3]) / 3) < 0.15, ignored  # weight 0: logged, never optimised


def test_kl_is_logged_only_when_beta_is_above_zero(tiny, tmp_path):
    assert all("kl" in h for h in grpo(tiny, tmp_path / "kl", [1.0, 0.0], beta=0.1, steps=2))
    assert not any("kl" in h for h in grpo(tiny, tmp_path / "nokl", [1.0, 0.0], steps=2))


def rl_config(tiny, upload, **kw) -> RLRunConfig:
    settings = dict(model=tiny, dataset=upload, steps=5, eval_size=4, max_new_tokens=2, reward_model="none",
                    reward_model_weight=0.0, label_weight=1.0, format_weight=0.5, learning_rate=1e-2)
    settings.update(kw)
    return RLRunConfig(**settings)


def rl_rows():
    return [{"prompt": PROMPT.format(t), "expected": label} for t, label in TWEETS]


def test_the_rl_job_reports_rewards_samples_and_answers(tiny, tmp_path):
    ctx = context("rl")
    result = rl_job(rl_config(tiny, write_jsonl(tmp_path / "p.jsonl", rl_rows()), beta=0.05), ctx)
    events = ctx._job.events
    steps = [e for e in events if e["type"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3, 4, 5]
    for e in steps:  # every figure the page draws, from trl's own logs
        assert {"reward", "reward_std", "reward_label", "reward_format", "kl", "completion_length", "clip_ratio",
                "generate_seconds", "score_seconds"} <= set(e)
        assert e["generate_seconds"] > 0 and e["score_seconds"] >= 0
    # the summed reward is the weighted sum of each reward's mean
    for e in steps:
        assert e["reward"] == pytest.approx(1.0 * e["reward_label"] + 0.5 * e["reward_format"], abs=1e-3)
    samples = [e for e in events if e["type"] == "samples"]
    assert [e["step"] for e in samples] == [1, 5]
    row = samples[-1]["rows"][0]
    assert set(row["rewards"]) == {"label", "format"}
    assert row["total"] == pytest.approx(row["rewards"]["label"] + 0.5 * row["rewards"]["format"], abs=1e-3)
    phases = [e["phase"] for e in events if e["type"] == "answers"]
    assert phases == ["before", "after"]
    assert result["accuracy_before"] is not None and result["accuracy_after"] is not None
    assert result["models"][0]["task"] == "text-generation" and result["steps"] == 5
    # the seconds of sampling are the steps' own: the held-out answers before and after are not among them
    assert sum(e["generate_seconds"] for e in steps) == pytest.approx(5 * result["generate_seconds_per_step"], abs=0.01)


def test_the_kl_plot_says_why_it_is_empty_when_beta_is_zero():
    from lab.ui.rl_tab import KL_OFF, render_rl

    step = {"type": "step", "step": 1, "reward": 0.5, "reward_std": 0.1}
    off = render_rl([{"type": "preview", "beta": 0.0}, step], {})[2]
    assert [a.text for a in off.layout.annotations] == [KL_OFF]
    on = render_rl([{"type": "preview", "beta": 0.1}, {**step, "kl": 0.02}], {})[2]
    assert KL_OFF not in [a.text for a in on.layout.annotations or ()] and list(on.data[0].y) == [0.02]


def test_rloo_runs_too(tiny, tmp_path):
    result = rl_job(rl_config(tiny, write_jsonl(tmp_path / "p.jsonl", rl_rows()), algorithm="rloo", steps=2),
                    context("rl"))
    assert result["algorithm"] == "rloo" and result["steps"] == 2


@pytest.mark.parametrize("change, sentence", [
    (dict(generations=1), "Generations per prompt must be between 2"),
    (dict(max_completion_length=500), "Completion length must be between 1 and"),
    (dict(label_weight=0.0, format_weight=0.0), "at least one reward a weight"),
    (dict(reward_model_weight=1.0, reward_model="none"), "The reward model has a weight but none is chosen"),
    (dict(algorithm="ppo"), "Unknown algorithm 'ppo'"),
    (dict(temperature=0.0), "The temperature must be above 0"),
])
def test_bad_settings_get_a_sentence(tiny, change, sentence):
    with pytest.raises(LabError, match=sentence):
        validate(rl_config(tiny, "tweets", **change))


def test_bad_uploads_get_a_sentence(tiny, tmp_path):
    no_prompt = write_jsonl(tmp_path / "a.jsonl", [{"text": t} for t, _ in TWEETS])
    with pytest.raises(LabError, match="has no 'prompt' column"):
        rl_job(rl_config(tiny, no_prompt), context("rl"))
    empty = write_jsonl(tmp_path / "b.jsonl", [{"prompt": "  "}] + rl_rows())
    with pytest.raises(LabError, match="have an empty prompt"):
        rl_job(rl_config(tiny, empty), context("rl"))


def test_a_run_that_is_not_a_reward_model_is_refused(tiny, tmp_path):
    from lab.kinds.causal.rl import load_reward_function

    with pytest.raises(LabError, match="is not a reward model"):
        load_reward_function(tiny)  # a causal LM, not a classifier with one output


def test_the_rules(tmp_path):
    labels = [["negative", "positive"]] * 5
    answers = [" Positive.", "The sentiment of this tweet is positive.", "positive or negative", "negative", "pos"]
    assert rlhf.label_reward(answers, ["positive"] * 5, labels) == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert rlhf.format_reward(answers, labels) == [1.0, 1.0, 0.0, 1.0, 0.0]
    assert rlhf.label_reward(["Paris.", "paris is it"], ["Paris.", "Paris."], [[], []]) == [1.0, 0.0]  # not a label task
    assert rlhf.length_reward(["a b c", ""]) == [0.3, 0.0]


def test_the_held_out_judge_reads_a_sentence_but_not_a_hedge():
    from lab.kinds.causal.common import accuracy

    heldout = [{"expected": "positive"}, {"expected": "negative"}]
    assert accuracy(["positive", "negative"], heldout) == 1.0
    assert accuracy(["The sentiment of this tweet is positive.", "It is negative, I think"], heldout) == 1.0
    assert accuracy(["positive or negative", "The sentiment of"], heldout) == 0.0
    assert accuracy(["positive\nnegative", "\nnegative"], heldout) == 1.0  # the first line that says something
