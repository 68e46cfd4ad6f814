"""Two languages for every page: gradio's gr.I18n in the browser, the same tables on the server.

Static text (labels, help, Markdown, buttons, choices, tab names) is an I18nData key, `_("...")`;
gradio translates it in the browser from the page's language (the browser's, or the one picked in
gradio's Settings panel, footer link "Settings" → Language). The key is the English text itself
(gettext's way): English needs no second copy and the code reads as the page does. Long texts
(concept panels) use short named keys, defined in both tables.

Gradio only translates a value that is one key as a whole; a plotly title, a table header or an
HTML block built by a handler is not. Handlers therefore take the page's language as their last
input: `LANG_JS` swaps that input for `document.documentElement.lang` (which gradio keeps set to the
language shown) as the event fires, and `t(lang, key, **values)` formats the string on the server
from the same tables.
"""
from __future__ import annotations

import inspect
from contextvars import ContextVar

import gradio as gr
from gradio.i18n import I18nData

from lab.ui.locales import en, ko

ENGLISH: dict[str, str] = en.STRINGS
KOREAN: dict[str, str] = ko.STRINGS
# the page's language, written into the last input of an event before it reaches the server
LANG_JS = ("(...args) => { args[args.length - 1] = document.documentElement.lang || navigator.language || 'en'; "
           "return args; }")


def english(key: str) -> str:
    return ENGLISH.get(key, key)


def table(lang: str) -> dict[str, str]:
    """The full table gradio gets for a language: every key, English keys standing for themselves."""
    if lang == "en":
        return {key: english(key) for key in KOREAN.keys() | ENGLISH.keys()}
    return dict(KOREAN)


I18N = gr.I18n(en=table("en"), ko=table("ko"))


def _(key: str) -> I18nData:
    """A static string for a component; the browser shows it in the page's language."""
    return I18N(key)


def language(code: str | None) -> str:
    """'ko-KR', 'ko' -> 'ko'; anything else -> 'en'."""
    return "ko" if (code or "").lower().startswith("ko") else "en"


def t(lang: str | None, key: str, **values) -> str:
    """A string built on the server (a message, a chart title) in the page's language."""
    text = KOREAN.get(key) if language(lang) == "ko" else None
    text = text if text is not None else english(key)
    return text.format(**values) if values else text


PAGE_LANG: ContextVar[str] = ContextVar("page_lang", default="en")


def tr(key: str, **values) -> str:
    """`t` in the language of the page whose event is being handled (set by `with_lang`)."""
    return t(PAGE_LANG.get(), key, **values)


def translated(text: str) -> str:
    """A sentence made elsewhere in English (a LabError, a job's stop reason) in the page's language:
    a key of the tables, else a sentence matched against the error templates (lab/ui/locales/errors.py)."""
    if not text or PAGE_LANG.get() != "ko":
        return text
    if text in KOREAN:
        return KOREAN[text]
    from lab.ui.locales import errors

    return errors.to_korean(text) or text


def with_lang(fn):
    """A handler whose last input is the page's language: it is set for `tr` and not passed on."""
    if inspect.isgeneratorfunction(fn):  # gradio streams only from generator functions: stay one
        def handler(*args):
            lang, steps = language(args[-1] if args else None), fn(*args[:-1])
            while True:
                token = PAGE_LANG.set(lang)  # each resumption may run in another worker thread
                try:
                    value = next(steps)
                except StopIteration:
                    return
                finally:
                    PAGE_LANG.reset(token)  # the thread goes back to its own language
                yield value
    else:
        def handler(*args):
            token = PAGE_LANG.set(language(args[-1] if args else None))
            try:
                return fn(*args[:-1])
            finally:
                PAGE_LANG.reset(token)
    handler.__name__ = getattr(fn, "__name__", "handler")
    try:  # the API page names the handler's own parameters, and the language last (defaults to English)
        params = list(inspect.signature(fn).parameters.values())
        if all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params):
            lang = inspect.Parameter("lang", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="en")
            handler.__signature__ = inspect.Signature(params + [lang])
    except (TypeError, ValueError):
        pass
    return handler


