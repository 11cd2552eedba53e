"""Spin-offs and path dependence: Arthur's spin-off model as a Pólya process, and an
agglomeration-returns variant. Simulated evidence only (pure functions, seeded, vectorised).

Spin-off rule (our reading of "a Pólya process", see the models chapter): each new firm is a
spin-off of a parent drawn uniformly from all existing firms and stays in the parent's region,
so region ``r`` gets the next firm with probability ``n_r / sum(n)``. From initial counts
``a = (a_1, ..., a_R)`` the regional shares converge to a Dirichlet(a) limit (Beta(a_1, a_2) for
two regions). ``agglomeration_final_shares`` is a location-choice model with increasing returns,
unbounded or bounded, built to show the two outcomes named in Arthur's working-paper abstract.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from ..measures import stats as _stats  # the one statistics helper (Wilson intervals)
from . import stability


def _initial(initial) -> np.ndarray:
    a = np.asarray(initial, dtype=np.int64)
    if a.ndim != 1 or len(a) < 2 or (a < 1).any():
        raise ValueError(f"initial firm counts must be at least 1 in each of two or more regions, got {initial!r}")
    return a


def polya_counts(initial, n_births: int, n_runs: int, seed: int, record_every: int | None = None):
    """Simulate ``n_runs`` independent spin-off histories of ``n_births`` new firms each.

    Returns the final counts, shape (n_runs, R). With ``record_every``, also returns the counts
    after every ``record_every`` births, shape (n_records + 1, n_runs, R), starting at birth 0.
    Each step draws one parent per run: a uniform number below the run's total number of firms
    picks the region whose cumulative count it falls under (a parent drawn uniformly).
    """
    a = _initial(initial)
    rng = np.random.default_rng(seed)
    counts = np.tile(a, (n_runs, 1))
    rows = np.arange(n_runs)
    history = [counts.copy()] if record_every else None
    total = int(a.sum())
    for step in range(1, n_births + 1):
        u = rng.integers(0, total, size=n_runs)  # the parent's position among all firms
        region = (u[:, None] >= counts.cumsum(axis=1)).sum(axis=1)
        counts[rows, region] += 1
        total += 1
        if record_every and step % record_every == 0:
            history.append(counts.copy())
    if record_every:
        return counts, np.stack(history)
    return counts


def final_shares(counts: np.ndarray) -> np.ndarray:
    """Regional shares of firms, row by row."""
    return counts / counts.sum(axis=1, keepdims=True)


def limit_moments(initial) -> pd.DataFrame:
    """Exact mean and standard deviation of each region's limiting share under Dirichlet(a)."""
    a = _initial(initial).astype(float)
    a0 = a.sum()
    mean = a / a0
    sd = np.sqrt(mean * (1 - mean) / (a0 + 1))
    return pd.DataFrame({"region": np.arange(1, len(a) + 1), "mean": mean, "sd": sd})


def ks_against_limit(shares: np.ndarray, initial, region: int = 0) -> tuple[float, float]:
    """Kolmogorov–Smirnov statistic and p-value of one region's shares against Beta(a_r, a0 - a_r),
    the exact marginal of the Dirichlet(a) limit."""
    a = _initial(initial).astype(float)
    res = stats.kstest(shares[:, region], stats.beta(a[region], a.sum() - a[region]).cdf)
    return float(res.statistic), float(res.pvalue)


def ks_against_horizon(shares: np.ndarray, initial, n_births: int, region: int = 0) -> tuple[float, float]:
    """KS statistic and p-value of one region's shares against their exact law after ``n_births``
    births: the region gains a BetaBinomial(n, a_r, a0 - a_r) number of firms. (Its variance is
    n / (n + a0) times the limit's, so at a finite horizon this is the exact benchmark; the
    p-value is conservative because the law is discrete.)"""
    a = _initial(initial).astype(float)
    a0, ar = a.sum(), a[region]
    gained = np.rint(shares[:, region] * (a0 + n_births) - ar).astype(np.int64)
    # Both CDFs are step functions on 0..n, so the sup distance is attained on that grid
    # (scipy's kstest would add the jump at tied values to the statistic).
    k = np.arange(n_births + 1)
    empirical = np.searchsorted(np.sort(gained), k, side="right") / len(gained)
    d = float(np.abs(empirical - stats.betabinom(n_births, ar, a0 - ar).cdf(k)).max())
    return d, float(stats.kstwo.sf(d, len(gained)))


