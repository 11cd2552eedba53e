"""Light pages: what a page loads, and in which order (issue 15).

Each step is a small function; all of them run at build time, nothing is fetched.

* Mathematics is rendered at build time as MathML (latex2mathml, pure Python), which
  browsers draw natively: no MathJax (1.2 MB) on any page. Registered as the HTML math
  renderer "mathml"; the LaTeX/PDF builders keep their own maths.
* Icons: the theme writes ``<i class="fa-solid fa-bars">`` and loads Font Awesome's
  1.5 MB script to turn them into SVG in the browser. We inline the SVG of each icon
  instead, with the path data read from that same script (the theme's own copy, so
  the icons are identical), and drop the script. Unused icon rules (``.fa-x:before``)
  are cut from the theme's stylesheet; icons the theme's script creates at run time
  (e.g. a close mark) keep their rules and fall back to the icon webfont.
* Admonition icons (drawn by the theme with the icon webfont) are CSS masks of the same icons.
* Scripts are deferred, so text paints before any script runs. Sphinx's
  ``documentation_options.js`` stays synchronous: inline scripts write to it. (Charts need
  no script to be seen: ``_ext/static_charts.py``.)
* The search tools and the search index (which the theme lists on every page) are left on
  the search page alone.
* Each page gets a ``<meta name="description">`` from its first paragraph (search
  engines and Lighthouse's SEO audit want one).

The HTML rewrites run on ``build-finished`` over the pages written by this build, and
are idempotent (a page rewritten twice is unchanged the second time).
"""
from __future__ import annotations

import functools
import html
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------- maths as MathML


def _mathml(latex: str, display: bool) -> str:
    import latex2mathml.converter

    return latex2mathml.converter.convert(latex.strip(), display="block" if display else "inline")


def _visit_math(self, node):
    latex = node.astext()
    try:
        self.body.append(f'<span class="math mathml">{_mathml(latex, False)}</span>')
    except Exception as exc:  # noqa: BLE001 - name the formula, keep building
        logger.warning(f"MathML conversion failed for {latex!r}: {exc}", location=node)
        self.body.append(f'<code class="math">{html.escape(latex)}</code>')
    raise nodes.SkipNode


def _visit_displaymath(self, node):
    latex = node.astext()
    # tabindex: a formula wider than a phone scrolls in its box, and a scrolling
    # region must be reachable from the keyboard (axe: scrollable-region-focusable).
    self.body.append(self.starttag(node, "div", CLASS="math mathml", tabindex="0"))
    if node.get("number"):
        from sphinx.util.math import get_node_equation_number

        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    try:
        # amsmath environments arrive whole (nowrap); latex2mathml reads them too.
        self.body.append(_mathml(latex, True))
    except Exception as exc:  # noqa: BLE001
        logger.warning(f"MathML conversion failed for {latex!r}: {exc}", location=node)
        self.body.append(f"<pre>{html.escape(latex)}</pre>")
    self.body.append("</div>\n")
    raise nodes.SkipNode


# ----------------------------------------------------------------- icons

_STYLE_OF_CLASS = {"fa-solid": "fas", "fas": "fas", "fa-regular": "far", "far": "far",
                   "fa-brands": "fab", "fab": "fab"}
_NOT_ICONS = {"fa-lg", "fa-sm", "fa-xs", "fa-xl", "fa-fw", "fa-solid", "fa-regular", "fa-brands", "fa-2x"}
_ICON_TAG = re.compile(r'<(i|span) class="([^"]*\bfa[srb]?\b[^"]*|[^"]*\bfa-(?:solid|regular|brands)\b[^"]*)"([^>]*)>\s*</\1>')


