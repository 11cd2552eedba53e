"""Tests for analysis.measures.clusters (tidy tables for the clusters chapter) and its two chart builders.

Small hand-made tables with expected results worked out in comments, plus a few checks on the
real published tables (loaded through the one door, analysis.data).
"""
import json
import html
import re

import pandas as pd
import pytest

from analysis import data
from analysis.measures import clusters as cl
from analysis.present import charts


def series_table():
    # Two series: S1 (area A, firms) with 3 dated rows; S2 (area B, firms) with 1 row;
    # a one-off jobs row without series id (R5), a flow row (R6, not a level) and an undated level (R7).
    rows = [
        ("R1", "X", "end 1998", 1998, "area A", "firms", "firms", "S1", 100.0, None, "100", "firms", "k1", "p. 1", "second-hand"),
        ("R2", "X", "end 1999", 1999, "area A", "firms", "firms", "S1", 125.0, None, "125", "firms", "k1", "p. 1", "second-hand"),
        ("R3", "X", "mid 2001", 2001, "area A", "firms", "firms", "S1", 150.0, "about", "about 150", "firms", "k1", "p. 2", "second-hand"),
        ("R4", "X", "2000", 2000, "area B", "firms", "firms", "S2", 300.0, None, "300", "firms", "k2", "abstract", "read-in-source"),
        ("R5", "X", "1992", 1992, "area A", "jobs", "jobs", None, 5000.0, "more than", "more than 5,000", "jobs", "k2", "abstract", "read-in-source"),
        ("R6", "X", "1999", 1999, "area A", "jobs", "net_jobs_added", "S3", 25.0, None, "+25", "jobs", "k1", "p. 1", "second-hand"),
        ("R7", "Y", "mid-1980s", None, "area C", "firms", "ht_firms", None, 300.0, "more than", "more than 300", "firms", "k3", "summary", "second-hand"),
    ]
    cols = ["row_id", "cluster", "period", "year", "geography", "definition", "variable", "series_id", "value",
            "qualifier", "value_text", "unit", "source_key", "location", "status"]
    df = pd.DataFrame(rows, columns=cols)
    df["year"] = df["year"].astype("Int64")
    df["value"] = df["value"].astype("Float64")
    for c in ["series_id", "qualifier"]:
        df[c] = df[c].astype("string")
    return df


def surveys_table():
    cols = ["survey_id", "cluster", "survey", "fieldwork", "fieldwork_status", "n_firms", "sampling", "mode",
            "instrument", "sampling_frame", "source_key", "location", "url", "status", "gaps"]
    rows = [
        ("S-A", "Alpha", "survey a", "1996", "second-hand", 50, "random", "interview", "Q", "frame", "ka", "page", "u", "read-in-source", "year rests on a summary"),
        ("S-B1", "Beta", "survey b1", None, "unknown", None, None, None, None, None, "kb", "abstract", "u", "read-in-source", "sample size not given"),
        ("S-B2", "Beta", "survey b2", None, "unknown", 12, None, None, None, None, "kb2", "abstract", "u", "read-in-source", None),
        ("S-G", "Gamma", "none identified", None, "unknown", None, None, None, None, None, None, None, None, None, "no paper"),
    ]
    df = pd.DataFrame(rows, columns=cols)
    df["n_firms"] = df["n_firms"].astype("Int64")
    return df


def places_table():
    rows = [("Alpha", "A-town", 1, 52.0, 0.1, "GB", "city", None),
            ("Randstad", "R1", 2, 52.3, 4.8, "NL", "Randstad city", "polycentric"),
            ("Randstad", "R2", 3, 51.9, 4.4, "NL", "Randstad city", "polycentric"),
            ("Delta", "D-town", 4, 43.6, 7.0, "FR", "technopole proxy", "not a town")]
    return pd.DataFrame(rows, columns=["cluster", "place", "geonameid", "latitude", "longitude", "countrycode", "role", "note"])


# ---- rows ---------------------------------------------------------------------------------------

def test_row_lookup():
    s = series_table()
    assert cl.row_value(s, "R2") == 125.0
    assert cl.row_text(s, "R3") == "about 150"
    with pytest.raises(KeyError, match="row_id 'nope' matches 0 rows"):
        cl.row_text(s, "nope")
    with pytest.raises(KeyError, match="row_id 'R1' matches 2 rows"):
        cl.row_value(pd.concat([s, s]), "R1")  # duplicated -> not unique


def test_row_value_missing_raises():
    s = series_table()
    s.loc[0, "value"] = pd.NA
    with pytest.raises(ValueError, match="no numeric value"):
        cl.row_value(s, "R1")


# ---- map ----------------------------------------------------------------------------------------

def test_survey_samples_hand_case():
    out = cl.survey_samples(surveys_table())
    assert out["Alpha"] == "50 firms (S-A, read in source)"
    # Beta: first survey has no n -> not given; second has 12; joined in table order
    assert out["Beta"] == "sample size not given in the source read (S-B1); 12 firms (S-B2, read in source)"
    assert out["Gamma"] == "no survey identified"  # no source at all


