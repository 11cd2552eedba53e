"""What the models' own sources state, as far as they could be read (the project's reference notes on the models).

These are the only published statements the models chapter compares its simulations with. All
are qualitative (shapes, outcomes and one ordering): Arthur's and Cowan and Jonard's read in their
abstracts, Mueller et al.'s ordering in a mirrored results section (a later model that follows
Cowan and Jonard, so second-hand for theirs); no figure or table of Arthur's or Cowan and
Jonard's paper was read, so no published number is reproduced here.
"""
from __future__ import annotations

import pandas as pd

_CLAIMS = [
    ("AR-1", "arthur_sfi_89_10_007", "abstract, point (i)", "read in source (abstract)",
     "With no upper bound to locational increasing returns, the industry clusters in one dominant "
     "location with probability one; which one depends on geography and on the chance order of entry."),
    ("AR-2", "arthur_sfi_89_10_007", "abstract, point (ii)", "read in source (abstract)",
     "With an upper bound, some entry sequences still give one location a monopoly; others give "
     "locational sharing, as if agglomeration were absent."),
    ("CJ-1", "cowan_jonard_2004", "abstract", "read in source (abstract)",
     "Steady-state average knowledge is highest when the network is a small world: most links "
     "local, roughly one in ten long-distance."),
    ("CJ-2", "cowan_jonard_2004", "abstract", "read in source (abstract)",
     "The variance of knowledge across agents is largest in the small-world region."),
    ("CJ-3", "cowan_jonard_2004", "abstract", "read in source (abstract)",
     "The coefficient of variation of knowledge is smallest in the small-world region."),
    ("MU-1", "mueller_etal_2015", "results section on degree distribution and network performance",
     "second-hand (a later model in Cowan and Jonard's manner)",
     "With 100 agents and 200 links in every network, the Watts–Strogatz network (rewiring 0.15) gives "
     "the highest mean knowledge, the Erdős–Rényi network comes next, and the Barabási–Albert and "
     "evolutionary networks do worst."),
]


def shape_claims() -> pd.DataFrame:
    """The published shape claims (id, source key, location, status, paraphrase)."""
    return pd.DataFrame(_CLAIMS, columns=["id", "source_key", "location", "status", "claim"])
