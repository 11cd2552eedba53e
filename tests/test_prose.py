"""The book's prose says no more than its sources (CONVENTIONS.md, "Claims and prose").

* Claims reach the prose through the ledger: every claim section ``(claim-cl-nn)=`` of the chapter the
  ledger names states its claim with the ``{claim}`` role, and the free prose around it makes no verb
  of the claim's quotations stronger ("help explain" -> "explains").
* Citations resolve: every citation key of a role and every author–year mention ("Wilson (1927)",
  "Padgett and Ansell (1993)") or possessive credit ("Boschma's summary") names a work of
  ``data/references.bib``, and no prose points to a file outside the repository.

Prose is every Markdown page of ``book/`` and every markdown cell of ``book/*.ipynb``.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from analysis import data, paths
from analysis.data import hedges

ROOT = paths.ROOT
BOOK = ROOT / "book"

# Files the built site publishes (values ledger), named in the prose of book/values.md.
# files of the built site or of the release archive (make release), not of the repository
SITE_FILES = {"values.csv", "values.json", "datapackage.json", "ro-crate-metadata.json"}


def _prose() -> dict[str, str]:
    out = {p.name: p.read_text(encoding="utf-8") for p in sorted(BOOK.glob("*.md"))}
    for p in sorted(BOOK.glob("*.ipynb")):
        nb = json.loads(p.read_text(encoding="utf-8"))
        out[p.name] = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return out


def _fold(s: str) -> str:
    """Surname as compared: LaTeX accents and braces dropped, diacritics removed, lower case."""
    s = re.sub(r"\\[^a-zA-Z\s]|[{}]", "", s)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1)
def _bib() -> list[tuple[str, str, frozenset]]:
    """(key, year, surnames of its authors and editors) for every entry of references.bib."""
    from pybtex.database import parse_file

    out = []
    for key, entry in parse_file(str(paths.BIBFILE)).entries.items():
        people = [p for role in ("author", "editor") for p in entry.persons.get(role, [])]
        names = frozenset(_fold(n) for p in people for n in [" ".join(p.last_names)] + list(p.last_names))
        out.append((key, entry.fields.get("year", ""), names))
    return out


NAME = r"[A-Z][a-zà-öø-ÿ'’\-]+"
AUTHOR_YEAR = re.compile(
    rf"\b(?P<first>{NAME})(?P<more>(?:,?\s(?:et al\.|and|&)\s?(?:{NAME})?)*),?\s\(?"
    r"(?P<year>(?:1[6-9]|20)\d\d)[a-z]?(?![\ds])")
POSSESSIVE = re.compile(
    rf"\b(?P<first>{NAME})(?:\s(?:and|&)\s(?P<second>{NAME}))?['’]s\s(?:[a-z\-–]+\s){{0,2}}?"
    r"(?:work|summary|paper|papers|model|study|studies|argument|book|review|theory|index|measure|test|roles|"
    r"law|centralisation|interval|algorithm|method|data|survey|classification|coding)\b")
ROLE_KEYS = re.compile(r"\{(?:foot)?cite(?::[a-z]+)?\}`([^`]+)`")


def _without_code(text: str) -> str:
    return re.sub(r"`[^`]*`", "``", text)


def citation_problems(prose: dict[str, str]) -> list[tuple[str, str, str]]:
    """(file, kind, what) for every citation in prose that does not resolve to references.bib."""
    bib = _bib()
    keys = {k for k, _, _ in bib}
    bad = []
    for name, text in prose.items():
        for group in ROLE_KEYS.findall(text):
            for key in (k.strip() for k in group.split(",")):
                if key not in keys:
                    bad.append((name, "key", key))
        plain = _without_code(text)
        for m in AUTHOR_YEAR.finditer(plain):
            surnames = [m["first"]] + re.findall(NAME, m["more"] or "")
            want = {_fold(s) for s in surnames}
            if not any(y == m["year"] and want <= names for _, y, names in bib):
                bad.append((name, "author-year", m.group(0).strip()))
        for m in POSSESSIVE.finditer(plain):
            for s in filter(None, (m["first"], m["second"])):
                if not any(_fold(s) in names for _, _, names in bib):
                    bad.append((name, "name", s))
    return bad


def path_problems(prose: dict[str, str]) -> list[tuple[str, str, str]]:
    """(file, 'path', what) for prose that points to a file outside the repository."""
    bad = []
    for name, text in prose.items():
        named = [m.group(1) for m in re.finditer(r"(?<![}\w])`([^`\s]+)`", text)]
        named += [m.group(1) for m in re.finditer(r"\]\(([^)\s]+)\)", text)]
        for s in named:
            # a file name, an absolute or relative path, or a path into a top-level folder of the
            # repository ("Pacific/Chatham", a time zone, is none of these)
            looks_like_file = (re.search(r"\.(md|py|csv|json|ipynb|bib|ya?ml|cfg|txt|pdf|toml|cff)$", s)
                               or s.startswith(("/", "~", "./", "../"))
                               or ("/" in s and (ROOT / s.split("/")[0]).is_dir()))
            if not looks_like_file or re.search(r"[()=\[\]*<>]|^(https?|mailto):|^#", s) or s in SITE_FILES:
                continue
            if s.startswith(("/", "~")) or ".." in Path(s).parts:
                bad.append((name, "path", s))
            elif not any((base / s).exists() for base in (ROOT, BOOK, ROOT / "data")) and \
                    not any((BOOK / f"{s}{ext}").exists() for ext in (".md", ".ipynb")):
                bad.append((name, "path", s))
    return bad


def test_citations_resolve_to_the_bibliography():
    bad = citation_problems(_prose())
    assert not bad, "\n".join(f"{f}: {kind} {what!r} is not in data/references.bib" for f, kind, what in bad)


def test_no_prose_points_outside_the_repository():
    bad = path_problems(_prose())
    assert not bad, "\n".join(f"{f}: {what!r} is not a file of the repository" for f, _, what in bad)


def test_citation_and_path_checks_bite():
    prose = {"x.md": ("As Wilson (1927) showed, and Efron 1980 did not, Boschma's summary of the work "
                      "{footcite:p}`wilson_1927,no_such_key` stands; Padgett and Ansell (1993) agree; "
                      "the Fourth Framework Programme 1994 and the 1990s are not names. "
                      "Times in `Pacific/Chatham` are not files; `data/missing/` is a missing folder. "
                      "See `notes/working-note.md`, `/home/reader/notes/models.md`, `analysis/data/hedges.py` and "
                      "[the data](../../elsewhere/data.csv)."),
             "y.ipynb": "Drabek et al. (1981) and Smith et al. (1981) coded it."}
    assert sorted(citation_problems(prose)) == sorted([
        ("x.md", "key", "no_such_key"), ("x.md", "author-year", "Efron 1980"), ("x.md", "name", "Boschma"),
        ("x.md", "author-year", "Programme 1994"), ("y.ipynb", "author-year", "Smith et al. (1981")])
    assert sorted(path_problems(prose)) == sorted([
        ("x.md", "path", "notes/working-note.md"), ("x.md", "path", "/home/reader/notes/models.md"),
        ("x.md", "path", "../../elsewhere/data.csv"), ("x.md", "path", "data/missing/")])


# ---- claims come through the ledger --------------------------------------------------------------

def claim_sections(text: str) -> dict[str, str]:
    """'CL-nn' -> the text of the section labelled (claim-cl-nn)=: its heading and body, up to the next
    label or heading."""
    out, current, seen_heading = {}, None, False
    for line in text.splitlines():
        label = re.fullmatch(r"\(([\w-]+)\)=", line.strip())
        if label or (line.startswith("#") and seen_heading):
            current = None
        if label and label.group(1).startswith("claim-cl-"):
            current, seen_heading = label.group(1)[len("claim-"):].upper(), False
            out[current] = []
            continue
        if current:
            seen_heading = seen_heading or line.startswith("#")
            out[current].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


@pytest.mark.parametrize("chapter", ["programme", "clusters", "networking", "embeddedness", "mobility"])
def test_each_claim_section_states_its_claim_through_the_role(chapter):
    claims, quotes = data.load("claims"), data.load("claim_quotes")
    ours = claims[claims["chapter"] == chapter]
    sections = claim_sections(_prose()[f"{chapter}.ipynb"])
    assert set(sections) == set(ours["claim_id"]), f"{chapter}: claim sections {sorted(sections)}"
    for cid, body in sections.items():
        assert re.search(rf"\{{claim\}}`{cid}(:finding)?`", body), \
            f"{chapter} {cid}: no {{claim}}`{cid}` in its section"
        said = list(quotes.loc[quotes["claim_id"] == cid, "quote"])
        free = re.sub(r"\{claim\}`[^`]*`", "", body)
        assert hedges.problems(free, said, check_recorded=False) == [], f"{chapter} {cid}"


def test_claim_section_check_bites():
    text = ("(claim-cl-11)=\n### Growth\n\nThe network's book explains the growth {footcite:p}`k`.\n\n"
            "(claim-cl-12)=\n### Grenoble\n\n{claim}`CL-12` and more.\n\n## Published evidence\n\nOther text.\n")
    sections = claim_sections(text)
    assert list(sections) == ["CL-11", "CL-12"]
    assert "{claim}" not in sections["CL-11"] and "Other text" not in sections["CL-12"]
    quotes = data.load("claim_quotes")
    said = list(quotes.loc[quotes["claim_id"] == "CL-11", "quote"])
    assert hedges.problems(sections["CL-11"], said, check_recorded=False) == [
        "strengthens the source's 'help explain' to 'explains'"]
