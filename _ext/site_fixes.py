"""Small, documented patches to the HTML that Jupyter Book 1.x emits.

* The site's root index.html is a one-line redirect (sphinx-external-toc): a
  browser opening the root asks for /favicon.ico (a 404, a console error) and
  finds no language, title or description. It becomes a small page with the same
  redirect, the favicon, a title, a description and a link to the first page.
* sphinx-thebe is always loaded by Jupyter Book; with thebe disabled its
  inline config is dead code, emitted twice (a console error: "Identifier
  'THEBE_JS_URL' has already been declared") and names a CDN. We drop it.

Accessibility (tests/test_browser.py runs axe-core on every page and fails on
any "serious" or "critical" violation, in the light and dark themes):

* aria-required-children: docutils writes a bibliography as
  <div class="citation-list" role="list"> whose children carry
  role="doc-biblioentry". That role is deprecated (DPUB-ARIA 1.1 says use
  listitem) and is not a listitem, so the list has no valid children. We
  rewrite the role to listitem in the page body.
* color-contrast (dark theme only): pydata-sphinx-theme gives rich HTML
  outputs (our claims tables) a light background and dark text in dark mode
  but leaves links in the dark theme's light blue (2.2:1 on that grey). A
  small stylesheet, written by this extension, gives those links a dark blue
  (5.3:1), and table captions there (the theme's muted light grey) the
  output's own dark text colour.
* (Charts are static SVG with their text alternative, made at build time, and the live view
  has no vega-embed action menu: _ext/static_charts.py. Decorative and empty chart layers are
  handled where the charts are built, in analysis/charts.py: the basemap has aria=False and no
  builder emits a layer without rows.)
"""
from __future__ import annotations

import re
from pathlib import Path

CSS_NAME = "site-fixes.css"
CSS = """/* Written by _ext/site_fixes.py: see its docstring. */
/* Dark theme: links in HTML outputs, which the theme puts on a light grey
   (--pst-color-text-base), need a dark link colour to stay readable. */
html[data-theme=dark] .bd-content div.cell_output .text_html a,
html[data-theme=dark] .bd-content div.cell_output .text_html a:visited {
  color: #0b5394;
}
/* Dark theme: the theme's muted caption colour (light grey) is meant for a dark page; on
   that same light output background table captions (the page kit's evidence captions)
   take the output's own dark text colour instead. */
html[data-theme=dark] .bd-content div.cell_output .text_html caption {
  color: inherit;
}
"""

_BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?)\brole="doc-biblioentry"')


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = (getattr(script, "attributes", {}) or {}).get("body", "") or ""
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body or "thebe@" in filename


def _on_page(app, pagename, templatename, context, doctree) -> None:
    if app.config.thebe_config and app.config.thebe_config.get("always_load"):
        return  # thebe wanted: leave it alone
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]


def _a11y_body(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = _BIBLIOENTRY.sub(r'\1role="listitem"', body)


def _write_css(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        (static / CSS_NAME).write_text(CSS, encoding="utf-8")


_REDIRECT = re.compile(r'^\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$')


def root_page(target: str, title: str, favicon: str) -> str:
    """The root index.html: the redirect to ``target`` as a small, complete page."""
    import html

    t = html.escape(title)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Refresh" content="0; url={target}" />\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{t}</title>\n<meta name=\"description\" content=\"{t}: the book starts at its first page.\">\n"
            f'<link rel="icon" href="{favicon}">\n<link rel="canonical" href="{target}">\n'
            f'</head><body><p><a href="{target}">{t}</a></p></body></html>\n')


def _root_index(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    index = Path(app.outdir) / "index.html"
    m = _REDIRECT.match(index.read_text(encoding="utf-8")) if index.exists() else None
    if m and app.config.html_favicon:
        favicon = "_static/" + Path(app.config.html_favicon).name
        index.write_text(root_page(m.group(1), app.config.project, favicon), encoding="utf-8")


def setup(app):
    # After sphinx-external-toc (500) has written the one-line redirect.
    app.connect("build-finished", _root_index, priority=900)
    app.connect("html-page-context", _on_page, priority=900)
    app.connect("html-page-context", _a11y_body)
    app.connect("build-finished", _write_css)
    app.add_css_file(CSS_NAME)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
