/*
 * Loads MathJax and Mermaid from this site, and only on pages that need them.
 * - MathJax: typesets `$…$`/`$$…$$` (notebook pages) and arithmatex spans (Markdown pages),
 *   again after every instant navigation (Material's `document$`).
 * - Mermaid: Material renders diagrams with `mermaid.initialize` and `mermaid.render`; if no global
 *   `mermaid` exists it would load one from a CDN. A small stand-in forwards both calls to the
 *   vendored copy, loaded on first use.
 */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : document.baseURI;
  var vendor = function (path) { return new URL("../vendor/" + path, here).href; };

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = src;
      el.async = true;
      el.onload = resolve;
      el.onerror = function () { reject(new Error("Konnte " + src + " nicht laden")); };
      document.head.appendChild(el);
    });
  }

  /* ---- MathJax ---- */
  window.MathJax = {
    tex: {
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true
    },
    options: {
      ignoreHtmlClass: "tex2jax_ignore",
      processHtmlClass: "tex2jax_process|arithmatex"
    },
    startup: { typeset: false }
  };
  var mathjax = null;
  function needsMath() {
    if (document.querySelector(".arithmatex")) return true;
    var cells = document.querySelectorAll(".jp-RenderedMarkdown, .jp-RenderedHTMLCommon");
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].textContent.indexOf("$") !== -1) return true;
    }
    return false;
  }
  function typeset() {
    if (!needsMath()) return;
    if (!mathjax) {
      mathjax = loadScript(vendor("mathjax/tex-chtml.js")).then(function () {
        return window.MathJax.startup.promise;
      });
    }
    mathjax.then(function () {
      var mj = window.MathJax;
      mj.startup.output.clearCache();
      mj.typesetClear();
      mj.texReset();
      return mj.typesetPromise();
    }).catch(function (err) { console.warn(err); });
  }

  /* ---- Mermaid ---- */
  if (typeof window.mermaid === "undefined") {
    var settings = null;
    var real = null;
    window.mermaid = {
      initialize: function (config) { settings = config; },
      render: function (id, text) {
        if (!real) {
          real = loadScript(vendor("mermaid/mermaid.min.js")).then(function () {
            if (settings) window.mermaid.initialize(settings);
            return window.mermaid;
          });
        }
        return real.then(function (m) { return m.render(id, text); });
      }
    };
  }

  /* Loaded in <head>, before Material's bundle: subscribe once the bundle has defined `document$`
   * (a replaying stream, so the first page is typeset too). */
  document.addEventListener("DOMContentLoaded", function () {
    /* Material's search dialog has role="dialog" but no accessible name (axe: aria-dialog-name). */
    var search = document.querySelector(".md-search[role='dialog']");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Suche");
    if (typeof window.document$ !== "undefined") {
      window.document$.subscribe(typeset);
    } else {
      typeset();
    }
  });
})();
