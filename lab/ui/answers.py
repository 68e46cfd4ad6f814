"""What SFT, DPO and RL show alike: the held-out answers before and after, the notices, the last event of a type."""
from __future__ import annotations

import html

from lab.ui.html import message_html
from lab.ui.i18n import tr

TABLE = "border-collapse:collapse;width:100%;font-size:14px"
CELL = "border-bottom:1px solid #e5e7eb;padding:4px 8px;vertical-align:top"


def answers_html(event: dict | None, before_event: dict | None = None) -> str:
    if event is None:
        return ('<div class="lab-caption">' + tr("Held-out answers appear before training starts and again after it.")
                + '</div>')
    rows = event["rows"]
    before_acc = event.get("accuracy_before", event["accuracy"])
    after_acc = event["accuracy"] if event["phase"] == "after" else None
    head = ('<div style="font-size:20px;font-weight:700;margin:8px 0">'
            + tr("Held-out accuracy: {before:.1f}% before", before=100 * before_acc)
            + (tr(" → {after:.1f}% after", after=100 * after_acc) if after_acc is not None else
               tr(" → not asked again: stopped before the end") if event["phase"] == "stopped" else tr(" → training…"))
            + "</div>")
    columns = "".join(f"<th>{tr(c)}</th>" for c in ("held-out prompt", "expected", "before", "after"))
    out = [head, f'<table style="{TABLE}"><tr>{columns}</tr>']
    for row in rows:
        def cell(text, ok, pending=False):
            mark = "" if pending else (" ✓" if ok else " ✗")
            return f'<td style="{CELL}">{html.escape(text or "…")}{mark}</td>'
        out.append(f'<tr><td style="{CELL}">{html.escape(row["prompt"][:160])}</td>'
                   f'<td style="{CELL}">{html.escape(row["expected"])}</td>'
                   + cell(row["before"], row["before_ok"]) + cell(row["after"], row["after_ok"], after_acc is None) + "</tr>")
    out.append("</table>")
    return "".join(out)


def notices_html(events: list) -> str:
    return "".join(message_html(e["message"], "info") for e in events if e.get("type") == "notice")


def last(events: list, type_: str, **match) -> dict | None:
    return next((e for e in reversed(events) if e.get("type") == type_
                 and all(e.get(k) == v for k, v in match.items())), None)
