"""The ``{published}`` role: a published value in a Markdown page, read from its table.

Notebooks glue their numbers; a Markdown page (the introduction, say) cannot. Instead of typing
"eleven teams", a page writes ``{published}`PRG-01``` and the role shows the row's value as the
tables hold it (``value``, as an integer when it is one; ``{published}`PRG-03:value_text``` for
another column), so the number is transcribed once, in ``data/published/``, with its source and
status. The rendered value links to the Data sources page, where the tables and their provenance
are listed.

Rows are found by id in the tables of ``published_values_tables`` (names in the registry, read
through ``analysis.data.load``). An unknown id or an empty cell is a build error naming the page,
the id and the column; the table files are recorded as dependencies of the page, so an edited
value rebuilds it.
"""
from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxRole

DEFAULT_TABLES = ("programme_facts", "context_series", "surveys")


def _tables(config) -> dict:
    from analysis import data

    return {name: data.load(name) for name in config.published_values_tables}


def lookup(tables: dict, row_id: str, column: str = "value") -> tuple[str, dict]:
    """(text as shown, provenance) of ``column`` in the one row with this id; KeyError/ValueError
    naming the id, the column and the tables searched."""
    from analysis.present import page

    hits = []
    for name, table in tables.items():
        try:
            hits.append((name, table, page.row(table, row_id)))
        except KeyError:
            continue
    if len(hits) != 1:
        what = "no row" if not hits else f"rows in {', '.join(h[0] for h in hits)}"
        raise KeyError(f"{what} with id {row_id!r} (searched {', '.join(tables)})")
    name, table, row = hits[0]
    value = page.value(table, row_id, column)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value), {"table": name, "row_id": row_id, "source": page.row_source(table, row_id)}


class PublishedRole(SphinxRole):
    def run(self):
        row_id, _, column = self.text.partition(":")
        env = self.env
        try:
            tables = env.app._published_tables  # loaded once per build
        except AttributeError:
            tables = env.app._published_tables = _tables(env.config)
        try:
            text, prov = lookup(tables, row_id.strip(), column.strip() or "value")
        except (KeyError, ValueError) as err:
            msg = self.inliner.reporter.error(f"{{published}}`{self.text}`: {err}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        for table in tables.values():  # an edited value rebuilds the page
            path = (table.attrs.get("provenance") or {}).get("path")
            if path:
                env.note_dependency(str(env.app.srcdir / path))
        # the number links to the page that lists the tables and their provenance
        xref = addnodes.pending_xref(self.rawtext, nodes.inline(text, text), refdomain="std", reftype="doc",
                                     refexplicit=True, reftarget="/" + env.config.published_values_page,
                                     refdoc=env.docname)
        node = nodes.inline("", "", xref, classes=["published-value"])
        return [node], []


def setup(app):
    app.add_config_value("published_values_tables", list(DEFAULT_TABLES), "env")
    app.add_config_value("published_values_page", "book/data-sources", "env")
    app.add_role("published", PublishedRole())
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
