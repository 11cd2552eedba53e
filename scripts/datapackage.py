"""Refresh the sha256 and byte counts of every file in data/datapackage.json.

The descriptor (schemas, licences, sources) is edited by hand; this script only
updates checksums after an intended data change (`make datapackage`). The
loaders refuse a file whose checksum differs, so a silent edit cannot reach the book.
"""
import hashlib
import json
import os
from pathlib import Path

# DATAPACKAGE_ROOT lets tests refresh a copy of the project instead of this one.
ROOT = Path(os.environ.get("DATAPACKAGE_ROOT") or Path(__file__).resolve().parent.parent)
DP = ROOT / "data" / "datapackage.json"

if __name__ == "__main__":
    pkg = json.loads(DP.read_text(encoding="utf-8"))
    for res in pkg["resources"]:
        raw = (DP.parent / res["path"]).read_bytes()
        res["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
        res["bytes"] = len(raw)
    DP.write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"updated checksums of {len(pkg['resources'])} resources in {DP.relative_to(ROOT)}")
