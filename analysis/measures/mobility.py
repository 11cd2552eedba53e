"""Labour mobility between industries: transitions, rates, flow matrices and skill relatedness.

Pure functions on a person-year panel (default columns of ``Ecdat::Males``: ``nr``, ``year``,
``industry``). No I/O, no plotting.

A *transition* is a pair of observations of the same person in consecutive years ``t, t+1``.
Pairs across a gap (``t`` then ``t+2`` or later) are not transitions and are skipped; pairs
whose origin or destination state is missing are dropped. Both counts are reported in
``trans.attrs["n_gaps"]`` and ``trans.attrs["n_missing_state"]``, never silently discarded.

Longer than 500 lines: one chapter's measures on one panel, in sections (transitions and rates,
chapter tables, quasi-independence, movers and stayers, indices) that share the panel's
conventions; a section that grows moves to a module of its own.
"""
import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import chi2
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from . import stats
from .evidence import STATUS_WORDS


def _require(df: pd.DataFrame, cols) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s): {', '.join(map(repr, missing))}")


def transitions(df: pd.DataFrame, person: str = "nr", time: str = "year",
                state: str = "industry", carry: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per transition (person observed in years t and t+1).

    Columns: ``person, year_from, year_to, origin, destination, moved`` (origin != destination)
    plus each ``carry`` column taken at the origin year (e.g. ``carry=("exper",)``).
    Gaps are skipped and pairs with a missing state dropped; counts in ``attrs["n_gaps"]``,
    ``attrs["n_missing_state"]``. Raises ValueError on missing columns, missing or
    non-integer times, and duplicate (person, time) rows.
    """
    carry = tuple(carry)
    _require(df, [person, time, state, *carry])
    d = df[list(dict.fromkeys([person, time, state, *carry]))]
    if d[[person, time]].isna().any().any():
        raise ValueError(f"missing values in {person!r} or {time!r}")
    if not pd.api.types.is_numeric_dtype(d[time]) or (d[time] % 1 != 0).any():
        raise ValueError(f"column {time!r} must hold integer years")
    d = d.sort_values([person, time], kind="mergesort").reset_index(drop=True)
    dup = d.duplicated([person, time], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        raise ValueError(f"duplicate ({person}, {time}) rows: first at "
                         f"{person}={first[person]}, {time}={first[time]}")
    nxt = d.groupby(person, sort=False)[[time, state]].shift(-1)
    has_next = nxt[time].notna()
    consecutive = has_next & (nxt[time] == d[time] + 1)
    missing = consecutive & (d[state].isna() | nxt[state].isna())
    keep = consecutive & ~missing
    src, year = d[keep], d.loc[keep, time].to_numpy()
    out = pd.DataFrame({"person": src[person].to_numpy(), "year_from": year, "year_to": year + 1,
                        "origin": src[state].to_numpy(), "destination": nxt.loc[keep, state].to_numpy()})
    out["moved"] = out["origin"] != out["destination"]
    for c in carry:
        out[c] = src[c].to_numpy()
    out.attrs["n_gaps"] = int((has_next & ~consecutive).sum())
    out.attrs["n_missing_state"] = int(missing.sum())
    return out


def mobility_rate(trans: pd.DataFrame) -> float:
    """Share of transitions that change state: m = (1/N) sum 1[origin != destination]."""
    _require(trans, ["moved"])
    if len(trans) == 0:
        raise ValueError("no transitions: mobility rate undefined")
    return float(trans["moved"].mean())


def wilson_interval(k, n, level: float = 0.95):
    """Wilson (1927) score interval for a binomial proportion p = k/n (statsmodels' implementation).

    centre = (p + z^2/2n) / (1 + z^2/n); half = z/(1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2),
    z = Phi^-1(1 - (1-level)/2). Deterministic; stays inside [0, 1]. Vectorised over k, n.
    Treats the n trials as independent (see :func:`analysis.measures.stats.cluster_rate_table` for a person-level bootstrap).
    """
    return stats.wilson(k, n, level)


def mobility_by(trans: pd.DataFrame, by: str, level: float = 0.95) -> pd.DataFrame:
    """Mobility rate per group of column ``by``, with a Wilson (1927) score interval.

    Columns ``n``, ``moved``, ``rate`` = moved/n, ``ci_low``, ``ci_high``; a missing group value is
    its own group. Deterministic (no bootstrap, hence no ``n_boot``/``seed``).
    """
    _require(trans, ["moved", by])
    g = trans.groupby(by, observed=True, dropna=False, sort=True)["moved"]
    out = pd.DataFrame({"n": g.size(), "moved": g.sum().astype(int)})
    out["rate"] = out["moved"] / out["n"]
    out["ci_low"], out["ci_high"] = wilson_interval(out["moved"], out["n"], level)
    return out


def experience_bands(exper, edges=(0, 2, 4, 6, 8, 10, math.inf)) -> pd.Categorical:
    """Bin integer years of experience into left-closed bands [a, b): labels "0–1", ..., "10+".

    Missing values stay missing; values outside [edges[0], edges[-1]) raise ValueError.
    """
    edges = [float(e) for e in edges]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError("edges must be strictly increasing (at least two)")
    labels = [f"{a:g}+" if math.isinf(b) else (f"{a:g}" if b - a == 1 else f"{a:g}–{b - 1:g}")
              for a, b in zip(edges, edges[1:])]
    x = pd.Series(exper, dtype=float)
    outside = x.notna() & ((x < edges[0]) | (x >= edges[-1]))
    if outside.any():
        raise ValueError(f"{int(outside.sum())} value(s) outside [{edges[0]:g}, {edges[-1]:g})")
    return pd.Categorical(pd.cut(x, bins=edges, right=False, labels=labels), ordered=True)


def flow_counts(trans: pd.DataFrame, order=None) -> pd.DataFrame:
    """Square matrix of counts n_ij = #transitions origin i -> destination j (stayers on the diagonal).

    States are ``order`` if given (must include every observed state) else sorted.
    """
    _require(trans, ["origin", "destination"])
    observed = set(trans["origin"]) | set(trans["destination"])
    if order is None:
        order = sorted(observed)
    elif not observed <= set(order):
        raise ValueError(f"order lacks observed state(s): {sorted(observed - set(order))}")
    n = pd.crosstab(trans["origin"], trans["destination"])
    n = n.reindex(index=order, columns=order, fill_value=0).astype(int)
    n.index.name, n.columns.name = "origin", "destination"
    return n


def transition_matrix(trans: pd.DataFrame, order=None) -> pd.DataFrame:
    """Row-stochastic Markov matrix P_ij = n_ij / n_i. (maximum-likelihood estimate).

    A state with zero outflow has no defined row: raises ValueError naming it (choice made so
    that P stays square and every row sums to 1; restrict ``trans`` or ``order`` instead).
    """
    n = flow_counts(trans, order)
    out = n.sum(axis=1)
    if (out == 0).any():
        raise ValueError(f"state(s) with zero outflow: {list(out.index[out == 0])}")
    return n.div(out, axis=0)


def _square(M: pd.DataFrame) -> np.ndarray:
    a = np.asarray(M, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise ValueError(f"need a square matrix with k >= 2 states, got shape {a.shape}")
    return a


def persistence(P: pd.DataFrame) -> pd.Series:
    """Diagonal P_ii: probability of staying in state i from one year to the next."""
    return pd.Series(np.diag(_square(P)), index=P.index, name="persistence")


def shorrocks_index(P: pd.DataFrame) -> float:
    """Shorrocks (1978) mobility index M = (k - trace P) / (k - 1): 0 for identity, 1 for P_ij=1/k.

    Shorrocks, A. F. (1978) Econometrica 46(5), 1013-1024.
    """
    a = _square(P)
    return float((len(a) - np.trace(a)) / (len(a) - 1))


def order_by_flows(M: pd.DataFrame) -> list:
    """Order states so that heavily exchanging states sit together in a heatmap.

    From counts n or P: drop the diagonal, normalise rows to shares of movers s_ij = n_ij/sum_{l!=i} n_il
    (same for n and P), symmetrise w = (s + s^T)/2, distance d = 1 - w/max(w), average-linkage
    clustering with optimal leaf ordering (Bar-Joseph et al. 2001). Deterministic.
    """
    a = _square(M).copy()
    np.fill_diagonal(a, 0.0)
    rows = a.sum(axis=1, keepdims=True)
    s = np.divide(a, rows, out=np.zeros_like(a), where=rows > 0)
    w = (s + s.T) / 2
    d = 1 - w / w.max() if w.max() > 0 else np.ones_like(w)
    np.fill_diagonal(d, 0.0)
    Z = linkage(squareform(d, checks=False), method="average", optimal_ordering=True)
    return [M.index[i] for i in leaves_list(Z)]


def labour_flow_network(counts: pd.DataFrame, min_flow: int = 1) -> nx.DiGraph:
    """Directed graph of off-diagonal flows i -> j with n_ij >= min_flow (edge attr ``weight`` = n_ij).

    Every state is a node, including isolated ones.
    """
    _square(counts)  # validates shape
    G = nx.DiGraph()
    G.add_nodes_from(counts.index)
    G.add_weighted_edges_from((i, j, w) for (i, j), w in counts.stack().items()
                              if i != j and w > 0 and w >= min_flow)
    return G


def relatedness_ratio(counts: pd.DataFrame) -> pd.DataFrame:
    """RR_ij = F_ij / (F_i. F_.j / F_..) on off-diagonal flows (Neffke & Henning 2013, SMJ 34(3)).

    The diagonal (stayers) is excluded from F_i., F_.j and F_.. and set to NaN in the result:
    staying is not a flow between industries. RR > 1: more job switches than if movers picked
    destinations in proportion to overall inflows. NaN where the expected flow is zero.
    """
    F = _square(counts).copy()
    np.fill_diagonal(F, 0.0)
    expected = np.outer(F.sum(axis=1), F.sum(axis=0)) / F.sum() if F.sum() > 0 else np.zeros_like(F)
    rr = np.divide(F, expected, out=np.full_like(F, np.nan), where=expected > 0)
    np.fill_diagonal(rr, np.nan)
    return pd.DataFrame(rr, index=counts.index, columns=counts.columns)


def skill_relatedness(counts: pd.DataFrame) -> pd.DataFrame:
    """Symmetric-scale skill relatedness SR_ij = (RR_ij - 1) / (RR_ij + 1) in [-1, 1).

    SR > 0 iff RR > 1 (over-represented flow); see ``relatedness_ratio`` for RR. The
    transformation follows later work of Neffke and co-authors (e.g. Neffke et al. 2017, JEBO).
    """
    rr = relatedness_ratio(counts)
    return (rr - 1) / (rr + 1)


def relatedness_edges(SR: pd.DataFrame, threshold: float = 0.0) -> pd.DataFrame:
    """Undirected edges (i < j in SR's order) with sr = (SR_ij + SR_ji)/2 > threshold.

    Pairs where either direction is NaN are skipped. Sorted by sr, descending.
    """
    a, labels = _square(SR), list(SR.index)
    i, j = np.triu_indices(len(labels), k=1)
    sr = (a[i, j] + a[j, i]) / 2
    keep = ~np.isnan(sr) & (sr > threshold)
    out = pd.DataFrame({"source": [labels[x] for x in i[keep]],
                        "target": [labels[x] for x in j[keep]], "sr": sr[keep]})
    return out.sort_values("sr", ascending=False, kind="mergesort").reset_index(drop=True)


def round_frame(df: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """Round float columns (and turn -0.0 into 0.0) for stable, diff-friendly notebook outputs."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(decimals) + 0.0
    return out


# ---------------------------------------------------------------- chapter helpers (tables, labels)

#: Readable labels for the 12 industry codes of ``Ecdat::Males`` (1970s US census major groups).
INDUSTRY_LABELS = {
    "Agricultural": "Agriculture",
    "Business_and_Repair_Service": "Business & repair services",
    "Construction": "Construction",
    "Entertainment": "Entertainment",
    "Finance": "Finance",
    "Manufacturing": "Manufacturing",
    "Mining": "Mining",
    "Personal_Service": "Personal services",
    "Professional_and_Related Service": "Professional services",
    "Public_Administration": "Public administration",
    "Trade": "Trade",
    "Transportation": "Transportation",
}

#: Goods-producing industries (the US statistical convention: agriculture, mining,
#: construction, manufacturing); every other industry is service-providing.
GOODS_PRODUCING = ("Agriculture", "Mining", "Construction", "Manufacturing")


def relabel_industries(s) -> pd.Series:
    """Map ``Ecdat::Males`` industry codes to :data:`INDUSTRY_LABELS`; missing stays missing.

    Raises ValueError on a code not in the mapping (so no industry silently becomes NaN).
    """
    s = pd.Series(s)
    unknown = sorted(set(s.dropna()) - set(INDUSTRY_LABELS))
    if unknown:
        raise ValueError(f"unknown industry code(s): {unknown}")
    return s.map(INDUSTRY_LABELS)


def broad_sector(labels) -> dict:
    """Map each (relabelled) industry to "Goods-producing" or "Service-providing"."""
    return {x: ("Goods-producing" if x in GOODS_PRODUCING else "Service-providing") for x in labels}


def matrix_long(M: pd.DataFrame, value: str = "value", drop_diagonal: bool = False) -> pd.DataFrame:
    """Square matrix -> long table (origin, destination, ``value``) in the matrix's row/column order.

    ``drop_diagonal`` leaves out the cells i == j (e.g. stayers, so a heatmap shows movers only).
    """
    a = _square(M)
    labels = list(M.index)
    if list(M.columns) != labels:
        raise ValueError("rows and columns must carry the same labels in the same order")
    rows = [(labels[i], labels[j], a[i, j]) for i in range(len(labels)) for j in range(len(labels))
            if not (drop_diagonal and i == j)]
    return pd.DataFrame(rows, columns=["origin", "destination", value])


def flow_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Off-diagonal flows as a long table with their size-based expectation and relatedness.

    Columns: origin, destination, ``flow`` = F_ij, ``expected`` = F_i. F_.j / F_.. (diagonal
    excluded from the margins, as in :func:`relatedness_ratio`), ``rr`` = flow/expected and
    ``sr`` = (rr - 1)/(rr + 1). Sorted by flow (descending), ties by origin then destination in
    the matrix order. Neffke & Henning (2013).
    """
    F = _square(counts).copy()
    np.fill_diagonal(F, 0.0)
    tot = F.sum()
    if tot == 0:
        raise ValueError("no off-diagonal flows: expected flows undefined")
    expected = np.outer(F.sum(axis=1), F.sum(axis=0)) / tot
    labels = list(counts.index)
    rank = {v: k for k, v in enumerate(labels)}
    rows = []
    for i, a in enumerate(labels):
        for j, b in enumerate(counts.columns):
            if i == j:
                continue
            e = expected[i, j]
            rr = F[i, j] / e if e > 0 else np.nan
            rows.append((a, b, int(F[i, j]), e, rr, (rr - 1) / (rr + 1)))
    out = pd.DataFrame(rows, columns=["origin", "destination", "flow", "expected", "rr", "sr"])
    out["_o"], out["_d"] = out["origin"].map(rank), out["destination"].map(rank)
    out = out.sort_values(["flow", "_o", "_d"], ascending=[False, True, True], kind="mergesort")
    return out.drop(columns=["_o", "_d"]).reset_index(drop=True)


def relatedness_graph(SR: pd.DataFrame, counts: pd.DataFrame | None = None, threshold: float = 0.0,
                      groups: dict | None = None) -> nx.Graph:
    """Undirected skill-relatedness network: every state a node, an edge where the symmetric
    relatedness (SR_ij + SR_ji)/2 > ``threshold`` (see :func:`relatedness_edges`).

    Edge attributes: ``sr`` (rounded to 4 decimals) and, if ``counts`` is given, ``flow`` =
    n_ij + n_ji (job switches in both directions). Node attributes: ``group`` from ``groups``
    (a mapping state -> label, which must cover every state) if given. Nodes in SR's order.
    """
    labels = list(SR.index)
    if counts is not None and (list(counts.index) != labels or list(counts.columns) != labels):
        raise ValueError("counts must have the same states, in the same order, as SR")
    if groups is not None:
        missing = [v for v in labels if v not in groups]
        if missing:
            raise ValueError(f"groups lacks state(s): {missing}")
    G = nx.Graph()
    for v in labels:
        G.add_node(v, **({"group": groups[v]} if groups is not None else {}))
    for r in relatedness_edges(SR, threshold).itertuples(index=False):
        attrs = {"sr": round(float(r.sr), 4) + 0.0}
        if counts is not None:
            attrs["flow"] = int(counts.loc[r.source, r.target] + counts.loc[r.target, r.source])
        G.add_edge(r.source, r.target, **attrs)
    return G


def spinoff_evidence(surveys: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """The published spin-off evidence, one row per item, with its provenance kept visible.

    Göteborg: the sample size of Lindholm Dahlstrand's survey (row ``GOT`` of ``surveys``), which
    found almost all firms to be spin-offs; its abstract (the part read) gives no percentage. Cambridge: the second-hand
    share of spin-offs (row ``HL-02`` of ``programme_facts``), flagged with its unverified
    definition and denominator. Columns: cluster, published_item, value, unit, status, source_key,
    location, caveat. Raises ValueError if either row is missing. Values are copied, never computed.
    """
    got = surveys.loc[surveys["survey_id"] == "GOT"]
    hl = facts.loc[facts["row_id"] == "HL-02"]
    if len(got) != 1 or len(hl) != 1:
        raise ValueError("need exactly one surveys row 'GOT' and one programme_facts row 'HL-02'")
    g, h = got.iloc[0], hl.iloc[0]
    rows = [
        {"cluster": g["cluster"], "published_item": "Technology-based SMEs surveyed: " + g["survey"],
         "value": float(g["n_firms"]), "unit": "firms", "status": STATUS_WORDS.get(g["status"], g["status"]),
         "source_key": g["source_key"], "location": g["location"],
         "caveat": "The paper reports that almost all were spin-offs from a local firm or university "
                   "; the abstract (the part read) gives no percentage."},
        {"cluster": "Cambridge", "published_item": h["fact"], "value": float(h["value"]),
         "unit": h["unit"],
         "status": STATUS_WORDS.get(h["status"], h["status"]) + ", definition and denominator unverified",
         "source_key": h["source_key"], "location": h["location"], "caveat": h["note"]},
    ]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- quasi-independence of flows

def _offdiag_counts(counts: pd.DataFrame) -> np.ndarray:
    """Validated float matrix of flow counts (square, >= 3 states, no negative cells, every state
    with off-diagonal outflow and inflow, so that each origin and destination effect is estimable)."""
    F = _square(counts).copy()
    if len(F) < 3:
        raise ValueError("quasi-independence needs at least 3 states (2 leave no degrees of freedom)")
    if np.isnan(F).any() or (F < 0).any():
        raise ValueError("flow counts must be non-negative numbers")
    np.fill_diagonal(F, 0.0)
    labels = list(counts.index)
    for name, tot in (("outflow", F.sum(axis=1)), ("inflow", F.sum(axis=0))):
        if (tot == 0).any():
            raise ValueError(f"state(s) with no off-diagonal {name}: "
                             f"{[labels[i] for i in np.flatnonzero(tot == 0)]}")
    return F


def quasi_independence(counts: pd.DataFrame) -> dict:
    """Quasi-independence model of the off-diagonal flows, fitted as a Poisson log-linear GLM.

    log mu_ij = lambda + a_i + b_j for i != j; the diagonal (stayers) is left out of the model
    (quasi-independence in incomplete tables; e.g. Fienberg 2007). Each destination is then chosen in
    proportion to its size, once the origin's own industry is excluded: the "sizes only" baseline.
    Returns ``fitted`` mu (DataFrame, NaN on the diagonal), ``residuals`` (Pearson,
    (n - mu)/sqrt(mu)), ``relatedness`` n/mu, ``g2`` = 2 sum n log(n/mu) (0 log 0 = 0), ``df`` =
    (K-1)^2 - K, ``p_value`` (chi-squared upper tail), ``pearson_x2``, ``n_cells``.
    """
    F = _offdiag_counts(counts)
    K = len(F)
    i, j = np.where(~np.eye(K, dtype=bool))
    y = F[i, j]
    # treatment coding: intercept, origins 1..K-1, destinations 1..K-1
    X = np.column_stack([np.ones(len(y)), (i[:, None] == np.arange(1, K)).astype(float),
                         (j[:, None] == np.arange(1, K)).astype(float)])
    with warnings.catch_warnings():
        # a table that fits exactly (e.g. 3 states, one df) is legitimate, not a separation problem
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        res = GLM(y, X, family=families.Poisson()).fit(tol=1e-12, maxiter=200)
    mu = np.full((K, K), np.nan)
    mu[i, j] = res.fittedvalues
    nz = y > 0
    g2 = 2 * float(np.sum(y[nz] * np.log(y[nz] / res.fittedvalues[nz])))
    df = (K - 1) ** 2 - K
    frame = lambda a: pd.DataFrame(a, index=counts.index, columns=counts.columns)  # noqa: E731
    obs = F.copy()
    np.fill_diagonal(obs, np.nan)
    return {"fitted": frame(mu), "residuals": frame((obs - mu) / np.sqrt(mu)),
            "relatedness": frame(obs / mu), "g2": g2, "df": df, "p_value": float(chi2.sf(g2, df)),
            "pearson_x2": float(np.nansum((obs - mu) ** 2 / mu)), "n_cells": len(y)}


def ipf_quasi_independence(counts: pd.DataFrame, tol: float = 1e-10, max_iter: int = 10_000) -> pd.DataFrame:
    """Quasi-independence fit by iterative proportional fitting (Deming & Stephan 1940).

    Start from 1 off the diagonal and 0 on it (structural zeros), then alternately scale rows and
    columns to the observed off-diagonal margins until both match within ``tol``. Written
    independently of the GLM, as a cross-check of :func:`quasi_independence` (same fitted values
    at convergence: the margins are the model's sufficient statistics). NaN on the diagonal.
    """
    F = _offdiag_counts(counts)
    r, c = F.sum(axis=1), F.sum(axis=0)
    mu = 1.0 - np.eye(len(F))
    for _ in range(max_iter):
        mu *= (r / mu.sum(axis=1))[:, None]
        mu *= (c / mu.sum(axis=0))[None, :]
        if np.abs(mu.sum(axis=1) - r).max() < tol:
            break
    else:
        raise RuntimeError(f"IPF did not converge in {max_iter} iterations")
    np.fill_diagonal(mu, np.nan)
    return pd.DataFrame(mu, index=counts.index, columns=counts.columns)


def qi_cells(counts: pd.DataFrame, qi: dict) -> pd.DataFrame:
    """Off-diagonal cells as a long table: origin, destination, flow, expected (quasi-independence),
    relatedness = flow/expected, residual (Pearson). Sorted by residual (descending), ties by
    origin then destination in the matrix order, so the well-trodden paths come first."""
    labels = list(counts.index)
    rows = [(a, b, int(counts.iloc[x, y]), qi["fitted"].iloc[x, y], qi["relatedness"].iloc[x, y],
             qi["residuals"].iloc[x, y], x, y)
            for x, a in enumerate(labels) for y, b in enumerate(labels) if x != y]
    out = pd.DataFrame(rows, columns=["origin", "destination", "flow", "expected", "relatedness",
                                      "residual", "_o", "_d"])
    out = out.sort_values(["residual", "_o", "_d"], ascending=[False, True, True], kind="mergesort")
    return out.drop(columns=["_o", "_d"]).reset_index(drop=True)


def concentration_share(F) -> np.ndarray:
    """The old headline statistic: share of off-diagonal flows carried by pairs with RR > 1, with
    RR = F_ij / (F_i. F_.j / F..) as in :func:`relatedness_ratio`. Vectorised over a leading axis
    (a stack of tables). Also see :func:`mechanical_concentration` for its chance level."""
    F = np.array(F, dtype=float)
    K = F.shape[-1]
    F[..., np.arange(K), np.arange(K)] = 0.0
    tot = F.sum(axis=(-2, -1), keepdims=True)
    expected = F.sum(axis=-1, keepdims=True) * F.sum(axis=-2, keepdims=True) / tot
    over = F > expected
    return (F * over).sum(axis=(-2, -1)) / tot[..., 0, 0]


def mechanical_concentration(counts: pd.DataFrame, n_sim: int = 2000, seed: int = 1980) -> dict:
    """Chance level of :func:`concentration_share` if destinations depended only on sizes.

    Simulated: each origin keeps its observed number of movers, who pick destinations j != i with
    probabilities mu_ij / mu_i. from the quasi-independence fit (no relatedness at all). Returns
    ``observed``, ``null`` (n_sim values), ``mean``, ``low``/``high`` (2.5/97.5 percentiles),
    ``share_pairs_null_mean`` (mean share of pairs with RR > 1 in the simulations), n_sim, seed.
    """
    F = _offdiag_counts(counts)
    mu = quasi_independence(counts)["fitted"].to_numpy(copy=True)
    np.fill_diagonal(mu, 0.0)
    p = mu / mu.sum(axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    sims = rng.multinomial(F.sum(axis=1).astype(int), p, size=(n_sim, len(F)))
    null = concentration_share(sims)
    K = len(F)
    tot = sims.sum(axis=(1, 2), keepdims=True)
    exp = sims.sum(axis=2, keepdims=True) * sims.sum(axis=1, keepdims=True) / tot
    off = ~np.eye(K, dtype=bool)
    pairs = ((sims > exp) & off).sum(axis=(1, 2)) / off.sum()
    return {"observed": float(concentration_share(F)), "null": null, "mean": float(null.mean()),
            "low": float(np.percentile(null, 2.5)), "high": float(np.percentile(null, 97.5)),
            "share_pairs_null_mean": float(pairs.mean()), "n_sim": n_sim, "seed": seed}


# ---------------------------------------------------------------- reversals, movers and stayers

def reversals(trans: pd.DataFrame) -> pd.DataFrame:
    """Flag each transition that is an immediately reversed move or the move that reverses it.

    A move o -> d in t -> t+1 is *reversed* if the same person's transition t+1 -> t+2 goes d -> o
    (A -> B -> A). Adds columns ``has_next`` (the person's next consecutive transition is observed),
    ``reversed`` (this move is undone next year) and ``reversing`` (this move undoes the previous
    one); ``in_reversal`` = reversed or reversing. Input order is kept.
    """
    _require(trans, ["person", "year_from", "year_to", "origin", "destination", "moved"])
    t = trans.sort_values(["person", "year_from"], kind="mergesort")
    nxt = t.groupby("person", sort=False)[["year_from", "destination", "moved"]].shift(-1)
    has_next = (nxt["year_from"] == t["year_to"]).to_numpy()
    rev = has_next & t["moved"].to_numpy() & (nxt["destination"] == t["origin"]).to_numpy()
    prev_rev = pd.Series(rev, index=t.index).groupby(t["person"], sort=False).shift(1, fill_value=False)
    out = t.assign(has_next=has_next, reversed=rev, reversing=prev_rev.to_numpy().astype(bool))
    out["in_reversal"] = out["reversed"] | out["reversing"]
    return out.loc[trans.index]


def reversal_summary(flagged: pd.DataFrame) -> dict:
    """Share of moves reversed next year, among moves whose next year is observed.

    Keys: moves_with_next, reversed, share_reversed, transitions_in_reversals (both legs).
    """
    _require(flagged, ["moved", "has_next", "reversed", "in_reversal"])
    base = flagged["moved"] & flagged["has_next"]
    if not base.any():
        raise ValueError("no move has an observed next year: reversal share undefined")
    return {"moves_with_next": int(base.sum()), "reversed": int(flagged["reversed"].sum()),
            "share_reversed": float(flagged["reversed"].sum() / base.sum()),
            "transitions_in_reversals": int(flagged["in_reversal"].sum())}


def symmetric_share(counts: pd.DataFrame) -> float:
    """Share of off-diagonal flows matched by a flow in the opposite direction:
    S = sum_{i != j} min(n_ij, n_ji) / sum_{i != j} n_ij (1 for perfectly symmetric flows)."""
    F = _square(counts).copy()
    np.fill_diagonal(F, 0.0)
    if F.sum() == 0:
        raise ValueError("no off-diagonal flows")
    return float(np.minimum(F, F.T).sum() / F.sum())


def histories(trans: pd.DataFrame) -> pd.DataFrame:
    """One row per person whose transitions form one unbroken chain (each origin = previous
    destination, consecutive years): person, start (first origin), n_trans, ever_moved.
    Persons with a gap or a break in the chain are left out (``attrs["n_broken"]`` counts them)."""
    _require(trans, ["person", "year_from", "year_to", "origin", "destination", "moved"])
    t = trans.sort_values(["person", "year_from"], kind="mergesort")
    prev = t.groupby("person", sort=False)[["year_to", "destination"]].shift(1)
    link_ok = prev["year_to"].isna() | ((prev["year_to"] == t["year_from"]) & (prev["destination"] == t["origin"]))
    g = t.assign(ok=link_ok).groupby("person", sort=True)
    h = pd.DataFrame({"start": g["origin"].first(), "n_trans": g.size(), "ever_moved": g["moved"].any(),
                      "ok": g["ok"].all()})
    out = h[h["ok"]].drop(columns="ok").reset_index()
    out.attrs["n_broken"] = int((~h["ok"]).sum())
    return out


def never_mover_prediction(hist: pd.DataFrame, P: pd.DataFrame) -> dict:
    """Observed share of persons who never move against the pooled Markov chain's prediction.

    Under one chain P for everybody, a person starting in i with T transitions never moves with
    probability P_ii^T; the predicted share is the mean of these over persons.
    Keys: n_persons, observed, predicted, ratio = observed/predicted.
    """
    _require(hist, ["start", "n_trans", "ever_moved"])
    stay = persistence(P)
    missing = sorted(set(hist["start"]) - set(stay.index))
    if missing:
        raise ValueError(f"start state(s) not in P: {missing}")
    pred = float((stay.loc[hist["start"]].to_numpy() ** hist["n_trans"].to_numpy()).mean())
    obs = float((~hist["ever_moved"]).mean())
    return {"n_persons": len(hist), "observed": obs, "predicted": pred, "ratio": obs / pred}


def mover_stayer(trans: pd.DataFrame, hist: pd.DataFrame, order=None, tol: float = 1e-10,
                 max_iter: int = 5000) -> dict:
    """Mover-stayer model (Blumen, Kogan & McCarthy 1955) fitted by maximum likelihood (EM).

    A share s_i of the persons starting in state i never move (stayers); everybody else follows a
    Markov chain M. A person who ever moves is a mover; one who never moves in T transitions is a
    stayer with posterior probability s_i / (s_i + (1 - s_i) M_ii^T). ``trans`` must hold exactly
    the transitions of the persons in ``hist`` (see :func:`histories`).
    Returns ``s`` (Series), ``M`` (DataFrame), ``loglik``, ``loglik_chain`` (s = 0: the pooled
    chain), ``stayer_share`` (mean s over persons' start states), ``predicted_never`` (share
    predicted never to move), ``n_iter``.
    """
    _require(hist, ["person", "start", "n_trans", "ever_moved"])
    if set(trans["person"]) != set(hist["person"]):
        raise ValueError("trans and hist must cover the same persons")
    order = sorted(set(trans["origin"]) | set(trans["destination"])) if order is None else list(order)
    idx = {v: k for k, v in enumerate(order)}
    K = len(order)
    moved_people = set(hist.loc[hist["ever_moved"], "person"])
    mov = trans[trans["person"].isin(moved_people)]
    N_mov = flow_counts(mov, order).to_numpy(dtype=float) if len(mov) else np.zeros((K, K))
    start = hist["start"].map(idx).to_numpy()
    T = hist["n_trans"].to_numpy(dtype=float)
    never = ~hist["ever_moved"].to_numpy()
    n_start = np.bincount(start, minlength=K).astype(float)

    def loglik(s, M):
        with np.errstate(divide="ignore"):
            logM = np.log(M)
        ll_mov = float(np.sum(N_mov[N_mov > 0] * logM[N_mov > 0]))
        ll_mov += float(np.sum(np.log1p(-s[start[~never]]))) if (~never).any() else 0.0
        stay_T = np.diag(M)[start[never]] ** T[never]
        return ll_mov + float(np.sum(np.log(s[start[never]] + (1 - s[start[never]]) * stay_T)))

    chain = N_mov.copy()
    np.add.at(chain, (start[never], start[never]), T[never])
    M0 = chain / chain.sum(axis=1, keepdims=True)
    s, M = np.full(K, 0.5), M0.copy()
    ll_old = -np.inf
    for it in range(1, max_iter + 1):
        stay_T = np.diag(M)[start[never]] ** T[never]
        w = s[start[never]] / (s[start[never]] + (1 - s[start[never]]) * stay_T)   # E-step
        s = np.bincount(start[never], weights=w, minlength=K) / np.maximum(n_start, 1)
        C = N_mov.copy()
        np.add.at(C, (start[never], start[never]), (1 - w) * T[never])
        rows = C.sum(axis=1, keepdims=True)
        M = np.divide(C, rows, out=M0.copy(), where=rows > 0)
        ll = loglik(s, M)
        if ll - ll_old < tol:
            break
        ll_old = ll
    stay_T_all = np.diag(M)[start] ** T
    return {"s": pd.Series(s, index=order, name="stayer_share"),
            "M": pd.DataFrame(M, index=order, columns=order), "loglik": ll,
            "loglik_chain": loglik(np.zeros(K), M0), "stayer_share": float(s[start].mean()),
            "predicted_never": float(np.mean(s[start] + (1 - s[start]) * stay_T_all)), "n_iter": it}


# ---------------------------------------------------------------- indices and rankings

def mobility_indices(counts: pd.DataFrame) -> dict:
    """Mover rate, Shorrocks (1978) index and a size-weighted index from one flow-count matrix.

    m = 1 - sum_i n_ii / N (the mover rate). Shorrocks M = (K - tr P)/(K - 1) averages the K exit
    rates 1 - P_ii with equal weights. Weighting the exit rates by origin shares pi_i = n_i./N
    instead gives back K/(K-1) * m (``shorrocks_size_weighted``). ``size_weighted`` normalises m by
    the mover rate that origin-free mobility would produce with the same sizes,
    M_pi = m / (1 - sum_i pi_i^2): 0 if nobody moves, 1 if destinations ignore the origin.
    """
    n = _square(counts)
    N = n.sum()
    if N == 0 or (n.sum(axis=1) == 0).any():
        raise ValueError("every state needs at least one transition out")
    P = n / n.sum(axis=1, keepdims=True)
    K = len(n)
    pi = n.sum(axis=1) / N
    m = 1 - np.trace(n) / N
    return {"mover_rate": float(m), "shorrocks": float((K - np.trace(P)) / (K - 1)),
            "shorrocks_size_weighted": float(K / (K - 1) * m),
            "size_weighted": float(m / (1 - np.sum(pi ** 2))),
            "mean_exit_rate": float(np.mean(1 - np.diag(P)))}


def likeliest_destinations(counts: pd.DataFrame) -> pd.DataFrame:
    """Each origin's most frequent destination among movers, with ties kept.

    Compared on integer counts (not rounded probabilities), so equal counts are exact ties. Columns:
    origin, destinations (tuple of every destination reaching the maximum, in matrix order),
    max_flow, tied (more than one destination at the maximum).
    """
    F = _square(counts).copy()
    np.fill_diagonal(F, -1)
    labels = list(counts.columns)
    rows = []
    for i, o in enumerate(counts.index):
        top = F[i].max()
        d = tuple(labels[j] for j in np.flatnonzero(F[i] == top))
        rows.append((o, d, int(top), len(d) > 1))
    return pd.DataFrame(rows, columns=["origin", "destinations", "max_flow", "tied"])


def never_mover_table(hist: pd.DataFrame, P: pd.DataFrame, fit: dict) -> pd.DataFrame:
    """Never-movers by start state: observed share, pooled-chain prediction (mean P_ii^T) and
    mover-stayer prediction (mean s_i + (1 - s_i) M_ii^T), with the fitted stayer share s_i.

    Index: start state (sorted); columns persons, observed, chain, mover_stayer, stayer_share.
    """
    _require(hist, ["start", "n_trans", "ever_moved"])
    pii = persistence(P)
    s, mii = fit["s"], pd.Series(np.diag(fit["M"]), index=fit["M"].index)
    h = hist.assign(never=~hist["ever_moved"],
                    chain=pii.loc[hist["start"]].to_numpy() ** hist["n_trans"].to_numpy(),
                    ms=(s.loc[hist["start"]].to_numpy() + (1 - s.loc[hist["start"]].to_numpy())
                        * mii.loc[hist["start"]].to_numpy() ** hist["n_trans"].to_numpy()))
    g = h.groupby("start", sort=True)
    out = pd.DataFrame({"persons": g.size(), "observed": g["never"].mean(), "chain": g["chain"].mean(),
                        "mover_stayer": g["ms"].mean()})
    out["stayer_share"] = s.reindex(out.index).to_numpy()
    return out
