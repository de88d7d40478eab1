"""Tabelle: Kosten je Monat und je 1 Mio. Tokens beim Beispielvolumen (Kapitel 5, Wirtschaftlichkeit).

Alle Zahlen berechnet `slmwiki.costs` beim Bauen der Seite aus `data/prices.yaml`; das Fazit ist derselbe Satz,
den `slmwiki costs` ausgibt.
"""

from __future__ import annotations

from slmwiki.costs import compare, load_prices
from slmwiki.formatting import eur, number

data = load_prices()
volume = data.assumption("example_tokens_per_month")
model = data.defaults["model"]
result = compare(data.default_scenarios(model), volume)

print(
    f"Beispielvolumen: **{number(volume)} Tokens je Monat**, Modell {data.models[model]}, "
    "alle weiteren Annahmen wie im Abschnitt „Annahmen und Quellen“ weiter unten.\n"
)
print("| Option | Art | Kosten je Monat | je 1 Mio. Tokens | Hinweis |")
print("|---|---|---:|---:|---|")
for row in result.rows:
    monthly = eur(row.monthly_eur) if row.monthly_eur is not None else "–"
    per_million = eur(row.per_million_eur) if row.per_million_eur is not None else "–"
    print(f"| {row.label} | {row.kind} | {monthly} | {per_million} | {row.note} |")
print()
print('!!! note "Kernaussage bei diesem Volumen"')
print()
print(f"    {result.verdict.removeprefix('Fazit: ')}")
