"""Tab 5's third sub-tab: RLHF in two stages, a reward model learnt from preference pairs (trl RewardTrainer),
then SmolLM2 tuned against rewards (trl GRPOTrainer or RLOOTrainer).

Stage 1 shows the loss and, on held-out pairs, the pairwise accuracy and the reward margin, then a box that
scores any prompt and answer. Stage 2 shows the mean reward with its spread, each reward's mean, KL (beta > 0),
completion length and clipped ratio, a panel of sampled completions with their rewards, and the held-out
answers before and after (the same prompts as SFT and DPO, so the three compare in one table).
"""
from __future__ import annotations

import html

import gradio as gr

from lab import limits
from lab.config import RL_ALGORITHMS, SFT_METHODS, RewardRunConfig, RLRunConfig, help_text
from lab.errors import LabError
from lab.teach import code_views
from lab.teach.figures import curve_figure, empty_figure, reward_figure
from lab.ui.answers import CELL, TABLE, answers_html, last, notices_html
from lab.ui.common import job_panel, submit
from lab.ui.html import message_html
from lab.ui.i18n import LANG_JS, lang_box, tr, with_lang
from lab.ui.owner import owner_of
from lab.ui.teach import follow_guess, predict_row

# reward weights (reward model, label rule, format rule, length rule) of each preset
PRESETS = {"RLHF: the reward model": (1.0, 0.0, 0.0, 0.0), "Verifiable: the label rule": (0.0, 1.0, 0.0, 0.0),
           "Reward hacking: longer scores more": (0.0, 0.0, 0.0, 1.0)}
INTRO = ("**Stage 1** learns a reward model from preference pairs (the DPO pairs: the right label chosen, the wrong "
         "one rejected). **Stage 2** samples several answers per prompt, scores them with the rewards and raises the "
         "likelihood of those above their group's mean (GRPO). Start stage 2 when stage 1 is done.")


def samples_html(event: dict | None) -> str:
    if event is None:
        return '<div class="lab-caption">' + tr("Sampled completions and their rewards appear every few steps.") + "</div>"
    names = list(event["rows"][0]["rewards"]) if event["rows"] else []
    head = "".join(f"<th>{html.escape(tr(c))}</th>" for c in ("prompt", "completion")) + "".join(
        f"<th>{html.escape(n)}</th>" for n in names) + f"<th>{tr('summed')}</th>"
    rows = "".join(f'<tr><td style="{CELL}">{html.escape(r["prompt"][:100])}</td><td style="{CELL}"><b>'
                   f'{html.escape(r["completion"]) or "∅"}</b></td>'
                   + "".join(f'<td style="{CELL}">{r["rewards"][n]:.3f}</td>' for n in names)
                   + f'<td style="{CELL}">{r["total"]:.3f}</td></tr>' for r in event["rows"])
    title = tr("Sampled completions at step {step}", step=event["step"])
    return f'<div class="lab-caption">{title}</div><table style="{TABLE}"><tr>{head}</tr>{rows}</table>'


def heldout_html(events: list) -> str:
    final = next((e for e in reversed(events) if e.get("type") == "heldout"), None)
    if final is None:
        return '<div class="lab-caption">' + tr("Held-out pairwise accuracy appears after training.") + "</div>"
    return ('<div style="font-size:20px;font-weight:700;margin:8px 0">'
            + tr("Held-out pairs ranked right: {accuracy:.1f}% (chance: 50%), mean margin {margin:.2f}",
                 accuracy=100 * final["accuracy"], margin=final["margin"]) + "</div>")


def render_reward(events: list, snap: dict) -> list:
    return [curve_figure(events, y="loss", group=None, title="Reward model loss"),
            curve_figure(events, y="eval_accuracy", event_type="eval", group=None,
                         title="Held-out pairwise accuracy", reference=("chance", 0.5)),
            heldout_html(events)]


KL_OFF = "Beta is 0: no reference model is loaded, so no KL is computed."


def render_rl(events: list, snap: dict) -> list:
    preview = last(events, "preview") or {}
    if preview.get("beta") == 0 and not any("kl" in e for e in events if e.get("type") == "step"):
        kl = empty_figure("KL to the starting model", note=KL_OFF)
    else:
        kl = curve_figure(events, y="kl", group=None, title="KL to the starting model")
    return [notices_html(events), reward_figure(events), kl,
            curve_figure(events, y="completion_length", group=None, title="Completion length (tokens)"),
            samples_html(last(events, "samples")), answers_html(last(events, "answers"))]


def reward_config(model, steps, lr, eval_size, upload) -> RewardRunConfig:
    return RewardRunConfig(model=model, steps=int(steps), learning_rate=float(lr or 0), eval_size=int(eval_size),
                           dataset=upload or "tweets")


