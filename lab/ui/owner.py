"""Who a page is: the signed owner token kept in the browser, verified on every handler call."""
from __future__ import annotations

import gradio as gr

from lab.serve import owners

MINT = owners.OwnerMint()


def ensure_owner(token: str, request: gr.Request | None = None) -> str:
    """The browser's signed token: kept when it verifies, else a fresh one (a few hundred per address
    per window at most, see lab.limits), kept in the browser's local storage (gr.BrowserState)."""
    address = getattr(getattr(request, "client", None), "host", "") or ""
    return MINT.token_for(token, address)


def owner_of(token) -> str:
    """The verified owner id of a token, or "" (which owns nothing and may submit nothing)."""
    return owners.verify(token) or ""
