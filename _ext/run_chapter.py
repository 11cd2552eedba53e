"""A "Run this chapter" block on every chapter notebook's page: how a reader re-executes it.

One short note, appended to the page's last top-level section just before the citation block
(_ext/citation.py runs later at the same event): clone the repository, ``make lab`` opens the
chapters in JupyterLab (jupyterlab-myst renders their MyST markup), *Restart Kernel and Run All
Cells* reproduces every number of the page, which ``make test-reader`` checks on every chapter.
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes


def run_block(notebook: str, repo_url: str) -> nodes.admonition:
    """The note for ``notebook`` (its path in the repository, e.g. 'book/mobility.ipynb')."""
    note = nodes.admonition(classes=["note", "run-chapter"])
    note += nodes.title(text="Run this chapter")
    para = nodes.paragraph()
    para += nodes.Text("Clone the ")
    para += nodes.reference(text="book's repository", refuri=repo_url)
    para += nodes.Text(" and run ")
    para += nodes.literal(text="make lab")
    para += nodes.Text(": JupyterLab opens the chapters with the locked packages. Open ")
    para += nodes.literal(text=notebook)
    para += nodes.Text(" and choose Kernel → Restart Kernel and Run All Cells; every number on this "
                       "page comes out the same (the test suite re-executes each chapter this way, "
                       "under another time zone and locale).")
    note += para
    return note


def _on_doctree_read(app, doctree) -> None:
    docname = app.env.docname
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb":
        return
    repo = (app.config.html_theme_options or {}).get("repository_url") or ""
    tops = [n for n in doctree.children if isinstance(n, nodes.section)]
    rel = source.relative_to(Path(app.confdir)).as_posix()
    (tops[-1] if tops else doctree).append(run_block(rel, repo))


def setup(app):
    # Before the citation block (citation.py, priority 400), which must stay the page's last section.
    app.connect("doctree-read", _on_doctree_read, priority=390)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
