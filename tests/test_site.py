"""Checks on the built book (_build/html): structure, citations, claims, glossary, links, no CDN."""
import re
from urllib.parse import urlparse

import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_string
from pybtex.richtext import Text

from analysis import data, paths
from analysis.build.site import notebooks, toc_files
from site_helpers import pages, require_build
from site_scans import broken_links, scan_for_third_party

pytestmark = pytest.mark.site
ROOT = paths.ROOT


def notebook_pages() -> list[str]:
    return [str(p.relative_to(ROOT).with_suffix("")) for p in notebooks()]


def soup(rel: str) -> BeautifulSoup:
    return BeautifulSoup((require_build() / rel).read_text(encoding="utf-8"), "html.parser")


def cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_every_toc_entry_is_built_and_root_redirects():
    root = require_build()
    for f in toc_files():
        assert (root / f"{f}.html").exists(), f"{f}.html missing from the build"
    target = re.search(r'url=([^"]+)"', (root / "index.html").read_text())
    assert target and (root / target.group(1)).exists(), "index.html does not redirect to a built page"


CITABLE_SKIP = {"book/how-to-cite"}


@pytest.mark.parametrize("page", [f for f in toc_files() if f not in CITABLE_SKIP])
def test_citation_block_matches_page(page):
    s = soup(f"{page}.html")
    block = s.select_one("section.chapter-citation .chapter-citation-bibtex pre")
    assert block is not None, f"{page}: no 'How to cite this chapter' block"
    entries = parse_string(block.get_text(), "bibtex").entries
    assert len(entries) == 1, f"{page}: citation block must hold exactly one BibTeX entry"
    (entry,) = entries.values()
    c = cff()
    h1 = s.select_one("main h1, article h1").get_text(" ", strip=True).rstrip("#").strip()
    assert entry.type == "incollection"
    field = lambda k: Text.from_latex(entry.fields[k]).render_as("text")  # noqa: E731
    assert field("title") == h1, f"{page}: title {entry.fields['title']!r} != page heading {h1!r}"
    assert field("booktitle") == c["title"]
    assert entry.fields["edition"] == str(c["version"])
    assert entry.fields["year"] == str(c["date-released"])[:4]
    assert entry.fields["url"] == f"{c['url'].rstrip('/')}/{page}.html"
    if c.get("doi"):
        assert entry.fields["doi"] == c["doi"]
    names = [str(p) for p in entry.persons["author"]]
    assert len(names) == len(c["authors"])
    plain = s.select_one("section.chapter-citation p.chapter-citation-plain").get_text()
    assert h1 in plain and str(c["version"]) in plain


def test_edition_in_every_footer():
    version = str(cff()["version"])
    for p in pages():
        text = p.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text.lower():
            continue
        assert f"Edition {version}" in text, f"{p.name}: footer does not name edition {version}"


def test_root_page_names_its_favicon():
    # Issue 27: without a <link rel="icon"> a browser opening the root asks for /favicon.ico (404).
    root = require_build()
    s = BeautifulSoup((root / "index.html").read_text(encoding="utf-8"), "html.parser")
    icon = s.find("link", rel="icon")
    assert icon is not None and (root / icon["href"]).is_file(), "index.html: no favicon link to a built file"


def test_footnote_citations_resolve():
    # Replaces MyST's footnote check, which is silenced for footcite (see _config.yml).
    for p in pages():
        s = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        ids = {t.get("id") for t in s.find_all(id=True)}
        for a in s.select("a.footnote-reference"):
            target = a.get("href", "").lstrip("#")
            assert target in ids, f"{p.name}: footnote reference to #{target} has no footnote"


def test_every_claim_has_its_section_and_every_theme_cites_a_claim():
    claims = data.load("claims")
    for _, row in claims.iterrows():
        s = soup(f"book/{row['chapter']}.html")
        assert s.find(id=row["anchor"]) is not None, f"{row['claim_id']}: #{row['anchor']} not in book/{row['chapter']}.html"
    for chapter in ("networking", "embeddedness", "mobility"):
        text = soup(f"book/{chapter}.html").get_text()
        assert re.search(r"\bCL-\d{2}\b", text), f"{chapter} cites no ledger id"


def test_internal_links_and_anchors_resolve():
    problems = broken_links(require_build(), pages())
    assert not problems, "\n".join(problems)


def test_every_glossary_term_is_used():
    terms = {t.get("id") for t in soup("book/glossary.html").select("dl.glossary dt[id]")}
    assert terms, "glossary has no terms"
    used = set()
    for p in pages():
        if p.name == "glossary.html":
            continue
        for a in BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").select("a[href*='glossary.html#term-']"):
            used.add(a["href"].split("#", 1)[1])
    unused = sorted(terms - used)
    assert not unused, f"glossary terms never used in the book: {unused}"


def test_no_third_party_requests_in_built_site():
    problems = scan_for_third_party(require_build())
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("page", notebook_pages())
def test_notebook_download_and_launch_links(page):
    s = soup(f"{page}.html")
    root = require_build()
    hrefs = [a["href"] for a in s.find_all("a", href=True)]
    dl = [h for h in hrefs if h.endswith(f"_sources/{page}.ipynb")]
    assert dl, f"{page}: no .ipynb download link"
    assert (root / "_sources" / f"{page}.ipynb").exists()
    # The repository address is set once, in CITATION.cff (repository-code); the branch in _config.yml.
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    repo["url"] = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))["repository-code"]
    slug = urlparse(repo["url"]).path.strip("/")
    assert any(h.startswith("https://mybinder.org/v2/gh/" + slug + "/" + repo["branch"]) and h.endswith(f"urlpath=tree/{page}.ipynb") for h in hrefs), f"{page}: no correct Binder link"
    assert f"https://colab.research.google.com/github/{slug}/blob/{repo['branch']}/{page}.ipynb" in hrefs, f"{page}: no correct Colab link"


@pytest.mark.parametrize("page", notebook_pages())
def test_chapter_handout_link_when_built(page):
    """A built handout (`make pdf` before the HTML build) is linked under the citation block and the
    link resolves; without one (as in `make test`, which builds no PDF) there is no link at all."""
    root = require_build()
    pdf = ROOT / "_build" / "pdf" / "chapters" / f"{page.split('/')[-1]}.pdf"
    links = soup(f"{page}.html").select("section.chapter-citation p.handout-download a[href]")
    if not pdf.exists():
        assert not links, f"{page}: links a handout that does not exist ({pdf.relative_to(ROOT)})"
        return
    assert len(links) == 1, f"{page}: {pdf.relative_to(ROOT)} exists but the page does not link it (run `make book` after `make pdf`)"
    target = (root / page).parent / links[0]["href"]
    assert target.is_file() and target.read_bytes() == pdf.read_bytes(), f"{page}: handout link {links[0]['href']} is broken or stale"
