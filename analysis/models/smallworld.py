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

from . import stability


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
    a = adjacency(edges, n).astype(float)
    deg = a.sum(axis=1)
    triangles = ((a @ a) * a).sum(axis=1) / 2  # diag(A^3) / 2, by a matrix product (exact in floats)
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
    converged flags per network). The input array is not modified. Only links with an end whose
    knowledge changed in the previous round are re-examined (a link whose ends did not change
    cannot start or stop trading), which gives the same result as examining every link.
    """
    know = np.array(knowledge, dtype=float, copy=True)
    B, n, K = know.shape
    E = edges.shape[1]
    flat = know.reshape(B * n, K)  # a view: agents of all networks, one row each
    off = (np.arange(B) * n)[:, None]
    U, V = (edges[:, :, 0] + off).ravel(), (edges[:, :, 1] + off).ravel()
    changed = np.ones(B * n, dtype=bool)
    last_trade = np.zeros(B, dtype=np.int64)
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        cand = np.flatnonzero(changed[U] | changed[V])
        u, v = U[cand], V[cand]
        ku, kv = np.take(flat, u, axis=0), np.take(flat, v, axis=0)  # (links, K)
        d = kv - ku
        thr = rel_threshold * np.maximum(ku, kv)
        lead_v = np.where(d > thr, d, 0.0)   # where v leads u: what u could receive
        lead_u = np.where(-d > thr, -d, 0.0)  # where u leads v: what v could receive
        cu, cv = lead_v.argmax(axis=1), lead_u.argmax(axis=1)
        rows = np.arange(len(cand))
        gu, gv = lead_v[rows, cu], lead_u[rows, cv]
        trade = (gu > 0) & (gv > 0)
        if not trade.any():
            break
        last_trade[cand[trade] // E] = rounds
        gain = np.zeros(flat.size)
        np.maximum.at(gain, u[trade] * K + cu[trade], alpha * gu[trade])
        np.maximum.at(gain, v[trade] * K + cv[trade], alpha * gv[trade])
        gain = gain.reshape(flat.shape)
        flat += gain
        changed = gain.any(axis=1)
    converged = (last_trade < rounds) | (rounds < max_rounds)
    return know, rounds, converged


def agent_totals(knowledge: np.ndarray) -> np.ndarray:
    """Each agent's knowledge summed over categories, (B, n)."""
    return knowledge.sum(axis=2)


