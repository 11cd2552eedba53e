"""The values ledger: every glued value of every notebook, exported with the site.

myst-nb stores each notebook's glue data beside the executed notebook
(``_build/jupyter_execute/<docname>.glue.json``: one output per key, with its
mime data and metadata) and records the keys in the environment. After all
documents are read, this extension collects them for the notebooks of
``_toc.yml`` and writes into the site root:

* ``values.csv`` and ``values.json``: one row per glued value with its page,
  chapter, the value as the prose shows it (the glue role's format applied, so
  rounded as displayed), the raw ``text/plain``, and the evidence ``kind`` and
  ``source`` that ``analysis.present.page.glue`` records under ``metadata["compendium"]``
  (empty for values glued without a kind);
* ``datapackage.json``: a Frictionless data package describing ``values.csv``.

``{values-summary}`` renders counts by chapter and kind (a placeholder filled in
at write time, when every notebook has been read). The pure functions are
unit-tested in ``tests/test_values_ledger.py``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

FIELDS = ["name", "chapter_number", "chapter", "page", "value", "raw", "kind", "source"]
FIELD_DOCS = {
    "name": "Glue key (the name the prose pastes with {glue:text})",
    "chapter_number": "Chapter number in the table of contents order (as in 'Figure 3.2')",
    "chapter": "Title of the chapter whose notebook glues the value",
    "page": "Page of the site (docname), e.g. book/networking",
    "value": "The value as the prose shows it: the glue format applied (rounded as displayed); "
             "several formats are joined with ' | '; text/plain where the prose does not show it",
    "raw": "The glued text/plain representation, unrounded",
    "kind": "Evidence kind (published, open-data, simulated, book); empty if the notebook glued none",
    "source": "Where the value comes from: table and row id, dataset or model (empty if not given)",
}
# Pages whose ledger depends on every notebook: re-read whenever a notebook is.
LEDGER_PAGES = ("book/values", "book/changes")
KIND_KEY = "compendium"  # analysis.present.page.GLUE_METADATA_KEY (the extension must not import analysis)

# {glue}`key`, {glue:}`key`, {glue:any}`key`, {glue:text}`key:fmt`, {glue:md}`key` and the directive form
_ROLE = re.compile(r"\{glue(?::(?P<type>\w*))?\}`(?P<body>[^`]+)`")
_DIRECTIVE = re.compile(r"^[`:]{3,}\{glue(?::\w*)?\}\s+(?P<key>\S+)", re.M)


def chapter_numbers(toc_files: list[str]) -> dict[str, int]:
    """Chapter numbers in reading order: the root page is 0, the pages of the parts 1, 2, ..."""
    return {doc: i for i, doc in enumerate(toc_files)}


def display_formats(markdown: str) -> dict[str, list[str]]:
    """For each glue key used in this page's prose, the format specs it is shown with, in order.

    ``{glue:text}`key:.2f``` gives '.2f'; ``{glue:text}`key``` gives 's'; other roles and the
    directive give '' (text/plain as is). Keys of other documents (``doc::key``) are skipped.
    """
    out: dict[str, list[str]] = {}
    for m in _ROLE.finditer(markdown):
        body, gtype = m.group("body"), m.group("type") or ""
        if "::" in body:  # a value of another document
            continue
        if gtype == "text":
            key, _, fmt = body.partition(":")
            fmt = fmt or "s"
        else:
            key, fmt = body, ""
        fmts = out.setdefault(key, [])
        if fmt not in fmts:
            fmts.append(fmt)
    for m in _DIRECTIVE.finditer(markdown):
        if "::" not in m.group("key"):
            fmts = out.setdefault(m.group("key"), [])
            if "" not in fmts:
                fmts.append("")
    return out


def format_plain(text: str, fmt: str) -> str:
    """The value as the glue role shows it (myst-nb's own formatting, so it matches the page)."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text, fmt)


def shown_value(plain: str, fmts: list[str]) -> str:
    """What a reader sees: each format applied (duplicates once), or text/plain if not shown."""
    if not fmts:
        return plain
    shown: list[str] = []
    for fmt in fmts:
        try:
            s = format_plain(plain, fmt)
        except (TypeError, ValueError):
            s = plain
        if s not in shown:
            shown.append(s)
    return " | ".join(shown)


def glue_rows(glue: dict, *, page: str, chapter: str, number: int, formats: dict[str, list[str]]) -> list[dict]:
    """Ledger rows of one page from its glue data (key -> output with 'data' and 'metadata')."""
    rows = []
    for name in sorted(glue):
        out = glue[name]
        data = out.get("data", {})
        plain = data.get("text/plain", "")
        plain = "".join(plain) if isinstance(plain, list) else str(plain)
        meta = (out.get("metadata") or {}).get(KIND_KEY) or {}
        rows.append({
            "name": name, "chapter_number": number, "chapter": chapter, "page": page,
            "value": shown_value(plain, formats.get(name, [])), "raw": plain,
            "kind": meta.get("kind") or "", "source": meta.get("source") or "",
        })
    return rows


def notebook_glue(nb: dict) -> dict:
    """The glue outputs of an executed notebook (its JSON), in the shape of myst-nb's
    ``<doc>.glue.json``: key -> {output_type, metadata, data without the glue mime prefix}."""
    out: dict = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []) or []:
            scrap = (o.get("metadata") or {}).get("scrapbook") or {}
            if "name" not in scrap:
                continue
            prefix = scrap.get("mime_prefix", "")
            data = {k[len(prefix):]: v for k, v in (o.get("data") or {}).items() if k.startswith(prefix)}
            out[scrap["name"]] = {"output_type": o.get("output_type"), "metadata": o.get("metadata"), "data": data}
    return out


