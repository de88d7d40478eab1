"""Der Kostenrechner der Seite „Wirtschaftlichkeit“: Formular, Ergebnistabelle und Parameter als JSON.

Die Parameter exportiert `slmwiki.costs.calculator.calculator_data`; die Startwerte der Tabelle rechnet
`slmwiki.costs.cost_report` für das voreingestellte Szenario. Im Browser rechnet
`docs/assets/javascripts/kostenrechner.js` dieselben Formeln nach, sobald sich eine Eingabe ändert.
"""

from __future__ import annotations

import html
import json

from slmwiki.costs import cost_report, load_measurements, load_prices
from slmwiki.costs.calculator import calculator_data
from slmwiki.costs.report import break_even_cell, euros, verdict

DATA = load_prices()
MEASUREMENTS = load_measurements()
PARAMS = calculator_data(DATA, MEASUREMENTS)
SCENARIO = PARAMS["default_scenario"]
REPORT = cost_report(SCENARIO, prices=DATA, measurements=MEASUREMENTS)


def _german(value: float) -> str:
    """Deutsch mit Tausenderpunkt, ohne überflüssige Nachkommastellen (wie der Rechner im Browser)."""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _text_input(name: str, label: str, value: float | str, hint: str) -> str:
    shown = value if isinstance(value, str) else _german(value)
    return (
        f'<div class="kr-feld"><label for="kr-{name}">{label}</label>'
        f'<input type="text" inputmode="decimal" id="kr-{name}" name="{name}" value="{shown}" '
        f'aria-describedby="kr-{name}-hinweis kr-{name}-fehler" autocomplete="off">'
        f'<small id="kr-{name}-hinweis">{hint}</small>'
        f'<small id="kr-{name}-fehler" class="kr-fehler" aria-live="polite"></small></div>'
    )


def _select(name: str, label: str, options: dict[str, str], selected: str) -> str:
    items = "".join(
        f'<option value="{html.escape(k)}"{" selected" if k == selected else ""}>{html.escape(v)}</option>'
        for k, v in options.items()
    )
    return f'<div class="kr-feld"><label for="kr-{name}">{label}</label><select id="kr-{name}" name="{name}">{items}</select></div>'


s = DATA.scenario(SCENARIO)
op = PARAMS["operation"]
form = "".join(
    [
        "<fieldset><legend>Last</legend>",
        _select(
            "scenario", "Ausgangslage", {k: v["label"] for k, v in PARAMS["scenarios"].items()}, SCENARIO
        ),
        _text_input("requests_per_day", "Anfragen je Tag", s.requests_per_day, "z. B. 1.500"),
        _text_input(
            "days_per_month", "Tage mit Last je Monat", s.days_per_month, "21 Arbeitstage, 30,4 = jeden Tag"
        ),
        _text_input(
            "input_tokens", "Eingabe-Tokens je Anfrage", s.input_tokens, "Frage und mitgeschickte Dokumente"
        ),
        _text_input("output_tokens", "Ausgabe-Tokens je Anfrage", s.output_tokens, "Länge der Antwort"),
        _text_input(
            "peak_hours",
            "Stunden je Tag mit Last",
            s.peak_hours,
            "auf so viele Stunden verteilen sich die Anfragen",
        ),
        "</fieldset><fieldset><legend>Modell und Betrieb</legend>",
        _select("model", "Modell", PARAMS["models"], s.model),
        _select(
            "batch",
            "Gleichzeitige Anfragen (Batch)",
            {str(b): str(b) for b in PARAMS["batches"]},
            str(s.batch),
        ),
        _text_input(
            "electricity_ct_per_kwh",
            "Strompreis in ct/kWh (netto)",
            op["electricity_ct_per_kwh"],
            "Gewerbestrom mit Stromsteuer",
        ),
        _text_input("pue", "PUE (Kühlung, USV)", op["pue"], "1 = keine Verluste"),
        _text_input(
            "staff_fte", "Personal in Vollzeitstellen", op["staff_fte"], "z. B. 0,1 = vier Stunden je Woche"
        ),
        _text_input(
            "staff_eur_per_year",
            "Kosten einer Vollzeitstelle in €/Jahr",
            op["staff_eur_per_year"],
            "Arbeitgeberkosten",
        ),
        _text_input(
            "purchase_eur",
            "Eigener Kaufpreis je Server in € (netto)",
            "",
            "leer = Preis laut Quelle, sonst für alle Karten",
        ),
        '<div class="kr-feld kr-haken"><input type="checkbox" id="kr-redundancy" name="redundancy"'
        + (" checked" if s.redundancy else "")
        + '><label for="kr-redundancy">Zweiter Server als Ausfallreserve</label></div>',
        '<div class="kr-feld kr-haken"><input type="checkbox" id="kr-eu_only" name="eu_only">'
        '<label for="kr-eu_only">Nur APIs mit Verarbeitung in der EU vergleichen</label></div>',
        "</fieldset>",
    ]
)

