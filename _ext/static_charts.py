"""Charts that paint with the page: static SVG at build time, the live Vega view on demand.

Every altair output of a notebook (its HTML carries the Vega-Lite spec) is replaced, when the
document is read, by a figure that needs no script to be seen:

* the chart drawn as SVG by vl-convert, inline, with its text alternative (the spec's
  ``description``) on the SVG as the live view writes it; a second SVG drawn at phone width
  (``chart_renditions.narrow_spec``) where the desktop one would not fit a phone at its natural
  size. A container query per chart shows the phone rendition in any box narrower than the
  desktop rendition, so chart text is never scaled below the size it was written at;
* the chart's input widgets (radio buttons, sliders) as plain HTML controls, set to the view
  the SVG shows;
* an "Explore" button.

The live view is loaded only when a reader reaches for it (pointer on the chart, focus or a
tap inside it, the button, or a control): ``_ext/chart_live.js`` then loads the Vega runtime
(``_ext/offline_vega.py``; no Vega-Lite: specs are compiled here) and the chart's compiled
spec (``_static/charts/<id>-<rendition>.js``), renders it in place over the static SVG, and
lets the controls drive its signals. Pages without charts load none of it.

Renditions are cached by spec content in ``_build/.chart_cache`` (rendering takes ~1 s a chart).
"""
from __future__ import annotations

import hashlib
import html
import json
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

import chart_renditions as cr

logger = logging.getLogger(__name__)

LIVE_JS = "chart-live.js"
RUNTIME_JS = "vega-runtime.js"  # written by offline_vega.py
SPEC_DIR = "charts"
HERE = Path(__file__).parent
#: Cache key parts: the code that draws (this file and chart_renditions.py) and vl-convert.
CODE_DIGEST = hashlib.sha256((HERE / "chart_renditions.py").read_bytes()).hexdigest()[:12]


def chart_spec(raw_html: str):
    from figure_citation import chart_spec as spec_of  # the sibling local extension: one parser

    return spec_of(raw_html)


# ----------------------------------------------------------------- renditions, cached

def _cache_dir(app) -> Path:
    d = Path(app.outdir).parent / ".chart_cache"
    d.mkdir(parents=True, exist_ok=True)
    return d


def renditions_cached(spec: dict, cache: Path) -> dict:
    """{'wide': rendition, 'narrow': rendition or None} for a spec, from the cache when drawn before."""
    import vl_convert as vlc

    key = hashlib.sha256((json.dumps(spec, sort_keys=True, allow_nan=True) + CODE_DIGEST +
                          vlc.__version__).encode()).hexdigest()[:24]
    path = cache / f"{key}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    wide, narrow = cr.renditions(spec)
    out = {"wide": dict(wide), "narrow": dict(narrow) if narrow else None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out), encoding="utf-8")
    tmp.replace(path)
    return out


# ----------------------------------------------------------------- the figure's HTML

def figure_html(chart_id: str, spec: dict, r: dict) -> tuple[str, dict[str, str]]:
    """The static figure for one chart, and the spec files it needs ({file name: JS text})."""
    description = str(spec.get("description") or "")
    wide, narrow = r["wide"], r["narrow"]
    files = {}
    inputs = cr.bound_inputs(wide["vega"])
    parts = [f'<div class="static-chart" id="{chart_id}" data-chart="{chart_id}"'
             f' data-renditions="{"wide narrow" if narrow else "wide"}">']
    if narrow:
        # Below the desktop rendition's own width, the phone rendition (see the module docstring).
        parts.append(f"<style>@container (max-width: {int(wide['width']) - 1}px) {{"
                     f" #{chart_id} .chart-wide {{ display: none; }}"
                     f" #{chart_id} .chart-narrow {{ display: block; }} }}</style>")
    parts.append('<div class="chart-frame">')
    for name, rend in (("wide", wide), ("narrow", narrow)):
        if rend is None:
            continue
        svg = cr.static_svg(rend["svg"], f"{chart_id}-{name}", description)
        # max-width: never drawn larger than its natural size; the block size is what the browser
        # reserves while it skips drawing a chart out of view (content-visibility in reading.css)
        style = f"max-width: {rend['width']:g}px; contain-intrinsic-block-size: auto {rend['height']:g}px"
        parts.append(f'<div class="chart-static chart-{name}" style="{style}">{svg}</div>')
        vega = cr.without_bindings(rend["vega"])
        files[f"{chart_id}-{name}.js"] = (
            f"/* {chart_id} ({name}): Vega spec compiled at build time by _ext/static_charts.py */\n"
            f"(window.chartSpecs = window.chartSpecs || {{}})[{json.dumps(chart_id + '-' + name)}] = "
            f"{json.dumps(vega, separators=(',', ':'), allow_nan=False)};\n")
    parts.append('<div class="chart-live" hidden></div></div>')
    parts.append(cr.inputs_html(inputs, chart_id))
    parts.append('<button type="button" class="chart-explore">Explore the chart</button>')
    parts.append("</div>")
    return "".join(parts), files


