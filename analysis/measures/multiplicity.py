"""Multiplicity: Holm's step-down correction over a chapter's family of tests.

Holm (1979) controls the family-wise error rate: sort the m p-values, multiply the k-th smallest
by (m - k + 1), take running maxima, cap at 1. A test whose smallest attainable p-value exceeds the
level can never reject, so it cannot produce a false positive; it is set aside before correcting
(Tarone 1990), and the table says so. Adjusted p-values equal statsmodels' ``multipletests(...,
method="holm")`` (checked in the tests). No I/O, no randomness.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["holm", "holm_table"]


def holm(pvalues) -> np.ndarray:
    """Holm-adjusted p-values, in the input order."""
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1 or np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise ValueError(f"p-values must be a 1-d array in [0, 1] without NaN, got {p}")
    m = len(p)
    order = np.argsort(p, kind="mergesort")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def holm_table(tests: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Holm over the tests of a family that can reject: columns test, p_value, p_min (smallest
    attainable p) and optionally p_high (upper end of a Monte Carlo p's interval; the p itself
    when exact). Adds can_reject (p_min < alpha), p_holm (NaN where set aside), p_holm_high
    (the same with p_high) and holm_verdict: "survives", "does not survive", "borderline" (the
    two adjusted values fall on either side of alpha) or "cannot reject" (set aside)."""
    missing = [c for c in ("test", "p_value", "p_min") if c not in tests.columns]
    if missing:
        raise ValueError(f"tests table lacks column(s) {missing}")
    out = tests.copy()
    if "p_high" not in out.columns:
        out["p_high"] = out["p_value"]
    out["can_reject"] = out["p_min"] < alpha - 1e-12  # best possible p at the line itself: no rejection rests there
    live = out["can_reject"].to_numpy()
    out["p_holm"], out["p_holm_high"] = np.nan, np.nan
    if live.any():
        out.loc[live, "p_holm"] = holm(out.loc[live, "p_value"])
        # the upper ends are adjusted with the same ranks' multipliers (conservative bound)
        out.loc[live, "p_holm_high"] = holm(out.loc[live, "p_high"])
    out["holm_verdict"] = np.select(
        [~out["can_reject"], out["p_holm_high"] <= alpha, out["p_holm"] > alpha],
        ["cannot reject", "survives", "does not survive"], "borderline")
    return out
