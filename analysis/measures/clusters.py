"""The seven clusters: tidy tables for the orientation chapter (map, context series, ledger).

Pure functions (no I/O, no plotting) on the tables that ``analysis.data.load`` returns:
``cluster_places``, ``surveys``, ``context_series`` and ``claims``. Nothing here invents a
number: every value passed on is a published value (or a GeoNames coordinate) copied from its
row, together with the row's key, wording and status. The one computation, ``series_change``,
works only *within* one published series (same ``series_id``: same geography, definition,
variable and unit) and refuses to chain rows of different series.
"""
from __future__ import annotations

import html

import pandas as pd

from ._frames import require_columns as _require

# Words that readers see for the status and evidence-kind codes of data/published/ (one mapping).
from .evidence import EVIDENCE_WORDS, NOT_GIVEN, STATUS_WORDS, status_words  # noqa: F401  (re-exported)

# Level variables of context_series (stocks of firms or of jobs at a date), by panel.
# Flows and changes (net_jobs_added, net_change_*, firms_departed, ...) are not levels.
FIRMS = "Firms, companies and establishments"
JOBS = "Jobs and employees"
LEVEL_VARIABLES = {
    "ht_firms": FIRMS, "ntbf_count": FIRMS, "ht_establishments": FIRMS, "ht_companies": FIRMS,
    "firms": FIRMS, "establishments": FIRMS, "ict_companies": FIRMS, "media_companies": FIRMS,
    "ht_employment": JOBS, "ntbf_employment": JOBS, "ht_establishment_employment": JOBS,
    "ht_employees": JOBS, "jobs": JOBS, "ict_employees": JOBS, "media_employees": JOBS,
}

# Teams per cluster: the project page names 11 teams in 8 countries but not who studied which
# cluster, so the map says so instead of guessing.
TEAMS_NOT_PUBLISHED = "not given on the project page (it names no team per cluster)"

# Where each cluster's label sits relative to its first point on the map (chart styling only).
LABEL_POSITIONS = {
    "Cambridge": "above", "Oxford": "left", "Munich": "right", "Grenoble": "left",
    "Göteborg": "right", "Sophia-Antipolis": "right", "Randstad": "right",
}


