"""Abbildung: KV-Cache-Größe über der Kontextlänge je Attention-Variante, berechnet mit slmwiki.attention."""

from __future__ import annotations

import runpy

from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.formatting import number

data = runpy.run_path("docs_src/3_architektur/kv_varianten.py")

#: Welche Varianten die Abbildung zeigt: (Modell, Beschriftungsanfang) → Farbe.
SHOWN = {
    ("Qwen3-4B", "MHA"): PALETTE[1],
    ("Qwen3-4B", "GQA"): PALETTE[1],
    ("Phi-4-mini", "GQA"): PALETTE[3],
    ("Gemma 3 4B", "GQA 8/4 + SWA"): PALETTE[0],
    ("Gemma 3 4B", "GQA 8/4"): PALETTE[0],
    ("Gemma 3 1B", "MQA 4/1 + SWA"): PALETTE[2],
}

tokens = sorted(
    {int(2 ** (k / 4)) for k in range(36, 69)}
)  # 512 … 131.072 Tokens, vier Punkte je Verdopplung
fig, ax = new_figure(7.0, 4.4)
drawn: set[tuple[str, str]] = set()
for variant in data["variants"]():
    key = next((k for k in SHOWN if k[0] == variant.model and variant.label.startswith(k[1])), None)
    if key is None or key in drawn:
        continue
    if key == ("Gemma 3 4B", "GQA 8/4") and "SWA" in variant.label:
        continue
    drawn.add(key)
    xs = [t for t in tokens if t <= variant.spec.max_context]
    ys = [data["cache_bytes"](variant.spec, t) / 2**30 for t in xs]
    style = "--" if variant.hypothetical else "-"
    suffix = " (hypothetisch)" if variant.hypothetical else ""
    ax.plot(xs, ys, style, color=SHOWN[key], linewidth=1.6, label=f"{variant.model}: {variant.label}{suffix}")

ax.set_xscale("log", base=2)
ax.set_yscale("log")
ticks = [512, 2048, 8192, 32768, 131072]
ax.xaxis.set_major_locator(FixedLocator(ticks))
ax.xaxis.set_minor_locator(NullLocator())
ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, 0)))
ax.yaxis.set_major_formatter(
    FuncFormatter(lambda v, _pos: number(v, 0) if v >= 1 else number(v, 3).rstrip("0"))
)
ax.set_xlabel("Kontextlänge in Tokens (logarithmische Achse)")
ax.set_ylabel("KV-Cache in GiB (bf16, Batch 1)")
ax.grid(True, which="major", linewidth=0.3, alpha=0.5)
ax.legend(loc="upper left", fontsize=7.5, frameon=False)
print(
    to_svg(
        fig,
        "Liniendiagramm: Größe des KV-Caches über der Kontextlänge für MHA, GQA, MQA und Sliding-Window-Attention",
    )
)
