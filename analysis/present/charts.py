"""House style and chart builders: every figure of the book is made here.

Builders take tidy tables (never load data) and return altair charts that carry a
title and a text alternative (``description``, which Vega renders as the SVG's
aria-label). Palette: Okabe & Ito's colour-blind-safe set. Layout coordinates
arrive rounded from the analysis modules, so specs are deterministic.

Longer than 500 lines: the one house style (palette, fonts, text alternatives) and every
builder that applies it are kept in one place, so that no chart is styled elsewhere.
"""
from __future__ import annotations

import os
import re

import altair as alt
import pandas as pd

from ..measures.evidence import NOT_GIVEN, STATUS_WORDS, status_column

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
WIDTH = 560
# Provenance markers: filled = read in the source, hollow = second-hand.
STATUS_SHAPES = {"read-in-source": "circle", "second-hand": "triangle-up"}


def _theme():
    return alt.theme.ThemeConfig(
        config={
            "background": "#ffffff",  # explicit, so charts stay legible in dark mode
            "font": FONT,
            "range": {"category": OKABE_ITO},
            "view": {"stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "grid": True, "gridColor": "#e5e5e5"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12},
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12, "subtitleColor": "#444"},
        }
    )


alt.theme.register("compendium", enable=True)(_theme)
# SVG output carries the description as aria-label (canvas would not).
alt.renderers.set_embed_options(renderer="svg", actions={"export": True, "source": False, "compiled": False, "editor": False})
# Charts embed their data; the book's tables are small, the limit guards mistakes.
alt.data_transformers.enable("default", max_rows=5000)


# PDF builds (make pdf) execute the notebooks with COMPENDIUM_PDF=1: charts are then
# emitted as PNG images, which LaTeX can place (it cannot run JavaScript).
if os.environ.get("COMPENDIUM_PDF") == "1":
    alt.renderers.enable("png", scale_factor=2)


def _no_rows(chart, inherited: bool = False) -> bool:
    """Whether a view has no rows to draw: its own inline data is empty, or it inherits empty data."""
    own = getattr(chart, "data", alt.Undefined)
    return own.empty if isinstance(own, pd.DataFrame) else (own is alt.Undefined and inherited)


def _without_empty_layers(chart, inherited: bool = False):
    """Drop layers without rows (recursing into layers and concatenations).

    Vega renders a mark without data as an empty, unlabelled ``graphics-symbol`` group, which
    assistive technology announces as an unnamed graphic; a layer with nothing to draw is left out
    instead. Layers that filter their data are the builder's to skip.
    """
    if isinstance(chart, alt.LayerChart):
        parent_empty = _no_rows(chart, inherited)
        kept = [_without_empty_layers(c, parent_empty) for c in chart.layer if not _no_rows(c, parent_empty)]
        if not kept:
            raise ValueError("every layer of the chart is empty: nothing to draw")
        if len(kept) != len(chart.layer):
            chart = chart.copy(deep=False)
            chart.layer = kept
    for attr in ("concat", "vconcat", "hconcat"):
        parts = getattr(chart, attr, alt.Undefined)
        if parts is not alt.Undefined:
            setattr(chart, attr, [_without_empty_layers(c, _no_rows(chart, inherited)) for c in parts])
    return chart


LABEL_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")


def finish(chart: alt.TopLevelMixin, title: str, description: str, subtitle: str | None = None,
           label: str | None = None) -> alt.TopLevelMixin:
    """Give a chart its title and text alternative; every builder ends here.

    Refuses a chart without a text alternative of at least a sentence, and leaves out layers
    without rows (see :func:`_without_empty_layers`). ``label`` (lower case, digits, hyphens,
    e.g. 'fig-network-cambridge') is the figure's citable anchor on its page, kept in the spec's
    ``usermeta``; without it the build derives the anchor from the title (_ext/figure_citation.py).
    """
    if not description or len(description) < 20:
        raise ValueError("every chart needs a text alternative of at least a sentence")
    if label is not None and not LABEL_PATTERN.match(label):
        raise ValueError(f"chart label {label!r}: use lower-case letters, digits and hyphens")
    t = alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)
    props = {"title": t, "description": description}
    if label is not None:
        meta = chart.usermeta if isinstance(getattr(chart, "usermeta", alt.Undefined), dict) else {}
        props["usermeta"] = {**meta, "label": label}
    return _without_empty_layers(chart).properties(**props)


# --- shared builders -------------------------------------------------------

