"""The citation extension (_ext/citation.py): its block is a real section in every builder.

A tiny Sphinx project (two pages, a synthetic CITATION.cff) is built with the extension, in
HTML and in LaTeX: the block must be a titled section inside the page's own section, in the
page's table of contents, carry one parseable BibTeX entry, and be absent from skipped pages.
"""
import sys

import pytest
import yaml
from bs4 import BeautifulSoup
from docutils import nodes
from pybtex.database import parse_string

from analysis import paths
from sphinx_helpers import build, project

sys.path.insert(0, str(paths.ROOT / "_ext"))
import citation  # noqa: E402  (the extension module, from _ext/)

CFF = """cff-version: 1.2.0
title: "A Test Book & Friends"
authors:
  - family-names: Doe
    given-names: Jane
  - name: "The Test Collective"
version: "2.3.4"
date-released: "2025-06-01"
url: "https://example.org/book/"
doi: 10.1234/test.5
"""


def _project(tmp_path):
    src = project(tmp_path, CFF,
                  "extensions = ['citation']\n"
                  "citation_skip_pages = ['ch/skipped', 'index']\n"
                  "html_theme = 'sphinx_book_theme'\n"  # the book's theme (it knows extra_footer)
                  "latex_documents = [('index', 'test.tex', 'Test', 'Doe', 'manual')]\n")
    (src / "index.rst").write_text(
        "Test book\n=========\n\n.. toctree::\n\n   ch/chapter\n   ch/skipped\n", encoding="utf-8")
    (src / "ch" / "chapter.rst").write_text(
        "Growth in Cambridge\n===================\n\nText.\n\nA subsection\n------------\n\nMore.\n",
        encoding="utf-8")
    (src / "ch" / "skipped.rst").write_text("How to cite\n===========\n\nText.\n", encoding="utf-8")
    return src


def _build(src, builder):
    return build(src, builder)


@pytest.fixture(scope="module")
def html_build(tmp_path_factory):
    return _build(_project(tmp_path_factory.mktemp("cite")), "html")


def test_block_is_a_titled_subsection_with_one_bibtex_entry(html_build):
    _, out = html_build
    s = BeautifulSoup((out / "ch" / "chapter.html").read_text(encoding="utf-8"), "html.parser")
    block = s.select_one("section#how-to-cite-this-chapter.chapter-citation")
    assert block is not None
    assert block.find("h2").get_text().rstrip("#¶ ").strip() == "How to cite this chapter"
    assert block.find_parent("section").find("h1").get_text().rstrip("#¶ ").strip() == "Growth in Cambridge"
    (entry,) = parse_string(block.select_one(".chapter-citation-bibtex pre").get_text(), "bibtex").entries.values()
    assert entry.type == "incollection"
    assert entry.fields["title"] == "{Growth in Cambridge}"
    assert entry.fields["booktitle"] == r"{A Test Book \& Friends}"
    assert entry.fields["url"] == "https://example.org/book/ch/chapter.html"
    assert entry.fields["doi"] == "10.1234/test.5" and entry.fields["edition"] == "2.3.4"
    assert [str(p) for p in entry.persons["author"]] == ["Doe, Jane", "{The Test Collective}"]  # a corporate name stays one name
    plain = block.select_one("p.chapter-citation-plain").get_text()
    assert plain.startswith("Doe, Jane; The Test Collective (2025). Growth in Cambridge. In: A Test Book & Friends")


def test_block_is_in_the_table_of_contents_and_skipped_pages_have_none(html_build):
    app, out = html_build
    toc = app.env.tocs["ch/chapter"].astext()
    assert "How to cite this chapter" in toc and "A subsection" in toc
    assert "How to cite this chapter" not in app.env.tocs["ch/skipped"].astext()
    assert "how-to-cite-this-chapter" not in (out / "ch" / "skipped.html").read_text(encoding="utf-8")
    s = BeautifulSoup((out / "ch" / "chapter.html").read_text(encoding="utf-8"), "html.parser")
    assert s.select_one('nav a[href="#how-to-cite-this-chapter"]') is not None, "not in the page's toc"



def test_block_reaches_latex(tmp_path):
    _, out = _build(_project(tmp_path), "latex")
    tex = (out / "test.tex").read_text(encoding="utf-8")
    assert tex.count("How to cite this chapter") == 1  # the chapter's, not the skipped page's
    assert "@incollection" in tex and "Growth in Cambridge" in tex


def test_section_builder_on_a_synthetic_doctree():
    doc = nodes.document(None, None)
    top = nodes.section("", nodes.title("Mobility", "Mobility"), ids=["mobility"])
    doc += top
    cff = yaml.safe_load(CFF)
    sec = citation.add_citation_section(doc, cff, "book/mobility")
    assert sec.parent is top and sec["ids"] == ["how-to-cite-this-chapter"]
    assert isinstance(sec[0], nodes.title) and sec[0].astext() == "How to cite this chapter"
    assert "{Mobility}" in sec[2].astext()
