"""Tests of the data door (analysis.data) and the table validator (analysis.data.validate).

* every dataset loads by name, with provenance attached;
* data/datapackage.json is a valid Frictionless data package, lists every data file, and its
  checksums match the files;
* malformed copies of the real files are refused with a DataValidationError that names the file,
  the field and the row;
* a refused file leaves nothing behind (no partial or cached table);
* the tables agree with each other and with data/references.bib.

Open datasets in registry packages are tested in tests/test_opendata.py.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from frictionless import validate as frictionless_validate

from analysis import data, paths
from analysis.data import checks, registry
from analysis.data.validate import DataValidationError

PUBLISHED = ["context_series", "programme_facts", "surveys", "claims", "claim_quotes", "cluster_places"]
NOT_RESOURCES = {"datapackage.json", "references.bib", "README.md"}


def _records(path: Path) -> list[list[str]]:
    """The CSV records of a file (header first), read independently of the validator."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _write_records(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _label(name: str) -> str:
    return "data/" + data.resource(name)["path"]


# ============================================================ 1. everything loads, with provenance
@pytest.mark.parametrize("name", PUBLISHED)
def test_published_resource_loads_with_provenance(name):
    res = data.resource(name)
    df = data.load(name)
    rows = _records(paths.DATA / res["path"])
    assert list(df.columns) == [f["name"] for f in res["schema"]["fields"]] == rows[0]
    assert len(df) == len(rows) - 1 > 0
    prov = df.attrs["provenance"]
    assert prov["path"] == _label(name)
    assert prov["sha256"] == res["hash"].removeprefix("sha256:")
    assert prov["title"] and prov["licence"] and prov["sources"] and all(prov["sources"])
    assert prov["evidence_kind"] in ("published", "open-data")


def test_names_lists_every_dataset():
    tabular = [n for n in data.names() if registry.is_tabular(data.resource(n))]
    assert tabular == PUBLISHED
    assert set(data.names()) == set(PUBLISHED) | {e["name"] for e in data.datapackage()["x-open-data"]}
    assert len(data.names()) == len(set(data.names())), "a dataset is registered twice"


# ============================================================ 2. the data package itself
def test_datapackage_is_a_valid_frictionless_package():
    """The whole package, as Frictionless 5 reads it: descriptor (the x- properties are allowed
    extensions), every file against its schema (types, constraints, primary keys), bytes and hash."""
    report = frictionless_validate(str(paths.DATAPACKAGE))
    errors = report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    assert report.valid, errors
    assert len(report.tasks) == len(data.datapackage()["resources"])
    assert all(task.valid for task in report.tasks)


