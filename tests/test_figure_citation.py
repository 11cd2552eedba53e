"""Citable figures and tables (_ext/figure_citation.py; charts.finish(label=), page.table(label=)).

Pure functions on small inputs: a chart's spec and title are read from altair's HTML, tables
from their caption; numbers count per chapter and kind; anchors come from an explicit label,
else the title's slug (so adding a figure elsewhere moves no anchor), else the section; the
snippet's BibTeX parses and names figure number, chapter, book, edition and URL with anchor.
"""
import sys

import altair as alt
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pybtex.database import parse_string

from analysis import paths
from analysis.present import charts, page

sys.path.insert(0, str(paths.ROOT / "_ext"))
import figure_citation as fc  # noqa: E402  (the extension module, from _ext/)

CFF = {"title": "A Book & Co", "authors": [{"name": "The Authors"}], "version": "1.2.3",
       "date-released": "2026-01-02", "url": "https://example.org/book/"}


def _chart(label=None, title="Firms' links: Cambridge (1999)"):
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    return charts.finish(alt.Chart(df).mark_point().encode(x="x:Q", y="y:Q"), title,
                         "Two points showing a test relation, for the unit test.", label=label)


def test_slugify():
    assert fc.slugify("Firms' links: Cambridge (1999)") == "firms-links-cambridge-1999"
    assert fc.slugify("Göteborg – Sophia-Antipolis") == "goteborg-sophia-antipolis"
    assert fc.slugify("one two three four five six seven eight nine ten") == "one-two-three-four-five-six-seven-eight"


def test_chart_title_and_label_from_altair_html():
    info = fc.classify(_chart()._repr_mimebundle_()["text/html"])
    assert info == {"kind": "figure", "title": "Firms' links: Cambridge (1999)", "label": ""}
    info = fc.classify(_chart(label="fig-links")._repr_mimebundle_()["text/html"])
    assert info["label"] == "fig-links"
    with pytest.raises(ValueError, match="chart label"):
        _chart(label="Fig Links")


def test_table_caption_and_label_from_page_table():
    df = pd.DataFrame({"a": [1], "status": ["read-in-source"]})
    df.attrs["provenance"] = {"title": "Some facts", "path": "data/published/x.csv", "evidence_kind": "published"}
    t = page.table(df, caption="Employment by cluster.")
    info = fc.classify(t._repr_html_())
    assert info["kind"] == "table" and info["label"] == "" and "Employment by cluster." in info["title"]
    assert fc.title_slug("table", info["title"]).startswith("some-facts")  # evidence lead dropped
    assert fc.classify(page.table(df, label="tbl-facts")._repr_html_())["label"] == "tbl-facts"
    assert 'data-label' not in t._repr_html_()  # no label: the output is unchanged
    assert fc.classify(pd.DataFrame({"a": [1]}).to_html())["title"] == ""
    assert fc.classify("<p>no table</p>") is None


def test_numbers_per_chapter_and_stable_anchors():
    items = [{"kind": "figure", "title": "Alpha", "label": "", "section": "S"},
             {"kind": "table", "title": "", "label": "", "section": "Published evidence"},
             {"kind": "figure", "title": "Beta", "label": "fig-b", "section": "S"},
             {"kind": "table", "title": "", "label": "", "section": "Published evidence"},
             {"kind": "figure", "title": "Alpha", "label": "", "section": "T"}]
    out = fc.assign(items, 3)
    assert [o["name"] for o in out] == ["Figure 3.1", "Table 3.1", "Figure 3.2", "Table 3.2", "Figure 3.3"]
    assert [o["anchor"] for o in out] == ["fig-alpha", "tbl-published-evidence-1", "fig-b",
                                          "tbl-published-evidence-2", "fig-alpha-2"]
    assert [o["anchor_from"] for o in out] == ["title", "section", "label", "section", "title"]
    # a figure added before the others changes numbers, never the anchors of the others
    more = fc.assign([{"kind": "figure", "title": "New one", "label": "", "section": "Q"}] + items, 3)
    assert [o["anchor"] for o in more[1:]] == [o["anchor"] for o in out]
    assert more[1]["name"] == "Figure 3.2"
    with pytest.raises(ValueError, match="label"):
        fc.assign([{"kind": "figure", "title": "", "label": "Bad label", "section": ""}], 1)


def test_citation_snippet_parses_and_names_everything():
    (item,) = fc.assign([{"kind": "figure", "title": "R&D links", "label": "", "section": ""}], 4)
    url, plain, bib = fc.cite(CFF, "book/networking", "Inter-firm networking", item)
    assert url == "https://example.org/book/book/networking.html#fig-r-d-links"
    assert "Figure 4.1: R&D links" in plain and "Inter-firm networking" in plain and "version 1.2.3" in plain
    (entry,) = parse_string(bib, "bibtex").entries.values()
    assert entry.fields["number"] == "4.1" and entry.fields["type"] == "Figure"
    assert entry.fields["edition"] == "1.2.3" and entry.fields["url"] == url
    assert entry.fields["chapter"] == "{Inter-firm networking}"
    assert entry.fields["title"] == "{Figure 4.1: R\\&D links}"
    s = BeautifulSoup(fc.snippet_html(item, plain, bib), "html.parser")
    details = s.select_one("details.figure-citation")
    assert details is not None and not details.has_attr("open")  # collapsed
    assert details.summary.get_text() == "Figure 4.1: cite this figure"
    assert parse_string(details.select_one("pre.figure-citation-bibtex").get_text(), "bibtex").entries


def test_a_table_is_cited_by_its_caption_s_first_sentence():
    caption = ("Published (transcribed): Claims ledger: the programme's findings (data/published/claims.csv). "
               "Status: 'read in source' (checked in the source) or 'second-hand'. 6 claims of this chapter.")
    assert fc.cite_title("table", caption) == "Claims ledger: the programme's findings (data/published/claims.csv)"
    assert fc.cite_title("figure", "Mixing of the chains, 1.5 ties.") == "Mixing of the chains, 1.5 ties"
    assert fc.cite_title("table", "Open data: E–I index v. 2.1 per network") == "E–I index v. 2.1 per network"
    (item,) = fc.assign([{"kind": "table", "title": caption, "label": "", "section": ""}], 3)
    _, plain, bib = fc.cite(CFF, "book/networking", "Inter-firm networking", item)
    assert "Table 3.1: Claims ledger: the programme's findings (data/published/claims.csv). In: Inter-firm" in plain
    assert "Status" not in plain and ".." not in plain
    assert parse_string(bib, "bibtex").entries


def test_missing_label_message_counts_unlabelled():
    items = fc.assign([{"kind": "figure", "title": "A", "label": "", "section": ""},
                       {"kind": "figure", "title": "", "label": "fig-b", "section": ""},
                       {"kind": "table", "title": "", "label": "", "section": "S"}], 2)
    msg = fc.missing_label_message([("book/x", it) for it in items])
    assert msg.startswith("figure citations: 2 of 3 figures and tables have no explicit label")
    assert "1 from the section" in msg and "book/x#fig-a" in msg
    assert fc.missing_label_message([("book/x", items[1])]) is None
