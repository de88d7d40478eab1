"""Abbildung: Trainings-Tokens pro Parameter auf logarithmischer Achse, berechnet beim Bauen der Seite."""

from __future__ import annotations

import runpy

from matplotlib.ticker import FuncFormatter

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.formatting import number

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
runs = sorted(data["TRAINING_RUNS"], key=lambda r: data["tokens_per_param"](r.params, r.tokens))
ratios = [data["tokens_per_param"](r.params, r.tokens) for r in runs]
rule = data["CHINCHILLA_TOKENS_PER_PARAM"]

fig, ax = new_figure(7.0, 4.6)
colors = [PALETTE[1] if r.kind == "LLM" else PALETTE[0] for r in runs]
ax.barh([r.name for r in runs], ratios, color=colors)
ax.set_xscale("log")
ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, 0) if v >= 1 else number(v, 1)))
ax.axvline(rule, color=PALETTE[2], linestyle="--", linewidth=1.2)
ax.text(rule * 1.08, -0.6, "Chinchilla-Faustregel (≈ 20)", color=PALETTE[2], fontsize=8, va="bottom")
for y, (run, ratio) in enumerate(zip(runs, ratios, strict=True)):
    label = ("> " if run.at_least else "") + number(ratio, 0 if ratio >= 10 else 1)
    ax.text(ratio * 1.1, y, label, va="center", fontsize=8)
ax.set_xlim(0.5, max(ratios) * 6)
ax.set_xlabel("Trainings-Tokens pro Parameter (logarithmische Achse)")
ax.legend(
    handles=[
        ax.barh([0], [0], color=PALETTE[1], label="große Modelle (LLM)"),
        ax.barh([0], [0], color=PALETTE[0], label="kleine Modelle (SLM, < 10 Mrd. Parameter)"),
    ],
    loc="lower right",
    bbox_to_anchor=(1.0, 0.14),
    fontsize=8,
    frameon=False,
)
print(
    to_svg(
        fig,
        "Balkendiagramm: Trainings-Tokens pro Parameter für GPT-3, Gopher, Chinchilla, Llama, Gemma, Phi und Qwen3",
    )
)
