"""People versus formal links: the book's own model of learning in a cluster (simulated).

Not taken from any publication. ``n`` firms hold a level of one new piece of knowledge in
[0, 1]; at the start one firm (chosen at random) holds it fully and the others not at all.
Two channels carry it, every period:

* formal ties: a random (Erdős–Rényi) network in which each pair of firms is tied with
  probability ``density``; through its ties a firm closes a share ``beta`` of its gap to its
  best-informed partner;
* people: each firm loses a worker with probability ``mobility``; the worker joins a firm
  drawn uniformly from the others (recruitment; a spin-off founder is treated the same way,
  since firm entry and exit are outside this model) and closes a share ``gamma`` of the gap
  between the destination and the origin firm. A firm that receives several movers in one
  period keeps the largest gain.

The channels act one after the other within a period, ties first in even periods and people
first in odd ones, so neither is favoured by the order. Every gain is credited to the channel
that made it, which gives the share of all learning that came through people.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def simulate(mobility, density, gamma, *, n: int, beta: float, periods: int, seed: int):
    """Run a batch of clusters; ``mobility``, ``density`` and ``gamma`` are arrays of length B
    (one value per cluster). Returns a dict of arrays of length B: ``people`` and ``ties`` (total
    knowledge gained through each channel), ``final_mean`` (mean level at the end),
    ``half_time`` (first period with mean level >= 0.5; ``periods + 1`` if never), plus
    ``levels`` (B, n) at the end.
    """
    m = np.asarray(mobility, dtype=float)
    d = np.asarray(density, dtype=float)
    g = np.asarray(gamma, dtype=float)
    if not (m.shape == d.shape == g.shape and m.ndim == 1):
        raise ValueError("mobility, density and gamma must be 1-d arrays of equal length")
    for name, arr in (("mobility", m), ("density", d), ("gamma", g)):
        if ((arr < 0) | (arr > 1)).any():
            raise ValueError(f"{name} must lie in [0, 1]")
    rng = np.random.default_rng(seed)
    B = len(m)
    upper = np.triu(rng.random((B, n, n)) < d[:, None, None], k=1)
    ties = upper | upper.transpose(0, 2, 1)
    level = np.zeros((B, n))
    level[np.arange(B), rng.integers(0, n, size=B)] = 1.0
    people = np.zeros(B)
    via_ties = np.zeros(B)
    half = np.full(B, periods + 1)
    rows = np.arange(B)[:, None]
    for t in range(1, periods + 1):
        order = ("ties", "people") if t % 2 == 0 else ("people", "ties")
        moves = rng.random((B, n)) < m[:, None]
        # destination uniform over the other n - 1 firms
        dest = (np.arange(n)[None, :] + rng.integers(1, n, size=(B, n))) % n
        for channel in order:
            if channel == "ties":
                best = np.where(ties, level[:, None, :], 0.0).max(axis=2)
                gain = beta * np.maximum(best - level, 0.0)
                via_ties += gain.sum(axis=1)
            else:
                carried = g[:, None] * np.maximum(level - np.take_along_axis(level, dest, axis=1), 0.0)
                carried = np.where(moves, carried, 0.0)
                gain = np.zeros_like(level)
                np.maximum.at(gain, (np.broadcast_to(rows, dest.shape), dest), carried)
                people += gain.sum(axis=1)
            level = level + gain
        half = np.where((half > periods) & (level.mean(axis=1) >= 0.5), t, half)
    return {"people": people, "ties": via_ties, "final_mean": level.mean(axis=1), "half_time": half,
            "levels": level}


def people_share(result: dict) -> np.ndarray:
    """Share of all knowledge gained that came through people (NaN if nothing was learnt)."""
    total = result["people"] + result["ties"]
    return np.divide(result["people"], total, out=np.full(total.shape, np.nan), where=total > 0)


def regime_grid(mobilities, densities, gammas, *, n: int, beta: float, periods: int, runs: int,
                seed: int) -> pd.DataFrame:
    """One row per (gamma, mobility, density): the ensemble mean share of learning through people
    with a 95% t-interval, the mean final level, and the regime:
    "people" (interval above 1/2), "ties" (below 1/2) or "undecided" (interval contains 1/2)."""
    G, M, D, _ = np.meshgrid(gammas, mobilities, densities, np.arange(runs), indexing="ij")
    res = simulate(M.ravel(), D.ravel(), G.ravel(), n=n, beta=beta, periods=periods, seed=seed)
    df = pd.DataFrame({"gamma": G.ravel(), "mobility": M.ravel(), "density": D.ravel(),
                       "share": people_share(res), "final_mean": res["final_mean"]})
    tcrit = stats.t.ppf(0.975, runs - 1)
    agg = df.groupby(["gamma", "mobility", "density"], sort=True).agg(
        share=("share", "mean"), sd=("share", "std"), final_mean=("final_mean", "mean")).reset_index()
    half = tcrit * agg["sd"] / np.sqrt(runs)
    agg["low"], agg["high"] = agg["share"] - half, agg["share"] + half
    agg["regime"] = np.select([agg["low"] > 0.5, agg["high"] < 0.5], ["people", "ties"], "undecided")
    return agg.drop(columns="sd")


def compact(grid: pd.DataFrame) -> pd.DataFrame:
    """The grid rounded for the page: 3 decimals, regime kept, nothing else."""
    out = grid.copy()
    for col in ("share", "low", "high", "final_mean"):
        out[col] = out[col].round(3)
    for col in ("gamma", "mobility", "density"):
        out[col] = out[col].round(4)
    return out


def connectivity_density(n: int) -> float:
    """ln(n) / n, roughly the density above which a random network on n nodes is connected."""
    return float(np.log(n) / n)


def ties_everywhere_text(grid: pd.DataFrame) -> str:
    """For each gamma, the lowest density from which every mobility row is a 'ties' regime."""
    parts = []
    for gamma, sub in grid.groupby("gamma", sort=True):
        ok = [d for d, col in sub.groupby("density", sort=True) if (col["regime"] == "ties").all()]
        dens = sorted(sub["density"].unique())
        # lowest density such that it and every denser column are all 'ties'
        lowest = next((d for d in dens if all(x in ok for x in dens if x >= d)), None)
        parts.append(f"gamma {gamma:g}: {'none on this grid' if lowest is None else f'{lowest:g}'}")
    return "; ".join(parts)


def regime_summary(grid: pd.DataFrame, n: int, gammas=(0.1, 0.3, 0.5), dense_from: float = 0.1) -> dict:
    """What the prose quotes from a :func:`regime_grid`: per gamma in ``gammas`` the number of
    cells where people ('people_<10·gamma>') and where ties ('ties_<10·gamma>') carry most
    learning; among cells of density >= ``dense_from`` the number won by people and the largest
    people share; and the expected number of formal partners at that density, dense_from·(n − 1)
    ('partners_01' for 0.1)."""
    counts = grid.groupby(["gamma", "regime"]).size().unstack(fill_value=0)
    out = {}
    for g in gammas:
        if g not in counts.index:
            raise KeyError(f"gamma {g:g} is not on the grid ({', '.join(f'{x:g}' for x in counts.index)})")
        out[f"people_{int(g * 10)}"] = int(counts.loc[g].get("people", 0))
        out[f"ties_{int(g * 10)}"] = int(counts.loc[g].get("ties", 0))
    dense = grid[grid["density"] >= dense_from]
    out["dense_people"] = int((dense["regime"] == "people").sum())
    out["dense_max"] = float(dense["share"].max())
    out[f"partners_{dense_from:g}".replace("0.", "0")] = dense_from * (n - 1)
    return out