def test_map_points_labels_and_tooltips():
    pts = cl.map_points(places_table(), surveys_table())
    assert list(pts["label"]) == ["Alpha", "Randstad (2 cities)", "", "Delta"]  # one label per cluster
    assert (pts["teams"] == cl.TEAMS_NOT_PUBLISHED).all()
    assert pts.loc[0, "survey_sample"] == "50 firms (S-A, read in source)"
    assert pts.loc[3, "survey_sample"] == "no survey recorded"  # Delta absent from surveys
    assert list(pts["label_pos"]) == ["right", "right", "right", "right"]  # defaults (no Alpha/Delta entry)
    assert pts.loc[0, "note"] == ""
    # coordinates pass through unchanged
    pd.testing.assert_series_equal(pts["latitude"], places_table()["latitude"])


# ---- context series -----------------------------------------------------------------------------

def test_context_counts_levels_only_and_lines_within_series():
    k = cl.context_counts(series_table())
    # R6 is a flow, R7 has no year: both out; firms rows before the jobs row
    assert list(k["row_id"]) == ["R1", "R2", "R3", "R4", "R5"]
    assert list(k["measure"]) == [cl.FIRMS] * 4 + [cl.JOBS]
    # S1 has 3 rows -> joined; S2 has 1 row and R5 no series -> points only
    assert list(k["in_line"]) == [True, True, True, False, False]
    assert k.loc[0, "series"] == "area A — firms"
    assert list(k["status_label"]) == ["second-hand"] * 3 + ["read in source"] * 2
    assert list(cl.undated_counts(series_table())["row_id"]) == ["R7"]


def test_context_counts_cluster_filter_and_panels():
    k = cl.context_counts(series_table(), clusters=["X"], panel_by_cluster=True)
    assert set(k["panel"]) == {f"X: {cl.FIRMS}", f"X: {cl.JOBS}"}
    assert cl.context_counts(series_table(), clusters=["Y"]).empty  # Y's only level is undated


def test_series_change_within_series_only():
    s = series_table()
    ch = cl.series_change(s, "R1", "R2")
    assert ch["change"] == 25.0 and ch["relative_change"] == pytest.approx(0.25)  # 125/100 - 1
    assert cl.series_change(s, "R2", "R3")["relative_change"] == pytest.approx(0.2)  # 150/125 - 1
    ok, why = cl.chainable(s, "R1", "R4")
    assert not ok and "different geography" in why
    with pytest.raises(ValueError, match="different series"):
        cl.series_change(s, "R1", "R4")
    with pytest.raises(ValueError, match="one-off"):
        cl.series_change(s, "R1", "R5")


def test_change_table():
    t = cl.change_table(series_table(), [("R1", "R3"), ("R2", "R4")])
    assert list(t["chainable"]) == [True, False]
    assert t.loc[0, "change"] == 50.0 and t.loc[0, "relative_change"] == 0.5  # 150/100 - 1
    assert pd.isna(t.loc[1, "change"]) and pd.isna(t.loc[1, "relative_change"])
    assert t.loc[0, "to_text"] == "about 150"


# ---- surveys ------------------------------------------------------------------------------------

def test_survey_design_table():
    t = cl.survey_design_table(surveys_table())
    assert t.loc[0, "fieldwork"] == "1996 (second-hand)"
    assert t.loc[0, "firms"] == "50" and t.loc[1, "firms"] == "not given in the source read"
    assert t.loc[1, "sampling"] == "not recorded"
    assert t.loc[0, "status"] == "read in source"
    assert t.loc[3, "source"] == "—" and t.loc[3, "status"] == "—"
    assert t.loc[0, "what is not known"] == "year rests on a summary"
    assert t.loc[2, "what is not known"] == "—"


# ---- claims ledger ------------------------------------------------------------------------------

def claims_table():
    return pd.DataFrame({
        "claim_id": ["CL-01", "CL-02"],
        "finding": ["Firms <b>grew</b> & spread", "Plain finding"],
        "source_keys": ["key_a;key_b", "key_c"],
        "evidence_kind": ["published-figure", "qualitative-only"],
        "chapter": ["networking", "clusters"],
        "anchor": ["claim-cl-01", "claim-cl-02"],
        "status": ["read-in-source", "second-hand"],
        "evidence_rows": ["PRG-01;HL-02", pd.NA],
        "illustrated_by": [pd.NA, "networking: Analysis on data"],
        "note": [pd.NA, "a caveat"],
    })


def quotes_table():
    return pd.DataFrame({
        "claim_id": ["CL-01", "CL-01", "CL-02"],
        "source_key": ["key_a", "key_b", "key_c"],
        "quote": ["firms grew", "and spread <fast>", "a summary says"],
        "location": ["abstract", "p. 3", "summary page"],
        "status": ["read-in-source", "read-in-source", "second-hand"],
    })