@functools.lru_cache(maxsize=4)
def _icon_sets(fa_js: str) -> dict[str, dict[str, tuple[int, int, str]]]:
    """{style: {name: (width, height, path)}} from Font Awesome's all.js, per style block."""
    text = Path(fa_js).read_text(encoding="utf-8")
    entry = re.compile(r'(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]')
    sets: dict[str, dict] = {}
    start = 0
    # Each style's icons are an object literal followed by its registration, e.g. d("fab",p).
    for reg in re.finditer(r'\w+\("(fab|far|fas)",\s*\w+\)', text):
        block = text[start:reg.start()]
        icons = sets.setdefault(reg.group(1), {})
        for m in entry.finditer(block):
            icons.setdefault(m.group(1) or m.group(2), (int(m.group(3)), int(m.group(4)), m.group(5)))
        start = reg.end()
    return sets


def _inline_icons(page: str, sets) -> str:
    def repl(m):
        classes = m.group(2).split()
        style = next((_STYLE_OF_CLASS[c] for c in classes if c in _STYLE_OF_CLASS), "fas")
        names = [c[3:] for c in classes if c.startswith("fa-") and c not in _NOT_ICONS]
        found = next(((n, sets.get(style, {}).get(n)) for n in names if sets.get(style, {}).get(n)), None)
        if not found:
            return m.group(0)  # unknown icon: the webfont still draws it
        name, (w, h, path) = found
        keep = " ".join(c for c in classes if c not in _STYLE_OF_CLASS)
        return (f'<svg class="svg-inline--fa {keep}" aria-hidden="true" focusable="false" role="img" '
                f'viewBox="0 0 {w} {h}"{m.group(3)}><path fill="currentColor" d="{path}"/></svg>')

    return _ICON_TAG.sub(repl, page)


_FA_SCRIPT = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def _used_icon_names(texts) -> set[str]:
    used = set()
    for t in texts:
        used.update(re.findall(r"\bfa-([a-z0-9-]+)", t))
    return used


def _trim_icon_css(css_path: Path, used: set[str]) -> None:
    """Drop `.fa-x:before{content:...}` rules for icons nothing on the site uses."""
    text = css_path.read_text(encoding="utf-8")
    rule = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"[^"]*"\}')

    def keep(m):
        names = re.findall(r"\.fa-([a-z0-9-]+):before", m.group(1))
        return m.group(0) if set(names) & used else ""

    trimmed = rule.sub(keep, text)
    if trimmed != text:
        css_path.write_text(trimmed, encoding="utf-8")


# Admonition titles draw their icon in a ::after with the icon webfont (156 KB, loaded on every
# page with a note, an exercise or a collapsed cell's admonition). The same icons as CSS masks
# (SVG data URIs with the path data of the theme's own Font Awesome copy) need no font.
ADMONITION_CSS = "admonition-icons.css"
ADMONITION_ICONS = {  # selector (after .admonition) -> Font Awesome 6 solid icon, as the theme maps them
    "": "bell", ".attention": "circle-exclamation", ".caution": "triangle-exclamation",
    ".warning": "triangle-exclamation", ".danger": "triangle-exclamation", ".error": "circle-xmark",
    ".hint": "lightbulb", ".tip": "lightbulb", ".important": "circle-exclamation", ".note": "circle-info",
    ".seealso": "share", ".admonition-todo": "pencil", ".exercise": "pencil",
}


def admonition_css(sets) -> str:
    """CSS that draws the admonition icons as masks; '' if the icons are not all known."""
    from urllib.parse import quote

    solid = sets.get("fas", {})
    if not all(name in solid for name in ADMONITION_ICONS.values()):
        return ""
    rules = ["/* Written by _ext/light_pages.py: admonition icons as SVG masks, not the icon webfont. */",
             ".admonition>.admonition-title:after,div.admonition>.admonition-title:after,"
             "div.exercise p.admonition-title:after{font:inherit!important;content:\"\"!important;"
             "background-color:currentColor;-webkit-mask:var(--lp-icon) center/contain no-repeat;"
             "mask:var(--lp-icon) center/contain no-repeat}"]
    for sel, name in ADMONITION_ICONS.items():
        w, h, path = solid[name]
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}"><path d="{path}"/></svg>'
        rules.append(f'.admonition{sel}>.admonition-title,div.admonition{sel}>.admonition-title'
                     f'{{--lp-icon:url("data:image/svg+xml,{quote(svg)}")}}')
    return "\n".join(rules) + "\n"


