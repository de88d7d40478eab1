/*
 * The site's one script (mkdocs.yml `extra_javascript`). It runs for every page: the one loaded and each one
 * brought in by instant navigation, through Material's documented `document$` observable
 * (https://squidfunk.github.io/mkdocs-material/customization/#additional-javascript), and uses standard DOM
 * APIs only. No request leaves the site. What it does, each part only where the page needs it:
 * 1. Mermaid: diagrams are ```mermaid fences that pymdownx.superfences writes as <pre class="diagram">
 *    (mkdocs.yml). The site's own copy of Mermaid (scripts/copy_vendor_assets.cjs copies it from
 *    node_modules into assets/vendor/ after `npm ci`) is loaded once a diagram comes near the viewport; each
 *    diagram is drawn with Mermaid's public API (`mermaid.initialize`, `mermaid.render`) in the colour scheme
 *    of the page, and drawn again when the reader switches the scheme.
 * 2. MathJax: formulas of Markdown pages are rendered at build time (hooks/server_math.py). The browser only
 *    typesets `$…$`/`$$…$$` in notebook cells (mkdocs-jupyter), with the site's own MathJax, once such a cell
 *    comes near the viewport.
 * 3. Keyboard access to horizontally scrolling regions (WCAG 2.1.1; axe: scrollable-region-focusable).
 *    Material makes overflowing code blocks focusable, but not wide tables, display formulas or notebook
 *    cells. Each of these gets tabindex="0" while (and only while) it actually scrolls and holds nothing the
 *    keyboard could reach already. Regions whose content the browser skips (extra.css: content-visibility)
 *    are checked once they are rendered; the first check waits until the browser is idle.
 * 4. Old links into split chapters: chapters 1–3 were one page each until December 2026, so links such as
 *    `2_Komplexitaetsreduktion/#absmax` pointed to a section of it. On a chapter's entry page such an address
 *    is forwarded to the section's new place (replacing the history entry, so „Zurück“ still works). The
 *    table MOVED below is the only data (tests/test_site.py reads it and checks every target exists).
 * 5. The cost calculator of „Wirtschaftlichkeit“ (assets/javascripts/kostenrechner.js) is loaded only on a
 *    page that contains one (`[data-kostenrechner]`); it sets itself up through `document$` as well.
 */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src : document.baseURI;
  /* `path` relative to this script's folder (assets/javascripts/). */
  var asset = function (path) { return new URL(path, here).href; };
  var vendor = function (path) { return asset("../vendor/" + path); };
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

  /* ---- 1. Mermaid ---- */
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

  /* ---- 2. MathJax (notebook pages) ---- */
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

  /* ---- 3. Scrolling regions reachable by keyboard ---- */
  var SCROLLERS = ".md-typeset__scrollwrap, .md-typeset table:not([class]), .md-typeset pre > code, " +
    ".md-typeset div.arithmatex, .jupyter-wrapper pre, .jupyter-wrapper .highlight-ipynb, " +
    ".jupyter-wrapper .jp-OutputArea-output";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function skipped(el) {
    var probe = el.firstElementChild || el;
    return typeof probe.checkVisibility === "function" && !probe.checkVisibility({ contentVisibilityAuto: true });
  }
  /* Whether the keyboard reaches into `el` already: a focusable descendant that takes up space. */
  function reachable(el) {
    var inner = el.querySelectorAll(FOCUSABLE);
    for (var i = 0; i < inner.length; i++) {
      if (inner[i].offsetWidth > 0 || inner[i].offsetHeight > 0) return true;
    }
    return false;
  }
  function update() {
    var els = document.querySelectorAll(SCROLLERS);
    var states = [];
    for (var i = 0; i < els.length; i++) {  /* read everything first, then write: one layout pass */
      if (skipped(els[i])) continue;
      var scrolls = els[i].scrollWidth > els[i].clientWidth + 1 &&
        /auto|scroll/.test(window.getComputedStyle(els[i]).overflowX);
      states.push([els[i], scrolls, scrolls && reachable(els[i])]);
    }
    for (var j = 0; j < states.length; j++) {
      var el = states[j][0];
      if (states[j][1] && !states[j][2] && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-slmwiki-focus", "");
      } else if (!states[j][1] && el.hasAttribute("data-slmwiki-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-slmwiki-focus");
      }
    }
  }
  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; update(); });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(update, 200);
  });
  document.addEventListener("contentvisibilityautostatechange", function (event) {
    if (!event.skipped) schedule();
  }, true);
  function firstCheck() {
    if (typeof window.requestIdleCallback === "function") {
      window.requestIdleCallback(schedule, { timeout: 1000 });
    } else {
      schedule();
    }
  }

  /* ---- 4. Old anchors of split chapters ---- */
  /* Entry page (path below the site root) -> old anchor -> new place, relative to the entry page. */
  var MOVED = {
    "1_Grundlagen/": {
      "foundation-models": "foundation-models/",
      "foundation-models-definition": "foundation-models/#foundation-models-definition",
      "llm-slm-begriffe": "foundation-models/#llm-slm-begriffe",
      "transformer": "transformer/",
      "tokens-embeddings": "transformer/#tokens-embeddings",
      "self-attention": "transformer/#self-attention",
      "multi-head": "transformer/#multi-head",
      "transformer-block": "transformer/#transformer-block",
      "rechenaufwand": "transformer/#rechenaufwand",
      "llm": "llm/",
      "gpt-reihe": "llm/#gpt-reihe",
      "gpt1": "llm/#gpt1",
      "gpt2": "llm/#gpt2",
      "gpt3": "llm/#gpt3",
      "rlhf": "rlhf/",
      "alignment-problem": "rlhf/#alignment-problem",
      "rlhf-stufen": "rlhf/#rlhf-stufen",
      "reward-modell": "rlhf/#reward-modell",
      "ppo": "rlhf/#ppo",
      "instructgpt-ergebnis": "rlhf/#instructgpt-ergebnis",
      "skalierungsgesetze": "skalierungsgesetze/",
      "kaplan": "skalierungsgesetze/#kaplan",
      "chinchilla": "skalierungsgesetze/#chinchilla",
      "kaplan-vs-chinchilla": "skalierungsgesetze/#kaplan-vs-chinchilla",
      "grenzen": "grenzen/",
      "grenzen-rechenaufwand": "grenzen/#grenzen-rechenaufwand",
      "grenzen-kosten": "grenzen/#grenzen-kosten",
      "grenzen-energie": "grenzen/#grenzen-energie",
      "datenmauer": "grenzen/#datenmauer",
      "kleine-modelle": "kleine-modelle/",
      "training-vs-inferenz": "kleine-modelle/#training-vs-inferenz",
      "tokens-pro-parameter": "kleine-modelle/#tokens-pro-parameter",
      "qualitaet-statt-menge": "kleine-modelle/#qualitaet-statt-menge"
    },
    "2_Komplexitaetsreduktion/": {
      "quantisierung": "quantisierung/",
      "absmax": "quantisierung/#absmax",
      "zero-point": "quantisierung/#zero-point",
      "granularitaet": "quantisierung/#granularitaet",
      "llm-int8": "quantisierung/#llm-int8",
      "nf4": "nf4/",
      "quantilquantisierung": "nf4/#quantilquantisierung",
      "nf4-codewerte": "nf4/#nf4-codewerte",
      "blockweise": "nf4/#blockweise",
      "double-quantization": "nf4/#double-quantization",
      "quantisierungsfehler": "nf4/#quantisierungsfehler",
      "lora": "lora/",
      "lora-idee": "lora/#lora-idee",
      "lora-mathematik": "lora/#lora-mathematik",
      "lora-initialisierung": "lora/#lora-initialisierung",
      "rang-alpha": "lora/#rang-alpha",
      "lora-zielmodule": "lora/#lora-zielmodule",
      "lora-merge": "lora/#lora-merge",
      "qlora": "qlora/",
      "qlora-bausteine": "qlora/#qlora-bausteine",
      "qlora-datenfluss": "qlora/#qlora-datenfluss",
      "paged-optimizers": "qlora/#paged-optimizers",
      "speicherbudget": "qlora/#speicherbudget",
      "qlora-ergebnisse": "qlora/#qlora-ergebnisse",
      "pruning": "pruning/",
      "pruning-unstrukturiert": "pruning/#pruning-unstrukturiert",
      "pruning-2-4": "pruning/#pruning-2-4",
      "pruning-strukturiert": "pruning/#pruning-strukturiert",
      "pruning-vergleich": "pruning/#pruning-vergleich"
    },
    "3_SLMs_Architecture/": {
      "textbooks": "textbooks/",
      "phi-1": "textbooks/#phi-1",
      "phi-15-phi-2": "textbooks/#phi-15-phi-2",
      "phi-3": "textbooks/#phi-3",
      "textbooks-bewertung": "textbooks/#textbooks-bewertung",
      "attention-varianten": "attention-varianten/",
      "kv-cache": "attention-varianten/#kv-cache",
      "mha": "attention-varianten/#mha",
      "mqa": "attention-varianten/#mqa",
      "gqa": "attention-varianten/#gqa",
      "kv-cache-vergleich": "attention-varianten/#kv-cache-vergleich",
      "sliding-window": "sliding-window/",
      "lokale-attention": "sliding-window/#lokale-attention",
      "mistral": "sliding-window/#mistral",
      "gemma-local-global": "sliding-window/#gemma-local-global",
      "destillation": "destillation/",
      "soft-targets": "destillation/#soft-targets",
      "temperatur": "destillation/#temperatur",
      "destillation-verlust": "destillation/#destillation-verlust",
      "destillation-llm": "destillation/#destillation-llm",
      "destillation-praxis": "destillation/#destillation-praxis",
      "vergleich": "vergleich/"
    }
  };
  /* Forwards an old anchor of a chapter's entry page; true when it did. */
  function forward() {
    var anchor = decodeURIComponent(location.hash.slice(1));
    if (!anchor) return false;
    var path = location.pathname.replace(/index\.html$/, "");
    for (var chapter in MOVED) {
      if (path.slice(-chapter.length) === chapter && MOVED[chapter][anchor]) {
        location.replace(new URL(MOVED[chapter][anchor], location.origin + path).href);
        return true;
      }
    }
    return false;
  }
  window.addEventListener("hashchange", forward);

  /* ---- 5. Cost calculator, only where a page contains one ---- */
  function calculator() {
    if (document.querySelector("[data-kostenrechner]")) {
      loadScript(asset("kostenrechner.js")).catch(function (err) { console.warn(err); });
    }
  }

  function onPage() {
    if (forward()) return;
    drawDiagrams();
    typesetPage();
    firstCheck();
    calculator();
  }
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(onPage);
  } else {
    onPage();
  }
})();
