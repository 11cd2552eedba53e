"""Re-execute exactly the notebooks whose inputs changed, and show what each chapter rests on.

jupyter-cache (myst-nb's ``cache`` mode) keys a notebook's execution on its code cells only. This
extension adds the inputs the notebook used (``analysis/data/recorder.py`` records them in the kernel):

* ``source-read``: before a notebook is parsed (and maybe executed), point
  ``COMPENDIUM_DEPS_RECORD`` at its manifest, ``<jupyter cache>/deps/<notebook>.json``; the kernel
  inherits the variable, and ``import analysis`` starts recording into that file.
* ``env-get-outdated``: before Sphinx reads anything, compare every notebook's manifest with the
  files as they are now. For a notebook whose inputs changed (or that has a cached execution but
  no manifest), remove its jupyter-cache records and manifest and make Sphinx re-read it, so
  myst-nb executes it again; log why ("networking: analysis/measures/networks.py changed") at INFO level
  (strict builds use -W).
* ``{execution-dependencies}``: a table (chapter, the ``analysis`` modules and data it used, each
  with a short sha256) and the same as an inline SVG graph with a text alternative.
"""
from __future__ import annotations

import hashlib
import html
import os
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from analysis import paths
from analysis.build import staleness
from analysis.data import recorder

logger = logging.getLogger(__name__)


def _config(env):
    cfg = getattr(env, "mystnb_config", None)
    mode = getattr(cfg, "execution_mode", "off")
    cache = getattr(cfg, "execution_cache_path", None) or str(Path(env.app.outdir).parent / ".jupyter_cache")
    return mode, Path(cache)


def _notebooks(env) -> list[str]:
    return sorted(d for d in env.found_docs if str(env.doc2path(d)).endswith(".ipynb"))


def _stem(docname: str) -> str:
    return docname.rsplit("/", 1)[-1]


def remove_records(cache_dir: Path, notebook: Path) -> int:
    """Remove every jupyter-cache record of ``notebook`` (matched by its path); return how many."""
    if not (Path(cache_dir) / "global.db").exists():
        return 0
    from jupyter_cache import get_cache
    from jupyter_cache.cache.db import NbCacheRecord

    cache = get_cache(str(cache_dir))
    target = Path(notebook).resolve()
    gone = 0
    for rec in cache.list_cache_records():
        if Path(rec.uri).resolve() == target:
            try:
                cache.remove_cache(rec.pk)
            except KeyError:  # the executed copy is already gone: drop the database row
                NbCacheRecord.remove_records([rec.pk], cache.db)
            gone += 1
    return gone


def has_record(cache_dir: Path, notebook: Path) -> bool:
    if not (Path(cache_dir) / "global.db").exists():
        return False
    from jupyter_cache import get_cache

    target = Path(notebook).resolve()
    return any(Path(r.uri).resolve() == target for r in get_cache(str(cache_dir)).list_cache_records())


def invalidate(cache_dir: Path, notebooks: dict[str, Path], root: Path | None = None, dry_run=False) -> dict[str, list[str]]:
    """For each notebook (stem -> path) with a cached execution whose inputs changed: its reasons.

    Unless ``dry_run``, the cache records and the manifest of those notebooks are removed, so that
    the next execution in ``cache`` mode runs them afresh (and records their inputs again).
    """
    entries = staleness.registry_entries(Path(root or paths.ROOT))
    stale = {}
    for stem, path in notebooks.items():
        manifest = staleness.manifest_path(cache_dir, stem)
        if not has_record(cache_dir, path):
            continue  # never executed (or failed): myst-nb executes it anyway
        why = staleness.stale_reasons(staleness.read_manifest(manifest), root, entries)
        if why:
            stale[stem] = why
            if not dry_run:
                remove_records(cache_dir, path)
                manifest.unlink(missing_ok=True)
    return stale


# ---- Sphinx events -------------------------------------------------------------------------------

def env_get_outdated(app, env, added, changed, removed):
    mode, cache_dir = _config(env)
    if mode != "cache":
        return []
    nbs = _notebooks(env)
    stale = invalidate(cache_dir, {_stem(d): Path(env.doc2path(d)) for d in nbs})
    for stem, why in sorted(stale.items()):
        logger.info(f"[exec-deps] {stem}: {'; '.join(why)} (re-executing)")
    reread = [d for d in nbs if _stem(d) in stale]
    if not stale:
        cached = sum(has_record(cache_dir, Path(env.doc2path(d))) for d in nbs)
        logger.info(f"[exec-deps] {cached} of {len(nbs)} notebooks have a cached execution; their recorded inputs "
                    "are unchanged" if cached else "[exec-deps] no cached executions: every notebook executes")
    touched = set(reread) | (set(nbs) & (set(added) | set(changed)))
    pages = getattr(env, "exec_deps_pages", set())
    if touched:  # the dependency table is read from the manifests this build writes
        reread += sorted(pages - set(added) - set(changed))
    return reread


