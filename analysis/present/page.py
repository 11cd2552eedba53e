"""The page kit: what every chapter notebook does, in one place.

A chapter reads published values, glues them into its prose, shows its claims and its
tables, and seeds its random steps. Each of those has one function here::

    from analysis import data, page

    facts = data.load("programme_facts")
    page.glue("n_teams", int(page.value(facts, "PRG-01")))    # one published value
    page.glue_rows(facts, ["HL-01", "HL-03"])                 # hl_01, hl_01_text, hl_01_period, ...
    page.glue_all(result, prefix="emb_qap_", keys=("observed", "p_value"))
    page.chapter_claims("networking")                        # this chapter's ledger rows, in words
    page.table(page.rows(facts, ["HL-01", "HL-03"]), columns=["fact", "value_text", "status", "source_key"])
    SEED = page.seed("networking")                           # the chapter's one seed

    page.glue("mob_ei_p", p, kind="open-data", source="Males", decimals=3)    # precision at the call
    page.glue_bound("mob_qi_ipf_diff", glm - ipf, 1e-9)     # numerical error: glued as its bound

Precision policy (written once, in :mod:`analysis.present.precision`; applied here): a glued float
carries the precision its meaning supports, from its kind (published: as transcribed; computed:
six significant digits, of which the prose shows at most four) or from ``digits=``/``decimals=``
at the call; a quantity that is numerical error by nature is glued as a bound. The same notebook
then stores the same values under any BLAS kernel, thread count, hash seed, time zone or locale.

Errors name the table (its file, from the provenance ``data.load`` attaches) and the row id.
Tables are rendered in full (no truncated text, status codes in words, never without their
status column) with a caption that says what kind of evidence they hold and where it is from.
"""
from __future__ import annotations

import hashlib
import html
import re
from contextlib import contextmanager
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .. import data
from .catalog import KIND_WORDS
from .precision import (COMPUTED_DIGITS, GLUE_DIGITS, GUARD_DIGITS, PUBLISHED_DIGITS,  # noqa: F401 (re-exported)
                        bound_text, precision, round_value)
from ..measures.evidence import EVIDENCE_WORDS, STATUS_WORDS, _blank, evidence_words, status_column

# ---- the seed policy -------------------------------------------------------------------------

# Seeds the chapters used before the kit existed, kept so that their results do not change.
# Any other (chapter, purpose) gets a seed derived from its name (see derive_seed).
SEEDS = {
    ("networking", "default"): 1,
    ("embeddedness", "default"): 1998,
    ("mobility", "default"): 1,
    ("mobility", "layout"): 7,
    ("mobility", "bootstrap"): 1980,   # person-level bootstrap (the former intervals default)
    ("mobility", "simulation"): 1980,  # tables simulated under quasi-independence
}


def derive_seed(chapter: str, purpose: str = "default") -> int:
    """A seed from a name: the first four bytes of sha256('<chapter>/<purpose>'), stable everywhere."""
    return int.from_bytes(hashlib.sha256(f"{chapter}/{purpose}".encode()).digest()[:4], "big")


def seed(chapter: str, purpose: str = "default") -> int:
    """The seed of a chapter's random steps (``purpose`` separates e.g. a layout from a test)."""
    return SEEDS.get((chapter, purpose), derive_seed(chapter, purpose))


def rng(chapter: str, purpose: str = "default") -> np.random.Generator:
    """``numpy.random.default_rng`` seeded by :func:`seed`."""
    return np.random.default_rng(seed(chapter, purpose))


# ---- published rows by id --------------------------------------------------------------------

def table_name(table: pd.DataFrame) -> str:
    """The table's file (from its provenance), for error messages; 'table' when unknown."""
    prov = table.attrs.get("provenance") or {}
    return prov.get("path") or prov.get("title") or "table"