def sweep(ps, *, n: int, k: int, K: int, runs: int, seed: int, alpha: float, rel_threshold: float,
          max_rounds: int = 3000, net_runs: int | None = None):
    """Steady-state outcomes against the rewiring probability.

    Returns (runs_table, summary): one row per network (p, run, mean knowledge per agent,
    variance, coefficient of variation across agents, clustering, path length, rounds,
    converged), and one row per (p, measure) with the ensemble mean, its Monte Carlo error and a
    95% t-interval. Clustering and path length are measured on the first ``net_runs`` networks of
    each p only (all if None; NaN for the others): path lengths are the slow part.
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
    run = np.tile(np.arange(1, runs + 1), len(ps))
    measured = run <= (net_runs or runs)
    nan = np.full(len(grid), np.nan)
    c, L = nan.copy(), nan.copy()
    c[measured] = [clustering(e, n) for e in edges[measured]]
    L[measured] = [path_length(e, n) for e in edges[measured]]
    table = pd.DataFrame({
        "p": grid, "run": run, "mean_knowledge": mean, "variance": var, "cv": np.sqrt(var) / mean,
        "clustering": c, "path_length": L, "converged": converged})
    table.attrs.update(rounds=int(rounds), seed=seed, runs=runs)
    table["C_ratio"] = table["clustering"] / lattice_clustering(k)
    table["L_ratio"] = table["path_length"] / lattice_path_length(n, k)
    rows = []
    for measure in ("mean_knowledge", "variance", "cv", "C_ratio", "L_ratio"):
        m, lo, hi, cnt = stability.t_interval(matrix(table, measure))
        se = (hi - m) / stats.t.ppf(0.975, np.maximum(cnt - 1, 1))
        rows += [{"p": p, "measure": measure, "estimate": m[i], "mc_error": se[i], "low": lo[i], "high": hi[i]}
                 for i, p in enumerate(sorted(set(grid)))]
    return table, pd.DataFrame(rows)


def matrix(table: pd.DataFrame, measure: str) -> np.ndarray:
    """One measure of a :func:`sweep` table as an array (values of p, runs per p)."""
    return table.sort_values(["p", "run"])[measure].to_numpy().reshape(-1, table.attrs["runs"])


# --- verdicts on (..., values of p, runs) arrays, batched for the stability checks -----------

def highest_p_index(values) -> np.ndarray:
    """Index of the p with the highest ensemble mean."""
    return np.nanmean(values, axis=-1).argmax(axis=-1)


def shape_verdict(values, want: str = "max") -> np.ndarray:
    """The shape claim "interior maximum" (``want='max'``) or "interior minimum": "holds" when the
    extreme is at an interior p AND its 95% interval clears the intervals at both ends of the grid;
    "interior extreme, but within the intervals of the ends"; or "not reproduced: the maximum
    (minimum) is at an end of the grid"."""
    m, lo, hi, _ = stability.t_interval(values)
    sign = 1 if want == "max" else -1
    i = (sign * m).argmax(axis=-1)
    last = m.shape[-1] - 1
    interior = (i > 0) & (i < last)
    pick = lambda a: np.take_along_axis(a, i[..., None], axis=-1)[..., 0]  # noqa: E731
    if want == "max":
        clear = (pick(lo) > hi[..., 0]) & (pick(lo) > hi[..., last])
    else:
        clear = (pick(hi) < lo[..., 0]) & (pick(hi) < lo[..., last])
    word = "maximum" if want == "max" else "minimum"
    return np.select([interior & clear, interior],
                     ["holds", "interior extreme, but within the intervals of the ends"],
                     f"not reproduced: the {word} is at an end of the grid")


def window_verdict(c_ratio, l_ratio, ps, c_min: float = 0.5, l_max: float = 0.2) -> np.ndarray:
    """The values of p in the small-world window (mean C/C0 > ``c_min`` and mean L/L0 < ``l_max``,
    the definition of the Watts–Strogatz replication), as text ("none" if empty)."""
    inside = (np.nanmean(c_ratio, axis=-1) > c_min) & (np.nanmean(l_ratio, axis=-1) < l_max)
    labels = np.array([f"{p:g}" for p in ps], dtype=object)
    flat = inside.reshape(-1, inside.shape[-1])
    out = np.array([", ".join(labels[row]) or "none" for row in flat], dtype=object)
    return out.reshape(inside.shape[:-1]) if inside.ndim > 1 else out[0]


def effect_pct(values) -> np.ndarray:
    """How far the whole range of p moves the ensemble mean: 100 * (highest - lowest) / lowest."""
    m = np.nanmean(values, axis=-1)
    return 100 * (m.max(axis=-1) - m.min(axis=-1)) / m.min(axis=-1)


SHAPE_CLAIMS = (("mean_knowledge", "max"), ("variance", "max"), ("cv", "min"))


