"""Tests for analysis.measures.embeddedness, with expected values worked out by hand in comments."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.measures import embeddedness as em
from analysis.measures import stats


def layer(edges, nodes="abcd", directed=False):
    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(nodes)
    G.add_edges_from(edges)
    return G


# E1 = {ab, bc, cd}, E2 = {ab, cd, ad} on nodes a, b, c, d.
E1 = layer([("a", "b"), ("b", "c"), ("c", "d")])
E2 = layer([("a", "b"), ("c", "d"), ("a", "d")])


def test_hand_case_overlap_and_probabilities():
    # E1 ∩ E2 = {ab, cd} -> 2;  E1 ∪ E2 = {ab, bc, cd, ad} -> 4;  J = 2/4 = 0.5
    assert em.jaccard_overlap(E1, E2) == pytest.approx(0.5)
    # P(E1 | E2) = |E1 ∩ E2| / |E2| = 2/3;  P(E2 | E1) = 2/3 too (both have 3 ties)
    assert em.conditional_tie_probability(E1, E2) == pytest.approx(2 / 3)
    # baseline density: 3 ties out of 4*3/2 = 6 pairs -> 0.5
    assert em.tie_probability(E1) == pytest.approx(0.5)
    # asymmetric case: E1 minus bc has 2 ties, both in E2 -> P(E1'|E2) = 2/3, P(E2|E1') = 2/2 = 1
    E1b = layer([("a", "b"), ("c", "d")])
    assert em.conditional_tie_probability(E1b, E2) == pytest.approx(2 / 3)
    assert em.conditional_tie_probability(E2, E1b) == pytest.approx(1.0)


def test_directed_and_reciprocated_ties_count_once():
    # a->b and b->a is ONE tie ab; with E2 that gives the same hand values as above
    D1 = layer([("a", "b"), ("b", "a"), ("c", "b"), ("c", "d")], directed=True)
    assert em.jaccard_overlap(D1, E2) == pytest.approx(0.5)
    assert em.conditional_tie_probability(D1, E2) == pytest.approx(2 / 3)
    assert em.tie_probability(D1) == pytest.approx(0.5)


def test_identical_and_disjoint_layers():
    assert em.jaccard_overlap(E1, E1) == 1.0
    # E1 = {ab, bc, cd} and its complement {ac, ad, bd} share nothing -> J = 0, P = 0
    comp = layer([("a", "c"), ("a", "d"), ("b", "d")])
    assert em.jaccard_overlap(E1, comp) == 0.0
    assert em.conditional_tie_probability(E1, comp) == 0.0
    res = em.qap_test(E1, comp, n_perm=200, seed=1)
    # observed 0 and every null value >= 0 -> p = (1 + 200) / 201 = 1
    assert res["observed"] == 0.0 and res["p_value"] == 1.0


def test_adjacency_order_symmetry_diagonal():
    D = layer([("a", "b"), ("b", "a"), ("c", "a"), ("d", "d")], directed=True)
    A = em.adjacency(D, ["c", "a", "b", "d"])
    # order c, a, b, d: ties ca, ab only; self-loop dd dropped
    expected = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(A, expected)


def test_qap_identical_layers_small_p():
    G = nx.gnm_random_graph(14, 20, seed=3)
    res = em.qap_test(G, G.copy(), n_perm=999, seed=7)
    assert res["observed"] == 1.0
    # only automorphisms reproduce J = 1; for this graph essentially none of 999 draws
    assert res["p_value"] < 0.01
    assert res["expected_mean"] < 0.3


def test_qap_result_contents_and_formula():
    res = em.qap_test(E1, E2, stat="conditional", n_perm=300, seed=11)
    null = res["null"]
    assert null.shape == (300,) and res["n_perm"] == 300 and res["seed"] == 11
    assert res["observed"] == pytest.approx(2 / 3)
    assert res["p_value"] == (1 + np.sum(null >= res["observed"] - 1e-12)) / 301
    assert 0 < res["p_value"] <= 1
    assert res["expected_mean"] == pytest.approx(null.mean())
    assert res["ci_low"] == pytest.approx(np.percentile(null, 2.5))
    assert res["ci_high"] == pytest.approx(np.percentile(null, 97.5))
    # permuting E1 (3 ties) against E2 (3 ties): conditional null values are k/3, k in 0..3
    assert set(np.round(null * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}


def test_qap_determinism():
    G1, G2 = nx.gnm_random_graph(16, 15, seed=1), nx.gnm_random_graph(16, 20, seed=2)
    r1, r2 = em.qap_test(G1, G2, seed=5), em.qap_test(G1, G2, seed=5)
    np.testing.assert_array_equal(r1["null"], r2["null"])
    assert r1["p_value"] == r2["p_value"]
    assert not np.array_equal(r1["null"], em.qap_test(G1, G2, seed=6)["null"])


@pytest.mark.parametrize("seed", range(5))
def test_qap_permutation_preserves_structure(seed):
    # property: each relabelled layer, read from its upper triangle as qap_test does, is isomorphic
    G = nx.gnm_random_graph(9, 12, seed=seed)
    A = em.adjacency(G, sorted(G))
    stack = em.permuted_adjacencies(A, 50, seed=seed)
    iu = np.triu_indices(9, k=1)
    degrees = sorted(A.sum(axis=0))
    for P in stack:
        np.testing.assert_array_equal(P, P.T)
        assert np.trace(P) == 0
        H = nx.Graph()
        H.add_nodes_from(range(9))
        H.add_edges_from(zip(iu[0][P[iu] == 1], iu[1][P[iu] == 1]))
        assert sorted(d for _, d in H.degree()) == degrees
    assert nx.is_isomorphic(H, G)


# Directed hand-made organisation network.  Location: a L, b B, c NL, d L, e B.
# Arcs: a->b, b->a (reciprocated), a->c, d->a, b->c, c->e, e->b, d->d (self-loop).
# Undirected partners: a:{b,c,d}  b:{a,c,e}  c:{a,b,e}  d:{a}  e:{b,c}
LOC = {"a": "L", "b": "B", "c": "NL", "d": "L", "e": "B"}


def org_graph():
    D = layer([("a", "b"), ("b", "a"), ("a", "c"), ("d", "a"), ("b", "c"), ("c", "e"), ("e", "b"),
               ("d", "d")], nodes="abcde", directed=True)
    nx.set_node_attributes(D, LOC, "Location")
    return D


def test_local_degree_hand_case():
    df = em.local_degree(org_graph())
    assert list(df.columns) == ["node", "group", "local_degree", "degree"]
    assert list(df["node"]) == list("abcde")
    assert list(df["group"]) == ["L", "B", "NL", "L", "B"]
    # local set {L, B}: a{b,d}=2  b{a,e}=2  c{a,b,e}=3  d{a}=1  e{b}=1
    assert list(df["local_degree"]) == [2, 2, 3, 1, 1]
    # distinct partners, reciprocated a<->b once, self-loop d-d ignored
    assert list(df["degree"]) == [3, 3, 3, 1, 2]
    # alternative local set {L} only: a{d}=1  b{a}=1  c{a}=1  d{a}=1  e{}=0
    assert list(em.local_degree(org_graph(), local=("L",))["local_degree"]) == [1, 1, 1, 1, 0]
    assert list(em.local_degree(org_graph(), local="L")["local_degree"]) == [1, 1, 1, 1, 0]


def test_pooled_local_degree():
    small = layer([("x", "y")], nodes="xyz")
    nx.set_node_attributes(small, {"x": "B", "y": "L", "z": "NL"}, "Location")
    df = em.pooled_local_degree({"org": org_graph(), "small": small})
    assert list(df.columns) == ["network", "node", "group", "local_degree", "degree", "local_degree_z"]
    assert list(df["network"]) == ["org"] * 5 + ["small"] * 3
    # org: n - 1 = 4 -> 2/4, 2/4, 3/4, 1/4, 1/4;  small: n - 1 = 2 -> x{y}=1/2, y{x}=1/2, z=0
    np.testing.assert_allclose(df["local_degree_z"], [.5, .5, .75, .25, .25, .5, .5, 0])
    assert "local_degree_z" not in em.pooled_local_degree({"s": small}, standardise=False)


def scope_frame():
    # B: 5..10 (mean 7.5); L: 0,1,2,1,0,2 (mean 1.0); diff = 6.5.  NL row must be ignored.
    # Exact permutation p: only 1 of C(12,6) = 924 splits reaches 6.5 -> p ~ 0.001
    return pd.DataFrame({"group": ["B"] * 6 + ["L"] * 6 + ["NL"],
                         "local_degree": [5, 6, 7, 8, 9, 10, 0, 1, 2, 1, 0, 2, 99]})


def test_group_difference_clear_case():
    res = em.group_difference_test(scope_frame(), n_perm=2000, seed=3)
    assert (res["mean_a"], res["mean_b"], res["diff"]) == (7.5, 1.0, 6.5)
    assert (res["n_a"], res["n_b"], res["n_perm"], res["seed"]) == (6, 6, 2000, 3)
    assert res["p_value"] < 0.01
    assert res["ci_low"] < 0 < res["ci_high"] < 6.5
    swapped = em.group_difference_test(scope_frame(), a="L", b="B", n_perm=2000, seed=3)
    assert swapped["diff"] == -6.5 and swapped["p_value"] > 0.99
    again = em.group_difference_test(scope_frame(), n_perm=2000, seed=3)
    np.testing.assert_array_equal(res["null"], again["null"])


def test_round_result():
    res = {"observed": 2 / 3, "null": np.array([1 / 3]), "n_perm": 7, "p_value": np.float64(0.12345),
           "stat": "jaccard"}
    out = em.round_result(res)
    assert out["observed"] == 0.667 and out["p_value"] == 0.123
    assert out["n_perm"] == 7 and out["stat"] == "jaccard" and out["null"][0] == 1 / 3


def test_bad_input_errors():
    other = layer([("a", "b")], nodes="abce")
    with pytest.raises(ValueError, match=r"only in first: \['d'\]; only in second: \['e'\]"):
        em.jaccard_overlap(E1, other)
    with pytest.raises(ValueError, match="only in first"):
        em.qap_test(E1, other)
    with pytest.raises(ValueError, match="stat must be"):
        em.qap_test(E1, E2, stat="pearson")
    with pytest.raises(ValueError, match="social layer has no ties"):
        em.conditional_tie_probability(E1, layer([]))
    with pytest.raises(ValueError, match="both layers have no ties"):
        em.jaccard_overlap(layer([]), layer([]))
    with pytest.raises(ValueError, match="not in graph"):
        em.adjacency(E1, list("abcde"))
    D = org_graph()
    del D.nodes["c"]["Location"]
    with pytest.raises(ValueError, match="node 'c' has no attribute 'Location'"):
        em.local_degree(D)
    with pytest.raises(ValueError, match="group 'X' is empty"):
        em.group_difference_test(scope_frame(), a="X")
    with pytest.raises(ValueError, match="column 'size'"):
        em.group_difference_test(scope_frame(), value="size")


# ---- multiplex view, overlap summary, stratified and per-stratum tests, bootstrap table

def test_multiplex_graph_tags_layers():
    # E1 = {ab, bc, cd}, E2 = {ab, cd, ad}: both {ab, cd}; E1 only {bc}; E2 only {ad}
    G1 = E1.copy()
    nx.set_node_attributes(G1, {"a": 1, "b": 2, "c": 3, "d": 4}, "wealth")
    H = em.multiplex_graph(G1, E2, names=("x", "y"))
    tags = {frozenset(e): d["layer"] for *e, d in H.edges(data=True)}
    assert tags == {frozenset("ab"): "both", frozenset("cd"): "both",
                    frozenset("bc"): "x only", frozenset("ad"): "y only"}
    assert list(H) == list("abcd") and H.nodes["c"]["wealth"] == 3
    # reciprocated arcs and self-loops: a<->b once, d->d dropped
    D = layer([("a", "b"), ("b", "a"), ("d", "d")], directed=True)
    assert sorted(map(sorted, em.multiplex_graph(D, E2).edges())) == [["a", "b"], ["a", "d"], ["c", "d"]]
    with pytest.raises(ValueError, match="two different layer names"):
        em.multiplex_graph(E1, E2, names=("x", "x"))


def test_overlap_summary_hand_case():
    # 4 nodes -> 6 pairs; E1 3 ties, E2 3 ties, shared 2, union 4
    s = em.overlap_summary(E1, E2)
    assert (s["n"], s["pairs"], s["ties_econ"], s["ties_social"], s["shared"], s["union"]) == (4, 6, 3, 3, 2, 4)
    assert s["jaccard"] == pytest.approx(0.5)
    assert s["p_econ"] == pytest.approx(3 / 6) and s["p_social"] == pytest.approx(3 / 6)
    assert s["p_econ_given_social"] == pytest.approx(2 / 3)
    assert s["p_social_given_econ"] == pytest.approx(2 / 3)
    assert s["lift"] == pytest.approx((2 / 3) / (3 / 6))   # 4/3
    assert s["jaccard"] == em.jaccard_overlap(E1, E2)
    with pytest.raises(ValueError, match="ties in both layers"):
        em.overlap_summary(E1, layer([]))


def simpson_frame():
    # stratum s1 (sparse): B 1, 1; L 0, 0.   stratum s2 (dense): L 5, 5, 5, 5 only.   NL ignored.
    # pooled: mean_B = 1, mean_L = (0 + 0 + 20)/6 = 10/3, diff = 1 - 10/3 = -7/3
    return pd.DataFrame({"network": ["s1"] * 4 + ["s2"] * 4 + ["s1"],
                         "group": ["B", "B", "L", "L", "L", "L", "L", "L", "NL"],
                         "z": [1, 1, 0, 0, 5, 5, 5, 5, 99]})


def test_stratified_test_hand_case():
    res = em.stratified_group_difference_test(simpson_frame(), value="z", n_perm=3000, seed=4)
    assert res["diff"] == pytest.approx(-7 / 3)
    assert (res["mean_a"], res["n_a"], res["n_b"], res["n_strata_mixed"]) == (1.0, 2, 6, 1)
    # only s1 permutes: B takes 2 of {1, 1, 0, 0} -> B sum 2 (1/6), 1 (4/6), 0 (1/6);
    # total 22, so diff = sB/2 - (22 - sB)/6 is -7/3, -3 or -11/3; E[diff] = -3
    assert set(np.round(res["null"], 9)) <= {round(-7 / 3, 9), -3.0, round(-11 / 3, 9)}
    assert res["expected_mean"] == pytest.approx(-3, abs=0.05)
    # observed is the maximum of the null -> p ~ 1/6; the unstratified test sees -7/3 as low
    assert 0.13 < res["p_value"] < 0.21
    naive = em.group_difference_test(simpson_frame(), value="z", n_perm=3000, seed=4)
    assert naive["diff"] == pytest.approx(res["diff"]) and naive["p_value"] > 0.5
    again = em.stratified_group_difference_test(simpson_frame(), value="z", n_perm=3000, seed=4)
    np.testing.assert_array_equal(res["null"], again["null"])
    with pytest.raises(ValueError, match="column 'place'"):
        em.stratified_group_difference_test(simpson_frame(), value="z", strata="place")
    with pytest.raises(ValueError, match="group 'X' is empty"):
        em.stratified_group_difference_test(simpson_frame(), value="z", a="X")


def test_per_stratum_tests():
    df = pd.concat([simpson_frame(), scope_frame().assign(network="s3", z=scope_frame()["local_degree"])])
    out = em.per_stratum_tests(df, value="z", n_perm=2000, seed=3)
    # s2 has no B -> left out; s1: B mean 1, L mean 0; s3 as in test_group_difference_clear_case
    assert list(out["network"]) == ["s1", "s3"]
    assert list(out.columns) == ["network", "n_a", "n_b", "mean_a", "mean_b", "diff", "p_value"]
    assert out.loc[0, ["n_a", "n_b", "mean_a", "mean_b", "diff"]].tolist() == [2, 2, 1.0, 0.0, 1.0]
    assert out.loc[1, "diff"] == 6.5 and out.loc[1, "p_value"] < 0.01
    with pytest.raises(ValueError, match="no 'network' holds both"):
        em.per_stratum_tests(df[df["network"] == "s2"], value="z")


def test_bootstrap_intervals_table():
    out = em.bootstrap_intervals(simpson_frame(), value="z", by="group", seed=1)
    assert list(out.columns) == ["group", "n", "mean", "low", "high", "label"]
    assert list(out["group"]) == ["B", "L", "NL"] and list(out["n"]) == [2, 6, 1]
    # B values are 1, 1 -> every resample mean is 1; NL single value 99
    assert out.loc[0, ["mean", "low", "high"]].tolist() == [1.0, 1.0, 1.0]
    assert out.loc[2, ["mean", "low", "high"]].tolist() == [99.0, 99.0, 99.0]
    assert out.loc[1, "mean"] == pytest.approx(10 / 3) and out.loc[1, "label"] == "L (n = 6)"
    assert (out.loc[1, "low"], out.loc[1, "high"]) == stats.bootstrap_mean_ci([0, 0, 5, 5, 5, 5], seed=1)[1:]
    two = em.bootstrap_intervals(simpson_frame(), value="z", by=["network", "group"], seed=1)
    assert list(two["label"]) == ["s1: B (n = 2)", "s1: L (n = 2)", "s1: NL (n = 1)", "s2: L (n = 4)"]
    with pytest.raises(ValueError, match="column 'size'"):
        em.bootstrap_intervals(simpson_frame(), value="size", by="group")


# --- one QAP test, three readings ----------------------------------------------------------------
# pairs in order ab, ac, ad, bc, bd, cd: E1 = (1,0,0,1,0,1), E2 = (1,0,1,0,0,1); s = 2, e1 = e2 = 3, m = 6
# J = 2/4; P(E1 | E2) = 2/3; r = (6*2 - 3*3) / sqrt(3*3*3*3) = 3/9 = 1/3

def test_shared_tie_readings_hand_case_and_corrcoef():
    r = em.shared_tie_readings(2, 3, 3, 6)
    assert r["jaccard"] == pytest.approx(0.5) and r["conditional"] == pytest.approx(2 / 3)
    assert r["correlation"] == pytest.approx(1 / 3)
    x, y = np.array([1, 0, 0, 1, 0, 1]), np.array([1, 0, 1, 0, 0, 1])
    assert r["correlation"] == pytest.approx(np.corrcoef(x, y)[0, 1])   # independent formula
    with pytest.raises(ValueError, match="0 < ties < pairs"):
        em.shared_tie_readings(0, 0, 3, 6)


def test_readings_strictly_increasing_in_shared_ties():
    s = np.arange(0, 16)
    for v in em.shared_tie_readings(s, 15, 20, 120).values():
        assert np.all(np.diff(v) > 0)


def test_qap_shared_same_p_as_each_statistic():
    G1, G2 = nx.gnm_random_graph(12, 14, seed=1), nx.gnm_random_graph(12, 18, seed=2)
    G2.add_edges_from(list(G1.edges())[:6])      # plant some overlap
    res = em.qap_shared_test(G1, G2, n_perm=3000, seed=9)
    for stat in ("jaccard", "conditional"):
        assert em.qap_test(G1, G2, stat=stat, n_perm=3000, seed=9)["p_value"] == res["p_value"]
    # the correlation reading, computed independently with np.corrcoef on the same permutations
    nodes = sorted(G1)
    A, B = em.adjacency(G1, nodes), em.adjacency(G2, nodes)
    iu = np.triu_indices(12, 1)
    stack = em.permuted_adjacencies(A, 3000, seed=9)[:, iu[0], iu[1]].astype(float)
    obs = np.corrcoef(A[iu], B[iu])[0, 1]
    null_r = np.array([np.corrcoef(v, B[iu])[0, 1] for v in stack])
    assert res["readings"]["correlation"] == pytest.approx(obs)
    assert res["p_value"] == (1 + np.sum(null_r >= obs - 1e-12)) / 3001
    # batching does not change the draws
    assert em.qap_shared_test(G1, G2, n_perm=3000, seed=9, batch=700)["p_value"] == res["p_value"]


def test_qap_shared_null_matches_exact_enumeration():
    # 4 nodes: all 24 relabellings can be listed; the Monte Carlo null must approach them
    from itertools import permutations
    nodes = list("abcd")
    A, B = em.adjacency(E1, nodes), em.adjacency(E2, nodes)
    exact = np.bincount([int((A[np.ix_(p, p)] * B).sum() // 2) for p in permutations(range(4))],
                        minlength=4) / 24
    res = em.qap_shared_test(E1, E2, n_perm=48_000, seed=3)
    mc = res["null_counts"].reindex(range(4), fill_value=0).to_numpy() / 48_000
    np.testing.assert_allclose(mc, exact, atol=0.01)
    assert res["observed"] == 2 and res["null_mean"] == pytest.approx(exact @ np.arange(4), abs=0.02)
    k = res["n_extreme"]
    assert res["p_value"] == (1 + k) / 48_001 and res["min_p"] == 1 / 48_001
    assert res["mc_se"] == pytest.approx(np.sqrt(k / 48_000 * (1 - k / 48_000) / 48_000))
    assert res["mc_low"] < k / 48_000 < res["mc_high"]


def test_qap_readings_table():
    res = em.qap_shared_test(E1, E2, n_perm=500, seed=3)
    t = em.qap_readings_table(res)
    assert t["observed"].tolist() == pytest.approx([0.5, 2 / 3, 1 / 3])
    assert t["p (one test)"].nunique() == 1


def test_group_difference_agrees_with_scipy_exact():
    # the Monte Carlo shuffle estimates the exact p-value scipy.stats.permutation_test enumerates
    from scipy import stats as sps
    df = pd.DataFrame({"group": ["B"] * 5 + ["L"] * 6, "x": [3, 5, 2, 6, 4, 1, 3, 2, 4, 0, 2]})
    ours = em.group_difference_test(df, value="x", n_perm=20000, seed=7)
    b, l = df.loc[df.group == "B", "x"].to_numpy(float), df.loc[df.group == "L", "x"].to_numpy(float)
    ref = sps.permutation_test((b, l), lambda u, v, axis=-1: u.mean(axis) - v.mean(axis), vectorized=True,
                               permutation_type="independent", n_resamples=np.inf, alternative="greater")
    lo, hi = stats.mc_pvalue_interval(ours["null"], ours["diff"], alternative="greater", level=0.999)
    assert lo <= ref.pvalue <= hi and abs(ours["p_value"] - ref.pvalue) < 0.01
    # one stratum: the stratified test is the plain test (same draws, same p)
    strat = em.stratified_group_difference_test(df.assign(network="s"), value="x", n_perm=20000, seed=7)
    assert strat["p_value"] == pytest.approx(ours["p_value"])