def share_histogram(shares: np.ndarray, bins: int = 20) -> pd.DataFrame:
    """Density histogram of shares on [0, 1] (columns bin_start, bin_end, density), rounded."""
    dens, edges = np.histogram(shares, bins=bins, range=(0.0, 1.0), density=True)
    return pd.DataFrame({"bin_start": edges[:-1].round(4), "bin_end": edges[1:].round(4), "density": dens.round(3)})


def beta_density_table(a: float, b: float, points: int = 41) -> pd.DataFrame:
    """The exact Beta(a, b) density on a grid inside (0, 1), capped at 6 so that the U-shaped
    and J-shaped cases stay on a readable scale."""
    x = np.linspace(0.0125, 0.9875, points)
    return pd.DataFrame({"share": x.round(4), "density": np.minimum(stats.beta(a, b).pdf(x), 6.0).round(3)})


def start_label(initial) -> str:
    return ":".join(str(int(v)) for v in initial)


def polya_explorer_tables(starts, n_births: int, n_runs: int, seed: int, bins: int = 20):
    """Histogram of region 1's final share and the exact Beta density, for each start (a, b).

    Returns (histograms, densities, summary); every table carries a ``start`` label such as
    "1:1", so that one chart can switch between starts without repeating rows. The summary's KS
    test is against the exact law at the horizon (``ks_against_horizon``); its moments are the
    limit's, which the finite-horizon law approaches as n / (n + a0).
    """
    hists, dens, rows = [], [], []
    for i, start in enumerate(starts):
        counts = polya_counts(start, n_births, n_runs, seed + i)
        shares = final_shares(counts)
        label = start_label(start)
        hists.append(share_histogram(shares[:, 0], bins).assign(start=label))
        dens.append(beta_density_table(start[0], sum(start) - start[0]).assign(start=label))
        ks, p = ks_against_horizon(shares, start, n_births)
        m = limit_moments(start).iloc[0]
        x = shares[:, 0]
        half = 1.959964 * x.std(ddof=1) / np.sqrt(len(x))
        rows.append({"start": label, "a": int(start[0]), "b": int(sum(start) - start[0]),
                     "sim_mean": round(float(x.mean()), 4), "sim_mean_low": round(float(x.mean() - half), 4),
                     "sim_mean_high": round(float(x.mean() + half), 4), "exact_mean": round(float(m["mean"]), 4),
                     "sim_sd": round(float(shares[:, 0].std(ddof=1)), 4),
                     "sim_sd_error": round(stability.sd_error(shares[:, 0]), 4), "exact_sd": round(float(m["sd"]), 4),
                     "ks": round(ks, 4), "ks_p": round(p, 3), "seed": seed + i})
    return pd.concat(hists, ignore_index=True), pd.concat(dens, ignore_index=True), pd.DataFrame(rows)


def history_table(history: np.ndarray, record_every: int, runs: int) -> pd.DataFrame:
    """Region 1's share after each recorded birth for the first ``runs`` histories (long table)."""
    share = history[:, :runs, 0] / history[:, :runs, :].sum(axis=2)
    births = np.arange(history.shape[0]) * record_every
    return pd.DataFrame({
        "births": np.repeat(births, runs), "run": np.tile(np.arange(1, runs + 1), len(births)),
        "share": share.ravel().round(4)})


# --- agglomeration returns: location choice by heterogeneous entrants -----------------------

