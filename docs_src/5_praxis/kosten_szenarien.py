"""Zusammenfassung und Szenario-Tabellen der Seite „Wirtschaftlichkeit“ (Kapitel 5), berechnet mit slmwiki.costs.

Das Skript definiert Funktionen; jeder Block der Seite ruft eine davon auf. Alle Zahlen stammen aus
`slmwiki.costs` (Preisdatei und Durchsatzmessung), gerundet erst bei der Ausgabe.
"""

from __future__ import annotations

import math

from slmwiki.costs import cost_report, load_measurements, load_prices
from slmwiki.costs.model import break_even_own, break_even_rental, max_purchase_price
from slmwiki.costs.report import euros, rounded
from slmwiki.costs.scenarios import KIND_API, KIND_CLOUD, KIND_OWN, api_for, node_for, rental_for
from slmwiki.formatting import number

DATA = load_prices()
MEASUREMENTS = load_measurements()
REPORTS = {name: cost_report(name, prices=DATA, measurements=MEASUREMENTS) for name in DATA.scenarios}
EU_APIS = [name for name, api in DATA.apis.items() if api.region.startswith("EU")]


def _about(value: float) -> str:
    """Auf zwei gültige Ziffern gerundet, z. B. 12.345 → „12.000“."""
    if value <= 0:
        return number(0)
    digits = 2 - 1 - int(math.floor(math.log10(value)))
    return number(rounded(round(value, digits)))


def _own(report):
    priced = [o for o in report.evaluation.options if o.kind == KIND_OWN and o.monthly_eur is not None]
    return min(priced, key=lambda o: o.monthly_eur)


def _eu_api(report):
    apis = [o for o in report.evaluation.options if o.kind == KIND_API and o.key.split(":", 1)[1] in EU_APIS]
    return min(apis, key=lambda o: o.monthly_eur)


def _best(report):
    return min(
        (o for o in report.evaluation.options if o.monthly_eur is not None), key=lambda o: o.monthly_eur
    )


def summary() -> None:
    """Die Antwort für die Geschäftsleitung in einem Absatz, aus den drei Szenarien berechnet."""
    parts = []
    for name, report in REPORTS.items():
        best, own, eu = _best(report), _own(report), _eu_api(report)
        parts.append(
            f"{DATA.scenario(name).label}: günstigste Option {best.label} mit rund {euros(best.monthly_eur)}, "
            f"EU-gehostete API ab {euros(eu.monthly_eur)}, eigener Server ({own.gpus} × {own.label.split(' (')[0]}) "
            f"rund {euros(own.monthly_eur)} je Monat"
        )
    api_wins = all(_best(r).kind == KIND_API for r in REPORTS.values())
    staff = DATA.assumption("staff_fte") * DATA.assumption("staff_eur_per_year") / 12
    print('!!! abstract "Die Antwort in einem Absatz"')
    print()
    if api_wins:
        lead = (
            "In allen drei Szenarien ist eine API je Token am günstigsten – auch eine in der EU betriebene, die "
            "offene Modelle anbietet. "
        )
    else:
        lead = "Welche Option am günstigsten ist, hängt vom Volumen ab. "
    print(
        "    "
        + lead
        + "; ".join(parts)
        + ". Der eigene Server ist mit einer GeForce RTX 5090 gerechnet, der einzigen Karte mit belegtem Preis; "
        "deren Treiberlizenz schließt Rechenzentren aus, eine Rechenzentrumskarte kostet mehr. "
        "Eigene Hardware kostet vor allem Fixkosten: Personal (angesetzt "
        + euros(staff)
        + " je Monat), Abschreibung von Server und Grafikkarte und den Strom im Leerlauf; der Strom für die "
        "eigentliche Rechenarbeit fällt kaum ins Gewicht. Ein kleines Modell auf einer GPU bedient dabei schon "
        "Tausende Anfragen am Tag. Den Ausschlag gibt deshalb selten der Preis, sondern wo die Daten verarbeitet "
        "werden dürfen: Dürfen Patientendaten oder Kundendaten Ihr Haus nicht verlassen, ist der eigene Server die "
        "Option – und die Beträge oben sind der Preis dafür. Dürfen sie in einem Rechenzentrum in der EU "
        "verarbeitet werden, ist eine EU-gehostete API die günstigste Lösung. Ein Modell bei einem Anbieter "
        "außerhalb der EU kommt für solche Daten meist gar nicht in Betracht, so günstig es ist."
    )


def _when(requests: float | None) -> str:
    return "bei keinem Volumen" if requests is None else f"ab rund {_about(requests)} Anfragen je Tag"


def scenario(name: str) -> None:
    """Tabelle eines Szenarios: Kosten je Monat aller Optionen; Break-even gegenüber der günstigsten EU-API."""
    report = REPORTS[name]
    spec = DATA.scenario(name)
    s = report.evaluation.settings
    w = s.workload
    print(f"{spec.description} {spec.basis}\n")
    print(
        f"Last: {number(w.requests_per_day)} Anfragen je Tag, {number(rounded(w.requests_per_month))} je Monat, "
        f"verteilt auf {number(w.peak_hours)} Stunden am Tag; Modell Gemma 3 "
        f"{s.model.rsplit('-', 1)[1].upper()}, {s.batch} Anfragen gleichzeitig; "
        f"{'mit zweitem Server als Ausfallreserve' if s.redundancy else 'ohne Ausfallreserve'}.\n"
    )
    eu = _eu_api(report)
    eu_price = api_for(DATA, eu.key.split(":", 1)[1])
    print(
        "| Option | Art | GPUs | Kosten je Monat | davon Abschreibung / Strom / Personal | "
        f"günstiger als {eu.label} |"
    )
    print("|---|---|---:|---:|---|---|")
    for o in report.evaluation.options:
        if o.kind == KIND_OWN and o.gpus is None:
            continue
        parts, when, key = "–", "–", o.key.split(":", 1)[1]
        if o.kind == KIND_OWN:
            parts = " / ".join(euros(o.parts[k]) for k in ("abschreibung", "strom", "personal"))
            node, _ = node_for(DATA, MEASUREMENTS, key, s.model, s.batch)
            if o.monthly_eur is None:
                limit = max_purchase_price(w, node, s.operation, s.redundancy, eu.monthly_eur)
                when = (
                    "bei keinem Kaufpreis"
                    if limit is None
                    else f"bei einem Kaufpreis bis rund {euros(limit)} je Server"
                )
            else:
                when = _when(break_even_own(w, node, s.operation, s.redundancy, eu_price))
        elif o.kind == KIND_CLOUD:
            parts = f"Miete {euros(o.parts['miete'])}, Personal {euros(o.parts['personal'])}"
            rental, _ = rental_for(DATA, MEASUREMENTS, key, s.model, s.batch)
            when = _when(break_even_rental(w, rental, s.operation, eu_price))
        label = o.label + (" (Durchsatz abgeleitet)" if o.derived else "")
        note = f" – {o.note}" if o.note else ""
        cost = euros(o.monthly_eur) if o.monthly_eur is not None else "Kaufpreis nicht belegt"
        gpus = "–" if o.gpus is None else str(o.gpus)
        print(f"| {label}{note} | {o.kind} | {gpus} | {cost} | {parts} | {when} |")
    print(
        f"\nVergleichsmaßstab der letzten Spalte ist die günstigste API mit Verarbeitung in der EU ({eu.label}); "
        f"die günstigste API insgesamt ist {report.evaluation.cheapest_api.label}."
    )
