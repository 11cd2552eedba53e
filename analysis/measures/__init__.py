"""Measures: pure functions on loaded tables and graphs (no I/O, no plotting).

Where things go: a network measure in ``networks``; a null model of a network statistic in
``nulls`` (the exact count of the degree-preserving null in ``exact_null``); brokerage roles in
``brokerage``; Holm's correction over a chapter's tests in ``multiplicity``; person-level
inference on labour flows in ``flow_inference``; a chapter's tables, verdicts and prose values built
from them in ``network_tables``; a theme's measures in ``embeddedness``, ``mobility`` or
``clusters`` (the claims ledger's words in ``ledger``); tests and intervals in ``stats``; the
words for status and evidence codes in ``evidence``. Simulations of documented models are in
``analysis.models``, not here.
"""
