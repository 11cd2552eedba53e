"""House style and chart builders: every figure of the book is made here.

Builders take tidy tables (never load data) and return altair charts that carry a
title and a text alternative (``description``, which Vega renders as the SVG's
aria-label). Palette: Okabe & Ito's colour-blind-safe set. Layout coordinates
arrive rounded from the analysis modules, so specs are deterministic.
"""
from __future__ import annotations

import os

import altair as alt
import pandas as pd

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


def finish(chart: alt.TopLevelMixin, title: str, description: str, subtitle: str | None = None) -> alt.TopLevelMixin:
    """Give a chart its title and text alternative; every builder ends here."""
    if not description or len(description) < 20:
        raise ValueError("every chart needs a text alternative of at least a sentence")
    t = alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)
    return chart.properties(title=t, description=description)