def _primary_key(table: pd.DataFrame) -> str | None:
    """The id column the registry declares for this table (schema primaryKey), if any."""
    prov = table.attrs.get("provenance") or {}
    path, name = prov.get("path"), prov.get("name")
    # a loaded table names its registry entry: read only that one (the whole registry would become
    # an input of the notebook, re-executing every chapter after any data change; issue 16)
    try:
        candidates = [data.resource(name)] if isinstance(name, str) else None
    except KeyError:
        candidates = None
    for res in candidates or data.datapackage()["resources"]:
        if path and "data/" + res.get("path", "") == path:
            key = res.get("schema", {}).get("primaryKey")
            return key[0] if isinstance(key, list) and len(key) == 1 else key
    return None


def _ids(table: pd.DataFrame, id_column: str | None) -> tuple[str, pd.Series]:
    """(name, values) of the id column: ``id_column``, the registry's key, or a known id column."""
    candidates = [id_column] if id_column else [_primary_key(table), "row_id", "survey_id", "claim_id"]
    for col in [c for c in candidates if c]:
        if table.index.name == col:
            return col, pd.Series(table.index, index=table.index)
        if col in table.columns:
            return col, table[col]
    raise KeyError(f"{table_name(table)}: no id column (looked for {', '.join(c for c in candidates if c)})")


def _position(table: pd.DataFrame, row_id: str, id_column: str | None) -> int:
    col, ids = _ids(table, id_column)
    hits = np.flatnonzero((ids == row_id).to_numpy())
    if len(hits) != 1:
        what = "no row" if len(hits) == 0 else f"{len(hits)} rows"
        raise KeyError(f"{table_name(table)}: {what} with {col} {row_id!r} (expected exactly one)")
    return int(hits[0])


def row(table: pd.DataFrame, row_id: str, id_column: str | None = None) -> pd.Series:
    """The one row with this id; KeyError naming the table and the id if absent or repeated."""
    return table.iloc[_position(table, row_id, id_column)]


def rows(table: pd.DataFrame, row_ids: Iterable[str], id_column: str | None = None) -> pd.DataFrame:
    """The rows with these ids, in the order given (provenance kept); KeyError as :func:`row`."""
    return table.iloc[[_position(table, rid, id_column) for rid in row_ids]]


def value(table: pd.DataFrame, row_id: str, column: str = "value", id_column: str | None = None):
    """One published value: ``column`` of the row with this id (raw, as in the table).

    KeyError naming the table and id if the row is absent; ValueError naming table, row and
    column if the cell is empty (a missing value never reaches prose as 'nan').
    """
    r = row(table, row_id, id_column)
    if column not in r.index:
        raise KeyError(f"{table_name(table)}: no column {column!r} (row {row_id!r})")
    v = r[column]
    if _blank(v):
        raise ValueError(f"{table_name(table)}: row {row_id!r} has no {column!r}")
    return v.item() if isinstance(v, np.generic) else v


def glue_key(row_id: str) -> str:
    """Name under which a row is glued: 'SOP-05' -> 'sop_05' (suffixes '_text', '_period')."""
    return row_id.lower().replace("-", "_")


def row_values(table: pd.DataFrame, row_ids: Iterable[str], prefix: str = "") -> dict:
    """What :func:`glue_rows` glues, without glueing: for each row '<key>_text' (``value_text``),
    '<key>_period' (``period``, '' when missing; only if the table has one) and '<key>' (the
    numeric ``value`` as a float, only when the row has one). Keys from :func:`glue_key`."""
    out: dict = {}
    for rid in row_ids:
        r = row(table, rid)
        k = prefix + glue_key(rid)
        out[f"{k}_text"] = str(r["value_text"])
        if "period" in r.index:
            out[f"{k}_period"] = "" if _blank(r["period"]) else str(r["period"])
        if not _blank(r["value"]):
            out[k] = float(r["value"])
    return out


# ---- glue ------------------------------------------------------------------------------------

