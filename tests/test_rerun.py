"""Same numbers on any machine and in any notebook interface.

* Unit: the page kit's precision policy (``round_value``, ``precision``, ``glue_bound``) and the
  values ledger's precision check and re-run comparison, on hand-made inputs.
* ``reader`` (``make test-reader``): every chapter executed as JupyterLab executes it (a kernel
  started in the notebook's folder, no build variables), under the Makefile's PERTURBED_READER
  (another hash seed, time zone and locale); every glued value, stored and as shown, must equal the
  committed notebook's.
* ``site`` (after ``make book-strict``, which executed every notebook under PERTURBED_MACHINE:
  another OpenBLAS kernel, one thread): the built values ledger must equal the committed notebooks'
  values, and the build must say it ran under that arithmetic.
"""
from __future__ import annotations

import math
import os
import sys

import pytest

from analysis import paths
from analysis.present import page
from analysis.build.site import notebooks

sys.path.insert(0, str(paths.ROOT / "_ext"))
import values_ledger as vl  # noqa: E402  (the extension module, from _ext/)


def _page(nb) -> str:
    return nb.relative_to(paths.ROOT).with_suffix("").as_posix()


def committed_rows(nb) -> list[dict]:
    return vl.notebook_rows(nb, page=_page(nb))


# ---- the precision policy ---------------------------------------------------------------------

def test_round_value_by_kind_and_at_the_call():
    x = 0.046697665123456
    assert page.round_value(x, kind="open-data") == 0.0466977          # COMPUTED_DIGITS = 6
    assert page.round_value(x, kind="simulated", digits=2) == 0.047
    assert page.round_value(x, kind="open-data", decimals=3) == 0.047
    assert page.round_value(0.02491408935123, kind="published") == 0.02491408935  # 10 digits
    assert page.round_value(-1e-30, kind="open-data", decimals=3) == 0.0 and \
        math.copysign(1, page.round_value(-1e-30, decimals=3)) == 1.0  # no '-0.0' in prose
    import numpy as np
    assert page.round_value(np.int64(5)) == 5 and type(page.round_value(np.int64(5))) is int
    assert page.round_value("text") == "text" and math.isnan(page.round_value(float("nan")))
    with pytest.raises(ValueError, match="not both"):
        page.round_value(x, digits=2, decimals=2)
    with pytest.raises(ValueError, match="whole number"):
        page.round_value(x, digits=0)


def test_noise_below_the_guard_digits_never_reaches_a_stored_value():
    # two machines' results of one computation, differing in the 14th digit, store the same value
    a, b = 313.55550690001, 313.55550690047
    assert page.round_value(a, kind="open-data") == page.round_value(b, kind="open-data") == 313.556


def test_precision_record_says_how_many_digits_may_be_shown():
    assert page.precision(0.5, kind="open-data") == {"digits": 6, "shown_digits": 4}
    assert page.precision(0.5, kind="published") == {"digits": 10, "shown_digits": 8}
    assert page.precision(0.5, digits=3) == {"digits": 3, "shown_digits": 3}
    assert page.precision(0.5, decimals=2) == {"decimals": 2}
    assert page.precision(5) == {} and page.precision("x") == {}


def test_glue_bound_glues_the_bound_and_refuses_an_error_above_it():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as cap:
        text = page.glue_bound("fit_diff", [1.3e-11, -2e-12], 1e-9, kind="open-data", source="x")
    assert text == "10⁻⁹"
    (out,) = cap.outputs
    assert out.data == {"application/papermill.record/text/plain": "'10⁻⁹'"}
    with pytest.raises(ValueError, match=r"fit_diff: GLM minus IPF is 2e-06, above the stated bound 1e-09"):
        page.glue_bound("fit_diff", 2e-6, 1e-9, what="GLM minus IPF")
    with pytest.raises(ValueError, match="above the stated bound"):
        page.glue_bound("fit_diff", float("nan"), 1e-9)
    with pytest.raises(ValueError, match="positive"):
        page.glue_bound("fit_diff", 0.0, 0)
    assert page.bound_text(1e-12) == "10⁻¹²" and page.bound_text(0.005) == "0.005"


# ---- the ledger's checks ------------------------------------------------------------------------

@pytest.mark.parametrize("text,digits,decimals", [
    ("0.047", 2, 3), ("313.6", 4, 1), ("32.1%", 3, 3), ("1.1e-21", 2, None), ("1,226", 4, 0),
    ("-0.016", 2, 3), ("0.000", 0, 3), ("+2.5%", 2, 3), ("10⁻⁹", None, None), ("Lake Pomona", None, None),
])
def test_shown_digits_and_decimals(text, digits, decimals):
    assert vl.shown_digits(text) == digits and vl.shown_decimals(text) == decimals


def _glued(plain, **prec):
    return {"data": {"text/plain": plain}, "metadata": {"compendium": {"kind": "open-data", "source": "x", **prec}}}


