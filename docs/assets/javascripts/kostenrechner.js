/*
 * Kostenrechner der Seite „Wirtschaftlichkeit“: rechnet im Browser, ohne Server und ohne Anfragen an Dritte.
 * Die Parameter (Preise in Euro, Leistungsaufnahme, Kaufpreise, Durchsatz je Karte, Modell und Batchgröße)
 * schreibt slmwiki.costs.calculator beim Bauen der Seite als JSON in die Seite. Die Formeln sind die aus
 * slmwiki.costs.model, in derselben Reihenfolge der Rechenschritte – so liefern Seite und
 * `slmwiki costs --json` dieselben Zahlen. Zahlen erscheinen deutsch formatiert (Intl.NumberFormat "de-DE").
 * Nur Seiten mit einem Rechner laden dieses Skript (assets/javascripts/site.js).
 */
(function () {
  "use strict";

  var EUR = new Intl.NumberFormat("de-DE", {
    style: "currency", currency: "EUR", minimumFractionDigits: 0, maximumFractionDigits: 0
  });
  var INT = new Intl.NumberFormat("de-DE", { maximumFractionDigits: 0 });
  var MAX_GPUS = 10000;

  /* --- Formeln (wie slmwiki.costs.model) ------------------------------------------------------------- */

  function secondsPerRequest(w, rate) { return w.input_tokens / rate[0] + w.output_tokens / rate[1]; }
  function requestsPerMonth(w) { return w.requests_per_day * w.days_per_month; }
  function capacityPerGpu(w, op, seconds) { return w.peak_hours * 3600 * op.target_utilisation / seconds; }
  function gpusNeeded(requests, capacity) { return Math.max(1, Math.ceil(requests / capacity)); }
  function staffPerMonth(op) { return op.staff_fte * op.staff_eur_per_year / 12; }
  function apiPerRequest(w, api) {
    return w.input_tokens * api.input_eur_per_million + w.output_tokens * api.output_eur_per_million;
  }
  function apiCost(w, api) { return requestsPerMonth(w) * apiPerRequest(w, api) / 1000000; }

  function ownCost(w, hw, rate, op, redundancy, purchase) {
    var seconds = secondsPerRequest(w, rate);
    var gpus = gpusNeeded(w.requests_per_day, capacityPerGpu(w, op, seconds)) + (redundancy ? 1 : 0);
    var busyHours = requestsPerMonth(w) * seconds / 3600;
    var kwh = (gpus * hw.idle_w / 1000 * op.hours_per_month + hw.load_extra_w / 1000 * busyHours) * op.pue;
    var energy = kwh * op.electricity_ct_per_kwh / 100;
    var staff = staffPerMonth(op);
    var total = purchase === null ? null : gpus * purchase / op.depreciation_months + energy + staff;
    return { gpus: gpus, energy: energy, staff: staff, total: total };
  }

  function rentalCost(w, cloud, rate, op) {
    var seconds = secondsPerRequest(w, rate);
    var gpus = gpusNeeded(w.requests_per_day, capacityPerGpu(w, op, seconds));
    return { gpus: gpus, total: gpus * op.hours_per_month * cloud.eur_per_hour + staffPerMonth(op) };
  }

  function breakEven(w, op, seconds, fixedPerGpu, variable, reserve, api) {
    var slope = w.days_per_month * apiPerRequest(w, api) / 1000000 - variable;
    if (slope <= 0) { return null; }
    var capacity = capacityPerGpu(w, op, seconds);
    var staff = staffPerMonth(op);
    for (var n = 1; n <= MAX_GPUS; n++) {
      var requests = ((n + reserve) * fixedPerGpu + staff) / slope;
      if (requests <= n * capacity) { return requests > (n - 1) * capacity ? requests : (n - 1) * capacity; }
    }
    return null;
  }

  function breakEvenOwn(w, hw, rate, op, redundancy, purchase, api) {
    if (purchase === null) { return null; }
    var seconds = secondsPerRequest(w, rate);
    var power = op.pue * op.electricity_ct_per_kwh / 100;
    var fixed = purchase / op.depreciation_months + hw.idle_w / 1000 * op.hours_per_month * power;
    var variable = w.days_per_month * seconds / 3600 * hw.load_extra_w / 1000 * power;
    return breakEven(w, op, seconds, fixed, variable, redundancy ? 1 : 0, api);
  }

  function breakEvenRental(w, cloud, rate, op, api) {
    return breakEven(w, op, secondsPerRequest(w, rate), op.hours_per_month * cloud.eur_per_hour, 0.0, 0, api);
  }

  function maxPurchase(cost, op, apiEur) {
    var margin = apiEur - cost.energy - cost.staff;
    return margin <= 0 ? null : margin * op.depreciation_months / cost.gpus;
  }

  /* --- Eingaben lesen ------------------------------------------------------------------------------- */

  /* Deutsche Zahl: „50.000“ = 50000, „20,38“ = 20,38. Gibt NaN bei ungültiger Eingabe. */
  function parseGerman(text) {
    var t = String(text).trim().replace(/\s/g, "");
    if (t === "" || !/^[0-9.,]+$/.test(t)) { return NaN; }
    return Number(t.replace(/\./g, "").replace(",", "."));
  }

  function formatGerman(value) {
    return new Intl.NumberFormat("de-DE", { maximumFractionDigits: 4 }).format(value);
  }

  function setup(root) {
    if (root.getAttribute("data-bereit") === "ja") { return; }
    root.setAttribute("data-bereit", "ja");
    var data = JSON.parse(root.querySelector("script.kostenrechner-daten").textContent);
    var form = root.querySelector("form");
    var field = function (name) { return form.elements.namedItem(name); };
    var numeric = [
      ["requests_per_day", 0, false], ["days_per_month", 31, false], ["input_tokens", 0, true],
      ["output_tokens", 0, false], ["peak_hours", 24, false], ["electricity_ct_per_kwh", 0, true],
      ["pue", 0, false], ["staff_fte", 0, true], ["staff_eur_per_year", 0, true]
    ];

    function showError(input, message) {
      var box = root.querySelector("#" + input.id + "-fehler");
      input.setAttribute("aria-invalid", message ? "true" : "false");
      if (box) { box.textContent = message || ""; }
    }

    function read() {
      var values = {}, ok = true;
      numeric.forEach(function (spec) {
        var input = field(spec[0]), value = parseGerman(input.value), message = "";
        if (!isFinite(value)) { message = "Bitte eine Zahl eingeben, z. B. 1.500 oder 0,5."; }
        else if (!spec[2] && value <= 0) { message = "Der Wert muss größer als 0 sein."; }
        else if (spec[1] > 0 && value > spec[1]) { message = "Höchstens " + INT.format(spec[1]) + "."; }
        else if (spec[0] === "pue" && value < 1) { message = "Die PUE ist mindestens 1."; }
        showError(input, message);
        ok = ok && !message;
        values[spec[0]] = value;
      });
      var purchaseInput = field("purchase_eur"), purchaseText = purchaseInput.value.trim(), purchase = null;
      if (purchaseText !== "") {
        purchase = parseGerman(purchaseText);
        var bad = !isFinite(purchase) ? "Bitte einen Betrag in Euro eingeben oder das Feld leeren." : "";
        showError(purchaseInput, bad);
        ok = ok && !bad;
      } else { showError(purchaseInput, ""); }
      values.purchase_eur = purchase;
      values.model = field("model").value;
      values.batch = field("batch").value;
      values.redundancy = field("redundancy").checked;
      values.eu_only = field("eu_only").checked;
      return ok ? values : null;
    }

    function setCell(key, name, text) {
      var cell = root.querySelector('[data-key="' + key + '"] [data-field="' + name + '"]');
      if (cell) { cell.textContent = text; }
    }

    function update() {
      var v = read();
      var verdict = root.querySelector('[data-field="verdict"]');
      if (!v) {
        root.querySelectorAll("[data-key] [data-field]").forEach(function (c) { c.textContent = "–"; });
        verdict.textContent = "Bitte korrigieren Sie die markierten Eingaben.";
        return;
      }
      var w = { requests_per_day: v.requests_per_day, days_per_month: v.days_per_month,
        input_tokens: v.input_tokens, output_tokens: v.output_tokens, peak_hours: v.peak_hours };
      var op = { electricity_ct_per_kwh: v.electricity_ct_per_kwh, pue: v.pue,
        hours_per_month: data.operation.hours_per_month, target_utilisation: data.operation.target_utilisation,
        staff_fte: v.staff_fte, staff_eur_per_year: v.staff_eur_per_year,
        depreciation_months: data.operation.depreciation_months };
      var cheapestKey = null, cheapest = null, best = null;
      Object.keys(data.apis).forEach(function (key) {
        var row = root.querySelector('[data-key="api:' + key + '"]');
        var excluded = v.eu_only && data.apis[key].region.indexOf("EU") !== 0;
        if (row) { row.hidden = excluded; }
        if (excluded) { return; }
        var cost = apiCost(w, data.apis[key]);
        setCell("api:" + key, "monthly", EUR.format(cost));
        if (cheapest === null || cost < cheapest) { cheapest = cost; cheapestKey = key; }
        if (best === null || cost < best.cost) { best = { cost: cost, label: data.apis[key].label }; }
      });
      var api = data.apis[cheapestKey];
      var beText = function (value) { return value === null ? "keiner" : "ab " + INT.format(value) + " Anfragen/Tag"; };
      Object.keys(data.gpus).forEach(function (key) {
        var hw = data.gpus[key], rate = hw.rates[v.model][v.batch], k = "eigen:" + key;
        if (!rate) { ["gpus", "monthly", "break-even"].forEach(function (f) { setCell(k, f, "–"); }); return; }
        var purchase = v.purchase_eur !== null ? v.purchase_eur : hw.purchase_eur;
        var cost = ownCost(w, hw, rate, op, v.redundancy, purchase);
        setCell(k, "gpus", INT.format(cost.gpus));
        setCell(k, "monthly", cost.total === null ? "–" : EUR.format(cost.total));
        if (cost.total === null) {
          var limit = maxPurchase(cost, op, cheapest);
          setCell(k, "break-even", limit === null ? "keiner" : "lohnt bis " + EUR.format(limit) + " je Server");
        } else {
          setCell(k, "break-even", beText(breakEvenOwn(w, hw, rate, op, v.redundancy, purchase, api)));
          if (cost.total < best.cost) { best = { cost: cost.total, label: hw.label }; }
        }
      });
      Object.keys(data.clouds).forEach(function (key) {
        var cloud = data.clouds[key], rate = cloud.rates[v.model][v.batch], k = "cloud:" + key;
        var cost = rentalCost(w, cloud, rate, op);
        setCell(k, "gpus", INT.format(cost.gpus));
        setCell(k, "monthly", EUR.format(cost.total));
        setCell(k, "break-even", beText(breakEvenRental(w, cloud, rate, op, api)));
        if (cost.total < best.cost) { best = { cost: cost.total, label: cloud.label }; }
      });
      verdict.textContent = "Günstigste Option bei " + INT.format(w.requests_per_day) + " Anfragen je Tag: " +
        best.label + " mit rund " + EUR.format(best.cost) + " je Monat.";
    }

    function applyScenario(name) {
      var s = data.scenarios[name];
      ["requests_per_day", "days_per_month", "input_tokens", "output_tokens", "peak_hours"].forEach(function (key) {
        field(key).value = formatGerman(s[key]);
      });
      field("model").value = s.model;
      field("batch").value = String(s.batch);
      field("redundancy").checked = s.redundancy;
    }

    field("scenario").addEventListener("change", function () { applyScenario(field("scenario").value); update(); });
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    var status = root.querySelector('[data-field="status"]');
    if (status) { status.textContent = "Der Rechner ist bereit: Änderungen wirken sofort."; }
    update();
  }

  function scan() {
    document.querySelectorAll("[data-kostenrechner]").forEach(setup);
  }

  /* Geladen wird das Skript von assets/javascripts/site.js, sobald eine Seite einen Rechner enthält. Über
   * Materials dokumentiertes `document$` richtet es den Rechner dieser Seite ein und jeden, den die
   * Sofortnavigation später bringt. */
  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(scan);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
