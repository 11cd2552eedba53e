"""The statistics helper shared by the chapters: permutation tests and interval estimates.

* Permutation tests and their p-value conventions (those of ``scipy.stats.permutation_test``).
* Intervals: Wilson score intervals (statsmodels ``proportion_confint``), the percentile bootstrap
  of a mean (``scipy.stats.bootstrap``) and a person-level (cluster) bootstrap of a ratio. The
  cluster bootstrap exists because a panel observes the same person several times: transitions of
  one man are not independent, so resampling transitions (or using a binomial interval)
  understates the uncertainty. Resampling whole persons keeps each man's transitions together
  (Davison & Hinkley 1997, section 3.8; Cameron & Miller 2015); it draws the same index stream as
  ``scipy.stats.bootstrap``, and the tests check that the two agree exactly where both apply.

No I/O. Random functions take ``seed`` and use ``numpy.random.default_rng(seed)``.
"""
import itertools
import math

import numpy as np
import pandas as pd
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
           "label_permutation_test", "MAX_EXACT", "wilson", "bootstrap_mean_ci",
           "cluster_bootstrap_ratio", "cluster_rate_table", "BOOTSTRAP_SEED"]

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


# ====================================================================== intervals
#: Default seed of the bootstrap helpers (the mobility chapter's bootstrap seed, page.SEEDS).
BOOTSTRAP_SEED = 1980


def bootstrap_mean_ci(values, n_boot: int = 2000, seed: int = BOOTSTRAP_SEED, level: float = 0.95):
    """Percentile bootstrap of the mean: (mean, low, high), by ``scipy.stats.bootstrap``.

    A single value has no spread to resample: its interval is the point (low = high = mean).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("bootstrap_mean_ci needs at least one value")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if x.size == 1 or np.all(x == x[0]):
        return float(x.mean()), float(x.mean()), float(x.mean())
    res = _sps.bootstrap((x,), np.mean, n_resamples=n_boot, method="percentile", vectorized=True,
                         confidence_level=level, rng=np.random.default_rng(seed))
    ci = res.confidence_interval
    return float(x.mean()), float(ci.low), float(ci.high)


def wilson(k, n, level: float = 0.95):
    """Wilson (1927) score interval for k successes in n trials (statsmodels ``proportion_confint``).

    Vectorised over k and n; raises ValueError unless n > 0, 0 <= k <= n and 0 < level < 1.
    """
    from statsmodels.stats.proportion import proportion_confint  # here: importing stats stays light
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    if np.any(n <= 0) or np.any((k < 0) | (k > n)) or not 0 < level < 1:
        raise ValueError("need n > 0, 0 <= k <= n and 0 < level < 1")
    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def _resample_counts(n_clusters: int, n_boot: int, rng) -> np.ndarray:
    """(n_boot, n_clusters) matrix: how often each cluster is drawn in each bootstrap sample.

    Indices are drawn as ``rng.integers(0, C, (n_boot, C))``, the same stream scipy's bootstrap
    uses, then counted per row with one bincount (no Python loop over resamples).
    """
    idx = rng.integers(0, n_clusters, size=(n_boot, n_clusters))
    flat = idx + n_clusters * np.arange(n_boot)[:, None]
    return np.bincount(flat.ravel(), minlength=n_boot * n_clusters).reshape(n_boot, n_clusters)


def cluster_bootstrap_ratio(numer, denom, n_boot: int = 2000, seed: int = BOOTSTRAP_SEED,
                            level: float = 0.95) -> dict:
    """Percentile bootstrap of a ratio of sums, resampling clusters (persons) with replacement.

    ``numer`` and ``denom`` are per-cluster totals, shape (C,) or (C, G) for G groups resampled
    jointly (a person drawn once counts in every group he appears in). The estimate is
    sum(numer) / sum(denom) per group, e.g. movers / transitions. A resample in which a group has
    a zero denominator is dropped for that group (its count in ``n_dropped``). Returns estimate,
    low, high (arrays of length G, or floats for 1-d input), n_boot, n_dropped, seed, level.
    """
    a, b = np.asarray(numer, dtype=float), np.asarray(denom, dtype=float)
    one_d = a.ndim == 1
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    if a.shape != b.shape or len(a) < 2:
        raise ValueError(f"numer and denom need the same shape with >= 2 clusters, got {a.shape}, {b.shape}")
    if np.any(b < 0) or np.any(a < 0) or np.any(a > b):
        raise ValueError("need 0 <= numer <= denom for every cluster")
    if (b.sum(axis=0) == 0).any():
        raise ValueError("a group has no observations: ratio undefined")
    if n_boot < 1 or not 0 < level < 1:
        raise ValueError("need n_boot >= 1 and 0 < level < 1")
    W = _resample_counts(len(a), n_boot, np.random.default_rng(seed))
    num, den = W @ a, W @ b
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    alpha = (1 - level) / 2
    low, high = np.nanquantile(ratio, [alpha, 1 - alpha], axis=0)
    est = a.sum(axis=0) / b.sum(axis=0)
    out = {"estimate": est, "low": low, "high": high, "n_dropped": np.isnan(ratio).sum(axis=0),
           "n_boot": n_boot, "seed": seed, "level": level}
    if one_d:
        out.update({k: float(out[k][0]) for k in ("estimate", "low", "high")})
        out["n_dropped"] = int(out["n_dropped"][0])
    return out


def cluster_rate_table(df: pd.DataFrame, cluster: str, outcome: str, by: str | None = None,
                       n_boot: int = 2000, seed: int = BOOTSTRAP_SEED, level: float = 0.95) -> pd.DataFrame:
    """Rate of a 0/1 ``outcome`` (overall or per group ``by``) with Wilson and cluster-bootstrap intervals.

    Columns: n, k, rate, wilson_low, wilson_high (observations treated as independent),
    boot_low, boot_high (persons in ``cluster`` resampled, all groups jointly), n_clusters.
    Rows in sorted group order; a single row "all" when ``by`` is None.
    """
    for col in [cluster, outcome] + ([by] if by else []):
        if col not in df.columns:
            raise ValueError(f"column {col!r} not in data frame (columns: {list(df.columns)})")
    y = df[outcome]
    if y.isna().any() or not set(pd.unique(y.astype(int))) <= {0, 1}:
        raise ValueError(f"column {outcome!r} must be 0/1 (or boolean) without missing values")
    g = pd.Series("all", index=df.index) if by is None else df[by]
    if g.isna().any():
        raise ValueError(f"column {by!r} has missing values")
    tab_n = pd.crosstab(df[cluster], g)
    tab_k = pd.crosstab(df[cluster], g, values=y.astype(int), aggfunc="sum").fillna(0)
    tab_k = tab_k.reindex_like(tab_n)
    boot = cluster_bootstrap_ratio(tab_k.to_numpy(), tab_n.to_numpy(), n_boot, seed, level)
    n, k = tab_n.sum().to_numpy(), tab_k.sum().to_numpy()
    wl, wh = wilson(k, n, level)
    out = pd.DataFrame({"n": n.astype(int), "k": k.astype(int), "rate": k / n,
                        "wilson_low": wl, "wilson_high": wh,
                        "boot_low": boot["low"], "boot_high": boot["high"],
                        "n_clusters": (tab_n > 0).sum().to_numpy()}, index=tab_n.columns)
    out.index.name = by or "group"
    return out
