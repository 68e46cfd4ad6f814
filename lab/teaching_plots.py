"""Figures that teach rather than report: AdaLoRA's rank per layer over steps.

Titles and axis names come in as arguments, so the UI can pass them in the page's language.
"""
from __future__ import annotations

import plotly.graph_objects as go

from lab.plots import LAYOUT, PALETTE, empty_figure


def rank_figure(events: list[dict], title: str, x_title: str = "step", y_title: str = "rank",
                note: str = "Tick AdaLoRA to watch its rank move between layers.") -> go.Figure:
    """One line per target layer: how many rank triplets AdaLoRA still keeps at each step."""
    series: dict[str, tuple[list, list]] = {}
    for event in events:
        if event.get("type") != "rank":
            continue
        for layer, rank in zip(event["layers"], event["ranks"]):
            xs, ys = series.setdefault(layer, ([], []))
            xs.append(event["step"])
            ys.append(rank)
    if not series:
        return empty_figure(title, note)
    fig = go.Figure()
    for i, (layer, (xs, ys)) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=xs, y=ys, name=layer, mode="lines", line_shape="hv",
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    return fig
