/*
 * Old links into chapter 2: until December 2026 the chapter was one page, so links such as
 * `2_Komplexitaetsreduktion/#absmax` pointed to a section of it. Those sections now live on sub-pages;
 * on the chapter's entry page this forwards such an address to the section's new place (replacing the
 * history entry, so „Zurück“ still works). Runs for the page as loaded and, through Material's documented
 * `document$`, for pages reached by instant navigation. tests/test_site.py checks every target exists.
 */
(function () {
  "use strict";
  var MOVED = {
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
    }
  };
  function forward() {
    var anchor = decodeURIComponent(location.hash.slice(1));
    if (!anchor) return;
    var path = location.pathname.replace(/index\.html$/, "");
    for (var chapter in MOVED) {
      if (path.slice(-chapter.length) === chapter && MOVED[chapter][anchor]) {
        location.replace(new URL(MOVED[chapter][anchor], location.origin + path).href);
        return;
      }
    }
  }
  forward();
  window.addEventListener("hashchange", forward);
  if (typeof window.document$ !== "undefined") window.document$.subscribe(forward);
})();