def _json_safe(spec):
    """NaN and infinities (which pandas leaves in inline rows) as null, as the browser reads them."""
    return json.loads(json.dumps(spec, allow_nan=True), parse_constant=lambda _: None)


# ----------------------------------------------------------------- Sphinx side

def _on_doctree_read(app, doctree) -> None:
    docname = app.env.docname
    app.env.static_chart_files = getattr(app.env, "static_chart_files", {})
    app.env.static_chart_files.pop(docname, None)
    files: dict[str, str] = {}
    used: set[str] = set()
    cache = _cache_dir(app)
    for raw in list(doctree.findall(nodes.raw)):
        if "html" not in raw.get("format", "").split() or "altair-viz-" not in raw.astext():
            continue
        spec = chart_spec(raw.astext())
        if spec is None:
            logger.warning("an altair output whose Vega-Lite spec could not be read: left out", location=raw)
            continue
        spec = _json_safe(spec)
        chart_id = "altair-viz-" + cr.spec_hash(spec)
        n = 1
        while chart_id in used:
            n += 1
            chart_id = f"altair-viz-{cr.spec_hash(spec)}-{n}"
        used.add(chart_id)
        try:
            r = renditions_cached(spec, cache)
        except Exception as exc:  # noqa: BLE001 - name the chart, keep building
            logger.warning(f"chart {chart_id} could not be drawn: {exc}", location=raw)
            continue
        text, more = figure_html(chart_id, spec, r)
        files.update(more)
        parent = raw.parent
        # Same classes (myst-nb's "output text_html": the HTML writer wraps the raw in a div of them)
        parent[parent.index(raw)] = nodes.raw("", text, format="html", classes=list(raw.get("classes", [])))
    if files:
        app.env.static_chart_files[docname] = files


def _on_purge(app, env, docname):
    getattr(env, "static_chart_files", {}).pop(docname, None)


def _on_merge(app, env, docnames, other):
    env.static_chart_files = getattr(env, "static_chart_files", {})
    for d in docnames:
        if d in getattr(other, "static_chart_files", {}):
            env.static_chart_files[d] = other.static_chart_files[d]


def _on_page(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if 'class="static-chart"' not in body:
        return
    # Only pages with charts load the loader (small); it loads the runtime on demand.
    app.builder.add_js_file(LIVE_JS, priority=600)
    # Without scripts the controls and the button would do nothing: hide them.
    context["metatags"] = context.get("metatags", "") + (
        "\n<noscript><style>.static-chart .chart-explore, .static-chart .chart-inputs "
        "{ display: none !important; }</style></noscript>")
    if "altair-viz-" in body and "vegaEmbed" in body:
        logger.warning(f"{pagename}: an altair chart was left to the browser (not drawn at build time)")


def _on_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    out = static / SPEC_DIR
    out.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, str] = {}
    for files in getattr(app.env, "static_chart_files", {}).values():
        wanted.update(files)
    for name, text in wanted.items():
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for path in out.glob("*.js"):
        if path.name not in wanted:
            path.unlink()  # a chart that is gone, or changed
    shutil.copyfile(HERE / "chart_live.js", static / LIVE_JS)


def setup(app):
    # After figure_citation (450), which reads the altair output to number and anchor the figure.
    app.connect("doctree-read", _on_doctree_read, priority=460)
    app.connect("env-purge-doc", _on_purge)
    app.connect("env-merge-info", _on_merge)
    app.connect("html-page-context", _on_page)
    app.connect("build-finished", _on_finished)
    # A changed renderer re-reads every document (the figures live in the doctrees).
    app.add_config_value("static_charts_digest", CODE_DIGEST + hashlib.sha256(
        Path(__file__).read_bytes()).hexdigest()[:12], "env")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
