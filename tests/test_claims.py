"""The claims ledger checks itself: quotations, the evidence-kind rule, and statuses on display.

Each rule is tested on an edited copy of the real ledger, so a regression in the validators of
``analysis.data`` (the ``x-checks`` of data/datapackage.json) fails here with the file, field and
row named. The last tests read the committed outputs of the chapters: a displayed table that shows
published values without a status column, or cuts off provenance text, fails.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis import data, paths
from analysis.data.validate import DataValidationError
from analysis.measures import clusters, ledger

CLAIMS = "data/published/claims.csv"
QUOTES = "data/published/claim_quotes.csv"
BOOK = Path(paths.DATA).parent / "book"


def _records(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write(path: Path, rows) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _claims_res() -> dict:
    res = copy.deepcopy(data.resource("claims"))
    res.pop("hash", None)  # the edited copy differs from the checksum on purpose
    return res


def _edited_claims(tmp_path, edit) -> Path:
    rows = _records(paths.DATA / data.resource("claims")["path"])
    edit(rows[0], rows)
    return _write(tmp_path / "claims.csv", rows)


def _set(claim_id: str, **cells):
    def edit(header, rows):
        row = next(r for r in rows if r[0] == claim_id)
        for k, v in cells.items():
            row[header.index(k)] = v
    return edit


def _refused(tmp_path, edit, pattern, field, row, file=CLAIMS):
    bad = _edited_claims(tmp_path, edit)
    with pytest.raises(DataValidationError, match=pattern) as info:
        data.read_resource(_claims_res(), path=bad)
    err = info.value
    assert (err.file, err.field, err.row) == (file, field, row)
    assert str(err).startswith(file) and f"field '{field}'" in str(err) and f"row {row} " in str(err)


def _row(claim_id: str) -> int:
    return int(claim_id.split("-")[1])  # claims are stored in id order, CL-01 on data row 1


# ---- the real ledger ----------------------------------------------------------------------------

def test_real_ledger_is_quoted_and_typed_by_the_rule():
    claims, quotes = data.load("claims"), data.load("claim_quotes")
    assert list(claims["claim_id"]) == [f"CL-{i:02d}" for i in range(1, len(claims) + 1)]
    assert set(claims["evidence_kind"]) <= {"published-figure", "qualitative-only"}
    for _, c in claims.iterrows():
        mine = quotes[quotes["claim_id"] == c["claim_id"]]
        assert not mine.empty, c["claim_id"]
        assert set(mine["source_key"]) == {k.strip() for k in c["source_keys"].split(";")}, c["claim_id"]
        assert (c["evidence_kind"] == "published-figure") == (not pd.isna(c["evidence_rows"])), c["claim_id"]
    assert all(len(q.split()) <= 35 for q in quotes["quote"])


def test_audit_corrections_hold():
    claims = data.load("claims").set_index("claim_id")
    # published qualitative statements, never typed by an analogue
    for cid in ("CL-15", "CL-20", "CL-21", "CL-09", "CL-13"):
        assert claims.at[cid, "evidence_kind"] == "qualitative-only", cid
    # the ranking is the project page's; hedges kept; no mechanism added
    assert claims.at["CL-21", "source_keys"] == "cbr_project_page"
    assert "suggested" in claims.at["CL-20", "finding"] and "appears" in claims.at["CL-20", "finding"]
    assert "a range of" in claims.at["CL-19", "finding"] and "at once" not in claims.at["CL-19", "finding"]
    assert "mainly by people" not in claims.at["CL-27", "finding"]
    assert "strategic" in claims.at["CL-06", "finding"]
    for word in ("train", "spun off", "spin off", "convene", "convening"):
        assert word not in claims.at["CL-06", "finding"].lower()
    assert "1980s to 2000" not in claims.at["CL-07", "finding"]
    assert claims.at["CL-24", "status"] == "second-hand"


def test_headline_findings_are_the_project_pages_in_its_order():
    claims, quotes = data.load("claims"), data.load("claim_quotes")
    page = quotes[quotes["source_key"] == ledger.PROJECT_PAGE].set_index("claim_id")["location"]
    paragraphs = [int(re.search(r"paragraph (\d+)", page[c]).group(1)) for c in ledger.HEADLINE_FINDINGS]
    assert paragraphs == sorted(paragraphs)
    table = ledger.headline_findings(claims, quotes)
    assert list(table["claim_id"]) == ledger.HEADLINE_FINDINGS
    assert {"networking", "embeddedness", "mobility"} <= set(table["chapter"])
    h = ledger.headline_table_html(claims, quotes)
    assert re.findall(r'href="([a-z]+)\.html#claim-cl-\d\d"', h) == list(table["chapter"])


def _headings(chapter: str) -> dict:
    """Section titles of a chapter -> the label '(x)=' just above them (None if unlabelled)."""
    nb = json.loads((BOOK / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    out, label = {}, None
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            if re.fullmatch(r"\(([\w-]+)\)=", line.strip()):
                label = line.strip()[1:-2]
            elif line.startswith("#"):
                out[line.lstrip("#").strip()], label = label, None
            elif line.strip():
                label = None
    return out


def missing_sections(claims: pd.DataFrame) -> list[str]:
    """illustrated_by references whose chapter has no section of that title."""
    bad = []
    for _, c in claims.dropna(subset=["illustrated_by"]).iterrows():
        for ref in c["illustrated_by"].split(";"):
            chapter, _, section = (x.strip() for x in ref.partition(":"))
            if section not in _headings(chapter):
                bad.append(f"{c['claim_id']}: no section '{section}' in {chapter}")
    return bad


def test_illustrating_sections_exist():
    assert not missing_sections(data.load("claims"))


def test_models_cross_references():
    """Spin-off claims point to the spin-off model, people-and-links claims to the people model;
    the sections are the ones the models chapter labels models-spinoffs and models-people-links."""
    claims = data.load("claims").set_index("claim_id")
    models = _headings("models")
    for ids, label in ((("CL-24", "CL-26"), "models-spinoffs"), (("CL-21", "CL-22", "CL-27"), "models-people-links")):
        section = next(t for t, lab in models.items() if lab == label)
        for cid in ids:
            assert f"models: {section}" in claims.at[cid, "illustrated_by"], cid


def test_missing_section_is_found():
    claims = data.load("claims").copy()
    claims.loc[claims["claim_id"] == "CL-24", "illustrated_by"] = "models: Spinoffs"
    assert missing_sections(claims) == ["CL-24: no section 'Spinoffs' in models"]


# ---- bites: each rule refuses an edited ledger ---------------------------------------------------

def test_read_in_source_claim_without_quotation_is_refused(tmp_path):
    def add_unquoted(header, rows):
        new = dict.fromkeys(header, "")
        new.update(claim_id="CL-99", finding="A finding nobody quoted.", source_keys="cbr_project_page",
                   evidence_kind="qualitative-only", chapter="programme", anchor="claim-cl-99",
                   status="read-in-source")
        rows.append([new[h] for h in header])
    _refused(tmp_path, add_unquoted, r"claim CL-99 is read in source but data/published/claim_quotes\.csv holds "
             r"no quotation", "status", len(_records(paths.DATA / data.resource("claims")["path"])))


def test_unquoted_source_key_is_refused(tmp_path):
    _refused(tmp_path, _set("CL-05", source_keys="cbr_project_page;keeble_wilkinson_1999"),
             r"source 'keeble_wilkinson_1999' of CL-05 is not quoted", "source_keys", _row("CL-05"))


@pytest.mark.parametrize("claim, cells, pattern, field", [
    # a second-hand claim must quote the second-hand source, and a claim read in source a source
    ("CL-24", {"status": "read-in-source"}, r"claim CL-24 is read in source but its quotation quotes a second-hand source",
     "status"),
    ("CL-03", {"status": "second-hand"}, r"claim CL-03 is second hand but its quotation quotes only sources", "status"),
    # a published figure needs a linked row ...
    ("CL-01", {"evidence_rows": ""},
     r"evidence_kind is 'published-figure' but no row of programme_facts or context_series is linked", "evidence_rows"),
    ("CL-05", {"evidence_kind": "published-figure"}, r"'published-figure' but no row", "evidence_rows"),
    # ... the linked rows must exist, and linked rows make the claim a published figure
    ("CL-07", {"evidence_rows": "CAM-01;CAM-99"},
     r"linked row 'CAM-99' is in neither programme_facts or context_series", "evidence_rows"),
    ("CL-13", {"evidence_rows": "HL-03"}, r"rows HL-03 are linked but evidence_kind is 'qualitative-only'",
     "evidence_rows"),
], ids=["second-hand-quoted-as-read", "read-quoted-as-second-hand", "published-without-row",
        "qualitative-typed-published", "linked-row-missing", "linked-row-on-qualitative"])
def test_status_and_linked_rows_are_checked(tmp_path, claim, cells, pattern, field):
    _refused(tmp_path, _set(claim, **cells), pattern, field, _row(claim))


def test_open_data_analogue_is_never_an_evidence_kind(tmp_path):
    _refused(tmp_path, _set("CL-15", evidence_kind="open-data-analogue"),
             r"'open-data-analogue' is not one of the allowed values", "evidence_kind", _row("CL-15"))


def test_illustrating_sections_name_chapters(tmp_path):
    _refused(tmp_path, _set("CL-15", illustrated_by="economics: Analysis on data"),
             r"'economics: Analysis on data' is not '<chapter>: <section>'", "illustrated_by", _row("CL-15"))


def test_long_quotation_is_refused(tmp_path):
    res = copy.deepcopy(data.resource("claim_quotes"))
    res.pop("hash", None)
    rows = _records(paths.DATA / res["path"])
    rows[3][rows[0].index("quote")] = " ".join(["word"] * 36)
    bad = _write(tmp_path / "claim_quotes.csv", rows)
    with pytest.raises(DataValidationError, match=r"quotation has 36 words") as info:
        data.read_resource(res, path=bad)
    assert (info.value.file, info.value.field, info.value.row) == (QUOTES, "quote", 3)


# ---- displayed tables keep their status and their full provenance text ---------------------------

VALUE_HEADERS = set(clusters.VALUE_COLUMNS)


def _output_tables(nb_path: Path):
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            htm = "".join(out.get("data", {}).get("text/html", ""))
            if "<table" not in htm:
                continue
            for t in BeautifulSoup(htm, "html.parser").find_all("table"):
                head = t.find("thead")
                headers = [th.get_text(" ", strip=True) for th in (head or t).find("tr").find_all("th")]
                body = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                        for tr in t.find_all("tr") if tr.find("td")]
                if body and len(headers) == len(body[0]) + 1:
                    headers = headers[1:]  # pandas' index column
                yield i, headers, [c for row in body for c in row]


def status_problems(nb_path: Path) -> list[str]:
    """Tables in a notebook's outputs that show published values without a status column."""
    bad = []
    for i, headers, _ in _output_tables(nb_path):
        shown = [h for h in headers if h in VALUE_HEADERS]
        if shown and not any("status" in h for h in headers):
            bad.append(f"{nb_path.name} cell {i}: {shown} shown without a status column")
    return bad


