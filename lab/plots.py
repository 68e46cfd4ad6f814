"""Plotly figures drawn from job events and results (the UI only passes them to gr.Plot)."""
from __future__ import annotations

import plotly.graph_objects as go

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"]
LAYOUT = dict(template="plotly_white", height=340, margin=dict(l=50, r=20, t=40, b=45),
              legend=dict(orientation="h", y=-0.2), font=dict(size=13))


def empty_figure(title: str, note: str = "Nothing to show yet.") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=note, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=14, color="#6b7280"))
    fig.update_layout(title=title, xaxis=dict(visible=False), yaxis=dict(visible=False), **LAYOUT)
    return fig


def curve_figure(events: list[dict], y: str = "loss", x: str = "step", event_type: str = "step",
                 group: str | None = "method", title: str = "Training loss",
                 reference: tuple[str, float] | None = None, log_y: bool = False) -> go.Figure:
    """Lines of `y` against `x` from events of `event_type`, one line per value of `group`."""
    lines: dict[str, tuple[list, list]] = {}
    for event in events:
        if event.get("type") != event_type or y not in event or x not in event:
            continue
        name = str(event.get(group, y)) if group else y
        xs, ys = lines.setdefault(name, ([], []))
        xs.append(event[x])
        ys.append(event[y])
    if not lines:
        return empty_figure(title, "The curve appears with the first logged step.")
    fig = go.Figure()
    for i, (name, (xs, ys)) in enumerate(lines.items()):
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers" if len(xs) < 30 else "lines",
                                 name=name, line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    if reference is not None:
        label, level = reference
        fig.add_hline(y=level, line_dash="dash", line_color="#6b7280", annotation_text=label,
                      annotation_position="top right")
    fig.update_layout(title=title, xaxis_title=x.replace("_", " "), yaxis_title=y.replace("_", " "), **LAYOUT)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def bar_figure(labels: list[str], values: list[float], title: str, unit: str = "",
               colors: list[str] | None = None, log_x: bool = False) -> go.Figure:
    """Horizontal bars, one per label, the value printed on each."""
    colors = colors or [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
    text = [f"{v:,.4g}{unit}" for v in values]
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=colors, text=text,
                           textposition="auto"))
    fig.update_layout(title=title, yaxis=dict(autorange="reversed"), **LAYOUT)
    if log_x:
        fig.update_xaxes(type="log")
    return fig


def timing_figure(timings_ms: dict) -> go.Figure:
    stages = [k for k in ("load", "preprocess", "forward", "postprocess") if k in timings_ms]
    return bar_figure(stages, [round(timings_ms[k], 1) for k in stages], "Milliseconds per stage", " ms",
                      colors=["#9ca3af", "#2563eb", "#dc2626", "#16a34a"][: len(stages)])


# --- fine-tuning comparison (issue 4) ------------------------------------------------------------
def grouped_bar_figure(categories: list[str], series: dict[str, list[float]], title: str, unit: str = "") -> go.Figure:
    """Vertical bars: one group per category, one bar per series (e.g. predicted vs measured memory)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(go.Bar(name=name, x=categories, y=values, marker_color=PALETTE[i % len(PALETTE)],
                             text=[f"{v:,.3g}{unit}" for v in values], textposition="auto"))
    fig.update_layout(title=title, barmode="group", **LAYOUT)
    return fig


def stacked_bar_figure(categories: list[str], parts: dict[str, list[float]], title: str, unit: str = "",
                       extra: tuple[str, list[float]] | None = None) -> go.Figure:
    """Stacked bars of parts per category, with an optional marker series drawn on top (measured values)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(parts.items()):
        fig.add_trace(go.Bar(name=name, x=categories, y=values, marker_color=PALETTE[i % len(PALETTE)]))
    if extra is not None:
        fig.add_trace(go.Scatter(name=extra[0], x=categories, y=extra[1], mode="markers",
                                 marker=dict(symbol="diamond", size=14, color="#111827")))
    fig.update_layout(title=title, barmode="stack", yaxis_title=unit, **LAYOUT)
    return fig


