"""Tests for analysis.measures.networks: hand-computed tiny graphs, agreement with networkx, the E-I
permutation test, malformed input, and checks that catch plausible bugs (see comments)."""
import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.measures import brokerage, network_tables, nulls
from analysis.measures import networks as net


# ------------------------------------------------------------------ fixtures (hand-made)
@pytest.fixture
def path4():
    # a-b-c-d, inserted in reverse order so label-sorting is really exercised
    G = nx.Graph()
    G.add_edges_from([("d", "c"), ("c", "b"), ("b", "a")])
    return G


@pytest.fixture
def tri_pendant():
    # triangle a-b-c plus pendant d attached to c
    return nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])


@pytest.fixture
def two_pairs():
    # groups A = {a1, a2}, B = {b1, b2}; ties a1-a2 (I), b1-b2 (I), a2-b1 (E)
    G = nx.Graph([("a1", "a2"), ("b1", "b2"), ("a2", "b1")])
    nx.set_node_attributes(G, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}, "grp")
    return G


@pytest.fixture
def directed_recip():
    # arcs a1->a2, b1->b2, and the cross pair reciprocated: a2->b1, b1->a2.
    # Undirected ties: a1-a2 (I), b1-b2 (I), a2-b1 (E, counted ONCE) -> E=1, I=2.
    G = nx.DiGraph([("a1", "a2"), ("b1", "b2"), ("a2", "b1"), ("b1", "a2")])
    nx.set_node_attributes(G, {"a1": "A", "a2": "A", "b1": "B", "b2": "B"}, "grp")
    return G


@pytest.fixture
def two_cliques():
    # two K6 with no tie between them: perfectly segregated, 30 internal ties, E = 0
    G = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(6))
    return G, {v: ("x" if v < 6 else "y") for v in G}


@pytest.fixture
def location_graph():
    # l1, l2 local; n1 non-local; b both. Ties: l1-l2, l2-n1, b-l1, b-l2
    G = nx.Graph([("l1", "l2"), ("l2", "n1"), ("b", "l1"), ("b", "l2")])
    nx.set_node_attributes(G, {"l1": "L", "l2": "L", "n1": "NL", "b": "B"}, "Location")
    return G


def random_graphs():
    return [nx.gnp_random_graph(15, 0.25, seed=s, directed=d) for s in (1, 2, 3) for d in (False, True)]


# ------------------------------------------------------------------ structure, by hand
def test_path4_by_hand(path4):
    # n=4, m=3: density 2*3/(4*3) = 0.5 (a bug using n(n-1) for undirected gives 0.25)
    assert net.density(path4) == pytest.approx(0.5)
    # degrees 1,2,2,1: sum(2 - d) = 2; (n-1)(n-2) = 6 -> 1/3
    assert net.degree_centralisation(path4) == pytest.approx(1 / 3)
    assert net.clustering(path4) == 0.0
    assert net.components(path4) == 1
    # b lies on a-c and a-d: 2 pairs / ((n-1)(n-2)/2 = 3) = 2/3; same for c
    bc = net.betweenness(path4)
    assert list(bc.index) == ["a", "b", "c", "d"] and bc.name == "betweenness"
    assert bc.to_dict() == pytest.approx({"a": 0, "b": 2 / 3, "c": 2 / 3, "d": 0})
    assert net.betweenness(path4, normalized=False)["b"] == pytest.approx(2.0)


def test_star_and_regular_centralisation():
    # star on 5 nodes: centre 4, leaves 1: sum = 4*3 = 12; (n-1)(n-2) = 12 -> 1
    assert net.degree_centralisation(nx.star_graph(4)) == pytest.approx(1.0)
    assert net.degree_centralisation(nx.cycle_graph(5)) == 0.0
    assert net.degree_centralisation(nx.complete_graph(4)) == 0.0
    # centre lies on all C(4,2) = 6 leaf pairs -> normalised betweenness 1
    assert net.betweenness(nx.star_graph(4))[0] == pytest.approx(1.0)


def test_directed_centralisation_counts_partners_not_arcs():
    # fully reciprocated directed star: distinct partners give centre 4, leaves 1 -> 1.
    # A bug using in+out degree gives centre 8, leaves 2: 4*6/12 = 2 (> 1).
    S = nx.star_graph(4).to_directed()
    assert net.degree_centralisation(S) == pytest.approx(1.0)


def test_triangle_plus_pendant_by_hand(tri_pendant):
    # C_a = C_b = 1, C_c = 1/3 (only a-b among a,b,d), C_d = 0 -> (1 + 1 + 1/3 + 0)/4 = 7/12
    assert net.clustering(tri_pendant) == pytest.approx(7 / 12)
    # m = 4: 2*4/12 = 2/3; degrees 2,2,3,1: (1+1+0+2)/6 = 2/3
    assert net.density(tri_pendant) == pytest.approx(2 / 3)
    assert net.degree_centralisation(tri_pendant) == pytest.approx(2 / 3)
    # c brokers a-d and b-d: 2/3
    assert net.betweenness(tri_pendant)["c"] == pytest.approx(2 / 3)


def test_directed_density_by_hand(directed_recip):
    # 4 arcs / (4*3) = 1/3; components counted weakly: 1
    assert net.density(directed_recip) == pytest.approx(1 / 3)
    assert net.components(directed_recip) == 1