def notebook_rows(path: Path, page: str, chapter: str = "", number: int = 0) -> list[dict]:
    """Ledger rows of a committed notebook file, as the build would write them for its outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return glue_rows(notebook_glue(nb), page=page, chapter=chapter, number=number,
                     formats=display_formats(_markdown(path)))


def rerun_differences(committed: list[dict], rerun: list[dict]) -> list[str]:
    """Every glued value whose stored text (``raw``) or text as shown (``value``) differs between the
    committed notebooks and a re-run, and every value only one of them has: one line each,
    'book/mobility:mob_qi_ipf_diff: stored '1.28e-11', re-run '1.31e-11''. Empty when they agree."""
    before = {(r["page"], r["name"]): r for r in committed}
    after = {(r["page"], r["name"]): r for r in rerun}
    lines = []
    for page, name in sorted(before.keys() | after.keys()):
        old, new = before.get((page, name)), after.get((page, name))
        if old is None or new is None:
            lines.append(f"{page}:{name}: " + ("only in the re-run" if old is None else "missing from the re-run"))
        elif (old["raw"], old["value"]) != (new["raw"], new["value"]):
            shown = "" if old["value"] == new["value"] else f" (shown {old['value']!r} -> {new['value']!r})"
            lines.append(f"{page}:{name}: stored {old['raw']!r}, re-run {new['raw']!r}{shown}")
    return lines


# ---- the precision check (the policy: analysis/present/precision.py) ----------------------------------

_NUMBER = re.compile(r"^[+\-−]?[\d,]*\.?\d*(?:[eE][+\-]?\d+)?%?$")


def shown_digits(text: str) -> int | None:
    """Significant digits a formatted number shows ('0.047' 2, '313.6' 4, '32.1%' 3, '1.1e-21' 2,
    '1,226' 4); None when the text is not a plain number."""
    t = text.strip()
    if not t or not _NUMBER.match(t) or not any(ch.isdigit() for ch in t):
        return None
    mantissa = re.split(r"[eE]", t.lstrip("+-−").rstrip("%").replace(",", ""))[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def shown_decimals(text: str) -> int | None:
    """Decimals of the underlying fraction a formatted number shows ('0.047' 3, '32.1%' 3); None
    for exponent notation or non-numbers."""
    t = text.strip()
    if shown_digits(t) is None or re.search(r"[eE]", t):
        return None
    after = t.rstrip("%").partition(".")[2]
    return len(after) + (2 if t.endswith("%") else 0)


def precision_problems(glue: dict, formats: dict[str, list[str]], page: str) -> list[str]:
    """Glued floats the prose shows with more digits than they hold (the page kit records, per
    float, ``digits``/``shown_digits`` or ``decimals``): 'page:key shown as '0.30051' (5 significant
    digits) but glued with 4 to show (digits=6)'. Values glued without that record are skipped."""
    problems = []
    for name in sorted(glue):
        meta = (glue[name].get("metadata") or {}).get(KIND_KEY) or {}
        plain = glue[name].get("data", {}).get("text/plain", "")
        plain = "".join(plain) if isinstance(plain, list) else str(plain)
        for fmt in formats.get(name, []):
            if not fmt or fmt == "s":
                continue
            try:
                text = format_plain(plain, fmt)
            except (TypeError, ValueError):
                continue
            if "decimals" in meta:
                got, allowed, unit = shown_decimals(text), meta["decimals"], "decimals"
            elif "shown_digits" in meta:
                got, allowed, unit = shown_digits(text), meta["shown_digits"], "significant digits"
            else:
                continue
            if got is not None and got > allowed:
                problems.append(f"{page}:{name} shown as {text!r} ({got} {unit}, format {fmt!r}) but glued "
                                f"to show at most {allowed} (analysis/present/precision.py policy: pass digits= or "
                                f"decimals= at the glue call, or show fewer digits)")
    return problems


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def read_csv(text: str) -> list[dict]:
    """Rows of a ledger CSV (as written by :func:`to_csv`); chapter_number as int."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if rows and set(rows[0]) != set(FIELDS):
        raise ValueError(f"ledger columns {sorted(rows[0])} differ from {FIELDS}")
    for r in rows:
        r["chapter_number"] = int(r["chapter_number"]) if r["chapter_number"] else 0
    return rows


def datapackage(csv_bytes: bytes, version: str, url: str) -> dict:
    """A Frictionless data package describing values.csv (and pointing at values.json)."""
    types = {"chapter_number": "integer"}
    return {
        "name": "clusters-compendium-values",
        "title": "Values ledger: every number the compendium's prose shows",
        "description": ("One row per glued value of every chapter notebook, exported with the built site "
                        "(see the 'Values ledger' page). Lets anyone check a number without running code."),
        "version": version,
        "homepage": url.rstrip("/") + "/book/values.html",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {
                "name": "values",
                "path": "values.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(csv_bytes),
                "hash": "sha256:" + hashlib.sha256(csv_bytes).hexdigest(),
                "schema": {
                    "fields": [{"name": f, "type": types.get(f, "string"), "description": FIELD_DOCS[f]}
                               for f in FIELDS],
                    "primaryKey": ["page", "name"],
                },
            },
            {"name": "values-json", "path": "values.json", "format": "json", "mediatype": "application/json",
             "description": "The same rows as values.csv, as a JSON list of objects"},
        ],
    }


def summary(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of counts by chapter (reading order) and kind, with a total row."""
    kinds = sorted({r["kind"] for r in rows if r["kind"]}) + (["(none)"] if any(not r["kind"] for r in rows) else [])
    chapters: dict[tuple[int, str], Counter] = {}
    for r in rows:
        chapters.setdefault((r["chapter_number"], r["chapter"]), Counter())[r["kind"] or "(none)"] += 1
    header = ["Chapter", *kinds, "All"]
    body = []
    total: Counter = Counter()
    for (num, title), c in sorted(chapters.items()):
        body.append([f"{num}. {title}", *[str(c[k]) for k in kinds], str(sum(c.values()))])
        total.update(c)
    body.append(["All chapters", *[str(total[k]) for k in kinds], str(sum(total.values()))])
    return header, body


