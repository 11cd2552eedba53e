"""Project plumbing shared by the Makefile, the tests and the scripts (not for notebooks).

* the notebook list, from ``_toc.yml`` (its one source): ``python -m analysis._site notebooks``
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

from . import paths

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


def dataset_uses() -> dict[str, list[str]]:
    """Dataset name -> the notebooks (stems, in book order) whose code cells load it by name."""
    uses: dict[str, list[str]] = {}
    for nb in notebooks():
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for name in dict.fromkeys(_LOAD.findall(code)):
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


@contextlib.contextmanager
def serve(root: Path):
    """Serve a folder on 127.0.0.1 on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
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


if __name__ == "__main__":
    if sys.argv[1:] == ["notebooks"]:
        print(" ".join(str(p.relative_to(paths.ROOT)) for p in notebooks()))
    else:
        sys.exit("usage: python -m analysis._site notebooks")
