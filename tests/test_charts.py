"""Chart builders (analysis/charts.py): text alternatives, decoration hidden, no empty layers."""
import altair as alt
import pandas as pd
import pytest

from analysis.measures import clusters
from analysis.present import charts

DESC = "A sentence long enough to describe the chart to a screen-reader user."


def layers(spec):
    """Every leaf (non-layer, non-concat) view of a chart spec, depth first."""
    for key in ("layer", "vconcat", "hconcat", "concat"):
        if key in spec:
            for sub in spec[key]:
                yield from layers(sub)
            return
    yield spec


@pytest.mark.parametrize("description", [None, "", "too short"])
def test_a_chart_without_a_text_alternative_is_refused(description):
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    with pytest.raises(ValueError, match="text alternative"):
        charts.finish(chart, "Title", description)


def test_finish_sets_title_and_description():
    spec = charts.finish(alt.Chart(pd.DataFrame({"x": [1]})).mark_point(), "T", DESC, subtitle="S").to_dict()
    assert spec["description"] == DESC and spec["title"] == {"text": "T", "subtitle": "S"}


def test_finish_leaves_out_layers_without_rows():
    full = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_point().encode(x="x:Q")
    empty = alt.Chart(pd.DataFrame({"x": []})).mark_rule().encode(x="x:Q")
    spec = charts.finish(alt.vconcat(alt.layer(full, empty), alt.layer(empty, full)), "T", DESC).to_dict()
    marks = [leaf["mark"]["type"] if isinstance(leaf["mark"], dict) else leaf["mark"] for leaf in layers(spec)]
    assert marks == ["point", "point"]
    with pytest.raises(ValueError, match="every layer of the chart is empty"):
        charts.finish(alt.layer(empty, empty), "T", DESC)


def topo():
    """A one-country TopoJSON topology (a unit square), enough for the basemap layer."""
    return {"type": "Topology", "arcs": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
            "objects": {"countries": {"type": "GeometryCollection",
                                      "geometries": [{"type": "Polygon", "arcs": [[0]], "id": "1"}]}}}


def points():
    return pd.DataFrame({"cluster": ["A", "B"], "place": ["a", "b"], "geonameid": [1, 2],
                         "longitude": [0.1, 5.0], "latitude": [52.2, 45.2], "role": ["city", "city"],
                         "note": ["", ""], "teams": ["?", "?"], "survey_sample": ["", ""],
                         "label": ["A", ""], "label_pos": ["above", "right"]})


def test_cluster_map_basemap_is_hidden_from_assistive_technology():
    spec = charts.cluster_map(topo(), points(), title="Map", description=DESC).to_dict()
    shapes = [leaf for leaf in layers(spec) if leaf["mark"]["type"] == "geoshape"]
    assert len(shapes) == 1 and shapes[0]["mark"]["aria"] is False
    # the data layers are not hidden
    assert all(leaf["mark"].get("aria", True) for leaf in layers(spec) if leaf["mark"]["type"] != "geoshape")
    # one label position is used: only its two text layers (halo, text) are emitted
    assert sum(leaf["mark"]["type"] == "text" for leaf in layers(spec)) == 2


def context_rows(statuses, series_ids):
    n = len(statuses)
    return pd.DataFrame({
        "row_id": [f"R-{i}" for i in range(n)], "cluster": ["C"] * n, "year": list(range(1990, 1990 + n)),
        "value": [10.0 * (i + 1) for i in range(n)], "variable": ["firms"] * n, "series_id": series_ids,
        "geography": ["G"] * n, "definition": ["D"] * n, "status": statuses, "period": [""] * n,
        "qualifier": [""] * n, "value_text": ["x"] * n, "source_key": ["k"] * n, "location": ["p"] * n})


@pytest.mark.parametrize("statuses, series_ids, want", [
    (["second-hand"] * 2, ["S1", "S1"], ["line", "point"]),              # no 'read in source' layer
    (["read-in-source"] * 2, [None, None], ["point"]),                   # no line, no hollow layer
    (["read-in-source", "second-hand"], ["S1", "S1"], ["line", "point", "point"]),
])
def test_context_series_chart_emits_no_empty_layer(statuses, series_ids, want):
    counts = clusters.context_counts(context_rows(statuses, series_ids))
    spec = charts.context_series_chart(counts, title="T", description=DESC).to_dict()
    got = [leaf["mark"]["type"] for leaf in layers(spec)]
    assert got == want


def test_survey_samples_chart_has_no_empty_layer_and_uses_status_words():
    surveys = pd.DataFrame({"survey_id": ["S-A", "S-B"], "cluster": ["A", "B"], "n_firms": [50, 12],
                            "status": ["read-in-source", None], "source_key": ["k", "k"]})
    spec = charts.survey_samples_chart(surveys, title="T", description=DESC).to_dict()
    assert len(list(layers(spec))) == 2  # bars and labels; no 'not published' layer without rows
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["status"] for v in values] == ["read in source", "gap (no source)"]