def truncation_problems(nb_path: Path) -> list[str]:
    """Table cells cut off by pandas' column width (ending in '...')."""
    return [f"{nb_path.name} cell {i}: truncated cell {c[:40]!r}"
            for i, _, cells in _output_tables(nb_path) for c in cells if c.endswith("...")]


CHAPTERS = ["programme", "clusters", "networking", "embeddedness", "mobility"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_displayed_tables_keep_status_and_full_text(chapter):
    nb = BOOK / f"{chapter}.ipynb"
    problems = status_problems(nb) + truncation_problems(nb)
    assert not problems, "\n".join(problems)


def test_data_sources_page_shows_every_cell_in_full():
    problems = truncation_problems(BOOK / "data-sources.ipynb")
    assert not problems, "\n".join(problems)


def test_fieldwork_is_shown_with_its_own_status():
    for chapter in CHAPTERS:
        for i, headers, cells in _output_tables(BOOK / f"{chapter}.ipynb"):
            if "fieldwork" not in headers:
                continue
            k, n = headers.index("fieldwork"), len(headers)
            for value in cells[k::n]:
                assert value in ("not recorded", "—") or re.search(r"\((read in source|second-hand)\)$", value), \
                    f"{chapter} cell {i}: fieldwork {value!r} without its own status"


def test_status_check_bites(tmp_path):
    """The notebook check finds a table that drops its status column, and a truncated cell."""
    table = ("<table><thead><tr><th>row</th><th>value_text</th></tr></thead>"
             "<tbody><tr><td>HL-03</td><td>at least 75%</td></tr></tbody></table>")
    cut = ("<table><thead><tr><th>row</th><th>value_text</th><th>status</th></tr></thead>"
           "<tbody><tr><td>HL-03</td><td>at least 75%</td><td>definition and denominator unver...</td></tr></tbody></table>")
    nb = {"cells": [{"cell_type": "code", "outputs": [{"data": {"text/html": [table]}}, {"data": {"text/html": [cut]}}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert status_problems(path) == ["bad.ipynb cell 0: ['value_text'] shown without a status column"]
    assert len(truncation_problems(path)) == 1

