"""Analysis package of the compendium: the one door to the data, pure measures, and charts.

Notebooks import this package and nothing else of the project's own.
"""
__all__ = ["paths", "data", "registry", "validate", "opendata", "catalog", "charts", "clusters", "networks", "embeddedness", "mobility"]
