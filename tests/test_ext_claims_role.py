"""The {claim} role (_ext/claims_role.py): a finding in prose in the ledger's one wording, with a link
to its row of the rendered ledger and the source's words; an unknown id fails the build."""
import pytest
from bs4 import BeautifulSoup

from analysis import data
from sphinx_helpers import build, extension, role_project

claims_role = extension("claims_role")


def _project(tmp_path, body: str):
    return role_project(tmp_path, "claims_role", "claims_ledger_page", "ledger", "Ledger", body)


def test_lookup_gives_the_ledgers_wording_and_every_quotation():
    claims, quotes = data.load("claims"), data.load("claim_quotes")
    got = claims_role.lookup(claims, quotes, "CL-20")
    assert got["finding"] == claims.set_index("claim_id").at["CL-20", "finding"]
    assert got["anchor"] == "ledger-cl-20"
    shown = [q for _, qs in got["words"] for q in qs]
    assert sorted(shown) == sorted(quotes.loc[quotes["claim_id"] == "CL-20", "quote"])
    assert [k for k, _ in got["words"]] == ["keeble_etal_1998_sbe", "cbr_project_page"]
    assert claims_role.words_text([("a", ["x", "y"]), ("b", ["z"])]) == "“x” … “y”; “z”"
    with pytest.raises(KeyError, match="no claim 'CL-99' in the ledger"):
        claims_role.lookup(claims, quotes, "CL-99")


def test_the_role_renders_finding_link_and_words(tmp_path):
    src = _project(tmp_path, "Found: {claim}`CL-11`\n\nIn short: {claim}`CL-13:finding`")
    app, out = build(src, "html")
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    claims = data.load("claims").set_index("claim_id")
    full, short = soup.select("span.claim")

    def text(node):  # Sphinx's smart quotes turn ' into ’ in the page, as everywhere in the book
        return node.get_text().replace("’", "'").replace("‘", "'")
    assert text(full.select_one("span.claim-finding")) == claims.at["CL-11", "finding"]
    link = full.select_one("a.claim-ledger-link")
    assert (link.get_text(), link["href"]) == ("ledger CL-11", "ledger.html#ledger-cl-11")
    assert "“Rapid technological development" in full.select_one("span.claim-words").get_text()
    assert text(short.select_one("span.claim-finding")) == claims.at["CL-13", "finding"]
    assert short.select_one("span.claim-words") is None
    assert short.select_one("a")["href"] == "ledger.html#ledger-cl-13"
    # the ledger files are dependencies of the page: an edited wording rebuilds it
    deps = {str(p) for p in app.env.dependencies["index"]}
    assert any(d.endswith("data/published/claims.csv") for d in deps), deps
    assert any(d.endswith("data/published/claim_quotes.csv") for d in deps), deps


@pytest.mark.parametrize("text, pattern", [
    ("CL-99", r"\{claim\}`CL-99`: no claim 'CL-99' in the ledger"),
    ("CL-11:quote", r"\{claim\}`CL-11:quote`: unknown form 'quote'"),
])
def test_an_unknown_id_or_form_fails_the_build(tmp_path, text, pattern):
    src = _project(tmp_path, f"Found: {{claim}}`{text}`.")
    with pytest.raises(AssertionError, match=pattern):
        build(src, "html")


def test_the_ledger_rows_carry_the_anchors_the_role_links_to():
    from analysis.measures import clusters

    claims, quotes = data.load("claims"), data.load("claim_quotes")
    h = clusters.claims_table_html(claims, quotes)
    for cid in claims["claim_id"]:
        assert f'<tr id="{claims_role.lookup(claims, quotes, cid)["anchor"]}">' in h
