"""The teaching parts every tab shares: the concept panel, "the code", the textbook table, and the
"predict first" question whose answer the run's result then gives.

`learn_panel(tab)` is called by app.py above each tab's own controls; `follow_guess` ties the
question to the tab's job once the tab is built.
"""
from __future__ import annotations

import gradio as gr

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
    if tab in concepts.PREDICT:
        question, options = concepts.PREDICT[tab]
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


def follow_guess(tab: str, runner, parts: dict, tab_parts: dict) -> None:
    """When the tab's job reaches 'done', show the guess beside the answer."""
    panel = tab_parts if "job_state" in tab_parts else tab_parts.get("panel", {})
    job_state, status = panel.get("job_state"), panel.get("status")
    if "guess" not in parts or job_state is None:
        return
    lang = lang_box()

    def show(state, guess, lang_code):
        if not state or state.get("status") != "done":
            return gr.skip()
        snap = runner.snapshot(state["id"]) or {}
        return verdict_text(tab, guess, snap.get("result"), lang_code)

    # the status line changes when the job ends; a new guess redraws the verdict too
    for trigger in (status.change, parts["guess"].change):
        trigger(show, [job_state, parts["guess"], lang], parts["verdict"], js=LANG_JS, queue=False)
