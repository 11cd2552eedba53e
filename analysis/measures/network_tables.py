"""The network chapters' tables, verdicts and prose values, built from measures and nulls.

Drawing tables, E-I verdicts under two nulls and two policies for the location code "both",
broker tables and the numbers and names the prose quotes (pure functions; no I/O, no plotting).
"""
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from . import stats
from .networks import (_node_attr, brokerage_top, edge_table, expected_ei_random, layout, local_partition,
                       node_table, undirected)
from .nulls import degree_preserving_null, degree_preserving_nulls, ei_permutation_test


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
