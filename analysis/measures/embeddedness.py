"""Local embeddedness: overlap of tie layers, QAP tests and local degree by scope group.

Pure functions (no I/O, no plotting). Every random function takes ``seed`` and draws from
``numpy.random.default_rng(seed)``, so results are reproducible. Ties are always read in the
undirected simple view: direction, multiplicity and self-loops are ignored.

References: Granovetter (1985) and Uzzi (1997) on embeddedness of economic ties in social ties;
Krackhardt (1987, 1988) for QAP on network data; Hubert & Schultz (1976) for the quadratic
assignment permutation test.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from . import stats
from .networks import _sorted

DEFAULT_SEED = 1998
LOCAL_DEFAULT = ("L", "B")


# Nodes in a deterministic order (natural sort, falling back to sorting by str): one helper for both modules.
_ordered = _sorted


def _check_same_nodes(G1, G2) -> list:
    """Return the common node list in deterministic order, or raise naming the nodes that differ."""
    only1, only2 = set(G1) - set(G2), set(G2) - set(G1)
    if only1 or only2:
        raise ValueError("layers must have the same node set; only in first: "
                         f"{_ordered(only1)}; only in second: {_ordered(only2)}")
    return _ordered(G1)


def _edges(G) -> set:
    """Undirected simple tie set {frozenset({u, v})}, self-loops dropped."""
    return {frozenset((u, v)) for u, v in G.edges() if u != v}


def adjacency(G, nodes) -> np.ndarray:
    """Symmetric 0/1 adjacency matrix of the undirected simple view of G, rows/cols in ``nodes`` order.

    A_ij = 1 iff i != j and there is a tie i-j or j-i in G; the diagonal is 0.
    """
    nodes = list(nodes)
    if len(set(nodes)) != len(nodes):
        raise ValueError("node order contains duplicates")
    missing, extra = set(G) - set(nodes), set(nodes) - set(G)
    if missing or extra:
        raise ValueError(f"node order does not match graph; missing from order: {_ordered(missing)}; "
                         f"not in graph: {_ordered(extra)}")
    index = {v: k for k, v in enumerate(nodes)}
    A = np.zeros((len(nodes), len(nodes)), dtype=np.int8)
    for u, v in map(tuple, _edges(G)):
        A[index[u], index[v]] = A[index[v], index[u]] = 1
    return A


def jaccard_overlap(G1, G2) -> float:
    """Jaccard overlap of two tie layers on the same nodes: J = |E1 ∩ E2| / |E1 ∪ E2|.

    Measures how far economic and social ties coincide (Granovetter 1985; Uzzi 1997).
    """
    _check_same_nodes(G1, G2)
    E1, E2 = _edges(G1), _edges(G2)
    if not E1 | E2:
        raise ValueError("Jaccard overlap undefined: both layers have no ties")
    return len(E1 & E2) / len(E1 | E2)


def conditional_tie_probability(G_econ, G_social) -> float:
    """P(economic tie | social tie) = |E_econ ∩ E_social| / |E_social| (Uzzi 1997).

    Compare with the baseline ``tie_probability(G_econ)``: embeddedness means P(econ | social) > P(econ).
    """
    _check_same_nodes(G_econ, G_social)
    E_econ, E_social = _edges(G_econ), _edges(G_social)
    if not E_social:
        raise ValueError("conditional probability undefined: the social layer has no ties")
    return len(E_econ & E_social) / len(E_social)


def tie_probability(G) -> float:
    """Baseline density P(tie) = |E| / (n(n-1)/2) of the undirected simple view."""
    n = G.number_of_nodes()
    if n < 2:
        raise ValueError(f"tie probability needs at least 2 nodes, got {n}")
    return len(_edges(G)) / (n * (n - 1) / 2)


def permuted_adjacencies(A, n_perm: int, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Stack of ``n_perm`` QAP relabellings P A P^T: rows AND columns permuted by one node permutation.

    Each slice is an isomorphic copy of A, so degree sequence and tie count are preserved
    (Hubert & Schultz 1976; Krackhardt 1988).
    """
    A = np.asarray(A)
    rng = np.random.default_rng(seed)
    P = rng.permuted(np.tile(np.arange(A.shape[0]), (n_perm, 1)), axis=1)
    return A[P[:, :, None], P[:, None, :]]