def _plain(v):
    """numpy scalars to Python ones; floats at the published precision (tables of transcribed rows)."""
    return round_value(v, kind="published")


# What kind of evidence a glued value is (the evidence rule), recorded with the value so the
# values ledger of the built site can say, for every number in the prose, what it rests on.
GLUE_KINDS = {
    "published": "transcribed from a publication (source: table and row id)",
    "open-data": "computed from an open dataset that ships in a registry package (source: dataset)",
    "simulated": "produced by a documented model (source: model)",
    "book": "a fact about this book itself, e.g. how many claims its ledger holds (source: table)",
}
_DEFAULT = {"kind": None, "source": None}
# Key of the glue output's metadata under which kind and source travel (beside myst-nb's "scrapbook").
GLUE_METADATA_KEY = "compendium"


def _check_kind(kind):
    if kind is not None and kind not in GLUE_KINDS:
        raise ValueError(f"unknown evidence kind {kind!r} for a glued value; one of {', '.join(GLUE_KINDS)}")


def evidence_default(kind: str | None, source: str | None = None) -> None:
    """Set the kind (and source) of every later :func:`glue` in this kernel that names none."""
    _check_kind(kind)
    _DEFAULT.update(kind=kind, source=source)


@contextmanager
def evidence(kind: str, source: str | None = None):
    """``with page.evidence("simulated", "models_spinoff"):`` glue calls inside carry that kind."""
    before = dict(_DEFAULT)
    evidence_default(kind, source)
    try:
        yield
    finally:
        _DEFAULT.update(before)


def glue_metadata(kind: str | None = None, source: str | None = None) -> dict:
    """The metadata a glued value carries: the given kind/source, else the defaults."""
    _check_kind(kind)
    if kind is None:
        kind, source = _DEFAULT["kind"], source if source is not None else _DEFAULT["source"]
    return {"kind": kind, "source": source}


def glue(name: str, value, *, kind: str | None = None, source: str | None = None,
         digits: int | None = None, decimals: int | None = None) -> None:
    """Glue one value for the prose (``{glue:}`name```), without displaying it here.

    Same output as ``myst_nb.glue(name, value, display=False)``, plus the value's evidence
    ``kind`` (see :data:`GLUE_KINDS`; default from :func:`evidence_default`) and ``source``
    in the output's metadata under ``"compendium"``. A float is stored at the precision policy's
    (:func:`round_value`: ``digits``/``decimals``, else its kind's default).
    """
    import IPython
    from myst_nb.ext.glue import GLUE_PREFIX  # imported here: analysis stays importable without myst-nb

    meta = glue_metadata(kind, source)
    shown = round_value(value, digits=digits, decimals=decimals, kind=meta["kind"])
    meta.update(precision(shown, digits=digits, decimals=decimals, kind=meta["kind"]))
    mimebundle, metadata = IPython.core.formatters.format_display_data(shown)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    metadata[GLUE_METADATA_KEY] = meta
    IPython.display.display({GLUE_PREFIX + k: v for k, v in mimebundle.items()}, raw=True,
                            metadata=metadata)


def glue_bound(name: str, error, bound: float, *, what: str = "", kind: str | None = None,
               source: str | None = None) -> str:
    """Glue a quantity that is numerical error by nature as its bound, never as a value.

    Checks ``|error| <= bound`` (ValueError naming ``name``, the error and the bound otherwise: the
    two computations disagree more than the page says) and glues the bound's text ('10⁻⁹'), which
    is the same on every machine although the error's digits are not. ``what`` describes the
    quantity for the error message. Returns the glued text.
    """
    err = float(np.max(np.abs(error)))
    if not (bound > 0 and np.isfinite(bound)):
        raise ValueError(f"{name}: the bound must be a positive number, got {bound!r}")
    if not err <= bound:  # also refuses NaN
        raise ValueError(f"{name}: {what or 'numerical error'} is {err:.3g}, above the stated bound {bound:g}")
    text = bound_text(bound)
    glue(name, text, kind=kind, source=source)
    return text


