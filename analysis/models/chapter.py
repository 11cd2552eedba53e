"""The models chapter's settings and its verdict functions (seed -> verdicts), shared by the
notebook and by the seed-stability test, so that the test re-runs exactly what the page prints.

Every ``*_verdicts(seed)`` function simulates one model at the chapter's settings and returns
``{name: (value, agreement)}``: the verdict at ``seed`` and its bootstrap agreement
(:mod:`analysis.models_stability`); the page prints a verdict only when the agreement is at
least 95%. ``*_results(seed)`` return the tables the page shows as well.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import peoplelinks as pl
from . import smallworld as sw
from . import spinoff as so
from . import stability
from ..present import page

SEED = page.seed("models")  # the chapter's one seed (analysis/page.py: seed policy)
N_BOOT = 200                # bootstrap re-samples per verdict (models_stability.bootstrap_agreement)

POLYA = dict(n_births=500, n_runs=2000)
POLYA_STARTS = [(1, 1), (2, 2), (5, 5), (10, 10), (1, 3), (3, 1)]
POLYA_FAMILY_LEVEL = 0.01   # family-wise level of the KS verdict over all starts (Bonferroni)
AGGLO = dict(n_entrants=1000, n_runs=1000, strength=0.1, preference=1.0)
AGGLO_CAPS = [5, 10, 15, 20, 40, None]  # None: unbounded returns

CJ = dict(n=500, k=10, K=10, runs=10, alpha=0.1, rel_threshold=0.01, net_runs=4)
CJ_P = [0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0]
TYPES = dict(n=100, links=200, ws_p=0.15, K=10, experts=10, expert_level=30.0, alpha=0.1,
             rel_threshold=0.01, steps=100, runs=100)
TYPES_PUBLISHED = "WS > ER > BA"  # the ordering Mueller et al. report (second-hand; evolutionary type not run)

PL = dict(n=30, beta=0.2, periods=40, runs=40)
PL_MOBILITY = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
PL_DENSITY = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
PL_GAMMA = [0.1, 0.2, 0.3, 0.4, 0.5]
PL_DEFAULT_GAMMA = 0.3
PL_SENSITIVITY = {"periods": [20, 80], "beta": [0.1, 0.4], "n": [15, 60]}
PL_SENSITIVITY_RUNS = 40


# --- spin-offs ------------------------------------------------------------------------------

def polya_results(seed: int = SEED) -> dict:
    hists, dens, table = so.polya_explorer_tables(POLYA_STARTS, seed=seed, **POLYA)
    return {"hists": hists, "dens": dens, "table": table}


def polya_verdict(table: pd.DataFrame, level: float = POLYA_FAMILY_LEVEL) -> str:
    """Whether the KS tests of all starts together reject the exact law at family-wise ``level``
    (Bonferroni: a start is rejected when its p-value is below level / number of starts)."""
    rejected = int((table["ks_p"] < level / len(table)).sum())
    return ("no start rejected" if rejected == 0 else f"{rejected} of {len(table)} starts rejected")


def agglo_results(seed: int = SEED) -> dict:
    hist, table = so.agglomeration_explorer_table(AGGLO_CAPS, seed=seed, **AGGLO)
    return {"hists": hist, "table": table}


def agglo_verdicts_from(table: pd.DataFrame) -> dict:
    """Per kind of returns: "none locks in" (no history), "almost all lock in" (at least 95% of
    histories) or "some lock in"."""
    out = {}
    for _, r in table.iterrows():
        s = r["locked_share"]
        out[f"agglo {r['returns']}"] = ("none locks in" if s == 0 else "almost all lock in" if s >= 0.95
                                        else "some lock in")
    return out


def spinoff_verdicts(seed: int = SEED) -> dict:
    """{name: (value, agreement)}. These verdicts rest on thousands of histories and have no
    bootstrap here (agreement 1.0: printed); the re-run test checks them under other seeds."""
    out = {"polya KS": (polya_verdict(polya_results(seed)["table"]), 1.0)}
    out.update({k: (v, 1.0) for k, v in agglo_verdicts_from(agglo_results(seed)["table"]).items()})
    return out


# --- barter on small worlds -------------------------------------------------------------------

def barter_results(seed: int = SEED) -> dict:
    """The sweep (runs table and summary), the shape checks, the small-world window and the
    effect size of p on mean knowledge, each verdict with its bootstrap agreement."""
    table, summary = sw.sweep(CJ_P, seed=seed, **CJ)
    checks = sw.shape_checks(table, n_boot=N_BOOT, seed=seed)
    measured = slice(0, CJ["net_runs"])  # clustering and path length exist for the first runs of each p only
    c, l = sw.matrix(table, "C_ratio")[:, measured], sw.matrix(table, "L_ratio")[:, measured]
    n_p = len(CJ_P)
    both = np.concatenate([c, l])
    win = stability.bootstrap_agreement(both, lambda x: sw.window_verdict(x[..., :n_p, :], x[..., n_p:, :], CJ_P),
                                        n_boot=N_BOOT, seed=seed)
    mk = sw.matrix(table, "mean_knowledge")
    eff = stability.bootstrap_agreement(mk, sw.effect_pct, n_boot=N_BOOT, seed=seed)
    return {"table": table, "summary": summary, "checks": checks,
            "window": (str(win["value"]), win["share"]),
            "effect": (float(eff["value"]), float(np.std(eff["others"], ddof=1)))}


def barter_verdicts(seed: int = SEED, results: dict | None = None) -> dict:
    r = results or barter_results(seed)
    out = {"small-world window": r["window"]}
    for _, row in r["checks"].iterrows():
        out[f"{row['measure']} shape"] = (row["verdict"], row["verdict_agree"])
        out[f"{row['measure']} extreme at p"] = (row["p_at_extreme"], row["p_agree"])
    return out


def types_results(seed: int = SEED) -> dict:
    runs = sw.network_type_runs(seed=seed, **TYPES)
    m = sw.type_matrix(runs)
    rank = stability.bootstrap_agreement(m, sw.ranking, n_boot=N_BOOT, seed=seed)
    means, lo, hi, _ = stability.t_interval(m)
    summary = pd.DataFrame({"network": sw.NETWORK_TYPES, "ties": [int(runs.loc[runs["network"] == t, "ties"].iloc[0])
                                                                    for t in sw.NETWORK_TYPES],
                            "mean_knowledge": means, "mc_error": m.std(axis=1, ddof=1) / np.sqrt(m.shape[1]),
                            "low": lo, "high": hi})
    return {"runs": runs, "summary": summary, "ranking": (str(rank["value"]), rank["share"])}


def types_verdicts(seed: int = SEED, results: dict | None = None) -> dict:
    r = results or types_results(seed)
    value, share = r["ranking"]
    return {"network-type ranking": (value, share),
            "reproduces the published ordering": (value == TYPES_PUBLISHED, share)}


# --- people versus links ---------------------------------------------------------------------

def people_results(seed: int = SEED) -> dict:
    runs = pl.runs_table(PL_MOBILITY, PL_DENSITY, PL_GAMMA, seed=seed, **PL)
    grid = pl.stable_regimes(runs, n_boot=N_BOOT, seed=seed)
    ko = pl.knockout(PL_MOBILITY, PL_DENSITY, PL_DEFAULT_GAMMA, seed=seed, **PL)
    ko_boot = _knockout_agreement(ko, seed)
    ko = ko.assign(agree=ko_boot, label=stability.stable_labels(ko["matters_more"], ko_boot))
    return {"runs": runs, "grid": grid, "knockout": ko}


def _knockout_agreement(ko: pd.DataFrame, seed: int) -> np.ndarray:
    """Bootstrap agreement of the knock-out labels (paired differences in ``ko.attrs['diff']``)."""
    label = lambda x: pl.knockout_labels(stability.t_interval(x)[0])  # noqa: E731
    return stability.bootstrap_agreement(ko.attrs["diff"], label, n_boot=N_BOOT, seed=seed)["share"]


def people_verdicts(seed: int = SEED, results: dict | None = None) -> dict:
    r = results or people_results(seed)
    out = {}
    for _, row in r["grid"].iterrows():
        out[f"regime g={row['gamma']:g} m={row['mobility']:g} d={row['density']:g}"] = (row["regime"], row["agree"])
    for _, row in r["knockout"].iterrows():
        out[f"knock-out m={row['mobility']:g} d={row['density']:g}"] = (row["matters_more"], row["agree"])
    return out


def sensitivity(seed: int = SEED) -> pd.DataFrame:
    return pl.sensitivity(PL_MOBILITY, PL_DENSITY, PL_DEFAULT_GAMMA, {k: PL[k] for k in ("n", "beta", "periods")},
                          PL_SENSITIVITY, runs=PL_SENSITIVITY_RUNS, seed=seed, n_boot=N_BOOT)


def sensitivity_directions(sens: pd.DataFrame) -> dict:
    """Per changed setting: does raising it give more people cells or fewer (at this seed), and
    the share of (predictive) re-samples in which the change has the same sign:
    {name: (verdict, agreement)}."""
    out = {}
    counts = sens.attrs["people_counts"]
    for name in sens["changed"].iloc[1:].unique():
        i, j = np.flatnonzero(sens["changed"].to_numpy() == name)[[0, -1]]
        diff = int(sens["people_at_seed"].iloc[j]) - int(sens["people_at_seed"].iloc[i])
        sign = int(np.sign(diff))
        verdict = {1: "more people cells", -1: "fewer people cells", 0: "no change"}[sign]
        out[name] = (verdict, float(np.mean(np.sign(counts[j] - counts[i]) == sign)))
    return out


def sensitivity_directions_text(sens: pd.DataFrame) -> str:
    """'raising the horizon (periods) from 20 to 80: 11.9 to 14.2 people cells, more people cells; ...'
    (counts: re-sample means; the verdict printed only when stable)."""
    column = {"periods": "periods", "beta": "beta", "n": "firms"}
    words = {"periods": "the horizon (periods)", "beta": "the strength of ties (beta)", "n": "the number of firms"}
    parts = []
    for name, (verdict, agree) in sensitivity_directions(sens).items():
        sub = sens[sens["changed"] == name]
        lo, hi = sub.iloc[0], sub.iloc[-1]
        parts.append(f"raising {words.get(name, name)} from {lo[column[name]]:g} to {hi[column[name]]:g}: "
                     f"{lo['people_cells']:.1f} to {hi['people_cells']:.1f} people cells, "
                     f"{stability.stated(verdict, agree, N_BOOT)}")
    return "; ".join(parts)


def sensitivity_verdicts(seed: int = SEED) -> dict:
    return {f"raising {k}": v for k, v in sensitivity_directions(sensitivity(seed)).items()}


VERDICTS = {"spin-offs": spinoff_verdicts, "barter": barter_verdicts, "network types": types_verdicts,
            "people versus links": people_verdicts, "sensitivity": sensitivity_verdicts}


def exact_two_region_tail(a: int, b: int, x: float = 0.9) -> float:
    """P(either region's limiting share exceeds ``x``) for a two-region Pólya start a:b (Beta limit)."""
    return float(stats.beta(a, b).sf(x) + stats.beta(b, a).sf(x))
