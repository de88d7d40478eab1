/*
 * Renders TeX formulas to SVG with MathJax 3 (npm package mathjax-full, see package.json).
 * Called once per site build by hooks/server_math.py:
 *   stdin : JSON array of [tex, display] pairs
 *   stdout: JSON {"version": …, "css": …,
 *                 "results": [{"html": …, "glyphs": {id: path, …}, "error": null | "…"}, …]}
 * Output: <mjx-container jax="SVG"> with an <svg aria-hidden="true"> and assistive MathML for screen
 * readers. Glyphs are referenced with <use href="#MJX-TEX-…"> (fontCache "global"); each result lists
 * the glyph paths it uses, so the hook can put one <defs> block per page holding just that page's glyphs.
 * The markup is compacted without changing the picture (fewer elements to parse and style on long
 * pages): <g> wrappers that only named the MathML node are dropped, a lone <use> takes over the
 * transform of its wrapper, and attributes that only MathJax's own scripts read are removed.
 */
"use strict";

const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AssistiveMmlHandler } = require("mathjax-full/js/a11y/assistive-mml.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

/* data-mml-node values that MathJax's stylesheet refers to (table lines, errors, actions). */
const STYLED_NODES = new Set(["mtable", "merror", "maction"]);
/* `xlink:href` stays: Material's instant navigation rewrites every `[href]` and would fail on <use href>. */
const DROPPED_ATTRIBUTES = ["data-mjx-texclass", "xmlns", "xmlns:xlink"];
/* MathJax thickens glyphs with `use[data-c] {stroke-width: 3}`; without data-c on <use> this does it. */
const EXTRA_CSS = '\nmjx-container[jax="SVG"] use {\n  stroke-width: 3;\n}\n';

function compact(node) {
  if (!Array.isArray(node.children)) return;
  const attrs = node.attributes || {};
  for (const name of DROPPED_ATTRIBUTES) delete attrs[name];
  if (node.kind === "use") delete attrs["data-c"];
  if (node.kind === "g" && STYLED_NODES.has(attrs["data-mml-node"])) return;  /* keep tables etc. as they are */
  const kept = [];
  for (const child of node.children) {
    compact(child);
    if (child.kind === "g") {
      const own = child.attributes;
      if (own["data-mml-node"] !== undefined && !STYLED_NODES.has(own["data-mml-node"])) delete own["data-mml-node"];
      const names = Object.keys(own);
      if (names.length === 0) {  /* a bare group: its children take its place */
        for (const grandchild of child.children) { grandchild.parent = node; kept.push(grandchild); }
        continue;
      }
      const only = child.children.length === 1 ? child.children[0] : null;
      if (names.length === 1 && names[0] === "transform" && only && only.kind === "use") {
        only.attributes.transform = only.attributes.transform
          ? own.transform + " " + only.attributes.transform : own.transform;
        only.parent = node;
        kept.push(only);
        continue;
      }
    }
    kept.push(child);
  }
  node.children = kept;
}

async function main() {
  const items = JSON.parse(await readStdin());
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const tex = new TeX({
    /* noerrors/noundefined would hide mistakes in red text; without them a faulty formula fails the build. */
    packages: AllPackages.filter((name) => !["bussproofs", "noerrors", "noundefined"].includes(name)),
    formatError: (jax, err) => { throw err; },
  });
  const svg = new SVG({ fontCache: "global" });
  const doc = mathjax.document("", { InputJax: tex, OutputJax: svg });
  const results = items.map(([source, display]) => {
    try {
      svg.fontCache.clearCache();
      const node = doc.convert(source, { display: Boolean(display), em: 16, ex: 8, containerWidth: 1280 });
      const error = adaptor.outerHTML(node).includes('data-mml-node="merror"')
        ? "MathJax meldet einen Fehler in der Formel" : null;
      compact(node);
      const html = adaptor.outerHTML(node);
      const glyphs = Object.fromEntries(svg.fontCache.cache);
      return { html, glyphs, error };
    } catch (err) {
      return { html: null, glyphs: {}, error: String(err && err.message ? err.message : err) };
    }
  });
  const css = adaptor.textContent(svg.styleSheet(doc)) + EXTRA_CSS;
  process.stdout.write(JSON.stringify({ version: mathjax.version, css, results }));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
