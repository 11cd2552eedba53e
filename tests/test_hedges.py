"""Hedges are data: the ledger records the hedge and scope words of each quotation, and a paraphrase
that drops one without a recorded reason, or makes a verb stronger than the source's, is refused
when the ledger is loaded (analysis.data.hedges, the 'hedges' x-check of data/datapackage.json)."""
from __future__ import annotations

import pytest

from analysis import data
from analysis.data import hedges
from test_claims import _refused, _row, _set

CL11_QUOTES = ["Rapid technological development and associated explosive growth in demand also help explain "
               "exceptional growth in numbers of computer, internet and information technology service SMEs",
               "coupled with low barriers to entry and the evolution of numerous specialised market niches which "
               "small firms can target successfully."]
CL11_HEDGES = "also help explain;numerous"

# CL-11 as the ledger and the clusters chapter worded it before issue 24 (commit a5db7b7)
CL11_LEDGER_BEFORE = ("Rapid technological development and the associated explosive growth in demand, together with "
                      "low barriers to entry and numerous specialised market niches, help explain the exceptional "
                      "growth in numbers of computer, internet and IT-service SMEs in the clusters in the 1990s.")
CL11_CHAPTER_BEFORE = ("The network's book explains the fast growth of computing, internet and IT-service SMEs in the "
                       "clusters in the 1990s by rapid technical change, low barriers to entry and many market niches")


def test_the_real_ledger_keeps_its_hedges():
    claims, quotes = data.load("claims"), data.load("claim_quotes")  # the check runs on load
    assert claims.set_index("claim_id").at["CL-11", "hedges"] == CL11_HEDGES
    for _, c in claims.iterrows():
        said = list(quotes.loc[quotes["claim_id"] == c["claim_id"], "quote"])
        assert hedges.problems(c["finding"], said, c["hedges"], c["hedge_note"]) == [], c["claim_id"]


def test_todays_cl11_wordings_fail():
    """The bite on the wording issue 24 found: the ledger dropped 'also', the chapter wrote 'explains'."""
    assert hedges.problems(CL11_LEDGER_BEFORE, CL11_QUOTES, CL11_HEDGES) == [
        "drops the hedge 'also help explain' of its quotation without a reason in hedge_note"]
    assert hedges.problems(CL11_CHAPTER_BEFORE, CL11_QUOTES, CL11_HEDGES) == [
        "drops the hedge 'also help explain' of its quotation without a reason in hedge_note",
        "drops the hedge 'numerous' of its quotation without a reason in hedge_note",
        "strengthens the source's 'help explain' to 'explains'"]


@pytest.mark.parametrize("paraphrase, quote, recorded, expected", [
    ("Both systems rely on a particular socio-cultural atmosphere.",
     "both systems rely upon particular conditions, in part a particular socio-cultural atmosphere", "in part",
     "drops the hedge 'in part'"),
    ("The clusters showed high networking, highest for manufacturing SMEs.",
     "In general, the clusters studied exhibited a relatively high level of networking, "
     "especially for manufacturing SMEs.",
     "In general;relatively;especially for", "drops the hedge 'In general'"),
    ("Firms internationalised early.", "technology-intensive small firms often need to internationalise", "often",
     "drops the hedge 'often'"),
    ("Local links mattered most at start-up and weakened later.",
     "the importance of such links has tended to decline", "tended to", "drops the hedge 'tended to'"),
    ("Transnational comparisons showed that globalisation was associated with embeddedness.",
     "transnational comparisons suggested that successful globalisation was associated with embeddedness",
     "suggested", "strengthens the source's 'suggested' to 'showed'"),
    ("The clusters were those in seven regions.", "The clusters being studied included those in seven regions",
     "included", "drops the hedge 'included'"),
], ids=["in-part", "in-general", "often", "tended-to", "suggested-showed", "included"])
def test_dropped_hedges_and_stronger_verbs_are_found(paraphrase, quote, recorded, expected):
    assert any(expected in p for p in hedges.problems(paraphrase, [quote], recorded)), \
        hedges.problems(paraphrase, [quote], recorded)


def test_the_record_itself_is_checked():
    said = ["the firms often grew, in part by spin-off"]
    assert hedges.problems("The firms often grew, in part by spin-off.", said, "often") == [
        "the quotation's hedge 'in part' is not recorded in hedges"]
    assert hedges.problems("The firms often grew.", ["the firms often grew"], "often;arguably") == [
        "recorded hedge 'arguably' is not in the quotation",
        "drops the hedge 'arguably' of its quotation without a reason in hedge_note"]
    # a reason naming the hedge lets the paraphrase omit it; alternatives separated by '|'
    assert hedges.problems("The firms grew.", ["the firms often grew"], "often", "'often' is the source's aside") == []
    assert hedges.problems("As a focus on links would suggest.", ["than would be suggested by a focus"],
                           "would be suggested|would suggest") == []


@pytest.mark.parametrize("claim, cells, pattern", [
    ("CL-11", {"finding": CL11_LEDGER_BEFORE}, r"claim CL-11: drops the hedge 'also help explain'"),
    ("CL-15", {"finding": "Both the Cambridge and the Oxford systems rely on a particular socio-cultural atmosphere "
                          "for establishing links between firms, especially where trust is important."},
     r"claim CL-15: drops the hedge 'in part'"),
    ("CL-13", {"hedges": "relatively;especially for"},
     r"claim CL-13: the quotation's hedge 'In general' is not recorded"),
    ("CL-24", {"hedge_note": ""}, r"claim CL-24: drops the hedge 'For example'"),
], ids=["CL-11-before", "CL-15-in-part", "CL-13-unrecorded", "CL-24-no-reason"])
def test_an_edited_ledger_is_refused_naming_file_field_row(tmp_path, claim, cells, pattern):
    _refused(tmp_path, _set(claim, **cells), pattern, "hedges", _row(claim))