def table_node(header: list[str], body: list[list[str]], classes=(), colwidths=None,
               literal_columns=()) -> nodes.table:
    """A docutils table (header row + body rows of text; ``literal_columns`` as code)."""
    table = nodes.table(classes=list(classes))
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=w) for w in (colwidths or [1] * len(header))]
    thead = nodes.thead()
    group += thead
    row = nodes.row()
    for h in header:
        row += nodes.entry("", nodes.paragraph(text=h))
    thead += row
    tbody = nodes.tbody()
    group += tbody
    for cells in body:
        row = nodes.row()
        for i, c in enumerate(cells):
            row += nodes.entry("", nodes.literal(text=c) if i in literal_columns else nodes.paragraph(text=c))
        tbody += row
    return table


# ---- editions ----------------------------------------------------------------------------------

EDITIONS_DIR = "editions"


def version_key(version: str) -> tuple:
    """'0.10.1' sorts after '0.9.0'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.-]", version))


def stored_editions(root: Path) -> list[tuple[str, Path]]:
    """(version, values.csv) of every committed edition, newest first."""
    found = [(d.name, d / "values.csv") for d in (root / EDITIONS_DIR).glob("*") if (d / "values.csv").is_file()]
    return sorted(found, key=lambda vp: version_key(vp[0]), reverse=True)


def compare(old: list[dict], new: list[dict]) -> dict[str, list[dict]]:
    """Values added, removed and changed (as shown) between two ledgers, keyed by page and name.

    Each entry has name, page, chapter_number, chapter, kind, source and ``old``/``new`` values
    (only ``new`` for added, only ``old`` for removed); lists in reading order, then name.
    """
    before = {(r["page"], r["name"]): r for r in old}
    after = {(r["page"], r["name"]): r for r in new}

    def entry(r, **values):
        return {"name": r["name"], "page": r["page"], "chapter_number": int(r["chapter_number"]),
                "chapter": r["chapter"], "kind": r["kind"], "source": r["source"], **values}

    order = lambda e: (e["chapter_number"], e["page"], e["name"])  # noqa: E731
    added = [entry(after[k], new=after[k]["value"]) for k in after.keys() - before.keys()]
    removed = [entry(before[k], old=before[k]["value"]) for k in before.keys() - after.keys()]
    changed = [entry(after[k], old=before[k]["value"], new=after[k]["value"])
               for k in after.keys() & before.keys() if before[k]["value"] != after[k]["value"]]
    return {"added": sorted(added, key=order), "removed": sorted(removed, key=order),
            "changed": sorted(changed, key=order)}


def _kind(e: dict) -> str:
    return e["kind"] or "(none)"


def changes_nodes(version: str, diff: dict[str, list[dict]], current: str) -> list[nodes.Node]:
    """The report for one stored edition: a rubric, a summary sentence, one table per change type."""
    n = {k: len(v) for k, v in diff.items()}
    out: list[nodes.Node] = [nodes.rubric(text=f"Since edition {version}", classes=["edition-changes"])]
    if not any(n.values()):
        out.append(nodes.paragraph(text=f"No value changed between edition {version} and this build "
                                        f"(edition {current})."))
        return out
    out.append(nodes.paragraph(text=f"Between edition {version} and this build (edition {current}): "
                                    f"{n['changed']} changed, {n['added']} added, {n['removed']} removed."))
    chap = lambda e: f"{e['chapter_number']}. {e['chapter']}"  # noqa: E731
    if diff["changed"]:
        out.append(nodes.paragraph(text="Changed (old → new):"))
        out.append(table_node(["Value", "Chapter", "Kind", "Old → new"],
                              [[e["name"], chap(e), _kind(e), f"{e['old']} → {e['new']}"] for e in diff["changed"]],
                              classes=["edition-changed"]))
    if diff["added"]:
        out.append(nodes.paragraph(text="Added:"))
        out.append(table_node(["Value", "Chapter", "Kind", "Value as shown"],
                              [[e["name"], chap(e), _kind(e), e["new"]] for e in diff["added"]],
                              classes=["edition-added"]))
    if diff["removed"]:
        out.append(nodes.paragraph(text="Removed:"))
        out.append(table_node(["Value", "Chapter", "Kind", "Last shown as"],
                              [[e["name"], chap(e), _kind(e), e["old"]] for e in diff["removed"]],
                              classes=["edition-removed"]))
    return out


def edition_report(root: Path, current_rows: list[dict], current: str) -> list[nodes.Node]:
    """The whole "what changed" report: every stored edition against this build, newest first."""
    editions = stored_editions(root)
    if not editions:
        return [nodes.paragraph(text=f"No edition has been stored yet ({EDITIONS_DIR}/<version>/values.csv).")]
    out: list[nodes.Node] = []
    for version, path in editions:
        try:
            old = read_csv(path.read_text(encoding="utf-8"))
        except (ValueError, KeyError) as exc:
            raise ExtensionError(f"{path}: {exc}") from exc
        out += changes_nodes(version, compare(old, current_rows), current)
    return out


# ---- Sphinx side ------------------------------------------------------------------------------

def _toc_files(app) -> list[str]:
    import yaml

    toc = yaml.safe_load((Path(app.confdir) / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files + [c["file"] for c in toc.get("chapters", [])]


def collect(app, env) -> list[dict]:
    """Ledger rows of every notebook page of the table of contents, in reading order."""
    from myst_nb.sphinx_ import NbMetadataCollector
    from myst_nb.sphinx_ext import OUTPUT_FOLDER

    folder = Path(app.outdir).parent / OUTPUT_FOLDER
    meta = NbMetadataCollector.get_doc_data(env)
    numbers = chapter_numbers(_toc_files(app))
    rows: list[dict] = []
    for doc, number in numbers.items():
        if doc not in env.found_docs or not meta.get(doc, {}).get("glue"):
            continue
        glue_file = folder.joinpath(*(doc + ".glue.json").split("/"))
        if not glue_file.is_file():
            raise ExtensionError(f"values ledger: {glue_file} is missing (the glue data of {doc})")
        glue = json.loads(glue_file.read_text(encoding="utf-8"))
        src = Path(env.doc2path(doc))
        formats = display_formats(_markdown(src))
        title = env.titles[doc].astext() if doc in env.titles else doc
        rows += glue_rows(glue, page=doc, chapter=title, number=number, formats=formats)
        app._values_precision = getattr(app, "_values_precision", []) + precision_problems(glue, formats, doc)
    return rows


def _markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def ledger(app) -> list[dict]:
    """This build's ledger (collected once after reading)."""
    if getattr(app, "_values_ledger", None) is None:
        app._values_ledger = collect(app, app.env)
    return app._values_ledger


