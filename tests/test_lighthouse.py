"""Lighthouse's non-timing audits pass on every built page.

Accessibility, best practices and SEO (not performance: that is timing, and lives in
`make bench`). Lighthouse is the npm package pinned in package.json (installed by
`make node-deps`, i.e. `npm ci`), run by scripts/lighthouse_pages.mjs against Debian
chromium with the network closed, all pages in one Node process and one browser.
"""

import pytest

from analysis import paths
from analysis.build import site as _site
from site_helpers import pages, require_build, require_chromium

pytestmark = pytest.mark.site
CATEGORIES = "accessibility,best-practices,seo"


def require_lighthouse():
    if not (paths.ROOT / "node_modules" / "lighthouse").is_dir():
        msg = "Lighthouse not installed: run `make node-deps` (npm ci)"
        if _site.under_ci():
            pytest.fail(msg)
        pytest.skip(msg)


def run_lighthouse(root, rels, categories=CATEGORIES, timeout=1200) -> list[dict]:
    require_chromium()
    return _site.run_lighthouse(root, rels, categories=categories, timeout=timeout)


def lighthouse_problems(results) -> list[str]:
    out = []
    for r in results:
        if r["runtime_error"]:
            out.append(f"{r['url']}: Lighthouse could not audit the page: {r['runtime_error']}")
        out.extend(f"{r['url'].split('/', 3)[-1]}: {cat} audit {audit} fails ({title}) {shown}".rstrip()
                   for cat, audit, _score, title, shown in r["failing"])
    return out


def test_lighthouse_non_timing_audits_pass():
    require_lighthouse()
    root = require_build()
    rels = []
    for p in pages():
        if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8").lower():
            rels.append(p.relative_to(root).as_posix())
    problems = lighthouse_problems(run_lighthouse(root, rels))
    assert not problems, "\n".join(problems)