def network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str, description: str,
                  color: str | None = None, color_title: str | None = None, size: str = "degree",
                  tooltip=("node", "degree"), edge_opacity: float = 0.35, width: int = 420,
                  height: int = 360, subtitle: str | None = None, color_domain=None) -> alt.LayerChart:
    """Draw a network from tidy tables (``analysis.measures.networks.node_table``/``edge_table``).

    Edges are rule marks from (x, y) to (x2, y2); nodes are circles coloured by a
    categorical column and sized by degree. Axes are hidden: positions carry no units.
    """
    axis = alt.Axis(title=None, labels=False, ticks=False, domain=False, grid=False)
    base_x = alt.X("x:Q", axis=axis, scale=alt.Scale(zero=False, nice=False, padding=18))
    base_y = alt.Y("y:Q", axis=axis, scale=alt.Scale(zero=False, nice=False, padding=18))
    rules = alt.Chart(edges).mark_rule(color="#888", opacity=edge_opacity).encode(
        x=base_x, y=base_y, x2="x2:Q", y2="y2:Q")
    enc = {"x": base_x, "y": base_y, "size": alt.Size(f"{size}:Q", title="Degree (partners)", scale=alt.Scale(range=[40, 420])),
           "tooltip": [alt.Tooltip(t) for t in tooltip]}
    if color:
        scale = alt.Scale(domain=list(color_domain), range=OKABE_ITO[: len(color_domain)]) if color_domain else alt.Undefined
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color, scale=scale)
    points = alt.Chart(nodes).mark_circle(opacity=0.95, stroke="#222", strokeWidth=0.6).encode(**enc)
    chart = alt.layer(rules, points).properties(width=width, height=height)
    return finish(chart, title, description, subtitle)


def interval_chart(df: pd.DataFrame, *, category: str, estimate: str, low: str, high: str,
                   title: str, description: str, x_title: str, category_title: str | None = None,
                   reference: float | None = None, color: str | None = None, subtitle: str | None = None,
                   tooltip=None, width: int = WIDTH, sort=None) -> alt.LayerChart:
    """Point estimates with intervals, one row per category (optionally a reference line)."""
    y = alt.Y(f"{category}:N", title=category_title or category, sort=sort if sort is not None else None)
    tips = tooltip or [category, estimate, low, high]
    bars = alt.Chart(df).mark_rule(strokeWidth=2.5, color="#555").encode(
        y=y, x=alt.X(f"{low}:Q", title=x_title), x2=f"{high}:Q", tooltip=tips)
    point_enc = {"y": y, "x": f"{estimate}:Q", "tooltip": tips}
    if color:
        point_enc["color"] = alt.Color(f"{color}:N")
    points = alt.Chart(df).mark_point(filled=True, size=90, color=OKABE_ITO[0]).encode(**point_enc)
    layers = [bars, points]
    if reference is not None:
        layers.insert(0, alt.Chart(pd.DataFrame({"ref": [reference]})).mark_rule(
            strokeDash=[4, 4], color="#999").encode(x="ref:Q"))
    chart = alt.layer(*layers).properties(width=width, height=alt.Step(28))
    return finish(chart, title, description, subtitle)


def heatmap(df: pd.DataFrame, *, row: str, col: str, value: str, order: list, title: str,
            description: str, value_title: str, row_title: str, col_title: str,
            scheme: str = "blues", domain=None, subtitle: str | None = None, size: int = 420) -> alt.LayerChart:
    """A matrix as a heatmap (long table: row, col, value) in a given category order."""
    scale = alt.Scale(scheme=scheme, domain=list(domain)) if domain else alt.Scale(scheme=scheme)
    base = alt.Chart(df).encode(
        x=alt.X(f"{col}:N", sort=order, title=col_title, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(f"{row}:N", sort=order, title=row_title))
    rect = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=value_title, scale=scale),
                                   tooltip=[row, col, alt.Tooltip(f"{value}:Q", format=".3f")])
    chart = rect.properties(width=size, height=size)
    return finish(chart, title, description, subtitle)


def null_distribution_chart(null, observed: float, *, title: str, description: str, x_title: str,
                            bins: int = 30, subtitle: str | None = None) -> alt.LayerChart:
    """Histogram of a permutation null distribution with the observed value marked."""
    import numpy as np

    counts, edges = np.histogram(np.asarray(null, dtype=float), bins=bins)
    hist = pd.DataFrame({"start": edges[:-1].round(4), "end": edges[1:].round(4), "count": counts})
    bars = alt.Chart(hist).mark_rect(color=OKABE_ITO[5], opacity=0.85).encode(
        x=alt.X("start:Q", title=x_title), x2="end:Q", y=alt.Y("count:Q", title="Permutations"),
        tooltip=["start", "end", "count"])
    obs = alt.Chart(pd.DataFrame({"observed": [round(float(observed), 4)]})).mark_rule(
        color=OKABE_ITO[3], strokeWidth=3).encode(x="observed:Q", tooltip=["observed"])
    chart = alt.layer(bars, obs).properties(width=WIDTH, height=220)
    return finish(chart, title, description, subtitle)


