"""Fixtures shared by the test modules (test modules never import each other)."""
from __future__ import annotations

import pytest

from analysis.build.site import under_ci
from analysis.data import registry


def _skip_or_fail(msg: str) -> None:
    if under_ci():
        pytest.fail(f"{msg} (CI is set, so this is an error, not a skip)")
    pytest.skip(msg)


@pytest.fixture
def require_fetched():
    """``require_fetched(name)``: skip (fail under CI) unless the files of open dataset ``name``
    that `make data` fetches from Debian or npm are on this machine; returns their paths."""
    def need(name: str) -> list:
        e = registry.entry(name)
        pkg = e.get("x-package")
        if not pkg or pkg["registry"] == "pypi":
            return []
        found = []
        for rel in [pkg["path"], *(f["path"] for f in pkg.get("extra_files", []))]:
            path, label = registry.local_file(pkg, rel)
            if not path.is_file():
                _skip_or_fail(f"{label} (needed by data.load({name!r})) is missing: run "
                              "`bash scripts/fetch_open_data.sh` (or `make data`)")
            found.append(path)
        return found
    return need


def pytest_configure(config):
    # Registered here, not in pyproject.toml: a pyproject change re-creates every clone's .venv.
    config.addinivalue_line(
        "markers", "reader: re-executes every chapter as JupyterLab does (make test-reader; a few minutes)")
    config.addinivalue_line(
        "markers", "build: runs jupyter-book on a small temporary book (part of make test-unit; about a minute)")
