"""Abbildung: Benchmarks kleiner Modelle aus Tabelle 20 des Qwen3 Technical Report (arXiv:2505.09388).

Alle Werte stammen aus genau dieser einen Tabelle (Post-Training, Non-Thinking-Modus); die Tests prüfen,
dass sie mit der Markdown-Tabelle auf der Vergleichsseite übereinstimmen.
"""

from __future__ import annotations

from slmwiki.figures import german_ticks, new_figure, to_svg

SOURCE = "Qwen3 Technical Report, Tabelle 20"
BENCHMARKS = ["MMLU-Redux", "GPQA-Diamond", "IFEval (strict prompt)", "MATH-500", "BFCL v3"]
#: Modell → Werte in der Reihenfolge von BENCHMARKS (Auszug: nur Modelle der drei Familien des Kapitels).
SCORES = {
    "Gemma-3-1B-IT": [33.3, 19.2, 54.5, 46.4, 16.3],
    "Phi-4-mini": [67.9, 25.2, 68.6, 67.6, 31.3],
    "Qwen3-0.6B": [44.6, 22.9, 54.5, 55.2, 44.1],
    "Qwen3-1.7B": [64.4, 28.6, 68.2, 73.0, 52.2],
}

fig, ax = new_figure(7.5, 3.6)
width = 0.8 / len(SCORES)
for offset, (model, values) in enumerate(SCORES.items()):
    positions = [i + (offset - (len(SCORES) - 1) / 2) * width for i in range(len(BENCHMARKS))]
    ax.bar(positions, values, width=width * 0.95, label=model)
ax.set_xticks(range(len(BENCHMARKS)), [b.replace(" (", "\n(") for b in BENCHMARKS])
ax.set_ylabel("Ergebnis")
ax.set_ylim(0, 100)
german_ticks(ax, "y")
ax.legend(frameon=False, ncol=4, loc="upper center", bbox_to_anchor=(0.5, 1.12))
ax.text(1.0, -0.22, f"Quelle: {SOURCE}", transform=ax.transAxes, ha="right", fontsize=8, color="0.35")
print(to_svg(fig, f"Balkendiagramm: Benchmarks von Gemma-3-1B-IT, Phi-4-mini und Qwen3 laut {SOURCE}"))
