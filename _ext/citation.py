"""Per-page citation block and edition footer, generated from CITATION.cff.

CITATION.cff is the single source of truth for title, authors, version, date,
licence and DOI. Each chapter page gets a "How to cite this chapter" section
(plain text + BibTeX @incollection) built from that file plus the page's own
title and URL, so nothing is typed per chapter. Pages listed in
``citation_skip_pages`` (index/search pages, the How-to-cite page itself) get none.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import yaml


def load_cff(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        cff = yaml.safe_load(fh)
    for key in ("title", "authors", "version", "date-released", "url"):
        if not cff.get(key):
            raise ValueError(f"{path}: field '{key}' is required for citations")
    return cff


def author_names(cff: dict) -> list[str]:
    names = []
    for a in cff["authors"]:
        if "name" in a:
            names.append(a["name"])
        else:
            names.append(f"{a['family-names']}, {a['given-names']}")
    return names


def tex_escape(text: str) -> str:
    """Escape the characters that BibTeX/LaTeX would misread in a field value."""
    for ch in ("\\", "&", "%", "$", "#", "_"):
        text = text.replace(ch, "\\" + ch if ch != "\\" else "\\textbackslash{}")
    return text


def bibtex_key(pagename: str, cff: dict) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", pagename.split("/")[-1].lower()).strip("_")
    return f"clusters_compendium_{cff['version'].replace('.', '_')}_{slug}"


def chapter_citation(cff: dict, pagename: str, title: str) -> tuple[str, str, str]:
    """Return (url, plain text, BibTeX) for one page."""
    url = cff["url"].rstrip("/") + "/" + pagename + ".html"
    year = str(cff["date-released"])[:4]
    authors = author_names(cff)
    doi = cff.get("doi")
    plain = (
        f"{'; '.join(authors)} ({year}). "
        f"{title}. In: {cff['title']}, version {cff['version']}. {url}"
        + (f". https://doi.org/{doi}" if doi else "")
    )
    fields = [
        ("author", " and ".join("{" + a + "}" if "," not in a else a for a in authors)),
        ("title", "{" + tex_escape(title) + "}"),
        ("booktitle", "{" + tex_escape(cff["title"]) + "}"),
        ("year", year),
        ("edition", cff["version"]),
        ("url", url),
    ]
    if doi:
        fields.append(("doi", doi))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    bib = f"@incollection{{{bibtex_key(pagename, cff)},\n{body}\n}}"
    return url, plain, bib


def book_citation(cff: dict) -> tuple[str, str, str]:
    """Return (url, plain text, BibTeX @book) for the whole book."""
    url = cff["url"].rstrip("/") + "/"
    year = str(cff["date-released"])[:4]
    authors = author_names(cff)
    doi = cff.get("doi")
    plain = f"{'; '.join(authors)} ({year}). {cff['title']}, version {cff['version']}. {url}" + (
        f". https://doi.org/{doi}" if doi else "")
    fields = [("author", " and ".join("{" + a + "}" if "," not in a else a for a in authors)),
              ("title", "{" + tex_escape(cff["title"]) + "}"), ("year", year), ("edition", cff["version"]), ("url", url)]
    if doi:
        fields.append(("doi", doi))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    key = f"clusters_compendium_{cff['version'].replace('.', '_')}"
    return url, plain, f"@book{{{key},\n{body}\n}}"


def _block(cff: dict, pagename: str, title: str) -> str:
    url, plain, bib = chapter_citation(cff, pagename, title)
    return (
        '<section class="chapter-citation" id="how-to-cite-this-chapter">\n'
        '<h2>How to cite this chapter<a class="headerlink" href="#how-to-cite-this-chapter" '
        'title="Link to this heading">#</a></h2>\n'
        f'<p class="chapter-citation-plain">{html.escape(plain)}</p>\n'
        f'<pre class="chapter-citation-bibtex" data-page-url="{html.escape(url)}">'
        f"{html.escape(bib)}</pre>\n</section>\n"
    )


def _on_config_inited(app, config) -> None:
    cff = load_cff(Path(app.confdir) / "CITATION.cff")
    app.env_cff = cff
    footer = (
        f'<p class="edition-footer">Edition {html.escape(str(cff["version"]))} '
        f'({html.escape(str(cff["date-released"]))}). Text and figures CC BY 4.0; code MIT.</p>'
    )
    config.html_theme_options = dict(config.html_theme_options or {})
    config.html_theme_options["extra_footer"] = footer


def _on_page(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or pagename in app.config.citation_skip_pages:
        return
    title = re.sub(r"<[^>]+>", "", context.get("title", "")).strip()
    title = html.unescape(title)
    context["body"] = context.get("body", "") + _block(app.env_cff, pagename, title)


def setup(app):
    app.add_config_value("citation_skip_pages", ["book/how-to-cite", "genindex", "search"], "html")
    app.connect("config-inited", _on_config_inited)
    app.connect("html-page-context", _on_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