def source_read(app, docname, source):
    mode, cache_dir = _config(app.env)
    if mode != "off" and str(app.env.doc2path(docname)).endswith(".ipynb"):
        os.environ[recorder.ENV] = str(staleness.manifest_path(cache_dir, _stem(docname)))
    else:
        os.environ.pop(recorder.ENV, None)


def doctree_read(app, doctree):
    """A notebook executed without importing ``analysis`` still gets a manifest (the lock file)."""
    os.environ.pop(recorder.ENV, None)
    env = app.env
    mode, cache_dir = _config(env)
    path = Path(env.doc2path(env.docname))
    manifest = staleness.manifest_path(cache_dir, _stem(env.docname))
    if mode == "off" or path.suffix != ".ipynb" or manifest.exists() or not has_record(cache_dir, path):
        return
    rec = recorder.Recorder(manifest, paths.ROOT)
    rec.write()


def build_finished(app, exc):
    os.environ.pop(recorder.ENV, None)


def purge_doc(app, env, docname):
    getattr(env, "exec_deps_pages", set()).discard(docname)


def merge_info(app, env, docnames, other):
    env.exec_deps_pages = getattr(env, "exec_deps_pages", set()) | getattr(other, "exec_deps_pages", set())


# ---- the table and graph -------------------------------------------------------------------------

def _module_name(rel: str) -> str:
    """``analysis/measures/networks.py`` -> ``measures.networks``; a package's ``__init__.py`` -> the package."""
    name = rel.removeprefix("analysis/").removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__") if "." in name else name


def dependencies(cache_dir: Path, stems: list[str]) -> list[dict]:
    """Per notebook: its modules and data inputs as (name, short hash), sorted; None if unrecorded."""
    rows = []
    for stem in stems:
        m = staleness.read_manifest(staleness.manifest_path(cache_dir, stem))
        if m is None:
            rows.append({"notebook": stem, "modules": None, "data": None})
            continue
        mods = [(_module_name(r), staleness.short(s)) for r, s in m["modules"].items()]
        data = []
        for name, res in m["resources"].items():
            files = res["files"]
            # one file read: its hash (as the Data sources page shows it); several (a table whose
            # checks read others): the one named after the dataset, else a hash over all of them
            own = list(files.values()) if len(files) == 1 else [
                s for f, s in files.items() if f.rsplit("/", 1)[-1].split(".")[0] == name]
            sha = own[0] if len(own) == 1 else hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()
            data.append((name, staleness.short(sha)))
        chapters = sorted((f, s) for f, s in m["files"].items() if f.startswith("book/") and f.endswith(".ipynb"))
        data += [(f, staleness.short(s)) for f, s in m["files"].items() if (f, s) not in chapters]
        if chapters:  # the Data sources page reads which chapter loads what: one item for all of them
            data.append(("book/*.ipynb", staleness.short(hashlib.sha256(repr(chapters).encode()).hexdigest())))
        rows.append({"notebook": stem, "modules": sorted(mods), "data": sorted(data), "lock": m["lock"]})
    return rows


def split_common(rows: list[dict]) -> tuple[list[tuple[str, str]], list[dict]]:
    """The modules (name, hash) every recorded notebook used, and the rows without them.

    The package, the data door and its helpers are imported by every chapter; listing them once
    keeps each row (and the graph) to what distinguishes the chapters.
    """
    recorded = [set(r["modules"]) for r in rows if r["modules"] is not None]
    common = sorted(set.intersection(*recorded)) if recorded else []
    return common, [dict(r, modules=None if r["modules"] is None else [m for m in r["modules"] if m not in common])
                    for r in rows]


def _items(pairs, label=None):
    para = nodes.paragraph()
    if label:
        para += nodes.strong(text=f"{label}: ")
    if pairs is None:
        para += nodes.emphasis(text="not recorded (executed before recording, or not executed)")
        return para
    if not pairs:
        para += nodes.Text("none")
    for i, (name, sha) in enumerate(pairs):
        if i:
            para += nodes.Text(", ")
        para += nodes.literal(text=name)
        para += nodes.Text(f" {sha}")
    return para


