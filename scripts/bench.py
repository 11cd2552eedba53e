"""Measure how long the book takes to build and test, and how heavy its pages are.

    make bench                      # full run: 3 runs per build measure, 5 per page render
    python scripts/bench.py --quick # 1 run per build measure (the report says so)

Writes bench/report.md and bench/report.json. Not a test: it prints numbers and
checks them against the targets below, but never fails on a missed target.

What is measured, on the current machine:

- the execution floor: every notebook in _toc.yml executed alone with nbclient
  (cwd=book/, as the build does), one after the other;
- a cold build (``jupyter-book clean . --all`` then ``build . --keep-going``),
  a warm rebuild with nothing changed, a rebuild after touching
  book/programme.ipynb (execution cache: an unchanged code cell is not
  re-executed, so only Sphinx re-reads and re-writes pages), and a rebuild after
  changing one data file and its checksum (issue 16: exactly the notebooks that
  read it are re-executed; the file is restored afterwards);
- the strict nbval run (same command as ``make test-nbval``) and, once, ``make test``;
- per built page: HTML bytes, bytes loaded on a first visit (HTML and every
  local script, stylesheet, image and font it references), what turning every
  chart live would load on demand (the Vega runtime and the charts' compiled
  specs, never part of the first visit), and the time until every chart shows
  its SVG in headless Chromium (child process, one tab, cache disabled; charts
  are static SVG in the HTML since issue 27);
- Lighthouse (mobile preset) on every page served gzip-compressed, against the
  targets of issue 27: performance >= 95, total blocking time <= 100 ms, largest
  contentful paint <= 2.5 s, transferred first load <= 300 KB (text pages) and
  <= 500 KB (chart pages), accessibility, best practices and SEO 100.

The build runs in this checkout's _build: run it in a clone when someone else
uses the working tree (see book/reproducibility.md).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin (not resolved: keep the venv)
JB = str(BIN / "jupyter-book")
HTML = ROOT / "_build" / "html"
OUT = ROOT / "bench"
TOUCHED = "book/programme.ipynb"
#: The data file the "one data file changed" rebuild edits (a note field; restored afterwards).
DATA_CHANGED = ("cluster_places", "data/open/cluster_places.csv")

FAILURES: list[str] = []  # non-fatal failures (make test), shown in the report
TARGETS = {
    "cold_vs_floor": 1.5,  # cold build within 1.5x of the execution floor
    "warm_vs_cold": 0.10,  # warm rebuild under 10 % of the cold build
    # (rebuild after one data file changed <= execution floor of its readers + warm rebuild)
    "page_bytes": 1.5e6,  # no page over 1.5 MB on first load (shared files included)
    "chart_render_s": 1.0,  # every chart rendered within 1 s of the load event
}


# ---------------------------------------------------------------- helpers
def env() -> dict:
    e = dict(os.environ)
    # Import this checkout's `analysis` even when the venv was installed
    # editable from another checkout.
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    e["PYTHONUNBUFFERED"] = "1"
    return e


def timed(cmd: list[str], label: str, fatal: bool = True, log: list | None = None) -> float:
    """Run ``cmd`` and return its wall time; its output is appended to ``log`` when given."""
    print(f">> {label}: {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt_s = time.perf_counter() - t0
    if log is not None:
        log.append(proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        if fatal:
            raise SystemExit(f"{label} failed (exit {proc.returncode})")
        FAILURES.append(f"{label} exited with {proc.returncode}")
    print(f"   {dt_s:.1f} s", flush=True)
    return dt_s


def summary(values: list[float]) -> dict:
    return {
        "runs": [round(v, 3) for v in values],
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def notebooks() -> list[str]:
    from analysis._site import notebooks as toc_notebooks  # the one notebook list (_toc.yml)

    return [str(p.relative_to(ROOT)) for p in toc_notebooks()]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem_gb = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    versions = {}
    for pkg in ("jupyter-book", "sphinx", "nbclient", "altair", "playwright"):
        try:
            from importlib.metadata import version
            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001
            pass
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromium_version = None
    if chromium:
        chromium_version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "memory_gb": mem_gb,
        "python": platform.python_version(), "platform": platform.platform(),
        "commit": commit, "tracked_files_modified": dirty, "packages": versions,
        "chromium": chromium_version,
    }


# ---------------------------------------------------------------- floor
def execution_floor() -> dict:
    """Execute every notebook with nbclient, cwd=book/; total and per notebook."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["PYTHONPATH"] = env()["PYTHONPATH"]  # the kernel inherits it
    per = {}
    for nb_path in notebooks():
        nb = nbformat.read(ROOT / nb_path, as_version=4)
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT / "book")}})
        t0 = time.perf_counter()
        client.execute()
        per[nb_path] = time.perf_counter() - t0
    return per


