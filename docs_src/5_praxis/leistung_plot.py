"""Abbildung der Seite „Leistung“: Token/s je Stufe der Ablationsleiter, beide Modelle (aus den Messdaten)."""

from __future__ import annotations

from slmwiki.figures import german_ticks, new_figure, to_svg
from slmwiki.notebook import benchmark_result

DATA = benchmark_result("gpu_qlora.json")
STEPS = ("A_baseline", "B_fused_ce", "C_sdpa", "D_padding_free", "E_micro_batch", "F_no_gc")
SHORT = ("Basislinie", "+ gest. CE", "+ SDPA", "+ padding-frei", "+ Mikro-Batch", "+ ohne Checkp.")
MODELS = {"gemma-3-1b": "Gemma 3 1B", "gemma-3-4b": "Gemma 3 4B"}

fig, ax = new_figure(7.0, 3.8)
width = 0.38
for offset, (model, label) in zip((-width / 2, width / 2), MODELS.items(), strict=True):
    runs = DATA["models"][model]["experiments"]
    values = [runs[s]["tokens_per_s"] if runs.get(s, {}).get("status") == "ok" else 0 for s in STEPS]
    ax.barh([i + offset for i in range(len(STEPS))], values, height=width, label=label)
ax.set_yticks(range(len(STEPS)), SHORT)
ax.invert_yaxis()
ax.set_xscale("log")
ax.set_xlabel(
    f"Token pro Sekunde (echte Token, {DATA['models']['gemma-3-1b']['gpu']['name']}, logarithmisch)"
)
german_ticks(ax, "x")
ax.legend(loc="lower right")
print(to_svg(fig, "Token pro Sekunde je Stufe der Ablationsleiter für Gemma 3 1B und 4B"))
