"""The Vega runtime for live charts, served from the book's own static files.

Charts are compiled from Vega-Lite to Vega and drawn as SVG at build time
(``_ext/static_charts.py``), so the browser needs Vega alone, and only when a reader asks for
a live chart (``_ext/chart_live.js`` loads it then; no page lists it). On builder-inited we
write vl-convert's bundle of Vega (from PyPI, pinned; the same Vega that drew the static
SVGs), wrapped in its own scope, into a folder beside the HTML output, rewritten only when
its header (the versions) changes: bundling takes seconds. On build-finished it is copied into
``_static`` whenever the copy there differs (Sphinx does not overwrite a static file that
already exists).
"""
from __future__ import annotations

from pathlib import Path

JS_NAME = "vega-runtime.js"


def _header() -> str:
    import altair as alt
    import vl_convert as vlc

    vl_minor = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    if vl_minor not in vlc.get_vegalite_versions():
        raise RuntimeError(
            f"vl-convert {vlc.__version__} bundles no Vega-Lite {vl_minor} "
            f"(altair {alt.__version__} needs it); pin matching versions"
        )
    return f"/* offline vega runtime (the vega module): vega {vlc.get_vega_version()}, from vl-convert {vlc.__version__} */\n"


def _bundle_text(header: str) -> str:
    import vl_convert as vlc

    # vl-convert's snippet names (vega, vegaEmbed) are default imports, and Vega has no default
    # export: the module is imported whole by the specifier under which vl-convert vendors it
    # (resolved from its own copy, nothing is fetched). The bundle declares top-level names
    # (const _) that collide with Sphinx's doctools.js, hence the function scope.
    snippet = (f'import * as vegaModule from "https://cdn.jsdelivr.net/npm/vega@{vlc.get_vega_version()}/+esm";'
               " window.vega = vegaModule;")
    return header + "(function(){\n" + vlc.javascript_bundle(snippet=snippet) + "\n})();\n"


def _bundle_path(app) -> Path:
    return Path(app.outdir).parent / "vega_static" / JS_NAME


def _write_bundle(app) -> None:
    target = _bundle_path(app)
    target.parent.mkdir(parents=True, exist_ok=True)
    header = _header()
    if not target.exists() or not target.read_text(encoding="utf-8").startswith(header):
        target.write_text(_bundle_text(header), encoding="utf-8")


def _on_builder_inited(app) -> None:
    if app.builder.format == "html":
        _write_bundle(app)


def _on_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "vega-offline.js").unlink(missing_ok=True)  # the earlier bundle (vega-lite, vega-embed)
    source, copy = _bundle_path(app), static / JS_NAME
    if not copy.exists() or copy.read_bytes() != source.read_bytes():
        copy.write_bytes(source.read_bytes())


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    app.connect("build-finished", _on_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2.0"}