@contextlib.contextmanager
def one_data_file_changed():
    """Edit one data file's note field and update its checksum (``make datapackage``); restore both."""
    name, rel = DATA_CHANGED
    path, dp = ROOT / rel, ROOT / "data" / "datapackage.json"
    saved = path.read_bytes(), dp.read_bytes()
    try:
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + " (bench edit)\n", encoding="utf-8")
        subprocess.run([str(BIN / "python"), "scripts/datapackage.py"], cwd=ROOT, env=env(), check=True,
                       stdout=subprocess.DEVNULL)
        yield name
    finally:
        path.write_bytes(saved[0])
        dp.write_bytes(saved[1])


def dependents(name: str) -> list[str]:
    """The notebooks whose recorded inputs (``_build/.jupyter_cache/deps``) include dataset ``name``
    or the whole registry (the Data sources page shows every file's checksum)."""
    out = []
    for f in sorted((ROOT / "_build" / ".jupyter_cache" / "deps").glob("*.json")):
        m = json.loads(f.read_text(encoding="utf-8"))
        if name in m.get("resources", {}) or "data/datapackage.json" in m.get("files", {}):
            out.append(f.stem)
    return out


def executed(log: str) -> list[str]:
    """The notebooks a build log says were executed."""
    return sorted(set(re.findall(r"/([\w-]+)\.ipynb: Executing notebook", log)))


# ---------------------------------------------------------------- pages (static)
def _local_file(page: Path, ref: str) -> Path | None:
    if not ref or ref.startswith(("data:", "#", "mailto:", "javascript:")):
        return None
    parsed = urlparse(ref)
    if parsed.scheme or parsed.netloc:
        return None  # remote: the book has none (test_site checks), not counted
    target = (page.parent / unquote(parsed.path)).resolve()
    return target if target.is_file() else None


_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
_FONTFACE_RE = re.compile(r"@font-face\s*{([^}]*)}", re.S)
_IMPORT_RE = re.compile(r"@import\s+(?:url\()?\s*['\"]([^'\"]+)['\"]")


def _css_deps(css: Path, seen: set[Path]) -> None:
    """Fonts (first source of each @font-face, the one a browser takes) and @imports."""
    text = css.read_text(encoding="utf-8", errors="replace")
    for ref in _IMPORT_RE.findall(text):
        f = _local_file(css, ref)
        if f and f not in seen:
            seen.add(f)
            _css_deps(f, seen)
    for block in _FONTFACE_RE.findall(text):
        urls = _URL_RE.findall(block)
        if urls:
            f = _local_file(css, urls[0].split("?")[0].split("#")[0])
            if f:
                seen.add(f)


def chart_specs(soup) -> list[dict]:
    """Vega-Lite specs still inlined in altair loader scripts (none since issue 27: charts are
    drawn at build time and their specs load on demand)."""
    specs = []
    dec = json.JSONDecoder()
    for script in soup.find_all("script"):
        text = script.string or ""
        i = text.rfind("})({") if "vegaEmbed" in text else -1
        if i < 0:
            continue
        try:
            spec, _ = dec.raw_decode(text, i + 3)
        except ValueError:
            continue
        specs.append(spec)
    return specs


def live_bytes(soup) -> int:
    """What turning every chart of a page live loads on demand: the Vega runtime and each
    chart's compiled spec (desktop rendition)."""
    ids = [d["data-chart"] for d in soup.select("div.static-chart[data-chart]")]
    if not ids:
        return 0
    static = HTML / "_static"
    files = [static / "vega-runtime.js"] + [static / "charts" / f"{i}-wide.js" for i in ids]
    return sum(f.stat().st_size for f in files if f.exists())