def _blank(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or (isinstance(v, str) and not v.strip())


# ---- single published rows ------------------------------------------------------------------
# Notebooks read rows through the page kit (analysis.present.page.row / value / glue_rows); the theme
# functions below need only this private lookup (a measure does not depend on the page kit).

def _row(df: pd.DataFrame, row_id: str) -> pd.Series:
    _require(df, ["row_id"])
    hit = df[df["row_id"] == row_id]
    if len(hit) != 1:
        raise KeyError(f"row_id {row_id!r} matches {len(hit)} rows (expected exactly 1)")
    return hit.iloc[0]


def row_value(df: pd.DataFrame, row_id: str) -> float:
    """The published numeric ``value`` of a row, as a float; ValueError if the row has none."""
    v = _row(df, row_id)["value"]
    if _blank(v):
        raise ValueError(f"row {row_id} has no numeric value (see its value_text)")
    return float(v)


def row_text(df: pd.DataFrame, row_id: str) -> str:
    """The published wording (``value_text``) of a row, e.g. 'around 1,200'."""
    return str(_row(df, row_id)["value_text"])


# ---- map -------------------------------------------------------------------------------------

def survey_samples(surveys: pd.DataFrame) -> pd.Series:
    """One text per cluster saying which survey samples are known, e.g. '50 firms (CBR-CAM, read in source)'.

    A survey without ``n_firms`` gives 'sample size not given in the source read (<survey_id>)'; a row without a
    source (Grenoble) gives 'no survey identified'. Several surveys of one cluster are joined by '; '.
    """
    _require(surveys, ["survey_id", "cluster", "n_firms", "status", "source_key"])
    parts: dict[str, list[str]] = {}
    for _, r in surveys.iterrows():
        if _blank(r["source_key"]):
            text = "no survey identified"
        elif _blank(r["n_firms"]):
            text = f"sample size {NOT_GIVEN} ({r['survey_id']})"
        else:
            text = f"{int(r['n_firms'])} firms ({r['survey_id']}, {status_words(r['status'])})"
        parts.setdefault(r["cluster"], []).append(text)
    return pd.Series({c: "; ".join(t) for c, t in parts.items()}, name="survey_sample")


def map_points(places: pd.DataFrame, surveys: pd.DataFrame) -> pd.DataFrame:
    """The map's points: one row per GeoNames place, with the tooltip texts and one label per cluster.

    Columns added to ``places``: ``teams`` (always TEAMS_NOT_PUBLISHED), ``survey_sample`` (from
    :func:`survey_samples`; 'no survey recorded' for a cluster absent from ``surveys``),
    ``label`` (the cluster name on the first place listed for the cluster, '' on the others; the
    Randstad's label says it is shown by its cities) and ``label_pos`` (from LABEL_POSITIONS,
    'right' by default). Coordinates are passed on unchanged.
    """
    _require(places, ["cluster", "place", "geonameid", "latitude", "longitude", "role", "note"])
    out = places.copy().reset_index(drop=True)
    samples = survey_samples(surveys)
    n_places = out.groupby("cluster", sort=False)["place"].transform("size")
    first = ~out.duplicated("cluster")
    out["teams"] = TEAMS_NOT_PUBLISHED
    out["survey_sample"] = out["cluster"].map(samples).fillna("no survey recorded")
    out["label"] = ""
    for i in out.index[first]:
        name = out.at[i, "cluster"]
        if n_places[i] > 1 and out.at[i, "role"] == "Randstad city":
            name = f"{name} ({n_places[i]} cities)"
        out.at[i, "label"] = name
    out["label_pos"] = out["cluster"].map(LABEL_POSITIONS).fillna("right")
    out["note"] = out["note"].fillna("")
    return out


# ---- context series -------------------------------------------------------------------------

def series_label(r) -> str:
    """'<geography> — <definition>': what a colour stands for in the context-series charts."""
    return f"{r['geography']} — {r['definition']}"


def context_counts(series: pd.DataFrame, clusters=None, panel_by_cluster: bool = False) -> pd.DataFrame:
    """Published *levels* (counts of firms or of jobs at a date) that can be placed on a year axis.

    Keeps rows whose ``variable`` is in LEVEL_VARIABLES and that have both a ``year`` and a
    ``value`` (optionally only for the given ``clusters``, in that order). Adds ``series``
    (geography — definition), ``measure`` (FIRMS or JOBS), ``panel`` (the measure, or
    '<cluster>: <measure>' when ``panel_by_cluster``), ``status_label`` (words) and ``in_line``
    (True when the row's ``series_id`` has at least two rows here, so a line may join them).
    Rows are ordered by cluster (as given, else as in the table), then firms before jobs, then
    as in the table.
    """
    _require(series, ["row_id", "cluster", "year", "value", "variable", "series_id", "geography",
                      "definition", "status"])
    keep = series["variable"].isin(list(LEVEL_VARIABLES)) & series["year"].notna() & series["value"].notna()
    out = series[keep].copy()
    order = list(dict.fromkeys(out["cluster"]))
    if clusters is not None:
        order = list(clusters)
        out = out[out["cluster"].isin(order)]
    measures = list(dict.fromkeys(LEVEL_VARIABLES.values()))
    out = out.assign(_c=out["cluster"].map({c: k for k, c in enumerate(order)}),
                     _m=out["variable"].map(lambda v: measures.index(LEVEL_VARIABLES[v])))
    out = out.sort_values(["_c", "_m"], kind="stable").drop(columns=["_c", "_m"])
    out["series"] = out.apply(series_label, axis=1)
    out["measure"] = out["variable"].map(LEVEL_VARIABLES)
    out["panel"] = (out["cluster"] + ": " + out["measure"]) if panel_by_cluster else out["measure"]
    out["status_label"] = out["status"].map(status_words)
    sizes = out.groupby("series_id")["row_id"].transform("size")
    out["in_line"] = out["series_id"].notna() & (sizes.fillna(0) >= 2)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    return out.reset_index(drop=True)


def undated_counts(series: pd.DataFrame) -> pd.DataFrame:
    """Published levels that cannot go on a year axis (no ``year``), e.g. a 'mid-1980s' count."""
    _require(series, ["variable", "year"])
    out = series[series["variable"].isin(list(LEVEL_VARIABLES)) & series["year"].isna()]
    return out.reset_index(drop=True)


def chainable(series: pd.DataFrame, from_row: str, to_row: str) -> tuple[bool, str]:
    """Whether two rows may be compared as a change: only inside one published series.

    Returns (True, 'same series <id>') or (False, reason). Rows without a ``series_id`` (one-off
    values) and rows of different series (another geography, definition, variable or unit, or
    another counting method) are never chainable.
    """
    a, b = _row(series, from_row), _row(series, to_row)
    if _blank(a["series_id"]) or _blank(b["series_id"]):
        return False, "a one-off value (no series id): nothing to chain it with"
    if a["series_id"] != b["series_id"]:
        diffs = [f for f in ("geography", "definition", "variable", "unit") if a[f] != b[f]]
        what = ", ".join(diffs) if diffs else "series"
        return False, f"different series (different {what})"
    return True, f"same series {a['series_id']}"


def series_change(series: pd.DataFrame, from_row: str, to_row: str) -> dict:
    """Change between two published values of ONE series: absolute and relative.

    $\\Delta = v_2 - v_1$ and $r = v_2 / v_1 - 1$. Raises ValueError when the rows are not
    chainable (see :func:`chainable`) or a value is missing.
    """
    ok, why = chainable(series, from_row, to_row)
    if not ok:
        raise ValueError(f"{from_row} -> {to_row}: {why}")
    v1, v2 = row_value(series, from_row), row_value(series, to_row)
    return {"from": from_row, "to": to_row, "change": v2 - v1, "relative_change": v2 / v1 - 1}


def change_table(series: pd.DataFrame, pairs) -> pd.DataFrame:
    """One row per attempted (from_row, to_row) pair: chainable or not, and the change if it is.

    Columns: ``from``, ``to``, ``from_text``, ``to_text`` (published wording), ``chainable``,
    ``reason``, ``change``, ``relative_change`` (missing when not chainable; relative change rounded
    to 4 decimals).
    """
    rows = []
    for a, b in pairs:
        ok, why = chainable(series, a, b)
        rec = {"from": a, "to": b, "from_text": row_text(series, a), "to_text": row_text(series, b),
               "chainable": ok, "reason": why, "change": pd.NA, "relative_change": pd.NA}
        if ok:
            ch = series_change(series, a, b)
            rec["change"] = ch["change"]
            rec["relative_change"] = round(ch["relative_change"], 4)
        rows.append(rec)
    out = pd.DataFrame(rows)
    out["change"] = out["change"].astype("Float64")
    out["relative_change"] = out["relative_change"].astype("Float64")
    return out


def provenance_rows(counts: pd.DataFrame) -> pd.DataFrame:
    """The rows behind a context chart, as readers see them (status in words), for a table."""
    cols = ["row_id", "period", "geography", "definition", "value_text", "status_label", "source_key", "location"]
    _require(counts, cols)
    out = counts[cols].rename(columns={"row_id": "row", "value_text": "published value", "status_label": "status",
                                       "source_key": "source", "location": "where in the source"})
    return out.reset_index(drop=True)


# ---- surveys ---------------------------------------------------------------------------------

def survey_design_table(surveys: pd.DataFrame) -> pd.DataFrame:
    """The survey designs in reader's words, with what is not known.

    One row per survey: cluster, survey, fieldwork (with its status), firms (the published
    count or 'not given in the source read'), sampling, mode and instrument ('not recorded' when missing),
    source (key and location), status (in words) and the ``gaps`` column as 'what is not known'.
    """
    _require(surveys, ["survey_id", "cluster", "survey", "fieldwork", "fieldwork_status", "n_firms", "sampling",
                       "mode", "instrument", "source_key", "location", "status", "gaps"])

    def text(v, missing="not recorded"):
        return missing if _blank(v) else str(v)

    rows = []
    for _, r in surveys.iterrows():
        fieldwork = text(r["fieldwork"])
        if not _blank(r["fieldwork"]) and not _blank(r["fieldwork_status"]):
            fieldwork = f"{r['fieldwork']} ({status_words(r['fieldwork_status'])})"
        source = "—" if _blank(r["source_key"]) else f"{r['source_key']} ({text(r['location'], 'location not recorded')})"
        rows.append({
            "id": r["survey_id"], "cluster": r["cluster"], "survey": r["survey"], "fieldwork": fieldwork,
            "firms": NOT_GIVEN if _blank(r["n_firms"]) else str(int(r["n_firms"])),
            "sampling": text(r["sampling"]), "mode": text(r["mode"]), "instrument": text(r["instrument"]),
            "source": source, "status": text(status_words(r["status"]), "—"), "what is not known": text(r["gaps"], "—"),
        })
    return pd.DataFrame(rows)


# ---- claims ledger ---------------------------------------------------------------------------

def claim_link(chapter: str, anchor: str) -> str:
    """Relative link to the section of the book that examines a claim: '<chapter>.html#<anchor>'."""
    return f"{chapter}.html#{anchor}"


def ledger_row_id(claim_id: str) -> str:
    """The anchor of a claim's row in the rendered ledger (``claims_table_html``): 'ledger-cl-11'."""
    return "ledger-" + claim_id.lower()


TABLE_STYLE = "width:100%;table-layout:fixed;font-size:0.85em;border-collapse:collapse"
CELL_STYLE = "vertical-align:top;text-align:left;overflow-wrap:break-word;padding:0.25em 0.4em"


def _table(header, rows, widths=None, css_class: str = "compendium-table", inline_style: bool = True,
           row_ids=None) -> str:
    """Assemble an HTML table from a header (plain strings) and rows of ready-made cell HTML.

    Every ``<td>`` carries ``data-label="<column header>"``, so a stylesheet can show each row as a
    card on narrow screens. ``widths`` (one percentage per column) become a ``<colgroup>``; with
    ``inline_style`` the table has a fixed layout at full width and long words (source keys) wrap.
    ``inline_style=False`` leaves all layout to the stylesheet of ``css_class``. ``row_ids`` (one
    per row) become ``<tr id="...">``, anchors that other pages link to.
    """
    if widths is not None and len(widths) != len(header):
        raise ValueError("one width per column")
    if row_ids is not None and len(row_ids) != len(rows):
        raise ValueError("one id per row")
    esc = html.escape
    cell = f' style="{CELL_STYLE}"' if inline_style else ""
    cols = "".join(f'<col style="width:{w}%">' for w in widths) if widths else ""
    head = "".join(f"<th{cell}>{esc(str(h))}</th>" for h in header)
    labels = [esc(str(h), quote=True) for h in header]
    ids = [f' id="{esc(str(i), quote=True)}"' for i in row_ids] if row_ids is not None else [""] * len(rows)
    body = "\n".join(f"<tr{rid}>" + "".join(f'<td data-label="{lab}"{cell}>{c}</td>' for lab, c in zip(labels, r))
                     + "</tr>" for rid, r in zip(ids, rows))
    colgroup = f"<colgroup>{cols}</colgroup>\n" if cols else ""
    style = f' style="{TABLE_STYLE}"' if inline_style else ""
    return (f'<table class="{css_class}"{style}>\n{colgroup}<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody>\n</table>")


LEDGER_HEADER = ["Ledger id", "Finding (paraphrase)", "Quotation from the source", "Status", "Evidence available",
                 "Published rows", "Illustrated (open data or model)", "Examined in"]


def _quote_html(q) -> str:
    """One quotation: the words in <q>, then source key, location and, when second-hand, a flag."""
    esc = html.escape
    flag = "; second-hand: a third party's summary" if q["status"] == "second-hand" else ""
    return (f"<q>{esc(str(q['quote']))}</q> (<code>{esc(str(q['source_key']))}</code>, "
            f"{esc(str(q['location']))}{flag})")


def claims_table_html(claims: pd.DataFrame, quotes: pd.DataFrame) -> str:
    """The claims ledger as ``<table class="claims-ledger">``: paraphrase beside the source's words.

    One row per claim: id, the book's paraphrase (with its caveat note, if any), every quotation of
    its sources (``quotes``: claim_id, source_key, quote, location, status), the claim's status in
    words, its evidence kind, the published rows linked to it, the sections that illustrate it on
    open data, and a link ``<a href="<chapter>.html#<anchor>">`` to the section that examines it.
    Each row is anchored ``<tr id="ledger-cl-nn">`` (:func:`ledger_row_id`; the ``{claim}`` role
    links there). Text is HTML-escaped; cells carry ``data-label`` and no inline layout (the stylesheet decides).
    """
    _require(claims, ["claim_id", "finding", "source_keys", "evidence_kind", "chapter", "anchor", "status",
                      "evidence_rows", "illustrated_by", "note"])
    _require(quotes, ["claim_id", "source_key", "quote", "location", "status"])
    esc = html.escape
    rows = []
    for _, r in claims.iterrows():
        mine = quotes[quotes["claim_id"] == r["claim_id"]]
        if mine.empty:
            raise ValueError(f"{r['claim_id']}: no quotation of its source")
        said = "<br>".join(_quote_html(q) for _, q in mine.iterrows())
        finding = esc(str(r["finding"]))
        if not _blank(r["note"]):
            finding += f"<br><small>Note: {esc(str(r['note']))}</small>"
        kind = esc(EVIDENCE_WORDS.get(r["evidence_kind"], str(r["evidence_kind"])))
        linked = "—" if _blank(r["evidence_rows"]) else ", ".join(
            f"<code>{esc(k.strip())}</code>" for k in str(r["evidence_rows"]).split(";"))
        shown = "—" if _blank(r["illustrated_by"]) else "<br>".join(
            esc(k.strip()) for k in str(r["illustrated_by"]).split(";"))
        href = esc(claim_link(r["chapter"], r["anchor"]), quote=True)
        link = f"<a href=\"{href}\">{esc(r['chapter'])} § {esc(r['claim_id'])}</a>"
        rows.append([esc(r["claim_id"]), finding, said, esc(status_words(r["status"])), kind, linked, shown, link])
    return _table(LEDGER_HEADER, rows, css_class="claims-ledger", inline_style=False,
                  row_ids=[ledger_row_id(c) for c in claims["claim_id"]])


# Columns that show a published value (or a survey fact) and so must be shown with a status.
VALUE_COLUMNS = ("value", "value_text", "published value", "n_firms", "firms", "fieldwork")


def require_status(df: pd.DataFrame) -> None:
    """Refuse a table that shows published values without a status column (read in source / second-hand)."""
    shown = [c for c in df.columns if str(c) in VALUE_COLUMNS]
    if shown and not any("status" in str(c) for c in df.columns):
        raise ValueError(f"table shows published value column(s) {', '.join(map(repr, shown))} without a status "
                         "column: every displayed value carries its own status")


def html_table(df: pd.DataFrame, widths=None) -> str:
    """A plain, deterministic HTML table: escaped text, no index, no truncation, missing as '—'.

    ``widths``: optional percentage per column (see :func:`_table`). A table that shows published
    values must keep its status column (:func:`require_status`).
    """
    require_status(df)
    rows = [["—" if _blank(v) else html.escape(str(v)) for v in rec] for rec in df.itertuples(index=False)]
    return _table(list(df.columns), rows, widths=widths)
