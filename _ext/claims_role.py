"""The ``{claim}`` role: a finding of the claims ledger in prose, in the ledger's one wording.

A chapter that states what the network found does not restate it in its own words (which drift,
and drop the source's hedges); it writes ``{claim}`CL-11``` and the role shows the ledger's
paraphrase (``finding`` of ``data/published/claims.csv``), a link to the claim's row in the rendered
ledger (``<tr id="ledger-cl-11">`` on ``claims_ledger_page``), and the source's own words (the
claim's rows of ``claim_quotes.csv``). ``{claim}`CL-11:finding``` shows the paraphrase and the link
only, for a summary that follows the full statement. Prose may comment on a claim; it may not
restate it (CONVENTIONS.md, "Claims and prose").

An unknown id or option is a build error naming the page and the id; both ledger files are
recorded as dependencies of the page, so an edited wording rebuilds it.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)

FORMS = ("full", "finding")


def _tables() -> tuple:
    from analysis import data

    return data.load("claims"), data.load("claim_quotes")


def lookup(claims, quotes, claim_id: str) -> dict:
    """The ledger's wording of one claim: {'finding', 'words': [(source_key, [quote, ...]), ...],
    'anchor'}; KeyError naming the id when the ledger does not hold it exactly once."""
    from analysis.measures.clusters import ledger_row_id

    hit = claims[claims["claim_id"] == claim_id]
    if len(hit) != 1:
        raise KeyError(f"no claim {claim_id!r} in the ledger (data/published/claims.csv holds "
                       f"{claims['claim_id'].iloc[0]} to {claims['claim_id'].iloc[-1]})")
    mine = quotes[quotes["claim_id"] == claim_id]
    words = [(key, list(group["quote"])) for key, group in mine.groupby("source_key", sort=False)]
    return {"finding": str(hit.iloc[0]["finding"]), "words": words, "anchor": ledger_row_id(claim_id)}


def words_text(words) -> str:
    """The source's words as shown: quotations of one source joined by ' … ', sources by '; '."""
    return "; ".join(" … ".join(f"“{q}”" for q in quotes) for _, quotes in words)


class claim_xref(nodes.Inline, nodes.TextElement):
    """A link to a row of the rendered ledger; resolved per builder by :class:`ResolveClaimLinks`."""


class ClaimRole(SphinxRole):
    def run(self):
        claim_id, _, form = (x.strip() for x in self.text.partition(":"))
        form = form or "full"
        env = self.env
        try:
            tables = env.app._claims_tables  # loaded once per build
        except AttributeError:
            tables = env.app._claims_tables = _tables()
        try:
            if form not in FORMS:
                raise KeyError(f"unknown form {form!r} (one of: {', '.join(FORMS)})")
            claim = lookup(*tables, claim_id)
        except KeyError as err:
            msg = self.inliner.reporter.error(f"{{claim}}`{self.text}`: {err.args[0]}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        for table in tables:  # an edited wording rebuilds the page
            path = (table.attrs.get("provenance") or {}).get("path")
            if path:
                env.note_dependency(str(env.app.srcdir / path))
        link = claim_xref("", f"ledger {claim_id}", page=env.config.claims_ledger_page, anchor=claim["anchor"])
        parts = [nodes.inline(claim["finding"], claim["finding"], classes=["claim-finding"]),
                 nodes.Text(" ("), link]
        if form == "full":
            said = words_text(claim["words"])
            parts += [nodes.Text("; the source's words: "), nodes.inline(said, said, classes=["claim-words"])]
        parts.append(nodes.Text(")"))
        return [nodes.inline("", "", *parts, classes=["claim"])], []


class ResolveClaimLinks(SphinxPostTransform):
    """Turn each :class:`claim_xref` into a link to the ledger page's row, relative for the builder."""

    default_priority = 5

    def run(self, **kwargs):
        for node in list(self.document.findall(claim_xref)):
            page = node["page"]
            if page not in self.env.all_docs:
                logger.warning("{claim}: the ledger page %r is not in the book (claims_ledger_page)", page,
                               location=node)
                node.replace_self(nodes.Text(node.astext()))
                continue
            uri = self.app.builder.get_relative_uri(self.env.docname, page)
            if self.app.builder.format == "html":  # the row's id exists in the HTML output only
                uri += "#" + node["anchor"]
            node.replace_self(nodes.reference("", node.astext(), internal=True, refuri=uri,
                                              classes=["claim-ledger-link"]))


def setup(app):
    app.add_config_value("claims_ledger_page", "book/clusters", "env")
    app.add_node(claim_xref)
    app.add_role("claim", ClaimRole())
    app.add_post_transform(ResolveClaimLinks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
