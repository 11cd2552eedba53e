"""Checks on the PDF (`make test-pdf`, not part of `make test`: it needs TeX, see `make pdf-deps`).

Every chart output of the notebooks must be in the PDF as an image (never as its
text repr), and glued numbers must be present.
"""
import shutil
import subprocess

import nbformat
import pytest

from analysis import paths
from analysis.build.site import notebooks

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


# ------------------------------------------------------------------ chapter handouts (issue 18)
# `make pdf` also writes _build/pdf/chapters/<chapter>.pdf (_ext/handouts.py). Each must carry on
# its first page its own citation text and the edition, contain the numbers its notebook glues
# into its prose, and show its charts as images.
import re  # noqa: E402
import sys  # noqa: E402

from myst_nb.core.variables import format_plain_text  # noqa: E402  (how myst-nb shows {glue:text})

sys.path.insert(0, str(paths.ROOT / "_ext"))
import citation  # noqa: E402  (the extension that makes every chapter's citation block)

CHAPTERS = paths.ROOT / "_build" / "pdf" / "chapters"
CFF = citation.load_cff(paths.ROOT / "CITATION.cff")
# {glue:text}`name:spec` with a numeric spec (strings are words, not numbers); `::` (another
# document's value) never matches because the name has no colon.
_GLUE_NUMBER = re.compile(r"\{glue:text\}`(?P<name>[\w-]+):(?P<spec>[^`]*[bcdoxXeEfFgGn%])`")


def docname(nb_path) -> str:
    return nb_path.relative_to(paths.ROOT).with_suffix("").as_posix()


def chapter_title(nb) -> str:
    """The notebook's first level-1 heading: the page title its citation block uses."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError("no '# ' title in the notebook")


def glued_numbers(nb) -> dict[str, str]:
    """glue key -> the text the prose shows for each number glued with a format spec."""
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            sb = out.get("metadata", {}).get("scrapbook")
            if sb:
                values[sb["name"]] = out["data"].get(sb["mime_prefix"] + "text/plain")
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in _GLUE_NUMBER.finditer(cell.source):
                if values.get(m["name"]) is not None:
                    # With the plain word just before it, when there is one ("with 11"), so that
                    # a bare "11" elsewhere on the pages does not pass for this number.
                    word = re.search(r"([A-Za-z]{2,}) $", cell.source[:m.start()])
                    text = format_plain_text(values[m["name"]], m["spec"])
                    shown[f"{m['name']}:{m['spec']}"] = f"{word[1]} {text}" if word else text
    return shown


def squash(text: str) -> str:
    """Text compared without layout: no spaces, line breaks or hyphens; straight quotes."""
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2011", "-")):
        text = text.replace(a, b)
    return re.sub(r"[\s\-\u2010]+", "", text)


def handout(nb_path):
    pdf = CHAPTERS / f"{nb_path.stem}.pdf"
    if not pdf.exists():
        pytest.fail(f"no handout {pdf.relative_to(paths.ROOT)} for {nb_path.name}: run `make pdf`")
    return pdf


def pdf_pages(pdf, first=None, last=None) -> str:
    args = ["pdftotext"] + (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return subprocess.run(args + [str(pdf), "-"], capture_output=True, text=True, check=True).stdout


CHAPTER_NBS = notebooks()


@pytest.mark.parametrize("nb_path", CHAPTER_NBS, ids=lambda p: p.stem)
def test_chapter_handout_first_page_cites_the_chapter(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    title = chapter_title(nb)
    url, plain, _ = citation.chapter_citation(CFF, docname(nb_path), title)
    page1 = squash(pdf_pages(handout(nb_path), 1, 1))
    for what, text in (("chapter title", title), ("book title", CFF["title"]), ("URL", url),
                       ("edition", f"edition {CFF['version']}"), ("citation text", plain)):
        assert squash(text) in page1, f"{nb_path.stem}.pdf: page 1 lacks the {what}: {text!r}"


@pytest.mark.parametrize("nb_path", CHAPTER_NBS, ids=lambda p: p.stem)
def test_chapter_handout_has_its_glued_numbers(nb_path):
    shown = glued_numbers(nbformat.read(nb_path, as_version=4))
    assert shown, f"{nb_path.name}: no numbers glued into its prose (the check would be empty)"
    text = squash(pdf_pages(handout(nb_path)))
    missing = {k: v for k, v in shown.items() if squash(v) not in text}
    assert not missing, f"{nb_path.stem}.pdf lacks glued numbers (glue key: text shown): {missing}"


@pytest.mark.parametrize("nb_path", CHAPTER_NBS, ids=lambda p: p.stem)
def test_chapter_handout_charts_are_images(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    charts = sum("altair-viz-" in str(o.get("data", {}).get("text/html", ""))
                 for c in nb.cells for o in c.get("outputs", []))
    pdf = handout(nb_path)
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    images = [l for l in listing.splitlines()[2:] if l.split()[2] == "image"]
    assert len(images) >= charts, f"{pdf.name}: {len(images)} images, {charts} charts in {nb_path.name}"
    text = pdf_pages(pdf)
    assert "alt.LayerChart" not in text and "alt.Chart(" not in text, f"{pdf.name}: a chart fell back to text"


def test_no_stray_handouts():
    """Every handout belongs to a chapter of _toc.yml (a renamed chapter leaves no stale PDF)."""
    if not CHAPTERS.is_dir():
        pytest.fail("no _build/pdf/chapters: run `make pdf`")
    assert sorted(p.stem for p in CHAPTERS.glob("*.pdf")) == sorted(p.stem for p in CHAPTER_NBS)
