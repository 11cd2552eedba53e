"""The environment files agree, and CITATION.cff is valid."""
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_mirrors_lock():
    # scripts/environment_yml.py renders environment.yml from requirements.lock.
    proc = subprocess.run([sys.executable, "scripts/environment_yml.py", "--check"], cwd=ROOT)
    assert proc.returncode == 0, "environment.yml drifted from requirements.lock: run `make lock` (or scripts/environment_yml.py)"


def lock_entries(text: str) -> list[tuple[str, list[str]]]:
    """(requirement, [sha256 hashes]) for each entry of a pip-compile lock: a requirement line and
    its backslash-continued ``--hash=sha256:...`` lines; comment lines are skipped."""
    entries: list[tuple[str, list[str]]] = []
    logical = ""
    for line in text.splitlines() + [""]:
        stripped = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        logical += " " + stripped.rstrip("\\").strip()
        if stripped.endswith("\\"):
            continue
        words = logical.split()
        logical = ""
        if words:
            entries.append((words[0], [w.split("=", 1)[1] for w in words[1:] if w.startswith("--hash=")]))
    return entries


def lock_pins() -> dict[str, str]:
    return dict(req.split("==", 1) for req, _ in lock_entries((ROOT / "requirements.lock").read_text()))


def test_lock_entries_parse_hashes_and_catch_a_missing_one():
    text = "# header\na==1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\nb==2.0\n"
    assert lock_entries(text) == [("a==1.0", ["sha256:aa", "sha256:bb"]), ("b==2.0", [])]


def test_lock_pins_every_package_exactly_with_hashes_and_jupyter_book_1():
    entries = lock_entries((ROOT / "requirements.lock").read_text())
    assert len(entries) > 100, "requirements.lock looks empty or unparsed"
    loose = [req for req, _ in entries if "==" not in req]
    assert not loose, f"unpinned lines in requirements.lock: {loose}"
    # every distribution verifiable: `make env` installs with pip --require-hashes (make lock = pip-compile --generate-hashes)
    unhashed = [req for req, hashes in entries if not hashes or not all(h.startswith("sha256:") for h in hashes)]
    assert not unhashed, f"requirements.lock entries without a sha256 hash (run `make lock`): {unhashed}"
    versions = lock_pins()
    assert versions["jupyter-book"].startswith("1."), "Jupyter Book must stay on 1.x"
    for needed in ("myst-nb", "sphinxcontrib-bibtex", "pandas", "altair", "vl-convert-python", "networkx", "nbval",
                   "pytest", "jupyterlab", "jupyterlab-myst"):
        assert needed in versions, f"{needed} missing from requirements.lock"


def test_env_installs_with_require_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile, "make env must install the lock with --require-hashes"


def test_installed_versions_match_lock():
    from importlib import metadata

    wrong = []
    for name, version in lock_pins().items():
        try:
            got = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}: not installed")
            continue
        if got != version:
            wrong.append(f"{name}: installed {got}, lock {version}")
    assert not wrong, "environment differs from requirements.lock (run `make env`):\n" + "\n".join(wrong)


def validate_cff(path: Path) -> None:
    schema = json.loads((ROOT / "tests" / "schemas" / "cff-1.2.0.schema.json").read_text())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # CFF dates are YAML dates; the schema expects strings.
    data = json.loads(json.dumps(data, default=str))
    jsonschema.validate(data, schema)


def test_citation_cff_is_valid():
    validate_cff(ROOT / "CITATION.cff")


def test_citation_cff_check_bites(tmp_path):
    bad = tmp_path / "CITATION.cff"
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8").replace("cff-version: 1.2.0", "cff-version: 1.2.0\nlicense: Not-A-Licence")
    bad.write_text(text.replace("license: CC-BY-4.0\n", ""), encoding="utf-8")
    try:
        validate_cff(bad)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an invalid licence id was accepted")


def test_jupyterlab_enables_jupyterlab_myst():
    """`make lab`: the chapters' MyST markup renders in JupyterLab only if it loads jupyterlab-myst
    (JupyterLab 4.6 refuses jupyterlab-myst 2.7: another @jupyter/ydoc major version)."""
    import re

    proc = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True)
    out = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    line = next((l for l in out.splitlines() if "jupyterlab-myst" in l and " v" in l), "")
    assert line, f"jupyterlab-myst is not installed as a JupyterLab extension:\n{out}"
    assert re.search(r"\benabled\s+OK\b", line) and "not compatible" not in out, \
        f"JupyterLab does not load jupyterlab-myst:\n{out}"
