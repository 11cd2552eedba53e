"""Per-page citation block and edition footer, generated from CITATION.cff.

CITATION.cff is the single source of truth for title, authors, version, date,
licence and DOI. Each chapter page gets a "How to cite this chapter" section
(plain text + BibTeX @incollection) built from that file plus the page's own
title and URL, so nothing is typed per chapter. Pages listed in
``citation_skip_pages`` (the How-to-cite page itself) get none.

The block is a real docutils section, added to each document when it is read
(before Sphinx collects titles and tables of contents), so it is in the page's
table of contents and reaches every builder: HTML and the PDF through LaTeX.
"""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

SECTION_ID = "how-to-cite-this-chapter"
SECTION_TITLE = "How to cite this chapter"


def load_cff(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        cff = yaml.safe_load(fh)
    for key in ("title", "authors", "version", "date-released", "url"):
        if not cff.get(key):
            raise ValueError(f"{path}: field '{key}' is required for citations")
    check_site_url(cff, path)
    return cff


#: The repository address CITATION.cff holds until the book has a public repository: while
#: ``repository-code`` is this value, the build says so in its log and the How to cite page says so.
PLACEHOLDER_REPOSITORY = "https://github.com/cbr-clusters-compendium/compendium"


def repository_url(cff: dict) -> str | None:
    """The book's repository: ``repository-code`` of CITATION.cff, the one place it is set.

    The launch (Binder, Colab), repository and issue links of the site are built from it, and
    the citation file carries it; ``url`` (the published site) must agree with it (see below).
    """
    url = cff.get("repository-code")
    return str(url).rstrip("/") if url else None


def repository_is_placeholder(cff: dict) -> bool:
    return repository_url(cff) == PLACEHOLDER_REPOSITORY


def pages_url(repository: str) -> str | None:
    """The GitHub Pages address of a github.com repository (None for other hosts)."""
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repository)
    return f"https://{m.group(1).lower()}.github.io/{m.group(2)}" if m else None


def check_site_url(cff: dict, path) -> None:
    """A site published on GitHub Pages must be the Pages site of ``repository-code``.

    (A custom domain is allowed; a github.io address of another repository is a stale copy.)
    """
    repo, url = repository_url(cff), str(cff.get("url", "")).rstrip("/")
    expected = pages_url(repo) if repo else None
    if expected and ".github.io" in url and url != expected:
        raise ValueError(f"{path}: field 'url' is {url!r} but the GitHub Pages site of "
                         f"'repository-code' ({repo}) is {expected!r}: change both together")


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


def citation_section(cff: dict, pagename: str, title: str) -> nodes.section:
    """The "How to cite this chapter" section: a title, the plain reference and the BibTeX entry."""
    url, plain, bib = chapter_citation(cff, pagename, title)
    section = nodes.section("", ids=[SECTION_ID], names=[SECTION_TITLE.lower()], classes=["chapter-citation"])
    section += nodes.title(SECTION_TITLE, SECTION_TITLE)
    section += nodes.paragraph(plain, plain, classes=["chapter-citation-plain"])
    block = nodes.literal_block(bib, bib, classes=["chapter-citation-bibtex"])
    block["language"] = "bibtex"
    section += block
    return section


def page_title(doctree) -> str:
    """The document's title: the text of its first section title ('' when it has none)."""
    for section in doctree.findall(nodes.section):
        return section[0].astext().strip() if section.children and isinstance(section[0], nodes.title) else ""
    return ""


def add_citation_section(doctree, cff: dict, pagename: str) -> nodes.section:
    """Append the citation section to the document's last top-level section (or the document).

    Inside the top-level section it is a subsection (an h2 in HTML, a section in LaTeX), so it
    is listed under the page's title in its table of contents.
    """
    section = citation_section(cff, pagename, page_title(doctree))
    tops = [n for n in doctree.children if isinstance(n, nodes.section)]
    (tops[-1] if tops else doctree).append(section)
    return section


def _on_config_inited(app, config) -> None:
    cff_path = Path(app.confdir) / "CITATION.cff"
    cff = load_cff(cff_path)
    app.env_cff = cff
    config.citation_cff_digest = hashlib.sha256(cff_path.read_bytes()).hexdigest()
    footer = (
        f'<p class="edition-footer">Edition {html.escape(str(cff["version"]))} '
        f'({html.escape(str(cff["date-released"]))}). Text and figures CC BY 4.0; code MIT.</p>'
    )
    config.html_theme_options = dict(config.html_theme_options or {})
    config.html_theme_options["extra_footer"] = footer
    repo = repository_url(cff)
    if repo:  # the launch, repository and issue links (Jupyter Book put _config.yml's default here)
        config.html_theme_options.update(repository_url=repo, use_repository_button=True, use_issues_button=True)
    if repository_is_placeholder(cff):
        # Logged, not a Sphinx warning: the strict build (-W) must still pass with the placeholder.
        logger.info(f"[repository] {cff_path.name}: 'repository-code' is still the placeholder {repo}: launch, "
                    "repository and issue links and the citation file point to a repository that does not exist "
                    "yet (set the real address there before publishing; the How to cite page says so)")


def _on_doctree_read(app, doctree) -> None:
    docname = app.env.docname
    if docname in app.config.citation_skip_pages:
        return
    add_citation_section(doctree, app.env_cff, docname)


def setup(app):
    app.add_config_value("citation_skip_pages", ["book/how-to-cite"], "env")
    # A changed CITATION.cff changes every page: its digest is an env-level config value, so an
    # incremental build re-reads the documents (set in config-inited, before the env is loaded).
    app.add_config_value("citation_cff_digest", "", "env")
    app.connect("config-inited", _on_config_inited)
    # Before the collectors (priority 500) record titles and tables of contents.
    app.connect("doctree-read", _on_doctree_read, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2.0"}
