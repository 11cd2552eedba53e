"""RO-Crate metadata of a release archive, and its validation with roc-validator offline.

:func:`crate_metadata` describes the archive's files (``scripts/release.py`` gathers them) with the
``rocrate`` library, RO-Crate 1.1:

* the root: title, abstract, version, date, licence, keywords, authors and funders, all from
  ``CITATION.cff`` (funders: ``references`` of ``type: grant``, CFF 1.2.0 having no funder field);
* every file: its type (``encodingFormat``), licence(s) and ``sha256`` / ``contentSize``;
* the open datasets the notebooks read from registry packages (not in the archive): one contextual
  entity each, with package, version, path, sha256 and licences from ``data/datapackage.json``;
* provenance in the Process / Workflow Run Crate shape: the build (``Makefile``, the crate's main
  workflow) as one CreateAction, and each notebook's execution as a CreateAction whose instrument
  is the notebook, whose ``object`` is what its dependency record (``analysis/data/recorder.py``) says it
  used (modules, data files, open datasets, the lock file) and whose ``result`` is its page, its
  charts and its glued values (rows of the values ledger). A record whose hashes differ from the
  archived files is refused: the site would not be the product of the archived inputs.

:func:`validator_problems` runs roc-validator (profiles ro-crate-1.1, process-run-crate-0.5 and
workflow-run-crate-0.5; REQUIRED severity) offline:
its HTTP cache is filled first with the RO-Crate 1.1 JSON-LD context from
``scripts/ro-crate-1.1-context.jsonld`` (the file ``rocrate/data/ro-crate.jsonld`` of the PyPI
package rocrate 0.13.0, Apache-2.0; rocrate 0.16 ships the 1.3 context instead).
"""
from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import re
from pathlib import Path

CONTEXT_11 = "https://w3id.org/ro/crate/1.1/context"
CONTEXT_FILE = Path(__file__).resolve().parent / "ro-crate-1.1-context.jsonld"
#: Terms the 1.1 context lacks (it predates schema.org's sha256).
EXTRA_TERMS = {"sha256": "http://schema.org/sha256"}
PROFILES = {
    "https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate",
    "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate",
    "https://w3id.org/workflowhub/workflow-ro-crate/1.0": "Workflow RO-Crate",
}
SPDX = "https://spdx.org/licenses/"
#: Licence of the build toolchain's web assets copied into the site (not this project's files).
TOOLCHAIN_ASSETS = "#licence-toolchain-web-assets"
TOOLCHAIN_ASSETS_TEXT = (
    "Stylesheets, scripts, fonts, icons and translations copied into the site by the build toolchain, each under "
    "its project's licence: Sphinx (BSD-2-Clause), pydata-sphinx-theme and sphinx-book-theme (BSD-3-Clause; "
    "the Font Awesome files they bundle: icons CC-BY-4.0, fonts OFL-1.1, code MIT, see the *.LICENSE.txt files "
    "beside them), myst-nb (BSD-3-Clause), sphinx-copybutton, sphinx-design, sphinx-togglebutton, sphinx-exercise "
    "and sphinx-thebe (MIT), and the Vega, Vega-Lite and vega-embed bundle (BSD-3-Clause) in vega-offline.js.")
#: Licences by archive path (first match wins); data files take theirs from data/datapackage.json.
#: README.md "Licences": code MIT; text, figures and transcribed tables CC BY 4.0.
LICENCE_RULES = (
    ("analysis/", ("MIT",)),
    ("book/", ("CC-BY-4.0", "MIT")),           # text and figures; the code cells
    ("handouts/", ("CC-BY-4.0",)),
    ("editions/", ("CC-BY-4.0",)),
    ("site/_static/", None),                   # toolchain assets, except this project's own (below)
    ("site/_sphinx_design_static/", None),
    ("site/", ("CC-BY-4.0", "MIT")),
    ("data/", ("CC-BY-4.0",)),                 # documentation of the data; tables: their own licences
    ("LICENSE-CONTENT.md", ("CC-BY-4.0",)),
    ("README.md", ("CC-BY-4.0",)), ("ARCHITECTURE.md", ("CC-BY-4.0",)), ("CHANGELOG.md", ("CC-BY-4.0",)),
    ("CITATION.cff", ("CC-BY-4.0",)), (".zenodo.json", ("CC-BY-4.0",)),
    ("", ("MIT",)),                            # build files, lock, environment, licence text
)
FORMATS = {".ipynb": "application/x-ipynb+json", ".cff": "application/yaml", ".yml": "application/yaml",
           ".yaml": "application/yaml", ".lock": "text/plain", ".in": "text/plain", ".bib": "application/x-bibtex",
           ".md": "text/markdown", ".py": "text/x-python", ".toml": "application/toml", ".map": "application/json",
           ".inv": "application/octet-stream", ".mo": "application/x-gettext-translation",
           ".po": "text/x-gettext-translation", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
           ".csv": "text/csv", ".json": "application/json", ".js": "text/javascript", ".svg": "image/svg+xml"}