LEVELS = ("note", "warn", "error")


def report(msg: str | None, level: str, key: str) -> None:
    """Say ``msg`` at ``level``: 'note' an INFO line, 'warn' a warning, 'error' fails the build."""
    if level not in LEVELS:
        raise ExtensionError(f"_config.yml: {key} must be one of {', '.join(LEVELS)}, got {level!r}")
    if msg is None:
        return
    if level == "error":
        raise ExtensionError(msg)
    (logger.warning if level == "warn" else logger.info)(msg)


def missing_kind_message(rows: list[dict]) -> str | None:
    """How many glued values lack an evidence kind (None if none do)."""
    missing = [f"{r['page']}:{r['name']}" for r in rows if not r["kind"]]
    if not missing:
        return None
    return (f"values ledger: {len(missing)} of {len(rows)} glued values have no evidence kind "
            f"(glue them with analysis.present.page.glue(..., kind=...)); first: {', '.join(missing[:5])}")


def _on_env_updated(app, env):
    app._values_ledger, app._values_precision = None, []
    report(missing_kind_message(ledger(app)), app.config.values_ledger_missing_kind, "values_ledger_missing_kind")
    problems = app._values_precision
    report(f"values ledger: {len(problems)} glued value(s) shown with more digits than they hold: "
           + "; ".join(problems) if problems else None, app.config.values_ledger_precision,
           "values_ledger_precision")
    return []


