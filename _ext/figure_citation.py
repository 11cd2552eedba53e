"""Citable figures and tables: a stable anchor, a number and a "Cite this figure" snippet.

Every chart output (altair's HTML: an ``altair-viz-`` div and its vega-lite spec) and
every table output (HTML with a ``<table>``) of a chapter gets, when the document is read:

* a number per chapter and kind, "Figure 3.2" / "Table 3.1" (chapter number = position in
  ``_toc.yml``: the root page is 0, then 1, 2, ... in reading order);
* an anchor id that does not move when figures are added elsewhere: an explicit label
  (``charts.finish(..., label=)`` stores it in the spec's ``usermeta``; ``page.table(...,
  label=)`` in the table's ``data-label``), else ``fig-``/``tbl-`` plus a slug of the chart's
  title or the table's caption, else the section's slug and the output's place in it;
* under the output a collapsed ``<details>`` "Figure 3.2: cite this figure" with a plain-text
  citation and a BibTeX entry (number, title, chapter, book, edition from CITATION.cff, URL
  with the anchor). Plain HTML, no script.

The pure functions are unit-tested in ``tests/test_figure_citation.py``.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

KINDS = {"figure": ("Figure", "fig"), "table": ("Table", "tbl")}
LABEL_RE = re.compile(r"^[a-z][a-z0-9-]*$")
SLUG_WORDS = 8
_CAPTION = re.compile(r"<caption[^>]*>(.*?)</caption>", re.S | re.I)
_DATA_LABEL = re.compile(r"<table[^>]*\bdata-label=\"([^\"]+)\"", re.I)
_EVIDENCE_LEAD = re.compile(r"^[^:.]{0,60}\):\s+|^[A-Z][\w -]{0,40}:\s+")


def slugify(text: str, words: int = SLUG_WORDS) -> str:
    """'Firms' links: Cambridge (1999)' -> 'firms-links-cambridge-1999' (ASCII, first ``words`` words)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(parts[:words])


def chart_spec(raw_html: str) -> dict | None:
    """The vega-lite spec in altair's HTML output (the first argument of its loader), or None."""
    if "altair-viz-" not in raw_html:
        return None
    start = raw_html.rfind("})(")
    if start < 0:
        return None
    try:
        spec, _ = json.JSONDecoder().raw_decode(raw_html, start + 3)
    except ValueError:
        return None
    return spec if isinstance(spec, dict) else None


def chart_title(spec: dict) -> str:
    """The chart's title text ('' if none); a multi-line title is joined with spaces."""
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title).strip()


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def classify(raw_html: str) -> dict | None:
    """What an HTML output is: {'kind', 'title', 'label'} for a chart or a table, else None."""
    spec = chart_spec(raw_html)
    if spec is not None:
        label = (spec.get("usermeta") or {}).get("label") or ""
        return {"kind": "figure", "title": chart_title(spec), "label": label}
    if re.search(r"<table\b", raw_html, re.I):
        cap = _CAPTION.search(raw_html)
        label = _DATA_LABEL.search(raw_html)
        return {"kind": "table", "title": _text(cap.group(1)) if cap else "",
                "label": html.unescape(label.group(1)) if label else ""}
    return None


def title_slug(kind: str, title: str) -> str:
    """Slug of a title; a table caption loses its evidence lead ('Published (...): ')."""
    if kind == "table":
        title = _EVIDENCE_LEAD.sub("", title, count=1)
    return slugify(title)


