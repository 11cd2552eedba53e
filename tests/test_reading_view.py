"""The reading view: notebook cells carry the tags scripts/tag_cells.py gives them.

Other helpers edit notebooks in parallel; after a merge `python scripts/tag_cells.py`
re-tags them, and this test fails until someone has.
"""
import copy
import importlib.util

import pytest

from analysis import paths

_spec = importlib.util.spec_from_file_location("tag_cells", paths.ROOT / "scripts" / "tag_cells.py")
tag_cells = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tag_cells)


def cell(source, tags=None):
    c = {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": 1}
    if tags:
        c["metadata"]["tags"] = list(tags)
    return c


@pytest.mark.parametrize("source, want", [
    ("import pandas as pd\nfrom analysis import data\n", "remove-cell"),
    ('import pandas as pd\npd.set_option("display.max_colwidth", None)\n', "remove-cell"),
    ('claims = data.load("claims")\nfacts = data.load("facts").set_index("row_id")\n', "remove-cell"),
    ('x = networks.density(G)\nglue("density", x, display=False)\n', "remove-cell"),
    ('for k, v in values.items():\n    glue(k, v, display=False)\n', "remove-cell"),
    ('glue("density", x)\n', "hide-input"),          # glue that displays its value
    ("charts.network_chart(nodes, edges)\n", "hide-input"),
    ('table = networks.summary_table(emon)\nglue("n", len(table), display=False)\ntable\n', "hide-input"),
    ("ei = networks.location_ei_table(emon, n_perm=10, seed=1)\n", "hide-input"),
    ('print("hello")\n', "hide-input"),
    ("import pandas as pd\npd.DataFrame();\n", "hide-input"),  # ; but a computation, not setup
    # the page kit: page.glue never displays; evidence_default and the seed policy are set-up
    ('from analysis import page\npage.evidence_default("open-data", "emon")\n', "remove-cell"),
    ('SEED = page.seed("networking")\n', "remove-cell"),
    ('x = networks.density(G)\npage.glue("density", x)\n', "remove-cell"),
    ('page.glue("density", x)\n', "remove-cell"),
    ('with page.evidence("simulated", "m"):\n    page.glue("x", 1)\n', "remove-cell"),
    ('page.glue_rows(facts, ["HL-01"])\n', "hide-input"),   # returns (and so shows) what it glued
    ('_ = page.glue_rows(facts, ["HL-01"])\n', "remove-cell"),
    ('page.glue("n", 3)\npage.table(df, evidence="open-data")\n', "hide-input"),
])
def test_classify(source, want):
    assert tag_cells.classify(cell(source)) == want


def test_teach_keeps_code_visible_and_other_tags_stay():
    nb = {"cells": [cell("import x\n", ["teach", "remove-cell"]), cell("f(x)\n", ["nbval-ignore-output"]),
                    {"cell_type": "markdown", "source": "# T", "metadata": {}}]}
    out = tag_cells.tagged(copy.deepcopy(nb))
    assert out["cells"][0]["metadata"]["tags"] == ["teach"]
    assert out["cells"][1]["metadata"]["tags"] == ["nbval-ignore-output", "hide-input"]
    assert out["cells"][2] == nb["cells"][2]
    assert tag_cells.tagged(copy.deepcopy(out)) == out  # idempotent


@pytest.mark.parametrize("nb_path", tag_cells.notebooks(), ids=lambda p: p.name)
def test_notebook_is_tagged_as_the_script_would(nb_path):
    problems = tag_cells.mismatches(nb_path)
    assert not problems, "\n".join(problems) + "\nrun: python scripts/tag_cells.py"
