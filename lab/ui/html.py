"""Small HTML pieces every tab uses: a message box, token chips, label bars (no gradio, no job state)."""
from __future__ import annotations

import html

from lab.ui.i18n import translated

CHIP_COLORS = ["#dbeafe", "#fde68a", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa"]


def message_html(text: str, kind: str = "error") -> str:
    """One sentence in a coloured box: what went wrong and what to change."""
    return f'<div class="lab-msg lab-msg-{kind}" role="alert">{html.escape(translated(text))}</div>'


def chips_html(tokens: list, colors: list[str] | None = None, title: str = "") -> str:
    """Tokens as coloured chips; `tokens` are strings or [token, id] pairs (the id shows under it)."""
    out = [f'<div class="lab-chips-title">{html.escape(title)}</div>' if title else "", '<div class="lab-chips">']
    for i, token in enumerate(tokens):
        text, token_id = (token if isinstance(token, (list, tuple)) else (token, None))
        color = colors[i] if colors else CHIP_COLORS[i % len(CHIP_COLORS)]
        sub = f"<sub>{token_id}</sub>" if token_id is not None else ""
        out.append(f'<span class="lab-chip" style="background:{color}">{html.escape(str(text))}{sub}</span>')
    out.append("</div>")
    return "".join(out)


def bars_html(items: list[tuple[str, float]], title: str = "") -> str:
    """Label bars (scores in 0..1), largest first."""
    rows = [f'<div class="lab-bars-title">{html.escape(title)}</div>' if title else ""]
    for label, score in items:
        pct = max(0.0, min(1.0, float(score))) * 100
        rows.append(f'<div class="lab-bar"><span class="lab-bar-label">{html.escape(str(label))}</span>'
                    f'<span class="lab-bar-track"><span class="lab-bar-fill" style="width:{pct:.1f}%"></span></span>'
                    f'<span class="lab-bar-value">{pct:.1f}%</span></div>')
    return "".join(rows)
