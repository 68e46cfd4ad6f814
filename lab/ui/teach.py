"""The teaching parts every tab shares: the concept panel, "the code", the textbook table, and the
"predict first" question whose answer the run's result then gives.

`learn_panel(tab)` is called by app.py above each tab's own controls; `follow_guess` ties the
question to the tab's job once the tab is built: the guess is locked when the job starts, and the
verdict judges that guess, never one changed after the answer.
"""
from __future__ import annotations

import time

import gradio as gr

from lab.serve.job import ACTIVE
from lab.teach import code_views, concepts
from lab.ui.i18n import LANG_JS, _, lang_box, t

LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]
TEXTBOOK_TABS = ("pretrain", "finetune", "sft")


def learn_panel(tab: str) -> dict:
    """An accordion with the concepts, the textbook differences and the code; the guess radio."""
    parts = {}
    with gr.Accordion(_("Learn: the ideas behind this tab"), open=False, elem_id=f"{tab}-learn"):
        gr.Markdown(_(f"concept.{tab}"), latex_delimiters=LATEX, elem_id=f"{tab}-concept")
        if tab in TEXTBOOK_TABS:
            gr.Markdown(_("**Textbook settings against this lab's defaults**"))
            gr.Markdown(_(f"textbook.{tab}"), elem_id=f"{tab}-textbook")
        if tab in code_views.TAB_CODE:
            parts["code"] = gr.Code(code_views.tab_code(tab), language="python", interactive=False,
                                    label=_("The code this tab runs, read from the lab's own source"),
                                    elem_id=f"{tab}-code")
    parts.update(predict_row(tab))
    return parts


def predict_row(tab: str) -> dict:
    """The tab's "predict first" radio and the verdict beside it ({} for a tab with no question)."""
    if tab not in concepts.PREDICT:
        return {}
    question, options = concepts.PREDICT[tab]
    parts = {}
    with gr.Row(elem_classes="lab-predict"):
        parts["guess"] = gr.Radio(options if options is not None else concepts.method_choices(), value=None,
                                  label=_(question), info=_("Predict first: guess before you run; the result will tell."),
                                  elem_id=f"{tab}-guess", scale=2)
        parts["verdict"] = gr.Markdown("", elem_id=f"{tab}-verdict")
    return parts


def verdict_text(tab: str, guess, result: dict | None, lang: str) -> str:
    """'You guessed X; the run says Y.' once the run is done, in the page's language."""
    answer = concepts.outcome(tab, result or {})
    if answer is None:
        return ""
    names = dict((name, label) for label, name in concepts.method_choices())
    shown = t(lang, names.get(answer, answer))
    if not guess:
        return t(lang, "**The run's answer:** {answer}.", answer=shown)
    mine = t(lang, names.get(guess, guess))
    key = "**You guessed** {guess}; **the run says** {answer}: right!" if guess == answer else \
        "**You guessed** {guess}; **the run says** {answer}."
    return t(lang, key, guess=mine, answer=shown)


def guess_step(tab: str, state: dict | None, guess, locked: dict | None, snapshot, lang: str) -> tuple:
    """(locked, radio interactive, verdict) when the followed job's status line changes.

    The guess counts only as it stood when the run started: the one this page held when its button
    was pressed (`locked` with no id yet, `at` the press), for the first job made after the press;
    else, for a job this page did not start, the one it held when it first saw the job running. It
    is kept with the job's id and the radio is locked until the job ends, so the verdict, and any
    "right!", is about that guess; a job first seen finished, not started here, shows the answer only.
    `snapshot(job_id)` reads the job (its "created" time, its result). None: radio or verdict stays."""
    if not state:
        return locked, None, None
    active = state.get("status") in ACTIVE
    if locked and locked.get("id") == state["id"]:
        if active:
            return locked, None, None
        mine, snap = locked.get("guess"), snapshot(state["id"]) or {}
    else:
        snap = snapshot(state["id"]) or {}
        pressed = bool(locked) and locked.get("id") is None and snap.get("created", 0) >= locked.get("at", 0) - 1
        mine = locked["guess"] if pressed else guess if active else None
        locked = {"id": state["id"], "guess": mine}
        if active:
            return locked, False, ""
    if state.get("status") != "done":
        return locked, True, ""
    return locked, True, verdict_text(tab, mine, snap.get("result"), lang)


def follow_guess(tab: str, runner, parts: dict, tab_parts: dict) -> None:
    """Lock the guess when the tab's job starts; when the job is done, show that guess beside the answer."""
    panel = tab_parts if "job_state" in tab_parts else tab_parts.get("panel", {})
    job_state, status = panel.get("job_state"), panel.get("status")
    if "guess" not in parts or job_state is None:
        return
    lang = lang_box()
    locked = gr.State(None)  # {"id": job id or None (pressed, not yet seen), "guess": the guess then}

    def show(state, guess, held, lang_code):
        held, interactive, verdict = guess_step(tab, state, guess, held, runner.snapshot, lang_code)
        return (held, gr.skip() if interactive is None else gr.Radio(interactive=interactive),
                gr.skip() if verdict is None else verdict)

    def pressed(guess):
        return {"id": None, "guess": guess, "at": time.time()}

    for button in (tab_parts.get(name) for name in ("run", "train")):
        if button is not None:
            button.click(pressed, parts["guess"], locked, queue=False)
    # the status line changes when the job starts and when it ends; a guess changed later changes nothing
    status.change(show, [job_state, parts["guess"], locked, lang], [locked, parts["guess"], parts["verdict"]],
                  js=LANG_JS, queue=False)
