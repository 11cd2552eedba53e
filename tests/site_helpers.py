"""Shared helpers for the checks on the built book (_build/html)."""
from __future__ import annotations

from pathlib import Path

import pytest

from analysis import paths
# Shared with scripts/bench.py, so they live outside tests/ (re-exported for the site tests).
from analysis.build.site import CHROMIUM_ARGS, chromium_path, run_child_for_json, serve, under_ci  # noqa: F401

HTML = paths.BUILD_HTML
SKIP_DIRS = {"_static", "_sources", "_images", "reports", "_sphinx_design_static"}


def require_build() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book-strict` first (make test does)")
    return HTML


def pages() -> list[Path]:
    root = require_build()
    return sorted(p for p in root.rglob("*.html") if not (set(p.relative_to(root).parts[:-1]) & SKIP_DIRS))


def require_chromium() -> str:
    exe = chromium_path()
    if exe is None:
        msg = "Debian chromium not found (install with `make system-deps`)"
        if under_ci():
            pytest.fail(msg + ": under CI the browser checks must run")
        pytest.skip(msg)
    return exe
