"""Serve vega, vega-lite and vega-embed from the book's own static files.

Altair's default HTML renderer loads the three libraries from a CDN unless
``window.VEGA_DEBUG`` already names the expected versions. On config-inited we
write vl-convert's bundle (from PyPI, pinned) wrapped in its own scope, plus the
VEGA_DEBUG versions, into a folder beside the HTML output and add it to every
page. On html-page-context we rewrite the CDN base URL left in altair's inline
loader to the local static folder, so the built site names no CDN at all and
an unexpected fallback load would be a visible local 404, never a remote call.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

CDN_BASE = "https://cdn.jsdelivr.net/npm"
JS_NAME = "vega-offline.js"


def _bundle_text() -> str:
    import altair as alt
    import vl_convert as vlc

    vl_minor = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    if vl_minor not in vlc.get_vegalite_versions():
        raise RuntimeError(
            f"vl-convert {vlc.__version__} bundles no Vega-Lite {vl_minor} "
            f"(altair {alt.__version__} needs it); pin matching versions"
        )
    header = (
        f"/* offline vega bundle: altair {alt.__version__}, vega {alt.VEGA_VERSION}, "
        f"vega-lite {alt.VEGALITE_VERSION}, vega-embed {alt.VEGAEMBED_VERSION}, "
        f"vl-convert {vlc.__version__} */\n"
    )
    # The bundle declares top-level names (const _) that collide with Sphinx's
    # doctools.js, hence the function scope; it assigns vega, vegaLite and
    # vegaEmbed to window itself.
    body = "(function(){\n" + vlc.javascript_bundle(vl_version=vl_minor) + "\n})();\n"
    debug = (
        "window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {}, {"
        f'vega_version: "{alt.VEGA_VERSION}", vegalite_version: "{alt.VEGALITE_VERSION}", '
        f'vegaembed_version: "{alt.VEGAEMBED_VERSION}"}});\n'
    )
    return header + body + debug


def _write_bundle(app) -> None:
    outdir = Path(app.outdir).parent / "vega_static"
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / JS_NAME
    text = _bundle_text()
    # Rewrite only when the content changes: keeps warm rebuilds fast.
    if not target.exists() or hashlib.sha256(target.read_bytes()).hexdigest() != hashlib.sha256(text.encode()).hexdigest():
        target.write_text(text, encoding="utf-8")
    app.config.html_static_path.append(str(outdir))


def _rewrite_cdn(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and "altair-viz-" in body:
        # Only pages with charts load the ~0.9 MB bundle. The builder's own
        # add_js_file, called here, affects this page alone (Sphinx resets the
        # list per page); app.add_js_file would also record it in the registry.
        app.builder.add_js_file(JS_NAME, priority=200)
    if body and CDN_BASE in body:
        local = context["pathto"]("_static", 1) + "/vega-not-bundled"
        context["body"] = body.replace(CDN_BASE, local)


def _on_config_inited(app, config) -> None:
    if app.builder.format == "html" or app.builder.name in {"html", "dirhtml", "singlehtml"}:
        _write_bundle(app)


def setup(app):
    app.connect("builder-inited", lambda a: _on_config_inited(a, a.config))
    app.connect("html-page-context", _rewrite_cdn)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
