"""The handouts extension (_ext/handouts.py), without TeX: a tiny book of one notebook chapter.

LaTeX: the builder must write one handout .tex per chapter beside the book's, its first thing
(after the title) a box with the book's title, the edition, the URL and the citation text; the
book's .tex has no box. HTML: the "Download this chapter as PDF" link appears only when the
handout exists, and then points at a file the build copied into the site.
"""
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup

from analysis import paths
from sphinx_helpers import build, project

sys.path.insert(0, str(paths.ROOT / "_ext"))
import handouts  # noqa: E402  (the extension module, from _ext/)

CFF = """cff-version: 1.2.0
title: "A Test Book & Friends"
authors:
  - name: "The Test Collective"
version: "2.3.4"
date-released: "2025-06-01"
url: "https://example.org/book/"
"""


def _project(tmp_path, with_pdf: bool):
    src = project(tmp_path, CFF,
                  "extensions = ['myst_nb', 'citation', 'handouts']\n"
                  "nb_execution_mode = 'off'\n"
                  "exclude_patterns = ['_build']\n"  # the handout below sits in src/_build/
                  "citation_skip_pages = ['index']\n"
                  "html_theme = 'sphinx_book_theme'\n"
                  "latex_documents = [('index', 'test.tex', 'Test', 'Doe', 'manual')]\n")
    (src / "index.md").write_text("# Test book\n\n```{toctree}\nch/chapter\n```\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# Growth in Cambridge\n\nText.\n\n## A subsection\n\nMore.\n")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "ch" / "chapter.ipynb")
    if with_pdf:
        (src / "_build" / "pdf" / "chapters").mkdir(parents=True)
        (src / "_build" / "pdf" / "chapters" / "chapter.pdf").write_bytes(b"%PDF-1.4 test handout\n")
    return src


def _build(src, builder):
    return build(src, builder)[1]


def _link(out):
    s = BeautifulSoup((out / "ch" / "chapter.html").read_text(encoding="utf-8"), "html.parser")
    return s.select_one("section#how-to-cite-this-chapter p.handout-download a"), s


def test_latex_writes_one_handout_per_chapter_with_its_citation_first(tmp_path):
    out = _build(_project(tmp_path, with_pdf=False), "latex")
    book = (out / "test.tex").read_text(encoding="utf-8")
    tex = (out / "handout-chapter.tex").read_text(encoding="utf-8").replace(r"\sphinxhyphen{}", "-")
    assert "Chapter handout" not in book, "the book PDF must not carry a handout box"
    assert r"\title{Growth in Cambridge}" in tex and "sphinxhowto" in tex
    body = tex.split(r"\begin{document}", 1)[1]
    box = body.split("Chapter handout", 1)
    assert len(box) == 2 and "A subsection" not in box[0], "the box is not at the top of the handout"
    for text in (r"A Test Book \& Friends", "edition 2.3.4 (2025-06-01)",
                 "https://example.org/book/ch/chapter.html", "How to cite this chapter:",
                 r"The Test Collective (2025). Growth in Cambridge. In: A Test Book \& Friends, version 2.3.4."):
        assert text in box[1].split("A subsection", 1)[0], f"handout box lacks {text!r}"


def test_html_links_the_handout_only_when_it_exists(tmp_path):
    out = _build(_project(tmp_path / "without", with_pdf=False), "html")
    link, s = _link(out)
    assert link is None and handouts.LINK_TEXT not in s.get_text()
    out = _build(_project(tmp_path / "with", with_pdf=True), "html")
    link, _ = _link(out)
    assert link is not None and link.get_text() == handouts.LINK_TEXT
    target = (out / "ch" / link["href"]).resolve()
    assert target.is_file() and target.read_bytes().startswith(b"%PDF"), f"link {link['href']} is broken"


@pytest.mark.parametrize("docname,stem", [("book/networking", "networking"), ("models", "models")])
def test_handout_name(docname, stem):
    assert handouts.handout_name(docname) == stem