def page_weights() -> dict:
    from bs4 import BeautifulSoup

    out = {}
    for page in sorted((HTML / "book").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        files: set[Path] = set()
        for tag, attr in (("script", "src"), ("img", "src"), ("link", "href"), ("source", "src")):
            for el in soup.find_all(tag):
                if tag == "link":
                    rels = set(el.get("rel") or [])
                    if not rels & {"stylesheet", "preload", "icon", "shortcut"}:
                        continue
                f = _local_file(page, el.get(attr, ""))
                if f:
                    files.add(f)
        for f in list(files):
            if f.suffix == ".css":
                _css_deps(f, files)
        specs = chart_specs(soup)
        datasets = [d for s in specs for d in (s.get("datasets") or {}).values()]
        html_bytes = page.stat().st_size
        by_kind: dict[str, int] = {}
        for f in files:
            kind = f.suffix.lstrip(".") or "other"
            by_kind[kind] = by_kind.get(kind, 0) + f.stat().st_size
        out[page.name] = {
            "html_bytes": html_bytes,
            "first_load_bytes": html_bytes + sum(f.stat().st_size for f in files),
            "referenced_files": len(files),
            "bytes_by_type": dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
            "charts": len(soup.select("div[id^='altair-viz-']")),
            "live_on_demand_bytes": live_bytes(soup),
            "inline_datasets": len(datasets),
            "inline_dataset_bytes": sum(len(json.dumps(d, separators=(",", ":"))) for d in datasets),
            "largest_files": [(str(f.relative_to(HTML)), f.stat().st_size)
                              for f in sorted(files, key=lambda f: -f.stat().st_size)[:4]],
        }
    return out


# ---------------------------------------------------------------- pages (browser)
INIT_SCRIPT = """
(() => {
  window.__chartTimes = [];
  const sel = "div[id^='altair-viz-'] svg.marks";
  let last = 0;
  const check = () => {
    const n = document.querySelectorAll(sel).length;
    if (n > last) { last = n; window.__chartTimes.push([n, performance.now()]); }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
})();
"""


def browser_child(root: Path, names: list[str], runs: int) -> dict:
    """Runs in a child process; prints RESULT <json>; the parent kills it."""
    from playwright.sync_api import sync_playwright

    from analysis._site import CHROMIUM_ARGS, serve

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    results: dict[str, list] = {n: [] for n in names}
    with serve(root, compress=True) as base:  # gzip, as a static host serves pages
        p = sync_playwright().start()
        browser = p.chromium.launch(executable_path=exe, headless=True,
                                    args=CHROMIUM_ARGS + ["--headless", "--disable-gpu"])
        context = browser.new_context()
        context.add_init_script(INIT_SCRIPT)
        context.set_default_timeout(30000)
        page = context.new_page()  # one tab for all pages
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # every visit is a first visit
        transferred = [0]
        cdp.on("Network.loadingFinished", lambda e: transferred.__setitem__(0, transferred[0] + e["encodedDataLength"]))
        for _ in range(runs):
            for name in names:
                transferred[0] = 0
                page.goto(f"{base}/book/{name}", wait_until="load")
                n = page.locator("div[id^='altair-viz-']").count()
                rec = {"charts": n}
                if n:
                    try:
                        page.wait_for_function(
                            "n => document.querySelectorAll(\"div[id^='altair-viz-'] svg.marks\").length >= n",
                            arg=n, timeout=20000, polling=50)
                    except Exception:  # noqa: BLE001
                        rec["error"] = "not all charts rendered within 20 s"
                else:
                    page.wait_for_load_state("networkidle")
                t = page.evaluate("""() => {
                    const nav = performance.getEntriesByType('navigation')[0];
                    const c = window.__chartTimes;
                    return {load: nav.loadEventStart, dcl: nav.domContentLoadedEventEnd,
                            charts_done: c.length ? c[c.length - 1][1] : null,
                            rendered: c.length ? c[c.length - 1][0] : 0};
                }""")
                page.wait_for_timeout(300)  # let late requests (MathJax fonts) finish
                rec.update(t)
                rec["transferred_bytes"] = transferred[0]
                results[name].append(rec)
    print("RESULT " + json.dumps(results), flush=True)
    os._exit(0)


def browser_timings(runs: int) -> dict:
    names = [p.name for p in sorted((HTML / "book").glob("*.html"))]
    cmd = [sys.executable, __file__, "--browser-child", str(runs)] + names
    from analysis._site import run_child_for_json

    result, err = run_child_for_json(cmd, "RESULT", timeout=120 + 30 * runs * len(names), cwd=ROOT, env=env())
    if result is None:
        print(f"browser timings failed: {err}")
        return {}
    return result


# ---------------------------------------------------------------- Lighthouse (issues 15, 27)
LH_TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
#: Lighthouse metrics (ms): at most these values on every page.
METRIC_TARGETS = {"total-blocking-time": 100, "largest-contentful-paint": 2500}
#: Bytes transferred on a first load (gzip server), page without / with charts.
TRANSFER_TARGET = {False: 300 * 1024, True: 500 * 1024}


def lighthouse_gaps(lh: dict, charts: bool) -> list[str]:
    """What keeps one page's Lighthouse run from the targets ([] when it meets them all)."""
    s = lh["categories"]
    gaps = [f"{c} {round(100 * s[c])}" for c in LH_TARGETS if s.get(c) is not None and s[c] < LH_TARGETS[c]]
    gaps += [f"{a} ({v})" for c, a, _sc, _t, v in lh["failing"]
             if s.get(c, 1) < LH_TARGETS[c] and a not in METRIC_TARGETS]
    m = lh.get("metrics", {})
    gaps += [f"{k} {m[k]:,.0f} ms > {v:,} ms" for k, v in METRIC_TARGETS.items() if m.get(k, 0) > v]
    if lh.get("transfer_bytes", 0) > TRANSFER_TARGET[charts]:
        gaps.append(f"transferred {kb(lh['transfer_bytes'])} > {kb(TRANSFER_TARGET[charts])}")
    return gaps


def lighthouse_pages() -> dict:
    """Lighthouse mobile preset (its default), four categories, every page of book/; one browser."""
    from analysis._site import run_lighthouse

    rels = [f"book/{p.name}" for p in sorted((HTML / "book").glob("*.html"))]
    out = {}
    for r in run_lighthouse(HTML, rels, categories=",".join(LH_TARGETS),
                             timeout=60 * len(rels) + 120, compress=True):
        out[r["url"].rsplit("/", 1)[-1]] = r
    return out


def lighthouse_rows(r: dict) -> list[str]:
    """Markdown: one row per page with scores, metrics, weight, heaviest files and what misses the target."""
    L = ["### Lighthouse (mobile preset) and first-load weight", "",
         "Lighthouse 12 (npm, `package-lock.json`), its default mobile preset: simulated slow 4G and a 4x slower "
         "CPU, against Debian chromium with the network closed, pages served gzip-compressed (as a static host "
         "serves them) from 127.0.0.1. Transferred = bytes over the wire on a first load (compressed); first load = "
         "the same files uncompressed. Targets (issue 27): performance ≥ 95, total blocking time ≤ 100 ms, largest "
         "contentful paint ≤ 2.5 s, transferred ≤ 300 KB without charts and ≤ 500 KB with charts; accessibility, "
         "best practices and SEO 100. Measured on commit "
         f"`{(r.get('lighthouse_machine') or r['machine'])['commit'][:12]}`"
         + (" (with uncommitted changes)" if (r.get('lighthouse_machine') or r['machine'])['tracked_files_modified'] else "")
         + ".", "",
         "| Page | Perf. | A11y | BP | SEO | TBT | LCP | Transferred | First load | Three heaviest files | Between it and the target |",
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for name, p in r["pages"].items():
        lh = r.get("lighthouse", {}).get(name)
        if not lh:
            continue
        s = lh["categories"]
        m = lh.get("metrics", {})
        heavy = ", ".join(f"`{Path(urlparse(u).path).name}` {kb(b)}" for u, b in lh["heaviest"])
        gaps = lighthouse_gaps(lh, bool(p.get("charts")))
        tbt = f"{m['total-blocking-time']:,.0f} ms" if "total-blocking-time" in m else "–"
        lcp = f"{m['largest-contentful-paint'] / 1000:.1f} s" if "largest-contentful-paint" in m else "–"
        tr = kb(lh["transfer_bytes"]) if "transfer_bytes" in lh else "–"
        L.append(f"| {name} | {round(100 * s['performance'])} | {round(100 * s['accessibility'])} | "
                 f"{round(100 * s['best-practices'])} | {round(100 * s['seo'])} | {tbt} | {lcp} | {tr} | "
                 f"{kb(p['first_load_bytes'])} | {heavy} | {'; '.join(gaps) or 'meets every target'} |")
    L.append("")
    return L


# ---------------------------------------------------------------- report
def fmt_s(s: dict) -> str:
    return f"{s['median']:.1f} s ({s['min']:.1f}–{s['max']:.1f}, n={len(s['runs'])})"


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MB"


def write_report(r: dict) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / "report.json").write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    m, b, t = r["machine"], r["builds"], r["targets"]
    L = []
    L.append(f"Measured on {r['date']} ({'quick run: 1 run per build measure' if r['quick'] else 'full run'}) "
             f"with `make bench` (`scripts/bench.py`); raw numbers in `bench/report.json`.")
    L.append("")
    L.append(f"- Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gb']} GB memory; Python {m['python']}; "
             f"{m.get('chromium') or 'no chromium'}")
    L.append(f"- Commit: `{m['commit'][:12]}`" + (" (with uncommitted changes to tracked files)" if m["tracked_files_modified"] else ""))
    L.append(f"- Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))
    L.append("")
    L.append("### Targets")
    L.append("")
    L.append("| Target | Measured | Result |")
    L.append("|---|---|---|")
    for row in t:
        L.append(f"| {row['target']} | {row['measured']} | {'pass' if row['pass'] else '**fail**'} |")
    L.append("")
    for row in t:
        if not row["pass"] and row.get("why"):
            L.append(f"- *{row['target']}* missed: {row['why']}")
    L.append("")
    for f in r.get("failures", []):
        L.append(f"- **Failure:** {f} (its time is still shown).")
    L.append("### Build and test times")
    L.append("")
    L.append("Median (min–max, number of runs).")
    L.append("")
    L.append("| Measure | Time |")
    L.append("|---|---|")
    labels = {
        "floor": "Execution floor: every notebook run alone with nbclient",
        "cold": "Cold build (`jupyter-book clean . --all`, then `build . --keep-going`)",
        "warm": "Warm rebuild, nothing changed",
        "touch": f"Rebuild after `touch {TOUCHED}`",
        "data": f"Rebuild after changing `{DATA_CHANGED[1]}` (and its checksum)",
        "nbval": "Strict nbval (`make test-nbval` command)",
        "make_test": "Whole `make test`",
    }
    for key, label in labels.items():
        if key in b:
            L.append(f"| {label} | {fmt_s(b[key])} |")
    L.append("")
    L.append(f"Cold build / floor = {r['ratios']['cold_vs_floor']:.2f}; "
             f"warm / cold = {r['ratios']['warm_vs_cold']:.2f}; touched / cold = {r['ratios']['touch_vs_cold']:.2f}. "
             f"Touching a notebook changes its modification time only: the execution cache is keyed on the code "
             f"cells and the recorded inputs (modules, data, lock), none of which changed, so nothing is re-executed; Sphinx re-reads that page and re-writes the pages that depend on it."
             + (f" After the data change the build re-executed {', '.join(r['data_change']['executed']) or 'nothing'} "
                f"(the notebooks whose recorded inputs include `{DATA_CHANGED[0]}` or the whole registry, whose "
                f"checksums the Data sources page shows: {', '.join(r['data_change']['readers'])}); the target is "
                f"at most their execution floor plus a warm rebuild, {r['data_change']['bound_s']:.1f} s."
                if r.get("data_change") else ""))
    L.append("")
    L.append("Floor per notebook (median): " + ", ".join(
        f"{Path(k).stem} {v:.1f} s" for k, v in r["floor_per_notebook"].items()) + ".")
    L.append("")
    L.append("### Pages")
    L.append("")
    L.append("First load = the HTML plus every local script, stylesheet, image and font it references "
             "(first `@font-face` source), counted once per page load (no browser cache). Transferred = what "
             "headless Chromium actually fetched with its cache disabled (including files loaded by scripts, "
             "such as fonts). Live on demand = what pressing every chart's Explore button would load (the Vega runtime "
             "and the charts' compiled specs; never part of the first load). Charts are static SVG in the HTML "
             "(issue 27). Load event and all charts rendered are measured from the start of "
             "navigation (Navigation Timing, `performance.now()` when the last `svg.marks` appeared); rendered after "
             "load is their difference, 0 when the charts were done before the load event. Median of the "
             "page-render runs, max in brackets; served gzip-compressed by `http.server` on 127.0.0.1, cache disabled.")
    L.append("")
    L.append("| Page | HTML | First load | Transferred | Charts | Live on demand | Load event | All charts rendered | Rendered after load |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, p in r["pages"].items():
        bt = p.get("browser", {})
        render = after = "–"
        if p["charts"] and bt.get("charts_after_load_s"):
            s = bt["charts_after_navigation_s"]
            render = f"{s['median']:.2f} s ({s['max']:.2f})"
            s = bt["charts_after_load_s"]
            after = f"{s['median']:.2f} s ({s['max']:.2f})"
        load = f"{bt['load_event_s']['median']:.2f} s" if bt.get("load_event_s") else "–"
        tr = kb(bt["transferred_bytes"]["median"]) if bt.get("transferred_bytes") else "–"
        live = kb(p["live_on_demand_bytes"]) if p.get("live_on_demand_bytes") else "–"
        L.append(f"| {name} | {kb(p['html_bytes'])} | {kb(p['first_load_bytes'])} | {tr} | {p['charts']} | "
                 f"{live} | {load} | {render} | {after} |")
    L.append("")
    biggest = max(r["pages"].items(), key=lambda kv: kv[1]["first_load_bytes"])
    L.append(f"Heaviest page: {biggest[0]}; its largest files: " + ", ".join(
        f"`{f}` {kb(n)}" for f, n in biggest[1]["largest_files"]) + ".")
    L.append("")
    if r.get("lighthouse"):
        L.extend(lighthouse_rows(r))
    (OUT / "report.md").write_text("\n".join(L), encoding="utf-8")


def evaluate(r: dict) -> list[dict]:
    b, pages = r["builds"], r["pages"]
    rows = []
    ratio = r["ratios"]["cold_vs_floor"]
    rows.append({"target": "Cold build within 1.5x of the execution floor",
                 "measured": f"{ratio:.2f}x ({b['cold']['median']:.1f} s vs {b['floor']['median']:.1f} s)",
                 "pass": ratio <= TARGETS["cold_vs_floor"],
                 "why": "Sphinx parsing, the theme and writing HTML add a fixed cost to the notebooks' run time; "
                        "jupyter-cache also starts a fresh kernel per notebook, as the floor does."})
    w = r["ratios"]["warm_vs_cold"]
    rows.append({"target": "Warm rebuild under 10% of the cold build",
                 "measured": f"{100 * w:.0f}% ({b['warm']['median']:.1f} s)",
                 "pass": w < TARGETS["warm_vs_cold"],
                 "why": "a Jupyter Book build always starts Sphinx and checks the cache for every notebook; "
                        "with a short cold build that fixed start-up cost is a large share."})
    if "data" in b and r.get("data_change"):
        dc = r["data_change"]
        rows.append({"target": "Rebuild after one data file changed within the execution floor of its readers plus a "
                               "warm rebuild, re-executing exactly those readers",
                     "measured": f"{b['data']['median']:.1f} s vs {dc['bound_s']:.1f} s; executed "
                                 f"{', '.join(dc['executed']) or 'nothing'}",
                     "pass": b["data"]["median"] <= dc["bound_s"] and dc["executed"] == dc["readers"],
                     "why": "the rebuild re-reads the re-executed pages and the Reproducibility page, and starts "
                            "a kernel for each re-executed notebook."})
    heavy = {n: p["first_load_bytes"] for n, p in pages.items()}
    worst = max(heavy, key=heavy.get)
    over = [n for n, v in heavy.items() if v > TARGETS["page_bytes"]]
    rows.append({"target": "No page over 1.5 MB on first load (shared scripts included)",
                 "measured": f"largest {worst} {kb(heavy[worst])}; {len(over)} of {len(heavy)} pages over",
                 "pass": not over,
                 "why": "every page loads the same shared files, whatever its content; on the heaviest page the "
                        "largest are " + ", ".join(f"`{f}` ({kb(n)})" for f, n in pages[worst]["largest_files"]) +
                        ". Since issue 27 no page loads the Vega runtime (a live chart loads it on demand); "
                        "since issue 15 neither fontawesome.js nor MathJax is loaded at all."})
    times = {n: p["browser"]["charts_after_load_s"]["max"] for n, p in pages.items()
             if p["charts"] and p.get("browser", {}).get("charts_after_load_s")}
    complete = all(p.get("browser", {}).get("all_rendered", False) for p in pages.values() if p["charts"])
    if times:
        wt = max(times, key=times.get)
        ok = complete and times[wt] <= TARGETS["chart_render_s"]
        nav = {n: p["browser"]["charts_after_navigation_s"] for n, p in pages.items() if n in times}
        wn = max(nav, key=lambda n: nav[n]["max"])
        rows.append({"target": f"Every chart rendered within 1 s of load (on {r['machine']['nproc']} cores)",
                     "measured": f"slowest {wt} {times[wt]:.2f} s after the load event (max of runs); counted from "
                                 f"the start of navigation: {wn} {nav[wn]['median']:.2f} s median, {nav[wn]['max']:.2f} s max"
                                 + ("" if complete else "; some charts never rendered"),
                     "pass": ok,
                     "why": "charts are static SVG in the HTML: they are drawn when the HTML is parsed."})
    else:
        rows.append({"target": "Every chart rendered within 1 s of load", "measured": "not measured (browser run failed)",
                     "pass": False, "why": "the headless browser run produced no result"})
    if r.get("lighthouse"):
        lh = r["lighthouse"]
        missed = {n: lighthouse_gaps(v, bool(pages.get(n, {}).get("charts"))) for n, v in lh.items()}
        bad = {n: g for n, g in missed.items() if g}
        perf = [round(100 * v["categories"]["performance"]) for v in lh.values()]
        rows.append({"target": "Lighthouse (mobile) on every page: performance ≥ 95, TBT ≤ 100 ms, LCP ≤ 2.5 s, "
                               "transferred ≤ 300 KB (text) / 500 KB (charts), a11y, BP, SEO 100",
                     "measured": f"{len(lh) - len(bad)} of {len(lh)} pages meet all; performance {min(perf)}–{max(perf)}",
                     "pass": not bad,
                     "why": "; ".join(f"{n}: {', '.join(g)}" for n, g in bad.items())})
    return rows


# ---------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 run per build measure instead of 3")
    ap.add_argument("--runs", type=int, default=None, help="runs per build measure (default 3, --quick 1)")
    ap.add_argument("--page-runs", type=int, default=5, help="runs of the page render timings")
    ap.add_argument("--skip-make-test", action="store_true", help="do not time the whole `make test`")
    ap.add_argument("--report-only", action="store_true", help="re-write report.md from report.json")
    ap.add_argument("--lighthouse-only", action="store_true",
                    help="on the existing _build/html: page weights and Lighthouse only; other figures kept from report.json")
    ap.add_argument("--browser-child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.browser_child:
        browser_child(HTML, a.browser_child[1:], int(a.browser_child[0]))
        return
    if a.report_only:  # re-write report.md (and the target rows) from report.json
        r = json.loads((OUT / "report.json").read_text(encoding="utf-8"))
        r["targets"] = evaluate(r)
        write_report(r)
        return
    if a.lighthouse_only:
        r = json.loads((OUT / "report.json").read_text(encoding="utf-8"))
        r["pages"] = {n: {**r["pages"].get(n, {}), **w} for n, w in page_weights().items()}
        r["lighthouse"] = lighthouse_pages()
        r["lighthouse_machine"] = machine()
        r["targets"] = evaluate(r)
        write_report(r)
        return
    report_md = OUT / "report.md"
    if not report_md.exists():
        # book/reproducibility.md includes it: the strict build in `make test` needs the file.
        OUT.mkdir(exist_ok=True)
        report_md.write_text("No benchmark has been run yet: run `make bench`.\n", encoding="utf-8")
    runs = a.runs or (1 if a.quick else 3)
    started = time.perf_counter()
    r: dict = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "quick": runs == 1,
               "runs_per_build_measure": runs, "page_runs": a.page_runs, "machine": machine()}
    b: dict = {}

    floors = []
    per_nb: dict[str, list] = {}
    for i in range(runs):
        print(f">> execution floor, run {i + 1}/{runs}", flush=True)
        per = execution_floor()
        floors.append(sum(per.values()))
        for k, v in per.items():
            per_nb.setdefault(k, []).append(v)
        print(f"   {floors[-1]:.1f} s", flush=True)
    b["floor"] = summary(floors)
    r["floor_per_notebook"] = {k: round(statistics.median(v), 2) for k, v in per_nb.items()}

    cold, warm, touch, data_, logs = [], [], [], [], []
    for i in range(runs):
        timed([JB, "clean", ".", "--all"], "clean")
        cold.append(timed([JB, "build", ".", "--keep-going"], f"cold build {i + 1}/{runs}"))
        warm.append(timed([JB, "build", ".", "--keep-going"], f"warm rebuild {i + 1}/{runs}"))
        (ROOT / TOUCHED).touch()
        touch.append(timed([JB, "build", ".", "--keep-going"], f"rebuild after touch {i + 1}/{runs}"))
        with one_data_file_changed():
            data_.append(timed([JB, "build", ".", "--keep-going"], f"rebuild after a data change {i + 1}/{runs}",
                               log=logs))
        timed([JB, "build", ".", "--keep-going"], "rebuild after restoring the data file (not a measure)")
    b["cold"], b["warm"], b["touch"], b["data"] = summary(cold), summary(warm), summary(touch), summary(data_)
    readers = dependents(DATA_CHANGED[0])
    r["data_change"] = {
        "readers": readers, "executed": executed(logs[-1]),
        "bound_s": round(sum(v for k, v in r["floor_per_notebook"].items() if Path(k).stem in readers)
                         + b["warm"]["median"], 2)}

    # Page measures on the build just made (same content as a strict build).
    r["pages"] = page_weights()
    bt = browser_timings(a.page_runs)
    for name, recs in bt.items():
        good = [x for x in recs if x.get("charts_done") is not None and "error" not in x]
        entry = {"transferred_bytes": summary([x["transferred_bytes"] for x in recs]),
                 "load_event_s": summary([x["load"] / 1000 for x in recs]),
                 "all_rendered": all("error" not in x and x.get("rendered", 0) >= x["charts"] for x in recs)}
        if good and recs[0]["charts"]:
            entry["charts_after_load_s"] = summary([max(0.0, (x["charts_done"] - x["load"]) / 1000) for x in good])
            entry["charts_after_navigation_s"] = summary([x["charts_done"] / 1000 for x in good])
        r["pages"].setdefault(name, {})["browser"] = entry

    r["lighthouse"] = lighthouse_pages()
    nb = notebooks()
    nbval_cmd = [str(BIN / "python"), "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
                 "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *nb]
    b["nbval"] = summary([timed(nbval_cmd, f"nbval {i + 1}/{runs}") for i in range(runs)])
    if not a.skip_make_test:
        b["make_test"] = summary([timed(["make", "test"], "make test (once)", fatal=False)])

    r["builds"] = b
    r["failures"] = FAILURES
    r["ratios"] = {"cold_vs_floor": b["cold"]["median"] / b["floor"]["median"],
                   "warm_vs_cold": b["warm"]["median"] / b["cold"]["median"],
                   "touch_vs_cold": b["touch"]["median"] / b["cold"]["median"]}
    r["targets"] = evaluate(r)
    r["bench_seconds"] = round(time.perf_counter() - started, 1)
    write_report(r)
    print((OUT / "report.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