def test_precision_check_refuses_digits_the_value_does_not_hold():
    glue = {"p": _glued("0.0466977", digits=6, shown_digits=4), "q": _glued("0.047", decimals=3),
            "r": _glued("0.5"), "s": _glued("12")}
    assert vl.precision_problems(glue, {"p": [".3f", ".4f"], "q": [".3f", ".1%"], "r": [".9f"], "s": ["d"]},
                                 "book/x") == []
    # '0.04670' shows 4 significant digits: allowed; 4 decimals of a value glued with decimals=3 are not
    problems = vl.precision_problems(glue, {"p": [".5f"], "q": [".4f", ".2%"]}, "book/x")
    assert [p.split(" but")[0] for p in problems] == [
        "book/x:q shown as '0.0470' (4 decimals, format '.4f')", "book/x:q shown as '4.70%' (4 decimals, format '.2%')"]
    (five,) = vl.precision_problems(glue, {"p": [".6f"]}, "book/x")
    assert five.startswith("book/x:p shown as '0.046698' (5 significant digits, format '.6f') but glued to show at most 4")


def _row(page_, name, raw, value=None):
    return {"page": page_, "name": name, "raw": raw, "value": raw if value is None else value}


def test_rerun_differences_name_page_key_stored_and_new():
    committed = [_row("book/m", "a", "1.28e-11", "1e-11"), _row("book/m", "b", "0.5"), _row("book/m", "c", "3")]
    rerun = [_row("book/m", "a", "1.31e-11", "1e-11"), _row("book/m", "b", "0.5"), _row("book/m", "d", "4")]
    assert vl.rerun_differences(committed, rerun) == [
        "book/m:a: stored '1.28e-11', re-run '1.31e-11'",
        "book/m:c: missing from the re-run",
        "book/m:d: only in the re-run",
    ]
    assert vl.rerun_differences(committed, committed) == []


def test_committed_notebooks_glue_no_float_beyond_the_policy():
    """Every committed float output was stored by the policy: a value with more significant digits
    than its kind allows (e.g. ten digits of a BLAS result) was glued around the page kit."""
    too_long = []
    for nb in notebooks():
        for r in committed_rows(nb):
            raw = r["raw"]
            try:
                float(raw)
            except ValueError:
                continue
            if any(ch in raw for ch in ".eE") and "inf" not in raw and "nan" not in raw:
                mantissa = raw.lstrip("-").split("e")[0].split("E")[0].replace(".", "").lstrip("0").rstrip("0")
                limit = page.PUBLISHED_DIGITS if r["kind"] == "published" else page.COMPUTED_DIGITS
                if len(mantissa) > limit:
                    too_long.append(f"{r['page']}:{r['name']} = {raw} ({r['kind']})")
    assert not too_long, "glued floats beyond the precision policy (re-execute with the page kit):\n" + \
        "\n".join(too_long)


# ---- re-executed as a reader does ---------------------------------------------------------------

def execute_as_reader(path):
    """Execute a notebook as JupyterLab does: the venv's python3 kernel, started in the notebook's
    folder, with none of the build's COMPENDIUM_* variables; returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPENDIUM_")}
    NotebookClient(nb, kernel_name="python3", timeout=900,
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=env)
    return nb


@pytest.mark.reader
@pytest.mark.parametrize("nb", notebooks(), ids=lambda p: p.stem)
def test_chapter_rerun_as_a_reader_shows_the_committed_values(nb):
    executed = execute_as_reader(nb)
    rerun = vl.glue_rows(vl.notebook_glue(executed), page=_page(nb), chapter="", number=0,
                         formats=vl.display_formats(vl._markdown(nb)))
    diffs = vl.rerun_differences(committed_rows(nb), rerun)
    where = ", ".join(f"{k}={os.environ[k]}" for k in ("PYTHONHASHSEED", "TZ", "LC_ALL") if os.environ.get(k))
    assert not diffs, (f"{nb.name} re-executed as a reader does ({where or 'defaults'}) shows other values "
                       "than its committed outputs:\n" + "\n".join(diffs))


# ---- the strict build, executed under another machine's arithmetic --------------------------------

@pytest.mark.site
def test_strict_build_under_other_arithmetic_shows_the_committed_values():
    csv_path = paths.BUILD_HTML / "values.csv"
    if not csv_path.is_file():
        pytest.fail(f"{csv_path} missing: run `make book-strict` first")
    built = vl.read_csv(csv_path.read_text(encoding="utf-8"))
    committed = [r for nb in notebooks() for r in committed_rows(nb)]
    diffs = vl.rerun_differences(committed, built)
    expected = os.environ.get("COMPENDIUM_EXPECT_ARITHMETIC", "").split()
    assert not diffs, (f"the built book ({' '.join(expected) or 'arithmetic not stated'}) shows other values "
                       "than the committed notebooks:\n" + "\n".join(diffs))
    # make test-site passes the arithmetic make book-strict used: the build must have run under it
    repro = (paths.BUILD_HTML / "book" / "reproducibility.html").read_text(encoding="utf-8")
    missing = [v for v in expected if v not in repro]
    assert not missing, f"the strict build did not execute under {missing} (Reproducibility page, build facts)"
