"""Small checks on the tables the theme modules receive (shared, so each module need not copy them)."""
from __future__ import annotations

import pandas as pd


def require_columns(df: pd.DataFrame, cols) -> None:
    """Raise ValueError naming every column of ``cols`` that ``df`` lacks."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(map(repr, missing))}")
