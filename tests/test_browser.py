"""Open every built page in headless Chromium with the network closed.

Each page must load with no console errors and no failed requests, every
altair chart must contain a rendered SVG, and no request may leave 127.0.0.1.

The browser runs in a child process (this file run as a script) in its own
process group: Playwright's driver sometimes hangs on shutdown after Chromium
exits, so the child prints its findings as JSON and exits hard, and the test
kills the whole group afterwards.
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from site_helpers import CHROMIUM_ARGS, pages, require_build, require_chromium, serve

pytestmark = pytest.mark.site


def check_pages(root, page_paths):
    """Return a list of problems, one string each, for the given pages.

    Meant to run in the child process: Playwright is started and never
    stopped (its shutdown is what hangs); the process exits hard instead.
    """
    from playwright.sync_api import sync_playwright

    exe = require_chromium()
    problems, outside = [], []
    with serve(root) as base:
        p = sync_playwright().start()
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context()

        def route(r):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith("data:") or host in ("127.0.0.1", "localhost"):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        # A hung page becomes a failure, never a hung test run.
        context.set_default_timeout(30000)
        context.set_default_navigation_timeout(30000)
        # One tab for all pages: closing a tab after search.html hangs the
        # driver, and navigating on is what a reader does anyway.
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda r: errors.append(f"request failed ({r.failure}): {r.url}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        for path in page_paths:
            rel = path.relative_to(root).as_posix()
            if 'http-equiv="refresh"' in path.read_text(encoding="utf-8").lower():
                continue  # the root index.html only redirects; test_site checks its target
            errors.clear()
            try:
                page.goto(f"{base}/{rel}", wait_until="networkidle")
                n = page.locator("div[id^='altair-viz-']").count()
                if n:
                    try:
                        page.wait_for_function(
                            "n => document.querySelectorAll(\"div[id^='altair-viz-'] svg.marks\").length >= n",
                            arg=n, timeout=15000)
                    except Exception:
                        rendered = page.locator("div[id^='altair-viz-'] svg.marks").count()
                        problems.append(f"{rel}: {rendered} of {n} charts rendered an SVG")
                page.wait_for_timeout(200)  # late console errors from chart scripts
            except Exception as exc:  # noqa: BLE001 - any failure is a finding
                problems.append(f"{rel}: {type(exc).__name__}: {exc}")
            problems.extend(f"{rel}: console: {e}" for e in errors)
        problems.extend(f"request to a non-local host: {url}" for url in outside)
    return problems  # the child exits hard; the parent kills the process group


def run_check(root: Path, page_paths) -> list[str]:
    """Run check_pages in a child process and return its problems."""
    require_chromium()
    cmd = [sys.executable, __file__, str(root)] + [str(p) for p in page_paths]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=Path(__file__).parent)
    try:
        out, err = proc.communicate(timeout=900)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    lines = [l for l in out.splitlines() if l.startswith("PROBLEMS ")]
    if not lines:
        raise AssertionError(f"browser check produced no result (exit {proc.returncode}):\n{err[-3000:]}")
    return json.loads(lines[-1][len("PROBLEMS "):])


def test_every_page_renders_offline():
    root = require_build()
    problems = run_check(root, pages())
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    found = check_pages(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    print("PROBLEMS " + json.dumps(found), flush=True)
    os._exit(0)
