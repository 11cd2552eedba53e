"""Project plumbing shared by the Makefile, the tests and the scripts (not for notebooks).

* the notebook list, from ``_toc.yml`` (its one source): ``python -m analysis.build.site notebooks``
  prints it for the Makefile;
* which datasets each chapter loads (``data.load("…")`` in its code cells), for the Data sources
  page;
* the one rule for "running under CI";
* serving a folder on localhost and running a headless-browser child process (the browser
  check and the benchmark).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .. import paths

TOC = paths.ROOT / "_toc.yml"


def toc_files() -> list[str]:
    """Every page of ``_toc.yml`` in reading order, without suffix (e.g. ``book/clusters``)."""
    import yaml

    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    files += [c["file"] for c in toc.get("chapters", [])]
    return files


def notebooks() -> list[Path]:
    """The notebooks the book is built from: the ``_toc.yml`` pages that are ``.ipynb`` files."""
    return [paths.ROOT / f"{f}.ipynb" for f in toc_files() if (paths.ROOT / f"{f}.ipynb").exists()]


_LOAD = re.compile(r"""\bdata\.load\(\s*["']([A-Za-z0-9_]+)["']""")
# The page kit loads the claims ledger itself: page.claims("x") and page.chapter_claims("x") read "claims".
_PAGE_CLAIMS = re.compile(r"""\bpage\.(?:chapter_)?claims\(""")


def dataset_uses() -> dict[str, list[str]]:
    """Dataset name -> the notebooks (stems, in book order) whose code cells load it by name."""
    uses: dict[str, list[str]] = {}
    for nb in notebooks():
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        names = _LOAD.findall(code) + (["claims"] if _PAGE_CLAIMS.search(code) else [])
        for name in dict.fromkeys(names):
            uses.setdefault(name, []).append(nb.stem)
    return uses


def under_ci() -> bool:
    """True when the environment variable CI is set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# ------------------------------------------------------------------ browser checks and bench
def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class _GzipHandler(_QuietHandler):
    """Text files gzip-compressed when the client asks, as any real static host serves them."""

    TEXT = {".html", ".css", ".js", ".json", ".svg", ".txt", ".map"}

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if (path.suffix not in self.TEXT or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().do_GET()
        import gzip

        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(root: Path, compress: bool = False):
    """Serve a folder on 127.0.0.1 on a free port; yields the base URL.

    ``compress``: gzip text files (the benchmark measures a page as a reader would get it).
    """
    handler = functools.partial(_GzipHandler if compress else _QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Every host but localhost fails DNS: a reader with no network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def run_child_for_json(cmd: list[str], marker: str, *, timeout: float, cwd, env=None):
    """Run a browser child process in its own process group and return (result, stderr).

    The child prints one line ``<marker> <json>`` and exits hard: Playwright's driver
    can hang on shutdown on this machine. Whatever the outcome, the whole process
    group (driver and Chromium included) is killed. ``result`` is None when the child
    printed no such line (crash or timeout).
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=cwd, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = "", f"timed out after {timeout:.0f} s"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    lines = [l for l in out.splitlines() if l.startswith(marker + " ")]
    if not lines:
        return None, f"(exit {proc.returncode}) {err[-3000:]}"
    return json.loads(lines[-1][len(marker) + 1:]), err


LIGHTHOUSE_RUNNER = paths.ROOT / "scripts" / "lighthouse_pages.mjs"


def run_lighthouse(root, rels, categories="accessibility,best-practices,seo", timeout=1200,
                   compress=False) -> list[dict]:
    """Lighthouse (npm, package-lock.json) on pages of a built site, one Node process and one
    browser; one result dict per page (see scripts/lighthouse_pages.mjs). Used by the
    Lighthouse test and by the benchmark."""
    exe = chromium_path()
    if exe is None:
        raise RuntimeError("Debian chromium not found (install with `make system-deps`)")
    with serve(root, compress=compress) as base:
        proc = subprocess.run(["node", str(LIGHTHOUSE_RUNNER), categories, *[f"{base}/{r}" for r in rels]],
                              capture_output=True, text=True, timeout=timeout, cwd=paths.ROOT,
                              env={**os.environ, "CHROME_PATH": exe})
    results = [json.loads(l[3:]) for l in proc.stdout.splitlines() if l.startswith("LH ")]
    if proc.returncode != 0 or len(results) != len(rels):
        raise AssertionError(f"lighthouse run failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return results


if __name__ == "__main__":
    if sys.argv[1:] == ["notebooks"]:
        print(" ".join(str(p.relative_to(paths.ROOT)) for p in notebooks()))
    else:
        sys.exit("usage: python -m analysis.build.site notebooks")
