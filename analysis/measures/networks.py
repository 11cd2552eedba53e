"""Pure network measures for the chapter on inter-firm networking and collective learning.

No I/O, no plotting. Every function takes a networkx graph (directed or not) and returns
a number, a dict or a tidy DataFrame. Random functions take ``seed`` and use
``numpy.random.default_rng(seed)``. Tables are sorted by node label so outputs are stable.

Convention: "ties" are counted on the *undirected simple version* of G (direction dropped,
reciprocated arcs and parallel edges merged, self-loops removed), see :func:`undirected`.
Only ``density`` (as given), ``betweenness`` (as given) and ``brokerage_roles(directed=True)``
read arcs; the chapter's tables say which graph each column uses.
"""
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from . import stats

__all__ = [
    "undirected", "density", "degree_centralisation", "clustering", "components",
    "betweenness", "brokerage_top", "local_partition", "ei_index", "boundary_share",
    "ei_permutation_test", "expected_ei_random", "summary_table", "layout",
    "edge_table", "node_table", "LOCATION_WORDS", "readable_name", "layout_isolates_apart", "drawing_tables",
    "location_ei_table", "location_ei_tables", "broker_table", "networks_with_verdict", "transitivity",
    "degree_preserving_null", "degree_preserving_nulls", "policy_cost_table", "brokerage_roles",
    "brokerage_role_table", "BROKERAGE_ROLES",
]


# ---------------------------------------------------------------- helpers
def _check(G):
    if not isinstance(G, nx.Graph):
        raise ValueError(f"expected a networkx graph, got {type(G).__name__}")
    if G.number_of_nodes() == 0:
        raise ValueError("graph is empty (no nodes)")


def _sorted(nodes) -> list:
    """Nodes in a deterministic order (natural sort, falling back to sorting by str)."""
    nodes = list(nodes)
    try:
        return sorted(nodes)
    except TypeError:  # mixed label types
        return sorted(nodes, key=str)


def undirected(G) -> nx.Graph:
    """Undirected simple version of G: arcs u->v and v->u become one tie; self-loops dropped."""
    _check(G)
    H = nx.Graph()
    H.add_nodes_from(_sorted(G))
    H.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return H


def _node_attr(G, node, attr):
    if attr not in G.nodes[node]:
        raise ValueError(f"node {node!r} has no attribute {attr!r}")
    return G.nodes[node][attr]


# ---------------------------------------------------------------- structure
def density(G) -> float:
    """Density: directed m/(n(n-1)), undirected 2m/(n(n-1)); equals ``nx.density``.

    Computed on G as given (arcs for directed graphs). Wasserman & Faust (1994, s. 4.2).
    """
    _check(G)
    n, m = G.number_of_nodes(), G.number_of_edges()
    if n < 2:
        return 0.0
    return m / (n * (n - 1)) if G.is_directed() else 2 * m / (n * (n - 1))


def degree_centralisation(G) -> float:
    """Freeman degree centralisation: sum_i (d_max - d_i) / ((n-1)(n-2)), in [0, 1].

    Star = 1; cycle or complete graph = 0. Directed graphs: total degree on the underlying
    undirected simple graph (number of distinct partners, whatever the direction), because
    the chapter asks how concentrated contacts are, not who initiates them.
    Freeman (1978/79), Social Networks 1, 215-239.
    """
    H = undirected(G)
    n = H.number_of_nodes()
    if n < 3:
        raise ValueError(f"degree centralisation needs at least 3 nodes, got {n}")
    deg = np.array([d for _, d in H.degree()])
    return float((deg.max() - deg).sum() / ((n - 1) * (n - 2)))


def clustering(G) -> float:
    """Average local clustering C = (1/n) sum_i T_i / (k_i(k_i-1)/2) (C_i = 0 if k_i < 2).

    On the undirected simple version of G; equals ``nx.average_clustering`` for undirected
    graphs. Watts & Strogatz (1998), Nature 393, 440-442.
    """
    return float(nx.average_clustering(undirected(G)))


def components(G) -> int:
    """Number of connected components (weakly connected for directed graphs)."""
    _check(G)
    if G.is_directed():
        return nx.number_weakly_connected_components(G)
    return nx.number_connected_components(G)


def betweenness(G, normalized: bool = True) -> pd.Series:
    """Betweenness c_B(v) = sum_{s!=v!=t} sigma_st(v)/sigma_st, as ``nx.betweenness_centrality``.

    On G as given (directed shortest paths for directed graphs). Index sorted by node label.
    Freeman (1977), Sociometry 40, 35-41; Brandes (2001) algorithm.
    """
    _check(G)
    bc = nx.betweenness_centrality(G, normalized=normalized)
    idx = _sorted(bc)
    return pd.Series([bc[v] for v in idx], index=pd.Index(idx, name="node"), name="betweenness")


