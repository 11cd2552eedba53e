"""Person-level inference on labour flows (analysis/measures/flow_inference.py): hand cases, the
same-sector fit against a Poisson GLM (statsmodels), the bootstrap against a loop over resamples."""
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.measures import flow_inference as fi
from analysis.measures import mobility, stats

STATES = ["a", "b", "c", "d"]
SECTORS = {"a": "X", "b": "X", "c": "Y", "d": "Y"}


def _counts(M):
    return pd.DataFrame(np.asarray(M), index=STATES, columns=STATES)


TABLE = _counts([[50, 9, 3, 2], [7, 40, 4, 3], [2, 3, 60, 8], [3, 1, 10, 30]])


def _glm_rate_ratio(counts, sectors):
    F = counts.to_numpy(float)
    K = len(F)
    i, j = np.where(~np.eye(K, dtype=bool))
    s = np.array([sectors[x] for x in counts.index])
    X = np.column_stack([np.ones(len(i)), i[:, None] == np.arange(1, K), j[:, None] == np.arange(1, K),
                         s[i] == s[j]]).astype(float)
    res = sm.GLM(F[i, j], X, family=sm.families.Poisson()).fit(tol=1e-12)
    return float(np.exp(res.params[-1])), res


def test_same_sector_fit_equals_glm():
    fit = fi.same_sector_fit(TABLE, SECTORS)
    rr, res = _glm_rate_ratio(TABLE, SECTORS)
    assert fit["rate_ratio"] == pytest.approx(rr, rel=1e-8)
    assert fit["g2"] == pytest.approx(res.deviance, rel=1e-6)
    assert fit["df"] == 9 - 4 - 1
    # LR statistic = G2 of quasi-independence minus G2 with the term
    assert fit["lr"] == pytest.approx(mobility.quasi_independence(TABLE)["g2"] - res.deviance, rel=1e-6)
    # fitted margins equal the observed off-diagonal margins (sufficient statistics)
    F = TABLE.to_numpy(float, copy=True)
    np.fill_diagonal(F, 0)
    np.testing.assert_allclose(np.nansum(fit["fitted"].to_numpy(), axis=1), F.sum(axis=1), rtol=1e-8)


def test_same_sector_rate_ratio_by_hand():
    # off-diagonal flows of 1 everywhere except within-sector pairs of 2 (a<->b, c<->d): rows and
    # columns are symmetric, so quasi-independence + term reproduces the table with ratio exactly 2
    M = np.ones((4, 4))
    M[0, 1] = M[1, 0] = M[2, 3] = M[3, 2] = 2
    fit = fi.same_sector_fit(_counts(M), SECTORS)
    assert fit["rate_ratio"] == pytest.approx(2.0) and fit["g2"] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="sectors lacks"):
        fi.same_sector_fit(TABLE, {"a": "X"})
    with pytest.raises(ValueError, match="some pairs"):
        fi.same_sector_fit(TABLE, {x: "X" for x in STATES})


def _panel():
    # person 1: a->b->a (a reversal), person 2: c->c->a, person 3: b->b->b, person 4: d->c->d->c
    rows = [(1, 1, "a"), (1, 2, "b"), (1, 3, "a"), (2, 1, "c"), (2, 2, "c"), (2, 3, "a"),
            (3, 1, "b"), (3, 2, "b"), (3, 3, "b"), (4, 1, "d"), (4, 2, "c"), (4, 3, "d"), (4, 4, "c")]
    return mobility.transitions(pd.DataFrame(rows, columns=["nr", "year", "industry"]))


def test_first_moves_by_hand():
    first = fi.first_moves(_panel())
    assert list(first["person"]) == [1, 2, 4]
    assert list(zip(first["origin"], first["destination"])) == [("a", "b"), ("c", "a"), ("d", "c")]


def test_reversal_baseline_by_hand():
    trans = _panel()
    flagged = mobility.reversals(trans)
    P = mobility.transition_matrix(trans, order=STATES)
    res = fi.reversal_baseline(flagged, P)
    # moves with an observed next year: 1: a->b; 4: d->c, c->d. P_ba = 1/3 (b: b->a, b->b, b->b),
    # P_cd = 1/3 (c: c->c, c->a, c->d), P_dc = 2/2 = 1 -> expected (1/3 + 1/3 + 1)/3 = 5/9
    assert res["moves_with_next"] == 3 and res["expected"] == pytest.approx(5 / 9)
    assert res["observed"] == pytest.approx(1.0)   # all three are undone the next year
    with pytest.raises(ValueError, match="not in P"):
        fi.reversal_baseline(flagged, P.drop(index="a", columns="a"))


