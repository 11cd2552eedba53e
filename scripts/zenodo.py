"""Deposit metadata for Zenodo (``.zenodo.json``), generated from CITATION.cff and checked against it.

    python scripts/zenodo.py           # write .zenodo.json from CITATION.cff
    python scripts/zenodo.py --check   # exit 1 if .zenodo.json is not what CITATION.cff implies

Zenodo's GitHub integration reads ``.zenodo.json`` and then ignores CITATION.cff, so the file must
never be edited by hand: it is rendered from CITATION.cff (``scripts/edition.py`` re-renders it when
it bumps the version), ``make release`` refuses a stale one, and :func:`disagreements` compares
the two field by field (tests/test_release.py). The same record serves an upload by hand or
through the InvenioRDM API (its legacy deposit format).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGET = ".zenodo.json"
#: CFF ``type`` -> Zenodo ``upload_type``.
UPLOAD_TYPES = {"software": "software", "dataset": "dataset"}


def creator(entity: dict) -> dict:
    """A CFF person or entity as a Zenodo creator ("Family, Given" for persons)."""
    if "family-names" in entity:
        given = " ".join(p for p in (entity.get("given-names"), entity.get("name-particle")) if p)
        out = {"name": f"{entity['family-names']}, {given}" if given else entity["family-names"]}
    else:
        out = {"name": entity["name"]}
    if entity.get("affiliation"):
        out["affiliation"] = entity["affiliation"]
    if entity.get("orcid"):
        out["orcid"] = entity["orcid"].rsplit("/", 1)[-1]
    return out


def render(cff: dict) -> dict:
    """The .zenodo.json record for a CITATION.cff (a dict)."""
    record = {
        "upload_type": UPLOAD_TYPES.get(cff.get("type", "software"), "other"),
        "title": cff["title"],
        "version": str(cff["version"]),
        "publication_date": str(cff["date-released"]),
        "creators": [creator(a) for a in cff["authors"]],
        "description": " ".join(str(cff.get("abstract") or cff["title"]).split()),
        "license": str(cff["license"]).lower(),
        "access_right": "open",
        "keywords": list(cff.get("keywords", [])),
        "related_identifiers": [],
    }
    if cff.get("repository-code"):
        record["related_identifiers"].append(
            {"identifier": cff["repository-code"], "relation": "isSupplementTo", "scheme": "url"})
    if cff.get("url"):
        record["related_identifiers"].append({"identifier": cff["url"], "relation": "isVariantFormOf", "scheme": "url"})
    if cff.get("doi"):
        record["doi"] = cff["doi"]
    return record


def dumps(record: dict) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def load_cff(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))


def disagreements(record: dict, cff: dict) -> list[str]:
    """Where a deposit record says something other than CITATION.cff (empty: they agree)."""
    want = {
        "title": cff["title"], "version": str(cff["version"]), "publication_date": str(cff["date-released"]),
        "license": str(cff["license"]).lower(), "keywords": list(cff.get("keywords", [])),
        "creators": [creator(a)["name"] for a in cff["authors"]],
        "description": " ".join(str(cff.get("abstract") or cff["title"]).split()),
        "repository": cff.get("repository-code"), "doi": cff.get("doi"),
    }
    got = {k: record.get(k) for k in ("title", "version", "publication_date", "license", "keywords", "description",
                                       "doi")}
    got["creators"] = [c.get("name") for c in record.get("creators", [])]
    got["repository"] = next((r["identifier"] for r in record.get("related_identifiers", [])
                              if r.get("relation") == "isSupplementTo"), None)
    return [f"{TARGET}: {k} is {got[k]!r}, CITATION.cff says {want[k]!r}" for k in want if got[k] != want[k]]


def write(root: Path = ROOT) -> Path:
    target = root / TARGET
    target.write_text(dumps(render(load_cff(root))), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = ROOT / TARGET
    if "--check" in argv:
        cff = load_cff()
        if not target.is_file():
            print(f"{target}: missing: run `python scripts/zenodo.py`", file=sys.stderr)
            return 1
        text = target.read_text(encoding="utf-8")
        problems = disagreements(json.loads(text), cff)
        if text != dumps(render(cff)):
            problems.append(f"{TARGET} is not the rendering of CITATION.cff: run `python scripts/zenodo.py`")
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    print(f"wrote {write().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
