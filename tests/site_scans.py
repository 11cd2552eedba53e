"""Scans of a built site (links and anchors, third-party requests), shared by the site checks
and by the tests that show the scans bite (tests/test_gates.py)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from bs4 import BeautifulSoup


def _internal_targets(s: BeautifulSoup, page: Path):
    for a in s.find_all("a", href=True):
        href = a["href"]
        if urlparse(href).scheme or href.startswith(("mailto:", "javascript:")):
            continue
        yield href


def broken_links(root: Path, page_paths) -> list[str]:
    """Every internal link and #anchor on the given pages that does not resolve."""
    cache: dict[Path, set] = {}
    problems = []
    for p in page_paths:
        s = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        cache[p] = {t.get("id") for t in s.find_all(id=True)}
        for href in _internal_targets(s, p):
            path, _, frag = href.partition("#")
            target = (p.parent / unquote(path)).resolve() if path else p
            if not target.exists():
                problems.append(f"{p.relative_to(root)}: broken link {href}")
                continue
            if frag and target.suffix == ".html":
                if target not in cache:
                    cache[target] = {t.get("id") for t in BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser").find_all(id=True)}
                if unquote(frag) not in cache[target]:
                    problems.append(f"{p.relative_to(root)}: missing anchor {href}")
    return problems


FETCHING = re.compile(r"""(?:<script[^>]+src|<link[^>]+href|<img[^>]+src|<iframe[^>]+src|<source[^>]+src|"""
                      r"""@import\s+url\(|url\(|fetch\(|importScripts\()\s*=?\s*["']?(https?:)?//""", re.I)
CDN_HOSTS = re.compile(r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|code\.jquery\.com|"
                       r"cdn\.plot\.ly|googleapis\.com|polyfill\.io", re.I)


def scan_for_third_party(root: Path) -> list[str]:
    problems = []
    for f in sorted(root.rglob("*")):
        if f.suffix not in {".html", ".js", ".css"} or "_sources" in f.parts:
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        rel = f.relative_to(root)
        for m in FETCHING.finditer(text):
            snippet = text[m.start(): m.end() + 60].replace("\n", " ")
            if "mathjax" in snippet.lower():
                problems.append(f"{rel}: MathJax from a CDN: {snippet}")
            else:
                problems.append(f"{rel}: fetches from another host: {snippet}")
        # Any CDN host named in a page is a problem (inline loaders live there).
        # Vendored library bundles (vega, MathJax) contain CDN URLs as inert data
        # for optional features; the browser check, which records every request
        # with the network closed, proves none of them is fetched.
        if f.suffix == ".html":
            for m in CDN_HOSTS.finditer(text):
                problems.append(f"{rel}: names a CDN: {text[max(0, m.start() - 40): m.end() + 20]!r}")
    return problems
