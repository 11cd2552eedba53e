"""Charts drawn at build time (_ext/chart_renditions.py, _ext/static_charts.py; issue 27).

Pure functions on small charts made by analysis.charts: the desktop and phone renditions
(the phone one fits the phone width and keeps every text at its written size), duplicate
inline datasets merged, the SVG made ready to inline (unique ids, text alternative), input
widgets as HTML controls, and the figure's HTML with the container query that picks the
rendition. The built site is checked in a browser by tests/test_browser.py.
"""
import re
import sys

import altair as alt
import pandas as pd
import pytest

from analysis import paths
from analysis.present import charts

sys.path.insert(0, str(paths.ROOT / "_ext"))
import chart_renditions as cr  # noqa: E402  (the extension modules, from _ext/)
import static_charts as sc  # noqa: E402

DESC = "Five categories with their estimates and intervals, for the unit test."


def _spec(chart) -> dict:
    return sc._json_safe(sc.chart_spec(chart._repr_mimebundle_()["text/html"]))


def _wide_chart():
    df = pd.DataFrame({"category": [f"A rather long category name number {i}" for i in range(5)],
                       "est": [0.1, 0.3, 0.5, 0.2, 0.4], "lo": [0.0, 0.2, 0.4, 0.1, 0.3],
                       "hi": [0.2, 0.4, 0.6, 0.3, 0.5], "kind": list("ABABA")})
    return charts.interval_chart(df, category="category", estimate="est", low="lo", high="hi",
                                 color="kind", reference=0.25,
                                 title="A title long enough to need two lines on a phone screen for sure",
                                 description=DESC, x_title="Estimate with its 95% interval (share of firms)")


def _radio_chart():
    df = pd.DataFrame({"start": ["1:1", "1:1", "2:1", "2:1"], "bin_start": [0, 0.5, 0, 0.5],
                       "bin_end": [0.5, 1, 0.5, 1], "density": [1.0, 1.0, 0.5, 1.5]})
    dens = pd.DataFrame({"start": ["1:1", "2:1"], "share": [0.5, 0.5], "density": [1.0, 1.0]})
    return charts.polya_explorer_chart(df, dens, starts=["1:1", "2:1"], default="2:1", title="Explorer",
                                       description=DESC)


def test_phone_rendition_fits_and_keeps_text_size():
    wide, narrow = cr.renditions(_spec(_wide_chart()))
    assert wide["width"] > cr.PHONE_WIDTH, "the test chart must be wider than a phone"
    assert narrow is not None and narrow["width"] <= cr.PHONE_WIDTH
    assert narrow["min_font"] >= 11 and wide["min_font"] >= 11
    # the legend moved below the plot, the title wrapped into lines
    assert narrow["height"] > wide["height"]
    assert "<svg" in narrow["svg"] and narrow["vega"]["$schema"].startswith("https://vega.github.io/schema/vega/")


def test_narrow_enough_chart_has_one_rendition():
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    small = charts.finish(alt.Chart(df).mark_point().encode(x="x:Q", y="y:Q").properties(width=150, height=100),
                          "Small", DESC)
    wide, narrow = cr.renditions(_spec(small))
    assert narrow is None and wide["width"] <= cr.PHONE_WIDTH


def test_narrow_spec_stacks_side_by_side_views():
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    a = alt.Chart(df).mark_point().encode(x="x:Q", y="y:Q").properties(width=300, height=200)
    spec = _spec(charts.finish(alt.hconcat(a, a), "Two panels", DESC))
    narrow = cr.narrow_spec(spec)
    assert "hconcat" not in narrow and len(narrow["vconcat"]) == 2


def test_duplicate_datasets_are_merged():
    spec = {"datasets": {"a": [{"x": 1}], "b": [{"x": 1}], "c": [{"x": 2}]},
            "layer": [{"data": {"name": "a"}}, {"data": {"name": "b"}}, {"data": {"name": "c"}}]}
    out = cr.merge_duplicate_datasets(spec)
    assert set(out["datasets"]) == {"a", "c"}
    assert [layer["data"]["name"] for layer in out["layer"]] == ["a", "a", "c"]
    assert cr.merge_duplicate_datasets({"datasets": {"a": [1]}}) == {"datasets": {"a": [1]}}


