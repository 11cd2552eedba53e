"""Text alternatives of the models chapter's charts, written from the data they describe (so they
cannot go stale when a setting or seed changes), and the per-value tables that go with them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import stability


def histories(final: pd.Series, n_births: int) -> str:
    return ("Line chart of region 1's share of firms against the number of spin-offs born, for "
            f"{len(final)} simulated histories that all start with one firm in each of two regions. After "
            f"{n_births:,} births the histories end at shares " + ", ".join(f"{v:.2f}" for v in sorted(final)) + ".")


def polya(table: pd.DataFrame) -> str:
    parts = [f"start {r['start']}: simulated mean {r['sim_mean']:.3f} (exact {r['exact_mean']:.3f}), "
             f"standard deviation {r['sim_sd']:.3f} (exact limit {r['exact_sd']:.3f})" for _, r in table.iterrows()]
    return ("Histogram of region 1's final share of firms over simulated spin-off histories, with the exact "
            "Beta density drawn as a line; radio buttons choose the starting counts of the two regions. "
            + "; ".join(parts) + ".")


def agglomeration(table: pd.DataFrame) -> str:
    parts = [f"{r['returns']}: {r['locked_share']:.1%} of histories locked in "
             f"(95% interval {r['locked_low']:.1%} to {r['locked_high']:.1%}), standard deviation of the "
             f"final share {r['sd_share']:.2f}" for _, r in table.iterrows()]
    return ("Histogram of region 1's final share of firms under agglomeration returns, chosen with radio "
            "buttons. " + "; ".join(parts) + ".")


def sweep_table(summary: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """One row per p: every measure as 'estimate ± Monte Carlo error' (the chart's values)."""
    rows = {}
    for (p, measure), r in summary.set_index(["p", "measure"]).iterrows():
        dec = 2 if measure in ("mean_knowledge", "variance") else 3
        rows.setdefault(f"{p:g}", {})[labels[measure]] = stability.pm(r["estimate"], r["mc_error"], dec)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("p").reset_index()


def sweep(summary: pd.DataFrame, window: str) -> str:
    est = summary.pivot(index="p", columns="measure", values="estimate")
    err = summary.pivot(index="p", columns="measure", values="mc_error")
    parts = [f"p = {p:g}: mean knowledge {est.at[p, 'mean_knowledge']:.2f} ± {err.at[p, 'mean_knowledge']:.2f}, "
             f"C/C0 {est.at[p, 'C_ratio']:.2f}, L/L0 {est.at[p, 'L_ratio']:.2f}" for p in est.index]
    return ("Two panels against the rewiring probability p on a log scale. Top: one steady-state outcome chosen "
            "with radio buttons, ensemble mean with a 95% interval band, on an axis that starts at zero. "
            "Bottom: clustering and path length relative to the lattice. Small-world window (C/C0 above 0.5 and "
            f"L/L0 below 0.2): p = {window}. Values (mean ± Monte Carlo error): " + "; ".join(parts) + ".")


LETTERS = {"people": "P", "ties": "T", "nothing learnt": "0"}


def regime_table(grid: pd.DataFrame) -> pd.DataFrame:
    """The printed label of every cell, all gammas: rows (gamma, mobility), columns density;
    P people, T ties, 0 nothing learnt, ? undecided at this ensemble size."""
    g = grid.assign(letter=grid["label"].map(LETTERS).fillna("?"))
    wide = g.pivot_table(index=["gamma", "mobility"], columns="density", values="letter", aggfunc="first")
    wide = wide.sort_index(level=[0, 1], ascending=[True, False])
    wide.columns = [f"density {d:g}" for d in wide.columns]
    return wide.reset_index()


def regimes(grid: pd.DataFrame) -> str:
    parts = []
    for gamma, sub in grid.groupby("gamma", sort=True):
        c = sub["label"].map(LETTERS).fillna("?").value_counts()
        parts.append(f"gamma {gamma:g}: {c.get('P', 0)} people, {c.get('T', 0)} ties, {c.get('0', 0)} with nothing "
                     f"learnt, {c.get('?', 0)} undecided at this ensemble size")
    return ("Heatmap of the share of all learning that came through people over mobility rate (rows) and density "
            "of formal ties (columns), coloured from blue (ties) to orange (people) and lettered P, T, 0 or ?; a "
            "slider sets gamma. Cells per gamma: " + "; ".join(parts) + ". The table below lists every cell.")


def knockout_table(ko: pd.DataFrame) -> pd.DataFrame:
    """Knock-out comparison per cell: losses with their difference's interval and the printed label."""
    out = ko[["mobility", "density", "full", "loss_people", "loss_ties", "diff", "low", "high", "label"]].copy()
    for col in ("full", "loss_people", "loss_ties", "diff", "low", "high"):
        out[col] = out[col].round(3)
    return out.rename(columns={"full": "level, both channels", "loss_people": "loss without people",
                               "loss_ties": "loss without ties", "label": "matters more"})
