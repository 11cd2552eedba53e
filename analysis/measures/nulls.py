"""Null models of the E-I index: label shuffle (exact or Monte Carlo) and degree-preserving rewiring.

Pure functions on networkx graphs (measures in :mod:`analysis.measures.networks`); random
functions take ``seed`` and use ``numpy.random.default_rng``.
"""
import numpy as np
import pandas as pd

from . import stats
from .networks import _ei_arrays, _ei_from_codes, _ei_statistic, _groups_map, _sorted, undirected


def ei_permutation_test(G, groups, n_perm: int = 2000, seed: int = 0,
                        max_exact: int = stats.MAX_EXACT) -> dict:
    """Label-shuffle test of the E-I index: labels permuted across nodes, graph and group sizes fixed.

    Exact (every distinct labelling) when there are at most ``max_exact`` of them, otherwise
    ``n_perm`` random labellings; p-values two-sided with scipy's conventions
    (:func:`analysis.measures.stats.label_permutation_test`). Returns that function's dict plus
    ``expected_mean`` (= null_mean) and ``n_perm`` (the size of the null actually used).
    Krackhardt & Stern (1988).
    """
    codes, edges = _ei_arrays(G, groups)
    res = stats.label_permutation_test(_ei_statistic(codes, edges), codes, n_resamples=n_perm,
                                       seed=seed, max_exact=max_exact)
    return {**res, "expected_mean": res["null_mean"], "n_perm": res["n_resamples"]}


def _ei_from_edge_sets(codes, E):
    """E-I for fixed labels and many edge lists E of shape (R, m, 2)."""
    m = E.shape[1]
    ext = (codes[E[..., 0]] != codes[E[..., 1]]).sum(axis=-1)
    return (2 * ext - m) / m


