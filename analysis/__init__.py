"""Analysis package of the compendium; its sub-packages follow the flow of ARCHITECTURE.md.

``analysis.data``: the one door to the data (``data.load(name)``) and its steps (registry,
validation, content checks, format readers, provenance, the execution recorder);
``analysis.measures``: pure measures, nulls and statistics; ``analysis.models``: documented
simulations; ``analysis.present``: charts and the page kit; ``analysis.build``: build plumbing,
not for notebooks; ``analysis.paths``: every path. Notebooks import ``data``, ``measures``,
``models`` and ``present``, and nothing else of the project's own.
"""
from .data import recorder

# Inside a book build's kernel (COMPENDIUM_DEPS_RECORD set by _ext/exec_deps.py): record which
# modules and data this notebook uses, so its execution cache is keyed on them. A no-op otherwise.
recorder.start()