def agglomeration_final_shares(n_entrants: int, n_runs: int, seed: int, *, strength: float,
                               cap: float | None, preference: float = 1.0):
    """Region 1's share of firms after ``n_entrants`` entrants, and whether each history locked in.

    Two regions start empty. Each entrant is one of two equally likely types; a type gains
    ``preference`` from locating in its favoured region (geography) and ``strength * g(n_r)``
    from the firms already in region ``r`` (agglomeration), with ``g(n) = n`` (unbounded) or
    ``g(n) = min(n, cap)`` (bounded). It picks the region with the larger total, its favoured
    region on a tie. Firms never move, so counts only grow: one entrant, one firm. A history is
    *locked in* when one region received no entrant in the second half of the horizon.
    Returns (shares, locked), each of length ``n_runs``.
    """
    if n_entrants < 2 or n_runs < 1:
        raise ValueError("n_entrants must be at least 2 and n_runs positive")
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_runs, 2), dtype=np.int64)
    last = np.zeros((n_runs, 2), dtype=np.int64)  # last entrant each region received
    rows = np.arange(n_runs)
    for t in range(1, n_entrants + 1):
        favoured = rng.integers(0, 2, size=n_runs)
        g = counts if cap is None else np.minimum(counts, cap)
        payoff = strength * g.astype(float)
        payoff[rows, favoured] += preference
        other = 1 - favoured
        region = np.where(payoff[rows, other] > payoff[rows, favoured], other, favoured)
        counts[rows, region] += 1
        last[rows, region] = t
    locked = last.min(axis=1) <= n_entrants // 2
    return counts[:, 0] / n_entrants, locked


def lock_in_threshold(strength: float, preference: float = 1.0) -> float:
    """Lead (in firms) beyond which every entrant, whatever its type, joins the leading region
    when returns are unbounded: ``strength * lead > preference``."""
    return preference / strength


def cap_label(cap) -> str:
    return "unbounded" if cap is None else f"capped at {cap:g} firms"


def agglomeration_explorer_table(caps, n_entrants: int, n_runs: int, seed: int, *, strength: float,
                                 preference: float = 1.0, bins: int = 20):
    """Histogram of final shares for each cap (None = unbounded), plus a summary per cap:
    the share of histories locked in, with a Wilson interval."""
    hists, rows = [], []
    for i, cap in enumerate(caps):
        shares, locked = agglomeration_final_shares(n_entrants, n_runs, seed + i, strength=strength,
                                                    cap=cap, preference=preference)
        label = cap_label(cap)
        lo, hi = (float(x) for x in _stats.wilson(int(locked.sum()), n_runs))
        hists.append(share_histogram(shares, bins).assign(returns=label))
        rows.append({"returns": label, "cap": cap, "locked_share": round(float(locked.mean()), 4),
                     "locked_low": round(lo, 4), "locked_high": round(hi, 4),
                     "sd_share": round(float(shares.std(ddof=1)), 4),
                     "sd_share_error": round(stability.sd_error(shares), 4), "seed": seed + i})
    return pd.concat(hists, ignore_index=True), pd.DataFrame(rows)


def polya_summary(polya: pd.DataFrame, alpha: float = 0.05, start: str = "1:1") -> dict:
    """What the prose quotes from the Pólya table (:func:`polya_explorer_tables`): the largest KS
    distance ``ks_max``, the smallest p-value ``p_min``, a ``verdict`` in words (how many starts
    the KS test rejects at level ``alpha``) and the simulated and exact sd of one ``start``."""
    rejected = int((polya["ks_p"] < alpha).sum())
    verdict = (f"none of the starts is rejected at the {alpha:.0%} level" if rejected == 0 else
               f"{rejected} of the {len(polya)} starts is rejected at the {alpha:.0%} level, about what chance gives")
    one = polya.set_index("start").loc[start]
    return {"ks_max": float(polya["ks"].max()), "p_min": float(polya["ks_p"].min()), "verdict": verdict,
            "u_sd": float(one["sim_sd"]), "u_sd_err": float(one["sim_sd_error"]), "u_sd_exact": float(one["exact_sd"])}


# Rows of the agglomeration table the prose quotes: glue key -> the ``returns`` label.
QUOTED_RETURNS = {"unb": "unbounded", "c10": "capped at 10 firms", "c20": "capped at 20 firms",
                  "c40": "capped at 40 firms"}


def agglomeration_summary(agg: pd.DataFrame, quoted: dict = QUOTED_RETURNS) -> dict:
    """Lock-in share and its Wilson interval for the quoted rows of
    :func:`agglomeration_explorer_table`: '<key>', '<key>_lo', '<key>_hi'."""
    by = agg.set_index("returns")
    out = {}
    for key, label in quoted.items():
        if label not in by.index:
            raise KeyError(f"no agglomeration setting {label!r} (settings: {', '.join(by.index)})")
        out.update({key: float(by.at[label, "locked_share"]), f"{key}_lo": float(by.at[label, "locked_low"]),
                    f"{key}_hi": float(by.at[label, "locked_high"])})
    return out