def _qap_stat(x, y, stat: str):
    """Statistic on upper-triangle 0/1 vectors; x may be a stack (n_perm, m), y is fixed."""
    inter = (x & y).sum(axis=-1)
    if stat == "jaccard":
        return inter / (x | y).sum(axis=-1)
    return inter / y.sum()  # conditional: P(tie in layer 1 | tie in layer 2)


def qap_test(G1, G2, stat: str = "jaccard", n_perm: int = 2000, seed: int = DEFAULT_SEED) -> dict:
    """QAP permutation test of association between two tie layers on the same nodes.

    G1's adjacency is relabelled by random node permutations (rows and columns jointly) while G2 stays
    fixed, which keeps each layer's structure (degrees, clustering) intact (Krackhardt 1987, 1988;
    Hubert & Schultz 1976). ``stat`` is "jaccard" (J) or "conditional" (P(G1 tie | G2 tie); pass the
    economic layer as G1). p = (1 + #{null >= observed}) / (n_perm + 1), one-sided upper
    (:func:`analysis.measures.stats.pvalue_from_null`, the convention of every permutation test here).
    """
    if stat not in ("jaccard", "conditional"):
        raise ValueError(f"stat must be 'jaccard' or 'conditional', got {stat!r}")
    if n_perm < 1:
        raise ValueError(f"n_perm must be >= 1, got {n_perm}")
    nodes = _check_same_nodes(G1, G2)
    A, B = adjacency(G1, nodes), adjacency(G2, nodes)
    iu = np.triu_indices(len(nodes), k=1)
    a, b = A[iu].astype(bool), B[iu].astype(bool)
    if not (b.any() if stat == "conditional" else (a | b).any()):
        raise ValueError(f"statistic {stat!r} undefined: no ties in the layer(s) it divides by")
    observed = float(_qap_stat(a, b, stat))
    null = _qap_stat(permuted_adjacencies(A, n_perm, seed)[:, iu[0], iu[1]].astype(bool), b, stat)
    return {"stat": stat, "observed": observed, "null": null, "expected_mean": float(null.mean()),
            "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
            "p_value": stats.pvalue_from_null(null, observed, exact=False, alternative="greater"),
            "n_perm": n_perm, "seed": seed}


def local_degree(G, attr: str = "Location", local=LOCAL_DEFAULT) -> pd.DataFrame:
    """Local degree k_i^loc = #{j != i : j adjacent to i (either direction), attr(j) in ``local``}.

    Neighbours are counted once each (undirected simple view: a reciprocated arc is one partner).
    Default ``local=("L", "B")`` counts every partner with a local presence, including boundary-spanning
    "B" organisations; ``local=("L",)`` is the stricter alternative counting purely local partners only.
    Returns columns node, group (attr value of i), local_degree, degree (all distinct partners).
    """
    local = (local,) if isinstance(local, str) else tuple(local)
    if not local:
        raise ValueError("local set is empty")
    for v in G.nodes:
        if attr not in G.nodes[v]:
            raise ValueError(f"node {v!r} has no attribute {attr!r}")
    H = nx.Graph(G)
    H.remove_edges_from(list(nx.selfloop_edges(H)))
    rows = [{"node": v, "group": G.nodes[v][attr],
             "local_degree": sum(G.nodes[u][attr] in local for u in H[v]), "degree": H.degree(v)}
            for v in _ordered(G)]
    return pd.DataFrame(rows, columns=["node", "group", "local_degree", "degree"])


