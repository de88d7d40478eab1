"""Abbildung: Softmax mit Temperatur – wie ein Lehrermodell bei höherem T „weichere“ Zielverteilungen liefert."""

from __future__ import annotations

import math

from slmwiki.figures import PALETTE, german_ticks, new_figure, to_svg

#: Ausgedachte Beispiel-Logits eines Lehrermodells für das nächste Wort nach „Der Hund jagt die …“.
TOKENS = ["Katze", "Maus", "Ente", "Post", "Wolke"]
LOGITS = [5.0, 3.5, 2.5, 0.5, -1.0]
TEMPERATURES = [1.0, 2.0, 5.0]


def softmax(logits: list[float], temperature: float) -> list[float]:
    """Softmax mit Temperatur: q_i = exp(z_i / T) / Σ_j exp(z_j / T), numerisch stabil."""
    scaled = [z / temperature for z in logits]
    top = max(scaled)
    weights = [math.exp(z - top) for z in scaled]
    total = sum(weights)
    return [w / total for w in weights]


fig, ax = new_figure(7.0, 3.4)
width = 0.8 / len(TEMPERATURES)
for k, temperature in enumerate(TEMPERATURES):
    probs = softmax(LOGITS, temperature)
    xs = [i + (k - (len(TEMPERATURES) - 1) / 2) * width for i in range(len(TOKENS))]
    label = f"T = {temperature:g}".replace(".", ",")
    ax.bar(xs, probs, width=width * 0.95, color=PALETTE[k], label=label)
ax.set_xticks(range(len(TOKENS)))
ax.set_xticklabels([f"„{t}“" for t in TOKENS])
ax.set_ylabel("Wahrscheinlichkeit")
ax.set_ylim(0, 1)
german_ticks(ax, "y")
ax.legend(frameon=False, fontsize=8, title="Temperatur", title_fontsize=8)
print(
    to_svg(
        fig,
        "Balkendiagramm: Softmax-Verteilung eines Lehrermodells über fünf Wörter bei den Temperaturen 1, 2 und 5",
    )
)
