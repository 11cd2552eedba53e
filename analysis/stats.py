"""Permutation tests and their p-value conventions, shared by the chapters.

No I/O. Random functions take ``seed`` and use ``numpy.random.default_rng(seed)``.
"""
import itertools
import math

import numpy as np
from scipy import stats as _sps

# ====================================================================== permutation tests
# Conventions (those of ``scipy.stats.permutation_test``, so either route gives the same p):
# * exact (every distinct labelling enumerated): p = share of labellings at least as extreme,
#   the observed labelling being one of them;
# * Monte Carlo (R random labellings): p = (1 + #{at least as extreme}) / (R + 1)
#   (Phipson & Smyth 2010), never zero;
# * two-sided: 2 * min(p_less, p_greater), capped at 1;
# * "at least as extreme" allows a relative tolerance of 100 machine epsilons, so ties that
#   differ only by float noise count as ties.

__all__ = ["n_labelings", "pvalue_from_null", "smallest_attainable_p", "mc_pvalue_interval",
           "label_permutation_test", "MAX_EXACT"]

#: Enumerate all distinct labellings up to this many; Monte Carlo above it.
MAX_EXACT = 10**6

_ALTERNATIVES = ("two-sided", "less", "greater")


def n_labelings(counts) -> int:
    """Number of distinct labellings with the given group sizes: the multinomial n! / prod n_g!."""
    counts = [int(c) for c in counts]
    if any(c < 0 for c in counts):
        raise ValueError(f"group sizes must be non-negative, got {counts}")
    out, left = 1, sum(counts)
    for c in counts:
        out *= math.comb(left, c)
        left -= c
    return out


def _check_alternative(alternative):
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")


def _one_sided(null, observed, exact):
    null = np.asarray(null, dtype=float)
    gamma = abs(observed) * np.finfo(float).eps * 100
    adj = 0 if exact else 1
    k_less = int(np.count_nonzero(null <= observed + gamma))
    k_greater = int(np.count_nonzero(null >= observed - gamma))
    n = len(null) + adj
    return (k_less + adj) / n, (k_greater + adj) / n, k_less, k_greater


def pvalue_from_null(null, observed: float, exact: bool, alternative: str = "two-sided") -> float:
    """p-value of ``observed`` against a null sample or enumeration, scipy's convention (above)."""
    _check_alternative(alternative)
    if len(null) == 0:
        raise ValueError("null distribution is empty")
    p_less, p_greater, _, _ = _one_sided(null, float(observed), exact)
    p = {"less": p_less, "greater": p_greater, "two-sided": 2 * min(p_less, p_greater)}[alternative]
    return float(min(p, 1.0))


def smallest_attainable_p(null, exact: bool, alternative: str = "two-sided", observed=None) -> float:
    """Smallest p-value any outcome in the null's support could get.

    The support is the set of values the null takes (for Monte Carlo: the sampled values, plus
    ``observed`` if given). Above the test level, the test *cannot* reject whatever the data.
    """
    values = np.unique(np.asarray(null, dtype=float))
    if observed is not None:
        values = np.union1d(values, [float(observed)])
    return min(pvalue_from_null(null, v, exact, alternative) for v in values)


def mc_pvalue_interval(null, observed: float, alternative: str = "two-sided", level: float = 0.95):
    """Clopper-Pearson interval for the exact p-value that a Monte Carlo p-value estimates.

    The share of the R null draws at least as extreme is binomial; its interval is doubled for a
    two-sided p (and capped at 1), as the p-value itself is.
    """
    _check_alternative(alternative)
    _, _, k_less, k_greater = _one_sided(null, float(observed), exact=False)
    R = len(null)
    k = {"less": k_less, "greater": k_greater, "two-sided": min(k_less, k_greater)}[alternative]
    ci = _sps.binomtest(k, R).proportion_ci(confidence_level=level, method="exact")
    factor = 2 if alternative == "two-sided" else 1
    return float(min(factor * ci.low, 1.0)), float(min(factor * ci.high, 1.0))