def test_static_svg_ids_unique_and_labelled():
    svg = '<svg class="marks" width="10" height="10"><clipPath id="clip1"/><g clip-path="url(#clip1)"/></svg>'
    out = cr.static_svg(svg, "chart-7-wide", 'Text with "quotes" & more.')
    assert 'id="chart-7-wide-clip1"' in out and "url(#chart-7-wide-clip1)" in out and 'id="clip1"' not in out
    assert 'role="img"' in out and 'aria-label="Text with &quot;quotes&quot; &amp; more."' in out
    marks = cr.static_svg('<svg class="marks"><g class="mark-symbol" role="graphics-object"><path aria-label="a: 1" '
                          'role="graphics-symbol" d="M1.234,5.678Z"/></g></svg>', "p", DESC)
    assert "aria-label=" in marks and marks.count("aria-label=") == 1 and "graphics-" not in marks
    assert 'class="marks"' in marks and "mark-symbol" not in marks and 'd="M1.2,5.7Z"' in marks
    # text content keeps its digits (a tick label 0.05 is not a coordinate)
    assert ">0.05<" in cr.static_svg('<svg class="marks"><text x="1.25">0.05</text></svg>', "p", DESC)


def test_inputs_become_html_controls_at_their_default():
    wide, _ = cr.renditions(_spec(_radio_chart()))
    inputs = cr.bound_inputs(wide["vega"])
    assert [s["name"] for s in inputs] == ["start"] and inputs[0]["value"] == "2:1"
    html = cr.inputs_html(inputs, "c1")
    assert html.count('type="radio"') == 2
    assert re.search(r'value="2:1"[^>]*checked', html) and not re.search(r'value="1:1"[^>]*checked', html)
    assert not cr.bound_inputs(cr.without_bindings(wide["vega"]))


def test_figure_html(tmp_path):
    spec = _spec(_wide_chart())
    r = sc.renditions_cached(spec, tmp_path)
    assert list(tmp_path.glob("*.json")), "renditions are cached"
    assert sc.renditions_cached(spec, tmp_path) == r
    text, files = sc.figure_html("altair-viz-x1", spec, r)
    assert text.count("<svg") == 2 and 'class="chart-static chart-narrow"' in text
    assert f"@container (max-width: {int(r['wide']['width']) - 1}px)" in text
    assert text.count(f'aria-label="{DESC}"') == 2 and text.count("aria-label=") == 2
    assert set(files) == {"altair-viz-x1-wide.js", "altair-viz-x1-narrow.js"}
    assert "<script" not in text and "vegaEmbed" not in text


def test_nan_in_rows_becomes_null():
    assert sc._json_safe({"values": [float("nan"), 1.0, "NaN"]}) == {"values": [None, 1.0, "NaN"]}


@pytest.mark.parametrize("label", ["in and around Cambridge — new technology-based firms (NTBFs)"])
def test_wrap_expression_is_valid_vega(label):
    df = pd.DataFrame({"x": [1], "y": [2], "series": [label]})
    chart = charts.finish(alt.Chart(df).mark_point().encode(x="x:Q", y="y:Q", color="series:N")
                          .properties(width=500, height=200), "Legend", DESC)
    _, narrow = cr.renditions(_spec(chart))
    # the long legend label is drawn on two lines, not cut
    assert "new technology" in narrow["svg"] and "…" not in narrow["svg"]


def test_clipped_map_shapes_outside_the_view_are_left_out():
    svg = ('<svg class="marks"><defs><clipPath id="clip1"><rect x="0" y="0" width="100" height="50"/></clipPath></defs>'
           '<g class="mark-shape role-mark" clip-path="url(#clip1)">'
           '<path transform="translate(0,0)" d="M10,10L20,10L20,20ZM500,500L510,500L510,510Z" fill="#eee"/>'
           '<path transform="translate(0,0)" d="M900,10L910,10L910,20Z" fill="#eee"/>'
           '<path transform="translate(0,0)" d="M200,10A5,5,0,1,1,210,10Z" fill="#eee"/></g></svg>')
    out = cr.prune_clipped_shapes(svg)
    assert 'd="M10,10L20,10L20,20Z"' in out  # the part in view kept, its far part dropped
    assert "M900" not in out and "M500" not in out
    assert "M200,10A5" in out  # curves are not judged: kept
