"""Interval estimates for rates: Wilson score intervals and a person-level (cluster) bootstrap.

Pure functions, no I/O. The cluster bootstrap exists because a panel observes the same person
several times: transitions of one man are not independent, so resampling transitions (or using a
binomial interval) understates the uncertainty. Resampling whole persons keeps each man's
transitions together (Davison & Hinkley 1997, section 3.8; Cameron & Miller 2015).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

DEFAULT_SEED = 1980


def wilson(k, n, level: float = 0.95):
    """Wilson (1927) score interval for k successes in n trials (statsmodels ``proportion_confint``).

    Vectorised over k and n; raises ValueError unless n > 0, 0 <= k <= n and 0 < level < 1.
    """
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


def cluster_bootstrap_ratio(numer, denom, n_boot: int = 2000, seed: int = DEFAULT_SEED,
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
                       n_boot: int = 2000, seed: int = DEFAULT_SEED, level: float = 0.95) -> pd.DataFrame:
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
