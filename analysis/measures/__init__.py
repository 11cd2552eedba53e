"""Measures: pure functions on loaded tables and graphs (no I/O, no plotting).

Where things go: a network measure in ``networks``; a null model of a network statistic in
``nulls``; brokerage roles in ``brokerage``; a chapter's tables, verdicts and prose values built
from them in ``network_tables``; a theme's measures in ``embeddedness``, ``mobility`` or
``clusters`` (the claims ledger's words in ``ledger``); tests and intervals in ``stats``; the
words for status and evidence codes in ``evidence``. Simulations of documented models are in
``analysis.models``, not here.
"""
