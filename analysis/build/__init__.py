"""Build plumbing, not for notebooks: the notebook list and site helpers (``site``), and whether
a recorded execution is out of date (``staleness``)."""
