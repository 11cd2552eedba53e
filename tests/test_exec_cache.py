"""`make book` re-executes exactly the notebooks whose inputs changed (issue 16).

Three layers, each with the real mechanism:

* recording (``analysis/data/recorder.py``) in a child interpreter with ``COMPENDIUM_DEPS_RECORD`` set, as
  a build kernel has it: modules, data resources with the sha256 of the files read, refusal of a
  data file opened outside ``data.load``;
* invalidation (``_ext/exec_deps.invalidate``) against a real jupyter-cache on a synthetic project
  (two notebooks, a fake module, two data files): exactly the dependents lose their cache;
* one small jupyter-book build of a two-notebook book on a copy of ``analysis`` and ``data``:
  change a measure, change a data file, change nothing, and count the executions.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from analysis import paths
from analysis.build import staleness
from analysis.data import recorder

ROOT = paths.ROOT
sys.path.insert(0, str(ROOT / "_ext"))
import exec_deps  # noqa: E402


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---- recording in a kernel-like child process --------------------------------------------------

CHILD = textwrap.dedent("""
    import json, sys
    from analysis import data, paths
    from analysis.measures import networks
    from analysis.present import page
    surveys = data.load("surveys")
    data.load("florentine_business")
    page.row(surveys, "CBR-CAM")  # the page kit looks up the table's key in its registry entry
    data.resource("emon")         # one entry read outside a load: that entry, not the registry
    refused = []
    for how in ("open", "pandas"):
        try:
            if how == "open":
                open(paths.DATA / "published" / "claims.csv").read()
            else:
                import pandas as pd
                pd.read_csv(str(paths.DATA / "published" / "claims.csv"))
        except PermissionError as err:
            refused.append(f"{type(err).__name__}: {err}")
    print(json.dumps(refused))
""")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    manifest = tmp_path_factory.mktemp("deps") / "nb.json"
    env = dict(os.environ, **{recorder.ENV: str(manifest)})
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT / "book",
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(manifest.read_text()), json.loads(proc.stdout)


def test_recording_notes_modules_with_their_source_hash(recorded):
    m, _ = recorded
    assert m["modules"]["analysis/measures/networks.py"] == sha(ROOT / "analysis/measures/networks.py")
    assert "analysis/data/validate.py" in m["modules"]  # imported by data, not by the notebook: transitive
    assert not any("embeddedness" in k for k in m["modules"])  # not imported, not recorded
    assert m["lock"] == {"requirements.lock": sha(ROOT / "requirements.lock")}


def test_recording_notes_each_resource_and_the_files_it_read(recorded):
    m, _ = recorded
    surveys = m["resources"]["surveys"]
    entry = next(e for e in json.loads(paths.DATAPACKAGE.read_text())["resources"] if e["name"] == "surveys")
    assert surveys["files"]["data/" + entry["path"]] == sha(paths.DATA / entry["path"])
    assert surveys["files"]["data/" + entry["path"]] == entry["hash"].removeprefix("sha256:")
    assert surveys["entry"] == recorder.entry_hash(entry)
    (label, h), = m["resources"]["florentine_business"]["files"].items()  # a file inside a PyPI package
    assert label.startswith("ergmx==") and len(h) == 64
    assert "data/datapackage.json" not in m["files"]  # the registry entry is recorded per resource
    emon = next(e for e in json.loads(paths.DATAPACKAGE.read_text())["x-open-data"] if e["name"] == "emon")
    assert m["resources"]["emon"] == {"entry": recorder.entry_hash(emon), "files": {}}
    assert staleness.stale_reasons(m) == []


def test_a_data_file_read_outside_load_is_refused(recorded):
    _, refused = recorded
    assert len(refused) == 2, refused
    assert all("UnrecordedInputError: data/published/claims.csv was opened outside analysis.data.load" in r
               for r in refused)


# ---- a table read only to check foreign keys (issue 23) -----------------------------------------

def _linked_rows() -> set[str]:
    """The rows of the published tables that some claim links (its evidence_rows)."""
    import csv

    with open(paths.DATA / "published" / "claims.csv", encoding="utf-8", newline="") as fh:
        return {k.strip() for r in csv.DictReader(fh) for k in r["evidence_rows"].split(";") if k.strip()}


def _edit_unlinked_value(root: Path) -> str:
    """In the copy of data/ under ``root``, change the value of a context_series row no claim links
    and its checksum in the registry (as `make datapackage` does); return that row's id."""
    pkg_path = root / "data/datapackage.json"
    pkg = json.loads(pkg_path.read_text(encoding="utf-8"))
    res = next(e for e in pkg["resources"] if e["name"] == "context_series")
    path = root / "data" / res["path"]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    linked = _linked_rows()
    i = next(i for i, ln in enumerate(lines[1:], 1) if ln.split(",")[0] not in linked and ln.split(",")[8])
    cells = lines[i].split(",")
    assert header[8] == "value"
    cells[8] = str(float(cells[8]) / 2)
    lines[i] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    res["hash"] = "sha256:" + sha(path)
    pkg_path.write_text(json.dumps(pkg, indent=2), encoding="utf-8")
    return cells[0]


