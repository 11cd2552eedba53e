"""The quality gates bite: each is run on a deliberately broken input."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import paths
from site_scans import broken_links, scan_for_third_party

ROOT = paths.ROOT


def test_cdn_scan_flags_a_cdn_script(tmp_path):
    (tmp_path / "ok.html").write_text('<a href="https://example.org">a link is fine</a><script src="_static/x.js"></script>')
    assert scan_for_third_party(tmp_path) == []
    (tmp_path / "bad.html").write_text('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>')
    (tmp_path / "bad2.html").write_text('<link rel="stylesheet" href="//fonts.example.com/x.css">')
    problems = scan_for_third_party(tmp_path)
    assert any("bad.html" in p for p in problems) and any("bad2.html" in p for p in problems)


def test_link_check_flags_a_broken_anchor_and_page(tmp_path):
    (tmp_path / "a.html").write_text('<h2 id="here">x</h2><a href="b.html#there">b</a><a href="#here">self</a>')
    (tmp_path / "b.html").write_text('<h2 id="there">y</h2><a href="a.html">a</a>')
    pages = sorted(tmp_path.glob("*.html"))
    assert broken_links(tmp_path, pages) == []
    (tmp_path / "b.html").write_text('<h2 id="elsewhere">y</h2><a href="gone.html">a</a>')
    problems = broken_links(tmp_path, pages)
    assert "a.html: missing anchor b.html#there" in problems and "b.html: broken link gone.html" in problems


def _copy_project(dst: Path) -> Path:
    for name in ("analysis", "data", "tests"):
        shutil.copytree(ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
    (dst / "book").mkdir()
    shutil.copy(ROOT / "book" / "programme.ipynb", dst / "book")
    if (ROOT / ".vendor").exists():
        shutil.copytree(ROOT / ".vendor", dst / ".vendor")
    return dst


def _nbval(copy: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(copy))  # the kernel imports the copy's analysis
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "book/programme.ipynb"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=600)


def test_nbval_fails_when_a_data_value_changes(tmp_path):
    copy = _copy_project(tmp_path)
    assert _nbval(copy).returncode == 0, "the unmodified copy must pass nbval"
    csv = copy / "data" / "published" / "surveys.csv"
    text = csv.read_text(encoding="utf-8")
    assert ",50," in text
    csv.write_text(text.replace(",50,", ",51,", 1), encoding="utf-8")
    # Keep the descriptor's checksum in step, so it is nbval (not the loader) that objects.
    subprocess.run([sys.executable, str(ROOT / "scripts" / "datapackage.py")], check=True,
                   env=dict(os.environ, DATAPACKAGE_ROOT=str(copy)), capture_output=True)
    result = _nbval(copy)
    assert result.returncode != 0, "nbval passed although a survey sample size changed"
    assert "51" in result.stdout