def test_brokerage_top_shows_ties(path4):
    top = net.brokerage_top(path4, k=3)
    # b and c tie at 2/3: both rank 1; a and d tie at 0: both rank 3, so both are shown
    assert list(top["node"]) == ["b", "c", "a", "d"]
    assert list(top["rank"]) == [1, 1, 3, 3] and top["tied"].all()
    assert list(top.columns) == ["node", "betweenness", "rank", "tied"]
    one = net.brokerage_top(path4, k=1)
    assert list(one["node"]) == ["b", "c"]  # no silent tie-break at the top
    star = net.brokerage_top(nx.star_graph(3), k=1)
    assert list(star["node"]) == [0] and not star["tied"].any()


def test_transitivity_versus_clustering_with_isolates(tri_pendant):
    # triangle + pendant: 3 * 1 triangle / 5 connected triples (a: 1, b: 1, c: 3) = 3/5
    assert net.transitivity(tri_pendant) == pytest.approx(3 / 5)
    G = tri_pendant.copy()
    G.add_nodes_from(["x", "y"])  # isolates: the local average falls, transitivity does not
    assert net.clustering(G) == pytest.approx(7 / 12 * 4 / 6)
    assert net.transitivity(G) == pytest.approx(3 / 5)
    for H in random_graphs():
        assert net.transitivity(H) == pytest.approx(nx.transitivity(net.undirected(H)))


# ------------------------------------------------------------------ agreement with networkx
@pytest.mark.parametrize("G", random_graphs())
def test_agrees_with_networkx(G):
    assert net.density(G) == pytest.approx(nx.density(G))
    assert net.components(G) == (nx.number_weakly_connected_components(G) if G.is_directed()
                                 else nx.number_connected_components(G))
    ref = nx.betweenness_centrality(G)
    assert net.betweenness(G).to_dict() == pytest.approx(ref)
    if not G.is_directed():
        assert net.clustering(G) == pytest.approx(nx.average_clustering(G))
    else:
        assert net.clustering(G) == pytest.approx(nx.average_clustering(nx.Graph(G.to_undirected())))


# ------------------------------------------------------------------ E-I index
def test_ei_two_pairs_by_hand(two_pairs):
    # E = 1, I = 2 -> (1 - 2)/3 = -1/3 (swapping E and I would give +1/3); share 1/3
    assert net.ei_index(two_pairs, "grp") == pytest.approx(-1 / 3)
    assert net.boundary_share(two_pairs, "grp") == pytest.approx(1 / 3)
    mapping = {v: d["grp"] for v, d in two_pairs.nodes(data=True)}
    assert net.ei_index(two_pairs, mapping) == pytest.approx(-1 / 3)


def test_ei_counts_reciprocated_arcs_once(directed_recip):
    # correct: E=1, I=2 -> -1/3. Counting arcs (no dedup) gives E=2, I=2 -> 0.
    assert net.ei_index(directed_recip, "grp") == pytest.approx(-1 / 3)
    assert net.boundary_share(directed_recip, "grp") == pytest.approx(1 / 3)


def test_local_partition_policies(location_graph):
    G = location_graph
    excl = net.local_partition(G)
    assert excl == {"l1": "local", "l2": "local", "n1": "non-local"}  # b dropped
    assert set(G) - set(excl) == {"b"}
    # exclude: l1-l2 (I), l2-n1 (E) -> 0
    assert net.ei_index(G, excl) == pytest.approx(0.0)
    # b local: I = l1-l2, b-l1, b-l2 = 3, E = 1 -> -1/2
    assert net.ei_index(G, net.local_partition(G, both="local")) == pytest.approx(-0.5)
    # b non-local: E = l2-n1, b-l1, b-l2 = 3, I = 1 -> +1/2
    assert net.ei_index(G, net.local_partition(G, both="nonlocal")) == pytest.approx(0.5)


def test_expected_ei_random_by_hand():
    # 2+2: E_max = 4, I_max = 1+1 = 2 -> 2/6 = 1/3
    assert net.expected_ei_random({"A": 2, "B": 2}) == pytest.approx(1 / 3)
    # 5+5: 25 vs 20 -> 5/45 = 1/9;  1+3: 3 vs 3 -> 0
    assert net.expected_ei_random({"A": 5, "B": 5}) == pytest.approx(1 / 9)
    assert net.expected_ei_random({"A": 1, "B": 3}) == pytest.approx(0.0)
    # 1+1+1: E_max = 3, I_max = 0 -> 1
    assert net.expected_ei_random({"A": 1, "B": 1, "C": 1}) == pytest.approx(1.0)


# ------------------------------------------------------------------ permutation test
def test_permutation_deterministic():
    big = nx.gnp_random_graph(30, 0.2, seed=2)
    groups = {v: v % 2 for v in big}  # C(30, 15) > 10^6 labellings: Monte Carlo
    r1 = nulls.ei_permutation_test(big, groups, n_perm=500, seed=7)
    r2 = nulls.ei_permutation_test(big, groups, n_perm=500, seed=7)
    r3 = nulls.ei_permutation_test(big, groups, n_perm=500, seed=8)
    assert not r1["exact"] and r1["n_perm"] == 500 and len(r1["null"]) == 500
    assert np.array_equal(r1["null"], r2["null"]) and r1["p_value"] == r2["p_value"]
    assert not np.array_equal(r1["null"], r3["null"])
    lo, hi = r1["p_interval"]
    assert lo <= r1["p_value"] <= hi