def _rewire_many(problems, n_chains, attempts_per_tie, seed, trace_points):
    """Degree-preserving double-edge swaps for several (codes, edges) problems at once.

    Every problem gets ``n_chains`` chains and ``attempts_per_tie * m`` attempts; all chains of
    all problems advance together in flat numpy arrays (one Python step for all of them). Each
    problem draws from its own ``default_rng(seed)``, one (steps, 3, chains) block at a time, so
    its result does not depend on which other problems share the batch.
    """
    if not problems:
        return []
    R = n_chains
    ms = np.array([len(e) for _, e in problems])
    ns = np.array([len(c) for c, _ in problems])
    reps = np.repeat(np.arange(len(problems)), R)            # problem of each chain
    m_r, n_r = ms[reps].astype(np.int32), ns[reps].astype(np.int32)
    base_e = np.concatenate([[0], np.cumsum(m_r)[:-1]]).astype(np.int32)  # chain offsets, edges
    base_a = np.concatenate([[0], np.cumsum(n_r * n_r)[:-1]]).astype(np.int32)  # and adjacency
    src = np.concatenate([np.tile(e[:, 0], R) for _, e in problems]).astype(np.int32)
    dst = np.concatenate([np.tile(e[:, 1], R) for _, e in problems]).astype(np.int32)
    A = np.zeros(int((n_r * n_r).sum()), dtype=bool)
    chain_of_edge = np.repeat(np.arange(len(reps)), m_r)
    off, nn = base_a[chain_of_edge], n_r[chain_of_edge]
    A[off + src * nn + dst] = True
    A[off + dst * nn + src] = True
    n_att = attempts_per_tie * ms
    limit = n_att[reps]
    rngs = [np.random.default_rng(seed) for _ in problems]
    marks = [set(np.unique(np.linspace(0, k, trace_points + 1).round().astype(int)).tolist()) for k in n_att]
    traces = [[] for _ in problems]
    accepted = np.zeros(len(problems), dtype=np.int64)
    first = [slice(g * R, (g + 1) * R) for g in range(len(problems))]
    edge_first = [slice(int(base_e[g * R]), int(base_e[g * R]) + R * ms[g]) for g in range(len(problems))]
    observed = [np.zeros((n, n), dtype=bool) for n in ns]
    for g, (_, e) in enumerate(problems):
        observed[g][e[:, 0], e[:, 1]] = observed[g][e[:, 1], e[:, 0]] = True

    def edge_sets(g):
        sl = edge_first[g]
        return np.stack([src[sl].reshape(R, ms[g]), dst[sl].reshape(R, ms[g])], axis=-1)

    def record(g, step):
        E = edge_sets(g)
        ei = _ei_from_edge_sets(problems[g][0], E)
        kept = observed[g][E[..., 0], E[..., 1]].mean(axis=1)
        traces[g].append({"attempts_per_tie": step / ms[g], "ei_mean": float(ei.mean()),
                          "ei_low": float(np.percentile(ei, 2.5)),
                          "ei_high": float(np.percentile(ei, 97.5)), "ties_kept": float(kept.mean())})

    for g in range(len(problems)):
        record(g, 0)
    total, block = int(n_att.max()), 256
    for start in range(1, total + 1, block):
        size = min(block, total + 1 - start)
        U = np.concatenate([rng.random((size, 3, R)) for rng in rngs], axis=2)
        live = np.flatnonzero(limit >= start)  # chains of finished problems drop out
        lm, lbe, lba, ln, lrep, llim = m_r[live], base_e[live], base_a[live], n_r[live], reps[live], limit[live]
        I = (U[:, 0, live] * lm).astype(np.int32) + lbe
        J = (U[:, 1, live] * lm).astype(np.int32) + lbe
        F = U[:, 2, live] < 0.5
        for t in range(size):
            step = start + t
            i, j, flip = I[t], J[t], F[t]
            a, b = src[i], dst[i]
            c = np.where(flip, dst[j], src[j])
            d = np.where(flip, src[j], dst[j])
            ok = ((i != j) & (a != d) & (c != b) & (step <= llim)
                  & ~A[lba + a * ln + d] & ~A[lba + c * ln + b])
            if ok.any():
                a, b, c, d, i, j = a[ok], b[ok], c[ok], d[ok], i[ok], j[ok]
                # cells of the four old (a-b, c-d) and four new (a-d, c-b) directed entries
                cells = lba[ok] + np.stack([a, b, c, d, a, d, c, b]) * ln[ok] + np.stack(
                    [b, a, d, c, d, a, b, c])
                A[cells[:4]] = False
                A[cells[4:]] = True
                src[i], dst[i], src[j], dst[j] = a, d, c, b
                accepted += np.bincount(lrep[ok], minlength=len(problems))
            for g in range(len(problems)):
                if step in marks[g]:
                    record(g, step)
    out = []
    for g, (codes, edges) in enumerate(problems):
        E = edge_sets(g)
        out.append({"null": _ei_from_edge_sets(codes, E), "edges": E, "trace": pd.DataFrame(traces[g]),
                    "acceptance": accepted[g] / (n_att[g] * R), "n_attempts": int(n_att[g])})
    return out


def _degree_result(codes, edges, res, n_chains, attempts_per_tie, seed, nodes):
    null = res["null"]
    obs = float(_ei_from_codes(codes, edges))
    return {
        "observed": obs, "null": null, "null_mean": float(null.mean()),
        "ci_low": float(np.percentile(null, 2.5)), "ci_high": float(np.percentile(null, 97.5)),
        "p_value": stats.pvalue_from_null(null, obs, exact=False),
        "p_interval": stats.mc_pvalue_interval(null, obs),
        "p_min": stats.smallest_attainable_p(null, exact=False, observed=obs),
        "n_chains": n_chains, "attempts_per_tie": attempts_per_tie, "n_attempts": res["n_attempts"],
        "acceptance": res["acceptance"], "seed": seed, "trace": res["trace"],
        "nodes": nodes, "edges": res["edges"],
    }


