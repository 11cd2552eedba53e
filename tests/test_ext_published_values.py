"""The {published} role (_ext/published_values.py): Markdown pages show published values from
their tables, never typed by hand; an unknown id fails the build with the id named."""
import pytest
from bs4 import BeautifulSoup

from analysis import data
from analysis.present import page
from sphinx_helpers import build, extension, role_project

published_values = extension("published_values")


def _project(tmp_path, body: str):
    return role_project(tmp_path, "published_values", "published_values_page", "sources", "Data sources", body)


def test_values_come_from_their_rows():
    tables = {n: data.load(n) for n in published_values.DEFAULT_TABLES}
    facts = tables["programme_facts"]
    text, prov = published_values.lookup(tables, "PRG-01")
    assert text == str(int(page.value(facts, "PRG-01")))  # 11.0 is shown as 11
    assert prov["table"] == "programme_facts" and "cbr_project_page" in prov["source"]
    assert published_values.lookup(tables, "PRG-03", "value_text")[0] == page.value(facts, "PRG-03", "value_text")
    with pytest.raises(KeyError, match="no row with id 'PRG-99'"):
        published_values.lookup(tables, "PRG-99")
    with pytest.raises(ValueError, match="has no 'value'"):
        published_values.lookup(tables, "PRG-04")  # a qualitative row: no number to show


def test_the_role_renders_the_value_and_links_the_sources_page(tmp_path):
    src = _project(tmp_path, "The network had {published}`PRG-01` teams in {published}`PRG-02` countries.")
    app, out = build(src, "html")
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    shown = [(a.get_text(), a["href"]) for a in soup.select("span.published-value > a")]
    facts = data.load("programme_facts")
    assert shown == [(str(int(page.value(facts, "PRG-01"))), "sources.html"),
                     (str(int(page.value(facts, "PRG-02"))), "sources.html")]
    # the tables are dependencies of the page: an edited value rebuilds it
    deps = {str(p) for p in app.env.dependencies["index"]}
    assert any(d.endswith("data/published/programme_facts.csv") for d in deps), deps


def test_an_unknown_id_fails_the_build(tmp_path):
    src = _project(tmp_path, "Teams: {published}`NOPE-1`.")
    with pytest.raises(AssertionError, match=r"\{published\}`NOPE-1`: .*no row with id 'NOPE-1'"):
        build(src, "html")
