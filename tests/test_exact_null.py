"""Exact degree-preserving null (analysis/measures/exact_null.py): hand counts, brute-force enumeration,
the chains of analysis.measures.nulls, and the independent reviewer's exact values (issue 26)."""
import itertools
import math

import networkx as nx
import numpy as np
import pytest

from analysis import data
from analysis.measures import exact_null, networks, nulls, stats


def _brute(deg_a, deg_b):
    """{E: count} by listing every edge subset of the complete graph (tiny n only)."""
    deg = list(deg_a) + list(deg_b)
    n, na = len(deg), len(deg_a)
    pairs = list(itertools.combinations(range(n), 2))
    m = sum(deg) // 2
    out = {}
    for chosen in itertools.combinations(pairs, m):
        d = [0] * n
        for u, v in chosen:
            d[u] += 1
            d[v] += 1
        if d == deg:
            e = sum((u < na) != (v < na) for u, v in chosen)
            out[e] = out.get(e, 0) + 1
    return dict(sorted(out.items()))


def test_hand_counts():
    # four nodes of degree 1 (A = {0, 1}, B = {2, 3}): the 3 perfect matchings, one inside the groups
    assert exact_null.external_tie_counts([1, 1], [1, 1]) == {0: 1, 2: 2}
    # 2-regular graphs on 5 labelled nodes are the 5-cycles: 4!/2 = 12
    assert sum(exact_null.external_tie_counts([2, 2, 2], [2, 2]).values()) == 12
    # perfect matchings of 6 nodes: 5 x 3 x 1 = 15
    assert sum(exact_null.external_tie_counts([1] * 3, [1] * 3).values()) == 15
    # K4 is the only graph with degrees 3, 3, 3, 3: with 2 + 2 nodes, 4 ties cross
    assert exact_null.external_tie_counts([3, 3], [3, 3]) == {4: 1}
    # no graph: odd degree sum, or a degree too large
    assert exact_null.external_tie_counts([1], [1, 1]) == {}
    assert exact_null.external_tie_counts([5, 1], [1, 1, 1]) == {}   # degree 5 needs 5 partners
    assert exact_null.external_tie_counts([4, 1], [1, 1, 1]) == {3: 1}  # the star K(1,4)
    # a star: centre in A with one A leaf and two B leaves, so 2 ties cross
    assert exact_null.external_tie_counts([3, 1], [1, 1]) == {2: 1}
    # isolates change nothing
    assert exact_null.external_tie_counts([1, 0, 1], [1, 1, 0]) == {0: 1, 2: 2}


@pytest.mark.parametrize("deg_a,deg_b", [([2, 2, 1], [2, 1, 2]), ([3, 1, 2, 2], [2, 2]),
                                         ([1, 2, 3], [3, 2, 1]), ([4, 2, 2], [2, 2, 2]),
                                         ([1, 1, 1, 1], [2, 2])])
def test_counts_equal_brute_force_enumeration(deg_a, deg_b):
    assert exact_null.external_tie_counts(deg_a, deg_b) == _brute(deg_a, deg_b)
    # the count of all graphs does not depend on which group is processed first
    flipped = exact_null.external_tie_counts(deg_b, deg_a)
    assert flipped == exact_null.external_tie_counts(deg_a, deg_b)


def test_exact_p_follows_the_permutation_convention():
    # a null listed graph by graph is an exact null: stats.pvalue_from_null gives the same p
    G = nx.Graph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (0, 3)])
    codes = np.array([0, 0, 0, 1, 1, 1])
    edges = np.array(list(G.edges()))
    res = exact_null.exact_ei_null(codes, edges)
    deg = [d for _, d in sorted(G.degree())]
    listed = _brute(deg[:3], deg[3:])
    m = len(edges)
    null = np.repeat([(2 * e - m) / m for e in listed], list(listed.values()))
    assert res["n_graphs"] == len(null)
    assert res["p_value"] == pytest.approx(stats.pvalue_from_null(null, res["observed"], exact=True))
    assert res["null_mean"] == pytest.approx(null.mean())
    assert res["p_min"] == pytest.approx(stats.smallest_attainable_p(null, exact=True))
    assert res["p_interval"] == (res["p_value"], res["p_value"]) and res["exact"]


def test_exact_null_matches_the_chains():
    # two 4-cliques joined by two ties: the chains' null (nulls.degree_preserving_null) agrees
    # with the exact distribution within Monte Carlo error
    G = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(4))
    G.add_edges_from([(0, 4), (1, 5), (2, 6)])
    groups = {v: ("x" if v < 4 else "y") for v in G}
    mc = nulls.degree_preserving_null(G, groups, n_chains=4000, attempts_per_tie=20, seed=1)
    ex = nulls.degree_preserving_null(G, groups, exact_nodes=20)
    assert ex["exact"] and not mc["exact"]
    for v, p in zip(ex["values"], ex["probs"]):
        share = np.isclose(mc["null"], v).mean()
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / 4000) + 1e-3
    assert sum(ex["probs"]) == pytest.approx(1.0)


def test_state_budget():
    with pytest.raises(exact_null.TooLarge):
        exact_null.external_tie_counts([5, 5, 4, 4, 3, 3, 2, 2], [4, 4, 3, 3, 2, 2, 1, 1], max_states=10)
    with pytest.raises(ValueError, match="two groups"):
        exact_null.exact_ei_null(np.array([0, 1, 2]), np.array([[0, 1], [1, 2]]))
    with pytest.raises(ValueError, match="non-negative"):
        exact_null.external_tie_counts([-1, 1], [0])


def test_texas_exact_value_of_the_review():
    # issue 26: the reviewer's independent exact enumeration gives p = 0.0514 for Texas ("both"
    # excluded); the chains had shown 0.0465. Exact counting must reproduce it.
    emon = data.load("emon")
    G = emon["Texas"]
    res = nulls.degree_preserving_null(G, networks.local_partition(G), exact_nodes=18)
    assert res["exact"] and round(res["p_value"], 4) == 0.0514