def degree_preserving_nulls(items, n_chains: int = 300, attempts_per_tie: int = 20,
                            seed: int = 0, trace_points: int = 20, shortcut: bool = True) -> list:
    """:func:`degree_preserving_null` for several (G, groups) pairs in one vectorised run.

    Each result is the one :func:`degree_preserving_null` gives for that pair alone. With
    ``shortcut``, a pair whose E-I index no rewiring can change (:func:`_ei_fixed_by_degrees`)
    gets its point-mass null directly (edges None, empty trace, acceptance NaN).
    """
    if n_chains < 1 or attempts_per_tie < 1:
        raise ValueError(f"n_chains and attempts_per_tie must be >= 1, got {n_chains}, {attempts_per_tie}")
    items = list(items)
    problems = [_ei_arrays(G, groups) for G, groups in items]
    fixed = [shortcut and _ei_fixed_by_degrees(c, e) for c, e in problems]
    runs = iter(_rewire_many([p for p, f in zip(problems, fixed) if not f], n_chains,
                             attempts_per_tie, seed, trace_points))
    out = []
    for (G, groups), (c, e), f in zip(items, problems, fixed):
        if f:  # every rewiring has the observed E-I: no need to run the chains
            obs = float(_ei_from_codes(c, e))
            run = {"null": np.full(n_chains, obs), "edges": None, "acceptance": np.nan,
                   "n_attempts": 0, "trace": pd.DataFrame(columns=["attempts_per_tie", "ei_mean",
                                                                   "ei_low", "ei_high", "ties_kept"])}
        else:
            run = next(runs)
        out.append(_degree_result(c, e, run, n_chains, attempts_per_tie, seed,
                                  _sorted(undirected(G).subgraph(_groups_map(G, groups)))))
    return out


def _ei_fixed_by_degrees(codes, edges) -> bool:
    """True when degree-preserving rewiring cannot change the E-I index (two groups only).

    E = (sum of the degrees in group g) - 2 x (ties inside g), for either group g. If g has
    fewer than two nodes with a tie, no tie can ever lie inside it, so E is fixed.
    """
    if codes.max() > 1:
        return False
    active = np.bincount(edges.ravel(), minlength=len(codes)) > 0
    return any(np.count_nonzero(active & (codes == g)) < 2 for g in (0, 1))


def degree_preserving_null(G, groups, n_chains: int = 300, attempts_per_tie: int = 20,
                           seed: int = 0, trace_points: int = 20, shortcut: bool = True) -> dict:
    """E-I index on graphs rewired by double-edge swaps that keep every node's degree.

    Works on the undirected simple graph among the grouped nodes (the graph the E-I index
    counts), so "degree" = number of distinct partners among retained nodes; labels stay put.
    ``n_chains`` independent chains start at the observed graph; each makes
    ``attempts_per_tie * m`` swap attempts (m = ties): pick two ties a-b, c-d at random and one of
    the two rewirings (a-d, c-b), rejecting it if it would create a self-loop or a double tie.
    This chain is uniform over simple graphs with the degree sequence (Taylor 1981; Maslov &
    Sneppen 2002). All chains advance together in numpy arrays.

    Returns observed, null (one E-I per chain), null_mean, ci_low/ci_high (2.5/97.5
    percentiles), p_value (two-sided Monte Carlo, :func:`analysis.measures.stats.pvalue_from_null`),
    p_interval, p_min, n_chains, attempts_per_tie, n_attempts, acceptance (share of attempts
    that swapped), seed, nodes and edges (the final edge lists, (n_chains, m, 2) indices into
    nodes), and ``trace``: a DataFrame (attempts_per_tie, ei_mean, ei_low, ei_high, ties_kept)
    of the chains' state at ``trace_points`` checkpoints, to show the chains mix (ties_kept =
    mean share of the observed ties still present).
    """
    return degree_preserving_nulls([(G, groups)], n_chains=n_chains, attempts_per_tie=attempts_per_tie,
                                   seed=seed, trace_points=trace_points, shortcut=shortcut)[0]
