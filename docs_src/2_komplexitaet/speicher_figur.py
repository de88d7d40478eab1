"""Abbildung: gestapelter Speicherbedarf von vollem Fine-Tuning, LoRA und QLoRA für Gemma 3 1B und Qwen3-4B."""

from __future__ import annotations

import runpy

import numpy as np
from matplotlib.ticker import FuncFormatter

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.formatting import number
from slmwiki.memory import GIB

data = runpy.run_path("docs_src/2_komplexitaet/speicher_szenarien.py")
rows = data["scenarios"]()
items = data["ITEMS"]
labels = data["LABELS"]
colors = dict(zip(items, [*PALETTE, "#9ca3af"], strict=True))

fig, ax = new_figure(7.2, 4.4)
names = [f"{model}\n{method}" for model, method, _ in rows]
positions = np.arange(len(rows))[::-1] + np.array([0.4 if i < 3 else 0.0 for i in range(len(rows))])
left = np.zeros(len(rows))
for item in items:
    values = np.array([getattr(breakdown, item) / GIB for _, _, breakdown in rows])
    ax.barh(positions, values, left=left, height=0.7, color=colors[item], label=labels[item], linewidth=0)
    left += values
for y, (_, _, breakdown) in zip(positions, rows, strict=True):
    ax.text(
        breakdown.total / GIB + 0.6, y, f"{number(breakdown.total / GIB, 1)} GiB", va="center", fontsize=8
    )
ax.set_yticks(positions)
ax.set_yticklabels(names, fontsize=8)
ax.set_xlim(0, max(b.total for _, _, b in rows) / GIB * 1.15)
ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, 0)))
ax.set_xlabel("geschätzter Spitzenbedarf in GiB")
ax.legend(loc="lower right", fontsize=7.5, frameon=False)
print(
    to_svg(
        fig,
        "Gestapelte Balken: Speicherbedarf beim Training von Gemma 3 1B und Qwen3-4B, jeweils volles Fine-Tuning, "
        "LoRA und QLoRA, aufgeteilt in Gewichte, LoRA-Parameter, Gradienten, Optimierer, Aktivierungen, Logits und "
        f"CUDA-Kontext ({data['settings_text']()})",
    )
)
