/*
 * Loads MathJax and Mermaid from this site, only on pages that need them and only when needed.
 * - MathJax: formulas of Markdown pages are rendered at build time (hooks/server_math.py). The browser
 *   only typesets `$…$`/`$$…$$` in notebook cells (and any arithmatex element still holding TeX source),
 *   once such a cell comes near the viewport, again after every instant navigation (Material's `document$`).
 * - Mermaid: Material renders diagrams with `mermaid.initialize` and `mermaid.render`; if no global
 *   `mermaid` exists it would load one from a CDN. A small stand-in forwards both calls to the
 *   vendored copy, which it loads only when a diagram comes near the viewport (IntersectionObserver).
 * - Horizontally scrolling regions get keyboard access (tabindex) while they scroll.
 * Loaded with `defer` in <head> (overrides/main.html), i.e. before Material's bundle, which the page
 * starts only after its first paint.
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

  /* Calls `callback` once one of `elements` comes within `margin` of the viewport. Returns a function
   * that cancels the wait (instant navigation replaces the page). */
  function whenNearViewport(elements, margin, callback) {
    if (typeof window.IntersectionObserver === "undefined") {
      callback();
      return function () {};
    }
    var observer = new IntersectionObserver(function (entries) {
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].isIntersecting) {
          observer.disconnect();
          callback();
          return;
        }
      }
    }, { rootMargin: margin + " 0px" });
    for (var j = 0; j < elements.length; j++) observer.observe(elements[j]);
    return function () { observer.disconnect(); };
  }

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
  var mathjax = null;
  var cancelMath = null;
  function mathTargets() {
    var targets = [];
    var wrappers = document.querySelectorAll(".arithmatex");
    for (var k = 0; k < wrappers.length; k++) {
      if (!wrappers[k].querySelector("mjx-container")) targets.push(wrappers[k]);
    }
    var cells = document.querySelectorAll(".jp-RenderedMarkdown, .jp-RenderedHTMLCommon");
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].textContent.indexOf("$") !== -1) targets.push(cells[i]);
    }
    return targets;
  }
  function typesetNow() {
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
  function typeset() {
    if (cancelMath) cancelMath();
    cancelMath = null;
    var targets = mathTargets();
    if (targets.length) cancelMath = whenNearViewport(targets, "600px", typesetNow);
  }

  /* ---- Mermaid ---- */
  /* Resolves once the unclaimed diagram source `pre.mermaid` whose text is `text` nears the viewport. */
  var claimed = [];
  function diagramNearViewport(text) {
    var blocks = document.querySelectorAll("pre.mermaid");
    var el = null;
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].textContent === text && claimed.indexOf(blocks[i]) === -1) { el = blocks[i]; break; }
    }
    if (!el) return Promise.resolve();
    claimed.push(el);
    return new Promise(function (resolve) {
      whenNearViewport([el], "400px", function () {
        claimed.splice(claimed.indexOf(el), 1);
        resolve();
      });
    });
  }
  if (typeof window.mermaid === "undefined") {
    var settings = null;
    var real = null;
    window.mermaid = {
      initialize: function (config) { settings = config; },
      render: function (id, text) {
        return diagramNearViewport(text).then(function () {
          if (!real) {
            real = loadScript(vendor("mermaid/mermaid.min.js")).then(function () {
              if (settings) window.mermaid.initialize(settings);
              return window.mermaid;
            });
          }
          return real;
        }).then(function (m) { return m.render(id, text); });
      }
    };
  }

  /* ---- Keyboard access to horizontally scrolling regions (axe: scrollable-region-focusable) ----
   * Material makes overflowing code blocks focusable, but not wide tables, display formulas or notebook
   * cells; those get tabindex="0" while (and only while) they actually scroll. Regions whose content the
   * browser skips (extra.css: content-visibility: auto) are checked once they are rendered. */
  var SCROLLERS = ".md-typeset__scrollwrap, .md-typeset div.arithmatex, .jupyter-wrapper pre, " +
    ".jupyter-wrapper .highlight-ipynb, .jupyter-wrapper .jp-OutputArea-output";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function skipped(el) {
    var probe = el.firstElementChild || el;
    return typeof probe.checkVisibility === "function" && !probe.checkVisibility({ contentVisibilityAuto: true });
  }
  function focusScrollables() {
    var els = document.querySelectorAll(SCROLLERS);
    var states = [];
    for (var i = 0; i < els.length; i++) {  /* read everything first, then write: one layout pass */
      if (skipped(els[i])) continue;
      states.push([els[i], els[i].scrollWidth > els[i].clientWidth + 1 &&
        /auto|scroll/.test(window.getComputedStyle(els[i]).overflowX)]);
    }
    for (var j = 0; j < states.length; j++) {
      var el = states[j][0];
      if (states[j][1] && !el.hasAttribute("tabindex") && !el.querySelector(FOCUSABLE)) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-slmwiki-focus", "");
      } else if (!states[j][1] && el.hasAttribute("data-slmwiki-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-slmwiki-focus");
      }
    }
  }
  var scheduled = false;
  function scheduleFocusScrollables() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; focusScrollables(); });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(focusScrollables, 200);
  });
  document.addEventListener("contentvisibilityautostatechange", function (event) {
    if (!event.skipped) scheduleFocusScrollables();
  }, true);

  function onPage() {
    typeset();
    scheduleFocusScrollables();  /* after Material's handlers have wrapped the tables */
  }

  /* Material's bundle defines `document$` (a replaying stream, so the first page is handled too). The
   * loader in overrides/main.html starts the bundle after the first paint and then fires `slmwiki:bundle`. */
  document.addEventListener("slmwiki:bundle", function () {
    /* Material's search dialog has role="dialog" but no accessible name (axe: aria-dialog-name). */
    var search = document.querySelector(".md-search[role='dialog']");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Suche");
    if (typeof window.document$ !== "undefined") {
      window.document$.subscribe(onPage);
    } else {
      onPage();
    }
  });
})();
