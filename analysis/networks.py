"""Pure network measures for the chapter on inter-firm networking and collective learning.

No I/O, no plotting. Every function takes a networkx graph (directed or not) and returns
a number, a dict or a tidy DataFrame. Random functions take ``seed`` and use
``numpy.random.default_rng(seed)``. Tables are sorted by node label so outputs are stable.

Convention: "ties" are counted on the *undirected simple version* of G (direction dropped,
reciprocated arcs and parallel edges merged, self-loops removed), see :func:`undirected`.
"""
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "undirected", "density", "degree_centralisation", "clustering", "components",
    "betweenness", "brokerage_top", "local_partition", "ei_index", "boundary_share",
    "ei_permutation_test", "expected_ei_random", "summary_table", "layout",
    "edge_table", "node_table", "LOCATION_WORDS", "readable_name", "layout_isolates_apart", "drawing_tables",
    "location_ei_table", "broker_table", "networks_with_verdict",
]


# ---------------------------------------------------------------- helpers
def _check(G):
    if not isinstance(G, nx.Graph):
        raise ValueError(f"expected a networkx graph, got {type(G).__name__}")
    if G.number_of_nodes() == 0:
        raise ValueError("graph is empty (no nodes)")


def _sorted(nodes):
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
    """The k nodes with highest (normalised) betweenness; ties broken by node label.

    Values are compared after rounding to 12 decimals so float noise cannot reorder ties.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    bc = betweenness(G).reset_index()
    bc["_key"] = bc["betweenness"].round(12)
    top = bc.sort_values("_key", ascending=False, kind="mergesort").head(k)
    return top.drop(columns="_key").reset_index(drop=True)


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


def ei_permutation_test(G, groups, n_perm: int = 2000, seed: int = 0) -> dict:
    """Permutation test of the E-I index: shuffle labels across nodes, graph and group sizes fixed.

    p_value is two-sided with the +1 correction,
    (1 + #{|null - mean| >= |obs - mean|}) / (n_perm + 1), mean = mean of the null;
    ci_low/ci_high are its 2.5/97.5 percentiles. Cf. Krackhardt & Stern (1988);
    Phipson & Smyth (2010) for the +1 correction.
    """
    if n_perm < 1:
        raise ValueError(f"n_perm must be >= 1, got {n_perm}")
    codes, edges = _ei_arrays(G, groups)
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(codes, (n_perm, 1)), axis=1)
    null = _ei_from_codes(perms, edges)
    obs = float(_ei_from_codes(codes, edges))
    mean = float(null.mean())
    extreme = np.abs(null - mean) >= np.abs(obs - mean) - 1e-12
    return {
        "observed": obs, "expected_mean": mean,
        "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
        "p_value": float((1 + extreme.sum()) / (n_perm + 1)),
        "n_perm": int(n_perm), "seed": seed, "null": null,
    }


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
    """One row per network: nodes, ties (undirected), density (of G as given, so arcs for
    directed graphs), centralisation, clustering, components, excluded (nodes with no group),
    ei_index, boundary_share (NaN when groups_by_name is None).

    Floats are rounded to 3 decimals so committed notebook outputs carry no float noise.
    """
    rows = []
    for name, G in graphs.items():
        row = {"network": name, "nodes": G.number_of_nodes(),
               "ties": undirected(G).number_of_edges(), "density": density(G),
               "centralisation": degree_centralisation(G), "clustering": clustering(G),
               "components": components(G), "excluded": 0,
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

_VERDICTS = ("more internal than chance", "within chance range", "more external than chance")


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
                      n_perm: int = 2000, seed: int = 0) -> pd.DataFrame:
    """E-I index of the local / non-local partition for each network, with its permutation test.

    One row per network: network, policy (the ``both`` policy of :func:`local_partition`),
    n_local, n_nonlocal, n_excluded (nodes left out by the policy), ties, external, internal
    (undirected ties among retained nodes), ei_index, boundary_share, expected_random
    (:func:`expected_ei_random` for the retained group sizes), null_mean, ci_low, ci_high,
    p_value (:func:`ei_permutation_test`, run with the same ``seed`` for every network), and
    verdict: "more internal than chance" if the observed E-I lies below the 95% permutation
    interval, "more external than chance" if above, "within chance range" otherwise.
    A network with only one group among retained nodes (or no ties among them) gets NaN
    measures and verdict "undefined" with the reason in ``note``. Floats rounded to 3
    decimals, p_value to 4, so notebook outputs carry no float noise.
    """
    rows = []
    for name, G in graphs.items():
        part = local_partition(G, attr=attr, both=both)
        H = undirected(G).subgraph(part)
        n_loc = sum(g == "local" for g in part.values())
        row = {"network": name, "policy": both, "n_local": n_loc,
               "n_nonlocal": len(part) - n_loc, "n_excluded": G.number_of_nodes() - len(part),
               "ties": H.number_of_edges(), "external": np.nan, "internal": np.nan,
               "ei_index": np.nan, "boundary_share": np.nan, "expected_random": np.nan,
               "null_mean": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
               "verdict": "undefined", "note": ""}
        if n_loc == 0 or n_loc == len(part):
            only = "local" if n_loc else "non-local"
            row["note"] = f"all retained organisations are {only}: E-I undefined"
        elif H.number_of_edges() == 0:
            row["note"] = "no ties among retained organisations: E-I undefined"
        else:
            test = ei_permutation_test(G, part, n_perm=n_perm, seed=seed)
            share = boundary_share(G, part)
            ext = sum(part[u] != part[v] for u, v in H.edges())
            verdict = (_VERDICTS[0] if test["observed"] < test["ci_low"] else
                       _VERDICTS[2] if test["observed"] > test["ci_high"] else _VERDICTS[1])
            row.update(external=ext, internal=row["ties"] - ext, ei_index=test["observed"],
                       boundary_share=share,
                       expected_random=expected_ei_random({"local": n_loc,
                                                           "non-local": len(part) - n_loc}),
                       null_mean=test["expected_mean"], ci_low=test["ci_low"],
                       ci_high=test["ci_high"], p_value=round(test["p_value"], 4),
                       verdict=verdict)
        rows.append(row)
    out = pd.DataFrame(rows)
    out[["external", "internal"]] = out[["external", "internal"]].astype("Int64")
    floats = ["ei_index", "boundary_share", "expected_random", "null_mean", "ci_low", "ci_high"]
    out[floats] = out[floats].round(3)
    return out


def broker_table(graphs: Mapping, k: int = 1, attrs=()) -> pd.DataFrame:
    """The top-k brokers of each network: network, rank, node, label, betweenness (+ attrs).

    Betweenness is normalised and computed on the undirected simple version of each graph
    (a contact counts whichever side reported it), ranked by :func:`brokerage_top`; rounded
    to 3 decimals. ``label`` is :func:`readable_name`.
    """
    rows = []
    for name, G in graphs.items():
        top = brokerage_top(undirected(G), k=k)
        for rank, r in enumerate(top.itertuples(index=False), start=1):
            rows.append({"network": name, "rank": rank, "node": r.node,
                         "label": readable_name(r.node), "betweenness": round(r.betweenness, 3),
                         **{a: _node_attr(G, r.node, a) for a in attrs}})
    return pd.DataFrame(rows, columns=["network", "rank", "node", "label", "betweenness", *attrs])


def networks_with_verdict(table: pd.DataFrame, verdict: str) -> list:
    """Names of the networks in a :func:`location_ei_table` whose verdict is ``verdict``, in table order."""
    allowed = {*_VERDICTS, "undefined"}
    if verdict not in allowed:
        raise ValueError(f"verdict must be one of {sorted(allowed)}, got {verdict!r}")
    return table.loc[table["verdict"] == verdict, "network"].tolist()
