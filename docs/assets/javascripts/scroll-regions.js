/*
 * Keyboard access to horizontally scrolling regions (WCAG 2.1.1; axe: scrollable-region-focusable).
 * Material makes overflowing code blocks focusable, but not wide tables, display formulas or notebook
 * cells. Each of these gets tabindex="0" while (and only while) it actually scrolls and holds nothing the
 * keyboard could reach already. Regions whose content the browser skips (extra.css: content-visibility)
 * are checked once they are rendered. Runs for every page through Material's documented `document$`.
 */
(function () {
  "use strict";
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
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(schedule);
  } else {
    schedule();
  }
})();
