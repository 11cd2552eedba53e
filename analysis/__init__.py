"""Analysis package of the compendium: the one door to the data, pure measures, and charts.

Notebooks import this package and nothing else of the project's own.
"""
__all__ = ["paths", "data", "registry", "validate", "opendata", "catalog", "charts", "clusters", "networks", "embeddedness", "mobility"]

from . import _deps

# Inside a book build's kernel (COMPENDIUM_DEPS_RECORD set by _ext/exec_deps.py): record which
# modules and data this notebook uses, so its execution cache is keyed on them. A no-op otherwise.
_deps.start()
