/*
 * Copies the browser libraries the site ships from node_modules/ into docs/assets/vendor/ (ignored by git),
 * where the site build picks them up as ordinary static files – with MkDocs as with any successor that
 * reads docs/ (no build hook needed). Runs after every `npm ci` / `npm install` (package.json "postinstall"),
 * so the copies always match the exact versions in package-lock.json.
 *
 *   node scripts/copy_vendor_assets.cjs [--from node_modules] [--to docs/assets/vendor]
 *
 * - Mermaid (npm `mermaid`, dist/mermaid.min.js): draws the diagrams (assets/javascripts/site.js).
 * - MathJax 3 (npm `mathjax-full`, es5/tex-chtml.js + web fonts): typesets `$…$` in notebook cells; Markdown
 *   pages get their formulas rendered at build time (hooks/server_math.py).
 * Each library's licence file and a VERSIONS.json go along. A missing file: German message, exit code 2,
 * nothing written.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
/* npm package -> [folder below the target, [[path in the package, path below that folder], …]] */
const VENDORED = {
  mermaid: ["mermaid", [["dist/mermaid.min.js", "mermaid.min.js"], ["LICENSE", "LICENSE"]]],
  "mathjax-full": ["mathjax", [
    ["es5/tex-chtml.js", "tex-chtml.js"],
    ["es5/output/chtml/fonts/woff-v2", "output/chtml/fonts/woff-v2"],
    ["LICENSE", "LICENSE"],
  ]],
};

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index > 0 && process.argv[index + 1] ? path.resolve(process.argv[index + 1]) : fallback;
}

function main() {
  const from = option("--from", path.join(ROOT, "node_modules"));
  const to = option("--to", path.join(ROOT, "docs", "assets", "vendor"));
  const versions = {};
  const missing = [];
  for (const [name, [, files]] of Object.entries(VENDORED)) {
    const manifest = path.join(from, name, "package.json");
    if (!fs.existsSync(manifest)) {
      missing.push(`npm-Paket „${name}“ fehlt in ${from}`);
      continue;
    }
    versions[name] = JSON.parse(fs.readFileSync(manifest, "utf8")).version;
    for (const [source] of files) {
      if (!fs.existsSync(path.join(from, name, source))) missing.push(`${name}/${source} fehlt in ${from}`);
    }
  }
  if (missing.length) {
    process.stderr.write(`Fehler: ${missing.join("; ")}. Bitte \`npm ci\` im Projektverzeichnis ausführen.\n`);
    process.exit(2);
  }
  for (const [name, [folder, files]] of Object.entries(VENDORED)) {
    for (const [source, target] of files) {
      const destination = path.join(to, folder, target);
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      fs.cpSync(path.join(from, name, source), destination, { recursive: true });
    }
  }
  fs.writeFileSync(path.join(to, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
  process.stdout.write(`Bibliotheken nach ${path.relative(ROOT, to) || to} kopiert: ` +
    Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ") + "\n");
}

main();