def test_permutation_segregated_two_cliques_exact(two_cliques):
    G, groups = two_cliques
    r = nulls.ei_permutation_test(G, groups)
    assert r["observed"] == -1.0 and r["exact"] and r["n_labelings"] == 924 == r["n_perm"]
    # only 2 of C(12,6) = 924 labellings are as segregated (x/y swapped); two-sided doubles
    assert r["p_value"] == pytest.approx(2 * 2 / 924)
    assert r["p_min"] == pytest.approx(2 * 2 / 924)
    # exact null mean = expected_ei_random({6, 6}) = (36 - 30)/66 = 1/11, to float precision
    assert r["expected_mean"] == pytest.approx(1 / 11, abs=1e-12)


def test_permutation_few_labellings_cannot_reject():
    # one non-local among 19 local, as Hurricane Frederic: 20 labellings, best p = 2/20
    G = nx.star_graph(19)
    nx.add_path(G, [1, 2, 3, 4, 5])
    groups = {v: ("NL" if v == 5 else "L") for v in G}
    r = nulls.ei_permutation_test(G, groups)
    assert r["n_labelings"] == 20 and r["p_min"] == pytest.approx(0.1)


@pytest.mark.parametrize("G", random_graphs()[:2])
def test_permutation_matches_scipy_and_null_mean(G):
    from scipy import stats as sps
    groups = {v: ("x" if v % 3 else "y") for v in G}  # sizes 10 and 5: 3003 labellings, exact
    r = nulls.ei_permutation_test(G, groups)
    assert r["exact"] and r["n_labelings"] == 3003
    codes, _ = net._ei_arrays(G, groups)
    nodes = sorted(G)

    def ei_of(x, y):  # scipy hands over the node positions of each group
        return net.ei_index(G, {nodes[i]: ("x" if i in set(x.tolist()) else "y") for i in range(len(nodes))})

    ref = sps.permutation_test((np.flatnonzero(codes == 0), np.flatnonzero(codes == 1)), ei_of,
                               permutation_type="independent", n_resamples=np.inf, vectorized=False)
    assert r["p_value"] == pytest.approx(ref.pvalue)
    assert r["observed"] == pytest.approx(net.ei_index(G, groups))
    assert r["expected_mean"] == pytest.approx(net.expected_ei_random({"x": 10, "y": 5}))