def rl_config(policy, algorithm, method, reward_model, w_model, w_label, w_format, w_length, steps, prompts,
              generations, length, temperature, beta, lr) -> RLRunConfig:
    return RLRunConfig(model=(policy or "smollm2").strip(), algorithm=algorithm, method=method,
                       reward_model=(reward_model or "latest").strip(), reward_model_weight=float(w_model),
                       label_weight=float(w_label), format_weight=float(w_format), length_weight=float(w_length),
                       steps=int(steps), prompts_per_step=int(prompts), generations=int(generations),
                       max_completion_length=int(length), temperature=float(temperature), beta=float(beta),
                       learning_rate=float(lr or 0))


def stage_one(runner, owner, lang) -> dict:
    """Stage 1's settings, curves and the scoring box."""
    with gr.Row():
        with gr.Column(scale=1):
            base = gr.Radio(["minilm", "smollm2"], value="minilm", label="Reward model base", elem_id="rm-base",
                            info=help_text(RewardRunConfig, "model"))
            steps = gr.Slider(1, limits.SFT_MAX_STEPS, value=RewardRunConfig.steps, step=1, label="Steps",
                              elem_id="rm-steps", info=help_text(RewardRunConfig, "steps"))
            lr = gr.Number(0, label="Learning rate", info=help_text(RewardRunConfig, "learning_rate"))
            held = gr.Slider(2, 200, value=RewardRunConfig.eval_size, step=2, label="Held-out pairs",
                             elem_id="rm-eval", info=help_text(RewardRunConfig, "eval_size"))
            upload = gr.File(label="Your pairs (.jsonl with prompt, chosen, rejected)", file_types=[".jsonl"],
                             type="filepath", elem_id="rm-upload")
            go = gr.Button("Train the reward model", variant="primary", elem_id="rm-run")
            message = gr.Markdown("", elem_id="rm-message")
        with gr.Column(scale=2):
            with gr.Row():
                loss = gr.Plot(empty_figure("Reward model loss"), label="Loss", elem_id="rm-loss")
                accuracy = gr.Plot(empty_figure("Held-out pairwise accuracy"), label="Accuracy", elem_id="rm-accuracy")
            heldout = gr.HTML(heldout_html([]), elem_id="rm-heldout")
    panel = job_panel(runner, "reward", owner, [loss, accuracy, heldout], render_reward)

    def start(owner_id, *values):
        try:
            refused = submit(runner, owner_id, "reward", reward_config(*values))
        except (TypeError, ValueError):
            refused = "Steps, learning rate and held-out pairs must be numbers."
        return message_html(refused) if refused else ""

    go.click(with_lang(start), [owner, base, steps, lr, held, upload, lang], message, queue=False, js=LANG_JS,
             api_name="train_reward")
    scoring_box(owner, lang)
    return {"run": go, "loss": loss, "panel": panel}


def scoring_box(owner, lang) -> None:
    with gr.Accordion("Score any prompt and answer with your reward model", open=False, elem_id="rm-score-box"):
        with gr.Row():
            prompt = gr.Textbox("### Human: What is the sentiment of this tweet? what a lovely day\n### Assistant:",
                                label="Prompt", lines=2, elem_id="rm-score-prompt")
            answer = gr.Textbox(" positive", label="Answer", elem_id="rm-score-answer")
            ref = gr.Textbox("latest", label="Reward model (latest or run:<id>)", elem_id="rm-score-ref")
        button = gr.Button("Score", elem_id="rm-score")
        shown = gr.Markdown("", elem_id="rm-score-result")

    def score(token, prompt_text, answer_text, reference):
        from lab.kinds.causal import reward
        from lab.serve.guards import latest_reward_model

        viewer = owner_of(token)
        try:
            ref_id = latest_reward_model(viewer) if (reference or "latest").strip() == "latest" else reference.strip()
            value = reward.score(ref_id, prompt_text[: limits.MAX_TEXT_CHARS], answer_text[: limits.MAX_TEXT_CHARS], viewer)
        except LabError as exc:
            return message_html(str(exc))
        return tr("Reward: **{value:.3f}** (higher means the reward model prefers this answer)", value=value)

    button.click(with_lang(score), [owner, prompt, answer, ref, lang], shown, js=LANG_JS, api_name="score_reward")