def provenance_table_style(df: pd.DataFrame) -> pd.DataFrame:
    """Replace status codes by the words readers see next to every published figure."""
    out = df.copy()
    if "status" in out:
        out["status"] = status_column(out["status"])
    return out


def labelled_network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str, description: str,
                           label: str = "node", **kwargs) -> alt.LayerChart:
    """``network_chart`` with each node's name written above it (for small networks).

    Same arguments as ``network_chart`` plus ``label``, the node-table column to write.
    """
    chart = network_chart(nodes, edges, title=title, description=description, **kwargs)
    axis = alt.Axis(title=None, labels=False, ticks=False, domain=False, grid=False)
    text = alt.Chart(nodes).mark_text(dy=-14, fontSize=11, color="#222").encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), text=f"{label}:N")
    out = chart.copy(deep=True)
    out.layer = [*chart.layer, text]
    return out


def survey_samples_chart(surveys: pd.DataFrame, *, title: str, description: str,
                         subtitle: str | None = None) -> alt.LayerChart:
    """Firms surveyed per survey: bars where a sample size was published, a label where none was found."""
    df = surveys.assign(
        n=surveys["n_firms"].astype("Float64"),
        label=[("no survey identified" if pd.isna(st) else NOT_GIVEN) if pd.isna(v) else f"{int(v)} firms"
               for v, st in zip(surveys["n_firms"], surveys["status"])],
        status=status_column(surveys["status"], missing="gap (no source)"),
    )[["survey_id", "cluster", "n", "label", "status", "source_key"]].astype(object)
    df = df.where(df.notna(), None)
    y = alt.Y("survey_id:N", title="Survey", sort=list(df["survey_id"]))
    tips = ["survey_id", "cluster", "label", "status", "source_key"]
    bars = alt.Chart(df).mark_bar(color=OKABE_ITO[0]).encode(
        y=y, x=alt.X("n:Q", title="Firms surveyed (published sample size)"), tooltip=tips)
    text = alt.Chart(df).mark_text(align="left", dx=4, color="#222").encode(
        y=y, x=alt.X("n:Q"), text="label:N", tooltip=tips)
    missing = alt.Chart(df[df["n"].isna()]).mark_text(align="left", dx=4, color="#555", fontStyle="italic").encode(
        y=y, x=alt.datum(0), text="label:N", tooltip=tips)
    chart = alt.layer(bars, text, missing).properties(width=WIDTH - 120, height=alt.Step(26))
    return finish(chart, title, description, subtitle)


def _status_scale():
    """Shape scale for provenance markers: words as domain, STATUS_SHAPES as range."""
    return alt.Scale(domain=[STATUS_WORDS[k] for k in STATUS_SHAPES], range=list(STATUS_SHAPES.values()))


