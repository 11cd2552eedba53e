"""Presentation: what a notebook puts on the page.

``charts``: every figure, in the house style, each with a text alternative (a new chart style
goes here); ``page``: the page kit (published values, glue with evidence kind and source,
tables, claims, seeds); ``catalog``: the Data sources table and bibliography records.
"""
