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



def extension(name: str):
    """The local Sphinx extension ``_ext/<name>.py``, imported (its functions are tested directly)."""
    import importlib
    import sys

    from analysis import paths

    if str(paths.ROOT / "_ext") not in sys.path:
        sys.path.insert(0, str(paths.ROOT / "_ext"))
    return importlib.import_module(name)


def role_project(tmp_path: Path, ext: str, option: str, page: str, title: str, body: str) -> Path:
    """A two-page book for testing the role of extension ``ext``: ``index.md`` holding ``body``, with a
    toctree to ``page`` (headed ``title``), which the config value ``option`` names as the link target."""
    conf = f"extensions = ['myst_nb', {ext!r}]\nnb_execution_mode = 'off'\n{option} = {page!r}\n"
    src = project(tmp_path, 'cff-version: 1.2.0\ntitle: "T"\nversion: "1.0.0"\n', conf)
    (src / "index.md").write_text(f"# Book\n\n```{{toctree}}\n{page}\n```\n\n{body}\n", encoding="utf-8")
    (src / f"{page}.md").write_text(f"# {title}\n", encoding="utf-8")
    return src
