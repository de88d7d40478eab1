"""Abbildung: Kosten je Monat über dem Volumen, mit Break-even-Punkten und Kapazitätsgrenze (Kapitel 5).

Die Kurven sind die affinen Kostenfunktionen aus `slmwiki.costs.cost_line`; die Punkte sind die Break-even-Volumina
der eigenen Hardware gegenüber jeder anderen Option (`break_even_volume`). Beide Achsen sind logarithmisch.
"""

from __future__ import annotations

from decimal import Decimal

from matplotlib.ticker import NullFormatter

from slmwiki.costs import OwnHardware, break_even_volume, cost_line, load_prices
from slmwiki.figures import german_ticks, new_figure, to_svg

data = load_prices()
scenarios = data.default_scenarios()
volumes = [Decimal(10) ** (Decimal(6) + Decimal(3) * i / 60) for i in range(61)]  # 1 Mio. bis 1 Mrd.

fig, ax = new_figure(7.5, 4.4)
styles = {"Eigene Hardware": "-", "Cloud-GPU": "--", "API": ":"}
own = next(s for s in scenarios if isinstance(s, OwnHardware))
for scenario in scenarios:
    line = cost_line(scenario)
    cap = line.capacity_tokens
    xs = [v for v in volumes if cap is None or v <= cap]
    if cap is not None and cap < volumes[-1]:
        xs.append(cap)
    ax.plot(
        [float(v) / 1e6 for v in xs],
        [float(line.at(v)) for v in xs],
        linestyle=styles[scenario.kind],
        linewidth=1.8,
        label=f"{scenario.label}",
    )
    if cap is not None and cap < volumes[-1]:
        ax.plot(float(cap) / 1e6, float(line.at(cap)), marker="|", markersize=14, color="black")
        ax.annotate(
            "Kapazitätsgrenze",
            (float(cap) / 1e6, float(line.at(cap))),
            textcoords="offset points",
            xytext=(6, -12),
            fontsize=8,
        )
own_line = cost_line(own)
for other in scenarios:
    if other is own:
        continue
    result = break_even_volume(own, other)
    if result.volume is not None:
        ax.plot(
            float(result.volume) / 1e6, float(own_line.at(result.volume)), "o", color="black", markersize=5
        )
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("Volumen in Mio. Tokens je Monat")
ax.set_ylabel("Kosten in € je Monat")
german_ticks(ax)
ax.xaxis.set_minor_formatter(NullFormatter())
ax.yaxis.set_minor_formatter(NullFormatter())
ax.legend(frameon=False, fontsize=8, loc="upper left")
print(
    to_svg(
        fig,
        "Monatliche Kosten von eigener Hardware, Cloud-GPU und APIs über dem Volumen; Punkte markieren die "
        "Break-even-Volumina der eigenen Hardware",
    )
)
