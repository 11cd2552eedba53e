"""The page rewrites of issue 27 on small inputs (_ext/light_pages.py, _ext/site_fixes.py).

Search tools and index leave every page but the search page; admonition icons become CSS
masks drawn from the theme's own icon paths (no icon webfont); the root redirect becomes a
small page with the favicon (no /favicon.ico 404).
"""
import sys

from analysis import paths

sys.path.insert(0, str(paths.ROOT / "_ext"))
import light_pages as lp  # noqa: E402  (the extension modules, from _ext/)
import site_fixes as sf  # noqa: E402

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


def test_root_redirect_becomes_a_page_with_a_favicon():
    m = sf._REDIRECT.match('<meta http-equiv="Refresh" content="0; url=book/intro.html" />\n')
    page = sf.root_page(m.group(1), "R&D", "_static/favicon.svg")
    assert '<meta http-equiv="Refresh" content="0; url=book/intro.html" />' in page
    assert '<link rel="icon" href="_static/favicon.svg">' in page and '<html lang="en">' in page
    assert "<title>R&amp;D</title>" in page and 'name="description"' in page
    assert sf._REDIRECT.match(page) is None  # rewritten once, then left alone
