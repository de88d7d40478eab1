"""Abbildung: trainierbare LoRA-Parameter (alle linearen Schichten) in Abhängigkeit vom Rang r."""

from __future__ import annotations

from matplotlib.ticker import FixedLocator, FuncFormatter

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.formatting import number
from slmwiki.lora import count_lora_parameters
from slmwiki.models import get_spec

MODELS = ["smollm2-135m", "gemma-3-1b", "qwen3-1.7b", "qwen3-4b", "phi-4-mini", "qwen3-8b"]
RANKS = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def millions(value: float, _pos: int | None = None) -> str:
    """Achsenbeschriftung in Millionen mit deutschem Dezimalkomma."""
    return number(value / 1e6, 0 if value >= 1e6 else 2)


fig, ax = new_figure(7.0, 4.0)
for color, name in zip(PALETTE, MODELS, strict=False):
    counts = [count_lora_parameters(get_spec(name), r, "all-linear") for r in RANKS]
    ax.plot(RANKS, counts, marker="o", markersize=3.5, linewidth=1.6, color=color, label=name)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.xaxis.set_major_locator(FixedLocator(RANKS))
ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))
ax.xaxis.set_minor_locator(FixedLocator([]))
ax.yaxis.set_major_formatter(FuncFormatter(millions))
ax.set_xlabel("LoRA-Rang r (logarithmische Achse)")
ax.set_ylabel("trainierbare Parameter in Millionen")
ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
ax.legend(loc="upper left", fontsize=8, frameon=False)
print(
    to_svg(
        fig,
        "Liniendiagramm: Zahl der trainierbaren LoRA-Parameter an allen linearen Schichten wächst linear mit dem "
        "Rang r, für sechs Modelle von SmolLM2-135M bis Qwen3-8B",
    )
)
