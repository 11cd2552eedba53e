"""The words readers see for provenance codes: one mapping for the whole package.

``data/published/`` tables record a row's provenance as a code (``status``:
'read-in-source' or 'second-hand'); the claims ledger records an ``evidence_kind``.
Every table, tooltip and chart legend shows the words below, so a code is never
spelled two ways on one page.
"""
from __future__ import annotations

import pandas as pd

STATUS_WORDS = {"read-in-source": "read in source", "second-hand": "second-hand"}
EVIDENCE_WORDS = {
    "published-figure": "published figure",
    "qualitative-only": "qualitative only",
    "open-data-analogue": "open-data analogue",
}
# What a table shows where a figure was not found: what was read, never a fact about the source.
NOT_GIVEN = "not given in the source read"


def _blank(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or (isinstance(v, str) and not v.strip())


def status_words(status) -> str:
    """'read-in-source' -> 'read in source'; an unknown code unchanged; '' when missing."""
    return "" if _blank(status) else STATUS_WORDS.get(status, str(status))


def evidence_words(kind) -> str:
    """'published-figure' -> 'published figure'; an unknown code unchanged; '' when missing."""
    return "" if _blank(kind) else EVIDENCE_WORDS.get(kind, str(kind))


def status_column(values: pd.Series, missing: str | None = None) -> pd.Series:
    """A status column in words; missing entries become ``missing`` (left missing when None)."""
    words = values.map(STATUS_WORDS)
    # an unknown code stays as it is; a missing one stays missing unless ``missing`` is given
    return words.fillna(values) if missing is None else words.fillna(values).fillna(missing)
