"""The layout of ``analysis`` (issue 23): sub-packages that mirror ARCHITECTURE.md, no import
cycle, no long module without a written reason, notebooks importing only what they should."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from analysis import paths
from analysis.build.site import notebooks

PKG = paths.ROOT / "analysis"
#: Sub-packages and what they hold (ARCHITECTURE.md names the same).
SUBPACKAGES = ("data", "measures", "models", "present", "build")
MAX_LINES = 500
REASON = "Longer than 500 lines:"


def module_name(path: Path, root: Path = PKG) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PKG) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts}


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that module ``name`` imports anywhere (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for a in node.names:  # `from pkg import mod` imports the module pkg.mod
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
    return {m for m in out if m in known and m != name}


def import_graph(root: Path = PKG) -> dict[str, set[str]]:
    mods = modules(root)
    return {name: imports(path, name, set(mods)) for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a closed path, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_import_cycle_inside_analysis():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The check bites: a lazy import inside a function that closes a loop is found."""
    pkg = tmp_path / "analysis"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data/__init__.py").write_text("from . import registry\n")
    (pkg / "data/registry.py").write_text("from . import recorder\n")
    (pkg / "data/recorder.py").write_text("def entry():\n    from .registry import entry\n")
    cycle = find_cycle(import_graph(pkg))
    assert cycle == ["analysis.data.registry", "analysis.data.recorder", "analysis.data.registry"]
    (pkg / "data/recorder.py").write_text("def entry(registry):\n    return registry.entry\n")
    assert find_cycle(import_graph(pkg)) is None


def test_the_tree_has_the_sub_packages_of_the_architecture():
    top = sorted(p.name for p in PKG.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists())
    assert top == sorted(["__init__.py", "paths.py", *SUBPACKAGES])
    text = (paths.ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for sub in SUBPACKAGES:
        assert f"analysis/{sub}/" in text, f"ARCHITECTURE.md does not show analysis/{sub}/"
        assert (PKG / sub / "__init__.py").read_text(encoding="utf-8").startswith('"""'), sub


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_over_500_lines_without_a_reason(name):
    path = modules()[name]
    n = len(path.read_text(encoding="utf-8").splitlines())
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert doc, f"{path.relative_to(paths.ROOT)} has no docstring saying what it holds"
    if n > MAX_LINES:
        assert REASON in doc, (f"{path.relative_to(paths.ROOT)} has {n} lines: split it, or say why at its "
                               f"top ('{REASON} ...')")


def test_notebooks_import_no_build_plumbing():
    """Notebooks import data, measures, models and present; the recorder and build plumbing are not for them."""
    pattern = re.compile(r"^\s*(?:from|import)\s+analysis\.(?:build|data\.\w+)", re.M)
    for nb in notebooks():
        code = "\n".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code")
        assert not pattern.search(code), f"{nb.name} imports build plumbing or a step of the loader"


def test_pyproject_installs_every_sub_package():
    """A regular (not editable) install, e.g. on Binder or from the release archive, has every sub-package."""
    import tomllib

    listed = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    on_disk = {module_name(p.parent) for p in PKG.rglob("__init__.py") if "__pycache__" not in p.parts}
    assert sorted(listed) == sorted(on_disk)
