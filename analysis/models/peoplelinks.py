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

from . import stability


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


KEYS = ["gamma", "mobility", "density"]


def runs_table(mobilities, densities, gammas, *, n: int, beta: float, periods: int, runs: int,
               seed: int) -> pd.DataFrame:
    """One row per simulated cluster of the grid gammas x mobilities x densities x runs (each
    sorted; rows in that order): the share of learning through people (NaN when nothing was
    learnt) and the mean final level. ``attrs['runs']`` holds the runs per cell."""
    G, M, D, _ = np.meshgrid(sorted(gammas), sorted(mobilities), sorted(densities), np.arange(runs), indexing="ij")
    res = simulate(M.ravel(), D.ravel(), G.ravel(), n=n, beta=beta, periods=periods, seed=seed)
    out = pd.DataFrame({"gamma": G.ravel(), "mobility": M.ravel(), "density": D.ravel(),
                        "share": people_share(res), "final_mean": res["final_mean"]})
    out.attrs["runs"] = runs
    return out


def _matrix(runs: pd.DataFrame, column: str) -> np.ndarray:
    """A :func:`runs_table` column as an array (cells, runs per cell)."""
    return runs[column].to_numpy().reshape(-1, runs.attrs["runs"])


def regime_labels(share) -> np.ndarray:
    """Which channel carried more of each cell's learning, batched: ``share`` is (..., cells,
    runs) with NaN for runs in which nothing was learnt; "people" when the mean share over the
    runs that learnt something is above 1/2, "ties" when below, "nothing learnt" when no run
    learnt anything. Whether the label is printed is decided by its stability across seeds
    (:func:`stable_regimes`), not by this function."""
    mean = stability.t_interval(share)[0]
    return np.select([mean > 0.5, mean < 0.5], ["people", "ties"], "nothing learnt")


def regimes(runs: pd.DataFrame) -> pd.DataFrame:
    """Aggregate a :func:`runs_table` by cell: mean share through people over the runs in which
    something was learnt ('learnt' of 'runs'), its 95% t-interval on those runs (the interval's n
    is 'learnt'), the mean final level over all runs, and the channel that carried more
    (:func:`regime_labels`)."""
    share = _matrix(runs, "share")
    mean, low, high, cnt = stability.t_interval(share)
    cells = runs[KEYS].iloc[::runs.attrs["runs"]].reset_index(drop=True)
    return cells.assign(share=mean, low=low, high=high, learnt=cnt, runs=share.shape[1],
                        final_mean=_matrix(runs, "final_mean").mean(axis=1), regime=regime_labels(share))


def regime_grid(mobilities, densities, gammas, *, n: int, beta: float, periods: int, runs: int,
                seed: int) -> pd.DataFrame:
    """:func:`regimes` of a freshly simulated :func:`runs_table`."""
    return regimes(runs_table(mobilities, densities, gammas, n=n, beta=beta, periods=periods, runs=runs,
                              seed=seed))


