"""Measure how long the book takes to build and test, and how heavy its pages are (the measuring half).

    make bench                      # full run: 3 runs per build measure, 5 per page render
    python scripts/bench.py --quick # 1 run per build measure (the report says so)

Writes bench/report.md and bench/report.json through ``scripts/bench_report.py`` (the targets, their
evaluation and the report). Not a test: it prints numbers and checks them against the targets,
but never fails on a missed target.

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

# The measures' settings and targets, and the report (scripts/bench_report.py, beside this file).
from bench_report import DATA_CHANGED, LH_TARGETS, OUT, TOUCHED, evaluate, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin (not resolved: keep the venv)
JB = str(BIN / "jupyter-book")
HTML = ROOT / "_build" / "html"

FAILURES: list[str] = []  # non-fatal failures (make test), shown in the report

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
    from analysis.build.site import notebooks as toc_notebooks  # the one notebook list (_toc.yml)

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

    from analysis.build.site import CHROMIUM_ARGS, serve

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
    from analysis.build.site import run_child_for_json

    result, err = run_child_for_json(cmd, "RESULT", timeout=120 + 30 * runs * len(names), cwd=ROOT, env=env())
    if result is None:
        print(f"browser timings failed: {err}")
        return {}
    return result


# ---------------------------------------------------------------- Lighthouse (issue 15)


def lighthouse_pages() -> dict:
    """Lighthouse mobile preset (its default), four categories, every page of book/; one browser."""
    from analysis.build.site import run_lighthouse

    rels = [f"book/{p.name}" for p in sorted((HTML / "book").glob("*.html"))]
    out = {}
    for r in run_lighthouse(HTML, rels, categories=",".join(LH_TARGETS),
                             timeout=60 * len(rels) + 120, compress=True):
        out[r["url"].rsplit("/", 1)[-1]] = r
    return out


def add_page_timings(r: dict, runs: int) -> None:
    """The browser timings of every page (``runs`` runs), summarised into ``r["pages"]``."""
    for name, recs in browser_timings(runs).items():
        good = [x for x in recs if x.get("charts_done") is not None and "error" not in x]
        entry = {"transferred_bytes": summary([x["transferred_bytes"] for x in recs]),
                 "load_event_s": summary([x["load"] / 1000 for x in recs]),
                 "all_rendered": all("error" not in x and x.get("rendered", 0) >= x["charts"] for x in recs)}
        if good and recs[0]["charts"]:
            entry["charts_after_load_s"] = summary([max(0.0, (x["charts_done"] - x["load"]) / 1000) for x in good])
            entry["charts_after_navigation_s"] = summary([x["charts_done"] / 1000 for x in good])
        r["pages"].setdefault(name, {})["browser"] = entry


# ---------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 run per build measure instead of 3")
    ap.add_argument("--runs", type=int, default=None, help="runs per build measure (default 3, --quick 1)")
    ap.add_argument("--page-runs", type=int, default=5, help="runs of the page render timings")
    ap.add_argument("--skip-make-test", action="store_true", help="do not time the whole `make test`")
    ap.add_argument("--report-only", action="store_true", help="re-write report.md from report.json")
    ap.add_argument("--lighthouse-only", action="store_true",
                    help="on the existing _build/html: page weights, page timings and Lighthouse only; build "
                         "and test times kept from report.json")
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
        add_page_timings(r, a.page_runs)  # the page table must describe the same build
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
    add_page_timings(r, a.page_runs)

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