def test_claims_table_html():
    h = cl.claims_table_html(claims_table(), quotes_table())
    assert h.startswith('<table class="claims-ledger">')
    assert h.count("<tr>") == 1  # the header; each row is anchored for the {claim} role
    assert re.findall(r'<tr id="([^"]+)">', h) == ["ledger-cl-01", "ledger-cl-02"]
    assert "style=" not in h and "<col" not in h  # no inline layout: the stylesheet decides
    # every cell names its column, so narrow screens can show a row as a card
    cells = re.findall(r'<td data-label="([^"]+)">', h)
    assert len(cells) == 2 * len(cl.LEDGER_HEADER) == h.count("<td")
    assert cells[:len(cl.LEDGER_HEADER)] == [html.escape(c, quote=True) for c in cl.LEDGER_HEADER]
    assert '<a href="networking.html#claim-cl-01">networking § CL-01</a>' in h
    assert '<a href="clusters.html#claim-cl-02">' in h
    assert "Firms &lt;b&gt;grew&lt;/b&gt; &amp; spread" in h and "<b>" not in h  # text is escaped
    # paraphrase beside every quotation, each with its source and location
    assert "<q>firms grew</q> (<code>key_a</code>, abstract)" in h
    assert "<q>and spread &lt;fast&gt;</q> (<code>key_b</code>, p. 3)" in h
    assert "second-hand: a third party" in h and "read in source" in h
    assert "<code>PRG-01</code>, <code>HL-02</code>" in h and "Note: a caveat" in h
    assert "published figure" in h and "qualitative only" in h


def test_claims_table_refuses_a_claim_without_quotation():
    with pytest.raises(ValueError, match="CL-02: no quotation"):
        cl.claims_table_html(claims_table(), quotes_table().iloc[:2])


def test_claims_table_real_ledger_links_every_claim():
    claims, quotes = data.load("claims"), data.load("claim_quotes")
    h = cl.claims_table_html(claims, quotes)
    links = re.findall(r'href="([a-z-]+)\.html#(claim-cl-\d\d)"', h)
    assert len(links) == len(claims)
    assert links == list(zip(claims["chapter"], claims["anchor"]))
    assert h.count("<q>") == len(quotes)


def test_require_status():
    cl.require_status(pd.DataFrame({"row": ["A"], "value_text": ["1"], "status": ["second-hand"]}))
    cl.require_status(pd.DataFrame({"key": ["a"], "title": ["t"]}))  # no published value shown
    with pytest.raises(ValueError, match="'value_text'.*without a status column"):
        cl.require_status(pd.DataFrame({"row": ["A"], "value_text": ["1"]}))
    with pytest.raises(ValueError, match="without a status column"):
        cl.html_table(pd.DataFrame({"fieldwork": ["1996"], "firms": ["50"]}))


def test_html_table_does_not_truncate():
    long = "x" * 200
    h = cl.html_table(pd.DataFrame({"a": [long], "b": [pd.NA]}))
    assert long in h and "—" in h and h.count("<th ") == 2
    with pytest.raises(ValueError):
        cl.html_table(pd.DataFrame({"a": [1]}), widths=[50, 50])
    assert '<col style="width:30%">' in cl.html_table(pd.DataFrame({"a": [1], "b": [2]}), widths=[30, 70])


# ---- chart builders -----------------------------------------------------------------------------

def test_cluster_map_spec_is_inline_and_offline():
    topo = {"type": "Topology", "objects": {"countries": {"type": "GeometryCollection", "geometries": []}},
            "arcs": []}
    pts = cl.map_points(places_table(), surveys_table())
    spec = charts.cluster_map(topo, pts, title="Map", description="A map of the clusters on country boundaries.").to_dict()
    text = json.dumps(spec)
    assert '"url"' not in text  # no URL, no tile server, no CDN
    geo = spec["layer"][0]
    assert geo["mark"]["type"] == "geoshape"
    assert geo["data"]["format"] == {"type": "topojson", "feature": "countries"}
    assert spec["projection"]["type"] == "mercator"
    assert spec["description"].startswith("A map")
    labels = [l for l in spec["layer"] if l["mark"]["type"] == "text"]
    assert len(labels) == 2 * 1  # halo + text for the one label position used ('right')


def test_context_series_chart_lines_only_within_series():
    k = cl.context_counts(series_table())
    spec = charts.context_series_chart(k, title="Counts", description="Published counts over time, by series.").to_dict()
    assert len(spec["vconcat"]) == 2  # firms panel, jobs panel
    firms = spec["vconcat"][0]["layer"]
    line = firms[0]
    assert line["mark"]["type"] == "line"
    assert line["transform"] == [{"filter": "datum.in_line"}]
    assert line["encoding"]["detail"]["field"] == "series_id"
    shapes = firms[1]["encoding"]["shape"]["scale"]
    assert shapes["range"] == list(charts.STATUS_SHAPES.values())
    assert spec["resolve"]["scale"]["color"] == "independent"
    with pytest.raises(ValueError):
        charts.context_series_chart(k, title="x", description="short")
