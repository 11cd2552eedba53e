"""Inference on labour flows that respects who moved: person-level sensitivity, a same-sector term,
baselines for reversals, and the mover-stayer model judged on moves per man.

The pooled quasi-independence test of :mod:`analysis.measures.mobility` treats every move as independent,
but one man makes several moves. This module supplies what the mobility chapter sets beside it:

* :func:`first_moves`: each man's first move only (one move per man), a sensitivity table for the
  G^2 test;
* :func:`same_sector_fit`: quasi-independence plus one parameter for moves that stay inside a broad
  sector, log mu_ij = lambda + a_i + b_j + delta 1[sector(i) = sector(j)], fitted by iterative
  scaling (rows, columns, the same-sector total: the model's sufficient statistics), vectorised
  over a stack of tables; the rate ratio exp(delta) with its likelihood-ratio G^2;
* :func:`same_sector_bootstrap`: the rate ratio's person-level (cluster) bootstrap interval;
* :func:`reversal_baseline`: the share of moves undone next year that a first-order Markov chain
  gives (P_do for a move o -> d);
* :func:`moves_per_person`: the number of moves per man, observed against the mover-stayer model and
  the pooled chain (the model is fitted to the never-movers, so their share cannot judge it).

No I/O. Random functions take ``seed`` and use ``numpy.random.default_rng(seed)``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

from . import stats
from .mobility import _offdiag_counts, _require, flow_counts, quasi_independence

__all__ = ["first_moves", "same_sector_fit", "same_sector_bootstrap", "reversal_baseline",
           "moves_per_person"]


def first_moves(trans: pd.DataFrame) -> pd.DataFrame:
    """The first move (``moved`` True, earliest ``year_from``) of each person who ever moves."""
    _require(trans, ["person", "year_from", "moved"])
    moves = trans[trans["moved"]].sort_values(["person", "year_from"], kind="mergesort")
    return moves.groupby("person", sort=True).head(1).reset_index(drop=True)


def _same_mask(labels, sectors) -> np.ndarray:
    missing = [x for x in labels if x not in sectors]
    if missing:
        raise ValueError(f"sectors lacks state(s): {missing}")
    s = np.array([sectors[x] for x in labels])
    return (s[:, None] == s[None, :]) & ~np.eye(len(s), dtype=bool)


def _fit_stack(F, same, tol=1e-10, max_iter=5000, strict=True):
    """Iterative scaling of quasi-independence + same-sector term for tables F (..., K, K).

    Returns (mu, theta): fitted values (0 on the diagonal) and theta = exp(delta). Each cycle matches
    the row sums, the column sums, and the totals of same-sector and cross-sector cells. A table
    that has not converged after ``max_iter`` cycles raises (``strict``) or gets theta NaN."""
    F = np.asarray(F, dtype=float)
    K = F.shape[-1]
    off = ~np.eye(K, dtype=bool)
    F = np.where(off, F, 0.0)
    r, c = F.sum(axis=-1), F.sum(axis=-2)
    s_obs = (F * same).sum(axis=(-2, -1))
    x_obs = F.sum(axis=(-2, -1)) - s_obs
    mu = np.broadcast_to(off.astype(float), F.shape).copy()
    theta = np.ones(F.shape[:-2])
    for _ in range(max_iter):
        with np.errstate(invalid="ignore", divide="ignore"):
            mu *= np.nan_to_num(r / mu.sum(axis=-1))[..., :, None]
            mu *= np.nan_to_num(c / mu.sum(axis=-2))[..., None, :]
            f_s, f_x = np.nan_to_num(s_obs / (mu * same).sum(axis=(-2, -1))), np.nan_to_num(
                x_obs / (mu * ~same * off).sum(axis=(-2, -1)))
        mu = mu * np.where(same, f_s[..., None, None], f_x[..., None, None])
        theta = theta * f_s / np.where(f_x > 0, f_x, 1)
        done = ((np.abs(mu.sum(axis=-1) - r).max(axis=-1) < tol) & (np.abs(f_s - 1) < tol)
                & (np.abs(mu.sum(axis=-2) - c).max(axis=-1) < tol))
        if done.all():
            break
    else:
        if strict:
            raise RuntimeError(f"iterative scaling did not converge in {max_iter} cycles")
        theta = np.where(done, theta, np.nan)  # no finite maximum-likelihood estimate (sparse table)
    return mu, theta


def _g2(F, mu):
    F = np.asarray(F, dtype=float)
    nz = F > 0
    return 2 * float(np.sum(F[nz] * np.log(F[nz] / mu[nz])))


def same_sector_fit(counts: pd.DataFrame, sectors: dict) -> dict:
    """Quasi-independence with a same-sector term, fitted to one flow-count matrix.

    Returns rate_ratio (exp(delta): how many times more often a move stays inside its broad sector
    than sizes alone predict), g2 and df of the model, g2_qi of plain quasi-independence (same
    GLM of :func:`analysis.measures.mobility.quasi_independence`), lr = g2_qi - g2 (1 df) with its chi-squared p_lr, and the
    fitted values ``fitted`` (DataFrame, NaN on the diagonal).
    """
    F = _offdiag_counts(counts)
    same = _same_mask(list(counts.index), sectors)
    if not same.any() or same.sum() == (~np.eye(len(F), dtype=bool)).sum():
        raise ValueError("the sectors must put some pairs of states together and some apart")
    mu, theta = _fit_stack(F, same)
    K = len(F)
    g2, g2_qi = _g2(F, mu), quasi_independence(counts)["g2"]
    fitted = mu.copy()
    np.fill_diagonal(fitted, np.nan)
    return {"rate_ratio": float(theta), "g2": g2, "df": (K - 1) ** 2 - K - 1, "g2_qi": g2_qi,
            "lr": g2_qi - g2, "p_lr": float(chi2.sf(g2_qi - g2, 1)),
            "fitted": pd.DataFrame(fitted, index=counts.index, columns=counts.columns)}


def same_sector_bootstrap(trans: pd.DataFrame, sectors: dict, order, n_boot: int = 1000,
                          seed: int = stats.BOOTSTRAP_SEED, level: float = 0.95) -> dict:
    """Person-level bootstrap of the same-sector rate ratio: men resampled with replacement, each
    with all his moves (:func:`analysis.measures.stats.cluster_bootstrap_ratio`'s index stream), the model
    refitted to every resampled table at once. Returns estimate, low, high (percentile interval),
    share_above_1 (share of resamples with a ratio above 1), n_boot, n_dropped (resamples without
    same-sector or without cross-sector moves, or too sparse for the fit to converge: no finite
    ratio), n_persons, seed, level."""
    _require(trans, ["person", "origin", "destination", "moved"])
    order = list(order)
    moves = trans[trans["moved"]]
    persons = np.sort(moves["person"].unique())
    if len(persons) < 2:
        raise ValueError("need moves by at least 2 persons to resample")
    K = len(order)
    idx = {v: k for k, v in enumerate(order)}
    cell = moves["origin"].map(idx).to_numpy() * K + moves["destination"].map(idx).to_numpy()
    who = np.searchsorted(persons, moves["person"].to_numpy())
    per_person = np.zeros((len(persons), K * K))
    np.add.at(per_person, (who, cell), 1.0)
    W = stats._resample_counts(len(persons), n_boot, np.random.default_rng(seed))
    tables = (W @ per_person).reshape(n_boot, K, K)
    same = _same_mask(order, sectors)
    # a resample without any same-sector (or any cross-sector) move has no finite ratio: dropped, counted
    s_tot = (tables * same).sum(axis=(1, 2))
    x_tot = (tables * (~same & ~np.eye(K, dtype=bool))).sum(axis=(1, 2))
    ok = (s_tot > 0) & (x_tot > 0)
    if not ok.any():
        raise ValueError("no resample has both same-sector and cross-sector moves")
    _, fitted = _fit_stack(tables[ok], same, strict=False)
    theta = fitted[np.isfinite(fitted)]
    if theta.size == 0:
        raise ValueError("no resample gives a finite rate ratio (too few persons or moves)")
    alpha = (1 - level) / 2
    low, high = np.quantile(theta, [alpha, 1 - alpha])
    est = same_sector_fit(flow_counts(trans, order), sectors)["rate_ratio"]
    return {"estimate": est, "low": float(low), "high": float(high),
            "share_above_1": float((theta > 1).mean()), "n_boot": n_boot, "n_dropped": int(n_boot - len(theta)),
            "n_persons": len(persons), "seed": seed, "level": level}


def reversal_baseline(flagged: pd.DataFrame, P: pd.DataFrame) -> dict:
    """Chance level of the reversal share under a first-order Markov chain P.

    For a move o -> d whose next year is observed, the chain reverses it with probability P_do
    (leave d, and for o). ``expected`` is the mean of P_do over those moves; ``observed`` the share
    actually reversed (:func:`analysis.measures.mobility.reversal_summary`); ``ratio`` = observed/expected.
    """
    _require(flagged, ["moved", "has_next", "reversed", "origin", "destination"])
    base = flagged[flagged["moved"] & flagged["has_next"]]
    if base.empty:
        raise ValueError("no move has an observed next year: reversal share undefined")
    missing = sorted(set(base["origin"]) - set(P.index) | set(base["destination"]) - set(P.index))
    if missing:
        raise ValueError(f"state(s) not in P: {missing}")
    p_back = P.to_numpy()[P.index.get_indexer(base["destination"]), P.columns.get_indexer(base["origin"])]
    obs = float(base["reversed"].mean())
    exp = float(p_back.mean())
    return {"moves_with_next": len(base), "observed": obs, "expected": exp, "ratio": obs / exp}


def _moves_distribution(start, T, s, M, max_moves):
    """P(number of moves = k), k = 0..max_moves (last = that many or more), per person, for a
    mixture of stayers (share s[start]) and a Markov chain M: forward recursion over (state, moves)."""
    M = np.asarray(M, dtype=float)
    K = len(M)
    stay = np.diag(M)
    move = M - np.diag(stay)
    out = np.zeros((len(start), max_moves + 1))
    for t_val in np.unique(T):
        rows = np.flatnonzero(T == t_val)
        f = np.zeros((len(rows), K, max_moves + 1))   # probability of being in state j with k moves
        f[np.arange(len(rows)), start[rows], 0] = 1.0
        for _ in range(int(t_val)):
            g = f * stay[None, :, None]                    # stay: same state, same count
            moved = np.einsum("nik,ij->njk", f, move)     # move: new state, one more move
            g[:, :, 1:] += moved[:, :, :-1]
            g[:, :, -1] += moved[:, :, -1]                 # the top class collects "that many or more"
            f = g
        out[rows] = f.sum(axis=1)
    mover = (1 - s[start])[:, None] * out
    mover[:, 0] += s[start]
    return mover


def moves_per_person(hist: pd.DataFrame, trans: pd.DataFrame, P: pd.DataFrame, fit: dict,
                     max_moves: int = 5) -> pd.DataFrame:
    """Men by number of moves (0, 1, ..., ``max_moves`` or more): observed, predicted by the
    mover-stayer model ``fit`` (:func:`analysis.measures.mobility.mover_stayer`) and by the pooled chain P.

    Predictions are expected numbers of men (sums over men of each man's probabilities, given his
    start state and number of transitions). Columns moves, observed, mover_stayer, chain; the
    last row is "max_moves+". The never-mover row is fitted by construction (the stayer shares are
    estimated from it); the other rows judge the model.
    """
    _require(hist, ["person", "start", "n_trans"])
    _require(trans, ["person", "moved"])
    order = list(fit["M"].index)
    if list(P.index) != order:
        P = P.reindex(index=order, columns=order)
    idx = {v: k for k, v in enumerate(order)}
    start = hist["start"].map(idx).to_numpy()
    T = hist["n_trans"].to_numpy()
    n_moves = trans.groupby("person")["moved"].sum().reindex(hist["person"]).fillna(0).to_numpy().astype(int)
    observed = np.bincount(np.minimum(n_moves, max_moves), minlength=max_moves + 1)
    ms = _moves_distribution(start, T, fit["s"].reindex(order).to_numpy(), fit["M"].to_numpy(), max_moves)
    chain = _moves_distribution(start, T, np.zeros(len(order)), P.to_numpy(), max_moves)
    labels = [str(k) for k in range(max_moves)] + [f"{max_moves}+"]
    return pd.DataFrame({"moves": labels, "observed": observed, "mover_stayer": ms.sum(axis=0),
                         "chain": chain.sum(axis=0)})