@pytest.fixture(scope="module")
def claims_recorded(tmp_path_factory):
    manifest = tmp_path_factory.mktemp("deps") / "claims.json"
    env = dict(os.environ, **{recorder.ENV: str(manifest)})
    proc = subprocess.run([sys.executable, "-c", "from analysis import data\ndata.load('claims')"], env=env,
                          cwd=ROOT / "book", capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(manifest.read_text())


def test_a_table_read_to_check_foreign_keys_is_recorded_as_those_keys(claims_recorded):
    """Loading the claims checks their evidence rows against context_series and programme_facts: the
    chapter depends on those tables' row ids, not on their files; the quotations are read in full."""
    import csv

    claims = claims_recorded["resources"]["claims"]
    assert "data/published/context_series.csv" not in claims["files"]
    assert "data/published/programme_facts.csv" not in claims["files"]
    assert "data/published/claim_quotes.csv" in claims["files"]
    with open(paths.DATA / "published" / "context_series.csv", encoding="utf-8", newline="") as fh:
        ids = [r["row_id"] for r in csv.DictReader(fh)]
    assert claims["keys"]["context_series.row_id"] == recorder.keys_hash(ids)
    assert set(claims["keys"]) == {"context_series.row_id", "programme_facts.row_id"}
    assert set(claims_recorded["resources"]) == {"claims"}  # the tables checked against are not loads


def test_a_value_no_claim_links_leaves_the_claims_readers_current(claims_recorded, tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    res = {"resources": claims_recorded["resources"]}
    assert staleness.stale_reasons(res, tmp_path) == []
    _edit_unlinked_value(tmp_path)
    assert staleness.stale_reasons(res, tmp_path) == []
    # an id a claim could link changes: the claims' check could now fail, so the reader is stale
    path = tmp_path / "data/published/context_series.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\nCAM-02,", "\nCAM-02x,", 1), encoding="utf-8")
    assert staleness.stale_reasons(res, tmp_path) == [
        "data resource 'claims' changed (the row_id values of context_series it checks against)"]


