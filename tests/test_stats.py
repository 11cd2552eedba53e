"""Tests for analysis.stats: p-value conventions by hand and against scipy.stats.permutation_test."""
import math

import numpy as np
import pytest
from scipy import stats as sps

from analysis import stats


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
