"""Seed stability of simulated verdicts: re-run a verdict under other seeds, the share of runs
that agree, and the rule for printing it.

A *verdict* is anything categorical a page states about a simulation: a label, a "highest at",
a count of cells. It depends on the seed only through Monte Carlo error, so it is printed only
when it survives other seeds: at least ``THRESHOLD`` (95%) of the re-runs agree with it.
Otherwise the page says it is *undecided at this ensemble size* and gives the proportion.

Two ways to measure agreement, with one rule:

* :func:`agreement` re-runs a verdict function ``seed -> verdict`` under ``k`` other seeds
  (:func:`other_seeds`). Exact, but costs ``k`` simulations; the tests use it on the chapter's
  verdict functions.
* :func:`bootstrap_agreement` re-samples the runs of one ensemble (within its groups, e.g. one
  value of p) and recomputes the verdict from each re-sample: the bootstrap estimate of the same
  share, at no simulation cost. The chapter uses it; the tests check its verdicts with
  :func:`agreement` under 20 other seeds.
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterable

import numpy as np
import pandas as pd

THRESHOLD = 0.95   # share of re-runs that must agree before a verdict is printed
MIN_SEEDS = 20     # the fewest re-runs a stability check uses
UNDECIDED = "undecided at this ensemble size"


def other_seeds(seed: int, k: int = MIN_SEEDS, stream: int = 0) -> list[int]:
    """``k`` seeds derived from ``seed`` (numpy SeedSequence), none equal to it; ``stream``
    gives an independent set (the page uses stream 0, the tests stream 1)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    out = [int(s) for s in np.random.SeedSequence([seed, stream]).generate_state(k + 1)]
    return [s for s in out if s != seed][:k]


def _same(a, b):
    """Element-wise equality of two verdicts (scalars, arrays or Series of labels)."""
    if isinstance(a, (pd.Series, pd.DataFrame)):
        a = a.to_numpy()
    if isinstance(b, (pd.Series, pd.DataFrame)):
        b = b.to_numpy()
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape:
        raise ValueError(f"verdicts of different shapes {a.shape} and {b.shape} cannot be compared")
    return a == b


def share_agreeing(value, others: Iterable) -> np.ndarray | float:
    """Share of ``others`` equal to ``value`` (element-wise for array verdicts)."""
    others = list(others)
    if not others:
        raise ValueError("no re-runs to compare with")
    hits = np.mean([_same(value, o).astype(float) for o in others], axis=0)
    return float(hits) if np.ndim(hits) == 0 else hits


def agreement(verdict: Callable[[int], Hashable], seed: int, k: int = MIN_SEEDS, stream: int = 0) -> dict:
    """Run ``verdict(seed)`` and ``verdict(s)`` for ``k`` other seeds. Returns the verdict at
    ``seed`` ('value'), the share of the other seeds that agree with it ('share', element-wise
    for arrays), the re-runs' verdicts ('others') and their seeds ('seeds')."""
    seeds = other_seeds(seed, k, stream)
    value = verdict(seed)
    others = [verdict(s) for s in seeds]
    return {"value": value, "share": share_agreeing(value, others), "others": others, "seeds": seeds}


def bootstrap_agreement(values, verdict: Callable[[np.ndarray], np.ndarray], *, n_boot: int = 200,
                        seed: int = 0) -> dict:
    """Bootstrap estimate of a verdict's seed agreement.

    ``values``: array (groups, runs) of one outcome per run (NaN allowed), e.g. one row per value
    of p. ``verdict`` maps an array (..., groups, runs) to the verdicts (..., ) or (..., groups),
    batched over the leading axes. The runs of each group are re-sampled with replacement, twice
    over (predictive: see the code), ``n_boot`` times (every group keeps its number of runs); returns the verdict on ``values``
    ('value'), the share of re-samples that agree with it ('share', element-wise for arrays) and
    the re-samples' verdicts ('others', first axis the re-sample)."""
    if n_boot < MIN_SEEDS:
        raise ValueError(f"n_boot must be at least {MIN_SEEDS}, got {n_boot}")
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be an array (groups, runs), got shape {values.shape}")
    rng = np.random.default_rng(seed)
    g, r = values.shape
    # A re-sample of a re-sample: the first draw stands for the truth (which the page's own seed
    # only estimates), the second for another seed's ensemble drawn from it. This predictive
    # bootstrap does not trust a lucky ensemble: a verdict at z standard errors from its boundary
    # agrees in about Phi(z / sqrt 2) of the re-samples, not Phi(z).
    truth = rng.integers(0, r, size=(n_boot, g, r))
    pick = np.take_along_axis(truth, rng.integers(0, r, size=(n_boot, g, r)), axis=2)
    others = np.asarray(verdict(values[np.arange(g)[None, :, None], pick]))
    value = np.asarray(verdict(values))
    share = (others == value[None]).mean(axis=0)
    return {"value": value, "share": float(share) if share.ndim == 0 else share, "others": others}


