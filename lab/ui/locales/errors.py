"""Korean for the English sentences made in lab/ (LabError messages, notices, stop reasons), without
touching the places that raise them.

lab/ knows nothing of pages and writes its sentences in English. Each sentence it can make is a
template here: the English with numbered placeholders (`{0}` for each value an f-string puts in),
mapped to its Korean in lab/ui/locales/ko_errors.py. At display time `to_korean` matches the English
against every template (a placeholder captures any text) and fills the Korean with the captured
values. A message made of several sentences (a stop reason and its note) is translated sentence by
sentence when no template matches it whole.

`english_templates()` finds every such sentence in lab/ with `ast` (LabError(...) and Cancelled(...)
arguments, notices, the log lines a job emits with `ctx.log`); tests/test_i18n.py holds the Korean table to it, so a new sentence without
Korean fails the test.
"""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

LAB = Path(__file__).resolve().parents[3]  # the repository
# the command line speaks English only: its sentences never reach a page
NOT_ON_A_PAGE = {"__main__.py"}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"“(])")
MESSAGE_CALLS = {"LabError", "Cancelled"}


def template_of(node) -> str | None:
    """The English template of a string expression: literals kept, each interpolated value `{n}`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts, n = [], 0
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value.replace("{", "{{").replace("}", "}}"))
            else:
                parts.append("{%d}" % n)
                n += 1
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template_of(node.left), template_of(node.right)
        if left is not None and right is not None:
            return _renumber(left + right)
    if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "offline_sentence":
        what = template_of(node.args[0]) if node.args else None
        return None if what is None else _renumber(what + " needs the Hugging Face Hub, which does not answer from "
                                                   "here; pick one of the packaged defaults instead.")
    return None


def _renumber(text: str) -> str:
    counter = iter(range(100))
    return re.sub(r"(?<!\{)\{\d+\}(?!\})", lambda m: "{%d}" % next(counter), text)


def _is_notice(node) -> bool:
    """`notices.append(x)`, or a list returned by a function that makes notices."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append" \
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "notices"


def _is_log(node) -> bool:
    """`ctx.log(x)` in a job, or `log(x)` where a job handed its log function on: the status line
    of a running job shows the last one."""
    func = getattr(node, "func", None)
    return isinstance(node, ast.Call) and (
        (isinstance(func, ast.Attribute) and func.attr == "log" and isinstance(func.value, ast.Name)
         and func.value.id == "ctx") or (isinstance(func, ast.Name) and func.id == "log"))


def english_templates() -> dict[str, str]:
    """{English template: 'file:line'} for every sentence lab/ can put on a page."""
    found: dict[str, str] = {}
    for path in sorted((LAB / "lab").rglob("*.py")):
        if path.name in NOT_ON_A_PAGE or "export_templates" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            args = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in MESSAGE_CALLS:
                args = node.args[:1]
            elif _is_notice(node) or _is_log(node):
                args = node.args[:1]
            elif isinstance(node, ast.FunctionDef) and node.name == "died":  # lab/serve/child.py: a job's end
                args = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
            elif isinstance(node, ast.FunctionDef) and ("notice" in node.name or node.name == "clamp_length"):
                args = [n.value.elts[0] for n in ast.walk(node)
                        if isinstance(n, ast.Return) and isinstance(n.value, ast.List) and n.value.elts]
            for arg in args:
                text = template_of(arg)
                if text and re.search(r"[A-Za-z]{3}", re.sub(r"\{\d+\}", "", text)):
                    found.setdefault(text, f"{path.relative_to(LAB)}:{arg.lineno}")
    for text in STOP_REASONS:
        found.setdefault(text, "lab/serve/outcome.py:stop_reason")
    found.setdefault(JOB_FAILED, "lab/serve/outcome.py:ending")
    return found


# lab/serve/outcome.py: a job whose handler crashed (the traceback goes to its log)
JOB_FAILED = "The job failed: {0}"
# lab/serve/outcome.py's `stop_reason` builds a stop reason from these pieces, one sentence each
STOP_REASONS = (
    "Stopped by the user; what finished before is kept.",
    "Stopped by the user; nothing had finished yet.",
    "Stopped at its time budget of {0} s; what finished before is kept.",
    "Stopped at its time budget of {0} s; nothing had finished yet.",
    "Lower the steps or the batch size to fit.",
)


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    from lab.ui.locales.ko_errors import ERRORS

    patterns = []
    for english, korean in ERRORS.items():
        pieces = re.split(r"(\{\d+\})", english.replace("{{", "\0").replace("}}", "\1"))
        regex, order = "", []
        for piece in pieces:
            if re.fullmatch(r"\{\d+\}", piece):
                regex += "(.+?)"
                order.append(int(piece[1:-1]))
            else:
                regex += re.escape(piece.replace("\0", "{").replace("\1", "}"))
        literal = len(re.sub(r"\{\d+\}", "", english))
        patterns.append((literal, re.compile(regex + r"\Z", re.S), order, korean))
    patterns.sort(key=lambda p: -p[0])  # the most specific template first
    return [(pattern, order, korean) for _, pattern, order, korean in patterns]


def _one(text: str) -> str | None:
    for pattern, order, korean in _patterns():
        match = pattern.match(text)
        if match:
            values = [None] * (max(order) + 1 if order else 0)
            for slot, value in zip(order, match.groups()):
                values[slot] = value
            return korean.format(*values)
    return None


def to_korean(text: str) -> str | None:
    """The Korean of an English sentence (or a few) made in lab/; None when none of it is known."""
    text = text.strip()
    whole = _one(text)
    if whole is not None:
        return whole
    sentences = SENTENCE_END.split(text)
    if len(sentences) < 2:
        return None
    done = [_one(s) for s in sentences]
    if not any(done):
        return None
    return " ".join(k if k is not None else s for k, s in zip(done, sentences))