def glue_all(values: Mapping, prefix: str = "", keys: Iterable[str] | None = None, *,
             kind: str | None = None, source: str | None = None, digits: int | None = None,
             decimals: int | None = None) -> dict:
    """Glue ``prefix + key`` for each key of ``values`` (or only ``keys``, which must exist), at
    the precision policy's (``digits``/``decimals`` for all, else each kind's default)."""
    chosen = list(values) if keys is None else list(keys)
    missing = [k for k in chosen if k not in values]
    if missing:
        raise KeyError(f"nothing to glue for {', '.join(map(repr, missing))}")
    meta = glue_metadata(kind, source)
    out = {f"{prefix}{k}": round_value(values[k], digits=digits, decimals=decimals, kind=meta["kind"])
           for k in chosen}
    for name, v in out.items():
        glue(name, v, kind=kind, source=source, digits=digits, decimals=decimals)
    return out


def row_source(table: pd.DataFrame, row_id: str) -> str:
    """'programme_facts.csv:HL-01 (keeble_1999, read in source)': where a published value is from."""
    r = row(table, row_id)
    where = f"{table_name(table).rsplit('/', 1)[-1]}:{row_id}"
    bits = [str(r[c]) for c in ("source_key",) if c in r.index and not _blank(r[c])]
    if "status" in r.index and not _blank(r["status"]):
        bits.append(STATUS_WORDS.get(r["status"], str(r["status"])))
    return f"{where} ({', '.join(bits)})" if bits else where


def glue_value(name: str, table: pd.DataFrame, row_id: str, column: str = "value", convert=None):
    """Glue one published cell (``convert`` it first, e.g. ``int``) as kind 'published'; return it."""
    v = value(table, row_id, column)
    v = convert(v) if convert else v
    glue(name, v, kind="published", source=row_source(table, row_id))
    return v


def glue_rows(table: pd.DataFrame, row_ids: Iterable[str], prefix: str = "") -> dict:
    """Glue published rows by id (see :func:`row_values` for the names) and return what was glued.

    Each value is glued as kind 'published' with its row as source (:func:`row_source`)."""
    out: dict = {}
    for rid in row_ids:
        vals = row_values(table, [rid], prefix)
        src = row_source(table, rid)
        for name, v in vals.items():
            glue(name, v, kind="published", source=src)
        out.update(vals)
    return out


# ---- tables ----------------------------------------------------------------------------------

EVIDENCE_KINDS = {**KIND_WORDS, "simulated": "Simulated (labelled)"}
STATUS_NOTE = f"Status: '{STATUS_WORDS['read-in-source']}' (checked in the source) or " \
              f"'{STATUS_WORDS['second-hand']}' (quoted from another publication)."
MISSING = "—"
# A cell this long (characters) makes a table text-heavy: one card per row on a phone.
CARD_TEXT_CHARS = 80
# Inline, because notebook HTML outputs carry no stylesheet of their own; long words (source
# keys, URLs) wrap instead of widening the page.
TABLE_CSS = "width:100%;border-collapse:collapse;font-size:0.85em"
CELL_CSS = "vertical-align:top;text-align:left;overflow-wrap:anywhere;padding:0.25em 0.4em"


def _is_status(col) -> bool:
    return str(col) == "status" or str(col).endswith("_status")