def assign(items: list[dict], chapter: int) -> list[dict]:
    """Numbers and anchors for one page's outputs, in page order.

    ``items``: dicts with kind, title, label and section (the enclosing section's title).
    Adds ``number`` ('3.2'), ``name`` ('Figure 3.2'), ``anchor`` and ``anchor_from``
    ('label', 'title' or 'section'). Anchors are unique on the page (repeats get -2, -3).
    """
    counts = {k: 0 for k in KINDS}
    in_section: dict[tuple[str, str], int] = {}
    used: set[str] = set()
    out = []
    for it in items:
        kind = it["kind"]
        word, prefix = KINDS[kind]
        counts[kind] += 1
        label = it.get("label") or ""
        if label and not LABEL_RE.match(label):
            raise ValueError(f"{kind} label {label!r}: use lower-case letters, digits and hyphens")
        if label:
            anchor, source = label, "label"
        elif title_slug(kind, it.get("title") or ""):
            anchor, source = f"{prefix}-{title_slug(kind, it['title'])}", "title"
        else:
            key = (kind, it.get("section") or "")
            in_section[key] = in_section.get(key, 0) + 1
            anchor = "-".join(p for p in (prefix, slugify(it.get("section") or ""), str(in_section[key])) if p)
            source = "section"
        base, n = anchor, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        number = f"{chapter}.{counts[kind]}"
        out.append({**it, "number": number, "name": f"{word} {number}", "anchor": anchor, "anchor_from": source})
    return out


_SENTENCE_END = re.compile(r"\.(?=\s+[A-Z‘“'\"]|\s*$)")


def cite_title(kind: str, title: str) -> str:
    """The title a citation gives: a chart's title; a table caption's first sentence, without its
    evidence lead ('Published (transcribed): ') or status note, and without a final full stop."""
    title = (title or "").strip()
    if kind == "table":
        title = _EVIDENCE_LEAD.sub("", title, count=1)
        m = _SENTENCE_END.search(title)
        title = title[:m.start()] if m else title
    return title.rstrip(" .")


def cite(cff: dict, pagename: str, chapter_title: str, item: dict) -> tuple[str, str, str]:
    """(url, plain text, BibTeX @misc) for one figure or table."""
    from citation import author_names, tex_escape  # the sibling local extension

    url = f"{cff['url'].rstrip('/')}/{pagename}.html#{item['anchor']}"
    year = str(cff["date-released"])[:4]
    authors = author_names(cff)
    if cite_title(item["kind"], item.get("title")):
        title = f"{item['name']}: {cite_title(item['kind'], item['title'])}"
    elif item.get("section"):
        title = f"{item['name']} (section “{item['section']}”)"
    else:
        title = item["name"]
    plain = (f"{'; '.join(authors)} ({year}). {title}. In: {chapter_title}. "
             f"{cff['title']}, version {cff['version']}. {url}")
    key = "clusters_compendium_{}_{}_{}".format(
        str(cff["version"]).replace(".", "_"), re.sub(r"[^a-z0-9]+", "_", pagename.split("/")[-1].lower()),
        item["anchor"].replace("-", "_"))
    fields = [
        ("author", " and ".join("{" + a + "}" if "," not in a else a for a in authors)),
        ("title", "{" + tex_escape(title) + "}"),
        ("booktitle", "{" + tex_escape(cff["title"]) + "}"),
        ("chapter", "{" + tex_escape(chapter_title) + "}"),
        ("type", KINDS[item["kind"]][0]),
        ("number", item["number"]),
        ("year", year),
        ("edition", str(cff["version"])),
        ("url", url),
    ]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return url, plain, f"@misc{{{key},\n{body}\n}}"


def snippet_html(item: dict, plain: str, bib: str) -> str:
    """The collapsed dropdown under a figure or table (no script; the browser opens it)."""
    what = "figure" if item["kind"] == "figure" else "table"
    esc = html.escape
    return (f'<details class="figure-citation" data-number="{esc(item["number"])}">'
            f'<summary><span class="figure-citation-name">{esc(item["name"])}</span>: cite this {what}</summary>'
            f'<p class="figure-citation-plain">{esc(plain)}</p>'
            f'<pre class="figure-citation-bibtex">{esc(bib)}</pre></details>')


# ---- Sphinx side ------------------------------------------------------------------------------

class citable_output(nodes.General, nodes.Element):
    """A figure or table output with its anchor: a plain <div id=...> in HTML (not a docutils
    container, whose 'container' class the theme's Bootstrap pads and narrows), transparent
    in every other builder."""


def _visit_html(self, node):
    self.body.append(self.starttag(node, "div"))


