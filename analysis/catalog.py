"""Catalogues built from the project's own descriptors: data sources, bibliography.

Pure readers of ``data/datapackage.json`` and ``data/references.bib`` (through
``analysis.data``), used by the Data sources page and the programme chapter.
"""
from __future__ import annotations

import pandas as pd

from . import data, opendata

KIND_WORDS = {"published": "Published (transcribed)", "open-data": "Open data"}


def data_sources() -> pd.DataFrame:
    """One row per dataset the book loads: what, where from, licence, how to cite, evidence kind."""
    rows = []
    for res in data.datapackage()["resources"]:
        rows.append({
            "dataset": res["name"], "title": res.get("title", ""),
            "evidence": KIND_WORDS.get(res.get("x-evidence-kind"), res.get("x-evidence-kind")),
            "where": f"data/{res['path']} (sha256 {res['hash'].removeprefix('sha256:')[:12]}…)",
            "licence": ", ".join(l.get("name", "") for l in res.get("licenses", [])),
            "cite": "; ".join(s.get("title", "") for s in res.get("sources", [])),
            "caveat": res.get("description", ""),
        })
    for name in sorted(data.OPEN):
        prov = opendata.provenance(data.load(name))
        rows.append({
            "dataset": name, "title": prov["title"], "evidence": KIND_WORDS["open-data"] + " (analogue)",
            "where": f"{prov['package']}: {prov['path_in_package']}",
            "licence": prov["licence"], "cite": prov["original_source"], "caveat": prov["caveat"],
        })
    return pd.DataFrame(rows)


def _plain(latex: str) -> str:
    """BibTeX/LaTeX text to plain Unicode (accents, braces)."""
    from pybtex.richtext import Text

    return Text.from_latex(latex).render_as("text")


def bib_entries(**filters) -> pd.DataFrame:
    """Bibliography entries as a table (authors, year, title, journal, volume, number, pages, doi).

    ``filters`` select on those columns, e.g. ``journal="Regional Studies", volume="33"``.
    """
    from pybtex.database import parse_file

    from . import paths

    rows = []
    for key, e in parse_file(str(paths.BIBFILE)).entries.items():
        people = e.persons.get("author", []) or e.persons.get("editor", [])
        rows.append({
            "key": key,
            "authors": "; ".join(_plain(" ".join(p.last_names)) for p in people),
            "year": e.fields.get("year", ""),
            "title": _plain(e.fields.get("title", "")),
            "journal": e.fields.get("journal", ""),
            "volume": e.fields.get("volume", ""),
            "number": e.fields.get("number", ""),
            "pages": e.fields.get("pages", "").replace("--", "–"),
            "doi": e.fields.get("doi", ""),
        })
    df = pd.DataFrame(rows)
    for col, val in filters.items():
        df = df[df[col] == val]
    return df.reset_index(drop=True)


def special_issue() -> pd.DataFrame:
    """The papers of Regional Studies 33(4), 1999 that the bibliography holds, in page order."""
    df = bib_entries(journal="Regional Studies", volume="33", number="4")
    df["first_page"] = df["pages"].str.split("–").str[0].astype(int)
    df = df.sort_values("first_page").drop(columns=["journal", "volume", "number", "first_page"])
    df["doi"] = df["doi"].replace("", "not verified")
    return df.reset_index(drop=True)


def fact(table: pd.DataFrame, row_id: str, column: str = "value"):
    """One published value by its row id (raises if absent: no silent gaps in prose)."""
    hit = table.loc[table["row_id"] == row_id, column]
    if len(hit) != 1:
        raise KeyError(f"row_id {row_id!r} not found exactly once")
    return hit.iloc[0]
