"""Tabelle: Break-even der eigenen Hardware gegenüber jeder anderen Option (Kapitel 5, Wirtschaftlichkeit)."""

from __future__ import annotations

from slmwiki.costs import OwnHardware, break_even_volume, load_prices
from slmwiki.formatting import number

data = load_prices()
scenarios = data.default_scenarios()
own = next(s for s in scenarios if isinstance(s, OwnHardware))

print(f"| {own.label} gegenüber … | Break-even (Tokens je Monat) | günstiger darunter | günstiger darüber |")
print("|---|---:|---|---|")
for other in scenarios:
    if other is own:
        continue
    result = break_even_volume(own, other)
    if result.volume is not None:
        cells = (number(result.volume), result.cheaper_below, result.cheaper_above)
    elif result.unreachable_volume is not None:
        cells = (
            f"erst bei {number(result.unreachable_volume)}, jenseits der Kapazität",
            f"{result.cheaper_below} (bis zur Kapazitätsgrenze)",
            "–",
        )
    elif result.cheaper_below is not None:
        cells = ("keiner", f"{result.cheaper_below} (bei jedem Volumen)", "–")
    else:
        cells = ("keiner", "beide gleich teuer", "–")
    print(f"| {other.label} | " + " | ".join(str(c) for c in cells) + " |")
