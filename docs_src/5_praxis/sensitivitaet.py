"""Tabellen zur Sensitivität: Volumen, Auslastung, Strompreis und Durchsatz (Kapitel 5, Wirtschaftlichkeit).

Das Skript definiert nur Funktionen; jeder Block der Seite ruft eine davon auf. Die variierten Werte sind
Rechenvarianten, keine Messungen; die Strompreise stammen mit Quelle aus `data/prices.yaml`.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from slmwiki.costs import (
    ApiPricing,
    CloudGPU,
    OwnHardware,
    break_even_volume,
    capacity_tokens,
    cost_per_million,
    evaluate,
    load_prices,
    sensitivity,
)
from slmwiki.formatting import eur, number, percent

DATA = load_prices()
SCENARIOS = DATA.default_scenarios()
OWN = next(s for s in SCENARIOS if isinstance(s, OwnHardware))
VOLUME = DATA.assumption("example_tokens_per_month")


def volume_table() -> None:
    """Kosten je Monat aller Optionen für mehrere Volumina."""
    volumes = [
        Decimal(10) ** 6,
        Decimal(10) ** 7,
        VOLUME,
        Decimal(10) ** 8,
        Decimal(25) * 10**7,
        Decimal(10) ** 9,
    ]
    print("| Tokens je Monat | " + " | ".join(s.label for s in SCENARIOS) + " |")
    print("|---:|" + "---:|" * len(SCENARIOS))
    for volume in sorted(set(volumes)):
        cells = []
        for scenario in SCENARIOS:
            row = evaluate(scenario, volume)
            cells.append(eur(row.monthly_eur) if row.feasible else "über Kapazität")
        print(f"| {number(volume)} | " + " | ".join(cells) + " |")


def utilisation_table() -> None:
    """Kosten je 1 Mio. Tokens der eigenen Hardware bei voller Nutzung der erreichbaren Kapazität."""
    shares = [0.1, 0.25, 0.5, 0.75, 1.0]
    print("| Auslastung | Kapazität (Tokens je Monat) | Kosten je Monat | je 1 Mio. Tokens |")
    print("|---:|---:|---:|---:|")
    for point, share in zip(sensitivity(OWN, "utilisation", shares), shares, strict=True):
        capacity = capacity_tokens(dataclasses.replace(OWN, utilisation=share))
        print(
            f"| {percent(share, 0)} | {number(capacity)} | {eur(point.monthly_eur)} | {eur(point.per_million_eur)} |"
        )


def electricity_table() -> None:
    """Kosten der eigenen Hardware beim Beispielvolumen für jeden Strompreis der Preisdatei."""
    prices = sorted(DATA.electricity.values(), key=lambda p: p.ct_per_kwh)
    points = sensitivity(
        OWN, "electricity_ct_per_kwh", [p.ct_per_kwh for p in prices], tokens_per_month=VOLUME
    )
    print("| Strompreis | ct/kWh | Stand | geprüft | Kosten je Monat | je 1 Mio. Tokens |")
    print("|---|---:|---|---|---:|---:|")
    for price, point in zip(prices, points, strict=True):
        checked = "ja" if price.source.verified else "nein"
        print(
            f"| {price.label} | {number(price.ct_per_kwh, 2)} | {price.source.as_of_german} | {checked} | "
            f"{eur(point.monthly_eur)} | {eur(point.per_million_eur)} |"
        )


def _cheapest_api() -> ApiPricing:
    apis = [s for s in SCENARIOS if isinstance(s, ApiPricing)]
    return min(apis, key=cost_per_million)


def throughput_table() -> None:
    """Durchsatz-Varianten (Vielfache der Annahme) für eigene Hardware und Cloud-GPU, mit Break-even."""
    cheapest = _cheapest_api()
    clouds = [s for s in SCENARIOS if isinstance(s, CloudGPU)]
    factors = [1, 2, 5, 10, 25]
    head = (
        "| Faktor | Tokens/s | eigene Hardware je Monat | eigene Hardware je 1 Mio. Tokens | Break-even gegenüber "
        + cheapest.label
    )
    if clouds:
        head += f" | {clouds[0].label} je Monat"
    print(head + " |")
    print("|---:|---:|---:|---:|---|" + ("---:|" if clouds else ""))
    first_hit = None
    for factor in factors:
        own = dataclasses.replace(OWN, tokens_per_s=OWN.tokens_per_s * factor)
        row = evaluate(own, VOLUME)
        result = break_even_volume(own, cheapest)
        if result.volume is not None:
            verdict = f"{number(result.volume)} Tokens/Monat"
            first_hit = first_hit or (factor, own.tokens_per_s, result.volume)
        else:
            verdict = (
                "keiner ("
                + (
                    "API überall günstiger"
                    if result.cheaper_below == cheapest.label
                    else "eigene Hardware überall günstiger"
                )
                + ")"
            )
        monthly = eur(row.monthly_eur) if row.feasible else "über Kapazität"
        per_million = eur(row.per_million_eur) if row.feasible else "–"
        line = f"| {factor} × | {number(own.tokens_per_s)} | {monthly} | {per_million} | {verdict}"
        if clouds:
            cloud = dataclasses.replace(clouds[0], tokens_per_s=clouds[0].tokens_per_s * factor)
            line += f" | {eur(evaluate(cloud, VOLUME).monthly_eur)}"
        print(line + " |")
    print()
    if first_hit is None:
        print(
            f"In keiner dieser Varianten erreicht die eigene Hardware einen Break-even gegenüber „{cheapest.label}“: "
            "Schon der Strom je Token ist teurer als der Preis der API."
        )
    else:
        factor, tokens_per_s, volume = first_hit
        print(
            f"Erst ab dem {factor}-fachen des angenommenen Durchsatzes ({number(tokens_per_s)} Tokens/s) hat die "
            f"eigene Hardware gegenüber der günstigsten API „{cheapest.label}“ einen Break-even: bei "
            f"{number(volume)} Tokens je Monat."
        )
