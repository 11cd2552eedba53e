"""Layout and reading-view checks run inside the browser check (tests/test_browser.py).

Each function takes a Playwright page already loaded at some width and returns a list of
problems, one string each. Thresholds are geometry (pixels), never time.
"""
from __future__ import annotations

import json
import re

from analysis import paths

# A phone (iPhone 12-15 CSS width) and a desktop.
LAYOUT_WIDTHS = [(390, 844), (1280, 900)]

# Runs in the page. Returns the body's horizontal overflow (with the widest culprits
# that no scrolling box contains), words that a table cell breaks across lines, and
# charts wider than the article's text column.
LAYOUT_JS = r"""() => {
  const W = window.innerWidth, out = {overflow: null, broken: [], wide: []};
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '');
  // Which element widens the page: hide children one by one and follow the one whose
  // removal ends the overflow (this finds overflowing text, too, not only boxes).
  const sw = document.documentElement.scrollWidth;
  if (sw > W + 1) {
    const fits = el => { const old = el.style.display; el.style.display = 'none';
      const ok = document.documentElement.scrollWidth <= W + 1; el.style.display = old; return ok; };
    const path = [];
    for (let cur = document.body, depth = 0; cur && depth < 30; depth++) {
      const next = Array.from(cur.children).find(fits);
      if (!next) break;
      path.push(describe(next)); cur = next;
    }
    out.overflow = {scrollWidth: sw, width: W, culprits: path.slice(-2)};
  }
  // A word (letters between spaces or hyphens) whose glyphs sit on two lines is broken.
  const range = document.createRange();
  for (const cell of document.querySelectorAll('.bd-article td, .bd-article th')) {
    if (cell.getBoundingClientRect().width === 0) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\s\-\u2010-\u2015\/]{2,}/g; let m;
      while ((m = re.exec(node.data))) {
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (tops.size > 1) out.broken.push(m[0]);
      }
    }
  }
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const col = article.getBoundingClientRect();
  document.querySelectorAll("div[id^='altair-viz-']").forEach(div => {
    // every chart SVG the reader sees (static or live; the hidden rendition has no box)
    const shown = Array.from(div.querySelectorAll('svg.marks, canvas.marks')).filter(el => el.getBoundingClientRect().width > 0);
    for (const chart of (shown.length ? shown : [div])) {
      const r = chart.getBoundingClientRect();
      if (r.width > col.width + 1 || r.right > col.right + 1 || r.left < col.left - 1)
        out.wide.push(div.id + ' ' + Math.round(r.width) + ' px in a ' + Math.round(col.width) + ' px column');
    }
  });
  return out;
}"""


def layout_problems(page, rel: str, width: int) -> list[str]:
    found = page.evaluate(LAYOUT_JS)
    out = []
    if found["overflow"]:
        o = found["overflow"]
        out.append(f"{rel} @{width}px: the page scrolls sideways ({o['scrollWidth']} px wide); "
                   f"e.g. {', '.join(o['culprits']) or 'no single element'}")
    if found["broken"]:
        words = sorted(set(found["broken"]))
        out.append(f"{rel} @{width}px: table cells break {len(found['broken'])} words mid-letter, e.g. {words[:6]}")
    out.extend(f"{rel} @{width}px: chart wider than its column: {w}" for w in found["wide"])
    return out


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def notebook_cells(rel: str) -> tuple[list[str], int]:
    """(sources of the remove-cell code cells, number of hide-input cells) of the page's notebook."""
    nb_path = paths.ROOT / (rel[: -len(".html")] + ".ipynb")
    if not nb_path.exists():
        return [], 0
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    removed, hidden = [], 0
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        tags = c.get("metadata", {}).get("tags", [])
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        if "remove-cell" in tags and src.strip():
            removed.append(src)
        elif "hide-input" in tags:
            hidden += 1
    return removed, hidden


def reading_view_problems(page, rel: str, width: int) -> list[str]:
    """remove-cell cells are absent; hide-input cells are collapsed and open on a click."""
    removed, hidden = notebook_cells(rel)
    if not removed and not hidden:
        return []
    out = []
    shown = [_norm(t) for t in page.eval_on_selector_all(".cell_input pre", "els => els.map(e => e.textContent)")]
    for src in removed:
        key = _norm(src)
        if any(key in s for s in shown):
            out.append(f"{rel}: a remove-cell cell is on the page: {src.strip().splitlines()[0][:60]!r}")
    toggles = page.locator("div.cell.tag_hide-input > details.hide")
    if toggles.count() != hidden:
        out.append(f"{rel} @{width}px: {toggles.count()} collapsed code cells on the page, the notebook has {hidden}")
    for i in range(toggles.count()):
        d = toggles.nth(i)
        code = d.locator(".cell_input").first
        if code.is_visible():
            out.append(f"{rel} @{width}px: collapsed cell {i + 1} shows its code before it is opened")
            continue
        try:
            d.locator("summary").first.click(timeout=5000)
            opened = code.is_visible()
            d.locator("summary").first.click(timeout=5000)  # closed again, as the reader found it
        except Exception:  # noqa: BLE001 - not clickable is a finding
            opened = False
        if not opened:
            out.append(f"{rel} @{width}px: collapsed cell {i + 1} does not open on a click")
    return out


# ------------------------------------------------------------------ chart text (issue 27)
#: No chart text may be drawn smaller than this (CSS px), at any tested width.
MIN_CHART_TEXT_PX = 11

# Runs in the page: for every chart, the smallest rendered text of the SVG the reader sees
# (static or live): font size times the text's scale on screen (its CTM), texts Vega hid
# (opacity 0, overlapping labels) left out.
CHART_TEXT_JS = r"""() => Array.from(document.querySelectorAll('.static-chart')).map(fig => {
  const live = fig.classList.contains('chart-is-live');
  const svgs = Array.from(fig.querySelectorAll(live ? '.chart-live svg.marks' : '.chart-static svg.marks'))
      .filter(svg => svg.getBoundingClientRect().width > 0);
  let min = null, which = '', n = 0;
  for (const svg of svgs) for (const t of svg.querySelectorAll('text')) {
    const s = getComputedStyle(t);
    if (!t.textContent.trim() || s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) continue;
    if (t.closest('[opacity="0"], [display="none"]')) continue;
    const ctm = t.getScreenCTM();
    if (!ctm) continue;
    const px = parseFloat(s.fontSize) * Math.hypot(ctm.a, ctm.b);
    n++;
    if (min === null || px < min) { min = px; which = t.textContent.trim().slice(0, 40); }
  }
  return {id: fig.id, live, svgs: svgs.length, texts: n, min, which};
})"""


def chart_text_problems(page, rel: str, width: int) -> list[str]:
    """Every chart shows one SVG whose smallest text is at least MIN_CHART_TEXT_PX on screen."""
    out = []
    for c in page.evaluate(CHART_TEXT_JS):
        view = "live" if c["live"] else "static"
        if c["svgs"] != 1:
            out.append(f"{rel} @{width}px: chart {c['id']} ({view}) shows {c['svgs']} SVGs, not one")
        elif not c["texts"]:
            out.append(f"{rel} @{width}px: chart {c['id']} ({view}) shows no text")
        elif c["min"] < MIN_CHART_TEXT_PX - 0.05:
            out.append(f"{rel} @{width}px: chart {c['id']} ({view}) draws text at {c['min']:.1f} px "
                       f"(under {MIN_CHART_TEXT_PX} px), e.g. {c['which']!r}")
    return out
