"""The claims ledger's headline findings: the project page's own findings, in its order.

Pure functions on the ``claims`` and ``claim_quotes`` tables of ``analysis.data.load``.
"""
from __future__ import annotations

import html

import pandas as pd

from .clusters import _quote_html, _table, claim_link, status_words

# The findings of the programme's project page (cbr_project_page), in the order the page states
# them: combining competences; specialisation with diversification; intra-regional networking;
# national and global links; local embeddedness of globalising firms; universities as regional
# collective agents; the movement of people before formal links.
HEADLINE_FINDINGS = ["CL-03", "CL-05", "CL-13", "CL-14", "CL-20", "CL-06", "CL-21"]
PROJECT_PAGE = "cbr_project_page"


def headline_findings(claims: pd.DataFrame, quotes: pd.DataFrame) -> pd.DataFrame:
    """The headline claims in the project page's order, each with the page's words about it.

    Raises KeyError for a headline id missing from the ledger and ValueError for one that does not
    quote the project page (a headline finding is, by definition, the page's).
    """
    rows = []
    for n, cid in enumerate(HEADLINE_FINDINGS, start=1):
        hit = claims[claims["claim_id"] == cid]
        if len(hit) != 1:
            raise KeyError(f"headline finding {cid} is not in the ledger exactly once")
        words = quotes[(quotes["claim_id"] == cid) & (quotes["source_key"] == PROJECT_PAGE)]
        if words.empty:
            raise ValueError(f"headline finding {cid} does not quote the project page")
        r = hit.iloc[0]
        rows.append({"n": n, "claim_id": cid, "finding": r["finding"], "chapter": r["chapter"], "anchor": r["anchor"],
                     "status": r["status"], "quotes": words.reset_index(drop=True)})
    return pd.DataFrame(rows)


def headline_table_html(claims: pd.DataFrame, quotes: pd.DataFrame) -> str:
    """The headline findings as a table: order on the page, paraphrase, the page's words, status, link."""
    esc = html.escape
    rows = []
    for _, r in headline_findings(claims, quotes).iterrows():
        said = "<br>".join(_quote_html(q) for _, q in r["quotes"].iterrows())
        href = esc(claim_link(r["chapter"], r["anchor"]), quote=True)
        link = f"<a href=\"{href}\">{esc(r['chapter'])} § {esc(r['claim_id'])}</a>"
        rows.append([str(r["n"]), esc(r["finding"]), said, esc(status_words(r["status"])), link])
    return _table(["Order on the page", "Finding (paraphrase)", "Quotation from the project page", "Status",
                   "Examined in"], rows, css_class="claims-ledger", inline_style=False)