def lang_box() -> gr.Textbox:
    """The hidden input that carries the page's language into a handler (filled by LANG_JS)."""
    return gr.Textbox("en", visible=False)


# component attributes gradio translates in the browser (checked in gradio 6.31's frontend)
TEXT_ATTRIBUTES = ("label", "info", "placeholder")
VALUE_TEXT = ("Markdown", "Button", "HTML")  # components whose value is text a reader sees


def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != "" and "__i18n__" not in value


def visible_strings(blocks) -> list[tuple[object, str, str]]:
    """(component, attribute, text) for every plain user-visible string left in the built page."""
    found = []
    for block in blocks.blocks.values():
        kind = type(block).__name__
        for attr in TEXT_ATTRIBUTES:
            if _is_text(getattr(block, attr, None)):
                found.append((block, attr, getattr(block, attr)))
        if kind in VALUE_TEXT and _is_text(getattr(block, "value", None)):
            found.append((block, "value", block.value))
        for i, choice in enumerate(getattr(block, "choices", None) or []):
            display = choice[0] if isinstance(choice, (list, tuple)) else choice
            if _is_text(display):
                found.append((block, f"choices[{i}]", display))
    return found


def translate_page(blocks) -> list[str]:
    """Turn every plain string of the built page into its I18n key, so the browser translates it.

    The tab modules write English; this pass, run once by app.py, makes the whole page bilingual
    without a translation call at every label. Returns the strings that have no Korean (the test
    requires none)."""
    missing = []
    for block, attr, text in visible_strings(blocks):
        if text not in KOREAN:
            missing.append(text)
            continue
        if attr.startswith("choices["):
            i = int(attr[8:-1])
            choice = block.choices[i]
            block.choices[i] = (_(text), choice[1]) if isinstance(choice, (list, tuple)) else (_(text), choice)
        else:
            setattr(block, attr, _(text))
    return missing


def on_load(fn, outputs) -> None:
    """Run `fn` (no inputs) when the page loads, in the page's language: for server-built first values."""
    from gradio.context import Context

    Context.root_block.load(with_lang(fn), [lang_box()], outputs, js=LANG_JS, queue=False)


def localise(value):
    """A plotly figure with its title, axis titles, notes and trace names in the page's language.

    Figures are drawn in lab/teach/figures.py in English (it knows nothing of pages); a string that is a key
    of the tables is swapped here, anything else (numbers, method ids) stays."""
    if not (hasattr(value, "layout") and hasattr(value, "data")):
        return value
    layout = value.layout
    if layout.title and layout.title.text:
        layout.title.text = tr(layout.title.text)
    for axis in ("xaxis", "yaxis"):
        title = getattr(layout, axis).title
        if title and title.text:
            title.text = tr(title.text)
    for note in layout.annotations or ():
        if note.text:
            note.text = translated(note.text)  # a note may be a LabError's sentence
    for trace in value.data:
        if isinstance(getattr(trace, "name", None), str):
            trace.name = tr(trace.name)
    return value


def localise_initial_plots(blocks) -> None:
    """On page load, redraw every plot's first figure (built in English) in the page's language."""
    import plotly.io

    plots = [b for b in blocks.blocks.values() if type(b).__name__ == "Plot" and getattr(b, "value", None)]
    first = [b.value.plot if hasattr(b.value, "plot") else b.value["plot"] for b in plots]
    if not plots:
        return

    def redraw():
        figures = [localise(plotly.io.from_json(text)) for text in first]
        return figures if len(figures) > 1 else figures[0]

    with blocks:
        blocks.load(with_lang(redraw), [lang_box()], plots, js=LANG_JS, queue=False)
