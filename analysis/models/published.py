"""What the models' own sources state, as far as they could be read (the project's reference notes on the models).

These are the only published statements the models chapter compares its simulations with. All
are qualitative (shapes and outcomes), read in the authors' abstracts; no figure or table of
either paper was read, so no published number is reproduced here.
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
]


def shape_claims() -> pd.DataFrame:
    """The published shape claims (id, source key, location, status, paraphrase)."""
    return pd.DataFrame(_CLAIMS, columns=["id", "source_key", "location", "status", "claim"])