def graph_svg(rows: list[dict], titles: dict[str, str]) -> str:
    """A three-column graph (modules -> chapters -> data), deterministic, with title and description."""
    rows = [r for r in rows if r["modules"] is not None]
    mods = sorted({m for r in rows for m, _ in r["modules"]})
    data = sorted({d for r in rows for d, _ in r["data"]})
    step = 20
    height = max(len(mods), len(data), 2 * len(rows), 1) * step + 2 * step
    width, lx, cx, rx, box = 720, 200, 360, 520, 130

    def ys(n):
        gap = (height - 2 * step) / max(n, 1)
        return [round(step + gap * (i + 0.5), 1) for i in range(n)]

    my, dy, ny = dict(zip(mods, ys(len(mods)))), dict(zip(data, ys(len(data)))), ys(len(rows))
    out = []
    for r, y in zip(rows, ny):
        for m, _ in r["modules"]:
            out.append(f'<line x1="{lx + 4}" y1="{my[m]}" x2="{cx - box / 2}" y2="{y}"/>')
        for d, _ in r["data"]:
            out.append(f'<line x1="{cx + box / 2}" y1="{y}" x2="{rx - 4}" y2="{dy[d]}"/>')
    text = [f'<text x="{lx}" y="{y + 4}" text-anchor="end">{html.escape(m)}</text>' for m, y in my.items()]
    text += [f'<text x="{rx}" y="{y + 4}">{html.escape(d)}</text>' for d, y in dy.items()]
    rects = []
    for r, y in zip(rows, ny):
        rects.append(f'<rect x="{cx - box / 2}" y="{y - 11}" width="{box}" height="22" rx="4"/>')
        text.append(f'<text x="{cx}" y="{y + 4}" text-anchor="middle" font-weight="bold">'
                    f'{html.escape(r["notebook"])}</text>')
    desc = " ".join(
        f"{titles.get(r['notebook'], r['notebook'])} uses the modules {', '.join(m for m, _ in r['modules']) or 'none'} "
        f"and the data {', '.join(d for d, _ in r['data']) or 'none'}." for r in rows)
    return (
        f'<svg class="exec-deps-graph" role="img" aria-labelledby="exec-deps-title exec-deps-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="max-width:100%;height:auto" '
        f'font-family="sans-serif" font-size="12">'
        f'<title id="exec-deps-title">Which analysis modules (left) and data (right) each chapter (middle) '
        f'used when it was last executed, besides the modules every chapter uses</title><desc id="exec-deps-desc">{html.escape(desc)}</desc>'
        f'<g stroke="#5b6b82" stroke-opacity="0.45" stroke-width="1">{"".join(out)}</g>'
        f'<g fill="#eef2f7" stroke="#5b6b82">{"".join(rects)}</g>'
        f'<g fill="#1f2937">{"".join(text)}</g></svg>')


class exec_deps_table(nodes.General, nodes.Element):
    """Placeholder, filled at ``doctree-resolved``: by then every notebook has been read (and run)."""


class ExecutionDependencies(SphinxDirective):
    """``{execution-dependencies}``: what each notebook's last execution read, as table and graph."""

    def run(self):
        if not hasattr(self.env, "exec_deps_pages"):
            self.env.exec_deps_pages = set()
        self.env.exec_deps_pages.add(self.env.docname)
        return [exec_deps_table()]


def _content(app, fromdoc: str) -> list[nodes.Node]:
    env = app.env
    _, cache_dir = _config(env)
    nbs = _notebooks(env)
    rows = dependencies(cache_dir, [_stem(d) for d in nbs])
    titles = {_stem(d): (env.titles[d].astext() if d in env.titles else _stem(d)) for d in nbs}

    common, rows = split_common(rows)
    table = nodes.table(classes=["exec-deps-table"])
    group = nodes.tgroup(cols=2)
    table += group
    for w in (30, 70):
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    hrow = nodes.row()
    for label in ("Chapter", "What its last execution used (sha256, first 8 hex digits)"):
        hrow += nodes.entry("", nodes.paragraph(text=label))
    head += hrow
    body = nodes.tbody()
    group += body
    for d, r in zip(nbs, rows):
        row = nodes.row()
        try:
            uri = app.builder.get_relative_uri(fromdoc, d)
        except Exception:  # builders without pages (e.g. linkcheck): plain text
            uri = None
        title = nodes.inline(text=titles[r["notebook"]])
        cell = nodes.paragraph("", "", nodes.reference("", "", title, internal=True, refuri=uri) if uri else title)
        row += nodes.entry("", cell)
        row += nodes.entry("", _items(r["modules"], "Modules"), _items(r["data"], "Data"))
        body += row
    locks = sorted({staleness.short(s) for r in rows if r.get("lock") for s in r["lock"].values()})
    note = nodes.paragraph()
    note += nodes.Text("Every chapter also used these modules of analysis: ")
    note += _items(common).children
    note += nodes.Text(f"; and requirements.lock ({', '.join(locks) or 'not recorded'}). A change to any input "
                       "listed here makes the next make book re-execute exactly the chapters that used it.")
    svg = nodes.raw("", graph_svg(rows, titles), format="html")
    return [table, note, svg]


def doctree_resolved(app, doctree, docname):
    for node in list(doctree.findall(exec_deps_table)):
        node.replace_self(_content(app, docname))


def setup(app):
    app.connect("env-get-outdated", env_get_outdated)
    app.connect("source-read", source_read)
    app.connect("doctree-read", doctree_read)
    app.connect("build-finished", build_finished)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("doctree-resolved", doctree_resolved)
    app.add_node(exec_deps_table)
    app.add_directive("execution-dependencies", ExecutionDependencies)
    return {"parallel_read_safe": False, "parallel_write_safe": True, "version": "1.0"}