def _two_group_enumeration(n, k):
    """All C(n, k) index sets of size k from range(n), as a (C(n, k), k) array (vectorised)."""
    flat = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)),
                       dtype=np.int64, count=math.comb(n, k) * k)
    return flat.reshape(-1, k)


def label_permutation_test(statistic, labels, n_resamples: int = 2000, seed: int = 0,
                           alternative: str = "two-sided", max_exact: int = MAX_EXACT,
                           batch: int = 100_000) -> dict:
    """Permutation test of ``statistic`` under random relabelling with group sizes fixed.

    ``statistic(codes)`` takes an integer array of shape (..., n) of group codes (one row per
    labelling) and returns one value per row. Exact when the number of distinct labellings is at
    most ``max_exact`` or ``n_resamples`` (all enumerated), Monte Carlo with ``n_resamples`` random labellings
    otherwise. The relabelling is ``scipy.stats.permutation_test`` with
    ``permutation_type="independent"``; two-group exact tests use an equivalent vectorised
    enumeration (the same set of labellings, much faster), checked against scipy in the tests.

    Returns observed, null, exact, n_labelings, n_resamples (null size), p_value (scipy's
    convention), p_interval (Clopper-Pearson for Monte Carlo; the point for exact tests),
    p_min (:func:`smallest_attainable_p`), null_mean, ci_low/ci_high (2.5/97.5 percentiles),
    alternative and seed.
    """
    _check_alternative(alternative)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) < 2:
        raise ValueError(f"labels must be a 1-d array of at least 2 codes, got shape {labels.shape}")
    groups, codes = np.unique(labels, return_inverse=True)
    if len(groups) < 2:
        raise ValueError(f"need at least 2 groups to permute, got {groups.tolist()}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    n = len(codes)
    counts = np.bincount(codes)
    total = n_labelings(counts)
    # scipy itself enumerates when asked for at least as many draws as there are labellings
    exact = total <= max_exact or n_resamples >= total
    observed = float(np.asarray(statistic(codes)))

    if exact and len(groups) == 2:
        # group-0 members of every labelling; build the code rows batch by batch
        members = _two_group_enumeration(n, int(counts[0]))
        parts = []
        for start in range(0, len(members), batch):
            rows = np.ones((min(batch, len(members) - start), n), dtype=codes.dtype)
            np.put_along_axis(rows, members[start:start + batch], 0, axis=1)
            parts.append(np.asarray(statistic(rows), dtype=float))
        null = np.concatenate(parts)
    else:
        samples = tuple(np.flatnonzero(codes == g) for g in range(len(groups)))

        def by_samples(*idx, axis=-1):
            idx = [np.asarray(i) for i in idx]
            rows = np.empty(idx[0].shape[:-1] + (n,), dtype=codes.dtype)
            for g, i in enumerate(idx):
                np.put_along_axis(rows, i.astype(np.int64), g, axis=-1)
            return statistic(rows)

        res = _sps.permutation_test(samples, by_samples, permutation_type="independent",
                                    vectorized=True, n_resamples=np.inf if exact else n_resamples,
                                    alternative=alternative, batch=batch,
                                    rng=np.random.default_rng(seed))
        null = np.asarray(res.null_distribution, dtype=float)

    p = pvalue_from_null(null, observed, exact, alternative)
    return {
        "observed": observed, "null": null, "exact": bool(exact), "n_labelings": int(total),
        "n_resamples": int(len(null)), "p_value": p,
        "p_interval": (p, p) if exact else mc_pvalue_interval(null, observed, alternative),
        "p_min": smallest_attainable_p(null, exact, alternative, None if exact else observed),
        "null_mean": float(null.mean()),
        "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
        "alternative": alternative, "seed": seed,
    }
# ====================================================================== end permutation tests
