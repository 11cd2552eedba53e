"""Tests for analysis.intervals: Wilson against its formula, the cluster bootstrap against scipy."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import norm

from analysis import intervals


def test_wilson_matches_hand_formula():
    k, n, z = 3, 10, norm.ppf(0.975)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low, high = intervals.wilson(k, n)
    assert low == pytest.approx(centre - half) and high == pytest.approx(centre + half)
    low0, high0 = intervals.wilson([0, 10], [10, 10])   # stays inside [0, 1]
    assert low0[0] == pytest.approx(0) and high0[1] == pytest.approx(1)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        intervals.wilson(11, 10)


def test_one_observation_per_person_matches_scipy_exactly():
    # With one observation per cluster the cluster bootstrap of a ratio is the ordinary bootstrap
    # of a mean; both draw rng.integers(0, C, (n_boot, C)), so with one seed they agree exactly.
    rng = np.random.default_rng(0)
    y = (rng.random(80) < 0.3).astype(float)
    ours = intervals.cluster_bootstrap_ratio(y, np.ones_like(y), n_boot=3000, seed=11)
    ref = stats.bootstrap((y,), np.mean, n_resamples=3000, method="percentile", vectorized=True,
                          rng=np.random.default_rng(11), confidence_level=0.95)
    assert ours["low"] == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert ours["high"] == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    assert ours["estimate"] == pytest.approx(y.mean())


def test_resample_counts_are_multinomial_draws():
    W = intervals._resample_counts(5, 4, np.random.default_rng(3))
    idx = np.random.default_rng(3).integers(0, 5, size=(4, 5))
    expected = np.stack([np.bincount(r, minlength=5) for r in idx])
    np.testing.assert_array_equal(W, expected)
    assert (W.sum(axis=1) == 5).all()


def test_clusters_widen_the_interval():
    # 40 persons, each observed 10 times and either always moving or never: the information is
    # in 40 persons, not 400 transitions, so the cluster interval must be much wider than Wilson.
    always = np.r_[np.ones(12), np.zeros(28)]
    df = pd.DataFrame({"person": np.repeat(np.arange(40), 10), "moved": np.repeat(always, 10)})
    tab = intervals.cluster_rate_table(df, "person", "moved", n_boot=4000, seed=5)
    row = tab.loc["all"]
    assert row["rate"] == pytest.approx(0.3) and row["n"] == 400 and row["n_clusters"] == 40
    assert (row["boot_high"] - row["boot_low"]) > 2.5 * (row["wilson_high"] - row["wilson_low"])


def test_groups_resampled_jointly_and_hand_case():
    # two persons, groups a/b: person 0 has (a: 1 of 2), person 1 has (a: 0 of 1, b: 1 of 1)
    df = pd.DataFrame({"person": [0, 0, 1, 1], "g": ["a", "a", "a", "b"], "moved": [1, 0, 0, 1]})
    tab = intervals.cluster_rate_table(df, "person", "moved", by="g", n_boot=500, seed=1)
    assert list(tab.index) == ["a", "b"]
    assert tab.loc["a", "rate"] == pytest.approx(1 / 3) and tab.loc["b", "rate"] == 1
    # group a: resamples give 1/2 (person 0 twice), 0 (person 1 twice) or 1/3 (both)
    assert tab.loc["a", "boot_low"] >= 0 and tab.loc["a", "boot_high"] <= 0.5
    res = intervals.cluster_bootstrap_ratio([[1, 0], [0, 1]], [[2, 0], [1, 1]], n_boot=500, seed=1)
    assert res["n_dropped"][1] > 0          # resamples with person 0 only have no b observation


def test_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        intervals.cluster_bootstrap_ratio([1, 0], [1, 1, 1])
    with pytest.raises(ValueError, match="0 <= numer <= denom"):
        intervals.cluster_bootstrap_ratio([2, 0], [1, 1])
    df = pd.DataFrame({"person": [1, 2], "moved": [1, 5]})
    with pytest.raises(ValueError, match="'moved' must be 0/1"):
        intervals.cluster_rate_table(df, "person", "moved")
    with pytest.raises(ValueError, match="'band' not in data frame"):
        intervals.cluster_rate_table(df, "person", "moved", by="band")
