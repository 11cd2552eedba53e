"""Chapter handouts: one PDF per chapter from the book's one LaTeX build, linked from its page.

LaTeX (``make pdf``): after reading, when Jupyter Book has already applied the ``latex:``
overrides of ``_config.yml`` to the single book entry of ``latex_documents``, one entry per
chapter (every ``.ipynb`` page) is appended: that chapter as start document, ``handout-<stem>.tex``,
the ``howto`` class, its own title. The notebooks are executed once; Sphinx writes the book and
every handout, and latexmk (Jupyter Book's ``make all-pdf``) turns each ``.tex`` into a PDF. When a
handout's tree is resolved, a box goes at its top: the book's title, the edition and date from
``CITATION.cff``, the chapter's URL and its "How to cite" text (the same as its citation block,
which still ends the chapter). The book PDF is unchanged.

HTML: a chapter whose handout exists (``handouts_dir``, ``_build/pdf/chapters/<stem>.pdf`` by
default) gets "Download this chapter as PDF" under its citation block, as a Sphinx download
reference, so the HTML builder copies the PDF into ``_downloads/``. Without the file the link is
left out and the build log says so: the site never links to a missing file.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.texescape import escape as tex_escape

import citation  # the sibling local extension: the CFF and the citation text come from it

logger = logging.getLogger(__name__)
LINK_TEXT = "Download this chapter as PDF"
PREFIX = "handout-"  # .tex/.pdf names in the LaTeX folder, clear of Sphinx's own support files


def chapter_docs(env) -> list[str]:
    """The chapters: the documents built from notebooks, in a stable order."""
    return sorted(d for d in env.found_docs if Path(env.doc2path(d)).suffix == ".ipynb")


def handout_name(docname: str) -> str:
    """The file stem of a chapter's handout (``book/networking`` -> ``networking``)."""
    return docname.split("/")[-1]


def available(app) -> dict[str, Path]:
    """Handout stem -> PDF path, for the handouts that exist now."""
    folder = Path(app.confdir) / app.config.handouts_dir
    return {p.stem: p for p in sorted(folder.glob("*.pdf"))} if folder.is_dir() else {}


def front_matter(cff: dict, docname: str, title: str) -> nodes.topic:
    """The box at the top of a handout: book, edition, URL and the chapter's citation text."""
    url, plain, _ = citation.chapter_citation(cff, docname, title)
    box = nodes.topic(classes=["handout-front"])
    box += nodes.title("Chapter handout", "Chapter handout")
    p = nodes.paragraph()
    p += nodes.Text("A chapter of ")
    p += nodes.emphasis(cff["title"], cff["title"])
    p += nodes.Text(f", edition {cff['version']} ({cff['date-released']}).")
    box += p
    p = nodes.paragraph()
    p += nodes.Text("Online: ")
    p += nodes.reference(url, url, refuri=url)
    box += p
    before, _, after = plain.partition(url)
    p = nodes.paragraph(classes=["handout-citation"])
    p += nodes.strong("How to cite this chapter: ", "How to cite this chapter: ")
    p += nodes.Text(before)
    p += nodes.reference(url, url, refuri=url)  # a real URL, so LaTeX can break it across lines
    p += nodes.Text(after)
    box += p
    return box


# Handouts use the howto class (the book uses manual): no table of contents there, so the
# front box and the text start on page 1 right under the title.
PREAMBLE = r"""
\makeatletter
\@ifclassloaded{sphinxhowto}{\renewcommand{\sphinxtableofcontents}{}}{}
\makeatother
"""


def _on_config_inited(app, config) -> None:
    config.latex_elements = dict(config.latex_elements or {})
    config.latex_elements["preamble"] = config.latex_elements.get("preamble", "") + PREAMBLE
    # An env value: a handout appearing or disappearing re-reads the pages (execution is cached).
    # (The builder does not exist yet here; the LaTeX build ignores the value.)
    names = ",".join(available(app))
    config.handouts_digest = hashlib.sha256(names.encode()).hexdigest()


def _on_env_updated(app, env):
    if app.builder.name != "latex":
        return []
    docs = [d for d in chapter_docs(env) if d != app.config.root_doc]
    stems = [handout_name(d) for d in docs]
    clash = sorted({s for s in stems if stems.count(s) > 1})
    if clash:
        raise ValueError(f"_toc.yml: chapters {clash} share a file name in different folders; "
                         "their handouts would overwrite each other")
    book = [tuple(e) for e in app.config.latex_documents if e[0] not in docs]
    authors = "; ".join(citation.author_names(app.env_cff))
    entries = [(d, f"{PREFIX}{handout_name(d)}.tex", tex_escape(env.titles[d].astext(), app.config.latex_engine),
                tex_escape(authors, app.config.latex_engine), "howto", False) for d in docs]
    app.config.latex_documents = book + entries
    app.env.handout_docs = set(docs)
    return []


def _on_doctree_resolved(app, doctree, docname) -> None:
    # In the LaTeX builder a start document is resolved once, as its own assembled tree.
    if app.builder.name != "latex" or docname not in getattr(app.env, "handout_docs", ()):
        return
    top = next((n for n in doctree.children if isinstance(n, nodes.section)), None)
    if top is None:
        raise ValueError(f"{docname}: a chapter handout needs a page title")
    top.insert(1, front_matter(app.env_cff, docname, citation.page_title(doctree)))


def _on_doctree_read(app, doctree) -> None:
    docname = app.env.docname
    if app.builder.name == "latex" or Path(app.env.doc2path(docname)).suffix != ".ipynb":
        return
    block = next((s for s in doctree.findall(nodes.section) if citation.SECTION_ID in s["ids"]), None)
    if block is None:  # a page without a citation block (citation_skip_pages) gets no link either
        return
    pdf = available(app).get(handout_name(docname))
    if pdf is None:
        logger.info(f"handouts: no {app.config.handouts_dir}/{handout_name(docname)}.pdf for {docname}; "
                    f"'{LINK_TEXT}' left out (run `make pdf` before the HTML build)")
        return
    ref = addnodes.download_reference("", "", refdoc=docname, refexplicit=True, refwarn=False,
                                      reftarget="/" + pdf.relative_to(Path(app.confdir)).as_posix())
    ref += nodes.inline(LINK_TEXT, LINK_TEXT, classes=["download"])  # plain text, not code style
    para = nodes.paragraph(classes=["handout-download"])
    para += ref
    para += nodes.Text(f" (edition {app.env_cff['version']}, with this citation on its first page).")
    block.append(para)


def setup(app):
    app.setup_extension("citation")
    # Where `make pdf` leaves the chapter handouts, relative to the book root.
    app.add_config_value("handouts_dir", "_build/pdf/chapters", "env")
    # Which handouts exist (set at config-inited): an env value, so their arrival re-reads pages.
    app.add_config_value("handouts_digest", "", "env")
    app.connect("config-inited", _on_config_inited)
    app.connect("env-updated", _on_env_updated)
    app.connect("doctree-resolved", _on_doctree_resolved)
    # After the citation block (400), before the collectors (500) pick up the download.
    app.connect("doctree-read", _on_doctree_read, priority=450)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