REGISTRY_PAGES = {"pypi": "https://pypi.org/project/{name}/{version}/",
                  "npm": "https://www.npmjs.com/package/{name}/v/{version}",
                  "debian": "https://packages.debian.org/{suite}/{name}"}
_FIGURE_TITLE = re.compile(r"(Figure [\d.]+): (.*?)\. In: ")


class CrateError(ValueError):
    """Inputs that cannot be described truthfully: names the file and what is wrong."""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def encoding_format(rel: str) -> str:
    suffix = Path(rel).suffix.lower()
    if Path(rel).name in ("LICENSE", "Makefile"):
        return "text/plain"
    return FORMATS.get(suffix) or mimetypes.guess_type(rel)[0] or "application/octet-stream"


def licences(rel: str, data_licences: dict[str, list[str]], own_static: set[str]) -> list[str]:
    """Licence entity ids of one archive file."""
    if rel in data_licences:
        return [SPDX + n for n in data_licences[rel]]
    for prefix, names in LICENCE_RULES:
        if rel.startswith(prefix) or rel == prefix:
            if names is None:
                return [SPDX + "MIT"] if Path(rel).name in own_static else [TOOLCHAIN_ASSETS]
            return [SPDX + n for n in names]
    raise AssertionError("the last rule matches every path")


# ---- CITATION.cff -> people and organisations -------------------------------------------------------

def _agent(entity: dict, prefix: str) -> dict:
    if "name" in entity and "family-names" not in entity:
        return {"@id": f"#{prefix}-{slug(entity['name'])}", "@type": "Organization", "name": entity["name"]}
    name = " ".join(p for p in (entity.get("given-names"), entity.get("name-particle"), entity["family-names"]) if p)
    person = {"@id": entity.get("orcid") or f"#{prefix}-{slug(name)}", "@type": "Person", "name": name,
              "givenName": entity.get("given-names"), "familyName": entity["family-names"]}
    if entity.get("affiliation"):
        person["affiliation"] = entity["affiliation"]
    return {k: v for k, v in person.items() if v}


def authors(cff: dict) -> list[dict]:
    return [_agent(a, "author") for a in cff["authors"]]


def funders(cff: dict) -> list[dict]:
    """Funders: the institution (else the authors) of each ``references`` entry of ``type: grant``."""
    out = []
    for ref in cff.get("references", []) or []:
        if ref.get("type") != "grant":
            continue
        for entity in ([ref["institution"]] if ref.get("institution") else ref.get("authors", [])):
            agent = _agent(entity, "funder")
            if agent not in out:
                out.append(agent)
    return out


# ---- dependency records -> actions ------------------------------------------------------------------

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_records(deps: Path, stems: list[str], content: dict[str, bytes]) -> dict[str, dict]:
    """Each notebook's dependency record, checked against the archived files."""
    records = {}
    for stem in stems:
        path = deps / f"{stem}.json"
        if not path.is_file():
            raise CrateError(f"{path}: no dependency record for book/{stem}.ipynb (build the site with "
                             "execution first: make release does)")
        rec = json.loads(path.read_text(encoding="utf-8"))
        stale = []
        for group in ("modules", "files", "lock"):
            for rel, sha in rec.get(group, {}).items():
                if rel in content and _sha(content[rel]) != sha:
                    stale.append(rel)
        for res in rec.get("resources", {}).values():
            stale += [rel for rel, sha in res["files"].items() if rel in content and _sha(content[rel]) != sha]
        if stale:
            raise CrateError(f"{path}: book/{stem}.ipynb last ran with other versions of {sorted(set(stale))}: "
                             "the site is not the product of the archived files (rebuild: make release)")
        records[stem] = rec
    return records


def open_datasets(root: Path) -> dict[str, dict]:
    """Contextual entities of the registry datasets (name -> entity)."""
    pkg = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    out = {}
    for e in pkg.get("x-open-data", []):
        p = e["x-package"]
        page = REGISTRY_PAGES[p["registry"]].format(**p)
        entity = {"@id": f"#dataset-{e['name']}", "@type": "Dataset", "name": e.get("title", e["name"]), "url": page,
                  "identifier": f"{p['registry']}:{p['name']}=={p['version']}:{p['path']}",
                  "license": [{"@id": SPDX + lic["name"]} for lic in e.get("licenses", [])]}
        if e.get("description"):
            entity["description"] = e["description"]
        if e.get("hash", "").startswith("sha256:"):
            entity["sha256"] = e["hash"].split(":", 1)[1]
        out[e["name"]] = entity
    return out