def t_interval(values, level: float = 0.95):
    """Mean, 95% t-interval and number of non-NaN runs along the last axis, batched:
    returns (mean, low, high, count); the interval is NaN where fewer than two runs count."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    cnt = (~np.isnan(x)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(x, axis=-1) / cnt
        dev = np.where(np.isnan(x), 0.0, x - mean[..., None])
        sd = np.sqrt((dev ** 2).sum(axis=-1) / (cnt - 1))
        half = stats.t.ppf(0.5 + level / 2, cnt - 1) * sd / np.sqrt(cnt)
    half = np.where(cnt > 1, half, np.nan)
    return mean, mean - half, mean + half, cnt


def is_stable(share, threshold: float = THRESHOLD):
    """True where at least ``threshold`` of the re-runs agree."""
    return np.asarray(share) >= threshold


def stated(value, share: float, k: int | None = None, fmt: Callable = str, threshold: float = THRESHOLD,
           unit: str = "re-samples") -> str:
    """The verdict as the page prints it: ``fmt(value)`` when stable, otherwise
    'undecided at this ensemble size (x% of k <unit> give "<value>")'."""
    if share >= threshold:
        return fmt(value)
    of = f" of {k} {unit}" if k else f" of {unit}"
    return f'{UNDECIDED} ({share:.0%}{of} give "{fmt(value)}")'


def stable_labels(labels, shares, threshold: float = THRESHOLD) -> np.ndarray:
    """Element-wise: the label where it is stable, ``UNDECIDED`` elsewhere."""
    labels = np.asarray(labels, dtype=object)
    return np.where(is_stable(shares, threshold), labels, UNDECIDED)


def failures(printed: dict, reruns: list[dict], threshold: float = THRESHOLD) -> list[tuple]:
    """The verdicts a page prints as stable that other seeds contradict.

    ``printed``: {name: (value, agreement)} at the page's seed; ``reruns``: the same dict from
    other seeds. A verdict counts as printed when its agreement is at least ``threshold``; it fails
    when fewer than ``threshold`` of the re-runs give the same value. Returns
    (name, value, share of re-runs agreeing, the values they gave instead)."""
    out = []
    for name, (value, share) in printed.items():
        if share < threshold:
            continue  # printed as 'undecided at this ensemble size'
        got = [r[name][0] for r in reruns]
        agree = float(np.mean([bool(np.all(_same(value, g))) for g in got]))
        if agree < threshold:
            out.append((name, value, agree, sorted({str(g) for g in got if not np.all(_same(value, g))})))
    return out


def mc_error(x) -> float:
    """Monte Carlo (standard) error of an ensemble mean: sd / sqrt(runs), NaN-aware."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def sd_error(x) -> float:
    """Monte Carlo (standard) error of a sample standard deviation, by the delta method from the
    fourth central moment: sqrt((m4 - s^4) / (4 n s^2)); needs no normality."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    s2 = x.var(ddof=1)
    m4 = np.mean((x - x.mean()) ** 4)
    return float(np.sqrt(max(m4 - s2 ** 2, 0.0) / (4 * len(x) * s2))) if len(x) > 1 and s2 > 0 else float("nan")


def pm(estimate: float, error: float, decimals: int) -> str:
    """'estimate ± error' at ``decimals`` decimals (the error rounded up so it stays a bound)."""
    scale = 10 ** decimals
    err = np.ceil(error * scale) / scale
    return f"{estimate:.{decimals}f} ± {err:.{decimals}f}"
