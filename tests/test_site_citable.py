"""Built-site checks for issue 18: citable figures and tables, the values ledger, editions.

* every chart output (altair div) and every table output on every chapter page sits in a
  ``div.citable-output`` with an anchor id, a number "Figure <chapter>.<n>" counted in page
  order, and a collapsed "cite" dropdown whose BibTeX parses and names that number, the edition
  and the URL with the anchor;
* values.csv has a row for every glued key, and every glued number the prose shows
  (``span.pasted-text``) is in the ledger as shown; datapackage.json validates (checksum too);
* the "What changed" page has a section for every stored edition.
Each check is a function returning problems, and a ``*_bites`` test breaks a copy of the
input and watches it report.
"""
import copy
import csv
import json
import re

import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_string

from analysis import paths
from analysis.build.site import notebooks, toc_files
from site_helpers import require_build

pytestmark = pytest.mark.site
CHAPTERS = [str(p.relative_to(paths.ROOT).with_suffix("")) for p in notebooks()]
WORDS = {"figure": "Figure", "table": "Table"}


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup((require_build() / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def cff() -> dict:
    return yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def citable_problems(s: BeautifulSoup, page: str, chapter: int, meta: dict) -> list[str]:
    """What is wrong with the figure and table citations of one built page ([] if nothing)."""
    problems, counts, ids = [], {"figure": 0, "table": 0}, set()
    outputs = s.select("div.cell_output div.output.text_html")
    for out in outputs:
        kind = "figure" if out.select_one("div[id^='altair-viz-']") else "table" if out.find("table") else None
        if kind is None:
            continue
        counts[kind] += 1
        want = f"{WORDS[kind]} {chapter}.{counts[kind]}"
        box = out.parent
        anchor = box.get("id") if box is not None and "citable-output" in box.get("class", []) else None
        if not anchor:
            problems.append(f"{page}: {want} has no citable anchor (no div.citable-output id)")
            continue
        if anchor in ids:
            problems.append(f"{page}: anchor {anchor!r} used twice")
        ids.add(anchor)
        details = box.find("details", class_="figure-citation", recursive=False)
        if details is None or details.has_attr("open"):
            problems.append(f"{page}#{anchor}: no collapsed 'cite' dropdown")
            continue
        name = details.select_one("summary .figure-citation-name")
        if name is None or name.get_text() != want:
            problems.append(f"{page}#{anchor}: numbered {name.get_text() if name else None!r}, expected {want!r}")
        try:
            (entry,) = parse_string(details.select_one("pre.figure-citation-bibtex").get_text(), "bibtex").entries.values()
        except Exception as exc:  # noqa: BLE001 (any parse failure is the finding)
            problems.append(f"{page}#{anchor}: BibTeX does not parse ({exc})")
            continue
        f = entry.fields
        url = f"{meta['url'].rstrip('/')}/{page}.html#{anchor}"
        for key, expected in (("number", f"{chapter}.{counts[kind]}"), ("edition", str(meta["version"])),
                              ("url", url), ("type", WORDS[kind])):
            if f.get(key) != expected:
                problems.append(f"{page}#{anchor}: BibTeX {key} = {f.get(key)!r}, expected {expected!r}")
        plain = details.select_one("p.figure-citation-plain")
        if plain is None or want not in plain.get_text() or url not in plain.get_text():
            problems.append(f"{page}#{anchor}: plain citation lacks {want!r} or the URL")
    return problems


@pytest.mark.parametrize("page", CHAPTERS)
def test_every_figure_and_table_is_citable(page):
    s = soup(page)
    assert s.select("div.citable-output") or not s.select("div[id^='altair-viz-']"), f"{page}: charts, no citations"
    problems = citable_problems(s, page, toc_files().index(page), cff())
    assert not problems, "\n".join(problems)


def test_citable_check_bites():
    page = next(p for p in CHAPTERS if soup(p).select("div.citable-figure"))
    chapter, meta = toc_files().index(page), cff()
    base = soup(page)
    assert not citable_problems(base, page, chapter, meta)
    no_label = copy.copy(base)
    del no_label.select_one("div.citable-figure")["id"]
    assert any("no citable anchor" in p for p in citable_problems(no_label, page, chapter, meta))
    bad_bib = copy.copy(base)
    pre = bad_bib.select_one("div.citable-figure pre.figure-citation-bibtex")
    pre.string = pre.get_text().replace("number = {", "number = {9")
    assert any("BibTeX number" in p for p in citable_problems(bad_bib, page, chapter, meta))
    broken = copy.copy(base)
    pre = broken.select_one("div.citable-figure pre.figure-citation-bibtex")
    pre.string = pre.get_text().replace("@misc{", "@misc{,,{")
    assert citable_problems(broken, page, chapter, meta)
    no_snippet = copy.copy(base)
    no_snippet.select_one("div.citable-figure details.figure-citation").decompose()
    assert any("dropdown" in p for p in citable_problems(no_snippet, page, chapter, meta))


def ledger() -> list[dict]:
    with open(require_build() / "values.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# Sphinx's smart quotes turn ' and " in the pasted text into typographic ones on the page.
QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def ledger_problems(rows: list[dict], glue_keys: dict[str, set], shown: dict[str, list[str]]) -> list[str]:
    """Glued keys missing from the ledger, and values the prose shows that the ledger lacks."""
    problems = []
    for page, keys in glue_keys.items():
        have = {r["name"] for r in rows if r["page"] == page}
        problems += [f"{page}: glued {k!r} not in values.csv" for k in sorted(keys - have)]
        values = {v.translate(QUOTES) for r in rows if r["page"] == page for v in r["value"].split(" | ")}
        problems += [f"{page}: the prose shows {t!r}, which values.csv does not hold" for t in shown[page]
                     if t.translate(QUOTES) not in values]
    return problems


def _glue_keys_and_shown() -> tuple[dict, dict]:
    execute = require_build().parent / "jupyter_execute"
    keys, shown = {}, {}
    for page in CHAPTERS:
        glue = execute / f"{page}.glue.json"
        keys[page] = set(json.loads(glue.read_text(encoding="utf-8"))) if glue.exists() else set()
        shown[page] = [sp.get_text() for sp in soup(page).select("span.pasted-text")]
    return keys, shown


def test_values_ledger_holds_every_glued_value_as_shown():
    rows = ledger()
    assert rows and list(rows[0]) == ["name", "chapter_number", "chapter", "page", "value", "raw", "kind", "source"]
    keys, shown = _glue_keys_and_shown()
    assert sum(map(len, keys.values())) == len(rows), "values.csv rows != glued keys"
    problems = ledger_problems(rows, keys, shown)
    assert not problems, "\n".join(problems[:20])
    assert json.loads((require_build() / "values.json").read_text(encoding="utf-8")) == [
        {**r, "chapter_number": int(r["chapter_number"])} for r in rows]


def test_values_ledger_check_bites():
    rows = ledger()
    keys, shown = _glue_keys_and_shown()
    page = next(p for p in CHAPTERS if shown[p])
    assert not ledger_problems(rows, keys, shown)
    fewer = [r for r in rows if not (r["page"] == page and r["name"] == sorted(keys[page])[0])]
    assert any("not in values.csv" for p in ledger_problems(fewer, keys, shown))
    wrong = [dict(r, value="999999") if r["page"] == page else r for r in rows]
    assert any("the prose shows" in p for p in ledger_problems(wrong, keys, shown))


def test_site_datapackage_describes_the_ledger():
    from frictionless import validate

    report = validate(str(require_build() / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    pkg = json.loads((require_build() / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["version"] == str(cff()["version"])
    assert [r["path"] for r in pkg["resources"]] == ["values.csv", "values.json"]


def test_values_page_links_the_files_and_counts():
    s = soup("book/values")
    hrefs = {a["href"] for a in s.select("article a[href]")}
    assert {"../values.csv", "../values.json", "../datapackage.json"} <= hrefs
    table = s.select_one("table.values-summary")
    assert table is not None, "no summary table on the values page"
    total = table.select("tbody tr")[-1].select("td")[-1].get_text(strip=True)
    assert int(total) == len(ledger())


def test_changes_page_has_a_section_per_stored_edition():
    stored = sorted(d.name for d in (paths.ROOT / "editions").glob("*") if (d / "values.csv").is_file())
    text = soup("book/changes").select_one("article").get_text(" ", strip=True)
    for version in stored:
        assert f"Since edition {version}" in text, f"changes page: no section for edition {version}"
    assert re.search(r"Since edition|No edition has been stored", text)