def data_licences(root: Path) -> dict[str, list[str]]:
    pkg = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return {f"data/{r['path']}": [lic["name"] for lic in r.get("licenses", pkg.get("licenses", []))]
            for r in pkg.get("resources", []) if isinstance(r.get("path"), str)}


def figures(page_html: bytes) -> list[tuple[str, str]]:
    """(anchor, "Figure n.m: title") of every citable chart on a page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html.decode("utf-8"), "html.parser")
    out = []
    for el in soup.select(".citable-figure[id]"):
        plain = el.select_one("details.figure-citation .figure-citation-plain")
        m = _FIGURE_TITLE.search(plain.get_text(" ", strip=True)) if plain else None
        out.append((el["id"], f"{m.group(1)}: {m.group(2)}" if m else el["id"]))
    return out


# ---- the crate ------------------------------------------------------------------------------------

def crate_metadata(root: Path, cff: dict, content: dict[str, bytes], deps: Path) -> dict:
    """The ro-crate-metadata.json document (a dict) for the files in ``content`` (path -> bytes)."""
    from rocrate.model.contextentity import ContextEntity
    from rocrate.rocrate import ROCrate

    from analysis.build.site import notebooks

    crate = ROCrate(version="1.1")
    crate.metadata.extra_terms.update(EXTRA_TERMS)

    def add(entity: dict):
        props = {k: v for k, v in entity.items() if k != "@id"}
        return crate.add(ContextEntity(crate, entity["@id"], properties=props))

    # licences
    names = {SPDX + n: n for rel in data_licences(root).values() for n in rel} | {
        SPDX + n: n for _, ns in LICENCE_RULES if ns for n in ns}
    for e in open_datasets(root).values():
        names |= {lic["@id"]: lic["@id"].removeprefix(SPDX) for lic in e["license"]}
    for url, name in sorted(names.items()):
        add({"@id": url, "@type": "CreativeWork", "name": name, "identifier": name})
    add({"@id": TOOLCHAIN_ASSETS, "@type": "CreativeWork", "name": "Licences of the toolchain's web assets",
         "description": TOOLCHAIN_ASSETS_TEXT})

    # root dataset
    rd = crate.root_dataset
    rd["name"] = cff["title"]
    rd["description"] = " ".join(str(cff.get("abstract", cff["title"])).split())
    rd["version"] = str(cff["version"])
    rd["datePublished"] = str(cff["date-released"])
    rd["license"] = {"@id": SPDX + cff["license"]}
    rd["keywords"] = list(cff.get("keywords", []))
    rd["author"] = [add(a) for a in authors(cff)]
    if funders(cff):
        rd["funder"] = [add(f) for f in funders(cff)]
    for key, prop in (("url", "url"), ("repository-code", "codeRepository")):
        if cff.get(key):
            rd[prop] = cff[key]
    if cff.get("doi"):
        rd["identifier"] = f"https://doi.org/{cff['doi']}"
    rd["conformsTo"] = [add({"@id": url, "@type": "CreativeWork", "name": name, "version": url.rsplit("/", 1)[1]})
                        for url, name in PROFILES.items()]

    # files
    python = add({"@id": "#python", "@type": "ComputerLanguage", "name": "Python", "url": "https://www.python.org/"})
    make = add({"@id": "#gnu-make", "@type": "ComputerLanguage", "name": "GNU Make",
                "url": "https://www.gnu.org/software/make/"})
    own_static = {p.name for p in (root / "_static").glob("*")} if (root / "_static").is_dir() else set()
    data_lic = data_licences(root)
    files = {}
    for rel, data in sorted(content.items()):
        props = {"name": rel, "encodingFormat": encoding_format(rel), "sha256": _sha(data),
                 "contentSize": str(len(data)),
                 "license": [{"@id": lic} for lic in licences(rel, data_lic, own_static)]}
        if rel.endswith(".ipynb") or rel.startswith("analysis/"):
            props["@type"] = ["File", "SoftwareSourceCode"]
            props["programmingLanguage"] = python
        if rel == "Makefile":  # the crate's main workflow
            props.update({"@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"], "programmingLanguage": make,
                          "name": "The compendium's build: notebooks executed, site, handouts, archive (make release)"})
        files[rel] = crate.add_file(dest_path=rel, properties=props)
    if "Makefile" in files:
        rd["mainEntity"] = files["Makefile"]

    # provenance: one action per notebook, from its dependency record
    stems = [Path(p).stem for p in notebooks()]
    records = read_records(deps, stems, content)
    datasets = open_datasets(root)
    ledger = json.loads(content["site/values.json"]) if "site/values.json" in content else []
    ledger = ledger.get("values", ledger) if isinstance(ledger, dict) else ledger
    actions = []
    for stem in stems:
        rec, nb = records[stem], f"book/{stem}.ipynb"
        used = sorted({*rec.get("modules", {}), *rec.get("files", {}), *rec.get("lock", {})} & set(files))
        inputs = [files[r] for r in used]
        for name, res in sorted(rec.get("resources", {}).items()):
            inputs += [files[r] for r in sorted(res["files"]) if r in files]
            if name in datasets and any(r not in files for r in res["files"]):
                inputs.append(add(datasets[name]) if f"#dataset-{name}" not in crate else crate.dereference(f"#dataset-{name}"))
        page = f"site/book/{stem}.html"
        outputs = [files[page]] if page in files else []
        for anchor, title in figures(content.get(page, b"")):
            outputs.append(add({"@id": f"#chart-{stem}-{anchor}", "@type": "CreativeWork", "name": title,
                                "identifier": anchor, "isPartOf": {"@id": page}}))
        for row in ledger:
            if row.get("page") == f"book/{stem}":
                source = f"; source: {row['source']}" if row.get("source") else ""
                outputs.append(add({"@id": f"#value-{stem}-{row['name']}", "@type": "PropertyValue",
                                    "name": row["name"], "value": str(row["value"]),
                                    "description": f"glued value, evidence kind: {row.get('kind') or 'none'}{source}"}))
        inputs = list({e.id: e for e in inputs}.values())  # a file two resources read is one input
        actions.append(add({"@id": f"#execution-{stem}", "@type": "CreateAction", "name": f"Execution of {nb}",
                            "instrument": {"@id": nb}, "object": [{"@id": e.id} for e in inputs],
                            "result": [{"@id": e.id} for e in outputs]}))
    if "Makefile" in files:
        results = [r for r in ("site/index.html", "site/values.csv") if r in files]
        results += sorted(r for r in files if r.startswith("handouts/"))
        add({"@id": "#build", "@type": "CreateAction", "name": f"Build of edition {cff['version']}",
             "instrument": {"@id": "Makefile"}, "object": [{"@id": f"book/{s}.ipynb"} for s in stems],
             "result": [{"@id": r} for r in results]})
    rd["mentions"] = [{"@id": "#build"}, *[{"@id": a.id} for a in actions]] if "Makefile" in files else actions
    return crate.metadata.generate()


# ---- validation -----------------------------------------------------------------------------------

def seed_http_cache(cache_path: Path) -> None:
    """Put the RO-Crate 1.1 context into roc-validator's HTTP cache (it is never fetched)."""
    import urllib3
    from requests.adapters import BaseAdapter, HTTPAdapter
    from requests_cache import CachedSession

    body = CONTEXT_FILE.read_bytes()

    class LocalContext(BaseAdapter):
        def send(self, request, **kwargs):
            found = request.url == CONTEXT_11
            raw = urllib3.HTTPResponse(body=io.BytesIO(body if found else b""), status=200 if found else 404,
                                       headers={"Content-Type": "application/ld+json"}, preload_content=False,
                                       request_url=request.url)
            return HTTPAdapter().build_response(request, raw)

        def close(self):
            pass

    # the settings of rocrate_validator.utils.http.HttpRequester, so its lookups find this entry
    session = CachedSession(cache_name=str(cache_path), backend="sqlite", expire_after=-1,
                            allowable_methods=("GET",), allowable_codes=(200, 302, 404))
    session.mount("https://w3id.org/", LocalContext())
    if session.get(CONTEXT_11).status_code != 200:
        raise CrateError(f"{CONTEXT_FILE}: could not put the RO-Crate 1.1 context into {cache_path}")
    session.close()


#: roc-validator profiles every release passes: RO-Crate 1.1 and the run-crate profiles it claims.
VALIDATOR_PROFILES = ("ro-crate-1.1", "process-run-crate-0.5", "workflow-run-crate-0.5")


def validator_problems(folder: Path, cache_path: Path, profiles=VALIDATOR_PROFILES) -> list[str]:
    """roc-validator's REQUIRED-level issues for the crate in ``folder``, per profile, offline."""
    from rocrate_validator import models, services

    seed_http_cache(cache_path)
    problems = []
    for profile in profiles:
        settings = services.ValidationSettings(rocrate_uri=str(Path(folder).resolve()), profile_identifier=profile,
                                               requirement_severity=models.Severity.REQUIRED, offline=True,
                                               cache_path=cache_path)
        result = services.validate(settings)
        if not result.passed():
            problems += [f"roc-validator ({profile}): {i.message}" for i in result.get_issues()]
    return problems