def stable_regimes(runs: pd.DataFrame, *, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """:func:`regimes` plus each label's bootstrap agreement ('agree') and the label the page prints
    ('label': the regime if at least 95% of re-samples agree, otherwise 'undecided at this
    ensemble size'). ``attrs['people_counts']`` and ``attrs['ties_counts']`` hold, per gamma, the
    number of 'people' ('ties') cells in each re-sample (for the counts' Monte Carlo error)."""
    grid = regimes(runs)
    boot = stability.bootstrap_agreement(_matrix(runs, "share"), regime_labels, n_boot=n_boot, seed=seed)
    grid["agree"] = boot["share"]
    grid["label"] = stability.stable_labels(grid["regime"], grid["agree"])
    gam = grid["gamma"].to_numpy()
    for label in ("people", "ties"):
        grid.attrs[f"{label}_counts"] = {float(g): (boot["others"][:, gam == g] == label).sum(axis=1)
                                         for g in np.unique(gam)}
    return grid


def knockout(mobilities, densities, gamma: float, *, n: int, beta: float, periods: int, runs: int,
             seed: int) -> pd.DataFrame:
    """Importance by knock-out: per (mobility, density) cell, the mean final level with both
    channels, and what is lost when people (mobility 0) or ties (density 0) are removed. The
    three versions share their random numbers (same seed, same draws), so the losses are paired.
    'diff' = loss without people - loss without ties, with a 95% t-interval; 'matters_more':
    "people" when removing people costs more on average (diff above 0), "ties" when removing ties
    does, "neither" when both cost nothing. ``attrs['diff']`` holds the paired differences,
    (cells, runs)."""
    _, M, D, _ = np.meshgrid([gamma], sorted(mobilities), sorted(densities), np.arange(runs), indexing="ij")
    m, d = M.ravel(), D.ravel()
    g = np.full(m.shape, gamma)
    kw = dict(n=n, beta=beta, periods=periods, seed=seed)
    full = simulate(m, d, g, **kw)["final_mean"]
    no_people = simulate(np.zeros_like(m), d, g, **kw)["final_mean"]
    no_ties = simulate(m, np.zeros_like(d), g, **kw)["final_mean"]
    df = pd.DataFrame({"mobility": m, "density": d, "full": full, "loss_people": full - no_people,
                       "loss_ties": full - no_ties})
    df["diff"] = df["loss_people"] - df["loss_ties"]
    agg = df.groupby(["mobility", "density"], sort=True).agg(
        full=("full", "mean"), loss_people=("loss_people", "mean"), loss_ties=("loss_ties", "mean"),
        diff=("diff", "mean"), sd=("diff", "std")).reset_index()
    half = stats.t.ppf(0.975, runs - 1) * agg["sd"] / np.sqrt(runs)
    agg["low"], agg["high"] = agg["diff"] - half, agg["diff"] + half
    agg["matters_more"] = knockout_labels(agg["diff"].to_numpy())
    agg.attrs["diff"] = df["diff"].to_numpy().reshape(-1, runs)
    return agg.drop(columns="sd")


def knockout_labels(diff) -> np.ndarray:
    """Which knock-out costs more, from mean paired differences (batched over leading axes)."""
    return np.select([diff > 0, diff < 0], ["people", "ties"], "neither")


def sensitivity(mobilities, densities, gamma: float, base: dict, variants: dict, *, runs: int, seed: int,
                n_boot: int = 200) -> pd.DataFrame:
    """Re-run the map at one gamma with one setting changed at a time (``variants``: name -> list
    of values, e.g. {'periods': [20, 80]}); the base setting comes first. Per setting: the number
    of 'people' cells at this seed, the numbers of 'people' and of 'ties' cells as bootstrap mean
    and sd (the counts' Monte Carlo error; ``attrs['people_counts']`` keeps the re-samples), and
    the mean final level over all cells."""
    settings = [("none (base)", None, dict(base))]
    for name, values in variants.items():
        settings += [(name, v, {**base, name: v}) for v in values]
    rows, counts = [], []
    for name, value, kw in settings:
        runs_df = runs_table(mobilities, densities, [gamma], runs=runs, seed=seed, **kw)
        grid = stable_regimes(runs_df, n_boot=n_boot, seed=seed)
        people, ties = grid.attrs["people_counts"][float(gamma)], grid.attrs["ties_counts"][float(gamma)]
        counts.append(people)
        rows.append({"changed": name, "firms": kw["n"], "beta": kw["beta"], "periods": kw["periods"],
                     "people_at_seed": int((grid["regime"] == "people").sum()),
                     "people_cells": float(people.mean()), "people_sd": float(people.std(ddof=1)),
                     "ties_cells": float(ties.mean()), "ties_sd": float(ties.std(ddof=1)),
                     "final_mean": float(grid["final_mean"].mean())})
    out = pd.DataFrame(rows)
    out.attrs["cells"] = len(mobilities) * len(densities)
    out.attrs["people_counts"] = counts  # per setting, the count in each re-sample
    return out


def connected_share(n: int, density: float, draws: int, seed: int) -> tuple[float, float]:
    """Share of random (Erdős–Rényi) networks on ``n`` firms at ``density`` that are connected,
    and its Monte Carlo (standard) error."""
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(draws):
        upper = np.triu(rng.random((n, n)) < density, k=1)
        hits += connected_components(upper | upper.T, directed=False)[0] == 1
    share = hits / draws
    return share, float(np.sqrt(share * (1 - share) / draws))


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
    """For each gamma, the lowest density from which every mobility row is printed as 'ties'."""
    col = "label" if "label" in grid else "regime"
    parts = []
    for gamma, sub in grid.groupby("gamma", sort=True):
        ok = [d for d, c in sub.groupby("density", sort=True) if (c[col] == "ties").all()]
        dens = sorted(sub["density"].unique())
        # lowest density such that it and every denser column are all 'ties'
        lowest = next((d for d in dens if all(x in ok for x in dens if x >= d)), None)
        parts.append(f"gamma {gamma:g}: {'none on this grid' if lowest is None else f'{lowest:g}'}")
    return "; ".join(parts)


def regime_summary(grid: pd.DataFrame, n: int, gamma: float = 0.3, dense_from: float = 0.1) -> dict:
    """What the prose quotes from :func:`stable_regimes`: at ``gamma`` the cells printed as people,
    ties, nothing learnt and undecided at this ensemble size ('people', 'ties', 'nothing',
    'unstable'), the bootstrap mean and sd of the number of people cells
    ('people_mean', 'people_sd'); over all gammas the cells in which nothing was learnt in some
    runs ('some_nothing'); among the cells of density >= ``dense_from`` ('dense_cells', all gammas)
    the number printed as people, where they are, and the largest people share; and the expected number of formal partners at that density,
    dense_from·(n − 1) ('partners')."""
    if gamma not in set(grid["gamma"]):
        raise KeyError(f"gamma {gamma:g} is not on the grid ({', '.join(f'{x:g}' for x in sorted(set(grid['gamma'])))})")
    at = grid[grid["gamma"] == gamma]
    counts = at["label"].value_counts()
    people = grid.attrs["people_counts"][float(gamma)]
    dense = grid[grid["density"] >= dense_from]
    return {"people": int(counts.get("people", 0)), "ties": int(counts.get("ties", 0)),
            "nothing": int(counts.get("nothing learnt", 0)), "unstable": int(counts.get(stability.UNDECIDED, 0)),
            "people_mean": float(people.mean()), "people_sd": float(people.std(ddof=1)),
            "some_nothing": int((grid["learnt"] < grid["runs"]).sum()),
            "dense_cells": len(dense), "dense_people": int((dense["label"] == "people").sum()),
            "dense_people_where": "; ".join(f"gamma {r['gamma']:g}, mobility {r['mobility']:g}, density {r['density']:g}"
                                            for _, r in dense[dense["label"] == "people"].iterrows()) or "none",
            "dense_max": float(dense["share"].max()),
            "dense_max_lo": float(dense.loc[dense["share"].idxmax(), "low"]),
            "dense_max_hi": float(dense.loc[dense["share"].idxmax(), "high"]),
            "partners": dense_from * (n - 1)}
