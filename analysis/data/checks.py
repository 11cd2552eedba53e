"""The content checks a table can declare in ``data/datapackage.json`` under ``x-checks``.

Each check takes the validated table and raises :class:`DataValidationError` naming the file, the
field and the row. A check that compares with another table gets it from the reader the door
passes (:func:`run`), never by loading it itself.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .. import paths
from . import registry
from .validate import DataValidationError


@lru_cache(maxsize=1)
def bib_keys() -> frozenset[str]:
    from pybtex.database import parse_file

    return frozenset(parse_file(str(paths.BIBFILE)).entries.keys())


def _check_bibkeys(df, label, field, sep=None):
    keys = bib_keys()
    for i, v in df[field].items():
        if pd.isna(v):
            continue
        for k in (str(v).split(sep) if sep else [str(v)]):
            if k.strip() not in keys:
                raise DataValidationError(label, f"source key '{k.strip()}' is not in data/references.bib", field, i + 1)


def _check_percent(df, label, field, unit_field):
    bad = (df[unit_field] == "percent") & ((df[field] < 0) | (df[field] > 100)).fillna(False)
    if bad.any():
        i = int(bad.idxmax())
        raise DataValidationError(label, f"percentage {df.at[i, field]} is outside 0–100", field, i + 1)


def _check_series(df, label, field, same_fields):
    """Rows sharing a series id must share geography, definition, variable and unit.

    This is what keeps different geographies or definitions from being chained
    into one line on a chart.
    """
    first: dict = {}
    for i, row in df.iterrows():
        sid = row[field]
        if pd.isna(sid):
            continue
        if sid not in first:
            first[sid] = i
            continue
        j = first[sid]
        for f in same_fields:
            if row[f] != df.at[j, f]:
                raise DataValidationError(
                    label,
                    f"series '{sid}' chains {f} '{row[f]}' onto '{df.at[j, f]}' (row {j + 1}); "
                    "different geographies or definitions must be separate series",
                    f, i + 1)


def _check_values_present(df, label, field, other):
    both_missing = df[field].isna() & df[other].isna()
    if both_missing.any():
        i = int(both_missing.idxmax())
        raise DataValidationError(label, f"neither '{field}' nor '{other}' is given", field, i + 1)


def _keys(v, sep=";") -> list[str]:
    return [] if pd.isna(v) else [k.strip() for k in str(v).split(sep) if k.strip()]


def _check_evidence_rule(df, label, field, rows_field, tables, read):
    """The written rule for a claim's evidence kind (stated on the Data sources page).

    'published-figure' only when at least one row of the given tables is linked in ``rows_field``;
    'qualitative-only' has no linked row; every linked row must exist. (An open-data analogue is
    never an evidence kind: the field's enum refuses it.)
    """
    known = set()
    for name in tables:
        known.update(read.keys(name, "row_id"))
    where = " or ".join(tables)
    for i, row in df.iterrows():
        rows = _keys(row[rows_field])
        if row[field] == "published-figure" and not rows:
            raise DataValidationError(
                label, f"evidence_kind is 'published-figure' but no row of {where} is linked; link the rows that "
                "bear on the claim, or type it 'qualitative-only'", rows_field, i + 1)
        if row[field] != "published-figure" and rows:
            raise DataValidationError(
                label, f"rows {', '.join(rows)} are linked but evidence_kind is '{row[field]}'; a linked row that "
                "bears on the claim makes it 'published-figure'", rows_field, i + 1)
        for r in rows:
            if r not in known:
                raise DataValidationError(label, f"linked row '{r}' is in neither {where}", rows_field, i + 1)


def _check_quoted(df, label, field, quotes, read):
    """Every claim carries its sources' own words: each source key quoted, second-hand quoted as such."""
    qres = registry.entry(quotes)
    q = read.table(quotes)
    qlabel = "data/" + qres["path"]
    claim_keys = {row["claim_id"]: set(_keys(row["source_keys"])) for _, row in df.iterrows()}
    for j, row in q.iterrows():
        if row["claim_id"] not in claim_keys:
            raise DataValidationError(qlabel, f"quotation for '{row['claim_id']}', which is not in {label}", "claim_id", j + 1)
        if row["source_key"] not in claim_keys[row["claim_id"]]:
            raise DataValidationError(qlabel, f"'{row['source_key']}' is not one of the source_keys of {row['claim_id']}",
                                      "source_key", j + 1)
    for i, row in df.iterrows():
        mine = q[q["claim_id"] == row["claim_id"]]
        status = str(row[field]).replace("-", " ")
        if mine.empty:
            raise DataValidationError(label, f"claim {row['claim_id']} is {status} but {qlabel} holds no quotation "
                                      "of its source", field, i + 1)
        unquoted = sorted(claim_keys[row["claim_id"]] - set(mine["source_key"]))
        if unquoted:
            raise DataValidationError(label, f"source '{unquoted[0]}' of {row['claim_id']} is not quoted in {qlabel}",
                                      "source_keys", i + 1)
        second = (mine["status"] == "second-hand").any()
        if (row[field] == "second-hand") != bool(second):
            want = "quotes a second-hand source" if second else "quotes only sources read in full"
            raise DataValidationError(label, f"claim {row['claim_id']} is {status} but its quotation {want}; "
                                      "a second-hand claim quotes the second-hand source and says so", field, i + 1)


def _check_chapter_refs(df, label, field, extra=()):
    """'<chapter>: <section>' references, separated by ';', name chapters of the book (the claims'
    chapters, plus ``extra``: chapters that illustrate claims without examining any, e.g. models)."""
    chapters = next(f for f in registry.entry("claims")["schema"]["fields"] if f["name"] == "chapter")["constraints"]["enum"]
    chapters = [*chapters, *extra]
    for i, v in df[field].items():
        for ref in _keys(v):
            chapter, sep, section = ref.partition(":")
            if not sep or chapter.strip() not in chapters or not section.strip():
                raise DataValidationError(label, f"'{ref}' is not '<chapter>: <section>' with a chapter of the book "
                                          f"({', '.join(chapters)})", field, i + 1)


def _check_hedges(df, label, field, quotes, note_field, read):
    """Each paraphrase keeps the hedge and scope words recorded for its quotations (``hedges``)."""
    from .hedges import problems

    q = read.table(quotes)
    for i, row in df.iterrows():
        said = list(q.loc[q["claim_id"] == row["claim_id"], "quote"])
        found = problems(row["finding"], said, row[field], row[note_field])
        if found:
            raise DataValidationError(label, f"claim {row['claim_id']}: " + "; ".join(found), field, i + 1)


def _check_max_words(df, label, field, most):
    for i, v in df[field].items():
        n = len(str(v).split())
        if n > most:
            raise DataValidationError(label, f"quotation has {n} words; keep the source's key words (at most {most})",
                                      field, i + 1)


CHECKS = {
    "bibkeys": lambda df, label, a, read: _check_bibkeys(df, label, a["field"], a.get("separator")),
    "evidence_rule": lambda df, label, a, read: _check_evidence_rule(df, label, a["field"], a["rows_field"],
                                                                    a["tables"], read),
    "quoted": lambda df, label, a, read: _check_quoted(df, label, a["field"], a["quotes"], read),
    "chapter_refs": lambda df, label, a, read: _check_chapter_refs(df, label, a["field"], a.get("also_chapters", ())),
    "max_words": lambda df, label, a, read: _check_max_words(df, label, a["field"], a["max"]),
    "hedges": lambda df, label, a, read: _check_hedges(df, label, a["field"], a["quotes"], a["note_field"], read),
    "percent": lambda df, label, a, read: _check_percent(df, label, a["field"], a["unit_field"]),
    "series": lambda df, label, a, read: _check_series(df, label, a["field"], a["same"]),
    "value_or_text": lambda df, label, a, read: _check_values_present(df, label, a["field"], a["other"]),
}


def run(df, label: str, checks, read) -> None:
    """Run a resource's ``x-checks`` on its validated table. ``read`` reads the other tables a
    check compares with: ``read.table(name)`` (the whole table) or ``read.keys(name, column)``
    (only that column's values, e.g. the ids a foreign key must name)."""
    for check in checks:
        CHECKS[check["check"]](df, label, check, read)