def shape_checks(table: pd.DataFrame, *, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """The abstract's three shape claims tested on a :func:`sweep` table (:func:`shape_verdict`),
    each with the p of the extreme (:func:`highest_p_index`), the bootstrap agreement of both
    verdicts and what the page prints (the verdict if at least 95% agree, otherwise 'undecided at
    this ensemble size' with the proportion)."""
    ps = np.array(sorted(table["p"].unique()))
    out = []
    for measure, want in SHAPE_CLAIMS:
        sign = 1 if want == "max" else -1
        values = matrix(table, measure)
        v = stability.bootstrap_agreement(values, lambda x: shape_verdict(x, want), n_boot=n_boot, seed=seed)
        a = stability.bootstrap_agreement(sign * values, highest_p_index, n_boot=n_boot, seed=seed)
        out.append({"measure": measure, "claim": f"interior {'maximum' if want == 'max' else 'minimum'}",
                    "verdict": str(v["value"]), "verdict_agree": v["share"],
                    "printed": stability.stated(str(v["value"]), v["share"], n_boot),
                    "p_at_extreme": float(ps[int(a["value"])]), "p_agree": a["share"],
                    "p_printed": stability.stated(float(ps[int(a["value"])]), a["share"], n_boot, fmt="{:g}".format)})
    return pd.DataFrame(out)


# --- network types at Mueller et al.'s settings (second-hand) ---------------------------------

def er_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Erdős–Rényi G(n, M): ``m`` distinct pairs drawn uniformly."""
    pairs = np.stack(np.triu_indices(n, 1), axis=1)
    return pairs[rng.choice(len(pairs), size=m, replace=False)]


def ba_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Barabási–Albert preferential attachment (networkx), ``m`` ties per new node."""
    import networkx as nx

    g = nx.barabasi_albert_graph(n, m, seed=int(rng.integers(2**31)))
    return np.array(sorted(g.edges()))


def network_type_runs(*, n: int, links: int, ws_p: float, K: int, experts: int, expert_level: float,
                      alpha: float, rel_threshold: float, steps: int, runs: int, seed: int) -> pd.DataFrame:
    """Mean knowledge per agent after ``steps`` rounds of barter on three network types with
    (about) the same number of ties: Watts–Strogatz (rewiring ``ws_p``), Erdős–Rényi G(n, links)
    and Barabási–Albert (links // n ties per new node). Endowments uniform on [0, 10]; ``experts``
    random agents set to ``expert_level`` in one random category each. One row per network;
    ``attrs['runs']`` = runs per type."""
    rng = np.random.default_rng(seed)
    k = 2 * links // n
    makers = {"WS": lambda: watts_strogatz_edges(n, k, ws_p, rng), "ER": lambda: er_edges(n, links, rng),
              "BA": lambda: ba_edges(n, links // n, rng)}
    rows = []
    for name, make in makers.items():
        edges = np.stack([make() for _ in range(runs)])
        know = initial_knowledge(runs, n, K, rng)
        who = np.argsort(rng.random((runs, n)), axis=1)[:, :experts]
        cat = rng.integers(0, K, size=(runs, experts))
        know[np.arange(runs)[:, None], who, cat] = expert_level
        final, _, _ = barter(know, edges, alpha=alpha, rel_threshold=rel_threshold, max_rounds=steps)
        rows.append(pd.DataFrame({"network": name, "run": np.arange(1, runs + 1), "ties": edges.shape[1],
                                  "mean_knowledge": agent_totals(final).mean(axis=1)}))
    out = pd.concat(rows, ignore_index=True)
    out.attrs["runs"] = runs
    return out


NETWORK_TYPES = ("WS", "ER", "BA")


def ranking(values, names=NETWORK_TYPES) -> np.ndarray:
    """The network types ordered by ensemble mean, highest first ("WS > ER > BA"), batched over
    (..., types, runs)."""
    order = np.argsort(-np.nanmean(values, axis=-1), axis=-1, kind="stable")
    names = np.array(names, dtype=object)
    flat = order.reshape(-1, order.shape[-1])
    out = np.array([" > ".join(names[row]) for row in flat], dtype=object)
    return out.reshape(order.shape[:-1]) if order.ndim > 1 else out[0]


def type_matrix(runs: pd.DataFrame, names=NETWORK_TYPES) -> np.ndarray:
    """A :func:`network_type_runs` table as an array (types in ``names`` order, runs)."""
    return np.stack([runs.loc[runs["network"] == t, "mean_knowledge"].to_numpy() for t in names])


def random_end_ratio(n: int, k: int, nets: int, seed: int) -> tuple[float, float]:
    """Mean path length at p = 1 relative to the lattice's, L(1)/L(0), over ``nets`` networks, and
    its Monte Carlo error: how far rewiring can shorten paths at this size."""
    rng = np.random.default_rng(seed)
    r = np.array([path_length(watts_strogatz_edges(n, k, 1.0, rng), n) for _ in range(nets)]) / lattice_path_length(n, k)
    return float(r.mean()), float(r.std(ddof=1) / np.sqrt(nets))


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


def assumptions(ps, *, n: int, k: int, K: int, runs: int, alpha: float, rel_threshold: float, **_) -> pd.DataFrame:
    """Every assumption of the barter model, with its value and where it comes from."""
    ab, mu, ours = ("Cowan & Jonard's abstract (read)", "Mueller et al. 2015 (second-hand)", "this book")
    rows = [
        ("knowledge", "several categories, an amount of each per agent", ab),
        ("interaction", "linked agents meet repeatedly; trade only if mutually profitable", ab),
        ("networks", "ring lattice of n nearest neighbours rewired towards a random graph (rewiring probability p)", ab),
        ("agents", f"{n} (Mueller et al.: 100; larger here so that the networks have a small-world window)", ours),
        ("neighbours per agent", f"{k} (Mueller et al.: mean degree 4)", ours),
        ("knowledge categories K", f"{K}", mu),
        ("initial knowledge", "independent uniform on [0, 10] in every category", mu),
        ("experts", "none (Mueller et al. set 10 agents to 30 in one category)", ours),
        ("absorptive capacity alpha", f"{alpha}", mu),
        ("'equal' in a category", f"gap below {rel_threshold:.0%} of the larger value", mu),
        ("barter rule", "each receives in the category of its partner's largest lead; gains alpha x gap; giver loses nothing", ours),
        ("scheduling", "all links meet once per round, simultaneously; same category from several partners: largest gain kept", ours),
        ("steady state", "first round with no trade left on any link", ours),
        ("outcome", "each agent's total over categories: mean, variance and CV across agents", ours),
        ("grid and ensemble", f"p in {{{', '.join(f'{p:g}' for p in ps)}}}; {runs} networks per p; one seed, "
                              "verdicts checked under other seeds", ours),
    ]
    return pd.DataFrame(rows, columns=["assumption", "value", "source"]).set_index("assumption")


def compact(summary: pd.DataFrame) -> pd.DataFrame:
    """The sweep summary rounded for the page (4 significant decimals for ratios and CVs)."""
    out = summary.copy()
    for col in ("estimate", "low", "high"):
        out[col] = out[col].round(4)
    return out


def sweep_summary(results: dict) -> dict:
    """What the prose quotes from :func:`analysis.models_chapter.barter_results`: numbers of
    networks, rounds and converged runs; mean knowledge at the lowest and highest p and its
    highest ensemble mean, each with its Monte Carlo error ('mean_lo_p', 'mean_lo_p_err', ...);
    the effect of the whole range of p in per cent with its error; the window and its agreement;
    per claim the printed verdict and printed p of the extreme ('printed_<measure>',
    'p_printed_<measure>')."""
    table, summary, checks = results["table"], results["summary"], results["checks"]
    mk = summary[summary["measure"] == "mean_knowledge"].sort_values("p").reset_index(drop=True)
    top = int(mk["estimate"].idxmax())
    out = {"nets": len(table), "rounds": table.attrs["rounds"], "converged": int(table["converged"].sum()),
           "mean_lo_p": float(mk["estimate"].iloc[0]), "mean_lo_p_err": float(mk["mc_error"].iloc[0]),
           "mean_hi_p": float(mk["estimate"].iloc[-1]), "mean_hi_p_err": float(mk["mc_error"].iloc[-1]),
           "mean_top": float(mk["estimate"].iloc[top]), "mean_top_err": float(mk["mc_error"].iloc[top]),
           "effect": results["effect"][0], "effect_err": results["effect"][1],
           "window": results["window"][0], "window_agree": float(results["window"][1])}
    for _, r in checks.iterrows():
        out[f"printed_{r['measure']}"] = r["printed"]
        out[f"p_printed_{r['measure']}"] = r["p_printed"]
    return out