def cluster_map(topo: dict, points: pd.DataFrame, *, title: str, description: str,
                subtitle: str | None = None, width: int = WIDTH, height: int = 500,
                scale: float = 900, center=(6, 51), tooltip=None) -> alt.LayerChart:
    """The clusters on European country boundaries: a Mercator view clipped to Europe.

    ``topo`` is a TopoJSON topology with an object ``countries`` (``data.load("world_countries")``),
    passed inline (no URL, no tile server). ``points`` has ``longitude``, ``latitude``, ``role``
    (shape), ``label`` (drawn when non-empty) and ``label_pos`` ('right', 'left', 'above' or
    'below'), as made by ``analysis.measures.clusters.map_points``.
    """
    countries = alt.Data(values=dict(topo), format=alt.DataFormat(type="topojson", feature="countries"))
    # The basemap is decoration: aria=False keeps it out of the accessibility tree (the chart's
    # description says what the map shows), so vega writes no unlabelled graphics-symbol for it.
    base = alt.Chart(countries).mark_geoshape(fill="#eeeeee", stroke="#9a9a9a", strokeWidth=0.6, clip=True,
                                              aria=False)
    tips = tooltip or ["cluster", "place", "geonameid", "role", "note", "teams", "survey_sample"]
    roles = list(dict.fromkeys(points["role"]))
    shapes = ["circle", "diamond", "square", "triangle-up"][: len(roles)]
    dots = alt.Chart(points).mark_point(filled=True, size=70, color=OKABE_ITO[3], stroke="#222",
                                        strokeWidth=0.7, opacity=1, clip=True).encode(
        longitude="longitude:Q", latitude="latitude:Q",
        shape=alt.Shape("role:N", title="Point", scale=alt.Scale(domain=roles, range=shapes)),
        tooltip=[alt.Tooltip(t) for t in tips])
    offsets = {"right": {"align": "left", "dx": 8, "dy": 0}, "left": {"align": "right", "dx": -8, "dy": 0},
               "above": {"align": "center", "dx": 0, "dy": -11}, "below": {"align": "center", "dx": 0, "dy": 13}}
    labelled = points[points["label"].fillna("") != ""]
    layers = [base, dots]
    for pos, kw in offsets.items():
        sub = labelled[labelled["label_pos"] == pos]
        if sub.empty:
            continue
        enc = {"longitude": "longitude:Q", "latitude": "latitude:Q", "text": "label:N"}
        halo = alt.Chart(sub).mark_text(baseline="middle", fontSize=12, fontWeight="bold", stroke="white",
                                        strokeWidth=3, strokeOpacity=0.9, **kw).encode(**enc)
        text = alt.Chart(sub).mark_text(baseline="middle", fontSize=12, fontWeight="bold", color="#111", **kw).encode(**enc)
        layers += [halo, text]
    chart = alt.layer(*layers).project(type="mercator", scale=scale, center=list(center)).properties(
        width=width, height=height)
    return finish(chart, title, description, subtitle)


def context_series_chart(counts: pd.DataFrame, *, title: str, description: str, subtitle: str | None = None,
                         width: int = 520, panel_height: int = 170, x_domain=None,
                         legend_limit: int = 520) -> alt.VConcatChart:
    """Published counts over time, one panel per ``panel`` value; lines ONLY within a ``series_id``.

    ``counts`` comes from ``analysis.measures.clusters.context_counts``: ``year``, ``value``, ``series``
    (geography — definition: the colour), ``series_id``, ``in_line`` (True where a line may join
    the rows of one series), ``panel``, ``status_label`` (the provenance marker: shape, and filled
    for 'read in source', hollow for 'second-hand'), plus the tooltip columns. Rows of different
    series are never joined: one-off values are points only. Each panel has its own y scale and
    colour legend; the x axis (year) and the status legend are shared.
    """
    tips = [alt.Tooltip("row_id:N", title="row"), alt.Tooltip("series:N", title="geography — definition"),
            alt.Tooltip("period:N", title="period"), alt.Tooltip("value_text:N", title="published value"),
            alt.Tooltip("qualifier:N", title="qualifier"), alt.Tooltip("status_label:N", title="status"),
            alt.Tooltip("source_key:N", title="source"), alt.Tooltip("location:N", title="where in the source")]
    years = counts["year"]
    domain = list(x_domain) if x_domain else [int(years.min()) - 0.5, int(years.max()) + 0.5]
    x = alt.X("year:Q", title="Year (as published; see the period in the tooltip)",
              scale=alt.Scale(domain=domain, nice=False), axis=alt.Axis(format="d", tickMinStep=1))
    panels = []
    for panel, sub in counts.groupby("panel", sort=False):
        sub = sub.copy()
        for col in ("qualifier", "period", "location", "value_text", "source_key"):
            sub[col] = sub[col].astype("string").fillna("")
        unit = "jobs" if panel.endswith("Jobs and employees") else "firms"
        y = alt.Y("value:Q", title=f"Count ({unit})", axis=alt.Axis(format=",d"), scale=alt.Scale(zero=True))
        color = alt.Color("series:N", title="Geography — definition", sort=list(dict.fromkeys(sub["series"])),
                          legend=alt.Legend(labelLimit=legend_limit, orient="bottom", direction="vertical"))
        base = alt.Chart(sub)
        layers = []
        # A layer is emitted only when rows reach it: vega renders a mark without data as an
        # empty, unlabelled graphics-symbol group, which screen readers announce as nothing.
        if sub["in_line"].any():
            layers.append(base.transform_filter(alt.datum.in_line).mark_line(strokeWidth=2).encode(
                x=x, y=y, color=color, detail="series_id:N"))
        shape = alt.Shape("status_label:N", title="Status", scale=_status_scale(), legend=alt.Legend(
            orient="top", direction="horizontal",
            labelExpr="datum.label == 'read in source' ? 'read in source (filled)' : datum.label + ' (hollow)'"))
        read = STATUS_WORDS["read-in-source"]
        if (sub["status_label"] == read).any():
            layers.append(base.transform_filter(alt.datum.status_label == read).mark_point(
                filled=True, size=90, opacity=1).encode(x=x, y=y, color=color, shape=shape, tooltip=tips))
        if (sub["status_label"] != read).any():
            layers.append(base.transform_filter(alt.datum.status_label != read).mark_point(
                filled=False, size=90, strokeWidth=2, opacity=1).encode(x=x, y=y, color=color, shape=shape,
                                                                        tooltip=tips))
        panels.append(alt.layer(*layers).properties(
            width=width, height=panel_height, title=alt.Title(panel, fontSize=13)))
    chart = alt.vconcat(*panels, spacing=28).resolve_scale(color="independent", y="independent", x="shared",
                                                            shape="shared")
    return finish(chart, title, description, subtitle)


