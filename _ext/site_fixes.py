"""Small, documented patches to the HTML that Jupyter Book 1.x emits.

* sphinx-thebe is always loaded by Jupyter Book; with thebe disabled its
  inline config is dead code, emitted twice (a console error: "Identifier
  'THEBE_JS_URL' has already been declared") and names a CDN. We drop it.
"""
from __future__ import annotations


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = (getattr(script, "attributes", {}) or {}).get("body", "") or ""
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body or "thebe@" in filename


def _on_page(app, pagename, templatename, context, doctree) -> None:
    if app.config.thebe_config and app.config.thebe_config.get("always_load"):
        return  # thebe wanted: leave it alone
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]


def setup(app):
    app.connect("html-page-context", _on_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
