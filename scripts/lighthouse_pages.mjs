// Run Lighthouse on several pages with one Chromium and print one JSON line per page.
//
//   node scripts/lighthouse_pages.mjs CATEGORIES URL...   (CATEGORIES: comma-separated)
//
// Debian chromium (CHROME_PATH, else `chromium`), headless, with every host but
// localhost failing DNS: offline. Lighthouse's default config is its mobile preset
// (simulated slow 4G and a 4x slower CPU). Each line: LH {"url", "categories":
// {id: score}, "failing": [[category, audit id, score, title, displayValue]],
// "metrics": {...}, "heaviest": [[url, bytes]], "total_bytes" (uncompressed), "transfer_bytes" (as
// transferred: compressed where the server compresses)}.
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [categories, ...urls] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || 'chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
                '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
});
try {
  for (const url of urls) {
    const result = await lighthouse(url, {port: chrome.port, output: 'json', logLevel: 'error',
                                          onlyCategories: categories.split(',')});
    const lhr = result.lhr;
    const failing = [];
    for (const [id, cat] of Object.entries(lhr.categories)) {
      for (const ref of cat.auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1)
          failing.push([id, ref.id, a.score, a.title, a.displayValue || '']);
      }
    }
    const metrics = {};
    for (const id of ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time',
                      'cumulative-layout-shift', 'speed-index']) {
      if (lhr.audits[id]) metrics[id] = lhr.audits[id].numericValue;
    }
    const items = (lhr.audits['network-requests']?.details?.items) || [];
    const heaviest = items.map(i => [i.url, i.resourceSize || 0]).sort((a, b) => b[1] - a[1]).slice(0, 3);
    const total = items.reduce((s, i) => s + (i.resourceSize || 0), 0);
    const transferred = items.reduce((s, i) => s + (i.transferSize || 0), 0);
    const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, c.score]));
    console.log('LH ' + JSON.stringify({url, categories: scores, failing, metrics, heaviest, total_bytes: total,
                                        transfer_bytes: transferred,
                                        runtime_error: lhr.runtimeError?.message || null}));
  }
} finally {
  await chrome.kill();
}
