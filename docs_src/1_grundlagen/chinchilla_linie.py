"""Abbildung: Chinchilla-optimale Modellgröße über dem Rechenbudget, dazu reale Modelle (C ≈ 6·N·D)."""

from __future__ import annotations

import runpy

from matplotlib.ticker import LogFormatterMathtext

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.formatting import number

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
table = data["CHINCHILLA_TABLE3"]
k, a = data["fit_power_law"]([row.flops for row in table], [row.params for row in table])

fig, ax = new_figure(7.0, 4.4)
c_line = [1e19, 1e27]
ax.plot(
    c_line,
    [k * c**a for c in c_line],
    color=PALETTE[2],
    linewidth=1.2,
    linestyle="--",
    label=rf"Anpassung an Tabelle 3: $N \propto C^{{{number(a, 2).replace(',', '{,}')}}}$",
)
ax.plot(
    [row.flops for row in table],
    [row.params for row in table],
    "o",
    color=PALETTE[2],
    label="Chinchilla-optimal (Hoffmann et al. 2022, Tab. 3)",
)

#: Modelle in der Abbildung (alle übrigen stehen in der Tabelle) und die Lage ihrer Beschriftung in Punkten.
LABELS = {
    "GPT-3": (-36, -3),
    "Gopher": (-44, 3),
    "Chinchilla": (7, -4),
    "Llama 3.1 405B": (7, -4),
    "Llama 3 8B": (7, 2),
    "Qwen3-4B": (7, -7),
    "Phi-4-mini": (-52, -3),
    "Qwen3-0.6B": (7, -3),
    "Gemma 3 1B": (-56, -3),
    "Gemma 3 270M": (-66, -3),
}
for run in data["TRAINING_RUNS"]:
    if run.name not in LABELS:
        continue
    flops = data["training_flops"](run.params, run.tokens)
    color = PALETTE[1] if run.kind == "LLM" else PALETTE[0]
    ax.plot([flops], [run.params], "s" if run.kind == "LLM" else "^", color=color, markersize=5)
    ax.annotate(
        run.name,
        (flops, run.params),
        textcoords="offset points",
        xytext=LABELS[run.name],
        fontsize=7.5,
        color=color,
    )
ax.plot([], [], "s", color=PALETTE[1], label="große Modelle, C = 6·N·D")
ax.plot([], [], "^", color=PALETTE[0], label="kleine Modelle, C = 6·N·D")
ax.set_xscale("log")
ax.set_yscale("log")
ax.xaxis.set_major_formatter(LogFormatterMathtext())
ax.yaxis.set_major_formatter(LogFormatterMathtext())
ax.set_xlim(1e19, 1e27)
ax.set_ylim(1e8, 3e12)
ax.set_xlabel("Rechenbudget C für das Training (FLOPs)")
ax.set_ylabel("Parameter N")
ax.legend(loc="upper left", fontsize=7.5, frameon=False)
ax.grid(True, which="major", linewidth=0.3, alpha=0.5)
print(
    to_svg(
        fig,
        "Doppelt logarithmisches Diagramm: Chinchilla-optimale Modellgröße über dem Rechenbudget und die Lage realer Modelle darunter",
    )
)
