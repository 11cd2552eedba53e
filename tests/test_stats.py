"""Tests for analysis.measures.stats: p-value conventions by hand and against scipy.stats.permutation_test;
Wilson against its formula; the bootstraps against scipy.stats.bootstrap."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats import norm

from analysis.measures import stats


def mean_diff(codes):
    # statistic on labellings: mean of VALUES in group 0 minus group 1 (codes (..., n))
    codes = np.asarray(codes)
    g0 = codes == 0
    return (VALUES * g0).sum(-1) / g0.sum(-1) - (VALUES * ~g0).sum(-1) / (~g0).sum(-1)


VALUES = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.5, 4.0])
LABELS = np.array([0, 0, 0, 1, 1, 1, 0])


def scipy_reference(n_resamples, alternative="two-sided", seed=0):
    x, y = VALUES[LABELS == 0], VALUES[LABELS == 1]
    return sps.permutation_test((x, y), lambda a, b, axis=-1: a.mean(axis) - b.mean(axis),
                                permutation_type="independent", vectorized=True,
                                n_resamples=n_resamples, alternative=alternative,
                                rng=np.random.default_rng(seed))


def test_n_labelings_by_hand():
    assert stats.n_labelings([2, 2]) == 6
    assert stats.n_labelings([19, 1]) == 20
    assert stats.n_labelings([1, 1, 1]) == 6  # 3!/(1!1!1!)
    assert stats.n_labelings([9, 11]) == math.comb(20, 9)
    with pytest.raises(ValueError, match="non-negative"):
        stats.n_labelings([-1, 3])


def test_pvalue_conventions_by_hand():
    null = np.array([0.0, 1.0, 2.0, 3.0])
    # exact: share at least as extreme, observed among them
    assert stats.pvalue_from_null(null, 3.0, exact=True, alternative="greater") == 0.25
    assert stats.pvalue_from_null(null, 0.0, exact=True, alternative="less") == 0.25
    assert stats.pvalue_from_null(null, 3.0, exact=True) == 0.5  # two-sided doubles
    assert stats.pvalue_from_null(null, 1.5, exact=True) == 1.0  # capped
    # Monte Carlo: (1 + k)/(R + 1)
    assert stats.pvalue_from_null(null, 3.0, exact=False, alternative="greater") == pytest.approx(2 / 5)
    assert stats.pvalue_from_null(null, 9.0, exact=False, alternative="greater") == pytest.approx(1 / 5)
    with pytest.raises(ValueError, match="alternative"):
        stats.pvalue_from_null(null, 1.0, exact=True, alternative="both")


def test_smallest_attainable_p_by_hand():
    # 20 equally likely labellings, statistic takes 20 distinct values: best two-sided p = 2/20
    null = np.arange(20.0)
    assert stats.smallest_attainable_p(null, exact=True) == pytest.approx(0.1)
    assert stats.smallest_attainable_p(null, exact=True, alternative="less") == pytest.approx(0.05)
    # a point-mass null can never reject
    assert stats.smallest_attainable_p(np.zeros(50), exact=False, observed=0.0) == 1.0


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_exact_matches_scipy(alternative):
    ours = stats.label_permutation_test(mean_diff, LABELS, alternative=alternative)
    ref = scipy_reference(np.inf, alternative)
    assert ours["exact"] and ours["n_labelings"] == math.comb(7, 4) == len(ours["null"])
    assert ours["observed"] == pytest.approx(ref.statistic)
    assert ours["p_value"] == pytest.approx(ref.pvalue)
    np.testing.assert_allclose(np.sort(ours["null"]), np.sort(ref.null_distribution))
    assert ours["p_interval"] == (ours["p_value"], ours["p_value"])


def test_exact_three_groups_uses_scipy_enumeration():
    labels = np.array([0, 0, 1, 1, 2, 2])
    vals = np.array([1.0, 2.0, 5.0, 6.0, 9.0, 9.5])

    def spread(codes):  # mean of group 2 minus mean of group 0
        codes = np.asarray(codes)
        return ((vals * (codes == 2)).sum(-1) - (vals * (codes == 0)).sum(-1)) / 2

    r = stats.label_permutation_test(spread, labels, alternative="greater")
    assert r["exact"] and r["n_labelings"] == 90 == len(r["null"])
    # the observed labelling is the most extreme; its mirror with groups 0, 2 swapped is not
    # (it gives the minimum), so exactly the labellings with {9, 9.5} in group 2 and {1, 2} in 0: 1/90
    assert r["p_value"] == pytest.approx(1 / 90)


def test_monte_carlo_matches_scipy_and_interval():
    ours = stats.label_permutation_test(mean_diff, LABELS, n_resamples=30, seed=3, max_exact=10)
    assert not ours["exact"] and ours["n_resamples"] == 30
    ref = scipy_reference(30, seed=3)
    assert ours["p_value"] == pytest.approx(ref.pvalue)  # same generator, same convention
    lo, hi = ours["p_interval"]
    exact_p = scipy_reference(np.inf).pvalue
    assert lo <= ours["p_value"] <= hi and lo <= exact_p <= hi
    again = stats.label_permutation_test(mean_diff, LABELS, n_resamples=30, seed=3, max_exact=10)
    np.testing.assert_array_equal(ours["null"], again["null"])


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 groups"):
        stats.label_permutation_test(mean_diff, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="1-d"):
        stats.label_permutation_test(mean_diff, np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="n_resamples"):
        stats.label_permutation_test(mean_diff, LABELS, n_resamples=0)


# ---- intervals (formerly analysis.intervals) ---------------------------------------------------
def test_wilson_matches_hand_formula():
    k, n, z = 3, 10, norm.ppf(0.975)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low, high = stats.wilson(k, n)
    assert low == pytest.approx(centre - half) and high == pytest.approx(centre + half)
    low0, high0 = stats.wilson([0, 10], [10, 10])   # stays inside [0, 1]
    assert low0[0] == pytest.approx(0) and high0[1] == pytest.approx(1)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        stats.wilson(11, 10)


def test_one_observation_per_person_matches_scipy_exactly():
    # With one observation per cluster the cluster bootstrap of a ratio is the ordinary bootstrap
    # of a mean; both draw rng.integers(0, C, (n_boot, C)), so with one seed they agree exactly.
    rng = np.random.default_rng(0)
    y = (rng.random(80) < 0.3).astype(float)
    ours = stats.cluster_bootstrap_ratio(y, np.ones_like(y), n_boot=3000, seed=11)
    ref = sps.bootstrap((y,), np.mean, n_resamples=3000, method="percentile", vectorized=True,
                          rng=np.random.default_rng(11), confidence_level=0.95)
    assert ours["low"] == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert ours["high"] == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    assert ours["estimate"] == pytest.approx(y.mean())


def test_resample_counts_are_multinomial_draws():
    W = stats._resample_counts(5, 4, np.random.default_rng(3))
    idx = np.random.default_rng(3).integers(0, 5, size=(4, 5))
    expected = np.stack([np.bincount(r, minlength=5) for r in idx])
    np.testing.assert_array_equal(W, expected)
    assert (W.sum(axis=1) == 5).all()


def test_clusters_widen_the_interval():
    # 40 persons, each observed 10 times and either always moving or never: the information is
    # in 40 persons, not 400 transitions, so the cluster interval must be much wider than Wilson.
    always = np.r_[np.ones(12), np.zeros(28)]
    df = pd.DataFrame({"person": np.repeat(np.arange(40), 10), "moved": np.repeat(always, 10)})
    tab = stats.cluster_rate_table(df, "person", "moved", n_boot=4000, seed=5)
    row = tab.loc["all"]
    assert row["rate"] == pytest.approx(0.3) and row["n"] == 400 and row["n_clusters"] == 40
    assert (row["boot_high"] - row["boot_low"]) > 2.5 * (row["wilson_high"] - row["wilson_low"])


def test_groups_resampled_jointly_and_hand_case():
    # two persons, groups a/b: person 0 has (a: 1 of 2), person 1 has (a: 0 of 1, b: 1 of 1)
    df = pd.DataFrame({"person": [0, 0, 1, 1], "g": ["a", "a", "a", "b"], "moved": [1, 0, 0, 1]})
    tab = stats.cluster_rate_table(df, "person", "moved", by="g", n_boot=500, seed=1)
    assert list(tab.index) == ["a", "b"]
    assert tab.loc["a", "rate"] == pytest.approx(1 / 3) and tab.loc["b", "rate"] == 1
    # group a: resamples give 1/2 (person 0 twice), 0 (person 1 twice) or 1/3 (both)
    assert tab.loc["a", "boot_low"] >= 0 and tab.loc["a", "boot_high"] <= 0.5
    res = stats.cluster_bootstrap_ratio([[1, 0], [0, 1]], [[2, 0], [1, 1]], n_boot=500, seed=1)
    assert res["n_dropped"][1] > 0          # resamples with person 0 only have no b observation


def test_interval_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        stats.cluster_bootstrap_ratio([1, 0], [1, 1, 1])
    with pytest.raises(ValueError, match="0 <= numer <= denom"):
        stats.cluster_bootstrap_ratio([2, 0], [1, 1])
    df = pd.DataFrame({"person": [1, 2], "moved": [1, 5]})
    with pytest.raises(ValueError, match="'moved' must be 0/1"):
        stats.cluster_rate_table(df, "person", "moved")
    with pytest.raises(ValueError, match="'band' not in data frame"):
        stats.cluster_rate_table(df, "person", "moved", by="band")


def test_bootstrap_mean_ci():
    assert stats.bootstrap_mean_ci([4, 4, 4], seed=1) == (4.0, 4.0, 4.0)
    assert stats.bootstrap_mean_ci([7], seed=1) == (7.0, 7.0, 7.0)   # one value: the point
    m, lo, hi = stats.bootstrap_mean_ci([1, 2, 3, 4, 10], seed=1)
    assert m == 4.0 and 1 <= lo < m < hi <= 10   # mean (1+2+3+4+10)/5 = 4
    assert stats.bootstrap_mean_ci([1, 2, 3, 4, 10], seed=1) == (m, lo, hi)
    _, lo80, hi80 = stats.bootstrap_mean_ci([1, 2, 3, 4, 10], seed=1, level=0.8)
    assert lo <= lo80 and hi80 <= hi
    # CI of a MEAN, not of the data: 0..99 has mean 49.5, sd ~29, se ~2.9 -> roughly 49.5 +- 5.7
    _, lo, hi = stats.bootstrap_mean_ci(np.arange(100), seed=2)
    assert 42 < lo < 49.5 < hi < 57
    with pytest.raises(ValueError, match="at least one value"):
        stats.bootstrap_mean_ci([])


def test_bootstrap_mean_ci_is_the_hand_written_resampler():
    # scipy's percentile bootstrap draws rng.integers(0, n, (B, n)): the loop it replaced
    x = np.array([0.1, 0.4, 0.35, 0.8, 0.05, 0.6, 0.2])
    means = x[np.random.default_rng(1998).integers(0, x.size, size=(2000, x.size))].mean(axis=1)
    _, lo, hi = stats.bootstrap_mean_ci(x, n_boot=2000, seed=1998)
    assert lo == pytest.approx(np.quantile(means, 0.025), abs=1e-12)
    assert hi == pytest.approx(np.quantile(means, 0.975), abs=1e-12)