# ----------------------------------------------------------------- scripts

_KEEP_SYNC = ("documentation_options.js",)
_SCRIPT_SRC = re.compile(r'<script(?P<attrs>(?![^>]*\b(?:defer|async|type="module")\b)[^>]*\bsrc="(?P<src>[^"]+)"[^>]*)>')
# The theme loads Sphinx's search tools and the whole search index on every page, for a
# search-as-you-type box this book leaves off (theme default): only search.html uses them.
_SEARCH_SCRIPTS = re.compile(r'\s*<script[^>]*\bsrc="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|'
                             r'searchindex\.js)[^"]*"[^>]*></script>')


def _drop_search_scripts(page: str) -> str:
    """Search tools and index only on the search page (the search box sends readers there)."""
    if 'id="search-results"' in page or "Search.setIndex" in page:
        return page
    return _SEARCH_SCRIPTS.sub("", page)


def _defer_scripts(page: str) -> str:
    def repl(m):
        if any(k in m.group("src") for k in _KEEP_SYNC):
            return m.group(0)
        return f"<script defer{m.group('attrs')}>"

    return _SCRIPT_SRC.sub(repl, page)


# ----------------------------------------------------------------- meta description


def _description(doctree) -> str:
    for para in doctree.findall(nodes.paragraph):
        # Skip paragraphs inside admonitions, tables, code outputs and the citation block.
        parents, p = [], para.parent
        while p is not None:
            parents.append(p)
            p = p.parent
        if any(isinstance(x, (nodes.Admonition, nodes.table, nodes.footnote, nodes.citation)) or
               "cell" in (x.get("classes") or []) for x in parents if isinstance(x, nodes.Element)):
            continue
        text = " ".join(para.astext().split())
        if len(text) >= 40:
            return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"
    return ""


def _on_page(app, pagename, templatename, context, doctree) -> None:
    app.env.light_pages_written = getattr(app.env, "light_pages_written", set())
    app.env.light_pages_written.add(pagename)
    text = _description(doctree) if doctree is not None else ""
    if not text:
        text = f"{context.get('title') or ''} — {app.config.project}".strip(" —")
    text = re.sub(r"<[^>]+>", "", text)
    context["metatags"] = context.get("metatags", "") + f'\n<meta name="description" content="{html.escape(text, quote=True)}" />'


# ----------------------------------------------------------------- rewrite the written pages


def rewrite_page(page: str, sets) -> str:
    """All HTML rewrites of one page (idempotent)."""
    page = _FA_SCRIPT.sub("", page)
    page = _inline_icons(page, sets)
    page = _drop_search_scripts(page)
    return _defer_scripts(page)


def _on_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    fa_js = out / "_static" / "scripts" / "fontawesome.js"
    sets = _icon_sets(str(fa_js)) if fa_js.exists() else {}
    texts = []
    for pagename in sorted(getattr(app.env, "light_pages_written", set())):
        path = out / (pagename + app.builder.out_suffix)
        if not path.exists():
            continue
        old = path.read_text(encoding="utf-8")
        new = rewrite_page(old, sets)
        if new != old:
            path.write_text(new, encoding="utf-8")
        texts.append(new)
    (out / "_static" / ADMONITION_CSS).write_text(admonition_css(sets), encoding="utf-8")
    css = out / "_static" / "styles" / "pydata-sphinx-theme.css"
    if css.exists() and texts:
        # Every page (an incremental build rewrites only some) and the theme's own scripts.
        scripts = [p for p in (out / "_static" / "scripts").glob("*.js") if p.name != "fontawesome.js"]
        used = _used_icon_names(p.read_text(encoding="utf-8") for p in [*out.rglob("*.html"), *scripts])
        _trim_icon_css(css, used)
    app.env.light_pages_written = set()


def setup(app):
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    app.connect("html-page-context", _on_page)
    app.connect("build-finished", _on_finished)
    app.add_css_file(ADMONITION_CSS)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1.0"}
