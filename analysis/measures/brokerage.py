"""Gould-Fernandez brokerage roles of a graph with groups, with their label-shuffle tests.

Pure functions on networkx graphs (measures in :mod:`analysis.measures.networks`).
"""
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import stats
from .network_tables import ALPHA
from .networks import _check, _node_attr, _sorted, local_partition


# ---------------------------------------------------------------- Gould-Fernandez brokerage
#: Gould & Fernandez (1989) roles of broker v on an open two-path i -> v -> k (no tie i -> k),
#: by the groups of source i, broker v and target k.
BROKERAGE_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


def _open_two_paths(G, groups, directed):
    """Group codes and (i, v, k) index arrays of every open two-path among grouped nodes."""
    _check(G)
    nodes = _sorted(v for v in G if v in groups)
    pos = {v: i for i, v in enumerate(nodes)}
    labels = _sorted({groups[v] for v in nodes})
    codes = np.array([labels.index(groups[v]) for v in nodes])
    A = np.zeros((len(nodes), len(nodes)), dtype=bool)
    for u, v in G.edges():
        if u in pos and v in pos and u != v:
            A[pos[u], pos[v]] = True
            if not directed:
                A[pos[v], pos[u]] = True
    i, v, k = np.nonzero(A[:, :, None] & A[None, :, :])  # i -> v and v -> k
    keep = (i != k) & ~A[i, k]
    return nodes, labels, codes, i[keep], v[keep], k[keep]


def _role_masks(codes, i, v, k):
    """Five boolean arrays (..., paths): which role each open two-path gives its broker."""
    ci, cv, ck = codes[..., i], codes[..., v], codes[..., k]
    same_iv, same_vk, same_ik = ci == cv, cv == ck, ci == ck
    return (same_iv & same_vk, same_ik & ~same_iv, same_iv & ~same_vk,
            same_vk & ~same_iv, ~same_iv & ~same_vk & ~same_ik)


def _role_counts(codes, i, v, k):
    """Network totals of the five roles, (..., 5), for one or many label vectors codes (..., n)."""
    return np.stack([m.sum(axis=-1) for m in _role_masks(codes, i, v, k)], axis=-1)


def brokerage_roles(G, groups, directed: bool = False) -> pd.DataFrame:
    """Gould-Fernandez brokerage counts per node: node, group and the five roles + total.

    For every open two-path i -> v -> k (i != k, no tie i -> k) the broker v is a coordinator
    (i, v, k in one group), itinerant (i, k in one group, v in another), representative (i, v
    in one group, k outside), gatekeeper (v, k in one group, i outside) or liaison (three
    groups). ``directed=False`` (default) uses the undirected simple graph, each tie both ways,
    so every open triple counts once in each direction and representative = gatekeeper in total;
    ``directed=True`` uses the arcs as given. Nodes absent from ``groups`` are dropped with their
    ties. Same counts as R's ``sna::brokerage``. Gould & Fernandez (1989).
    """
    if isinstance(groups, str):
        groups = {v: _node_attr(G, v, groups) for v in G}
    nodes, _, codes, i, v, k = _open_two_paths(G, groups, directed)
    masks = _role_masks(codes, i, v, k)
    counts = np.stack([np.bincount(v, weights=m, minlength=len(nodes)) for m in masks],
                      axis=1).astype(int)
    out = pd.DataFrame(counts, columns=list(BROKERAGE_ROLES))
    out.insert(0, "group", [groups[x] for x in nodes])
    out.insert(0, "node", nodes)
    out["total"] = counts.sum(axis=1)
    return out


def _expected_role_shares(sizes):
    """Probability of each role's group pattern for three distinct random nodes (groups assigned
    at random with sizes fixed): falling-factorial sums over the group sizes."""
    n = np.asarray(sizes, dtype=float)
    N = n.sum()
    n3 = N * (N - 1) * (N - 2)
    same3 = (n * (n - 1) * (n - 2)).sum() / n3
    pair_other = ((n * (n - 1)) * (N - n)).sum() / n3  # two in one group, third elsewhere
    return np.array([same3, pair_other, pair_other, pair_other, 1 - same3 - 3 * pair_other])