rows = []
for o in REPORT.evaluation.options:
    gpus = "–" if o.gpus is None else str(o.gpus)
    monthly = euros(o.monthly_eur)
    be = break_even_cell(o)
    cells = (
        f'<td data-field="gpus">{gpus}</td><td data-field="monthly">{monthly}</td>'
        f'<td data-field="break-even">{be}</td>'
    )
    label = html.escape(o.label) + (" <small>(abgeleitet)</small>" if o.derived else "")
    rows.append(f'<tr data-key="{o.key}"><th scope="row">{label}</th><td>{o.kind}</td>{cells}</tr>')

payload = json.dumps(PARAMS, ensure_ascii=False).replace("</", "<\\/")
STYLE = (
    "<style>.kostenrechner fieldset{border:1px solid var(--md-default-fg-color--lighter);margin:0 0 1em;"
    "padding:.5em 1em;display:grid;grid-template-columns:repeat(auto-fill,minmax(14em,1fr));gap:.6em 1.2em}"
    ".kostenrechner legend{font-weight:700;padding:0 .3em}.kr-feld{display:flex;flex-direction:column}"
    ".kr-feld input[type=text],.kr-feld select{font:inherit;padding:.25em .4em;color:var(--md-default-fg-color);"
    "background:var(--md-default-bg-color);border:1px solid var(--md-default-fg-color--light);border-radius:.2em}"
    ".kr-feld small{color:var(--md-default-fg-color)}.kr-feld .kr-fehler{font-weight:700}"
    ".kr-feld input[aria-invalid=true]{border-color:#d32f2f;border-width:3px}"
    ".kr-feld input:focus-visible,.kr-feld select:focus-visible{outline:2px solid var(--md-accent-fg-color)}"
    ".kr-feld.kr-haken{flex-direction:row;align-items:center;gap:.5em}.kr-fazit{font-weight:700}</style>"
)
print(
    STYLE + '<div class="kostenrechner" data-kostenrechner>'
    f'<script type="application/json" class="kostenrechner-daten">{payload}</script>'
    f'<form class="kr-formular" novalidate aria-label="Eingaben des Kostenrechners">{form}</form>'
    '<p class="kr-status" data-field="status" aria-live="polite">'
    "Ohne JavaScript zeigt die Tabelle die Werte der voreingestellten Ausgangslage.</p>"
    '<div class="md-typeset__scrollwrap kr-ergebnis"><div class="md-typeset__table"><table>'
    "<caption>Kosten je Monat und Break-even gegenüber der günstigsten API</caption>"
    '<thead><tr><th scope="col">Option</th><th scope="col">Art</th><th scope="col">GPUs</th>'
    '<th scope="col">Kosten je Monat</th><th scope="col">Break-even</th></tr></thead>'
    f"<tbody>{''.join(rows)}</tbody></table></div></div>"
    f'<p class="kr-fazit" data-field="verdict" aria-live="polite">{html.escape(verdict(REPORT.evaluation).split(". ")[0])}.</p>'
    "</div>"
)
