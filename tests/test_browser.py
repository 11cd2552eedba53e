"""Open every built page in headless Chromium with the network closed.

Layout (issue 15), at 390 px (a phone) and 1280 px (a desktop): the page body never
scrolls sideways, no table cell breaks a word in the middle, no chart is wider than
the text column, every cell tagged ``remove-cell`` is absent and every collapsed
(``hide-input``) cell opens. Lighthouse's non-timing audits are in test_lighthouse.py.

Each page must load with no console errors and no failed requests, every
altair chart must contain a rendered SVG with a text alternative, no request
may leave 127.0.0.1, and axe-core (shipped by axe-playwright-python) must find
no "serious" or "critical" accessibility violation, in the light theme and,
for colour contrast, in the dark theme too.

Charts (issue 27) are checked twice: as the page paints them (static SVG, no Vega runtime
or chart spec requested) and live, after each chart's "Explore" button (the Vega view in
place of the SVG, its controls changing the view, axe run again). At each layout width the
smallest chart text on screen is measured, static and live: never under 11 CSS px.

The browser runs in a child process (this file run as a script) in its own
process group: Playwright's driver sometimes hangs on shutdown after Chromium
exits, so the child prints its findings as JSON and exits hard, and the test
kills the whole group afterwards.
"""
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from site_helpers import CHROMIUM_ARGS, pages, require_build, require_chromium, run_child_for_json, serve
from site_layout import LAYOUT_WIDTHS, chart_text_problems, layout_problems, reading_view_problems

pytestmark = pytest.mark.site

# axe-core impacts that fail the gate ("minor" and "moderate" are reported by
# axe but tolerated).
AXE_FAIL_IMPACTS = ("serious", "critical")
# Only colour depends on the theme, so the dark-mode pass runs this rule alone.
AXE_DARK_OPTIONS = {"runOnly": {"type": "rule", "values": ["color-contrast"]}, "resultTypes": ["violations"]}
# The chart itself is vega's <svg class="marks">; the embed's action menu has
# icon SVGs of its own, which are not charts.
CHART_SVG = "div[id^='altair-viz-'] svg.marks"
# Every chart needs a text alternative. Vega renders the Vega-Lite
# `description` as aria-label, with role="graphics-document", on the SVG itself
# or (vega-embed 6) on the <div class="chart-wrapper"> around it; so the SVG,
# or a wrapper inside the chart's div, must carry a role and a non-empty label.
# Without a description vega-embed still writes aria-label="Vega visualization":
# that generic fallback is no text alternative and counts as missing.
UNLABELLED_CHARTS_JS = """sel => Array.from(document.querySelectorAll(sel)).filter(svg => {
    const chart = svg.closest("div[id^='altair-viz-']");
    for (let el = svg; el && chart.contains(el); el = el.parentElement) {
        const label = (el.getAttribute('aria-label') || '').trim();
        if (label && label !== 'Vega visualization' && (el === svg || el.getAttribute('role'))) return false;
        if (el === chart) break;
    }
    return true;
}).map(svg => svg.closest("div[id^='altair-viz-']").id)"""


# Requests that only a reader asking for a live chart may cause.
LIVE_ONLY = ("vega-runtime.js", "/_static/charts/")
STATIC_JS = """() => ({
  charts: document.querySelectorAll("div[id^='altair-viz-']").length,
  static: document.querySelectorAll('.static-chart').length,
  scripts: document.querySelectorAll('.static-chart script').length,
  vega: typeof window.vega !== 'undefined',
  live: document.querySelectorAll('.static-chart.chart-is-live, .static-chart.chart-loading').length,
})"""
# Change the first control of every live chart (another radio button, the slider to its other
# end); remember the live SVG before, to compare once the view has run.
CHANGE_INPUTS_JS = """() => {
  window.__chartBefore = {};
  document.querySelectorAll('.static-chart.chart-is-live').forEach(fig => {
    const ctl = fig.querySelector('.chart-input');
    if (!ctl) return;
    window.__chartBefore[fig.id] = fig.querySelector('.chart-live svg.marks').innerHTML;
    const radio = ctl.querySelector('input[type=radio]:not(:checked)');
    const range = ctl.querySelector('input[type=range]');
    if (radio) radio.click();
    else if (range) {
      range.value = range.value === range.max ? range.min : range.max;
      range.dispatchEvent(new Event('input', {bubbles: true}));
    }
  });
  return Object.keys(window.__chartBefore);
}"""
UNCHANGED_JS = """() => Object.entries(window.__chartBefore || {})
  .filter(([id, before]) => document.getElementById(id).querySelector('.chart-live svg.marks').innerHTML === before)
  .map(([id]) => id)"""