def _cell(v) -> str:
    """One cell as escaped text, in full; integral floats without '.0'; missing as a dash."""
    if _blank(v):
        return MISSING
    v = _plain(v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return html.escape(str(v))


class Table:
    """A rendered table: ``frame`` holds the rows as shown, ``caption`` the evidence caption.

    Displays as HTML in a notebook and as full text elsewhere (never truncated).
    """

    def __init__(self, frame: pd.DataFrame, caption: str, index: str | None = None, widths=None,
                 label: str | None = None):
        if widths is not None and len(widths) != frame.shape[1] + (index is not None):
            raise ValueError("one width per column")
        if label is not None and not re.match(r"^[a-z][a-z0-9-]*$", label):
            raise ValueError(f"table label {label!r}: use lower-case letters, digits and hyphens")
        self.frame, self.caption, self.index, self.widths = frame, caption, index, widths
        self.label = label

    def __len__(self) -> int:
        return len(self.frame)

    def text_heavy(self) -> bool:
        """True when some cell holds a sentence or more (:data:`CARD_TEXT_CHARS`): such a table
        reads as cards on a phone; a table of short values scrolls sideways instead."""
        return any(len(str(v)) >= CARD_TEXT_CHARS for v in self.frame.to_numpy().ravel())

    def _repr_html_(self) -> str:
        esc = html.escape
        cols = ([self.index] if self.index else []) + [str(c) for c in self.frame.columns]
        colgroup = "".join(f'<col style="width:{w}%">' for w in self.widths) if self.widths else ""
        head = "".join(f'<th scope="col" style="{CELL_CSS}">{esc(c)}</th>' for c in cols)
        body = []
        # each cell names its column (data-col), so that on a phone a text-heavy table can be shown
        # as one card per row with the column names as labels (_static/reading.css)
        names = [esc(str(c)) for c in self.frame.columns]
        for label, rec in zip(self.frame.index, self.frame.itertuples(index=False)):
            lead = f'<th scope="row" style="{CELL_CSS}">{_cell(label)}</th>' if self.index else ""
            body.append("<tr>" + lead + "".join(f'<td data-col="{n}" style="{CELL_CSS}">{_cell(v)}</td>'
                                                for n, v in zip(names, rec)) + "</tr>")
        layout = ";table-layout:fixed" if self.widths else ""
        label = f' data-label="{esc(self.label)}"' if self.label else ""
        cards = " page-kit-cards" if self.text_heavy() else ""
        return (f'<table class="compendium-table page-kit-table{cards}"{label} style="{TABLE_CSS}{layout}">\n'
                f'<caption style="caption-side:top;text-align:left">{esc(self.caption)}</caption>\n'
                + (f"<colgroup>{colgroup}</colgroup>\n" if colgroup else "")
                + f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>")

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.width", None,
                               "display.max_columns", None, "display.max_rows", None):
            return f"{self.caption}\n{self.frame.to_string(index=self.index is not None)}"


def evidence_caption(table: pd.DataFrame, evidence: str | None = None, source: str | None = None,
                     note: str | None = None) -> str:
    """'<kind of evidence>: <title> (<file>). <status note> <note>' for a table of these rows.

    ``evidence`` ('published', 'open-data' or 'simulated') and ``source`` default to the
    table's provenance; a table with neither is refused (every number says what it is).
    """
    prov = table.attrs.get("provenance") or {}
    kind = evidence or prov.get("evidence_kind")
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"{table_name(table)}: say what evidence the table holds "
                         f"(evidence= one of {', '.join(EVIDENCE_KINDS)}), got {kind!r}")
    where = source or (f"{prov['title']} ({prov['path']})" if prov.get("path") else prov.get("title"))
    parts = [f"{EVIDENCE_KINDS[kind]}: {where}." if where else f"{EVIDENCE_KINDS[kind]}."]
    if kind == "published" and any(_is_status(c) for c in table.columns):
        parts.append(STATUS_NOTE)
    if note:
        parts.append(note)
    return " ".join(parts)