def nf4_figure(block: dict) -> go.Figure:
    """Histogram of one weight block, the 16 NF4 levels (scaled by the block's absmax) as lines."""
    fig = go.Figure(go.Histogram(x=block["values"], nbinsx=40, name="weights in the block", marker_color=PALETTE[0]))
    for i, level in enumerate(block["scaled_levels"]):
        fig.add_vline(x=level, line_color=PALETTE[1], line_width=1, line_dash="dot")
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="16 NF4 levels x absmax",
                             line=dict(color=PALETTE[1], dash="dot")))
    fig.update_layout(title=f"{block['weight']}, block {block['block']} ({block['blocksize']} values)",
                      xaxis_title="weight value", yaxis_title="count", **LAYOUT)
    return fig


def parameter_map_figure(groups: dict[str, dict[str, dict]]) -> go.Figure:
    """Heatmap: methods x module groups, the share of each group that trains (0 frozen, 1 all)."""
    methods = list(groups)
    columns = list(dict.fromkeys(g for m in methods for g in groups[m]))
    z = [[groups[m].get(g, {}).get("trainable", 0) / max(groups[m].get(g, {}).get("total", 0), 1) for g in columns]
         for m in methods]
    text = [[f"{groups[m].get(g, {}).get('trainable', 0):,}" for g in columns] for m in methods]
    fig = go.Figure(go.Heatmap(z=z, x=columns, y=methods, text=text, texttemplate="%{text}", zmin=0, zmax=1,
                               colorscale=[[0, "#e5e7eb"], [0.001, "#bfdbfe"], [1, "#1d4ed8"]],
                               colorbar=dict(title="trains")))
    fig.update_layout(title="Which parameters train (count of trainable parameters per module group)",
                      **{**LAYOUT, "height": 120 + 45 * len(methods)})
    return fig


def spectrum_figure(spectra: dict[str, list[float]], title: str) -> go.Figure:
    if not spectra:
        return empty_figure(title, "Train LoRA to see the singular values of its update.")
    fig = go.Figure()
    for i, (name, values) in enumerate(spectra.items()):
        fig.add_trace(go.Scatter(x=list(range(1, len(values) + 1)), y=values, mode="lines+markers",
                                 name=name.replace("bert.encoder.layer.", "L").replace(".attention.self", ""),
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=1.5)))
    fig.update_layout(title=title, xaxis_title="singular value index", yaxis_title="singular value", **LAYOUT)
    return fig
# --- pre-training tab (issue 3) -------------------------------------------------------------------
def mlm_loss_figure(events: list[dict], unigram: float | None = None) -> go.Figure:
    """Train loss per step, eval loss at intervals, and ln(unigram perplexity) as the reference line."""
    import math

    reference = (f"unigram level: ln {unigram:,.0f} = {math.log(unigram):.2f}", math.log(unigram)) if unigram else None
    fig = curve_figure(events, y="loss", group=None, title="MLM loss (masked tokens only)", reference=reference)
    evals = [e for e in events if e.get("type") == "eval" and "eval_loss" in e]
    if evals and fig.data:
        fig.add_trace(go.Scatter(x=[e["step"] for e in evals], y=[e["eval_loss"] for e in evals], name="eval loss",
                                 mode="lines+markers", line=dict(color=PALETTE[1], width=2)))
        fig.data[0].name = "train loss"
    return fig


def perplexity_figure(events: list[dict], unigram: float | None = None) -> go.Figure:
    """Eval perplexity on held-out blocks (log scale) against the unigram perplexity line."""
    reference = (f"unigram (word frequencies, no context): {unigram:,.0f}", unigram) if unigram else None
    return curve_figure(events, y="eval_perplexity", event_type="eval", group=None, log_y=True,
                        title="Eval perplexity (lower is better)", reference=reference)
