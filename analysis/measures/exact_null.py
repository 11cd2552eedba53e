"""Exact degree-preserving null of a two-group E-I index: every simple graph with the observed degrees, counted.

The degree-preserving null of :mod:`analysis.measures.nulls` is the uniform distribution over the simple
graphs with the observed degree sequence (the graphs double-edge swaps reach). With two groups the
E-I index depends on a graph only through E, its number of between-group ties, so the null is the
distribution of E over those graphs. This module counts the graphs by E exactly, as a polynomial
sum_E c_E t^E, by the classic recursion for the number of labelled graphs with a degree sequence:
take one vertex of degree d, choose its d neighbours among the others (by residual-degree class:
a product of binomial coefficients), lower their residual degrees, recurse; the count of a residual
sequence depends only on its multiset per group, so it is memoised. Vertices of the second group
are removed first (every between-group tie is then met once, when its second-group end is
removed); the rest is the count of graphs inside the first group.

Cost grows with the number of distinct residual sequences; ``max_states`` bounds it and
:class:`TooLarge` is raised beyond (the caller then falls back to Monte Carlo). Counts are exact
Python integers; probabilities are formed as exact fractions before the one conversion to float.
No I/O, no randomness.
"""
from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import numpy as np

__all__ = ["TooLarge", "external_tie_counts", "exact_ei_null", "MAX_STATES"]

#: Default bound on memoised residual sequences (about 10 s of pure Python on the bench machine).
MAX_STATES = 60_000


class TooLarge(RuntimeError):
    """The exact count needs more memoised states than allowed."""


def _check_degrees(deg, name):
    deg = [int(d) for d in deg]
    if any(d < 0 for d in deg):
        raise ValueError(f"{name}: degrees must be non-negative, got {deg}")
    return deg


def external_tie_counts(deg_a, deg_b, max_states: int = MAX_STATES) -> dict:
    """{E: number of simple graphs with degrees ``deg_a`` (group A) and ``deg_b`` (group B) and E ties
    between the groups}. Empty dict when no simple graph has these degrees. Raises :class:`TooLarge`
    when more than ``max_states`` residual sequences would be memoised."""
    deg_a, deg_b = _check_degrees(deg_a, "deg_a"), _check_degrees(deg_b, "deg_b")
    if (sum(deg_a) + sum(deg_b)) % 2:
        return {}
    memo: dict = {}

    def count(a, b):
        key = (a, b)
        hit = memo.get(key)
        if hit is not None:
            return hit
        if not a and not b:
            return {0: 1}
        if len(memo) >= max_states:
            raise TooLarge(f"more than {max_states} residual degree sequences")
        if b:  # a B vertex of largest residual degree; its partners among A and the other B's
            from_b, d, same, other = True, b[-1], b[:-1], a
        else:  # only A left: a vertex of smallest residual degree (fewest neighbour choices)
            from_b, d, same, other = False, a[0], a[1:], ()
        classes = [(False, x, n) for x, n in sorted(Counter(same).items())]
        classes += [(True, x, n) for x, n in sorted(Counter(other).items())]
        room = np.cumsum([n for *_, n in classes][::-1])[::-1].tolist() + [0]
        out: dict = {}
        take = [0] * len(classes)

        def choose(i, left, ways, ext):
            if left == 0:
                nxt_same, nxt_other = [], []
                for (is_other, x, n), k in zip(classes, take):
                    tgt = nxt_other if is_other else nxt_same
                    tgt += [x] * (n - k) + ([x - 1] * k if x > 1 else [])
                s, o = tuple(sorted(nxt_same)), tuple(sorted(nxt_other))
                sub = count(o, s) if from_b else count(s, ())
                for e, c in sub.items():
                    out[e + ext] = out.get(e + ext, 0) + ways * c
                return
            if i == len(classes) or room[i] < left:
                return
            is_other, _, n = classes[i]
            for k in range(min(n, left) + 1):
                take[i] = k
                # a B vertex's partners in A ("other") are between-group ties
                choose(i + 1, left - k, ways * math.comb(n, k), ext + (k if from_b and is_other else 0))
            take[i] = 0

        choose(0, d, 1, 0)
        memo[key] = out
        return out

    res = count(tuple(sorted(d for d in deg_a if d)), tuple(sorted(d for d in deg_b if d)))
    return {e: c for e, c in sorted(res.items()) if c}


def _two_sided(values, probs, observed):
    """Exact two-sided p (doubled smaller tail, capped at 1) of ``observed`` for a discrete null."""
    tol = abs(observed) * np.finfo(float).eps * 100 + 1e-12
    less = sum(p for v, p in zip(values, probs) if v <= observed + tol)
    greater = sum(p for v, p in zip(values, probs) if v >= observed - tol)
    return float(min(1, 2 * min(less, greater)))


def exact_ei_null(codes, edges, max_states: int = MAX_STATES) -> dict:
    """Exact degree-preserving null of the E-I index for two groups (codes 0/1, edges (m, 2) indices).

    Returns observed, values (the E-I values the null takes), probs (their probabilities), n_graphs
    (simple graphs with the observed degrees), null_mean, ci_low/ci_high (2.5/97.5 percentiles of
    the exact distribution), p_value (two-sided, the doubled smaller tail, as in
    :func:`analysis.measures.stats.pvalue_from_null` for exact tests), p_interval (the point), p_min
    (smallest p any value of the support would get) and exact=True. Raises :class:`TooLarge`
    beyond ``max_states`` and ValueError for more than two groups.
    """
    codes, edges = np.asarray(codes), np.asarray(edges).reshape(-1, 2)
    if codes.max() > 1 or codes.min() < 0:
        raise ValueError("the exact degree-preserving null handles two groups (codes 0 and 1) only")
    m = len(edges)
    if m == 0:
        raise ValueError("no ties: E-I index undefined")
    deg = np.bincount(edges.ravel(), minlength=len(codes))
    counts = external_tie_counts(deg[codes == 0], deg[codes == 1], max_states=max_states)
    total = sum(counts.values())
    E_obs = int((codes[edges[:, 0]] != codes[edges[:, 1]]).sum())
    values = [(2 * e - m) / m for e in counts]
    fracs = [Fraction(c, total) for c in counts.values()]
    probs = [float(f) for f in fracs]
    obs = (2 * E_obs - m) / m
    cum = np.cumsum(probs)
    pct = lambda q: float(values[int(np.searchsorted(cum, q - 1e-12))])  # noqa: E731
    p = _two_sided(values, fracs, obs)
    return {"observed": obs, "values": np.array(values), "probs": np.array(probs), "n_graphs": total,
            "null_mean": float(sum(v * f for v, f in zip(values, fracs))),
            "ci_low": pct(0.025), "ci_high": pct(0.975), "p_value": p, "p_interval": (p, p),
            "p_min": min(_two_sided(values, fracs, v) for v in values), "exact": True}
