"""Every path the project uses, computed once from the package location."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PUBLISHED = DATA / "published"
DATAPACKAGE = DATA / "datapackage.json"
BIBFILE = DATA / "references.bib"
# Open data extracted from Debian/npm registry packages by scripts/fetch_open_data.sh.
VENDOR = ROOT / ".vendor"
BOOK = ROOT / "book"
BUILD_HTML = ROOT / "_build" / "html"
CITATION = ROOT / "CITATION.cff"
