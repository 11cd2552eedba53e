"""Light pages (_ext/light_pages.py): the rewrites of issue 27 on small inputs.

Search tools and index leave every page but the search page; admonition icons become CSS
masks drawn from the theme's own icon paths (no icon webfont).
"""
import sys

from analysis import paths

sys.path.insert(0, str(paths.ROOT / "_ext"))
import light_pages as lp  # noqa: E402  (the extension module, from _ext/)

SEARCH = ('<script defer src="../_static/searchtools.js"></script>\n'
          '<script defer src="../_static/language_data.js"></script>\n'
          '<script defer src="../searchindex.js"></script>')


def test_search_scripts_only_on_the_search_page():
    page = f"<head>{SEARCH}<script defer src=\"../_static/doctools.js\"></script></head><body></body>"
    out = lp._drop_search_scripts(page)
    assert "searchtools" not in out and "searchindex" not in out and "language_data" not in out
    assert "doctools.js" in out
    search_page = page.replace("<body>", '<body><div id="search-results"></div>')
    assert lp._drop_search_scripts(search_page) == search_page


def test_admonition_icons_as_masks():
    sets = {"fas": {name: (512, 512, "M0 0L10 10Z") for name in lp.ADMONITION_ICONS.values()}}
    css = lp.admonition_css(sets)
    assert "font:inherit!important" in css and "mask:var(--lp-icon)" in css
    assert css.count("data:image/svg+xml,") == len(lp.ADMONITION_ICONS)
    assert ".admonition.note>.admonition-title" in css
    del sets["fas"]["pencil"]
    assert lp.admonition_css(sets) == ""  # an icon unknown: the theme's own rule stays