# --- builders: clusters (chapter-specific builders go above this line) ---

def ei_interval_chart(df: pd.DataFrame, *, title: str, description: str, network: str = "network",
                      group: str = "policy", observed: str = "ei_index", low: str = "ci_low",
                      high: str = "ci_high", expected: str = "expected_random",
                      x_title: str = "E–I index (−1 all ties within groups, +1 all between)",
                      network_title: str = "Network", group_title: str = "Policy for 'both'",
                      group_order=None, tooltip=None, subtitle: str | None = None,
                      width: int = 440, row_step: int = 15) -> alt.LayerChart:
    """Observed E–I against its permutation null, one row per network, one offset row per group.

    For each (network, group): a thick translucent bar from ``low`` to ``high`` (the 95%
    permutation interval of the null), a black tick at ``expected`` (E–I under random mixing)
    and a filled point at ``observed``; groups (e.g. policies for "both" nodes) are offset
    vertically and coloured. A dashed line marks E–I = 0. Rows with a missing ``observed``
    should be dropped by the caller (and named in the caption).
    """
    order = list(group_order) if group_order is not None else sorted(df[group].unique())
    legend = alt.Legend(orient="bottom", direction="vertical")
    colour = alt.Color(f"{group}:N", title=group_title, legend=legend,
                       scale=alt.Scale(domain=order, range=OKABE_ITO[: len(order)]))
    y = alt.Y(f"{network}:N", title=network_title, sort=list(dict.fromkeys(df[network])))
    off = alt.YOffset(f"{group}:N", sort=order, scale=alt.Scale(domain=order, paddingOuter=0.3))
    tips = tooltip or [network, group, observed, low, high, expected]
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(strokeDash=[4, 4], color="#999").encode(x="zero:Q")
    bars = alt.Chart(df).mark_rule(strokeWidth=9, opacity=0.35).encode(
        y=y, yOffset=off, x=alt.X(f"{low}:Q", title=x_title, scale=alt.Scale(domain=[-1, 1])),
        x2=f"{high}:Q", color=colour, tooltip=tips)
    ticks = alt.Chart(df).mark_tick(color="#000", thickness=2, size=12).encode(
        y=y, yOffset=off, x=f"{expected}:Q", tooltip=tips)
    points = alt.Chart(df).mark_point(filled=True, size=80, opacity=1, stroke="#222", strokeWidth=0.6).encode(
        y=y, yOffset=off, x=f"{observed}:Q", color=colour,
        shape=alt.Shape(f"{group}:N", title=group_title, legend=legend, scale=alt.Scale(domain=order)),
        tooltip=tips)
    # with a yOffset, a step height sets the step of the offset rows (row_step px per group)
    chart = alt.layer(zero, bars, ticks, points).properties(width=width, height=alt.Step(row_step))
    return finish(chart, title, description, subtitle)


def network_small_multiples(panels, *, title: str, description: str, color: str,
                            color_domain, color_title: str | None = None, tooltip=("node", "degree"),
                            columns: int = 3, panel_size: int = 170,
                            subtitle: str | None = None) -> alt.ConcatChart:
    """Several networks side by side: ``panels`` maps a panel name to ``(nodes, edges)`` tables.

    Each panel is a :func:`network_chart` (titled with its name); colour and size scales are
    shared, so a colour and a dot size mean the same in every panel.
    """
    charts = [network_chart(nodes, edges, title=name, description=f"Network drawing of {name}: {description}",
                            color=color, color_title=color_title, color_domain=color_domain,
                            tooltip=tooltip, width=panel_size, height=panel_size)
              for name, (nodes, edges) in panels.items()]
    chart = alt.concat(*charts, columns=columns).resolve_scale(color="shared", size="shared")
    return finish(chart, title, description, subtitle)