def brokerage_top(G, k: int = 3) -> pd.DataFrame:
    """The nodes ranked 1..k by (normalised) betweenness, ties shown rather than broken.

    Columns node, betweenness, rank (competition ranking: equal values share the smaller rank,
    so two nodes tied for first are both rank 1) and tied (True when another node has the same
    value). Every node whose rank is <= k is returned, so there may be more than k rows when
    ties straddle rank k. Within a tie, rows are in label order (for display only). Values are
    compared after rounding to 12 decimals so float noise cannot split or reorder ties.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    bc = betweenness(G).reset_index()
    key = bc["betweenness"].round(12)
    bc["rank"] = key.rank(ascending=False, method="min").astype(int)
    bc["tied"] = key.duplicated(keep=False)
    top = bc.assign(_key=key).sort_values("_key", ascending=False, kind="mergesort")
    return top[top["rank"] <= k].drop(columns="_key").reset_index(drop=True)


def transitivity(G) -> float:
    """Global transitivity 3 x triangles / connected triples, on the undirected simple version.

    Unlike the average local clustering (:func:`clustering`), nodes with fewer than two partners
    (isolates, pendants) do not enter it, so the two diverge when there are many of them.
    Equals ``nx.transitivity``. Wasserman & Faust (1994, s. 6.2.4).
    """
    return float(nx.transitivity(undirected(G)))


# ---------------------------------------------------------------- E-I index
def local_partition(G, attr="Location", local=("L",), nonlocal_=("NL",),
                    both="exclude", both_values=("B",)) -> dict:
    """Map each node to "local" / "non-local" from a location attribute.

    Nodes whose value is in ``both_values`` (Drabek's "B": local *and* non-local) follow the
    ``both`` policy: "exclude" (default) leaves them out of the returned dict, so E-I
    functions drop them and their ties; "local" or "nonlocal" assigns them to that side.
    Dropped nodes are ``set(G) - set(result)``. Any other value raises ValueError.
    """
    _check(G)
    if both not in ("exclude", "local", "nonlocal"):
        raise ValueError(f"both must be 'exclude', 'local' or 'nonlocal', got {both!r}")
    out = {}
    for v in _sorted(G):
        val = _node_attr(G, v, attr)
        if val in local:
            out[v] = "local"
        elif val in nonlocal_:
            out[v] = "non-local"
        elif val in both_values:
            if both != "exclude":
                out[v] = "local" if both == "local" else "non-local"
        else:
            raise ValueError(f"node {v!r} has unexpected {attr!r} value {val!r}")
    return out


def _groups_map(G, groups):
    return {v: _node_attr(G, v, groups) for v in G} if isinstance(groups, str) else groups


def _ei_arrays(G, groups):
    """Integer group codes per retained node and (u, v) index arrays of its undirected ties.

    ``groups`` is a node-attribute name or a mapping node -> label. With a mapping, nodes of
    G absent from it are dropped together with their ties (see local_partition).
    """
    _check(G)
    if isinstance(groups, str):
        groups = {v: _node_attr(G, v, groups) for v in G}
    elif not isinstance(groups, Mapping):
        raise ValueError("groups must be a node-attribute name or a mapping node -> label")
    unknown = [v for v in groups if v not in G]
    if unknown:
        raise ValueError(f"groups names nodes not in the graph: {unknown[:5]!r}")
    H = undirected(G).subgraph(groups)
    nodes = _sorted(H)
    labels = _sorted({groups[v] for v in nodes})
    if len(labels) < 2:
        raise ValueError(f"E-I index needs at least 2 groups among retained nodes, got {labels!r}")
    code = {lab: i for i, lab in enumerate(labels)}
    pos = {v: i for i, v in enumerate(nodes)}
    codes = np.array([code[groups[v]] for v in nodes])
    edges = np.array([(pos[u], pos[v]) for u, v in H.edges()], dtype=int).reshape(-1, 2)
    if len(edges) == 0:
        raise ValueError("no ties among grouped nodes: E-I index undefined (E + I = 0)")
    return codes, edges


def _ei_from_codes(codes, edges):
    """E-I for one or many label vectors (codes shape (n,) or (n_perm, n)); vectorised."""
    E = (codes[..., edges[:, 0]] != codes[..., edges[:, 1]]).sum(axis=-1)
    m = len(edges)
    return (2 * E - m) / m  # (E - I)/(E + I) with I = m - E


def _ei_statistic(codes, edges):
    """E-I as a function of label rows (..., n). Two groups: with x the 0/1 indicator of group 1,
    E = x . deg - x' A x (ties leaving group 1), one matrix product for a whole batch of
    labellings; more groups: compare the codes at both ends of every tie."""
    if codes.max() > 1:
        return lambda c: _ei_from_codes(c, edges)
    n, m = len(codes), len(edges)
    A = np.zeros((n, n))
    A[edges[:, 0], edges[:, 1]] = A[edges[:, 1], edges[:, 0]] = 1.0
    deg = A.sum(axis=1)

    def ei(c):
        x = np.asarray(c, dtype=float)
        ext = x @ deg - ((x @ A) * x).sum(axis=-1)
        return (2 * np.rint(ext) - m) / m

    return ei


def ei_index(G, groups) -> float:
    """Krackhardt-Stern E-I index (E - I)/(E + I), in [-1, 1].

    E = ties between groups, I = ties within groups, each undirected tie counted once
    (a reciprocated pair of arcs is one tie). -1 = all ties internal, +1 = all external.
    ``groups``: node-attribute name or mapping node -> label (unmapped nodes dropped).
    Krackhardt & Stern (1988), Social Psychology Quarterly 51(2), 123-140.
    """
    return float(_ei_from_codes(*_ei_arrays(G, groups)))


def boundary_share(G, groups) -> float:
    """Share of ties crossing a group boundary, E/(E + I) = (1 + EI)/2; same conventions as ei_index."""
    codes, edges = _ei_arrays(G, groups)
    return float((codes[edges[:, 0]] != codes[edges[:, 1]]).mean())


def ei_permutation_test(G, groups, n_perm: int = 2000, seed: int = 0,
                        max_exact: int = stats.MAX_EXACT) -> dict:
    """Label-shuffle test of the E-I index: labels permuted across nodes, graph and group sizes fixed.

    Exact (every distinct labelling) when there are at most ``max_exact`` of them, otherwise
    ``n_perm`` random labellings; p-values two-sided with scipy's conventions
    (:func:`analysis.stats.label_permutation_test`). Returns that function's dict plus
    ``expected_mean`` (= null_mean) and ``n_perm`` (the size of the null actually used).
    Krackhardt & Stern (1988).
    """
    codes, edges = _ei_arrays(G, groups)
    res = stats.label_permutation_test(_ei_statistic(codes, edges), codes, n_resamples=n_perm,
                                       seed=seed, max_exact=max_exact)
    return {**res, "expected_mean": res["null_mean"], "n_perm": res["n_resamples"]}


def _ei_from_edge_sets(codes, E):
    """E-I for fixed labels and many edge lists E of shape (R, m, 2)."""
    m = E.shape[1]
    ext = (codes[E[..., 0]] != codes[E[..., 1]]).sum(axis=-1)
    return (2 * ext - m) / m


def _rewire_many(problems, n_chains, attempts_per_tie, seed, trace_points):
    """Degree-preserving double-edge swaps for several (codes, edges) problems at once.

    Every problem gets ``n_chains`` chains and ``attempts_per_tie * m`` attempts; all chains of
    all problems advance together in flat numpy arrays (one Python step for all of them). Each
    problem draws from its own ``default_rng(seed)``, one (steps, 3, chains) block at a time, so
    its result does not depend on which other problems share the batch.
    """
    if not problems:
        return []
    R = n_chains
    ms = np.array([len(e) for _, e in problems])
    ns = np.array([len(c) for c, _ in problems])
    reps = np.repeat(np.arange(len(problems)), R)            # problem of each chain
    m_r, n_r = ms[reps].astype(np.int32), ns[reps].astype(np.int32)
    base_e = np.concatenate([[0], np.cumsum(m_r)[:-1]]).astype(np.int32)  # chain offsets, edges
    base_a = np.concatenate([[0], np.cumsum(n_r * n_r)[:-1]]).astype(np.int32)  # and adjacency
    src = np.concatenate([np.tile(e[:, 0], R) for _, e in problems]).astype(np.int32)
    dst = np.concatenate([np.tile(e[:, 1], R) for _, e in problems]).astype(np.int32)
    A = np.zeros(int((n_r * n_r).sum()), dtype=bool)
    chain_of_edge = np.repeat(np.arange(len(reps)), m_r)
    off, nn = base_a[chain_of_edge], n_r[chain_of_edge]
    A[off + src * nn + dst] = True
    A[off + dst * nn + src] = True
    n_att = attempts_per_tie * ms
    limit = n_att[reps]
    rngs = [np.random.default_rng(seed) for _ in problems]
    marks = [set(np.unique(np.linspace(0, k, trace_points + 1).round().astype(int)).tolist()) for k in n_att]
    traces = [[] for _ in problems]
    accepted = np.zeros(len(problems), dtype=np.int64)
    first = [slice(g * R, (g + 1) * R) for g in range(len(problems))]
    edge_first = [slice(int(base_e[g * R]), int(base_e[g * R]) + R * ms[g]) for g in range(len(problems))]
    observed = [np.zeros((n, n), dtype=bool) for n in ns]
    for g, (_, e) in enumerate(problems):
        observed[g][e[:, 0], e[:, 1]] = observed[g][e[:, 1], e[:, 0]] = True

    def edge_sets(g):
        sl = edge_first[g]
        return np.stack([src[sl].reshape(R, ms[g]), dst[sl].reshape(R, ms[g])], axis=-1)

    def record(g, step):
        E = edge_sets(g)
        ei = _ei_from_edge_sets(problems[g][0], E)
        kept = observed[g][E[..., 0], E[..., 1]].mean(axis=1)
        traces[g].append({"attempts_per_tie": step / ms[g], "ei_mean": float(ei.mean()),
                          "ei_low": float(np.percentile(ei, 2.5)),
                          "ei_high": float(np.percentile(ei, 97.5)), "ties_kept": float(kept.mean())})

    for g in range(len(problems)):
        record(g, 0)
    total, block = int(n_att.max()), 256
    for start in range(1, total + 1, block):
        size = min(block, total + 1 - start)
        U = np.concatenate([rng.random((size, 3, R)) for rng in rngs], axis=2)
        live = np.flatnonzero(limit >= start)  # chains of finished problems drop out
        lm, lbe, lba, ln, lrep, llim = m_r[live], base_e[live], base_a[live], n_r[live], reps[live], limit[live]
        I = (U[:, 0, live] * lm).astype(np.int32) + lbe
        J = (U[:, 1, live] * lm).astype(np.int32) + lbe
        F = U[:, 2, live] < 0.5
        for t in range(size):
            step = start + t
            i, j, flip = I[t], J[t], F[t]
            a, b = src[i], dst[i]
            c = np.where(flip, dst[j], src[j])
            d = np.where(flip, src[j], dst[j])
            ok = ((i != j) & (a != d) & (c != b) & (step <= llim)
                  & ~A[lba + a * ln + d] & ~A[lba + c * ln + b])
            if ok.any():
                a, b, c, d, i, j = a[ok], b[ok], c[ok], d[ok], i[ok], j[ok]
                # cells of the four old (a-b, c-d) and four new (a-d, c-b) directed entries
                cells = lba[ok] + np.stack([a, b, c, d, a, d, c, b]) * ln[ok] + np.stack(
                    [b, a, d, c, d, a, b, c])
                A[cells[:4]] = False
                A[cells[4:]] = True
                src[i], dst[i], src[j], dst[j] = a, d, c, b
                accepted += np.bincount(lrep[ok], minlength=len(problems))
            for g in range(len(problems)):
                if step in marks[g]:
                    record(g, step)
    out = []
    for g, (codes, edges) in enumerate(problems):
        E = edge_sets(g)
        out.append({"null": _ei_from_edge_sets(codes, E), "edges": E, "trace": pd.DataFrame(traces[g]),
                    "acceptance": accepted[g] / (n_att[g] * R), "n_attempts": int(n_att[g])})
    return out


def _degree_result(codes, edges, res, n_chains, attempts_per_tie, seed, nodes):
    null = res["null"]
    obs = float(_ei_from_codes(codes, edges))
    return {
        "observed": obs, "null": null, "null_mean": float(null.mean()),
        "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
        "p_value": stats.pvalue_from_null(null, obs, exact=False),
        "p_interval": stats.mc_pvalue_interval(null, obs),
        "p_min": stats.smallest_attainable_p(null, exact=False, observed=obs),
        "n_chains": n_chains, "attempts_per_tie": attempts_per_tie, "n_attempts": res["n_attempts"],
        "acceptance": res["acceptance"], "seed": seed, "trace": res["trace"],
        "nodes": nodes, "edges": res["edges"],
    }


def degree_preserving_nulls(items, n_chains: int = 300, attempts_per_tie: int = 20,
                            seed: int = 0, trace_points: int = 20, shortcut: bool = True) -> list:
    """:func:`degree_preserving_null` for several (G, groups) pairs in one vectorised run.

    Each result is the one :func:`degree_preserving_null` gives for that pair alone. With
    ``shortcut``, a pair whose E-I index no rewiring can change (:func:`_ei_fixed_by_degrees`)
    gets its point-mass null directly (edges None, empty trace, acceptance NaN).
    """
    if n_chains < 1 or attempts_per_tie < 1:
        raise ValueError(f"n_chains and attempts_per_tie must be >= 1, got {n_chains}, {attempts_per_tie}")
    items = list(items)
    problems = [_ei_arrays(G, groups) for G, groups in items]
    fixed = [shortcut and _ei_fixed_by_degrees(c, e) for c, e in problems]
    runs = iter(_rewire_many([p for p, f in zip(problems, fixed) if not f], n_chains,
                             attempts_per_tie, seed, trace_points))
    out = []
    for (G, groups), (c, e), f in zip(items, problems, fixed):
        if f:  # every rewiring has the observed E-I: no need to run the chains
            obs = float(_ei_from_codes(c, e))
            run = {"null": np.full(n_chains, obs), "edges": None, "acceptance": np.nan,
                   "n_attempts": 0, "trace": pd.DataFrame(columns=["attempts_per_tie", "ei_mean",
                                                                   "ei_low", "ei_high", "ties_kept"])}
        else:
            run = next(runs)
        out.append(_degree_result(c, e, run, n_chains, attempts_per_tie, seed,
                                  _sorted(undirected(G).subgraph(_groups_map(G, groups)))))
    return out


def _ei_fixed_by_degrees(codes, edges) -> bool:
    """True when degree-preserving rewiring cannot change the E-I index (two groups only).

    E = (sum of the degrees in group g) - 2 x (ties inside g), for either group g. If g has
    fewer than two nodes with a tie, no tie can ever lie inside it, so E is fixed.
    """
    if codes.max() > 1:
        return False
    active = np.bincount(edges.ravel(), minlength=len(codes)) > 0
    return any(np.count_nonzero(active & (codes == g)) < 2 for g in (0, 1))


def degree_preserving_null(G, groups, n_chains: int = 300, attempts_per_tie: int = 20,
                           seed: int = 0, trace_points: int = 20, shortcut: bool = True) -> dict:
    """E-I index on graphs rewired by double-edge swaps that keep every node's degree.

    Works on the undirected simple graph among the grouped nodes (the graph the E-I index
    counts), so "degree" = number of distinct partners among retained nodes; labels stay put.
    ``n_chains`` independent chains start at the observed graph; each makes
    ``attempts_per_tie * m`` swap attempts (m = ties): pick two ties a-b, c-d at random and one of
    the two rewirings (a-d, c-b), rejecting it if it would create a self-loop or a double tie.
    This chain is uniform over simple graphs with the degree sequence (Taylor 1981; Maslov &
    Sneppen 2002). All chains advance together in numpy arrays.

    Returns observed, null (one E-I per chain), null_mean, ci_low/ci_high (2.5/97.5
    percentiles), p_value (two-sided Monte Carlo, :func:`analysis.stats.pvalue_from_null`),
    p_interval, p_min, n_chains, attempts_per_tie, n_attempts, acceptance (share of attempts
    that swapped), seed, nodes and edges (the final edge lists, (n_chains, m, 2) indices into
    nodes), and ``trace``: a DataFrame (attempts_per_tie, ei_mean, ei_low, ei_high, ties_kept)
    of the chains' state at ``trace_points`` checkpoints, to show the chains mix (ties_kept =
    mean share of the observed ties still present).
    """
    return degree_preserving_nulls([(G, groups)], n_chains=n_chains, attempts_per_tie=attempts_per_tie,
                                   seed=seed, trace_points=trace_points, shortcut=shortcut)[0]


def expected_ei_random(n_by_group: Mapping) -> float:
    """E-I of the complete graph on the given group sizes (Krackhardt & Stern's baseline).

    E_max = sum_{g<h} n_g n_h, I_max = sum_g n_g(n_g-1)/2, value (E_max - I_max)/(E_max + I_max).
    Shows that E-I depends on group sizes: two groups of 5 give 25 vs 20 -> 1/9, not 0.
    It is also the exact mean of ei_permutation_test's null for *any* graph with these
    group sizes (a random tie is external with probability E_max/(E_max + I_max)).
    """
    sizes = np.array(list(n_by_group.values()), dtype=float)
    if len(sizes) < 2:
        raise ValueError(f"need at least 2 groups, got {len(sizes)}")
    if (sizes < 0).any() or (sizes != np.round(sizes)).any():
        raise ValueError(f"group sizes must be non-negative integers, got {dict(n_by_group)}")
    total = sizes.sum()
    e_max = (total ** 2 - (sizes ** 2).sum()) / 2
    i_max = (sizes * (sizes - 1) / 2).sum()
    if e_max + i_max == 0:
        raise ValueError("group sizes allow no ties")
    return float((e_max - i_max) / (e_max + i_max))


# ---------------------------------------------------------------- tables
def summary_table(graphs: Mapping, groups_by_name: Mapping | None = None) -> pd.DataFrame:
    """One row per network. ``arcs`` counts G as given (reported arcs for directed graphs);
    every other column is on the undirected simple version (:func:`undirected`): ties,
    isolates, density (of ties), centralisation, clustering (average local), transitivity
    (global), components; then excluded (nodes with no group), ei_index and boundary_share
    (NaN when groups_by_name is None).

    Floats are rounded to 3 decimals so committed notebook outputs carry no float noise.
    """
    rows = []
    for name, G in graphs.items():
        H = undirected(G)
        row = {"network": name, "nodes": G.number_of_nodes(), "arcs": G.number_of_edges(),
               "ties": H.number_of_edges(), "isolates": nx.number_of_isolates(H),
               "density": density(H), "centralisation": degree_centralisation(H),
               "clustering": clustering(H), "transitivity": transitivity(H),
               "components": components(H), "excluded": 0,
               "ei_index": np.nan, "boundary_share": np.nan}
        if groups_by_name is not None:
            if name not in groups_by_name:
                raise ValueError(f"groups_by_name has no entry for network {name!r}")
            grp = groups_by_name[name]
            if isinstance(grp, Mapping):
                row["excluded"] = sum(v not in grp for v in G)
            row["ei_index"], row["boundary_share"] = ei_index(G, grp), boundary_share(G, grp)
        rows.append(row)
    return pd.DataFrame(rows).round(3)


def layout(G, seed: int = 0, decimals: int = 4) -> pd.DataFrame:
    """Spring (Fruchterman-Reingold) layout of the undirected simple version, nodes in label order.

    Deterministic: start positions drawn from ``default_rng(seed)`` (networkx's own seed
    wants a legacy RandomState), coordinates rounded to ``decimals`` (-0.0 normalised).
    Columns node, x, y. Fruchterman & Reingold (1991), Softw. Pract. Exp. 21, 1129-1164.
    """
    H = undirected(G)
    nodes = list(H)
    start = np.random.default_rng(seed).random((len(nodes), 2))
    pos = nx.spring_layout(H, pos=dict(zip(nodes, start)), weight=None, seed=seed)
    xy = np.round(np.array([pos[v] for v in nodes], dtype=float).reshape(-1, 2), decimals) + 0.0
    return pd.DataFrame({"node": nodes, "x": xy[:, 0], "y": xy[:, 1]})


def _pos_lookup(G, pos_df):
    if not {"node", "x", "y"} <= set(pos_df.columns):
        raise ValueError(f"pos_df needs columns node, x, y; got {list(pos_df.columns)}")
    pos = {r.node: (r.x, r.y) for r in pos_df.itertuples(index=False)}
    missing = [v for v in G if v not in pos]
    if missing:
        raise ValueError(f"pos_df has no coordinates for nodes {missing[:5]!r}")
    return pos


def edge_table(G, pos_df: pd.DataFrame, attrs=()) -> pd.DataFrame:
    """Edges of G as given, columns source, target, x, y, x2, y2 (+ edge attrs), in label order.

    Arcs keep their direction; undirected edges are written with source <= target by label.
    """
    _check(G)
    pos = _pos_lookup(G, pos_df)
    rank = {v: i for i, v in enumerate(_sorted(G))}
    rows = []
    for u, v, d in G.edges(data=True):
        if not G.is_directed() and rank[u] > rank[v]:
            u, v = v, u
        row = {"source": u, "target": v, "x": pos[u][0], "y": pos[u][1], "x2": pos[v][0], "y2": pos[v][1]}
        for a in attrs:
            if a not in d:
                raise ValueError(f"edge {u!r}->{v!r} has no attribute {a!r}")
            row[a] = d[a]
        rows.append(row)
    cols = ["source", "target", "x", "y", "x2", "y2", *attrs]
    rows.sort(key=lambda r: (rank[r["source"]], rank[r["target"]]))
    return pd.DataFrame(rows, columns=cols)


def node_table(G, pos_df: pd.DataFrame, attrs=()) -> pd.DataFrame:
    """Columns node, x, y, degree (distinct partners, undirected simple version) + node attrs."""
    pos = _pos_lookup(G, pos_df)
    H = undirected(G)
    rows = [{"node": v, "x": pos[v][0], "y": pos[v][1], "degree": H.degree(v),
             **{a: _node_attr(G, v, a) for a in attrs}} for v in H]
    return pd.DataFrame(rows, columns=["node", "x", "y", "degree", *attrs])


# ---------------------------------------------------------------- chapter helpers
#: Drabek's location codes in words (the chart legends and tables use these).
LOCATION_WORDS = {"L": "local", "NL": "non-local", "B": "both"}

_INTERNAL, _CHANCE, _EXTERNAL, _CANNOT = ("more internal than chance", "within chance range",
                                         "more external than chance", "test cannot reject")
_UNDECIDED = "undecided at this Monte Carlo size"
_LABEL_ONLY = "internal under label shuffle only"
_VERDICTS = (_INTERNAL, _CHANCE, _EXTERNAL, _CANNOT, _UNDECIDED, _LABEL_ONLY)
#: Test level for the verdicts.
ALPHA = 0.05


def _verdict(observed, null_mean, p_value, p_min, p_interval=None, alpha=ALPHA) -> str:
    """Verdict of one test: "test cannot reject" when even the most extreme outcome in the null's
    support would have p > alpha; internal/external when p <= alpha, else chance range. For a
    Monte Carlo p-value whose interval (``p_interval``) straddles alpha, more draws could flip
    the call, so the verdict is "undecided at this Monte Carlo size"."""
    low, high = p_interval if p_interval is not None else (p_value, p_value)
    if p_min > alpha and low > alpha:
        return _CANNOT
    if low <= alpha < high:
        return _UNDECIDED
    if p_value <= alpha:
        return _INTERNAL if observed < null_mean else _EXTERNAL
    return _CHANCE


def readable_name(node) -> str:
    """Display label for an R-style node id: ``"Lewis.County.Sheriff.s.Department"`` ->
    ``"Lewis County Sheriff's Department"``.

    R's ``make.names`` turned spaces and punctuation into dots; this turns a lone ``s`` between
    dots back into a possessive and every run of dots into one space. Only for display: the
    original id stays the node key (punctuation such as brackets cannot be recovered).
    """
    import re

    text = re.sub(r"(?<=[A-Za-z])\.s(?=\.|$)", "'s", str(node))
    return re.sub(r"\s+", " ", text.replace(".", " ")).strip()


def layout_isolates_apart(G, seed: int = 0, decimals: int = 4) -> pd.DataFrame:
    """:func:`layout` of the nodes that have ties, with isolates set apart on a row below.

    A spring layout pushes isolates far out and squeezes the rest of the drawing; here the
    isolates (no tie in the undirected simple version) are spaced evenly, in label order,
    across the width of the drawing, a quarter of its extent below its lowest node. Same
    columns, order and rounding as :func:`layout`; identical to it when there is no isolate.
    """
    H = undirected(G)
    iso = [v for v in H if H.degree(v) == 0]
    if not iso or len(iso) == H.number_of_nodes():
        return layout(G, seed=seed, decimals=decimals)
    pos = layout(H.subgraph([v for v in H if v not in set(iso)]), seed=seed, decimals=decimals)
    xmin, xmax, ymin = pos["x"].min(), pos["x"].max(), pos["y"].min()
    span = max(xmax - xmin, pos["y"].max() - ymin, 1e-9)
    xs = np.linspace(xmin, xmax, len(iso)) if len(iso) > 1 else np.array([(xmin + xmax) / 2])
    apart = pd.DataFrame({"node": iso, "x": np.round(xs, decimals) + 0.0,
                          "y": np.round(ymin - span / 4, decimals) + 0.0})
    order = {v: i for i, v in enumerate(H)}
    out = pd.concat([pos, apart], ignore_index=True)
    return out.sort_values("node", key=lambda c: c.map(order)).reset_index(drop=True)


def drawing_tables(G, seed: int = 0, attrs=(), location_attr: str | None = None,
                   isolates_apart: bool = False):
    """Node and edge tables for ``charts.network_chart``: ``(nodes, edges)``.

    Positions from :func:`layout` (seeded, rounded), or from :func:`layout_isolates_apart` when
    ``isolates_apart``; edges are the ties of the undirected simple version (one line per tie,
    as counted by the E-I index). ``nodes`` has columns node, x, y, degree, label
    (:func:`readable_name`), the requested ``attrs`` and, when ``location_attr`` is given,
    ``location`` = that attribute in words (:data:`LOCATION_WORDS`).
    """
    pos = (layout_isolates_apart if isolates_apart else layout)(G, seed=seed)
    H = undirected(G)
    nodes = node_table(G, pos, attrs=attrs)
    nodes.insert(4, "label", [readable_name(v) for v in nodes["node"]])
    if location_attr is not None:
        codes = [_node_attr(G, v, location_attr) for v in nodes["node"]]
        unknown = sorted({c for c in codes if c not in LOCATION_WORDS}, key=str)
        if unknown:
            raise ValueError(f"unexpected {location_attr!r} values {unknown!r}; "
                             f"expected {sorted(LOCATION_WORDS)}")
        nodes["location"] = [LOCATION_WORDS[c] for c in codes]
    return nodes, edge_table(H, pos)


def location_ei_table(graphs: Mapping, attr: str = "Location", both: str = "exclude",
                      n_perm: int = 2000, seed: int = 0, n_chains: int = 300,
                      attempts_per_tie: int = 20, max_exact: int = stats.MAX_EXACT) -> pd.DataFrame:
    """E-I index of the local / non-local partition per network, under two nulls.

    Everything is on the undirected simple graph among the organisations the ``both`` policy
    keeps (:func:`local_partition`). One row per network: network, policy, n_local, n_nonlocal,
    n_excluded, ties, external, internal, ei_index, boundary_share, expected_random
    (:func:`expected_ei_random`); the **label shuffle** (:func:`ei_permutation_test`): exact,
    n_labelings, null_mean, ci_low, ci_high, p_value, p_min (smallest attainable p),
    verdict_label; the **degree-preserving null** (:func:`degree_preserving_null`): deg_null_mean,
    deg_ci_low, deg_ci_high, deg_p_value, deg_p_low, deg_p_high (its Monte Carlo
    interval), deg_p_min, verdict_degree; and ``verdict``: "more
    internal than chance" only when both nulls say so, "internal under label shuffle only" when
    only the shuffle does, otherwise the label-shuffle verdict. Per-test verdicts (level
    :data:`ALPHA`, two-sided): "test cannot reject" if p_min > ALPHA; "undecided at this Monte
    Carlo size" if the p-value's Monte Carlo interval straddles ALPHA; else internal/external if
    p <= ALPHA (side = observed below/above the null mean), else "within chance range".
    One group only, or no ties: NaN measures, verdict "undefined", reason in ``note``.
    Floats rounded to 3 decimals, p-values to 4 (smallest attainable p to 6).
    """
    return location_ei_tables(graphs, policies=(both,), attr=attr, n_perm=n_perm, seed=seed,
                              n_chains=n_chains, attempts_per_tie=attempts_per_tie,
                              max_exact=max_exact)[both]


def location_ei_tables(graphs: Mapping, policies=("exclude", "local"), attr: str = "Location",
                       n_perm: int = 2000, seed: int = 0, n_chains: int = 300,
                       attempts_per_tie: int = 20, max_exact: int = stats.MAX_EXACT,
                       with_traces: bool = False):
    """:func:`location_ei_table` for several ``both`` policies: {policy: table}, each identical
    to the single-policy call. A network whose partition is the same under two policies (no
    "both" organisation) is tested once, and all degree-preserving nulls run in one batch.
    With ``with_traces``, also returns {policy: {network: mixing trace of its degree-preserving
    null}} (see :func:`degree_preserving_null`)."""
    rows, todo = [], []  # todo: testable (network, policy) rows
    for both in policies:
        for name, G in graphs.items():
            rows.append(_ei_row(name, G, both, attr, todo, len(rows)))
    unique = {}  # (network, partition) -> index of its first occurrence in todo
    for t, (_, name, G, part) in enumerate(todo):
        unique.setdefault((name, tuple(sorted(part.items(), key=str))), t)
    firsts = sorted(set(unique.values()))
    degs = dict(zip(firsts, degree_preserving_nulls([(todo[t][2], todo[t][3]) for t in firsts],
                                                    n_chains=n_chains, attempts_per_tie=attempts_per_tie,
                                                    seed=seed)))
    labs = {t: ei_permutation_test(todo[t][2], todo[t][3], n_perm=n_perm, seed=seed, max_exact=max_exact)
            for t in firsts}
    traces = {both: {} for both in policies}
    for k, name, G, part in todo:
        t = unique[(name, tuple(sorted(part.items(), key=str)))]
        _fill_ei_row(rows[k], G, part, labs[t], degs[t])
        traces[rows[k]["policy"]][name] = degs[t]["trace"]
    out = {}
    for both in policies:
        tab = pd.DataFrame([r for r in rows if r["policy"] == both])
        tab[["external", "internal", "n_labelings"]] = tab[["external", "internal", "n_labelings"]].astype("Int64")
        tab["exact"] = tab["exact"].astype("boolean")
        floats = ["ei_index", "boundary_share", "expected_random", "null_mean", "ci_low", "ci_high",
                  "deg_null_mean", "deg_ci_low", "deg_ci_high"]
        tab[floats] = tab[floats].round(3)
        tab[["p_value", "deg_p_value", "deg_p_low", "deg_p_high"]] = tab[
            ["p_value", "deg_p_value", "deg_p_low", "deg_p_high"]].round(4)
        tab[["p_min", "deg_p_min"]] = tab[["p_min", "deg_p_min"]].round(6)  # can be ~1e-5
        out[both] = tab
    return (out, traces) if with_traces else out


def _ei_row(name, G, both, attr, todo, k):
    """The table row of one network and policy; testable rows are queued in ``todo``."""
    part = local_partition(G, attr=attr, both=both)
    H = undirected(G).subgraph(part)
    n_loc = sum(g == "local" for g in part.values())
    row = {"network": name, "policy": both, "n_local": n_loc,
           "n_nonlocal": len(part) - n_loc, "n_excluded": G.number_of_nodes() - len(part),
           "ties": H.number_of_edges(), "external": np.nan, "internal": np.nan,
           "ei_index": np.nan, "boundary_share": np.nan, "expected_random": np.nan,
           "exact": pd.NA, "n_labelings": pd.NA, "null_mean": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "p_value": np.nan, "p_min": np.nan, "verdict_label": "undefined",
           "deg_null_mean": np.nan, "deg_ci_low": np.nan, "deg_ci_high": np.nan,
           "deg_p_value": np.nan, "deg_p_low": np.nan, "deg_p_high": np.nan, "deg_p_min": np.nan,
           "verdict_degree": "undefined",
           "verdict": "undefined", "note": ""}
    if n_loc == 0 or n_loc == len(part):
        only = "local" if n_loc else "non-local"
        row["note"] = f"all retained organisations are {only}: E-I undefined"
    elif H.number_of_edges() == 0:
        row["note"] = "no ties among retained organisations: E-I undefined"
    else:
        todo.append((k, name, G, part))
    return row


def two_null_verdicts(lab: dict, deg: dict) -> dict:
    """Verdicts of a label-shuffle test ``lab`` and a degree-preserving test ``deg`` of one E-I
    index: verdict_label, verdict_degree and the combined ``verdict`` ("more internal than
    chance" only when both nulls say so, "internal under label shuffle only" when only the
    shuffle does, otherwise the label-shuffle verdict). See :func:`_verdict` for one test."""
    v_lab = _verdict(lab["observed"], lab["null_mean"], lab["p_value"], lab["p_min"], lab["p_interval"])
    v_deg = _verdict(deg["observed"], deg["null_mean"], deg["p_value"], deg["p_min"], deg["p_interval"])
    combined = (_INTERNAL if v_lab == _INTERNAL and v_deg == _INTERNAL
                else _LABEL_ONLY if v_lab == _INTERNAL else v_lab)
    return {"verdict_label": v_lab, "verdict_degree": v_deg, "verdict": combined}


def ei_two_nulls(G, groups, n_perm: int = 2000, seed: int = 0, n_chains: int = 300,
                 attempts_per_tie: int = 20, max_exact: int = stats.MAX_EXACT) -> dict:
    """The E-I index of ``groups`` in ``G`` judged against both nulls, as in :func:`location_ei_table`.

    Returns ``label`` (:func:`ei_permutation_test`), ``degree`` (:func:`degree_preserving_null`)
    and their verdicts (:func:`two_null_verdicts`). Same seed for both, as in the table.
    """
    lab = ei_permutation_test(G, groups, n_perm=n_perm, seed=seed, max_exact=max_exact)
    deg = degree_preserving_null(G, groups, n_chains=n_chains, attempts_per_tie=attempts_per_tie, seed=seed)
    return {"label": lab, "degree": deg, **two_null_verdicts(lab, deg)}


def _fill_ei_row(row, G, part, lab, deg):
    H = undirected(G).subgraph(part)
    ext = sum(part[u] != part[v] for u, v in H.edges())
    v = two_null_verdicts(lab, deg)
    v_lab, v_deg, combined = v["verdict_label"], v["verdict_degree"], v["verdict"]
    row.update(external=ext, internal=row["ties"] - ext, ei_index=lab["observed"],
               boundary_share=ext / row["ties"],
               expected_random=expected_ei_random({"local": row["n_local"], "non-local": row["n_nonlocal"]}),
               exact=lab["exact"], n_labelings=lab["n_labelings"],
               null_mean=lab["null_mean"], ci_low=lab["ci_low"], ci_high=lab["ci_high"],
               p_value=lab["p_value"], p_min=lab["p_min"], verdict_label=v_lab,
               deg_null_mean=deg["null_mean"], deg_ci_low=deg["ci_low"],
               deg_ci_high=deg["ci_high"], deg_p_value=deg["p_value"],
               deg_p_low=deg["p_interval"][0], deg_p_high=deg["p_interval"][1],
               deg_p_min=deg["p_min"], verdict_degree=v_deg, verdict=combined)


def policy_cost_table(graphs: Mapping, attr: str = "Location") -> pd.DataFrame:
    """What each policy for "both" organisations drops, per network (undirected simple ties).

    One row per network and policy ("exclude", "local", "nonlocal"): network, policy, nodes,
    ties (whole network), nodes_dropped, ties_dropped (ties with an excluded end),
    share_ties_dropped, and isolated (retained organisations left with no tie among retained
    ones: they still take part in the label shuffle). Assigning policies drop nothing.
    """
    rows = []
    for name, G in graphs.items():
        H = undirected(G)
        for both in ("exclude", "local", "nonlocal"):
            part = local_partition(G, attr=attr, both=both)
            kept = H.subgraph(part)
            m = H.number_of_edges()
            dropped = m - kept.number_of_edges()
            rows.append({"network": name, "policy": both, "nodes": H.number_of_nodes(), "ties": m,
                         "nodes_dropped": H.number_of_nodes() - len(part), "ties_dropped": dropped,
                         "share_ties_dropped": round(dropped / m, 3) if m else np.nan,
                         "isolated": nx.number_of_isolates(kept)})
    return pd.DataFrame(rows)


def broker_table(graphs: Mapping, k: int = 1, attrs=()) -> pd.DataFrame:
    """The organisations ranked 1..k by betweenness in each network, ties shown.

    Columns network, rank, tied, node, label, betweenness (+ attrs). Betweenness is normalised
    and computed on the undirected simple version of each graph (a contact counts whichever
    side reported it), ranked by :func:`brokerage_top`, so two organisations tied for first are
    both rank 1 with ``tied`` True; rounded to 3 decimals. ``label`` is :func:`readable_name`.
    """
    rows = []
    for name, G in graphs.items():
        top = brokerage_top(undirected(G), k=k)
        for r in top.itertuples(index=False):
            rows.append({"network": name, "rank": r.rank, "tied": bool(r.tied), "node": r.node,
                         "label": readable_name(r.node), "betweenness": round(r.betweenness, 3),
                         **{a: _node_attr(G, r.node, a) for a in attrs}})
    return pd.DataFrame(rows, columns=["network", "rank", "tied", "node", "label", "betweenness", *attrs])


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


def networks_with_verdict(table: pd.DataFrame, verdict: str, column: str = "verdict") -> list:
    """Names of the networks in a :func:`location_ei_table` whose ``column`` is ``verdict``, in table order."""
    allowed = {*_VERDICTS, "undefined"}
    if verdict not in allowed:
        raise ValueError(f"verdict must be one of {sorted(allowed)}, got {verdict!r}")
    if column not in ("verdict", "verdict_label", "verdict_degree"):
        raise ValueError(f"column must be verdict, verdict_label or verdict_degree, got {column!r}")
    return table.loc[table[column] == verdict, "network"].tolist()


def verdict_names(table: pd.DataFrame, verdict: str, column: str = "verdict") -> str:
    """'A, B' for the networks of ``table`` with this verdict (table order), 'none' if there are none."""
    return ", ".join(networks_with_verdict(table, verdict, column=column)) or "none"


def _key(name: str) -> str:
    return name.lower().replace(" ", "_")


def ei_prose_values(main: pd.DataFrame, alt: pd.DataFrame, quoted: Mapping | None = None) -> dict:
    """The numbers and names the chapter's prose quotes from two :func:`location_ei_table` tables
    (``main`` and ``alt`` policy), by the names it glues them under.

    For each tag t in (main, alt): n_internal_t / internal_t_names (combined verdict "more
    internal than chance"), n_label_internal_t / label_internal_t_names (label shuffle),
    n_label_only_t / label_only_t_names, chance_t_names, cannot_label_t_names,
    cannot_degree_t_names and n_negative_t. Over the main table's testable networks: n_defined,
    undefined_names, n_excluded_b, n_nets_with_b, n_exact_main, max_labelings_main. Across
    policies: changed_names / n_changed (combined verdict differs), robust_names / n_robust
    (internal under both nulls and both policies). ``quoted`` maps (network, tag) to columns
    whose cells are returned as '<network>_<tag>_<column>' (ints for 'n_*' columns).
    """
    out: dict = {}
    defined = main[main["verdict"] != "undefined"]
    out.update(n_defined=len(defined), undefined_names=verdict_names(main, "undefined"),
               n_excluded_b=int(main["n_excluded"].sum()), n_nets_with_b=int((main["n_excluded"] > 0).sum()),
               n_exact_main=int(defined["exact"].sum()), max_labelings_main=int(defined["n_labelings"].max()))
    for tag, table in (("main", main), ("alt", alt)):
        out[f"n_internal_{tag}"] = int((table["verdict"] == _INTERNAL).sum())
        out[f"internal_{tag}_names"] = verdict_names(table, _INTERNAL)
        out[f"n_label_internal_{tag}"] = int((table["verdict_label"] == _INTERNAL).sum())
        out[f"label_internal_{tag}_names"] = verdict_names(table, _INTERNAL, "verdict_label")
        out[f"label_only_{tag}_names"] = verdict_names(table, _LABEL_ONLY)
        out[f"n_label_only_{tag}"] = int((table["verdict"] == _LABEL_ONLY).sum())
        out[f"chance_{tag}_names"] = verdict_names(table, _CHANCE)
        out[f"cannot_label_{tag}_names"] = verdict_names(table, _CANNOT, "verdict_label")
        out[f"cannot_degree_{tag}_names"] = verdict_names(table, _CANNOT, "verdict_degree")
        out[f"n_negative_{tag}"] = int((table["ei_index"] < 0).sum())
    both = main.merge(alt, on="network", suffixes=("_main", "_alt"))
    changed = both.loc[both["verdict_main"] != both["verdict_alt"], "network"]
    robust = [n for n in networks_with_verdict(main, _INTERNAL) if n in set(networks_with_verdict(alt, _INTERNAL))]
    out.update(changed_names=", ".join(changed) or "none", n_changed=len(changed),
               robust_names=", ".join(sorted(robust)) or "none", n_robust=len(robust))
    rows = {"main": main.set_index("network"), "alt": alt.set_index("network")}
    for (name, tag), cols in (quoted or {}).items():
        for col in cols:
            v = rows[tag].loc[name, col]
            out[f"{_key(name)}_{tag}_{col}"] = int(v) if col.startswith("n_") else float(v)
    return out