def _depart_html(self, node):
    self.body.append("</div>\n")


def _pass(self, node):
    pass


def _chapter_numbers(app) -> dict[str, int]:
    import values_ledger  # the sibling local extension (same reading order)

    return values_ledger.chapter_numbers(values_ledger._toc_files(app))


def _section_title(node) -> str:
    while node is not None:
        if isinstance(node, nodes.section) and node.children and isinstance(node[0], nodes.title):
            return node[0].astext()
        node = node.parent
    return ""


def _outputs(doctree) -> list[tuple[nodes.raw, dict]]:
    found = []
    for raw in doctree.findall(nodes.raw):
        if "html" not in raw.get("format", "").split():
            continue
        info = classify(raw.astext())
        if info is not None:
            found.append((raw, {**info, "section": _section_title(raw)}))
    return found


def _on_doctree_read(app, doctree) -> None:
    docname = app.env.docname
    number = _chapter_numbers(app).get(docname)
    found = _outputs(doctree)
    app.env.figure_citations = getattr(app.env, "figure_citations", {})
    app.env.figure_citations.pop(docname, None)
    if number is None or not found:
        return
    from citation import page_title

    cff = app.env_cff
    chapter_title = page_title(doctree) or docname
    items = assign([info for _, info in found], number)
    for (raw, _), item in zip(found, items):
        url, plain, bib = cite(cff, docname, chapter_title, item)
        wrapper = citable_output(classes=["citable-output", f"citable-{item['kind']}"], ids=[item["anchor"]])
        parent = raw.parent
        parent[parent.index(raw)] = wrapper  # not replace_self: that would copy the raw's classes
        wrapper += raw
        wrapper += nodes.raw("", snippet_html(item, plain, bib), format="html")
    app.env.figure_citations[docname] = [
        {k: it[k] for k in ("kind", "name", "title", "anchor", "anchor_from")} for it in items]


def _on_purge(app, env, docname):
    getattr(env, "figure_citations", {}).pop(docname, None)


def _on_merge(app, env, docnames, other):
    env.figure_citations = getattr(env, "figure_citations", {})
    for d in docnames:
        if d in getattr(other, "figure_citations", {}):
            env.figure_citations[d] = other.figure_citations[d]


def missing_label_message(items: list[tuple[str, dict]]) -> str | None:
    """How many figures and tables (docname, item) have no explicit label (None if all have)."""
    unlabelled = [f"{d}#{it['anchor']}" for d, it in items if it["anchor_from"] != "label"]
    if not unlabelled:
        return None
    untitled = sum(1 for _, it in items if it["anchor_from"] == "section")
    return (f"figure citations: {len(unlabelled)} of {len(items)} figures and tables have no explicit "
            f"label (anchor from the title; {untitled} from the section, having no title); "
            f"first: {', '.join(unlabelled[:5])}")


def _on_env_updated(app, env):
    from values_ledger import report  # the sibling local extension

    cites = getattr(env, "figure_citations", {})
    items = [(d, it) for d in sorted(cites) for it in cites[d]]
    report(missing_label_message(items), app.config.figure_citation_missing_label, "figure_citation_missing_label")
    return []


def setup(app):
    # "note" (default): an INFO line counts the figures and tables without an explicit label
    # (their anchor comes from the title, which is stable unless the title changes); "warn" or
    # "error" once every chart passes charts.finish(label=) and every table page.table(label=).
    app.add_config_value("figure_citation_missing_label", "note", "env", [str])
    # The doctrees carry this extension's output: a changed extension re-reads every document
    # (an env-level value, like citation.py's CITATION.cff digest).
    app.add_config_value("figure_citation_digest", hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), "env")
    # After citation.py (400) has added the chapter's citation section, before the collectors.
    app.add_node(citable_output, html=(_visit_html, _depart_html), latex=(_pass, _pass),
                 text=(_pass, _pass), man=(_pass, _pass), texinfo=(_pass, _pass))
    app.connect("doctree-read", _on_doctree_read, priority=450)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("env-updated", _on_env_updated)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
