"""The values ledger and the edition comparison (_ext/values_ledger.py, scripts/edition.py).

Pure functions on small hand-made inputs: glue data -> ledger rows (formats applied as the prose
shows them, kinds from the page kit's metadata), the CSV round trip, the Frictionless package,
the summary counts, and two synthetic editions where one value changes, one is added and one
is removed -> the comparison and the rendered report say each.
"""
import json
import sys

import pytest
from frictionless import validate as frictionless_validate

from analysis import paths

sys.path.insert(0, str(paths.ROOT / "_ext"))
sys.path.insert(0, str(paths.ROOT / "scripts"))
import edition  # noqa: E402  (scripts/edition.py)
import values_ledger as vl  # noqa: E402  (the extension module, from _ext/)

MARKDOWN = """The share was {glue:text}`share:.1%` ({glue:text}`share:.3f`), from {glue:text}`n:d` firms
in {glue:text}`town` and {glue}`plain`; see also {glue:text}`other.ipynb::x:.2f`.

```{glue} fig_key
```
"""


def _out(plain, kind=None, source=None):
    meta = {"scrapbook": {"name": "k", "mime_prefix": ""}}
    if kind is not None:
        meta["compendium"] = {"kind": kind, "source": source}
    return {"output_type": "display_data", "data": {"text/plain": plain}, "metadata": meta}


def test_display_formats_reads_every_glue_form():
    f = vl.display_formats(MARKDOWN)
    assert f == {"share": [".1%", ".3f"], "n": ["d"], "town": ["s"], "plain": [""], "fig_key": [""]}


def test_shown_value_is_rounded_as_displayed():
    assert vl.shown_value("0.41666", [".1%", ".3f"]) == "41.7% | 0.417"
    assert vl.shown_value("12.0", ["d"]) == "12"  # as myst-nb formats it
    assert vl.shown_value("abc", ["d"]) == "abc"  # a format that does not apply: text/plain
    assert vl.shown_value("'Cambridge'", ["s"]) == "Cambridge"
    assert vl.shown_value("3.14159", []) == "3.14159"  # not in the prose: text/plain as glued


def test_glue_rows_carry_kind_and_source_or_empty():
    glue = {"share": _out("0.41666", "published", "t.csv:AB-01"), "n": _out("12"), "town": _out("'Oxford'")}
    rows = vl.glue_rows(glue, page="book/x", chapter="X", number=3, formats=vl.display_formats(MARKDOWN))
    assert [r["name"] for r in rows] == ["n", "share", "town"]  # sorted: deterministic
    by = {r["name"]: r for r in rows}
    assert by["share"] == {"name": "share", "chapter_number": 3, "chapter": "X", "page": "book/x",
                           "value": "41.7% | 0.417", "raw": "0.41666", "kind": "published", "source": "t.csv:AB-01"}
    assert by["n"]["kind"] == "" and by["n"]["source"] == "" and by["n"]["value"] == "12"
    assert by["town"]["value"] == "Oxford"


def _row(name, value, page="book/a", number=1, kind="open-data"):
    return {"name": name, "chapter_number": number, "chapter": page.split("/")[-1].title(), "page": page,
            "value": value, "raw": value, "kind": kind, "source": "ds"}


def test_csv_round_trip_and_frictionless_package(tmp_path):
    rows = [_row("a", "1"), _row("b", "x, \"quoted\"", kind="")]
    text = vl.to_csv(rows)
    assert text.splitlines()[0] == ",".join(vl.FIELDS)
    assert vl.read_csv(text) == rows
    (tmp_path / "values.csv").write_text(text, encoding="utf-8")
    (tmp_path / "values.json").write_text(json.dumps(rows), encoding="utf-8")
    pkg = vl.datapackage(text.encode(), "9.9.9", "https://example.org/book")
    (tmp_path / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    report = frictionless_validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # bites: a tampered file no longer matches the package's checksum
    (tmp_path / "values.csv").write_text(text.replace("x,", "y,"), encoding="utf-8")
    assert not frictionless_validate(str(tmp_path / "datapackage.json")).valid


def test_read_csv_refuses_other_columns():
    with pytest.raises(ValueError, match="ledger columns"):
        vl.read_csv("name,value\na,1\n")


def test_summary_counts_by_chapter_and_kind():
    rows = [_row("a", "1"), _row("b", "2", kind="published"), _row("c", "3", page="book/b", number=2, kind="")]
    header, body = vl.summary(rows)
    assert header == ["Chapter", "open-data", "published", "(none)", "All"]
    assert body == [["1. A", "1", "1", "0", "2"], ["2. B", "0", "0", "1", "1"], ["All chapters", "1", "1", "1", "3"]]


OLD = [_row("kept", "1"), _row("moved", "0.40"), _row("gone", "7", page="book/b", number=2)]
NEW = [_row("kept", "1"), _row("moved", "0.42"), _row("fresh", "5", page="book/b", number=2, kind="simulated")]


def test_compare_reports_changed_added_removed():
    diff = vl.compare(OLD, NEW)
    assert [(e["name"], e["old"], e["new"]) for e in diff["changed"]] == [("moved", "0.40", "0.42")]
    assert [(e["name"], e["new"], e["kind"], e["chapter"]) for e in diff["added"]] == [("fresh", "5", "simulated", "B")]
    assert [(e["name"], e["old"]) for e in diff["removed"]] == [("gone", "7")]
    assert vl.compare(NEW, NEW) == {"added": [], "removed": [], "changed": []}


def _store(root, version, rows):
    d = root / "editions" / version
    d.mkdir(parents=True)
    (d / "values.csv").write_text(vl.to_csv(rows), encoding="utf-8")


def test_edition_report_says_what_changed_since_each_edition(tmp_path):
    _store(tmp_path, "0.9.0", OLD)
    _store(tmp_path, "0.10.0", NEW)  # sorts after 0.9.0
    out = vl.edition_report(tmp_path, NEW, "0.10.0")
    text = "\n".join(n.astext() for n in out)
    assert [n.astext() for n in out if n.tagname == "rubric"] == ["Since edition 0.10.0", "Since edition 0.9.0"]
    assert "No value changed between edition 0.10.0" in text
    assert "1 changed, 1 added, 1 removed" in text
    tables = {n["classes"][0]: n for n in out if n.tagname == "table"}
    rows = lambda t: [[e.astext() for e in r.children] for r in t.findall(lambda x: x.tagname == "row")][1:]  # noqa: E731
    assert rows(tables["edition-changed"]) == [["moved", "1. A", "open-data", "0.40 → 0.42"]]
    assert rows(tables["edition-added"]) == [["fresh", "2. B", "simulated", "5"]]
    assert rows(tables["edition-removed"]) == [["gone", "2. B", "open-data", "7"]]


def test_edition_report_names_a_broken_ledger(tmp_path):
    d = tmp_path / "editions" / "0.1.0"
    d.mkdir(parents=True)
    (d / "values.csv").write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"editions/0.1.0/values.csv: ledger columns"):
        vl.edition_report(tmp_path, NEW, "0.2.0")