def group_difference_test(df, value: str = "local_degree", group: str = "group", a="B", b="L",
                          n_perm: int = 5000, seed: int = DEFAULT_SEED) -> dict:
    """Permutation test of mean(value | group a) - mean(value | group b), one-sided a > b.

    Null: group labels are shuffled among the nodes in groups a and b (other groups are dropped).
    p = (1 + #{null >= diff}) / (n_perm + 1).
    """
    for col in (value, group):
        if col not in df.columns:
            raise ValueError(f"column {col!r} not in data frame (columns: {list(df.columns)})")
    if n_perm < 1:
        raise ValueError(f"n_perm must be >= 1, got {n_perm}")
    sub = df[df[group].isin([a, b])]
    is_a = (sub[group] == a).to_numpy()
    n_a, n_b = int(is_a.sum()), int((~is_a).sum())
    for name, k in ((a, n_a), (b, n_b)):
        if k == 0:
            present = sorted(map(str, df[group].unique()))
            raise ValueError(f"group {name!r} is empty (groups present: {present})")
    x = sub[value].to_numpy(dtype=float)
    if np.isnan(x).any():
        raise ValueError(f"column {value!r} has missing values in groups {a!r}/{b!r}")
    mean_a, mean_b = float(x[is_a].mean()), float(x[~is_a].mean())
    diff = mean_a - mean_b
    rng = np.random.default_rng(seed)
    L = rng.permuted(np.tile(is_a, (n_perm, 1)), axis=1)
    sum_a = L @ x
    null = sum_a / n_a - (x.sum() - sum_a) / n_b
    return {"mean_a": mean_a, "mean_b": mean_b, "diff": diff, "null": null,
            "p_value": stats.pvalue_from_null(null, diff, exact=False, alternative="greater"),
            "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
            "n_a": n_a, "n_b": n_b, "n_perm": n_perm, "seed": seed}


def pooled_local_degree(graphs: dict, attr: str = "Location", local=LOCAL_DEFAULT,
                        standardise: bool = True) -> pd.DataFrame:
    """Stack ``local_degree`` over several networks with a ``network`` column.

    With ``standardise``, adds local_degree_z = local_degree / (n - 1): the share of possible partners
    in that network that are local ties, so networks of different size can be pooled.
    """
    if not graphs:
        raise ValueError("no networks given")
    frames = []
    for name, G in graphs.items():
        df = local_degree(G, attr=attr, local=local)
        df.insert(0, "network", name)
        if standardise:
            n = G.number_of_nodes()
            if n < 2:
                raise ValueError(f"network {name!r} has {n} node(s); cannot standardise by n - 1")
            df["local_degree_z"] = df["local_degree"] / (n - 1)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def round_result(d: dict, decimals: int = 3) -> dict:
    """Copy of a result dict with float values rounded (arrays such as ``null`` left untouched)."""
    return {k: round(float(v), decimals) if isinstance(v, (float, np.floating)) else v
            for k, v in d.items()}


# --- multiplex view and summaries used by the embeddedness chapter -------------------------------

def multiplex_graph(G1, G2, names=("business", "marriage")) -> nx.Graph:
    """Union of two tie layers on the same nodes, each tie tagged with the layer(s) it belongs to.

    Edge attribute ``layer`` is ``"<names[0]> only"``, ``"<names[1]> only"`` or ``"both"``
    (undirected simple view, self-loops dropped). Nodes keep G1's attributes; nodes are added in
    deterministic order, so a seeded layout of the union places both layers identically.
    """
    nodes = _check_same_nodes(G1, G2)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"names must be two different layer names, got {names!r}")
    E1, E2 = _edges(G1), _edges(G2)
    H = nx.Graph()
    H.add_nodes_from((v, dict(G1.nodes[v])) for v in nodes)
    rank = {v: k for k, v in enumerate(nodes)}
    for e in sorted(E1 | E2, key=lambda e: sorted(rank[v] for v in e)):
        u, v = sorted(e, key=rank.get)
        tag = "both" if e in E1 and e in E2 else (f"{names[0]} only" if e in E1 else f"{names[1]} only")
        H.add_edge(u, v, layer=tag)
    return H


