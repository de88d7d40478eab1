/*
 * Loads MathJax and Mermaid from this site, only on pages that need them and only when needed.
 * - MathJax: formulas of Markdown pages are rendered at build time (hooks/server_math.py). The browser
 *   only typesets `$…$`/`$$…$$` in notebook cells (and any arithmatex element still holding TeX source),
 *   once such a cell comes near the viewport, again after every instant navigation (Material's `document$`).
 * - Mermaid: Material renders diagrams with `mermaid.initialize` and `mermaid.render`; if no global
 *   `mermaid` exists it would load one from a CDN. A small stand-in forwards both calls to the
 *   vendored copy, which it loads only when a diagram comes near the viewport (IntersectionObserver).
 * - Horizontally scrolling regions get keyboard access (tabindex) while they scroll.
 * Loaded with `defer` in <head> (overrides/main.html). It works on its own for the page as loaded;
 * Material's bundle starts only on the reader's first interaction (or when a diagram nears the viewport),
 * and from then on this script also handles the pages that Material's instant navigation brings in.
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
   * Material makes overflowing code blocks focusable once its bundle runs, but not wide tables, display
   * formulas or notebook cells. Before the bundle (it starts on the first interaction) code blocks and the
   * still unwrapped tables scroll on their own. All of these get tabindex="0" while (and only while) they
   * actually scroll. Regions whose content the browser skips (extra.css: content-visibility: auto) are
   * checked once they are rendered. */
  var SCROLLERS = ".md-typeset__scrollwrap, .md-typeset table:not([class]), .md-typeset pre > code, " +
    ".md-typeset div.arithmatex, .jupyter-wrapper pre, .jupyter-wrapper .highlight-ipynb, " +
    ".jupyter-wrapper .jp-OutputArea-output";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function skipped(el) {
    var probe = el.firstElementChild || el;
    return typeof probe.checkVisibility === "function" && !probe.checkVisibility({ contentVisibilityAuto: true });
  }
  /* Whether the keyboard reaches into `el` already: a focusable descendant that takes up space (the line
   * anchors of code blocks are empty links, which axe rightly does not count). */
  function reachable(el) {
    var inner = el.querySelectorAll(FOCUSABLE);
    for (var i = 0; i < inner.length; i++) {
      if (inner[i].offsetWidth > 0 || inner[i].offsetHeight > 0) return true;
    }
    return false;
  }
  function focusScrollables() {
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
    scheduleFocusScrollables();
  }
  onPage();  /* the page as loaded (before Material's bundle: its tables scroll themselves, unwrapped) */

  /* Material's bundle defines `document$`, a replaying stream: its first value is the page as loaded
   * (handled above; only the tables are new, wrapped by Material), every later one a page brought in by
   * instant navigation. The loader in overrides/main.html fires `slmwiki:bundle` once the bundle has run. */
  document.addEventListener("slmwiki:bundle", function () {
    if (typeof window.document$ === "undefined") return;
    var first = true;
    window.document$.subscribe(function () {
      if (first) {
        first = false;
        scheduleFocusScrollables();
      } else {
        onPage();
      }
    });
  });
})();
