"""Shared helpers for the checks on the built book (_build/html)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from analysis import paths

HTML = paths.BUILD_HTML
SKIP_DIRS = {"_static", "_sources", "_images", "reports", "_sphinx_design_static"}


def require_build() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book-strict` first (make test does)")
    return HTML


def pages() -> list[Path]:
    root = require_build()
    return sorted(p for p in root.rglob("*.html") if not (set(p.relative_to(root).parts[:-1]) & SKIP_DIRS))


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    exe = chromium_path()
    if exe is None:
        msg = "Debian chromium not found (install with `make system-deps`)"
        if os.environ.get("CI"):
            pytest.fail(msg + ": under CI the browser checks must run")
        pytest.skip(msg)
    return exe


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