@pytest.mark.site
def test_a_value_no_claim_links_re_executes_only_the_chapters_that_show_it(tmp_path):
    """The manifests of the last book build: editing such a value of context_series.csv (and its
    checksum) makes exactly clusters (which shows the table) and data-sources (which shows the
    registry's checksums) out of date, not every chapter that loads the claims."""
    from analysis.build import site

    deps = ROOT / "_build/.jupyter_cache/deps"
    manifests = {p.stem: json.loads(p.read_text()) for p in sorted(deps.glob("*.json"))}
    assert set(manifests) == {p.stem for p in site.notebooks()}, "no manifests: run `make book` first"
    for part in ("analysis", "data", "book"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    for f in ("requirements.lock", "_toc.yml"):
        shutil.copy(ROOT / f, tmp_path / f)
    (tmp_path / ".vendor").symlink_to(ROOT / ".vendor")
    assert {stem: staleness.stale_reasons(m, tmp_path) for stem, m in manifests.items()} == {
        stem: [] for stem in manifests}, "the build is not current: run `make book` first"
    _edit_unlinked_value(tmp_path)
    stale = {stem for stem, m in manifests.items() if staleness.stale_reasons(m, tmp_path)}
    assert stale == {"clusters", "data-sources"}


def test_no_recording_and_no_refusal_without_the_variable():
    assert os.environ.get(recorder.ENV) is None and recorder.RECORDER is None
    with open(paths.DATA / "published" / "claims.csv", encoding="utf-8") as fh:  # tests may read data
        assert fh.readline()


# ---- invalidation against a real jupyter-cache, on a synthetic project ------------------------

def _notebook(path: Path, code: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {path.stem}"),
                                         nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def project(tmp_path):
    """A fake root: analysis/{measure,data}.py, data/{a,b}.csv in a registry, a lock, two notebooks
    (nb_measure imports the measure and loads a; nb_data loads b), each cached with a manifest."""
    from jupyter_cache import get_cache

    root = tmp_path
    (root / "analysis").mkdir()
    (root / "analysis/measure.py").write_text("def f():\n    return 1\n")
    (root / "analysis/data.py").write_text("def load(name):\n    ...\n")
    (root / "data").mkdir()
    (root / "data/a.csv").write_text("x\n1\n")
    (root / "data/b.csv").write_text("y\n2\n")
    (root / "requirements.lock").write_text("pandas==2\n")
    entries = [{"name": n, "path": f"{n}.csv", "hash": "sha256:" + sha(root / f"data/{n}.csv")} for n in "ab"]
    (root / "data/datapackage.json").write_text(json.dumps({"resources": entries}))
    cache_dir = root / "_build/.jupyter_cache"
    cache = get_cache(str(cache_dir))
    nbs = {"nb_measure": _notebook(root / "nb_measure.ipynb", "measure.f()"),
           "nb_data": _notebook(root / "nb_data.ipynb", "data.load('b')")}
    uses = {"nb_measure": (["analysis/measure.py", "analysis/data.py"], "a"), "nb_data": (["analysis/data.py"], "b")}
    for stem, path in nbs.items():
        cache.cache_notebook_file(path, check_validity=False)
        mods, res = uses[stem]
        rec = recorder.Recorder(staleness.manifest_path(cache_dir, stem), root)
        rec.resources[res] = {"files": {f"data/{res}.csv"}, "external": {},
                              "entry": recorder.entry_hash(next(e for e in entries if e["name"] == res))}
        snap = rec.snapshot()
        snap["modules"] = {m: sha(root / m) for m in mods}  # (this process's sys.modules is not the fake's)
        staleness.manifest_path(cache_dir, stem).parent.mkdir(parents=True, exist_ok=True)
        staleness.manifest_path(cache_dir, stem).write_text(json.dumps(snap))
    return root, cache_dir, nbs


def _cached(cache_dir, nbs):
    return {stem for stem, p in nbs.items() if exec_deps.has_record(cache_dir, p)}


def test_nothing_changed_nothing_invalidated(project):
    root, cache_dir, nbs = project
    assert exec_deps.invalidate(cache_dir, nbs, root) == {}
    assert _cached(cache_dir, nbs) == {"nb_measure", "nb_data"}


def test_changed_module_invalidates_exactly_its_importers(project):
    root, cache_dir, nbs = project
    (root / "analysis/measure.py").write_text("def f():\n    return 2\n")
    assert exec_deps.invalidate(cache_dir, nbs, root, dry_run=True) == {"nb_measure": ["analysis/measure.py changed"]}
    assert _cached(cache_dir, nbs) == {"nb_measure", "nb_data"}  # a dry run removes nothing
    assert exec_deps.invalidate(cache_dir, nbs, root) == {"nb_measure": ["analysis/measure.py changed"]}
    assert _cached(cache_dir, nbs) == {"nb_data"}
    assert not staleness.manifest_path(cache_dir, "nb_measure").exists()
    (root / "analysis/data.py").write_text("def load(name):\n    return 0\n")  # imported by both
    assert set(exec_deps.invalidate(cache_dir, nbs, root)) == {"nb_data"}  # nb_measure: no cache left


def test_changed_data_file_invalidates_exactly_its_readers(project):
    root, cache_dir, nbs = project
    (root / "data/b.csv").write_text("y\n3\n")
    pkg = json.loads((root / "data/datapackage.json").read_text())
    pkg["resources"][1]["hash"] = "sha256:" + sha(root / "data/b.csv")  # `make datapackage`
    (root / "data/datapackage.json").write_text(json.dumps(pkg))
    assert exec_deps.invalidate(cache_dir, nbs, root) == {"nb_data": ["data resource 'b' changed (data/b.csv)"]}
    assert _cached(cache_dir, nbs) == {"nb_measure"}


def test_changed_registry_entry_or_missing_manifest_invalidates(project):
    root, cache_dir, nbs = project
    pkg = json.loads((root / "data/datapackage.json").read_text())
    pkg["resources"][0]["schema"] = {"fields": [{"name": "x", "type": "integer"}]}
    (root / "data/datapackage.json").write_text(json.dumps(pkg))
    staleness.manifest_path(cache_dir, "nb_data").unlink()
    assert exec_deps.invalidate(cache_dir, nbs, root) == {
        "nb_measure": ["data resource 'a' changed (its entry in data/datapackage.json)"],
        "nb_data": ["no record of its inputs"]}


# ---- one small book build ----------------------------------------------------------------------

CONFIG = """\
title: exec-deps test book
only_build_toc_files: true
execute:
  execute_notebooks: cache
  timeout: 120
  raise_on_error: true
sphinx:
  local_extensions:
    exec_deps: _ext
"""


def _build(book: Path) -> tuple[list[str], str]:
    env = dict(os.environ, PYTHONPATH=str(book))  # the copy of analysis, in the build and its kernels
    env.pop(recorder.ENV, None)
    proc = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "--keep-going"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return sorted(set(re.findall(r"/(\w+)\.ipynb: Executing notebook", proc.stdout))), proc.stdout


@pytest.mark.build
def test_book_build_re_executes_exactly_what_changed(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(ROOT / "analysis", book / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", book / "data")
    shutil.copy(ROOT / "requirements.lock", book)
    (book / "_ext").mkdir()
    shutil.copy(ROOT / "_ext/exec_deps.py", book / "_ext")
    (book / "_config.yml").write_text(CONFIG)
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n- file: net\n- file: surv\n")
    (book / "index.md").write_text("# Index\n\n```{execution-dependencies}\n```\n")
    _notebook(book / "net.ipynb", "from analysis import data\nfrom analysis.measures import networks\n"
              "print('density', round(networks.density(data.load('florentine_business')), 4))")
    _notebook(book / "surv.ipynb", "from analysis import data\nprint('rows', len(data.load('surveys')))")
    html = book / "_build/html"

    assert _build(book)[0] == ["net", "surv"]  # cold
    before = (html / "net.html").read_text()
    assert "density 0.1" in before
    assert "surveys" in (html / "index.html").read_text()  # the dependency table

    ran, log = _build(book)
    assert ran == [] and "2 of 2 notebooks have a cached execution; their recorded inputs are unchanged" in log

    measure = book / "analysis/measures/networks.py"
    measure.write_text(measure.read_text() + "\n\ndef density(G):\n    return 0.5\n")
    ran, log = _build(book)
    assert ran == ["net"] and "net: analysis/measures/networks.py changed" in log
    assert "density 0.5" in (html / "net.html").read_text()

    pkg = json.loads((book / "data/datapackage.json").read_text())
    res = next(e for e in pkg["resources"] if e["name"] == "surveys")
    csv = book / "data" / res["path"]
    lines = csv.read_text().splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]))  # drop one row, update its checksum (`make datapackage`)
    res["hash"] = "sha256:" + sha(csv)
    (book / "data/datapackage.json").write_text(json.dumps(pkg, indent=2))
    ran, log = _build(book)
    assert ran == ["surv"] and "surv: data resource 'surveys' changed" in log
    assert f"rows {len(lines) - 2}" in (html / "surv.html").read_text()


def test_dependency_table_rows_and_graph_are_deterministic_and_described(project):
    root, cache_dir, nbs = project
    rows = exec_deps.dependencies(cache_dir, ["nb_data", "nb_measure", "nb_unrun"])
    common, rows = exec_deps.split_common(rows)
    assert common == [("data", sha(root / "analysis/data.py")[:8])]  # used by both: listed once
    assert rows[0]["data"] == [("b", sha(root / "data/b.csv")[:8])] and rows[0]["modules"] == []
    assert rows[1]["modules"] == [("measure", sha(root / "analysis/measure.py")[:8])]
    assert rows[2]["modules"] is None  # no manifest: shown as not recorded
    svg = exec_deps.graph_svg(rows, {"nb_measure": "Measure chapter"})
    assert svg == exec_deps.graph_svg(rows, {"nb_measure": "Measure chapter"})
    assert 'role="img"' in svg and "<title id=" in svg and "Measure chapter uses the modules measure" in svg
    assert "nb_unrun" not in svg and "http" not in svg


def test_book_status_reports_every_notebook(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import exec_cache

    from analysis.build import site as _site

    st = exec_cache.status(tmp_path / "no-cache")  # nothing cached: every notebook would execute
    assert list(st) == [p.stem for p in _site.notebooks()]
    assert set(st.values()) == {"no cached execution of its current code cells"}
