"""The precision policy of glued numbers (the page kit applies it; CONVENTIONS.md states it).

How many digits a glued float keeps (:func:`round_value`), what its glue output records so the build
can refuse prose that shows more (:func:`precision`), and how a bound is written (:func:`bound_text`).
"""
from __future__ import annotations

import numpy as np

# A glued float is stored at the precision its meaning supports, never at whatever the arithmetic
# produced, so the committed outputs hold what the reader sees and the same notebook gives the same
# stored values on another machine, BLAS kernel or thread count (tests/test_rerun.py checks it):
#
# * published floats keep PUBLISHED_DIGITS significant digits: transcribed numbers and exact
#   arithmetic on them (a ratio of two published counts), rid of binary representation noise;
# * computed floats (open-data, simulated, book) keep COMPUTED_DIGITS significant digits unless the
#   call says ``digits=`` (significant) or ``decimals=`` (after the point). The prose shows at most
#   COMPUTED_DIGITS - GUARD_DIGITS of them (the build refuses more: _ext/values_ledger.py), so the
#   guard digits keep double rounding from moving a shown digit, and noise below 10^-6 relative
#   (BLAS kernels, summation order, thread count) never reaches a stored output;
# * a quantity that is numerical error by nature (the difference of two fits of one model, a
#   convergence residual) is never glued as a value: :func:`glue_bound` checks it against a bound
#   and glues the bound ("the two fits agree to within 10^-9").
PUBLISHED_DIGITS = 10
COMPUTED_DIGITS = 6
GUARD_DIGITS = 2
GLUE_DIGITS = PUBLISHED_DIGITS  # kept for callers of the former single rule


def round_value(v, *, digits: int | None = None, decimals: int | None = None, kind: str | None = None):
    """``v`` at the precision of the policy: numpy scalars to Python ones (prose shows '5', not
    'np.int64(5)'); a finite float to ``digits`` significant digits or ``decimals`` decimals, else
    to the default of its ``kind`` (:data:`PUBLISHED_DIGITS` for published, :data:`COMPUTED_DIGITS`
    otherwise). Integers, text and non-finite floats pass unchanged."""
    if digits is not None and decimals is not None:
        raise ValueError("give digits= (significant) or decimals=, not both")
    for name, n in (("digits", digits), ("decimals", decimals)):
        if n is not None and (not isinstance(n, int) or n < (1 if name == "digits" else 0)):
            raise ValueError(f"{name}= must be a whole number (digits >= 1, decimals >= 0), got {n!r}")
    v = v.item() if isinstance(v, np.generic) else v
    if isinstance(v, float) and np.isfinite(v):
        if decimals is not None:
            v = float(f"{v:.{decimals}f}")
        else:
            d = digits if digits is not None else (PUBLISHED_DIGITS if kind == "published" else COMPUTED_DIGITS)
            v = float(f"{v:.{d}g}")
        v = 0.0 if v == 0 else v  # no '-0.0' in prose
    return v


def precision(v, *, digits: int | None = None, decimals: int | None = None, kind: str | None = None) -> dict:
    """What the glue output records of a float's precision, for the build's check that the prose
    shows no more than it holds (_ext/values_ledger.py): ``{"decimals": n}`` or ``{"digits": n,
    "shown_digits": m}`` (m = n at the call, n - GUARD_DIGITS by default); {} for other values."""
    if not isinstance(v, float) or not np.isfinite(v):
        return {}
    if decimals is not None:
        return {"decimals": decimals}
    if digits is not None:
        return {"digits": digits, "shown_digits": digits}
    d = PUBLISHED_DIGITS if kind == "published" else COMPUTED_DIGITS
    return {"digits": d, "shown_digits": d - GUARD_DIGITS}


def bound_text(bound: float) -> str:
    """A power-of-ten bound as prose writes it: 1e-09 -> '10⁻⁹'; other bounds as '%g'."""
    exp = np.log10(bound) if bound > 0 else np.nan
    if np.isfinite(exp) and float(exp).is_integer():
        sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
        return "10" + str(int(exp)).translate(sup)
    return f"{bound:g}"
