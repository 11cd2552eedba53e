"""Holm's correction (analysis/multiplicity.py) by hand and against statsmodels."""
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from analysis.measures import multiplicity


def test_holm_by_hand():
    # sorted 0.01, 0.02, 0.04 x 3, 2, 1 = 0.03, 0.04, 0.04
    np.testing.assert_allclose(multiplicity.holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04])
    # running maximum: 0.02 x 2 = 0.04 is raised to the first step's 0.045
    np.testing.assert_allclose(multiplicity.holm([0.015, 0.02]), [0.03, 0.03])
    np.testing.assert_allclose(multiplicity.holm([0.6, 0.7]), [1.0, 1.0])
    with pytest.raises(ValueError):
        multiplicity.holm([0.1, np.nan])


def test_holm_equals_statsmodels():
    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 12):
        p = rng.random(m) ** 3
        np.testing.assert_allclose(multiplicity.holm(p), multipletests(p, method="holm")[1])


def test_holm_table_sets_aside_tests_that_cannot_reject():
    t = pd.DataFrame({"test": ["a", "b", "c", "d"], "p_value": [0.01, 0.02, 1.0, 0.03],
                      "p_min": [0.001, 0.001, 1.0, 0.001], "p_high": [0.012, 0.06, 1.0, 0.03]})
    out = multiplicity.holm_table(t).set_index("test")
    assert not out.loc["c", "can_reject"] and out.loc["c", "holm_verdict"] == "cannot reject"
    # family of 3: a 0.03, b 0.04, d 0.04
    assert out.loc["a", "p_holm"] == pytest.approx(0.03) and out.loc["a", "holm_verdict"] == "survives"
    # b: 0.04 with its p, 0.12 with the upper end of its interval: borderline
    assert out.loc["b", "holm_verdict"] == "borderline"
    assert out.loc["d", "p_holm"] == pytest.approx(0.04)
    with pytest.raises(ValueError, match="lacks"):
        multiplicity.holm_table(t.drop(columns="p_min"))
