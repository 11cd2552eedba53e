"""Notebook hygiene: what nbval does not check about the committed notebooks."""
import re

import nbformat
import pytest

from analysis.build.site import notebooks

NOTEBOOKS = notebooks()
PATHY = re.compile(r"""(open\(|read_csv\(|read_json\(|Path\(|["'][^"']*\.(csv|json|bib|RData|pkl)["'])""")


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "first cell must be a '# Title' Markdown cell"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a data chapter has code"
    imports = [c for c in code if re.search(r"^\s*(from|import)\s", c.source, re.M)]
    assert len(imports) == 1, f"{len(imports)} cells import modules; keep one import cell"
    for i, c in enumerate(code):
        assert c.execution_count is not None, f"code cell {i} has no stored execution (run `make refresh`)"
        assert not PATHY.search(c.source), f"code cell {i} opens a file or names a path; use analysis.data.load"
        for out in c.outputs:
            assert out.output_type != "error", f"code cell {i} stores a traceback"
            if out.output_type == "stream":
                assert out.name != "stderr", f"code cell {i} stores stderr output (warnings?): {out.text[:200]}"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