def brokerage_role_table(G, groups, directed: bool = False, n_perm: int = 1000,
                         seed: int = 0) -> pd.DataFrame:
    """Network totals of the five roles, observed against random assignment of groups.

    Rows = roles; columns role, observed, expected (exact mean when the group labels are shuffled
    across the grouped nodes with group sizes fixed and the graph fixed: open two-paths x the
    probability of the role's group pattern), ratio (observed / expected; NaN when expected is
    0), p_value (two-sided, Monte Carlo with ``n_perm`` label shuffles; NaN when the role is
    impossible with these groups, e.g. liaison with two groups). Same graph conventions as
    :func:`brokerage_roles`. Rounded to 3 decimals, p to 4.
    """
    if isinstance(groups, str):
        groups = {v: _node_attr(G, v, groups) for v in G}
    nodes, labels, codes, i, v, k = _open_two_paths(G, groups, directed)
    if len(labels) < 2:
        raise ValueError(f"brokerage roles need at least 2 groups among retained nodes, got {labels!r}")
    observed = _role_counts(codes, i, v, k)
    expected = len(i) * _expected_role_shares(np.bincount(codes))
    rows = []
    for r, role in enumerate(BROKERAGE_ROLES):
        p = np.nan
        if expected[r] > 0:
            res = stats.label_permutation_test(lambda c, r=r: _role_counts(c, i, v, k)[..., r], codes,
                                               n_resamples=n_perm, seed=seed, max_exact=0)
            p = round(res["p_value"], 4)
        rows.append({"role": role, "observed": int(observed[r]), "expected": round(float(expected[r]), 3),
                     "ratio": round(float(observed[r] / expected[r]), 3) if expected[r] > 0 else np.nan,
                     "p_value": p})
    return pd.DataFrame(rows)


#: The roles possible with two groups (liaison needs a third), in the order tables show them.
TWO_GROUP_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper")


def brokerage_role_summary(graphs: Mapping, attr: str = "Location", n_perm: int = 1000, seed: int = 0,
                           alpha: float = ALPHA) -> tuple:
    """:func:`brokerage_role_table` of the local / non-local partition (:func:`local_partition`,
    "both" excluded) of every network in ``graphs``, and what the prose says about it.

    Returns (long, wide, values): ``long`` stacks the per-network tables with a ``network``
    column; ``wide`` has one row per network and columns '<observed|expected|p_value>: <role>'
    for the :data:`TWO_GROUP_ROLES`; ``values`` holds gf_cross_above / gf_cross_below (networks
    whose representative brokerage, i.e. across the boundary, is above / below expectation with
    p <= ``alpha``), gf_itin_below (itinerant brokerage below expectation, p <= alpha; 'none'
    when empty) and gf_liaison_max (largest liaison count: 0 with two groups).
    """
    long = pd.concat([brokerage_role_table(G, local_partition(G, attr=attr), n_perm=n_perm, seed=seed)
                      .assign(network=name) for name, G in graphs.items()], ignore_index=True)
    stats_ = ["observed", "expected", "p_value"]
    wide = long.pivot(index="network", columns="role", values=stats_)
    wide = wide.reindex(index=list(graphs), columns=pd.MultiIndex.from_product([stats_, TWO_GROUP_ROLES]))
    wide.columns = [f"{stat}: {role}" for stat, role in wide.columns]
    wide = wide.rename_axis("network").reset_index()
    sig = long[long["p_value"] <= alpha]
    rep, itin = sig[sig["role"] == "representative"], sig[sig["role"] == "itinerant"]
    names = lambda d: ", ".join(d["network"]) or "none"  # noqa: E731
    values = {"gf_cross_above": names(rep[rep["observed"] > rep["expected"]]),
              "gf_cross_below": names(rep[rep["observed"] < rep["expected"]]),
              "gf_itin_below": names(itin[itin["observed"] < itin["expected"]]),
              "gf_liaison_max": int(long.loc[long["role"] == "liaison", "observed"].max())}
    return long, wide, values
