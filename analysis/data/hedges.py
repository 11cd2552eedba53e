"""Hedges as data: the hedge and scope words of a claim's quotation, and the check that its paraphrase keeps them.

The claims ledger records per claim (``hedges``, separated by ';') the hedge and scope words of the
source's quotation ("in part", "arguably", "often", "tended to", "in general", "included"); an entry
may list accepted forms separated by '|' ("would be suggested|would suggest"). :func:`problems`
finds what a paraphrase does to them: a recorded hedge dropped without a reason in ``hedge_note``,
a hedge word of the quotation left unrecorded, a recorded hedge that the quotation does not hold,
or a verb made stronger than the source's ("help explain" → "explains", "suggested" → "showed").
Pure functions on strings; the ``hedges`` check of ``analysis.data.checks`` runs them on every load
of the ledger.
"""
from __future__ import annotations

import re

# Words that weaken or limit a statement; every one found in a quotation must be recorded.
HEDGE_WORDS = (
    r"in part", r"arguabl[ey]", r"often", r"usually", r"tend(?:s|ed)? to", r"in general", r"generally",
    r"initially", r"included", r"suggest(?:s|ed)?", r"appears?", r"may", r"might", r"perhaps", r"possibly",
    r"likely", r"relatively", r"almost", r"hardly", r"increasingly", r"help(?:s|ed)? explain",
)

# (the source's weaker verb, the stronger verbs a paraphrase must not turn it into)
STRONGER_VERBS = (
    (r"help(?:s|ed)? (?:to )?explain", r"(?<!help )(?<!helps )(?<!helped )(?<!to )\bexplain(?:s|ed)?\b"),
    (r"suggest(?:s|ed)?", r"\b(?:show(?:s|ed|n)?|demonstrat\w+|prov(?:e|es|ed|en)|establish\w*|confirm\w*)\b"),
    (r"argu(?:e|es|ed)", r"\b(?:show(?:s|ed|n)?|demonstrat\w+|prov(?:e|es|ed|en)|establish\w*)\b"),
    (r"investigat\w+", r"\b(?:show(?:s|ed|n)?|demonstrat\w+|prov(?:e|es|ed|en)|establish\w*|confirm\w*)\b"),
    (r"appears? to", r"\b(?:is|are) (?:grounded|embedded|based)\b"),
    (r"may", r"\b(?:will|does|do|always)\b"),
)


def _has(pattern: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, flags=re.IGNORECASE) is not None


def entries(hedges) -> list[list[str]]:
    """The recorded hedges: one list of accepted forms per ';'-separated entry (empty cell: none)."""
    if hedges is None or (isinstance(hedges, float) and hedges != hedges) or not str(hedges).strip():
        return []
    return [[f.strip() for f in e.split("|") if f.strip()] for e in str(hedges).split(";") if e.strip()]


def _found(forms: list[str], text: str) -> bool:
    return any(_has(re.escape(f).replace(r"\ ", r"\s+"), text) for f in forms)


def hedge_words(quote: str) -> list[str]:
    """The hedge words of :data:`HEDGE_WORDS` that a quotation contains, as written there."""
    out = []
    for pattern in HEDGE_WORDS:
        m = re.search(rf"(?<![\w-]){pattern}(?![\w-])", quote, flags=re.IGNORECASE)
        if m:
            out.append(m.group(0))
    return out


def problems(paraphrase: str, quotes: list[str], hedges=None, note=None, *, check_recorded: bool = True) -> list[str]:
    """What a paraphrase does to its quotations' hedges, as sentences (empty: nothing wrong).

    ``check_recorded``: also check the record itself (every hedge word of the quotations recorded,
    every recorded hedge in a quotation); off when checking prose against the ledger's record.
    """
    said = " ".join(quotes)
    recorded = entries(hedges)
    note = "" if note is None or (isinstance(note, float) and note != note) else str(note)
    out = []
    if check_recorded:
        for word in hedge_words(said):
            if not any(word.lower() in f.lower() for forms in recorded for f in forms):
                out.append(f"the quotation's hedge {word!r} is not recorded in hedges")
        for forms in recorded:
            if not _found(forms, said):
                out.append(f"recorded hedge {forms[0]!r} is not in the quotation")
    for forms in recorded:
        if not _found(forms, paraphrase) and forms[0].lower() not in note.lower():
            out.append(f"drops the hedge {forms[0]!r} of its quotation without a reason in hedge_note")
    for weak, strong in STRONGER_VERBS:
        if _has(weak, said) and not _has(weak, paraphrase):
            m = re.search(strong, paraphrase, flags=re.IGNORECASE)
            if m:
                out.append(f"strengthens the source's {re.search(weak, said, re.IGNORECASE).group(0)!r} "
                           f"to {m.group(0)!r}")
    return out