# --- builders: networking (chapter-specific builders go above this line) ---

def multiplex_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, layer: str, layer_order, title: str,
                    description: str, layer_title: str = "Tie layer", size: str | None = None,
                    size_title: str | None = None, label: str = "node", tooltip=None,
                    width: int = WIDTH, height: int = 420, subtitle: str | None = None) -> alt.LayerChart:
    """Two tie layers on one seeded layout: each edge coloured, dashed and weighted by its layer.

    ``edges`` (``networks.edge_table`` of ``embeddedness.multiplex_graph``) carries a ``layer`` column
    whose values are ``layer_order`` (e.g. "business only", "marriage only", "both"); the last
    value is drawn black and thickest, the second dashed, so the layers stay distinct without colour.
    Nodes are labelled with ``label`` and optionally sized by ``size``. Axes are hidden.
    """
    order = list(layer_order)
    if len(order) != 3:
        raise ValueError("layer_order needs three values: first only, second only, both")
    axis = alt.Axis(title=None, labels=False, ticks=False, domain=False, grid=False)
    x = alt.X("x:Q", axis=axis, scale=alt.Scale(zero=False, nice=False, padding=28))
    y = alt.Y("y:Q", axis=axis, scale=alt.Scale(zero=False, nice=False, padding=28))
    rules = alt.Chart(edges).mark_rule(opacity=0.9).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q",
        color=alt.Color(f"{layer}:N", title=layer_title,
                        scale=alt.Scale(domain=order, range=[OKABE_ITO[1], OKABE_ITO[0], OKABE_ITO[7]])),
        strokeDash=alt.StrokeDash(f"{layer}:N", title=layer_title,
                                  scale=alt.Scale(domain=order, range=[[1, 0], [6, 3], [1, 0]])),
        strokeWidth=alt.StrokeWidth(f"{layer}:N", title=layer_title,
                                    scale=alt.Scale(domain=order, range=[2, 2, 4])),
        tooltip=["source", "target", layer])
    tips = tooltip or [label] + ([size] if size else [])
    enc = {"x": x, "y": y, "tooltip": tips}
    if size:
        enc["size"] = alt.Size(f"{size}:Q", title=size_title or size, scale=alt.Scale(range=[40, 500]))
    points = alt.Chart(nodes).mark_circle(color="#bbbbbb", opacity=1, stroke="#222", strokeWidth=0.8).encode(**enc)
    text = alt.Chart(nodes).mark_text(dy=-13, fontSize=11, color="#111").encode(x=x, y=y, text=f"{label}:N")
    chart = alt.layer(rules, points, text).properties(width=width, height=height)
    return finish(chart, title, description, subtitle)


# --- builders: embeddedness (chapter-specific builders go above this line) ---

# --- builders: mobility (chapter-specific builders go above this line) ---


# ---------------------------------------------------------------- networking: null diagnostics
def mixing_trace_chart(trace: pd.DataFrame, *, title: str, description: str, group: str = "network",
                       subtitle: str | None = None) -> alt.Chart:
    """Degree-preserving rewiring against the number of swap attempts, one panel row per measure.

    ``trace`` is the ``trace`` table of ``networks.degree_preserving_null`` (one block per
    ``group``): mean E-I index of the chains (line) with its 2.5-97.5% band, and the mean share of
    the observed ties still present. Flat lines mean the chains have forgotten their start.
    """
    base = alt.Chart(trace.round(4)).encode(
        x=alt.X("attempts_per_tie:Q", title="Swap attempts per tie"),
        color=alt.Color(f"{group}:N", title=group.capitalize(), scale=alt.Scale(range=OKABE_ITO)))
    band = base.mark_area(opacity=0.15).encode(y=alt.Y("ei_low:Q", title="E–I index of rewired graphs"),
                                               y2="ei_high:Q")
    line = base.mark_line().encode(y="ei_mean:Q", tooltip=[group, "attempts_per_tie", "ei_mean",
                                                           "ei_low", "ei_high"])
    kept = base.mark_line(strokeDash=[4, 2]).encode(
        y=alt.Y("ties_kept:Q", title="Share of observed ties kept", scale=alt.Scale(domain=[0, 1])),
        tooltip=[group, "attempts_per_tie", "ties_kept"])
    chart = alt.vconcat(alt.layer(band, line).properties(width=WIDTH, height=180),
                        kept.properties(width=WIDTH, height=140))
    return finish(chart, title, description, subtitle)