# ------------------------------------------------------------------ degree-preserving null
def _realisations(degrees):
    """Every simple graph on range(n) with this degree sequence (brute force, tiny n)."""
    n = len(degrees)
    pairs = list(itertools.combinations(range(n), 2))
    out = []
    for es in itertools.combinations(pairs, int(sum(degrees)) // 2):
        if (np.bincount(np.array(es).ravel(), minlength=n) == degrees).all():
            out.append(es)
    return out


@pytest.fixture
def small_mixed():
    # 6 nodes, groups A = {0, 1, 2}, B = {3, 4, 5}; degrees 3, 2, 2, 2, 2, 1
    G = nx.Graph([(0, 1), (0, 2), (0, 3), (1, 4), (2, 5), (3, 4)])
    return G, {v: ("A" if v < 3 else "B") for v in G}


def test_degree_null_keeps_degrees_and_simple_graphs(small_mixed):
    G, groups = small_mixed
    r = nulls.degree_preserving_null(G, groups, n_chains=300, attempts_per_tie=20, seed=1)
    deg = np.array([G.degree(v) for v in r["nodes"]])
    for chain in r["edges"]:
        assert (np.bincount(chain.ravel(), minlength=len(deg)) == deg).all()
        assert (chain[:, 0] != chain[:, 1]).all()
        assert len({tuple(sorted(e)) for e in chain.tolist()}) == len(chain)  # no double tie
    assert r["trace"]["attempts_per_tie"].iloc[-1] == 20 and r["trace"]["ties_kept"].iloc[0] == 1.0
    assert 0 < r["acceptance"] < 1 and len(r["null"]) == 300


def test_degree_null_is_uniform_and_agrees_with_networkx(small_mixed):
    # Exact reference: E-I over every graph with the observed degree sequence, equally likely.
    G, groups = small_mixed
    nodes = sorted(G)
    codes = np.array([0 if groups[v] == "A" else 1 for v in nodes])
    reals = _realisations(np.array([G.degree(v) for v in nodes]))
    exact = np.array([np.mean([codes[a] != codes[b] for a, b in es]) * 2 - 1 for es in reals])
    values = np.unique(exact)
    p_exact = np.array([(exact == x).mean() for x in values])
    assert len(values) > 2  # the test would be toothless on a point mass
    r = nulls.degree_preserving_null(G, groups, n_chains=4000, attempts_per_tie=20, seed=3)
    p_ours = np.array([np.isclose(r["null"], x).mean() for x in values])
    assert p_ours.sum() == pytest.approx(1)
    assert 0.5 * np.abs(p_ours - p_exact).sum() < 0.03  # total variation distance
    # independent implementation: networkx's double_edge_swap from the same start
    rng = np.random.default_rng(5)
    nx_vals = []
    for _ in range(1500):
        H = G.copy()
        nx.double_edge_swap(H, nswap=10, max_tries=1000, seed=int(rng.integers(2**31)))
        nx_vals.append(net.ei_index(H, groups))
    p_nx = np.array([np.isclose(nx_vals, x).mean() for x in values])
    assert 0.5 * np.abs(p_nx - p_exact).sum() < 0.05
    assert 0.5 * np.abs(p_nx - p_ours).sum() < 0.05


def test_degree_null_point_mass_when_degrees_fix_ei():
    # one non-local node: every one of its ties is external whatever the rewiring, so E-I is
    # fixed by the degree sequence and the degree-preserving test cannot reject
    G = nx.Graph([(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (1, 4), (0, 4)])
    groups = {v: ("NL" if v == 0 else "L") for v in G}
    forced = nulls.degree_preserving_null(G, groups, n_chains=200, attempts_per_tie=10, seed=0, shortcut=False)
    assert forced["acceptance"] > 0  # the chains really moved
    assert np.all(forced["null"] == forced["observed"]) and forced["p_value"] == 1.0 and forced["p_min"] == 1.0
    quick = nulls.degree_preserving_null(G, groups, n_chains=200, attempts_per_tie=10, seed=0)
    np.testing.assert_array_equal(quick["null"], forced["null"])
    assert (quick["p_value"], quick["p_min"], quick["edges"]) == (1.0, 1.0, None)
    # two active nodes in each group: ties inside a group can appear, so no shortcut
    assert not nulls._ei_fixed_by_degrees(np.array([0, 0, 1, 1]), np.array([[0, 2], [1, 3]]))
    # a group whose second member is an isolate cannot hold an internal tie
    assert nulls._ei_fixed_by_degrees(np.array([0, 0, 0, 1, 1]), np.array([[0, 1], [1, 3], [2, 3]]))


# ------------------------------------------------------------------ Gould-Fernandez brokerage
def test_brokerage_roles_by_hand():
    # a -> b -> c with a, b in X and c in Y: b is a representative; with c -> b as well (ties
    # graph), b is also a gatekeeper on c -> b -> a. A tie a - c closes the path: no role.
    D = nx.DiGraph([("a", "b"), ("b", "c")])
    g = {"a": "X", "b": "X", "c": "Y"}
    arcs = brokerage.brokerage_roles(D, g, directed=True).set_index("node")
    assert arcs.loc["b", "representative"] == 1 and arcs.loc["b", "total"] == 1
    ties = brokerage.brokerage_roles(D, g).set_index("node")
    assert (ties.loc["b", "representative"], ties.loc["b", "gatekeeper"], ties.loc["b", "total"]) == (1, 1, 2)
    D.add_edge("a", "c")
    assert brokerage.brokerage_roles(D, g, directed=True)["total"].sum() == 0
    # star centre between three groups: liaison on each ordered pair of leaves from different groups
    S = nx.star_graph(3)
    roles = brokerage.brokerage_roles(S, {0: "h", 1: "p", 2: "q", 3: "q"}).set_index("node")
    # ordered leaf pairs: (1,2),(2,1),(1,3),(3,1) liaison; (2,3),(3,2) itinerant
    assert (roles.loc[0, "liaison"], roles.loc[0, "itinerant"], roles.loc[0, "total"]) == (4, 2, 6)


def test_brokerage_roles_match_sna_fixture():
    # reference counts from R's sna::brokerage, see tests/fixtures/sna_brokerage.R
    from analysis import data
    emon = data.load("emon")
    ref = pd.read_csv(Path(__file__).parent / "fixtures" / "sna_brokerage_emon.csv")
    names = {n.replace(" ", "").replace("Hurricane", "Hurr"): n for n in emon}
    sna_cols = ["w_I", "w_O", "b_IO", "b_OI", "b_O"]
    assert len(ref) > 400
    for (rname, graph, partition), grp in ref.groupby(["network", "graph", "partition"]):
        G = emon[names[rname]]
        groups = {v: d["Location"] for v, d in G.nodes(data=True)
                  if partition == "three-group" or d["Location"] != "B"}
        ours = brokerage.brokerage_roles(G, groups, directed=(graph == "arcs")).set_index("node")
        theirs = grp.set_index("node")[sna_cols]
        np.testing.assert_array_equal(ours.loc[theirs.index, list(brokerage.BROKERAGE_ROLES)].to_numpy(),
                                      theirs.to_numpy(), err_msg=f"{rname} {graph} {partition}")


def test_brokerage_expected_is_exact_mean_under_random_groups():
    G = nx.gnp_random_graph(9, 0.35, seed=4)
    groups = {v: ("a" if v < 4 else "b" if v < 7 else "c") for v in G}
    t = brokerage.brokerage_role_table(G, groups, n_perm=200, seed=0).set_index("role")
    # brute force: average the five totals over every relabelling with the same group sizes
    nodes = sorted(G)
    labels = [groups[v] for v in nodes]
    totals = []
    for perm in set(itertools.permutations(labels)):
        r = brokerage.brokerage_roles(G, dict(zip(nodes, perm)))
        totals.append(r[list(brokerage.BROKERAGE_ROLES)].sum().to_numpy())
    mean = np.mean(totals, axis=0)
    np.testing.assert_allclose(t["expected"].to_numpy(), mean.round(3), atol=1e-3)
    observed = brokerage.brokerage_roles(G, groups)[list(brokerage.BROKERAGE_ROLES)].sum()
    assert t["observed"].tolist() == observed.tolist()
    # two groups: liaison impossible, expected 0, no p-value
    two = brokerage.brokerage_role_table(G, {v: v % 2 for v in G}, n_perm=100).set_index("role")
    assert two.loc["liaison", "expected"] == 0 and np.isnan(two.loc["liaison", "p_value"])


# ------------------------------------------------------------------ cost of the "both" policy
def test_policy_cost_table_by_hand(location_graph):
    t = network_tables.policy_cost_table({"g": location_graph}).set_index("policy")
    # b has ties to l1 and l2: excluding it drops 1 node and 2 of 4 ties; the others drop nothing
    assert (t.loc["exclude", "nodes_dropped"], t.loc["exclude", "ties_dropped"]) == (1, 2)
    assert t.loc["exclude", "share_ties_dropped"] == 0.5
    assert t.loc[["local", "nonlocal"], "ties_dropped"].tolist() == [0, 0]
    G = location_graph.copy()
    G.add_edge("b", "n2")
    G.nodes["n2"]["Location"] = "NL"
    t2 = network_tables.policy_cost_table({"g": G}).set_index("policy")
    assert t2.loc["exclude", "isolated"] == 1  # n2 kept but tied only to b


# ------------------------------------------------------------------ malformed input
def test_missing_attribute_names_node_and_attr(two_pairs):
    del two_pairs.nodes["b2"]["grp"]
    with pytest.raises(ValueError, match=r"'b2'.*'grp'"):
        net.ei_index(two_pairs, "grp")
    with pytest.raises(ValueError, match=r"'b2'.*'grp'"):
        net.local_partition(two_pairs, attr="grp", local=("A",), nonlocal_=("B",))


def test_one_group_only_and_other_errors(two_pairs, location_graph):
    with pytest.raises(ValueError, match="at least 2 groups"):
        net.ei_index(two_pairs, {v: "same" for v in two_pairs})
    with pytest.raises(ValueError, match="at least 2 groups"):
        net.expected_ei_random({"A": 3})
    with pytest.raises(ValueError, match="not in the graph"):
        net.ei_index(two_pairs, {"zz": "A", "a1": "B"})
    with pytest.raises(ValueError, match="no ties"):
        net.ei_index(two_pairs, {"a1": "A", "b2": "B"})
    with pytest.raises(ValueError, match="empty"):
        net.density(nx.Graph())
    with pytest.raises(ValueError, match="at least 3 nodes"):
        net.degree_centralisation(nx.path_graph(2))
    with pytest.raises(ValueError, match=r"'b'.*'Location'.*'B'"):
        net.local_partition(location_graph, both_values=())
    with pytest.raises(ValueError, match="both must be"):
        net.local_partition(location_graph, both="maybe")


# ------------------------------------------------------------------ tables
def test_summary_table(tri_pendant, directed_recip):
    groups = {"tp": {"a": 1, "b": 1, "c": 2, "d": 2}, "dr": "grp"}
    t = net.summary_table({"tp": tri_pendant, "dr": directed_recip}, groups)
    assert list(t.columns) == ["network", "nodes", "arcs", "ties", "isolates", "density", "centralisation",
                               "clustering", "transitivity", "components", "excluded", "ei_index",
                               "boundary_share"]
    tp = t.set_index("network").loc["tp"]
    # hand values above, rounded to 3 decimals; tp ties: a-b, c-d internal; b-c, a-c external -> EI 0
    assert (tp["density"], tp["clustering"], tp["centralisation"]) == (0.667, 0.583, 0.667)
    assert (tp["transitivity"], tp["isolates"], tp["arcs"]) == (0.6, 0, 4)
    assert (tp["ei_index"], tp["boundary_share"]) == (0.0, 0.5)
    dr = t.set_index("network").loc["dr"]
    # 4 arcs, 3 ties; density on ties: 2*3/(4*3) = 0.5 (on arcs it would be 1/3)
    assert (dr["arcs"], dr["ties"], dr["density"], dr["ei_index"]) == (4, 3, 0.5, -0.333)
    with pytest.raises(ValueError, match="no entry"):
        net.summary_table({"tp": tri_pendant}, {})


def test_layout_and_tables(tri_pendant, directed_recip):
    pos = net.layout(tri_pendant, seed=3)
    assert list(pos.columns) == ["node", "x", "y"] and list(pos["node"]) == ["a", "b", "c", "d"]
    pd.testing.assert_frame_equal(pos, net.layout(tri_pendant, seed=3))
    assert not pos.equals(net.layout(tri_pendant, seed=4))
    assert np.allclose(pos[["x", "y"]] * 1e4, np.round(pos[["x", "y"]] * 1e4))  # 4 decimals

    e = net.edge_table(tri_pendant, pos)
    assert list(e.columns) == ["source", "target", "x", "y", "x2", "y2"] and len(e) == 4
    row = e[(e.source == "c") & (e.target == "d")].iloc[0]
    p = pos.set_index("node")
    assert (row.x, row.y, row.x2, row.y2) == (p.x["c"], p.y["c"], p.x["d"], p.y["d"])

    n = net.node_table(directed_recip, net.layout(directed_recip), attrs=("grp",))
    assert list(n.columns) == ["node", "x", "y", "degree", "grp"]
    assert dict(zip(n.node, n.degree)) == {"a1": 1, "a2": 2, "b1": 2, "b2": 1}  # partners, not arcs
    with pytest.raises(ValueError, match=r"'a1'.*'size'"):
        net.node_table(directed_recip, net.layout(directed_recip), attrs=("size",))


# ------------------------------------------------------------------ chapter helpers
def test_readable_name():
    assert network_tables.readable_name("Lewis.County.Sheriff.s.Department") == "Lewis County Sheriff's Department"
    assert network_tables.readable_name("US.Forest.Service..Vancouver.") == "US Forest Service Vancouver"
    assert network_tables.readable_name("Salvation.Army") == "Salvation Army"
    # a lone "s" only after a letter becomes a possessive; words starting with s are untouched
    assert network_tables.readable_name("SAR.Dog.Association") == "SAR Dog Association"
    assert network_tables.readable_name("Texas.State.Parks") == "Texas State Parks"
    assert network_tables.readable_name("Medici") == "Medici"


def test_drawing_tables(location_graph):
    G = location_graph.to_directed()  # every tie as two arcs: drawn once
    nodes, edges = network_tables.drawing_tables(G, seed=2, attrs=("Location",), location_attr="Location")
    assert list(nodes.columns) == ["node", "x", "y", "degree", "label", "Location", "location"]
    assert dict(zip(nodes.node, nodes.location)) == {"b": "both", "l1": "local", "l2": "local",
                                                    "n1": "non-local"}
    assert len(edges) == 4  # 8 arcs, 4 ties
    n2, e2 = network_tables.drawing_tables(G, seed=2, attrs=("Location",), location_attr="Location")
    pd.testing.assert_frame_equal(nodes, n2)
    pd.testing.assert_frame_equal(edges, e2)
    G.nodes["b"]["Location"] = "X"
    with pytest.raises(ValueError, match="unexpected 'Location' values"):
        network_tables.drawing_tables(G, location_attr="Location")


def test_location_ei_table_by_hand(location_graph):
    all_local = nx.Graph([("a", "b")])
    nx.set_node_attributes(all_local, "L", "Location")
    no_ties = nx.Graph([("a", "b")])
    no_ties.add_node("c")
    nx.set_node_attributes(no_ties, {"a": "L", "b": "B", "c": "NL"}, "Location")
    graphs = {"g": location_graph, "all_local": all_local, "no_ties": no_ties}
    t = network_tables.location_ei_table(graphs, n_perm=200, seed=4).set_index("network")
    g = t.loc["g"]
    # exclude b: l1-l2 internal, l2-n1 external -> E-I 0, share 1/2;
    # sizes 2 + 1: E_max 2, I_max 1 -> expected 1/3 (rounded 0.333)
    assert (g.n_local, g.n_nonlocal, g.n_excluded, g.ties) == (2, 1, 1, 2)
    assert (g.external, g.internal, g.ei_index, g.boundary_share) == (1, 1, 0.0, 0.5)
    assert g.expected_random == 0.333
    assert g.ci_low <= g.null_mean <= g.ci_high and g.policy == "exclude"
    # 3 nodes, sizes 2 + 1: only 3 labellings, best two-sided p = 2/3 -> the test cannot reject
    assert (g.n_labelings, g.exact, g.p_min) == (3, True, 0.666667)
    assert g.verdict_label == g.verdict == "test cannot reject"
    assert t.loc["all_local", "verdict"] == "undefined" and "all retained" in t.loc["all_local", "note"]
    assert np.isnan(t.loc["all_local", "ei_index"])
    # b excluded leaves a (local) and c (non-local) with no tie between them
    assert t.loc["no_ties", "verdict"] == "undefined" and "no ties" in t.loc["no_ties", "note"]
    # b as local: I = 3, E = 1 -> -0.5 (as in test_local_partition_policies)
    loc = network_tables.location_ei_table({"g": location_graph}, both="local", n_perm=200, seed=4).iloc[0]
    assert (loc.policy, loc.n_excluded, loc.ei_index, loc.external, loc.internal) == ("local", 0, -0.5, 1, 3)
    # deterministic given the seed
    pd.testing.assert_frame_equal(
        network_tables.location_ei_table(graphs, n_perm=200, seed=4),
        network_tables.location_ei_table(graphs, n_perm=200, seed=4))


def test_location_ei_table_verdict_segregated(two_cliques):
    G, groups = two_cliques
    nx.set_node_attributes(G, {v: ("L" if g == "x" else "NL") for v, g in groups.items()}, "Location")
    r = network_tables.location_ei_table({"seg": G}, n_perm=2000, seed=1).iloc[0]
    # perfectly segregated: E-I = -1, far below the permutation interval
    assert r.ei_index == -1.0 and r.verdict == "more internal than chance"
    assert r.expected_random == round(1 / 11, 3) and r.p_value < 0.01
    # a complete bipartite graph between the groups is all external
    # (K4,4 has only 70 labellings, best p = 4/70 > 0.05: the test could not reject)
    B = nx.complete_bipartite_graph(5, 5)
    nx.set_node_attributes(B, {v: ("L" if v < 5 else "NL") for v in B}, "Location")
    rb = network_tables.location_ei_table({"bip": B}, n_perm=2000, seed=1).iloc[0]
    assert rb.ei_index == 1.0 and rb.verdict == "more external than chance"


def test_broker_table(path4, location_graph):
    t = network_tables.broker_table({"p": path4}, k=2)
    assert list(t.columns) == ["network", "rank", "tied", "node", "label", "betweenness"]
    assert list(t.node) == ["b", "c"] and list(t["rank"]) == [1, 1] and t["tied"].all()  # tie shown
    assert t.betweenness.tolist() == [0.667, 0.667]
    # directed input: brokerage on the undirected version (a -> b <- c: b brokers a-c)
    D = nx.DiGraph([("a", "b"), ("c", "b")])
    nx.set_node_attributes(D, {"a": "L", "b": "B", "c": "NL"}, "Location")
    d = network_tables.broker_table({"d": D}, attrs=("Location",)).iloc[0]
    assert (d.node, d.betweenness, d.Location) == ("b", 1.0, "B")


def test_networks_with_verdict(location_graph):
    all_local = nx.Graph([("a", "b")])
    nx.set_node_attributes(all_local, "L", "Location")
    t = network_tables.location_ei_table({"g": location_graph, "x": all_local}, n_perm=100, seed=0)
    assert network_tables.networks_with_verdict(t, "undefined") == ["x"]
    assert network_tables.networks_with_verdict(t, "more external than chance") in ([], ["g"])
    with pytest.raises(ValueError, match="verdict must be"):
        network_tables.networks_with_verdict(t, "significant")


def test_layout_isolates_apart(tri_pendant):
    G = tri_pendant.copy()
    G.add_nodes_from(["z", "e"])  # two isolates, deliberately out of label order
    pos = network_tables.layout_isolates_apart(G, seed=3)
    assert list(pos.columns) == ["node", "x", "y"] and list(pos["node"]) == ["a", "b", "c", "d", "e", "z"]
    p = pos.set_index("node")
    core = p.loc[["a", "b", "c", "d"]]
    # isolates on one row below the drawing, spread across its width, in label order
    assert p.y["e"] == p.y["z"] < core["y"].min()
    assert (p.x["e"], p.x["z"]) == (core["x"].min(), core["x"].max())
    # the rest is the seeded layout of the graph without its isolates
    pd.testing.assert_frame_equal(core.reset_index(), net.layout(tri_pendant, seed=3))
    pd.testing.assert_frame_equal(pos, network_tables.layout_isolates_apart(G, seed=3))
    assert np.allclose(pos[["x", "y"]] * 1e4, np.round(pos[["x", "y"]] * 1e4))
    # no isolate: same as layout
    pd.testing.assert_frame_equal(network_tables.layout_isolates_apart(tri_pendant, seed=3), net.layout(tri_pendant, seed=3))
    # drawing tables use it on request
    nodes, _ = network_tables.drawing_tables(G, seed=3, isolates_apart=True)
    assert nodes.set_index("node").loc["z", "y"] == p.y["z"]


def test_combined_verdict_needs_the_degree_preserving_null():
    # 12 local organisations in a clique, 2 non-local ones with one tie each to a local one.
    # Shuffling labels puts non-locals inside the clique (many external ties), so E = 2 looks
    # very internal (p = 2/91); but with degrees kept the two can only keep their single ties,
    # and E = 2 is what rewiring gives too: the verdict must not be "more internal".
    G = nx.complete_graph(12)
    G.add_edges_from([(0, "n1"), (1, "n2")])
    nx.set_node_attributes(G, {v: ("NL" if isinstance(v, str) else "L") for v in G}, "Location")
    r = network_tables.location_ei_table({"g": G}, seed=2).iloc[0]
    assert (r.external, r.n_labelings) == (2, 91)
    assert r.p_value == pytest.approx(2 / 91, abs=1e-4) and r.verdict_label == "more internal than chance"
    assert r.verdict_degree != "more internal than chance"
    assert r.verdict == "internal under label shuffle only"
    assert network_tables.networks_with_verdict(pd.DataFrame([r]), "more internal than chance") == []
    with pytest.raises(ValueError, match="column must be"):
        network_tables.networks_with_verdict(pd.DataFrame([r]), "undefined", column="v")


def test_location_ei_tables_equal_single_policy_calls(location_graph, two_cliques):
    G, groups = two_cliques
    nx.set_node_attributes(G, {v: ("L" if g == "x" else "NL") for v, g in groups.items()}, "Location")
    graphs = {"g": location_graph, "seg": G}
    many = network_tables.location_ei_tables(graphs, policies=("exclude", "local", "nonlocal"), seed=3)
    for both, table in many.items():
        pd.testing.assert_frame_equal(table, network_tables.location_ei_table(graphs, both=both, seed=3))
    tabs, traces = network_tables.location_ei_tables(graphs, policies=("exclude",), seed=3, with_traces=True)
    pd.testing.assert_frame_equal(tabs["exclude"], many["exclude"])
    seg = traces["exclude"]["seg"]
    assert seg["attempts_per_tie"].iloc[-1] == 20 and seg["ties_kept"].iloc[-1] < 1


def test_verdict_rules_by_hand():
    v = network_tables._verdict
    assert v(-0.5, 0.0, 0.01, 0.001) == "more internal than chance"
    assert v(0.5, 0.0, 0.01, 0.001) == "more external than chance"
    assert v(-0.5, 0.0, 0.20, 0.001) == "within chance range"
    assert v(-0.5, 0.0, 0.10, 0.10) == "test cannot reject"  # 20 labellings: p can never be small
    # a Monte Carlo p whose interval straddles 0.05 is not called either way
    assert v(-0.5, 0.0, 0.046, 0.003, (0.02, 0.09)) == "undecided at this Monte Carlo size"
    assert v(-0.5, 0.0, 0.013, 0.003, (0.004, 0.03)) == "more internal than chance"


def test_mixing_trace_chart(small_mixed):
    from analysis.present import charts
    G, groups = small_mixed
    trace = nulls.degree_preserving_null(G, groups, n_chains=50, attempts_per_tie=4, seed=0)["trace"]
    spec = charts.mixing_trace_chart(trace.assign(network="g"), title="Mixing",
                                     description="Mean E-I of rewired graphs against swap attempts per tie.").to_dict()
    assert spec["description"].startswith("Mean E-I") and len(spec["vconcat"]) == 2
    with pytest.raises(ValueError):
        charts.mixing_trace_chart(trace.assign(network="g"), title="Mixing", description="")


def test_ei_two_nulls_is_the_tables_code_path(two_cliques):
    # the function the mobility chapter calls gives the verdicts the networking table gives
    G, groups = two_cliques
    G.add_edges_from([(0, 6), (1, 7)])  # two cross ties, so rewiring has room
    nx.set_node_attributes(G, {v: ("L" if g == "x" else "NL") for v, g in groups.items()}, "Location")
    row = network_tables.location_ei_table({"g": G}, n_perm=500, seed=4, n_chains=200).iloc[0]
    res = network_tables.ei_two_nulls(G, net.local_partition(G), n_perm=500, seed=4, n_chains=200)
    assert (res["verdict_label"], res["verdict_degree"], res["verdict"]) == (
        row.verdict_label, row.verdict_degree, row.verdict)
    assert res["label"]["p_value"] == pytest.approx(row.p_value, abs=1e-4)
    assert res["degree"]["p_value"] == pytest.approx(row.deg_p_value, abs=1e-4)
    assert res["verdict"] == "more internal than chance"   # 2 of 32 ties cross: internal under both


def _verdict_table(rows):
    cols = ["network", "verdict", "verdict_label", "verdict_degree", "n_excluded", "exact", "n_labelings",
            "ei_index", "p_value", "n_local"]
    return pd.DataFrame(rows, columns=cols)


def test_ei_prose_values_by_hand():
    I, L, C, K = ("more internal than chance", "internal under label shuffle only", "within chance range",
                  "test cannot reject")
    main = _verdict_table([["A", I, I, I, 0, True, 10, -0.5, 0.01, 4], ["B", L, I, K, 2, True, 20, -0.2, 0.02, 5],
                           ["C", "undefined", "undefined", "undefined", 0, None, None, np.nan, np.nan, 3]])
    alt = _verdict_table([["A", I, I, I, 0, True, 10, -0.4, 0.02, 4], ["B", I, I, I, 0, True, 30, -0.3, 0.01, 7],
                          ["C", "undefined", "undefined", "undefined", 0, None, None, np.nan, np.nan, 3]])
    v = network_tables.ei_prose_values(main, alt, {("B", "alt"): ["ei_index", "n_local"]})
    assert (v["n_defined"], v["undefined_names"], v["n_excluded_b"], v["n_nets_with_b"]) == (2, "C", 2, 1)
    assert (v["n_exact_main"], v["max_labelings_main"]) == (2, 20)
    assert (v["n_internal_main"], v["internal_main_names"], v["label_internal_main_names"]) == (1, "A", "A, B")
    assert (v["label_only_main_names"], v["cannot_degree_main_names"], v["chance_main_names"]) == ("B", "B", "none")
    assert (v["n_internal_alt"], v["internal_alt_names"], v["n_negative_main"]) == (2, "A, B", 2)
    assert (v["changed_names"], v["n_changed"], v["robust_names"], v["n_robust"]) == ("B", 1, "A", 1)
    assert v["b_alt_ei_index"] == -0.3 and v["b_alt_n_local"] == 7 and isinstance(v["b_alt_n_local"], int)
    assert network_tables.verdict_names(main, K) == "none" and network_tables.verdict_names(main, L) == "B"


def test_brokerage_role_summary_by_hand():
    # star: local hub with 4 local and 4 non-local leaves. Open two-paths through the hub, ties used
    # both ways: 8 * 7 = 56 = L->L->L coordinator 4*3 = 12 + NL->L->NL itinerant 12
    # + L->L->NL representative 4*4 = 16 + NL->L->L gatekeeper 16.
    S = nx.star_graph(8)
    nx.set_node_attributes(S, {v: ("NL" if v > 4 else "L") for v in S}, "Location")
    P = nx.path_graph(4)
    nx.set_node_attributes(P, {0: "L", 1: "L", 2: "NL", 3: "NL"}, "Location")
    long, wide, values = brokerage.brokerage_role_summary({"star": S, "path": P}, n_perm=200, seed=1)
    star = long[long["network"] == "star"].set_index("role")["observed"]
    assert (star["coordinator"], star["itinerant"], star["representative"], star["gatekeeper"],
            star["liaison"]) == (12, 12, 16, 16, 0)
    assert list(wide["network"]) == ["star", "path"]
    assert list(wide.columns[1:5]) == [f"observed: {r}" for r in brokerage.TWO_GROUP_ROLES]
    assert wide.loc[0, "observed: itinerant"] == 12
    assert values["gf_liaison_max"] == 0
    assert set(values) == {"gf_cross_above", "gf_cross_below", "gf_itin_below", "gf_liaison_max"}
    # the names are the networks whose role count is significantly above / below its expectation
    sig = long[long["p_value"] <= 0.05]
    rep = sig[sig["role"] == "representative"]
    assert values["gf_cross_above"] == (", ".join(rep.loc[rep["observed"] > rep["expected"], "network"]) or "none")