def test_frictionless_validation_detects_a_bad_cell(tmp_path):
    """The check above is not vacuous: a copy with one bad cell (checksums refreshed) is invalid."""
    shutil.copytree(paths.DATA, tmp_path / "data")
    target = tmp_path / "data" / "published" / "claims.csv"
    rows = _records(target)
    rows[3][rows[0].index("chapter")] = "economics"
    _write_records(target, rows)
    desc = json.loads((tmp_path / "data" / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        raw = (tmp_path / "data" / res["path"]).read_bytes()
        res["hash"], res["bytes"] = "sha256:" + hashlib.sha256(raw).hexdigest(), len(raw)
    (tmp_path / "data" / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    report = frictionless_validate(str(tmp_path / "data" / "datapackage.json"))
    errors = report.flatten(["resourceName", "rowNumber", "fieldName", "type"])
    assert not report.valid
    assert [e[1:] for e in errors] == [[4, "chapter", "constraint-error"]]


def test_every_data_file_is_a_resource():
    listed = {data.resource(n)["path"] for n in PUBLISHED}
    assert listed == {r["path"] for r in data.datapackage()["resources"]}
    on_disk = {p.relative_to(paths.DATA).as_posix() for p in Path(paths.DATA).rglob("*")
               if p.is_file() and p.name not in NOT_RESOURCES}
    assert on_disk == listed, {"not listed": sorted(on_disk - listed),
                               "listed but missing": sorted(listed - on_disk)}


@pytest.mark.parametrize("res", data.datapackage()["resources"], ids=lambda r: r["name"])
def test_resource_checksum_matches_file(res):
    raw = (paths.DATA / res["path"]).read_bytes()
    assert res["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest(), (
        f"{res['path']} changed: run `make datapackage` if the change is intended")
    assert res["bytes"] == len(raw)


@pytest.mark.parametrize("res", data.datapackage()["resources"], ids=lambda r: r["name"])
def test_declared_content_checks_are_known(res):
    fields = {f["name"] for f in res["schema"]["fields"]}
    for check in res.get("x-checks", []):
        assert check["check"] in checks.CHECKS, check
        named = [check["field"], check.get("unit_field"), check.get("other"), *check.get("same", [])]
        assert {f for f in named if f} <= fields, check


# ============================================================ 3. malformed input is refused
def _res(name: str, keep_hash: bool = False) -> dict:
    """A copy of the resource descriptor (the cached one is never modified)."""
    res = copy.deepcopy(data.resource(name))
    if not keep_hash:
        res.pop("hash", None)
    return res


def _col(rows, name):
    return rows[0].index(name)


def set_cell(row: int, field: str, value: str):
    def edit(rows):
        rows[row][_col(rows, field)] = value
    return edit


def drop_column(field: str):
    def edit(rows):
        i = _col(rows, field)
        for r in rows:
            del r[i]
    return edit


def add_column(field: str):
    def edit(rows):
        rows[0].append(field)
        for r in rows[1:]:
            r.append("x")
    return edit


def copy_cell_from(row: int, field: str, src_row: int):
    def edit(rows):
        rows[row][_col(rows, field)] = rows[src_row][_col(rows, field)]
    return edit


def append_cell(row: int):
    def edit(rows):
        rows[row].append("stray")
    return edit


def drop_last_cell(row: int):
    def edit(rows):
        rows[row].pop()
    return edit


def insert_blank_row(row: int):
    def edit(rows):
        rows.insert(row, [])
    return edit


def _row_of(name: str, row_id: str) -> int:
    """1-based data row of a context_series/programme_facts row_id (read from the real file)."""
    rows = _records(paths.DATA / data.resource(name)["path"])
    return [r[0] for r in rows].index(row_id)


SOP05 = _row_of("context_series", "SOP-05")  # second row of a multi-row SAEM jobs series
HL03 = _row_of("programme_facts", "HL-03")   # a percent row after rows whose unit is empty

# id: (resource, edit of the CSV records, message regex, field, data row)
CASES = {
    "missing_column": ("claims", drop_column("evidence_kind"),
                       r"column is missing from the header", "evidence_kind", None),
    "extra_column": ("claims", add_column("comment"),
                     r"column is not declared in datapackage\.json", "comment", None),
    "text_in_number": ("context_series", set_cell(4, "value", "five"),
                       r"'five' is not a valid number", "value", 4),
    "non_integer": ("surveys", set_cell(3, "n_firms", "52.5"),
                    r"'52\.5' is not a valid integer", "n_firms", 3),
    "integer_written_as_decimal": ("surveys", set_cell(2, "n_firms", "50.0"),
                                   r"'50\.0' is not a valid integer", "n_firms", 2),
    "percent_out_of_range": ("context_series", set_cell(4, "value", "150"),
                             r"percentage 150(\.0)? is outside 0–100", "value", 4),
    "percent_out_of_range_after_empty_units": ("programme_facts", set_cell(HL03, "value", "150"),
                                               r"percentage 150(\.0)? is outside 0–100", "value", HL03),
    "number_above_maximum": ("cluster_places", set_cell(3, "latitude", "95"),
                             r"95 is above the maximum 72", "latitude", 3),
    "duplicate_unique_key": ("claims", copy_cell_from(5, "claim_id", 2),
                             r"duplicate value 'CL-02' \(must be unique\)", "claim_id", 5),
    "unknown_source_key": ("context_series", set_cell(6, "source_key", "nobody_2099"),
                           r"source key 'nobody_2099' is not in data/references\.bib", "source_key", 6),
    "unknown_source_key_in_list": ("claims", set_cell(3, "source_keys", "cbr_project_page; nobody_2099"),
                                   r"source key 'nobody_2099' is not in data/references\.bib",
                                   "source_keys", 3),
    "unknown_geography": ("context_series", set_cell(8, "geography", "Cambridge city"),
                          r"'Cambridge city' is not one of the allowed values", "geography", 8),
    "unknown_definition": ("context_series", set_cell(9, "definition", "high-tech jobs"),
                           r"'high-tech jobs' is not one of the allowed values", "definition", 9),
    "chained_series_geography": ("context_series", set_cell(SOP05, "geography", "Grenoble ZIRST"),
                                 r"series '[^']+' chains geography 'Grenoble ZIRST' onto "
                                 r"'Sophia-Antipolis technopole'", "geography", SOP05),
    "chained_series_definition": ("context_series", set_cell(SOP05, "definition", "CCI census: jobs"),
                                  r"series '[^']+' chains definition 'CCI census: jobs'",
                                  "definition", SOP05),
    "required_field_empty": ("context_series", set_cell(10, "location", ""),
                             r"value is required but empty", "location", 10),
    "bad_row_id_pattern": ("context_series", set_cell(11, "row_id", "cam-99"),
                           r"'cam-99' does not match the pattern", "row_id", 11),
    "unknown_claim_chapter": ("claims", set_cell(4, "chapter", "economics"),
                              r"'economics' is not one of the allowed values", "chapter", 4),
    "invalid_status": ("context_series", set_cell(12, "status", "verified"),
                       r"'verified' is not one of the allowed values", "status", 12),
    "row_with_extra_cell": ("claims", append_cell(6),
                            r"row has (\d+) cells, the header has (?!\1)\d+", None, 6),
    "row_with_missing_cell": ("programme_facts", drop_last_cell(2),
                              r"row has 10 cells, the header has 11", "note", 2),
    "blank_row": ("claims", insert_blank_row(5), r"blank row", None, 5),
}


def _check_names(exc: DataValidationError, label: str, field, row) -> None:
    msg = str(exc)
    assert exc.file == label and msg.startswith(label)
    assert exc.field == field
    if field is not None:
        assert f"field '{field}'" in msg
    assert exc.row == row
    if row is not None:
        assert f"row {row} (line {row + 1})" in msg


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_rows_are_refused(case, tmp_path):
    name, edit, pattern, field, row = CASES[case]
    src = paths.DATA / data.resource(name)["path"]
    bad = tmp_path / src.name
    shutil.copyfile(src, bad)
    rows = _records(bad)
    edit(rows)
    _write_records(bad, rows)
    assert bad.read_bytes() != src.read_bytes()
    with pytest.raises(DataValidationError, match=pattern) as info:
        data.read_resource(_res(name), path=bad)
    _check_names(info.value, _label(name), field, row)


def test_duplicate_primary_key_is_refused(tmp_path):
    """The primaryKey check itself: `unique` is dropped from the key field so that the per-field
    uniqueness constraint (tested above) does not answer first."""
    res = _res("claims")
    pk_field = next(f for f in res["schema"]["fields"] if f["name"] == "claim_id")
    del pk_field["constraints"]["unique"]
    bad = tmp_path / "claims.csv"
    rows = _records(paths.DATA / res["path"])
    rows[5][0] = rows[2][0]
    _write_records(bad, rows)
    with pytest.raises(DataValidationError, match=r"duplicate primary key \(claim_id=CL-02\)") as info:
        data.read_resource(res, path=bad)
    _check_names(info.value, _label("claims"), "claim_id", 5)


def test_checksum_mismatch_is_refused(tmp_path):
    src = paths.DATA / data.resource("claims")["path"]
    raw = bytearray(src.read_bytes())
    i = raw.index(b"network")
    raw[i] = ord("N")  # one byte changed; still a perfectly valid table
    bad = tmp_path / "claims.csv"
    bad.write_bytes(bytes(raw))
    assert len(data.read_resource(_res("claims"), path=bad)) == len(_records(src)) - 1
    with pytest.raises(DataValidationError, match=r"sha256 mismatch: datapackage\.json says") as info:
        data.read_resource(_res("claims", keep_hash=True), path=bad)
    _check_names(info.value, _label("claims"), None, None)


@pytest.mark.parametrize("content, pattern", [
    (b"", r"file is empty"),
    (b"\n  \n", r"file is empty"),
], ids=["empty", "whitespace_only"])
def test_empty_file_is_refused(tmp_path, content, pattern):
    bad = tmp_path / "surveys.csv"
    bad.write_bytes(content)
    with pytest.raises(DataValidationError, match=pattern) as info:
        data.read_resource(_res("surveys"), path=bad)
    _check_names(info.value, _label("surveys"), None, None)


def test_header_only_file_is_refused(tmp_path):
    src = paths.DATA / data.resource("surveys")["path"]
    bad = tmp_path / "surveys.csv"
    bad.write_bytes(src.read_bytes().split(b"\n", 1)[0] + b"\n")
    with pytest.raises(DataValidationError, match=r"file has a header but no data rows") as info:
        data.read_resource(_res("surveys"), path=bad)
    _check_names(info.value, _label("surveys"), None, None)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(DataValidationError, match=r"file not found") as info:
        data.read_resource(_res("surveys"), path=tmp_path / "nowhere.csv")
    _check_names(info.value, _label("surveys"), None, None)


def test_latin1_file_is_refused_with_its_line(tmp_path):
    src = paths.DATA / data.resource("cluster_places")["path"]
    text = src.read_text(encoding="utf-8")
    assert "Göteborg" in text
    latin1 = text.encode("latin-1")
    bad = tmp_path / "cluster_places.csv"
    bad.write_bytes(latin1)
    offset = next(i for i, b in enumerate(latin1) if b >= 0x80)
    line = latin1[:offset].count(b"\n") + 1
    assert line > 1
    with pytest.raises(DataValidationError,
                       match=rf"not valid UTF-8 at byte {offset} \(line {line}\)") as info:
        data.read_resource(_res("cluster_places"), path=bad)
    _check_names(info.value, _label("cluster_places"), None, None)


# ============================================================ 4. nothing half-loaded
def test_load_functions_are_not_cached():
    """A table cached in memory could outlive the file it was checked against."""
    for fn in (data.load, data.read_resource):
        assert not hasattr(fn, "cache_info"), fn


@pytest.mark.parametrize("name", PUBLISHED)
def test_failed_read_leaves_nothing_behind(name, tmp_path):
    src = paths.DATA / data.resource(name)["path"]
    n_rows = len(_records(src)) - 1
    bad = tmp_path / src.name
    rows = _records(src)
    rows[-1] = rows[-1] + ["stray"]  # the last row is bad: everything before it was fine
    _write_records(bad, rows)
    result = "untouched"
    with pytest.raises(DataValidationError, match=rf"row {n_rows} "):
        result = data.read_resource(_res(name), path=bad)
    assert result == "untouched"
    assert data.resource(name).get("hash", "").startswith("sha256:")  # cached descriptor intact
    df = data.load(name)
    assert len(df) == n_rows and df.attrs["provenance"]["path"] == _label(name)


def test_load_rereads_the_file_every_time(tmp_path, monkeypatch):
    """Good, then bad, then good again through data.load itself: no stale table either way."""
    shutil.copytree(paths.DATA, tmp_path / "data")
    good = len(data.load("claims"))
    target = tmp_path / "data" / data.resource("claims")["path"]
    rows = _records(target)
    rows[2][rows[0].index("chapter")] = "economics"
    _write_records(target, rows)
    monkeypatch.setattr(paths, "DATA", tmp_path / "data")
    with pytest.raises(DataValidationError, match=r"sha256 mismatch"):
        data.load("claims")
    monkeypatch.undo()
    assert len(data.load("claims")) == good


# ============================================================ 5. referential integrity
def test_claim_anchors_follow_claim_ids():
    claims = data.load("claims")
    expected = "claim-" + claims["claim_id"].str.lower()
    bad = claims.loc[claims["anchor"] != expected, ["claim_id", "anchor"]]
    assert bad.empty, bad.to_dict("records")


def _used_source_keys() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for res in data.datapackage()["resources"]:
        checks = [c for c in res.get("x-checks", []) if c["check"] == "bibkeys"]
        if not checks:
            continue
        df = data.load(res["name"])  # the loader's own bibkeys check must pass
        for c in checks:
            for v in df[c["field"]].dropna():
                for k in (v.split(c["separator"]) if c.get("separator") else [v]):
                    used.setdefault(k.strip(), set()).add(res["name"])
    return used


def test_every_source_key_is_in_the_bib():
    used = _used_source_keys()
    assert used and "" not in used
    missing = {k: sorted(v) for k, v in used.items() if k not in checks.bib_keys()}
    assert not missing, missing


def test_cited_bib_entries_have_author_and_title():
    """Every entry a table cites has an author (or, for an edited book, an editor) and a title,
    unless, as the bib's header rule says, the field could not be verified and the entry's note
    says so ("title ... not verified", "Authors not verified")."""
    from pybtex.database import parse_file

    bib = parse_file(str(paths.BIBFILE))
    problems = {}
    for key in sorted(_used_source_keys()):
        entry = bib.entries[key]
        note = entry.fields.get("note", "")
        lacks = []
        if not (entry.persons.get("author") or entry.persons.get("editor")) and not re.search(
                r"\bauthors?\b[^.;]*\bnot (verified|recorded)\b", note, re.I):
            lacks.append("author")
        if not entry.fields.get("title", "").strip() and not re.search(
                r"\btitle\b[^.;]*\bnot (verified|recorded)\b", note, re.I):
            lacks.append("title")
        if lacks:
            problems[key] = lacks
    assert not problems, problems