# --- builders: models (simulated evidence; explorables bind altair parameters to widgets) ---
# Every explorable below filters one precomputed table by a parameter bound to an input
# widget, so the page needs no kernel; its default value is the view the chapter's text uses.

SIMULATED = "Simulated"


def polya_histories_chart(df: pd.DataFrame, *, title: str, description: str,
                          subtitle: str | None = None, width: int = WIDTH) -> alt.Chart:
    """Region 1's share of firms against births, one line per simulated history."""
    chart = alt.Chart(df).mark_line(strokeWidth=1.6, opacity=0.9).encode(
        x=alt.X("births:Q", title="Spin-offs born (firms added to the cluster)"),
        y=alt.Y("share:Q", title="Region 1's share of firms", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("run:N", legend=None),
        tooltip=[alt.Tooltip("run:N", title="history"), "births:Q", alt.Tooltip("share:Q", format=".3f")],
    ).properties(width=width, height=240)
    return finish(chart, title, description, subtitle)


def polya_explorer_chart(hist: pd.DataFrame, dens: pd.DataFrame, *, starts, default: str, title: str,
                         description: str, subtitle: str | None = None, width: int = WIDTH) -> alt.LayerChart:
    """Histogram of simulated final shares with the exact Beta density, one start at a time
    (radio buttons over ``starts``, labels such as "1:1")."""
    start = alt.param(name="start", value=default, bind=alt.binding_radio(
        options=list(starts), name="Start (firms in region 1 : region 2): "))
    x = alt.X("bin_start:Q", title="Region 1's final share of firms", scale=alt.Scale(domain=[0, 1]))
    bars = alt.Chart(hist).transform_filter(alt.datum.start == start).mark_rect(
        color=OKABE_ITO[5], opacity=0.8, stroke="#fff", strokeWidth=0.5).encode(
        x=x, x2="bin_end:Q", y=alt.Y("density:Q", title="Density"),
        tooltip=[alt.Tooltip("bin_start:Q", title="from"), alt.Tooltip("bin_end:Q", title="to"),
                 alt.Tooltip("density:Q", title="simulated density")])
    line = alt.Chart(dens).transform_filter(alt.datum.start == start).mark_line(
        color=OKABE_ITO[3], strokeWidth=2.5).encode(
        x=alt.X("share:Q"), y="density:Q",
        tooltip=[alt.Tooltip("share:Q"), alt.Tooltip("density:Q", title="exact Beta density")])
    chart = alt.layer(bars, line).add_params(start).properties(width=width, height=240)
    return finish(chart, title, description, subtitle)


def agglomeration_explorer_chart(hist: pd.DataFrame, *, options, default: str, title: str,
                                 description: str, subtitle: str | None = None, width: int = WIDTH) -> alt.Chart:
    """Histogram of final shares under agglomeration returns, one regime at a time (radio)."""
    returns = alt.param(name="returns", value=default, bind=alt.binding_radio(
        options=list(options), name="Agglomeration returns: "))
    chart = alt.Chart(hist).transform_filter(alt.datum.returns == returns).mark_rect(
        color=OKABE_ITO[0], opacity=0.85, stroke="#fff", strokeWidth=0.5).encode(
        x=alt.X("bin_start:Q", title="Region 1's final share of firms", scale=alt.Scale(domain=[0, 1])),
        x2="bin_end:Q", y=alt.Y("density:Q", title="Density"),
        tooltip=[alt.Tooltip("bin_start:Q", title="from"), alt.Tooltip("bin_end:Q", title="to"), "density:Q"],
    ).add_params(returns).properties(width=width, height=220)
    return finish(chart, title, description, subtitle)


def smallworld_sweep_chart(summary: pd.DataFrame, *, labels: dict, default: str, network_measures,
                           title: str, description: str, subtitle: str | None = None,
                           width: int = WIDTH) -> alt.VConcatChart:
    """Top: one steady-state outcome against the rewiring probability p (log axis), ensemble mean
    with its 95% interval, chosen with radio buttons. Bottom: the networks' clustering and path
    length relative to the lattice, from the same table (so no data is repeated)."""
    data = summary.assign(label=summary["measure"].map(labels))
    outcome = alt.param(name="outcome", value=labels[default], bind=alt.binding_radio(
        options=[labels[m] for m in labels if m not in network_measures], name="Outcome: "))
    x = alt.X("p:Q", title="Rewiring probability p (log scale)", scale=alt.Scale(type="log"),
              axis=alt.Axis(format="~g"))
    tips = [alt.Tooltip("label:N", title="measure"), alt.Tooltip("p:Q", format="~g"),
            alt.Tooltip("estimate:Q", format=".3f"), alt.Tooltip("low:Q", format=".3f"),
            alt.Tooltip("high:Q", format=".3f")]
    base = alt.Chart(data)
    top = base.transform_filter(alt.datum.label == outcome)
    y_title = "Ensemble mean (selected outcome)"
    # The outcome axis starts at zero: a change of a few per cent near a ceiling looks like one.
    band = top.mark_area(opacity=0.25, color=OKABE_ITO[0]).encode(
        x=x, y=alt.Y("low:Q", title=y_title, scale=alt.Scale(zero=True), stack=None), y2="high:Q")
    line = top.mark_line(point=True, color=OKABE_ITO[0]).encode(
        x=x, y=alt.Y("estimate:Q", title=y_title, scale=alt.Scale(zero=True)), tooltip=tips)
    upper = alt.layer(band, line).add_params(outcome).properties(width=width, height=220)
    net = base.transform_filter(alt.FieldOneOfPredicate(field="measure", oneOf=list(network_measures)))
    colour = alt.Color("label:N", title="Network (relative to the lattice)",
                       scale=alt.Scale(range=[OKABE_ITO[1], OKABE_ITO[2]]),
                       legend=alt.Legend(orient="bottom", labelLimit=300, titleLimit=300))
    ratio = alt.Scale(domain=[0, 1.1], clamp=True)
    lower = alt.layer(
        net.mark_area(opacity=0.2).encode(
            x=x, y=alt.Y("low:Q", title="Ratio to the ring lattice", scale=ratio, stack=None), y2="high:Q",
            color=colour),
        net.mark_line(point=True).encode(
            x=x, y=alt.Y("estimate:Q", title="Ratio to the ring lattice", scale=ratio), color=colour,
            shape=alt.Shape("label:N", legend=None), tooltip=tips),
    ).properties(width=width, height=170)
    chart = alt.vconcat(upper, lower, spacing=24).resolve_scale(color="independent")
    return finish(chart, title, description, subtitle)


def regime_map_chart(grid: pd.DataFrame, *, gammas, default: float, title: str, description: str,
                     subtitle: str | None = None, size: int = 330) -> alt.LayerChart:
    """Share of learning through people over mobility x tie density, one carried share gamma at
    a time (slider). Cells are coloured on a diverging scale centred on 1/2 and lettered with
    the channel that carried more (P people, T ties; 0 nothing learnt; ? undecided at this
    ensemble size when the grid has a printed 'label'), so colour is never the only cue."""
    g = sorted(float(v) for v in gammas)
    step = round(g[1] - g[0], 6) if len(g) > 1 else 0.1
    gamma = alt.param(name="gamma", value=default, bind=alt.binding_range(
        min=g[0], max=g[-1], step=step, name="Share of the origin firm's lead a mover carries (gamma): "))
    # The printed label where the grid has one (a label not stable across seeds shows "?").
    shown = grid["label"] if "label" in grid else grid["regime"]
    data = grid.assign(letter=shown.map({"people": "P", "ties": "T", "undecided": "?", "nothing learnt": "0"})
                       .fillna("?"))
    base = alt.Chart(data).transform_filter(f"abs(datum.gamma - {gamma.name}) < 1e-6")
    x = alt.X("density:O", title="Density of formal ties (probability two firms are tied)")
    y = alt.Y("mobility:O", title="Mobility rate (movers per firm per period)", sort="descending")
    tips = [alt.Tooltip("mobility:Q"), alt.Tooltip("density:Q"), alt.Tooltip("gamma:Q"),
            alt.Tooltip("share:Q", title="share through people", format=".3f"),
            alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f"),
            alt.Tooltip("regime:N"), alt.Tooltip("final_mean:Q", title="mean level at the end", format=".3f")]
    rect = base.mark_rect(stroke="#fff", strokeWidth=1).encode(
        x=x, y=y, tooltip=tips,
        color=alt.Color("share:Q", title="Share through people",
                        scale=alt.Scale(scheme="blueorange", domain=[0, 1], domainMid=0.5)))
    text = base.mark_text(fontSize=13, fontWeight="bold").encode(
        x=x, y=y, text="letter:N", tooltip=tips,
        color=alt.condition("datum.share < 0.2 || datum.share > 0.8", alt.value("#ffffff"), alt.value("#111111")))
    chart = alt.layer(rect, text).add_params(gamma).properties(width=size, height=size)
    return finish(chart, title, description, subtitle)
