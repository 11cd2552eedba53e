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


def test_lock_pins_every_package_exactly_and_jupyter_book_1():
    pins = [l for l in (ROOT / "requirements.lock").read_text().splitlines() if l and not l.startswith("#")]
    loose = [p for p in pins if "==" not in p]
    assert not loose, f"unpinned lines in requirements.lock: {loose}"
    versions = dict(p.split("==") for p in pins)
    assert versions["jupyter-book"].startswith("1."), "Jupyter Book must stay on 1.x"
    for needed in ("myst-nb", "sphinxcontrib-bibtex", "pandas", "altair", "vl-convert-python", "networkx", "nbval", "pytest"):
        assert needed in versions, f"{needed} missing from requirements.lock"


def test_installed_versions_match_lock():
    from importlib import metadata

    pins = [l for l in (ROOT / "requirements.lock").read_text().splitlines() if l and not l.startswith("#")]
    wrong = []
    for p in pins:
        name, version = p.split("==")
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