def overlap_summary(G_econ, G_social) -> dict:
    """Counts and overlap statistics of an economic and a social tie layer on the same nodes.

    Keys: n (nodes), pairs = n(n-1)/2, ties_econ, ties_social, shared (|E_econ ∩ E_social|),
    union, jaccard, p_econ (baseline P(econ tie)), p_econ_given_social, lift =
    P(econ | social) / P(econ), p_social, p_social_given_econ. Lift > 1 means economic ties are
    more likely between socially tied pairs than between pairs at random (Uzzi 1997).
    """
    nodes = _check_same_nodes(G_econ, G_social)
    n = len(nodes)
    if n < 2:
        raise ValueError(f"overlap needs at least 2 nodes, got {n}")
    E_econ, E_social = _edges(G_econ), _edges(G_social)
    if not E_econ or not E_social:
        raise ValueError("overlap summary needs ties in both layers")
    shared, union = len(E_econ & E_social), len(E_econ | E_social)
    pairs = n * (n - 1) // 2
    p_econ, p_social = len(E_econ) / pairs, len(E_social) / pairs
    p_e_s, p_s_e = shared / len(E_social), shared / len(E_econ)
    return {"n": n, "pairs": pairs, "ties_econ": len(E_econ), "ties_social": len(E_social),
            "shared": shared, "union": union, "jaccard": shared / union,
            "p_econ": p_econ, "p_econ_given_social": p_e_s, "lift": p_e_s / p_econ,
            "p_social": p_social, "p_social_given_econ": p_s_e}


def _two_groups(df, value, group, a, b, extra=()):
    for col in (value, group, *extra):
        if col not in df.columns:
            raise ValueError(f"column {col!r} not in data frame (columns: {list(df.columns)})")
    sub = df[df[group].isin([a, b])]
    for name in (a, b):
        if not (sub[group] == name).any():
            present = sorted(map(str, df[group].unique()))
            raise ValueError(f"group {name!r} is empty (groups present: {present})")
    if sub[value].isna().any():
        raise ValueError(f"column {value!r} has missing values in groups {a!r}/{b!r}")
    return sub


def stratified_group_difference_test(df, value: str = "local_degree_z", group: str = "group",
                                     strata: str = "network", a="B", b="L", n_perm: int = 5000,
                                     seed: int = DEFAULT_SEED) -> dict:
    """Permutation test of mean(value | a) - mean(value | b) with labels shuffled WITHIN strata.

    The statistic is the pooled difference of means, as in :func:`group_difference_test`, but
    the null keeps each stratum's (network's) number of a and b nodes fixed, so a difference that
    only reflects which networks the a nodes sit in (denser or sparser ones) is not counted as
    evidence. Strata holding one group only contribute their values unchanged. One-sided a > b:
    p = (1 + #{null >= diff}) / (n_perm + 1). Rows of other groups are dropped.
    ``n_strata_mixed`` counts the strata that hold both groups (the only ones that permute).
    """
    if n_perm < 1:
        raise ValueError(f"n_perm must be >= 1, got {n_perm}")
    sub = _two_groups(df, value, group, a, b, extra=(strata,))
    is_a = (sub[group] == a).to_numpy()
    x = sub[value].to_numpy(dtype=float)
    s = sub[strata].to_numpy()
    n_a, n_b = int(is_a.sum()), int((~is_a).sum())
    diff = float(x[is_a].mean() - x[~is_a].mean())
    rng = np.random.default_rng(seed)
    L = np.tile(is_a, (n_perm, 1))
    mixed = 0
    for key in _ordered(set(s)):
        idx = np.flatnonzero(s == key)
        if 0 < is_a[idx].sum() < len(idx):
            mixed += 1
            L[:, idx] = rng.permuted(L[:, idx], axis=1)
    sum_a = L @ x
    null = sum_a / n_a - (x.sum() - sum_a) / n_b
    return {"mean_a": float(x[is_a].mean()), "mean_b": float(x[~is_a].mean()), "diff": diff,
            "null": null, "expected_mean": float(null.mean()),
            "p_value": stats.pvalue_from_null(null, diff, exact=False, alternative="greater"),
            "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
            "n_a": n_a, "n_b": n_b, "n_strata_mixed": mixed, "n_perm": n_perm, "seed": seed}