def test_edition_script_bumps_version_and_stores_ledger(tmp_path):
    root = tmp_path
    (root / "CITATION.cff").write_text('title: "T"\nversion: "0.1.0"\ndate-released: "2026-01-01"\n', encoding="utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.1.0"\n', encoding="utf-8")
    (root / "CHANGELOG.md").write_text("# Changelog\n\nIntro.\n\n## 0.1.0 — 2026-01-01\n\nFirst.\n", encoding="utf-8")
    ledger = root / "values.csv"
    ledger.write_text(vl.to_csv(NEW), encoding="utf-8")
    assert edition.main(["0.2.0", "--date", "2026-12-24", "--ledger", str(ledger), "--root", str(root)]) == 0
    cff = (root / "CITATION.cff").read_text()
    assert 'version: "0.2.0"' in cff and 'date-released: "2026-12-24"' in cff
    assert 'version = "0.2.0"' in (root / "pyproject.toml").read_text()
    log = (root / "CHANGELOG.md").read_text()
    assert log.index("## 0.2.0 — 2026-12-24") < log.index("## 0.1.0")
    assert (root / "editions" / "0.2.0" / "values.csv").read_text() == ledger.read_text()
    # an "Unreleased" section becomes the next edition's entry, words kept
    (root / "CHANGELOG.md").write_text(log.replace("## 0.2.0", "## Unreleased\n\nNew words.\n\n## 0.2.0"))
    assert edition.main(["0.3.0", "--date", "2027-01-02", "--ledger", str(ledger), "--root", str(root)]) == 0
    log = (root / "CHANGELOG.md").read_text()
    assert "## Unreleased" not in log and log.index("## 0.3.0 — 2027-01-02\n\nNew words.") < log.index("## 0.2.0")
    # the same edition twice, a bad version and a missing ledger are refused
    assert edition.main(["0.2.0", "--ledger", str(ledger), "--root", str(root)]) == 2
    assert edition.main(["2.0", "--ledger", str(ledger), "--root", str(root)]) == 2
    assert edition.main(["0.4.0", "--ledger", str(root / "nope.csv"), "--root", str(root)]) == 2
    assert 'version: "0.3.0"' in (root / "CITATION.cff").read_text()  # nothing bumped on failure


def test_missing_kind_is_a_note_by_default_and_can_fail_the_build():
    rows = [_row("a", "1"), _row("b", "2", kind="")]
    msg = vl.missing_kind_message(rows)
    assert msg.startswith("values ledger: 1 of 2 glued values have no evidence kind") and "book/a:b" in msg
    assert vl.missing_kind_message(rows[:1]) is None
    vl.report(msg, "note", "values_ledger_missing_kind")  # an INFO line only
    with pytest.raises(Exception, match="1 of 2 glued values"):
        vl.report(msg, "error", "values_ledger_missing_kind")
    with pytest.raises(Exception, match="values_ledger_missing_kind must be one of"):
        vl.report(None, "loud", "values_ledger_missing_kind")


def test_page_glue_output_reaches_the_ledger_with_its_kind():
    """What analysis.present.page.glue displays is what the ledger reads (myst-nb keeps output metadata)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from myst_nb.ext.glue import extract_glue_data_cell
    from nbformat.v4 import new_code_cell, new_output

    from analysis.present import page

    InteractiveShell.instance()
    with capture_output() as cap:
        page.glue("share", 0.41666, kind="open-data", source="padgett")
        page.glue("n", 12)
    cell = new_code_cell("")
    cell.outputs = [new_output("display_data", data=o.data, metadata=o.metadata) for o in cap.outputs]
    glue = {k: v for k, v in extract_glue_data_cell(cell)}
    rows = {r["name"]: r for r in vl.glue_rows(glue, page="book/x", chapter="X", number=1,
                                               formats={"share": [".1%"]})}
    assert (rows["share"]["value"], rows["share"]["kind"], rows["share"]["source"]) == ("41.7%", "open-data", "padgett")
    assert rows["n"]["kind"] == "" and rows["n"]["value"] == "12"
