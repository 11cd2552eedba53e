"""Knowledge diffusion by barter on Watts–Strogatz small worlds, in the manner of Cowan & Jonard
(2004). Simulated evidence only; NOT a replication (their model section was not read).

Networks: a ring lattice of ``n`` agents, each tied to its ``k`` nearest neighbours (k/2 per
side), with every lattice edge rewired with probability ``p`` as in Watts & Strogatz (1998)
(same edge order as networkx's ``watts_strogatz_graph``, but drawn from a numpy Generator so
that one seed drives the whole chapter). Exact lattice values and vectorised clustering and
path lengths are here for the generator checks.

Barter (every rule below is an assumption of this book; see the chapter's list): agents hold
``K`` knowledge categories; a linked pair trades when each leads the other in at least one
category (a lead smaller than ``rel_threshold`` of the larger value does not count); each
receives in the category of its partner's largest lead and gains ``alpha`` times that gap; the
giver loses nothing. All links meet once per round, simultaneously; an agent receiving the same
category from several partners in one round keeps the largest gain. The steady state is the
first round with no trade left on any link.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path


# --- networks ------------------------------------------------------------------------------

def _check_nk(n: int, k: int) -> None:
    if k % 2 or k < 2 or k >= n:
        raise ValueError(f"k must be even with 2 <= k < n, got n={n}, k={k}")


def ring_lattice_edges(n: int, k: int) -> np.ndarray:
    """Edges (u, u + j mod n), j = 1..k/2, ordered by j then u (networkx's rewiring order)."""
    _check_nk(n, k)
    j = np.repeat(np.arange(1, k // 2 + 1), n)
    u = np.tile(np.arange(n), k // 2)
    return np.stack([u, (u + j) % n], axis=1)


def watts_strogatz_edges(n: int, k: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Rewire each lattice edge (u, v) with probability ``p`` to (u, w), w uniform among the
    nodes that are neither u nor already tied to u. The number of edges is n*k/2 whatever p."""
    edges = ring_lattice_edges(n, k)
    if p <= 0:
        return edges
    adj = [set() for _ in range(n)]
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    coins = rng.random(len(edges))
    for idx in np.flatnonzero(coins < p):
        u, v = (int(x) for x in edges[idx])
        if len(adj[u]) >= n - 1:
            continue  # u is tied to everyone: nothing to rewire to
        while True:
            w = int(rng.integers(n))
            if w != u and w not in adj[u]:
                break
        adj[u].discard(v)
        adj[v].discard(u)
        adj[u].add(w)
        adj[w].add(u)
        edges[idx] = (u, w)
    return edges


def adjacency(edges: np.ndarray, n: int) -> np.ndarray:
    a = np.zeros((n, n), dtype=np.int64)
    a[edges[:, 0], edges[:, 1]] = 1
    a[edges[:, 1], edges[:, 0]] = 1
    return a


def lattice_clustering(k: int) -> float:
    """Clustering of the ring lattice, C(0) = 3(k - 2) / (4(k - 1))."""
    return 3 * (k - 2) / (4 * (k - 1))


def lattice_path_length(n: int, k: int) -> float:
    """Exact average shortest-path length of the ring lattice: a node at ring offset d is
    ceil(d / (k/2)) steps away; averaged over the n - 1 other nodes."""
    _check_nk(n, k)
    d = np.arange(1, n)
    ring = np.minimum(d, n - d)
    return float(np.ceil(ring / (k // 2)).mean())


def clustering(edges: np.ndarray, n: int) -> float:
    """Average local clustering (nodes with degree < 2 count 0), as networkx.average_clustering."""
    a = adjacency(edges, n)
    deg = a.sum(axis=1)
    triangles = np.einsum("ij,jk,ki->i", a, a, a) / 2
    pairs = deg * (deg - 1) / 2
    local = np.divide(triangles, pairs, out=np.zeros(n), where=pairs > 0)
    return float(local.mean())


def path_length(edges: np.ndarray, n: int) -> float:
    """Average shortest-path length within the largest connected component (BFS, scipy), the
    convention of the Watts–Strogatz replication used in the chapter."""
    graph = csr_matrix(adjacency(edges, n))
    _, labels = connected_components(graph, directed=False)
    keep = labels == np.bincount(labels).argmax()
    dist = shortest_path(graph[keep][:, keep], unweighted=True, directed=False)
    m = int(keep.sum())
    return float(dist[~np.eye(m, dtype=bool)].mean()) if m > 1 else 0.0


# --- barter --------------------------------------------------------------------------------

def initial_knowledge(n_nets: int, n: int, K: int, rng: np.random.Generator, low: float = 0.0,
                      high: float = 10.0) -> np.ndarray:
    """Independent uniform endowments, shape (n_nets, n, K)."""
    return rng.uniform(low, high, size=(n_nets, n, K))


def barter(knowledge: np.ndarray, edges: np.ndarray, *, alpha: float, rel_threshold: float,
           max_rounds: int):
    """Run barter to the steady state on a batch of networks.

    ``knowledge``: (B, n, K); ``edges``: (B, E, 2). Returns (final knowledge, rounds used,
    converged flags per network). The input array is not modified.
    """
    know = np.array(knowledge, dtype=float, copy=True)
    B = know.shape[0]
    b = np.arange(B)[:, None]
    u, v = edges[:, :, 0], edges[:, :, 1]
    bb = np.broadcast_to(b, u.shape)
    active = np.ones(B, dtype=bool)
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        ku, kv = know[b, u], know[b, v]  # (B, E, K)
        d = kv - ku
        thr = rel_threshold * np.maximum(ku, kv)
        lead_v = np.where(d > thr, d, 0.0)   # where v leads u: what u could receive
        lead_u = np.where(-d > thr, -d, 0.0)  # where u leads v: what v could receive
        cu, cv = lead_v.argmax(axis=2), lead_u.argmax(axis=2)
        gu = np.take_along_axis(lead_v, cu[..., None], axis=2)[..., 0]
        gv = np.take_along_axis(lead_u, cv[..., None], axis=2)[..., 0]
        trade = (gu > 0) & (gv > 0)
        active = trade.any(axis=1)
        if not active.any():
            break
        gain = np.zeros_like(know)
        np.maximum.at(gain, (bb[trade], u[trade], cu[trade]), alpha * gu[trade])
        np.maximum.at(gain, (bb[trade], v[trade], cv[trade]), alpha * gv[trade])
        know += gain
    return know, rounds, ~active


def agent_totals(knowledge: np.ndarray) -> np.ndarray:
    """Each agent's knowledge summed over categories, (B, n)."""
    return knowledge.sum(axis=2)


def _t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    m = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - half, m + half


def sweep(ps, *, n: int, k: int, K: int, runs: int, seed: int, alpha: float, rel_threshold: float,
          max_rounds: int = 3000):
    """Steady-state outcomes against the rewiring probability.

    Returns (runs_table, summary): one row per network (p, run, mean knowledge per agent,
    variance, coefficient of variation across agents, clustering, path length, rounds,
    converged), and one row per (p, measure) with the ensemble mean and a 95% t-interval.
    """
    rng = np.random.default_rng(seed)
    grid = np.repeat(np.asarray(ps, dtype=float), runs)
    edges = np.stack([watts_strogatz_edges(n, k, p, rng) for p in grid])
    know0 = initial_knowledge(len(grid), n, K, rng)
    final, rounds, converged = barter(know0, edges, alpha=alpha, rel_threshold=rel_threshold,
                                      max_rounds=max_rounds)
    tot = agent_totals(final)
    mean = tot.mean(axis=1)
    var = tot.var(axis=1)
    table = pd.DataFrame({
        "p": grid, "run": np.tile(np.arange(1, runs + 1), len(ps)),
        "mean_knowledge": mean, "variance": var, "cv": np.sqrt(var) / mean,
        "clustering": [clustering(e, n) for e in edges], "path_length": [path_length(e, n) for e in edges],
        "converged": converged})
    table.attrs.update(rounds=int(rounds), seed=seed)
    c0, l0 = lattice_clustering(k), lattice_path_length(n, k)
    table["C_ratio"] = table["clustering"] / c0
    table["L_ratio"] = table["path_length"] / l0
    rows = []
    for measure in ("mean_knowledge", "variance", "cv", "C_ratio", "L_ratio"):
        for p, grp in table.groupby("p", sort=True):
            m, lo, hi = _t_interval(grp[measure].to_numpy())
            rows.append({"p": p, "measure": measure, "estimate": m, "low": lo, "high": hi})
    return table, pd.DataFrame(rows)


def shape_checks(summary: pd.DataFrame) -> pd.DataFrame:
    """The abstract's three shape claims, tested on the ensemble summary.

    For mean knowledge and variance the claim is an interior maximum, for the CV an interior
    minimum. "Holds" needs the extreme at an interior p AND its interval to clear the intervals
    at both ends of the grid (p smallest, p = 1); otherwise the verdict says which part fails.
    """
    out = []
    for measure, want in (("mean_knowledge", "max"), ("variance", "max"), ("cv", "min")):
        s = summary[summary["measure"] == measure].sort_values("p").reset_index(drop=True)
        i = int(s["estimate"].idxmax() if want == "max" else s["estimate"].idxmin())
        interior = 0 < i < len(s) - 1
        ends = s.iloc[[0, len(s) - 1]]
        if want == "max":
            clear = bool((s.loc[i, "low"] > ends["high"]).all())
        else:
            clear = bool((s.loc[i, "high"] < ends["low"]).all())
        verdict = ("holds" if interior and clear else
                   "interior extreme, but within the intervals of the ends" if interior else
                   f"not reproduced: the {'maximum' if want == 'max' else 'minimum'} is at an end of the grid")
        out.append({"measure": measure, "claim": f"interior {'maximum' if want == 'max' else 'minimum'}",
                    "p_at_extreme": float(s.loc[i, "p"]), "verdict": verdict})
    return pd.DataFrame(out)


def lattice_checks(n: int, k: int) -> pd.DataFrame:
    """The ring lattice's clustering and path length: exact formula, this module's generator and
    networkx's ``watts_strogatz_graph`` at p = 0 (rounded to 4 decimals)."""
    import networkx as nx

    ours = ring_lattice_edges(n, k)
    g = nx.watts_strogatz_graph(n, k, 0)
    rows = {
        "clustering C(0)": (lattice_clustering(k), clustering(ours, n), nx.average_clustering(g)),
        "average path length L(0)": (lattice_path_length(n, k), path_length(ours, n),
                                     nx.average_shortest_path_length(g)),
    }
    return pd.DataFrame(rows, index=["exact", "this chapter's generator", "networkx"]).T.round(4)


def assumptions(*, n: int, k: int, K: int, runs: int, alpha: float, rel_threshold: float) -> pd.DataFrame:
    """Every assumption of the barter model, with its value and where it comes from."""
    ab, mu, ours = ("Cowan & Jonard's abstract (read)", "Mueller et al. 2015 (second-hand)", "this book")
    rows = [
        ("knowledge", "several categories, an amount of each per agent", ab),
        ("interaction", "linked agents meet repeatedly; trade only if mutually profitable", ab),
        ("networks", "ring lattice of n nearest neighbours rewired towards a random graph (rewiring probability p)", ab),
        ("agents", f"{n}", mu),
        ("neighbours per agent", f"{k} (mean degree)", mu),
        ("knowledge categories K", f"{K}", mu),
        ("initial knowledge", "independent uniform on [0, 10] in every category", mu),
        ("experts", "none (Mueller et al. set 10 agents to 30 in one category)", ours),
        ("absorptive capacity alpha", f"{alpha}", mu),
        ("'equal' in a category", f"gap below {rel_threshold:.0%} of the larger value", mu),
        ("barter rule", "each receives in the category of its partner's largest lead; gains alpha x gap; giver loses nothing", ours),
        ("scheduling", "all links meet once per round, simultaneously; same category from several partners: largest gain kept", ours),
        ("steady state", "first round with no trade left on any link", ours),
        ("outcome", "each agent's total over categories: mean, variance and CV across agents", ours),
        ("grid and ensemble", f"p on a 1-2-5 log grid from 0.001 to 1; {runs} networks per p; one seed", ours),
    ]
    return pd.DataFrame(rows, columns=["assumption", "value", "source"]).set_index("assumption")


def compact(summary: pd.DataFrame) -> pd.DataFrame:
    """The sweep summary rounded for the page (4 significant decimals for ratios and CVs)."""
    out = summary.copy()
    for col in ("estimate", "low", "high"):
        out[col] = out[col].round(4)
    return out


def sweep_summary(runs: pd.DataFrame, summary: pd.DataFrame, verdicts: pd.DataFrame, p_mid: float = 0.1) -> dict:
    """What the prose quotes from a :func:`sweep` and its :func:`shape_checks`: numbers of networks,
    rounds and converged runs; mean knowledge and cv at the lowest and highest p ('mean_lo_p', ...);
    L and C relative to the lattice at ``p_mid`` ('L_01', 'C_01' for 0.1); and per measure the
    verdict and the p at the extreme ('verdict_<measure>', 'argp_<measure>')."""
    est = summary.pivot(index="p", columns="measure", values="estimate")
    if p_mid not in est.index:
        raise KeyError(f"p = {p_mid} is not on the grid ({', '.join(f'{p:g}' for p in est.index)})")
    mid = f"{p_mid:g}".replace("0.", "0")
    out = {"nets": len(runs), "rounds": runs.attrs["rounds"], "converged": int(runs["converged"].sum()),
           "mean_lo_p": float(est["mean_knowledge"].iloc[0]), "mean_hi_p": float(est["mean_knowledge"].iloc[-1]),
           "cv_lo_p": float(est["cv"].iloc[0]), "cv_hi_p": float(est["cv"].iloc[-1]),
           f"L_{mid}": float(est.loc[p_mid, "L_ratio"]), f"C_{mid}": float(est.loc[p_mid, "C_ratio"])}
    for m, r in verdicts.set_index("measure").iterrows():
        out[f"verdict_{m}"], out[f"argp_{m}"] = r["verdict"], float(r["p_at_extreme"])
    return out