def table(df: pd.DataFrame, columns: Iterable[str] | None = None, *, caption: str | None = None,
          evidence: str | None = None, source: str | None = None, index: str | None = None,
          transpose: bool = False, headers: Mapping | None = None, widths=None,
          label: str | None = None) -> Table:
    """Render rows for readers: status and evidence-kind codes in words, text in full, a caption.

    ``columns`` selects and orders columns, but a status column (``status``, ``*_status``) is
    never dropped: one left out is appended. ``index`` names a column to use as row headers;
    ``transpose`` shows one column per row (the index becomes the header). A published table
    must carry a status or evidence-kind column. ``caption`` is added after the evidence caption
    (:func:`evidence_caption`, which also takes ``evidence`` and ``source``). ``headers`` renames
    columns for display (after the codes are put in words). ``label`` (lower case, digits,
    hyphens) is the table's citable anchor on its page (else the build derives one from the
    caption; _ext/figure_citation.py).
    """
    cols = list(df.columns) if columns is None else list(columns)
    unknown = [c for c in cols if c not in df.columns]
    if unknown:
        raise KeyError(f"{table_name(df)}: no column(s) {', '.join(map(repr, unknown))}")
    cols += [c for c in df.columns if _is_status(c) and c not in cols]
    cap = evidence_caption(df[cols], evidence, source, caption)
    kind = evidence or (df.attrs.get("provenance") or {}).get("evidence_kind")
    if kind == "published" and not any(_is_status(c) or c == "evidence_kind" for c in cols):
        raise ValueError(f"{table_name(df)}: a table of published rows needs its status column")
    out = df[cols].copy()
    for c in cols:
        if _is_status(c):
            out[c] = status_column(out[c], missing=MISSING)
        elif c == "evidence_kind":
            out[c] = out[c].map(evidence_words)
    if headers:
        out = out.rename(columns=dict(headers))
        index = headers.get(index, index) if index is not None else None
    if index is not None:
        if index not in out.columns:
            raise KeyError(f"{table_name(df)}: no column {index!r} for the row headers")
        out = out.set_index(index)
    if transpose:
        if index is None:
            raise ValueError("transpose needs index= (the column whose values head the columns)")
        out = out.T.rename_axis(None, axis=1)
        index = "field"
    return Table(out, cap, index=index, widths=widths, label=label)


# ---- this chapter's claims -------------------------------------------------------------------

def claims(chapter: str, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ledger rows this chapter examines (codes as recorded); KeyError if there are none."""
    ledger = data.load("claims") if ledger is None else ledger
    ours = ledger[ledger["chapter"] == chapter]
    if ours.empty:
        known = ", ".join(dict.fromkeys(ledger["chapter"]))
        raise KeyError(f"{table_name(ledger)}: no claims for chapter {chapter!r} (chapters: {known})")
    ours = ours.reset_index(drop=True)
    ours.attrs = dict(ledger.attrs)
    return ours


def chapter_claims(chapter: str, ledger: pd.DataFrame | None = None) -> Table:
    """This chapter's claims as a table: ledger id, finding, evidence kind (words), sources, status.

    ``.frame`` holds the rows shown; :func:`claims` gives the rows with their codes.
    """
    ours = claims(chapter, ledger)
    shown = ours.assign(source_keys=ours["source_keys"].str.replace(r"\s*;\s*", "; ", regex=True))
    n = len(ours)
    # the ledger's status column (read in source / second-hand) is kept, as for every published table
    return table(shown, ["claim_id", "finding", "evidence_kind", "source_keys", "status"], widths=[10, 52, 13, 15, 10],
                 headers={"claim_id": "ledger id", "evidence_kind": "evidence available", "source_keys": "sources"},
                 caption=f"{n} claim{'s' * (n != 1)} of the ledger examined in this chapter.")


__all__ = ["SEEDS", "EVIDENCE_WORDS", "STATUS_WORDS", "Table", "chapter_claims", "claims", "derive_seed",
           "bound_text", "evidence_caption", "glue", "glue_all", "glue_bound", "glue_key", "glue_rows", "rng", "row", "row_values",
           "precision", "round_value", "rows", "seed", "table", "table_name", "value"]
