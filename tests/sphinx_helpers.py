"""Building a tiny Sphinx project in a test, for the checks on the local extensions in _ext/."""
from __future__ import annotations

import io
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace, patch_docutils


def build(src: Path, builder: str):
    """Build ``src`` (its conf.py beside the sources) into ``src/../_build/<builder>``; no warnings allowed.

    Returns (app, output folder).
    """
    out = src.parent / "_build" / builder
    warnings = io.StringIO()
    # as sphinx-build does: a fresh docutils registry per build, so builds in one process don't clash
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(str(src), str(src), str(out), str(src.parent / "_build" / ".doctrees" / builder), builder,
                     status=None, warning=warnings, freshenv=True)
        app.build()
    assert warnings.getvalue() == "", warnings.getvalue()
    return app, out


def project(tmp_path: Path, cff: str, conf: str) -> Path:
    """A source folder ``tmp_path/src`` (with ``ch/``): the given CITATION.cff and a conf.py that
    puts the book's ``_ext/`` on the path, then ``conf``. Returns the folder."""
    from analysis import paths

    src = tmp_path / "src"
    (src / "ch").mkdir(parents=True)
    (src / "CITATION.cff").write_text(cff, encoding="utf-8")
    (src / "conf.py").write_text(f"import sys\nsys.path.insert(0, {str(paths.ROOT / '_ext')!r})\n" + conf,
                                 encoding="utf-8")
    return src
