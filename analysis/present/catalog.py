"""Catalogues built from the project's own descriptors: data sources, bibliography.

Pure readers of the registry ``data/datapackage.json`` (``analysis.data.registry``) and of
``data/references.bib``, used by the Data sources page and the programme chapter.
"""
from __future__ import annotations

import pandas as pd

from ..build import site as _site
from ..data import attach, registry

# How pages name the registry as the source of a table or a count.
REGISTRY_LABEL = "the registry, data/datapackage.json"
KIND_WORDS = {"published": "Published (transcribed)", "open-data": "Open data"}
#: On the Data sources page every open dataset is marked as an analogue.
SOURCE_KIND_WORDS = {**KIND_WORDS, "open-data": "Open data (analogue)"}


def data_sources(uses: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per registered dataset: what, where from, licence, how to cite, caveat, who loads it.

    Generated from the registry alone (no data file is read). ``evidence_kind`` is in words
    (SOURCE_KIND_WORDS). ``used_by`` lists the chapters
    whose code loads the dataset by name (``uses``: dataset -> chapters, by default read from the
    notebooks of ``_toc.yml``); it is empty for a dataset that is registered but loaded by no
    chapter.
    """
    uses = _site.dataset_uses() if uses is None else uses
    rows = []
    for e in registry.entries():
        label = f"data/{e['path']}" if registry.is_tabular(e) else registry.local_file(e["x-package"])[1]
        prov = attach.describe(e, label)
        sha = f"sha256 {prov['sha256'][:12]}…"
        if registry.is_tabular(e):
            where = f"{label} ({sha})"
        else:
            where = f"{prov['package']}: {prov['path_in_package']} ({sha})"
        rows.append({
            "dataset": e["name"], "title": prov["title"],
            "evidence_kind": SOURCE_KIND_WORDS.get(prov["evidence_kind"], prov["evidence_kind"]),
            "where": where, "licence": prov["licence"], "cite": prov["original_source"],
            "caveat": prov["caveat"], "used_by": ", ".join(uses.get(e["name"], [])),
        })
    return pd.DataFrame(rows)


def source_counts(sources: pd.DataFrame) -> dict[str, int]:
    """Counts for the Data sources page: datasets some chapter loads, by evidence kind, and the rest."""
    used = sources["used_by"] != ""
    kind = sources["evidence_kind"]
    return {
        "n_registered": len(sources),
        "n_used": int(used.sum()),
        "n_used_published": int((used & (kind == SOURCE_KIND_WORDS["published"])).sum()),
        "n_used_open": int((used & (kind == SOURCE_KIND_WORDS["open-data"])).sum()),
        "n_unused": int((~used).sum()),
    }


def _plain(latex: str) -> str:
    """BibTeX/LaTeX text to plain Unicode (accents, braces)."""
    from pybtex.richtext import Text

    return Text.from_latex(latex).render_as("text")


def bib_entries(**filters) -> pd.DataFrame:
    """Bibliography entries as a table (authors, year, title, journal, volume, number, pages, doi, note).

    ``filters`` select on those columns, e.g. ``journal="Regional Studies", volume="33"``.
    """
    from pybtex.database import parse_file

    from .. import paths

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
            "note": e.fields.get("note", ""),
        })
    df = pd.DataFrame(rows)
    for col, val in filters.items():
        df = df[df[col] == val]
    return df.reset_index(drop=True)


# A paper of the special issue that the bibliography does not hold (a gap in the page sequence).
NOT_IDENTIFIED = "not identified"


def page_gaps(pages: pd.Series) -> list[str]:
    """Page ranges between consecutive papers ('343–352') longer than one page.

    A one-page gap is the blank even page before a paper that starts on an odd page, not a
    missing paper. ``pages`` are 'first–last' ranges in page order.
    """
    bounds = [tuple(int(x) for x in p.split("–")) for p in pages]
    return [f"{end + 1}–{start - 1}" for (_, end), (start, _) in zip(bounds, bounds[1:]) if start - end > 2]


def special_issue() -> pd.DataFrame:
    """The papers of Regional Studies 33(4), 1999 that the bibliography holds, in page order.

    ``status`` is that of the bibliographic record: 'read-in-source' (every field kept was read in
    a record of the paper; unverified fields are left out) and ``note`` is the entry's note (e.g.
    'DOI not verified'). A longer gap between two papers (:func:`page_gaps`) is a row of its own,
    with authors NOT_IDENTIFIED and no status.
    """
    df = bib_entries(journal="Regional Studies", volume="33", number="4")
    df["first_page"] = df["pages"].str.split("–").str[0].astype(int)
    df = df.sort_values("first_page").assign(status="read-in-source")
    gaps = pd.DataFrame([{"key": "—", "authors": NOT_IDENTIFIED, "year": "1999", "title": "—", "pages": g,
                          "doi": "—", "status": None, "note": "no paper at these pages is held",
                          "first_page": int(g.split("–")[0])} for g in page_gaps(df["pages"])])
    df = pd.concat([df, gaps], ignore_index=True).sort_values("first_page", kind="stable")
    df = df.drop(columns=["journal", "volume", "number", "first_page"])[
        ["key", "authors", "year", "title", "pages", "doi", "status", "note"]]
    df["doi"] = df["doi"].replace("", "not verified")
    return df.reset_index(drop=True)
