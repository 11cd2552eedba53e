"""Validation of tabular data files against their Frictionless schema.

Every problem is reported as ``DataValidationError`` naming the file, the field
and the row (1-based data row; the header is line 1, so data row r is line r+1).
A table is returned only when the whole file passes: nothing is half-loaded.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pandas as pd


class DataValidationError(ValueError):
    """A data file does not match its declared schema or content rules."""

    def __init__(self, file: str, message: str, field: str | None = None, row: int | None = None):
        self.file, self.field, self.row = file, field, row
        where = [file]
        if field is not None:
            where.append(f"field '{field}'")
        if row is not None:
            where.append(f"row {row} (line {row + 1})")
        super().__init__(", ".join(where) + ": " + message)


class ChecksumError(DataValidationError):
    """A file's sha256 differs from the one its descriptor in data/datapackage.json records."""


def verify_sha256(raw: bytes, expected: str, label: str, hint: str) -> None:
    """Raise :class:`ChecksumError` naming ``label`` unless ``raw`` hashes to ``expected``."""
    got = hashlib.sha256(raw).hexdigest()
    if got != expected:
        raise ChecksumError(
            label, f"sha256 mismatch: datapackage.json says {expected[:12]}…, file is {got[:12]}… ({hint})")


def read_text_checked(path: Path, label: str, expected_sha256: str | None) -> str:
    """Read a file as strict UTF-8 after checking its checksum and that it is not empty."""
    if not Path(path).exists():
        raise DataValidationError(label, "file not found")
    raw = Path(path).read_bytes()
    if expected_sha256 is not None:
        verify_sha256(raw, expected_sha256, label,
                      "if the change is intended, run `make datapackage` to update the descriptor")
    if not raw.strip():
        raise DataValidationError(label, "file is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataValidationError(label, f"not valid UTF-8 at byte {exc.start} (line {line}); save the file as UTF-8") from None


def _cast(col: pd.Series, ftype: str, label: str, name: str) -> pd.Series:
    present = col.ne("")
    if ftype in ("number", "integer"):
        num = pd.to_numeric(col.where(present), errors="coerce")
        bad = present & num.isna()
        if bad.any():
            r = int(bad.idxmax())
            raise DataValidationError(label, f"'{col[r]}' is not a valid {ftype}", name, r + 1)
        if ftype == "integer":
            # Frictionless integers are written without a decimal point or exponent ("50", not "50.0").
            frac = present & ~col.str.fullmatch(r"[+-]?\d+").fillna(False)
            if frac.any():
                r = int(frac.idxmax())
                raise DataValidationError(
                    label, f"'{col[r]}' is not a valid integer (digits only: no decimal point or exponent)", name, r + 1)
            return num.astype("Int64")
        return num.astype("Float64")
    if ftype == "boolean":
        ok = col.isin(["", "true", "false"])
        if not ok.all():
            r = int((~ok).idxmax())
            raise DataValidationError(label, f"'{col[r]}' is not true/false", name, r + 1)
        return col.map({"true": True, "false": False, "": pd.NA}).astype("boolean")
    return col.where(present, pd.NA).astype("string")


def _check_constraints(values: pd.Series, raw: pd.Series, field: dict, label: str) -> None:
    name, c = field["name"], field.get("constraints", {})
    if c.get("required"):
        missing = raw.eq("")
        if missing.any():
            raise DataValidationError(label, "value is required but empty", name, int(missing.idxmax()) + 1)
    present = raw.ne("")
    if "enum" in c:
        bad = present & ~raw.isin(c["enum"])
        if bad.any():
            r = int(bad.idxmax())
            raise DataValidationError(label, f"'{raw[r]}' is not one of the allowed values {c['enum']}", name, r + 1)
    if "pattern" in c:
        rx = re.compile(c["pattern"])
        bad = present & ~raw.map(lambda v: bool(rx.fullmatch(v)))
        if bad.any():
            r = int(bad.idxmax())
            raise DataValidationError(label, f"'{raw[r]}' does not match the pattern {c['pattern']}", name, r + 1)
    for key, op, word in (("minimum", "lt", "below the minimum"), ("maximum", "gt", "above the maximum")):
        if key in c:
            bad = present & getattr(values.astype("Float64"), op)(c[key]).fillna(False)
            if bad.any():
                r = int(bad.idxmax())
                raise DataValidationError(label, f"{raw[r]} is {word} {c[key]}", name, r + 1)
    if c.get("unique"):
        dup = present & raw.duplicated(keep="first")
        if dup.any():
            r = int(dup.idxmax())
            raise DataValidationError(label, f"duplicate value '{raw[r]}' (must be unique)", name, r + 1)


def _check_rows(text: str, label: str) -> None:
    """Every data row has as many cells as the header, and none is blank.

    As Frictionless does (missing-cell, extra-cell, blank-row). Without this, pandas raises its own
    ParserError on a long row, silently pads a short one, skips a blank line (shifting the row
    numbers of later errors), and turns the first column into the index when every row is one cell
    too long.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    for r, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            raise DataValidationError(label, "blank row", None, r)
        if len(cells) < len(header):
            raise DataValidationError(label, f"row has {len(cells)} cells, the header has {len(header)}",
                                      header[len(cells)], r)
        if len(cells) > len(header):
            raise DataValidationError(label, f"row has {len(cells)} cells, the header has {len(header)}", None, r)


def read_table(path: Path, label: str, schema: dict, expected_sha256: str | None) -> pd.DataFrame:
    """Read a CSV and validate header, row shape, types, constraints and primary key."""
    text = read_text_checked(path, label, expected_sha256)
    _check_rows(text, label)
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, index_col=False)
    if raw.empty:
        raise DataValidationError(label, "file has a header but no data rows")
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    for n in names:
        if n not in raw.columns:
            raise DataValidationError(label, "column is missing from the header", n)
    extra = [c for c in raw.columns if c not in names]
    if extra:
        raise DataValidationError(label, "column is not declared in datapackage.json", extra[0])
    raw = raw[names].apply(lambda s: s.str.strip())
    out = {}
    for f in fields:
        out[f["name"]] = _cast(raw[f["name"]], f.get("type", "string"), label, f["name"])
        _check_constraints(out[f["name"]], raw[f["name"]], f, label)
    df = pd.DataFrame(out)
    pk = schema.get("primaryKey")
    if pk:
        pk = [pk] if isinstance(pk, str) else pk
        dup = raw.duplicated(subset=pk, keep="first")
        if dup.any():
            r = int(dup.idxmax())
            key = ", ".join(f"{k}={raw.at[r, k]}" for k in pk)
            raise DataValidationError(label, f"duplicate primary key ({key})", pk[0], r + 1)
    return df
