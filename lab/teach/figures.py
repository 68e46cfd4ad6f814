"""Plotly figures drawn from job events and results (the UI only passes them to gr.Plot).

Every figure is built as a plain dict and wrapped without validation (`_figure`): plotly's own
builders deep-copy and validate the whole "plotly_white" template for each figure (about 12 ms),
which thirty watching pages would pay on every redraw. The template is converted to a dict once.
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"]
LAYOUT = dict(template="plotly_white", height=340, margin=dict(l=50, r=20, t=40, b=45),
              legend=dict(orientation="h", y=-0.2), font=dict(size=13))
_TEMPLATE = pio.templates["plotly_white"].to_plotly_json()  # built once: the costly part of a figure


def _figure(data: list[dict], title: str, **layout) -> go.Figure:
    """A figure from trace dicts and layout keys, with the lab's look, without plotly's validation."""
    merged = {**LAYOUT, "template": _TEMPLATE, "title": {"text": title}, **layout}
    return go.Figure({"data": data, "layout": merged}, _validate=False)


def _axis_title(text: str) -> dict:
    return {"title": {"text": text}}


def _hline(level: float, label: str) -> tuple[dict, dict]:
    """A dashed horizontal reference line across the plot and its label (what add_hline makes)."""
    shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": level, "y1": level,
             "line": {"dash": "dash", "color": "#6b7280"}}
    note = {"text": label, "showarrow": False, "xref": "x domain", "x": 1, "xanchor": "right",
            "yref": "y", "y": level, "yanchor": "bottom"}
    return shape, note


def empty_figure(title: str, note: str = "Nothing to show yet.") -> go.Figure:
    annotation = {"text": note, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                  "font": {"size": 14, "color": "#6b7280"}}
    return _figure([], title, annotations=[annotation], xaxis={"visible": False}, yaxis={"visible": False})


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
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers" if len(xs) < 30 else "lines",
             "name": name, "line": {"color": PALETTE[i % len(PALETTE)], "width": 2}}
            for i, (name, (xs, ys)) in enumerate(lines.items())]
    layout = {"xaxis": _axis_title(x.replace("_", " ")), "yaxis": _axis_title(y.replace("_", " "))}
    if log_y:
        layout["yaxis"]["type"] = "log"
    if reference is not None:
        shape, note = _hline(reference[1], reference[0])
        layout.update(shapes=[shape], annotations=[note])
    return _figure(data, title, **layout)


def bar_figure(labels: list[str], values: list[float], title: str, unit: str = "",
               colors: list[str] | None = None, log_x: bool = False) -> go.Figure:
    """Horizontal bars, one per label, the value printed on each."""
    colors = colors or [PALETTE[i % len(PALETTE)] for i in range(len(labels))]
    text = [f"{v:,.4g}{unit}" for v in values]
    bars = {"type": "bar", "x": list(values), "y": list(labels), "orientation": "h", "marker": {"color": colors},
            "text": text, "textposition": "auto"}
    layout = {"yaxis": {"autorange": "reversed"}}
    if log_x:
        layout["xaxis"] = {"type": "log"}
    return _figure([bars], title, **layout)


def timing_figure(timings_ms: dict) -> go.Figure:
    stages = [k for k in ("load", "preprocess", "forward", "postprocess") if k in timings_ms]
    return bar_figure(stages, [round(timings_ms[k], 1) for k in stages], "Milliseconds per stage", " ms",
                      colors=["#9ca3af", "#2563eb", "#dc2626", "#16a34a"][: len(stages)])


# --- fine-tuning comparison ----------------------------------------------------------------------
def grouped_bar_figure(categories: list[str], series: dict[str, list[float]], title: str, unit: str = "") -> go.Figure:
    """Vertical bars: one group per category, one bar per series (e.g. predicted vs measured memory)."""
    data = [{"type": "bar", "name": name, "x": list(categories), "y": list(values),
             "marker": {"color": PALETTE[i % len(PALETTE)]}, "text": [f"{v:,.3g}{unit}" for v in values],
             "textposition": "auto"} for i, (name, values) in enumerate(series.items())]
    return _figure(data, title, barmode="group")


def stacked_bar_figure(categories: list[str], parts: dict[str, list[float]], title: str, unit: str = "",
                       extra: tuple[str, list[float]] | None = None) -> go.Figure:
    """Stacked bars of parts per category, with an optional marker series drawn on top (measured values)."""
    data = [{"type": "bar", "name": name, "x": list(categories), "y": list(values),
             "marker": {"color": PALETTE[i % len(PALETTE)]}} for i, (name, values) in enumerate(parts.items())]
    if extra is not None:
        data.append({"type": "scatter", "name": extra[0], "x": list(categories), "y": list(extra[1]),
                     "mode": "markers", "marker": {"symbol": "diamond", "size": 14, "color": "#111827"}})
    return _figure(data, title, barmode="stack", yaxis=_axis_title(unit))


def nf4_figure(block: dict) -> go.Figure:
    """Histogram of one weight block, the 16 NF4 levels (scaled by the block's absmax) as lines."""
    data = [{"type": "histogram", "x": list(block["values"]), "nbinsx": 40, "name": "weights in the block",
             "marker": {"color": PALETTE[0]}},
            {"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": "16 NF4 levels x absmax",
             "line": {"color": PALETTE[1], "dash": "dot"}}]
    shapes = [{"type": "line", "xref": "x", "x0": level, "x1": level, "yref": "y domain", "y0": 0, "y1": 1,
               "line": {"color": PALETTE[1], "width": 1, "dash": "dot"}} for level in block["scaled_levels"]]
    return _figure(data, f"{block['weight']}, block {block['block']} ({block['blocksize']} values)",
                   shapes=shapes, xaxis=_axis_title("weight value"), yaxis=_axis_title("count"))


def parameter_map_figure(groups: dict[str, dict[str, dict]]) -> go.Figure:
    """Heatmap: methods x module groups, the share of each group that trains (0 frozen, 1 all)."""
    methods = list(groups)
    columns = list(dict.fromkeys(g for m in methods for g in groups[m]))
    z = [[groups[m].get(g, {}).get("trainable", 0) / max(groups[m].get(g, {}).get("total", 0), 1) for g in columns]
         for m in methods]
    text = [[f"{groups[m].get(g, {}).get('trainable', 0):,}" for g in columns] for m in methods]
    heat = {"type": "heatmap", "z": z, "x": columns, "y": methods, "text": text, "texttemplate": "%{text}",
            "zmin": 0, "zmax": 1, "colorscale": [[0, "#e5e7eb"], [0.001, "#bfdbfe"], [1, "#1d4ed8"]],
            "colorbar": {"title": {"text": "trains"}}}
    return _figure([heat], "Which parameters train (count of trainable parameters per module group)",
                   height=120 + 45 * len(methods))


def spectrum_figure(spectra: dict[str, list[float]], title: str) -> go.Figure:
    if not spectra:
        return empty_figure(title, "Train LoRA to see the singular values of its update.")
    data = [{"type": "scatter", "x": list(range(1, len(values) + 1)), "y": list(values), "mode": "lines+markers",
             "name": name.replace("bert.encoder.layer.", "L").replace(".attention.self", ""),
             "line": {"color": PALETTE[i % len(PALETTE)], "width": 1.5}} for i, (name, values) in enumerate(spectra.items())]
    return _figure(data, title, xaxis=_axis_title("singular value index"), yaxis=_axis_title("singular value"))


# --- pre-training tab ----------------------------------------------------------------------------
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


def reward_figure(events: list[dict], title: str = "Mean reward per step (band: its spread)") -> go.Figure:
    """RL's mean reward against the step, a band of ± its standard deviation within the step, and each
    weighted reward's own mean (the `reward_<name>` fields of the step events)."""
    steps = [e for e in events if e.get("type") == "step" and "reward" in e]
    if not steps:
        return empty_figure(title, "The curve appears with the first logged step.")
    xs = [e["step"] for e in steps]
    mean = [e["reward"] for e in steps]
    spread = [e.get("reward_std", 0.0) for e in steps]
    band = {"type": "scatter", "x": xs + xs[::-1], "y": [m + s for m, s in zip(mean, spread)]
            + [m - s for m, s in zip(mean[::-1], spread[::-1])], "fill": "toself", "mode": "none",
            "fillcolor": "rgba(37,99,235,0.15)", "name": "± spread", "hoverinfo": "skip"}
    data = [band, {"type": "scatter", "x": xs, "y": mean, "mode": "lines+markers" if len(xs) < 30 else "lines",
                   "name": "summed reward", "line": {"color": PALETTE[0], "width": 3}}]
    names = sorted({k for e in steps for k in e if k.startswith("reward_") and k != "reward_std"})
    if len(names) > 1:  # with one reward its mean is the summed reward times its weight: no new line
        for i, name in enumerate(names, 1):
            data.append({"type": "scatter", "x": [e["step"] for e in steps if name in e],
                         "y": [e[name] for e in steps if name in e], "mode": "lines", "name": name[len("reward_"):],
                         "line": {"color": PALETTE[i % len(PALETTE)], "width": 1.5, "dash": "dot"}})
    return _figure(data, title, xaxis=_axis_title("step"), yaxis=_axis_title("reward"))