def _on_env_get_outdated(app, env, added, changed, removed):
    # The ledger pages summarise every notebook: rebuild them whenever any page is re-read.
    if added or changed or removed:
        return [d for d in LEDGER_PAGES if d in env.found_docs and d not in added | changed]
    return []


class values_summary(nodes.General, nodes.Element):
    """Placeholder for the summary table, filled in when every notebook has been read."""


class edition_changes(nodes.General, nodes.Element):
    """Placeholder for the edition comparison, filled in when every notebook has been read."""


class ValuesSummary(SphinxDirective):
    def run(self):
        return [values_summary()]


class EditionChanges(SphinxDirective):
    def run(self):
        # a new or changed stored ledger re-reads the page
        for _, path in stored_editions(Path(self.env.app.confdir)):
            self.env.note_dependency(str(path))
        return [edition_changes()]


def _on_doctree_resolved(app, doctree, docname):
    for node in list(doctree.findall(values_summary)):
        rows = ledger(app)
        header, body = summary(rows)
        para = nodes.paragraph(text=f"{len(rows)} glued values in {len(body) - 1} chapters.")
        node.replace_self([para, table_node(header, body, classes=["values-summary"])])
    for node in list(doctree.findall(edition_changes)):
        version = str((getattr(app, "env_cff", None) or {}).get("version", ""))
        node.replace_self(edition_report(Path(app.confdir), ledger(app), version))


def _on_build_finished(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    rows = ledger(app)
    out = Path(app.outdir)
    csv_bytes = to_csv(rows).encode("utf-8")
    (out / "values.csv").write_bytes(csv_bytes)
    (out / "values.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    cff = getattr(app, "env_cff", None) or {}
    pkg = datapackage(csv_bytes, str(cff.get("version", "")), str(cff.get("url", "")))
    (out / "datapackage.json").write_text(json.dumps(pkg, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def setup(app):
    # "note" (default): an INFO line says how many glued values lack an evidence kind (the strict
    # build runs with -W, so a warning would fail it while notebooks are still being converted to
    # page.glue); "warn": a warning; "error": the build fails, naming the first values.
    app.add_config_value("values_ledger_missing_kind", "note", "env", [str])
    # "error" (default): a glued float the prose shows with more digits than the page kit's precision
    # policy stored fails the build (the extra digits would be noise or double rounding)
    app.add_config_value("values_ledger_precision", "error", "env", [str])
    app.add_node(values_summary)
    app.add_directive("values-summary", ValuesSummary)
    app.add_node(edition_changes)
    app.add_directive("edition-changes", EditionChanges)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-updated", _on_env_updated)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1.0"}
