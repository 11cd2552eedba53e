"""Tag notebook code cells for the reading view of the book (issue 15).

    python scripts/tag_cells.py            # tag every notebook listed in _toc.yml
    python scripts/tag_cells.py --check    # exit 1 if any notebook is not tagged as it would be
    python scripts/tag_cells.py book/x.ipynb ...

Rules, applied to each code cell from its source alone (deterministic, idempotent):

* ``teach`` (set by the author): the code teaches a measure and stays visible; the
  script removes its own tags from it.
* plumbing -> ``remove-cell`` (absent from the page; the downloaded or launched
  notebook keeps it): a cell that shows nothing and only imports, loads data, sets
  options, or computes values in order to ``glue`` them into the prose.
* anything else -> ``hide-input``: analysis code, collapsed behind a "show code" toggle,
  with its output (table, chart) shown.

"Shows nothing" means the last statement is not a bare expression (or ends in ``;``)
and the cell calls no ``print``/``display``. Only the two tags above are managed; any
other tag (nbval-*, remove-output, ...) is left as it is.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGED = ("remove-cell", "hide-input")
KEEP_VISIBLE = "teach"
SHOWING_CALLS = {"print", "display"}
# myst_nb.glue and the page kit's glue helpers (analysis.present.page: glue, glue_all, glue_rows, glue_value)
GLUE_CALLS = {"glue", "glue_all", "glue_rows", "glue_value"}
# page.evidence_default sets the evidence kind of later glue calls: set-up, like an option
SETUP_CALLS = {"set_option", "filterwarnings", "seed", "evidence_default"}
# SEED = page.seed("chapter") (or page.rng): the chapter's seed policy, set-up like a constant
SEED_CALLS = {"seed", "rng"}
# Calls that may follow a data load in a setup assignment (data.load("x").set_index("id")).
LOAD_CALLS = {"load", "set_index", "sort_values", "reset_index", "copy", "rename"}


def _call_name(node) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    return None


def _calls(tree) -> set[str]:
    return {n for n in (_call_name(x) for x in ast.walk(tree)) if n}


def shows_output(source: str, tree: ast.Module) -> bool:
    """Whether running the cell puts something on the page (glue(..., display=False) does not)."""
    if _calls(tree) & SHOWING_CALLS:
        return True
    if not tree.body:
        return False
    last = tree.body[-1]
    if not isinstance(last, ast.Expr) or source.rstrip().endswith(";"):
        return False
    name = _call_name(last.value)
    if name in SETUP_CALLS:
        return False  # returns None
    if name == "glue" and isinstance(last.value.func, ast.Attribute):
        return False  # page.glue(name, value) never displays (and returns None)
    if name in GLUE_CALLS - {"glue"}:
        return True  # page.glue_all / glue_rows / glue_value return what they glued: shown as Out
    if name in GLUE_CALLS:
        # glue(name, value) displays the value unless display=False
        return not any(k.arg == "display" and isinstance(k.value, ast.Constant) and k.value.value is False
                       for k in last.value.keywords)
    return True


def _is_setup(stmt) -> bool:
    """An import, a data load, an option or a constant: what a chapter sets up before it starts."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, ast.Expr) and _call_name(stmt.value) in SETUP_CALLS:
        return True
    if isinstance(stmt, ast.Assign):
        v = stmt.value
        if isinstance(v, ast.Constant):
            return True
        calls = _calls(v)
        if "load" in calls and calls <= LOAD_CALLS:
            return True
        if calls and calls <= SEED_CALLS:
            return True
    return False


def classify(cell: dict) -> str | None:
    """The managed tag a code cell should carry: 'remove-cell', 'hide-input' or None (visible)."""
    if KEEP_VISIBLE in cell.get("metadata", {}).get("tags", []):
        return None
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if not source.strip():
        return "remove-cell"
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # IPython magics etc.: leave the code in view but collapsed.
        return "hide-input"
    if shows_output(source, tree):
        return "hide-input"
    if all(_is_setup(s) for s in tree.body):
        return "remove-cell"  # imports, loads, options
    if _calls(tree) & GLUE_CALLS:
        return "remove-cell"  # computes values only to glue them into the prose
    return "hide-input"


def tagged(nb: dict) -> dict:
    """The notebook with every code cell's managed tags set as :func:`classify` says."""
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        meta = cell.setdefault("metadata", {})
        tags = [t for t in meta.get("tags", []) if t not in MANAGED]
        want = classify(cell)
        if want:
            tags.append(want)
        if tags:
            meta["tags"] = tags
        else:
            meta.pop("tags", None)
    return nb


def notebooks() -> list[Path]:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"^\s*- file:\s*(\S+)", toc, flags=re.M)
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def _dump(nb: dict) -> str:
    # nbformat's own layout (indent 1, keys sorted, non-ASCII kept), so only tags change.
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def mismatches(path: Path) -> list[str]:
    """Code cells of one notebook whose managed tags differ from what the script would set."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    want = tagged(json.loads(path.read_text(encoding="utf-8")))
    out = []
    for i, (a, b) in enumerate(zip(nb["cells"], want["cells"])):
        have = [t for t in a.get("metadata", {}).get("tags", []) if t in MANAGED]
        should = [t for t in b.get("metadata", {}).get("tags", []) if t in MANAGED]
        if have != should:
            first = ("".join(a["source"]) if isinstance(a["source"], list) else a["source"]).strip().splitlines()
            out.append(f"{path.name} cell {i}: tags {have} but the rules say {should} "
                       f"({first[0][:60] if first else 'empty'!r})")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true", help="report, do not write; exit 1 on a mismatch")
    a = ap.parse_args(argv)
    paths = [p if p.is_absolute() else Path.cwd() / p for p in a.notebooks] or notebooks()
    problems = []
    for path in paths:
        if a.check:
            problems += mismatches(path)
            continue
        text = path.read_text(encoding="utf-8")
        new = _dump(tagged(json.loads(text)))
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"tagged {path.relative_to(ROOT)}")
    for p in problems:
        print(p)
    if problems:
        print("run: python scripts/tag_cells.py", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