def static_chart_problems(page, rel, requested) -> list[str]:
    """The page as it paints: every chart a static SVG, no chart script, nothing live loaded."""
    s = page.evaluate(STATIC_JS)
    out = []
    if s["static"] != s["charts"]:
        out.append(f"{rel}: {s['charts'] - s['static']} of {s['charts']} charts are not drawn at build time")
    if s["scripts"]:
        out.append(f"{rel}: {s['scripts']} scripts inside static charts")
    if s["vega"] or s["live"]:
        out.append(f"{rel}: the Vega runtime ran before any reader asked for a live chart")
    out.extend(f"{rel}: requested before any reader asked for a live chart: {u}"
               for u in requested if any(k in u for k in LIVE_ONLY))
    return out


def go_live(page, rel) -> list[str]:
    """Press every chart's Explore button; every chart must turn live with a labelled SVG."""
    n = page.locator(".static-chart").count()
    for i in range(n):
        page.locator(".static-chart .chart-explore").nth(i).click()
    try:
        page.wait_for_function("n => document.querySelectorAll('.static-chart.chart-is-live .chart-live svg.marks').length >= n",
                               arg=n, timeout=20000)
    except Exception:  # noqa: BLE001 - report how far it got
        done = page.locator(".static-chart.chart-is-live").count()
        return [f"{rel}: {done} of {n} charts turned live after their Explore button"]
    return [f"{rel}: live chart {cid} has no text alternative"
            for cid in page.evaluate(UNLABELLED_CHARTS_JS, ".static-chart .chart-live svg.marks")]


def live_input_problems(page, rel) -> list[str]:
    """Changing a live chart's control changes what it draws."""
    changed = page.evaluate(CHANGE_INPUTS_JS)
    if not changed:
        return []
    page.wait_for_timeout(800)
    return [f"{rel}: changing a control of live chart {cid} did not change the chart"
            for cid in page.evaluate(UNCHANGED_JS)]