def test_moves_per_person_by_hand():
    # two states, chain M = [[0.5, 0.5], [0, 1]]; one man starting in state 0 with 2 transitions.
    # No stayers: moves 0 w.p. 0.25 (stay, stay), 1 w.p. 0.5 + 0.25 = 0.75 (move then stuck; or stay then move)
    hist = pd.DataFrame({"person": [1], "start": ["a"], "n_trans": [2], "ever_moved": [True]})
    trans = pd.DataFrame({"person": [1, 1], "moved": [True, False]})
    M = pd.DataFrame([[0.5, 0.5], [0.0, 1.0]], index=["a", "b"], columns=["a", "b"])
    fit = {"s": pd.Series([0.0, 0.0], index=["a", "b"]), "M": M}
    out = fi.moves_per_person(hist, trans, M, fit, max_moves=2).set_index("moves")
    np.testing.assert_allclose(out["mover_stayer"], [0.25, 0.75, 0.0])
    assert list(out["observed"]) == [0, 1, 0] and list(out.index) == ["0", "1", "2+"]
    # a stayer share s = 0.4 moves weight to zero moves: 0.4 + 0.6 x 0.25
    fit["s"] = pd.Series([0.4, 0.0], index=["a", "b"])
    out = fi.moves_per_person(hist, trans, M, fit, max_moves=2).set_index("moves")
    np.testing.assert_allclose(out["mover_stayer"], [0.55, 0.45, 0.0])


def test_predicted_moves_sum_to_persons_on_the_panel():
    trans = _panel()
    hist = mobility.histories(trans)
    ms = mobility.mover_stayer(trans, hist, order=STATES)
    P = mobility.transition_matrix(trans, order=STATES)
    out = fi.moves_per_person(hist, trans, P, ms, max_moves=3)
    assert out["observed"].sum() == len(hist)
    assert out["mover_stayer"].sum() == pytest.approx(len(hist)) and out["chain"].sum() == pytest.approx(len(hist))


def _moves(n_persons=40, per_person=3, seed=0):
    """Synthetic moves: each person makes moves drawn from TABLE's off-diagonal cells."""
    rng = np.random.default_rng(seed)
    F = TABLE.to_numpy(float, copy=True)
    np.fill_diagonal(F, 0)
    cells = rng.choice(16, size=(n_persons, per_person), p=(F / F.sum()).ravel())
    return pd.DataFrame({"person": np.repeat(np.arange(n_persons), per_person),
                         "origin": [STATES[c // 4] for c in cells.ravel()],
                         "destination": [STATES[c % 4] for c in cells.ravel()], "moved": True})


def test_same_sector_bootstrap_equals_a_loop_over_resamples():
    moves = _moves()
    res = fi.same_sector_bootstrap(moves, SECTORS, STATES, n_boot=30, seed=3)
    # the same resamples (stats' index stream), each table built person by person and refitted alone
    persons = np.sort(moves["person"].unique())
    W = stats._resample_counts(len(persons), 30, np.random.default_rng(3))
    same = fi._same_mask(STATES, SECTORS)
    per = [mobility.flow_counts(moves[moves["person"] == p], order=STATES).to_numpy(float) for p in persons]
    thetas = [float(fi._fit_stack(sum(w[k] * per[k] for k in range(len(persons))), same)[1]) for w in W]
    low, high = np.quantile(thetas, [0.025, 0.975])
    assert (res["low"], res["high"]) == pytest.approx((low, high), rel=1e-6)
    assert res["n_persons"] == 40 and res["n_boot"] == 30 and res["n_dropped"] == 0
    assert res["estimate"] == pytest.approx(fi.same_sector_fit(mobility.flow_counts(moves, STATES), SECTORS)["rate_ratio"])
    # a resample without any cross-sector move has no finite ratio: dropped and counted. Person 0
    # moves only inside sectors; person 1 everywhere: about a quarter of resamples are (0, 0)
    same_only = _moves(1, 40, seed=5)
    same_only = same_only[same_only["origin"].map(SECTORS) == same_only["destination"].map(SECTORS)]
    two = pd.concat([same_only, _moves(1, 60, seed=6).assign(person=1)])
    out = fi.same_sector_bootstrap(two, SECTORS, STATES, n_boot=200, seed=1)
    W = stats._resample_counts(2, 200, np.random.default_rng(1))
    assert out["n_dropped"] == int((W[:, 1] == 0).sum()) > 0
