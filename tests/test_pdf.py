"""Checks on the PDF (`make test-pdf`, not part of `make test`: it needs TeX, see `make pdf-deps`).

Every chart output of the notebooks must be in the PDF as an image (never as its
text repr), and glued numbers must be present.
"""
import shutil
import subprocess

import nbformat
import pytest

from analysis import paths
from analysis._site import notebooks

pytestmark = pytest.mark.pdf
PDF = paths.ROOT / "_build" / "pdf" / "compendium.pdf"


def pdf_text() -> str:
    if not PDF.exists():
        pytest.fail("no _build/pdf/compendium.pdf: run `make pdf` first (make test-pdf does)")
    return subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout


def chart_outputs() -> int:
    n = 0
    for nb_path in notebooks():
        for cell in nbformat.read(nb_path, as_version=4).cells:
            for out in cell.get("outputs", []):
                if "altair-viz-" in str(out.get("data", {}).get("text/html", "")):
                    n += 1
    return n


def test_every_chart_is_an_image_in_the_pdf():
    if not shutil.which("pdfimages"):
        pytest.fail("pdfimages (Debian poppler-utils) is needed: make pdf-deps")
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    images = [l for l in listing.splitlines()[2:] if l.split()[2] == "image"]
    assert len(images) >= chart_outputs(), f"{len(images)} images in the PDF, {chart_outputs()} charts in the notebooks"
    text = pdf_text()
    assert "alt.LayerChart" not in text and "alt.Chart(" not in text, "a chart fell back to its text repr"


def test_glued_numbers_are_in_the_pdf():
    text = " ".join(pdf_text().split())
    assert "with 11 teams in 8 countries" in text