def axe_problems(axe, page, rel, label="", options=None):
    """Serious/critical axe violations on the page as it is now.

    axe-core comes from axe-playwright-python (axe.axe_script); it is injected
    once per page load, not on every run as Axe.run would.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe.axe_script)
    response = page.evaluate("opts => axe.run(document, opts)",
                             options or {"resultTypes": ["violations"]})
    out = []
    for v in response.get("violations", []):
        if v.get("impact") in AXE_FAIL_IMPACTS:
            targets = ", ".join(str(n.get("target")) for n in v["nodes"][:3])
            out.append(f"{rel}: axe{label} {v['impact']} {v['id']}: {v['help']} "
                       f"({len(v['nodes'])} nodes, e.g. {targets})")
    return out


def check_pages(root, page_paths):
    """Return a list of problems, one string each, for the given pages.

    Meant to run in the child process: Playwright is started and never
    stopped (its shutdown is what hangs); the process exits hard instead.
    """
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    exe = require_chromium()
    problems, outside = [], []
    axe = Axe()
    with serve(root) as base:
        p = sync_playwright().start()
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

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
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda r: errors.append(f"request failed ({r.failure}): {r.url}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        for path in page_paths:
            rel = path.relative_to(root).as_posix()
            if 'http-equiv="refresh"' in path.read_text(encoding="utf-8").lower():
                continue  # the root index.html only redirects; test_site checks its target
            errors.clear()
            requested.clear()
            try:
                page.goto(f"{base}/{rel}", wait_until="networkidle")
                n = page.locator("div[id^='altair-viz-']").count()
                if n:
                    problems.extend(static_chart_problems(page, rel, requested))
                    try:
                        page.wait_for_function(
                            "([sel, n]) => document.querySelectorAll(sel).length >= n",
                            arg=[CHART_SVG, n], timeout=15000)
                    except Exception:
                        rendered = page.locator(CHART_SVG).count()
                        problems.append(f"{rel}: {rendered} of {n} charts rendered an SVG")
                    problems.extend(f"{rel}: chart {cid} has no text alternative (aria-label on its SVG or a wrapper with a role)"
                                    for cid in page.evaluate(UNLABELLED_CHARTS_JS, CHART_SVG))
                page.wait_for_timeout(200)  # late console errors from chart scripts
                # The reader's errors end here. axe's own CSSOM preload then
                # resolves the theme's @import "../basic.css" against the page,
                # not the stylesheet, and gets a 404 no reader ever sees.
                page_errors = list(errors)
                problems.extend(axe_problems(axe, page, rel))
                # Dark theme (the theme's switch sets this attribute): contrast again.
                page.evaluate("document.documentElement.dataset.theme = 'dark'")
                page.wait_for_timeout(300)  # let colour transitions finish
                problems.extend(axe_problems(axe, page, rel, " (dark)", AXE_DARK_OPTIONS))
                if n:
                    # The live view: every chart turned live, its controls working, axe again.
                    page.evaluate("document.documentElement.dataset.theme = 'light'")
                    errors.clear()  # axe's own CSSOM fetches are not the reader's
                    problems.extend(go_live(page, rel))
                    problems.extend(live_input_problems(page, rel))
                    page_errors.extend(e for e in errors if e not in page_errors)
                    problems.extend(axe_problems(axe, page, rel, " (live charts)"))
                # Layout at a phone's and a desktop's width (fresh load at each size:
                # charts and media queries are laid out for the width they load at).
                errors.clear()  # axe's own CSSOM fetches are not the reader's
                for width, height in LAYOUT_WIDTHS:
                    page.set_viewport_size({"width": width, "height": height})
                    page.goto(f"{base}/{rel}", wait_until="networkidle")
                    if n:
                        page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n",
                                               arg=[CHART_SVG, n], timeout=15000)
                    problems.extend(layout_problems(page, rel, width))
                    problems.extend(reading_view_problems(page, rel, width))
                    if n:  # chart text size on screen, static then live (issue 27)
                        problems.extend(chart_text_problems(page, rel, width))
                        problems.extend(go_live(page, rel))
                        problems.extend(chart_text_problems(page, rel, width))
                        problems.extend(layout_problems(page, rel, width))
                    page_errors.extend(e for e in errors if e not in page_errors)
                page.set_viewport_size({"width": 1280, "height": 900})
            except Exception as exc:  # noqa: BLE001 - any failure is a finding
                problems.append(f"{rel}: {type(exc).__name__}: {exc}")
            else:
                errors[:] = page_errors
            problems.extend(f"{rel}: console: {e}" for e in errors)
        problems.extend(f"request to a non-local host: {url}" for url in outside)
    return problems  # the child exits hard; the parent kills the process group


def run_check(root: Path, page_paths) -> list[str]:
    """Run check_pages in a child process and return its problems."""
    require_chromium()
    cmd = [sys.executable, __file__, str(root)] + [str(p) for p in page_paths]
    found, err = run_child_for_json(cmd, "PROBLEMS", timeout=900, cwd=Path(__file__).parent)
    if found is None:
        raise AssertionError(f"browser check produced no result {err}")
    return found


def test_every_page_renders_offline():
    root = require_build()
    problems = run_check(root, pages())
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    found = check_pages(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    print("PROBLEMS " + json.dumps(found), flush=True)
    os._exit(0)
