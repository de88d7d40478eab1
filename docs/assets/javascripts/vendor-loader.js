/*
 * Loads the site's own copies of Mermaid and MathJax (scripts/copy_vendor_assets.cjs copies them from
 * node_modules into assets/vendor/ after `npm ci`), only on pages that need them and only when a diagram or
 * a formula comes near the viewport. No request leaves the site.
 * - Mermaid: diagrams are ```mermaid fences that pymdownx.superfences writes as <pre class="diagram">
 *   (mkdocs.yml). Each is drawn with Mermaid's public API (`mermaid.initialize`, `mermaid.render`) in the
 *   colour scheme of the page, and drawn again when the reader switches the scheme.
 * - MathJax: formulas of Markdown pages are rendered at build time (hooks/server_math.py). The browser only
 *   typesets `$…$`/`$$…$$` in notebook cells (mkdocs-jupyter), once such a cell comes near the viewport.
 * Runs for every page: the one loaded and each one brought in by instant navigation, through Material's
 * documented `document$` observable (https://squidfunk.github.io/mkdocs-material/customization/#additional-javascript).
 */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : document.baseURI;
  var vendor = function (path) { return new URL("../vendor/" + path, here).href; };
  var loaded = {};

  function loadScript(src) {
    if (!loaded[src]) {
      loaded[src] = new Promise(function (resolve, reject) {
        var el = document.createElement("script");
        el.src = src;
        el.async = true;
        el.onload = resolve;
        el.onerror = function () { reject(new Error("Konnte " + src + " nicht laden")); };
        document.head.appendChild(el);
      });
    }
    return loaded[src];
  }

  /* Calls `callback(element)` for each of `elements` once it comes within `margin` of the viewport.
   * Returns a function that stops watching (instant navigation replaces the page). */
  function whenNearViewport(elements, margin, callback) {
    if (typeof window.IntersectionObserver === "undefined") {
      for (var i = 0; i < elements.length; i++) callback(elements[i]);
      return function () {};
    }
    var observer = new IntersectionObserver(function (entries) {
      for (var j = 0; j < entries.length; j++) {
        if (entries[j].isIntersecting) {
          observer.unobserve(entries[j].target);
          callback(entries[j].target);
        }
      }
    }, { rootMargin: margin + " 0px" });
    for (var k = 0; k < elements.length; k++) observer.observe(elements[k]);
    return function () { observer.disconnect(); };
  }

  /* ---- Mermaid ---- */
  var diagramCount = 0;
  function mermaidTheme() {
    return document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "default";
  }
  function loadMermaid() {
    return loadScript(vendor("mermaid/mermaid.min.js")).then(function () { return window.mermaid; });
  }
  /* Draws one diagram: `el` is the <pre class="diagram"> source or an already drawn <div class="diagram">. */
  function draw(el) {
    var source = el.getAttribute("data-source") || el.textContent;
    return loadMermaid().then(function (mermaid) {
      mermaid.initialize({ startOnLoad: false, theme: mermaidTheme(), securityLevel: "strict" });
      diagramCount += 1;
      return mermaid.render("slmwiki-diagram-" + diagramCount, source);
    }).then(function (result) {
      if (!el.isConnected) return;
      var figure = document.createElement("div");
      figure.className = "diagram";
      figure.setAttribute("data-source", source);
      figure.setAttribute("data-theme", mermaidTheme());
      figure.innerHTML = result.svg;
      el.replaceWith(figure);
    }).catch(function (err) { console.warn(err); });
  }
  var stopDiagrams = null;
  function drawDiagrams() {
    if (stopDiagrams) stopDiagrams();
    stopDiagrams = null;
    var blocks = document.querySelectorAll("pre.diagram");
    if (blocks.length) stopDiagrams = whenNearViewport(blocks, "400px", draw);
  }
  /* A switch of the colour scheme (Material's palette toggle sets data-md-color-scheme) redraws them. */
  new MutationObserver(function () {
    var drawn = document.querySelectorAll("div.diagram[data-source]");
    var chain = Promise.resolve();
    for (var i = 0; i < drawn.length; i++) {
      if (drawn[i].getAttribute("data-theme") !== mermaidTheme()) {
        chain = chain.then(draw.bind(null, drawn[i]));
      }
    }
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  /* ---- MathJax (notebook pages) ---- */
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
  var stopMath = null;
  function mathCells() {
    var cells = document.querySelectorAll(".jp-RenderedMarkdown, .jp-RenderedHTMLCommon");
    var targets = [];
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].textContent.indexOf("$") !== -1 && !cells[i].querySelector("mjx-container")) {
        targets.push(cells[i]);
      }
    }
    return targets;
  }
  function typesetPage() {
    if (stopMath) stopMath();
    stopMath = null;
    var cells = mathCells();
    if (!cells.length) return;
    var started = false;
    stopMath = whenNearViewport(cells, "600px", function () {
      if (started) return;
      started = true;
      loadScript(vendor("mathjax/tex-chtml.js")).then(function () {
        return window.MathJax.startup.promise;
      }).then(function () {
        var mj = window.MathJax;
        mj.typesetClear();
        mj.texReset();
        return mj.typesetPromise(mathCells());
      }).catch(function (err) { console.warn(err); });
    });
  }

  function onPage() {
    drawDiagrams();
    typesetPage();
  }
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(onPage);
  } else {
    onPage();
  }
})();
