"""Pure network measures: structure, the E-I index and tidy tables of a graph.

The two null models of the E-I index are in :mod:`analysis.measures.nulls`, Gould-Fernandez
brokerage in :mod:`analysis.measures.brokerage`, the chapters' verdict tables and prose values
in :mod:`analysis.measures.network_tables`.

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

__all__ = [
    "undirected", "density", "degree_centralisation", "clustering", "components",
    "betweenness", "brokerage_top", "local_partition", "ei_index", "boundary_share",
    "expected_ei_random", "summary_table", "layout", "edge_table", "node_table", "transitivity",
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