def per_stratum_tests(df, value: str = "local_degree_z", group: str = "group",
                      strata: str = "network", a="B", b="L", n_perm: int = 5000,
                      seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """:func:`group_difference_test` within each stratum that holds both groups a and b.

    One row per such stratum (in sorted order): strata column, n_a, n_b, mean_a, mean_b, diff,
    p_value (one-sided a > b). Strata lacking either group are left out. Same seed in each stratum.
    """
    if strata not in df.columns:
        raise ValueError(f"column {strata!r} not in data frame (columns: {list(df.columns)})")
    rows = []
    for key in _ordered(df[strata].unique()):
        part = df[df[strata] == key]
        if not ((part[group] == a).any() and (part[group] == b).any()):
            continue
        r = group_difference_test(part, value=value, group=group, a=a, b=b, n_perm=n_perm, seed=seed)
        rows.append({strata: key, "n_a": r["n_a"], "n_b": r["n_b"], "mean_a": r["mean_a"],
                     "mean_b": r["mean_b"], "diff": r["diff"], "p_value": r["p_value"]})
    if not rows:
        raise ValueError(f"no {strata!r} holds both groups {a!r} and {b!r}")
    return pd.DataFrame(rows, columns=[strata, "n_a", "n_b", "mean_a", "mean_b", "diff", "p_value"])


def bootstrap_intervals(df, value: str, by, n_boot: int = 2000, seed: int = DEFAULT_SEED,
                        level: float = 0.95) -> pd.DataFrame:
    """Mean of ``value`` with a percentile bootstrap interval (:func:`analysis.measures.stats.bootstrap_mean_ci`) per group.

    ``by`` is a column name or a list of them. Returns the ``by`` columns, n, mean, low, high and
    ``label`` ("<by values joined by ': '> (n = <n>)"), groups in sorted order; every group is
    resampled with the same ``seed``.
    """
    by = [by] if isinstance(by, str) else list(by)
    for col in (value, *by):
        if col not in df.columns:
            raise ValueError(f"column {col!r} not in data frame (columns: {list(df.columns)})")
    rows = []
    for key, part in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        mean, low, high = stats.bootstrap_mean_ci(part[value], n_boot=n_boot, seed=seed, level=level)
        label = ": ".join(map(str, key)) + f" (n = {len(part)})"
        rows.append({**dict(zip(by, key)), "n": len(part), "mean": mean, "low": low, "high": high,
                     "label": label})
    return pd.DataFrame(rows, columns=[*by, "n", "mean", "low", "high", "label"])


# --- one QAP test, three readings ----------------------------------------------------------------

def shared_tie_readings(shared, ties_1: int, ties_2: int, pairs: int) -> dict:
    """Jaccard, conditional probability and QAP (Pearson) correlation as functions of the number s
    of pairs tied in both layers, with both layers' tie counts e1, e2 and the m pairs fixed:

    J = s / (e1 + e2 - s), P(1 | 2) = s / e2,
    r = (m s - e1 e2) / sqrt(e1 (m - e1) e2 (m - e2)) (the correlation of the two 0/1 pair vectors).

    All three increase strictly with s, so under QAP (which keeps e1 and e2) they order the
    permutations identically and give the same p-value: one test read three ways. Vectorised in s.
    """
    s = np.asarray(shared, dtype=float)
    e1, e2, m = float(ties_1), float(ties_2), float(pairs)
    if not (0 < e1 < m and 0 < e2 < m):
        raise ValueError(f"need 0 < ties < pairs in both layers, got e1={ties_1}, e2={ties_2}, m={pairs}")
    return {"jaccard": s / (e1 + e2 - s), "conditional": s / e2,
            "correlation": (m * s - e1 * e2) / np.sqrt(e1 * (m - e1) * e2 * (m - e2))}


def qap_shared_test(G1, G2, n_perm: int = 200_000, seed: int = DEFAULT_SEED, level: float = 0.95,
                    batch: int = 50_000) -> dict:
    """QAP test of the number of shared ties, with its Monte Carlo error.

    G1 is relabelled by ``n_perm`` random node permutations (the same draws as :func:`qap_test`
    for equal ``seed`` and ``n_perm`` when ``batch >= n_perm``); the null statistic is the count of
    G2's ties that the relabelled G1 also has. p = (1 + #{S >= s_obs}) / (n_perm + 1) (one-sided).
    The Monte Carlo error of the exceedance share k / n_perm is reported as a standard error
    sqrt(p(1-p)/R) and a Wilson interval, so the reader sees how stable the p-value is.
    Keys: observed (s), readings (observed J, P(1|2), r), null_mean (expected s), null_counts
    (Series: s -> number of permutations), p_value, n_extreme, mc_se, mc_low, mc_high, min_p,
    ties_1, ties_2, pairs, n_nodes, n_perm, seed.
    """
    if n_perm < 1 or batch < 1:
        raise ValueError(f"n_perm and batch must be >= 1, got {n_perm}, {batch}")
    nodes = _check_same_nodes(G1, G2)
    A = adjacency(G1, nodes)
    index = {v: k for k, v in enumerate(nodes)}
    E2 = np.array([sorted((index[u], index[v])) for u, v in map(tuple, _edges(G2))], dtype=np.intp)
    n, e1, e2 = len(nodes), len(_edges(G1)), len(E2)
    pairs = n * (n - 1) // 2
    s_obs = int(A[E2[:, 0], E2[:, 1]].sum()) if e2 else 0
    rng = np.random.default_rng(seed)
    null = np.empty(n_perm, dtype=np.int64)
    for start in range(0, n_perm, batch):   # batches bound memory; one draw per batch
        k = min(batch, n_perm - start)
        P = rng.permuted(np.tile(np.arange(n), (k, 1)), axis=1)
        null[start:start + k] = A[P[:, E2[:, 0]], P[:, E2[:, 1]]].sum(axis=1)
    readings = {k: float(v) for k, v in shared_tie_readings(s_obs, e1, e2, pairs).items()}
    k_ext = int((null >= s_obs).sum())
    share = k_ext / n_perm
    low, high = stats.wilson(k_ext, n_perm, level)
    values, freq = np.unique(null, return_counts=True)
    return {"observed": s_obs, "readings": readings, "null_mean": float(null.mean()),
            "null_counts": pd.Series(freq, index=values, name="permutations").rename_axis("shared"),
            "p_value": stats.pvalue_from_null(null, s_obs, exact=False, alternative="greater"), "n_extreme": k_ext,
            "mc_se": float(np.sqrt(share * (1 - share) / n_perm)), "mc_low": float(low),
            "mc_high": float(high), "min_p": 1 / (n_perm + 1), "ties_1": e1, "ties_2": e2, "n_nodes": n,
            "pairs": pairs, "n_perm": n_perm, "seed": seed}


def qap_readings_table(res: dict) -> pd.DataFrame:
    """The three readings of one QAP shared-ties test as a table: statistic, observed value, its
    value at the permutation mean of s, and the (common) p-value."""
    exp = shared_tie_readings(res["null_mean"], res["ties_1"], res["ties_2"], res["pairs"])
    names = {"jaccard": "Jaccard overlap J", "conditional": "P(business | marriage)",
             "correlation": "QAP correlation r"}
    return pd.DataFrame({"statistic": [names[k] for k in names],
                         "observed": [res["readings"][k] for k in names],
                         "at null mean of s": [float(exp[k]) for k in names],
                         "p (one test)": res["p_value"]})