def rl_settings_column():
    """Stage 2's settings, with the presets; returns (inputs in rl_config's order, preset buttons)."""
    policy = gr.Textbox("smollm2", label="Policy to start from", elem_id="rl-policy",
                        info="smollm2 shows what RL alone teaches; run:<id> of an SFT run follows the full recipe "
                             "(SFT, then a reward model, then RL).")
    algorithm = gr.Radio(list(RL_ALGORITHMS), value="grpo", label="Algorithm", elem_id="rl-algorithm",
                         info=help_text(RLRunConfig, "algorithm"))
    method = gr.Radio(list(SFT_METHODS), value="lora", label="Method", info=help_text(RLRunConfig, "method"))
    reward_model = gr.Textbox("latest", label="Reward model (latest or run:<id>)", elem_id="rl-reward-model",
                              info=help_text(RLRunConfig, "reward_model"))
    with gr.Row():
        presets = [gr.Button(name, size="sm", elem_id=f"rl-preset-{i}") for i, name in enumerate(PRESETS)]
    weights = [gr.Slider(0, 10, value=getattr(RLRunConfig, f"{name}_weight"), step=0.1, label=label,
                         elem_id=f"rl-w-{name}", info=help_text(RLRunConfig, f"{name}_weight"))
               for name, label in (("reward_model", "Reward model weight"), ("label", "Label rule weight"),
                                   ("format", "Format rule weight"), ("length", "Length rule weight"))]
    steps = gr.Slider(1, limits.SFT_MAX_STEPS, value=RLRunConfig.steps, step=1, label="Steps", elem_id="rl-steps",
                      info=help_text(RLRunConfig, "steps"))
    prompts = gr.Slider(1, limits.RL_MAX_PROMPTS, value=RLRunConfig.prompts_per_step, step=1, label="Prompts per step",
                        info=help_text(RLRunConfig, "prompts_per_step"))
    generations = gr.Number(RLRunConfig.generations, label="Generations per prompt", precision=0,
                            elem_id="rl-generations", info=help_text(RLRunConfig, "generations"))
    length = gr.Slider(1, limits.RL_MAX_COMPLETION, value=RLRunConfig.max_completion_length, step=1,
                       label="Completion length", info=help_text(RLRunConfig, "max_completion_length"))
    temperature = gr.Slider(0.1, 2.0, value=RLRunConfig.temperature, step=0.1, label="Temperature",
                            info=help_text(RLRunConfig, "temperature"))
    beta = gr.Slider(0.0, 1.0, value=RLRunConfig.beta, step=0.01, label="Beta (KL)", elem_id="rl-beta",
                     info=help_text(RLRunConfig, "beta"))
    lr = gr.Number(0, label="Learning rate", info=help_text(RLRunConfig, "learning_rate"))
    return [policy, algorithm, method, reward_model, *weights, steps, prompts, generations, length, temperature,
            beta, lr], presets, weights


def stage_two(runner, owner, lang) -> dict:
    """Stage 2's settings, the live reward curves, the sampled completions and the held-out answers."""
    with gr.Row():
        with gr.Column(scale=1):
            inputs, presets, weights = rl_settings_column()
            go = gr.Button("Train (RL)", variant="primary", elem_id="rl-run")
            message = gr.Markdown("", elem_id="rl-message")
        with gr.Column(scale=2):
            notices = gr.HTML("", elem_id="rl-notices")
            reward = gr.Plot(empty_figure("Mean reward per step (band: its spread)"), label="Reward", elem_id="rl-reward")
            with gr.Row():
                kl = gr.Plot(empty_figure("KL to the starting model"), label="KL", elem_id="rl-kl")
                length = gr.Plot(empty_figure("Completion length (tokens)"), label="Length", elem_id="rl-length")
            samples = gr.HTML(samples_html(None), elem_id="rl-samples")
    answers = gr.HTML(answers_html(None), elem_id="rl-answers")
    panel = job_panel(runner, "rl", owner, [notices, reward, kl, length, samples, answers], render_rl)
    for button, values in zip(presets, PRESETS.values()):
        button.click(lambda v=values: list(v), None, weights, queue=False)

    def start(owner_id, *values):
        try:
            refused = submit(runner, owner_id, "rl", rl_config(*values))
        except (TypeError, ValueError):
            refused = "Every setting of stage 2 must be a number, except the policy, the reward model and the algorithm."
        return message_html(refused) if refused else ""

    go.click(with_lang(start), [owner, *inputs, lang], message, queue=False, js=LANG_JS, api_name="train_rl")
    return {"run": go, "reward": reward, "samples": samples, "panel": panel}


def build(runner, owner) -> dict:
    lang = lang_box()
    gr.Markdown(INTRO)
    with gr.Accordion("The code both stages run, read from the lab's own source", open=False, elem_id="rl-code-box"):
        gr.Code(code_views.tab_code("rl"), language="python", interactive=False, elem_id="rl-code")
        gr.Markdown("Around these functions the lab adds its instruments: live curves from Trainer callbacks, the "
                    "memory watch, the held-out answers before and after, and a recorder of sampled completions "
                    "(lab/kinds/causal/reward.py and rl.py).")
    with gr.Accordion("Stage 1 · Reward model (RewardTrainer)", open=True, elem_id="rl-stage1"):
        one = stage_one(runner, owner, lang)
    with gr.Accordion("Stage 2 · Policy optimisation (GRPOTrainer)", open=True, elem_id="rl-stage2"):
        guess = predict_row("rl")  # asked before stage 2 runs; its held-out accuracy answers it
        two = stage_two(runner, owner, lang)
    follow_guess("rl", runner, guess, two)
    return {"rm_run": one["run"], "rm_panel": one["panel"], "rl_run": two["run"], "rl_panel": two["panel"],
            "timers": [one["panel"]["timer"], two["panel"]["timer"]]}
