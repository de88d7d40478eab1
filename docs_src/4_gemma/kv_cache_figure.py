"""Abbildung: KV-Cache über der Kontextlänge (Kapitel 4, Vergleichsseite, Abschnitt KV-Cache).

Berechnet mit `slmwiki.attention.kv_cache_bytes` (bf16, Batch 1, Anordnung „static“) bis zur vom Hersteller
angegebenen Kontextlänge jedes Modells.
"""

from __future__ import annotations

from slmwiki.attention import kv_cache_bytes
from slmwiki.figures import german_ticks, new_figure, to_svg
from slmwiki.models import get_spec

MODELS = {
    "Gemma 3 1B": "gemma-3-1b",
    "Gemma 3 4B": "gemma-3-4b",
    "Phi-4-mini": "phi-4-mini",
    "Qwen3-1.7B": "qwen3-1.7b",
    "Qwen3-4B": "qwen3-4b",
}
LENGTHS = sorted({256 * 2**k for k in range(10)} | {512, 1024, 1536, 3072, 6144, 12288, 24576, 49152, 98304})

fig, ax = new_figure(7.0, 3.8)
for label, name in MODELS.items():
    spec = get_spec(name)
    xs = [n for n in LENGTHS if n <= spec.max_context]
    ys = [kv_cache_bytes(spec, n, bytes_per_element=2, layout="static") / 2**30 for n in xs]
    style = "-" if spec.sliding_window else "--"
    ax.plot(xs, ys, style, label=label, linewidth=1.8)
ax.set_xscale("log", base=2)
ax.set_xticks([1024, 4096, 16384, 65536, 131072], ["1K", "4K", "16K", "64K", "128K"])
ax.set_yscale("log")
ax.set_yticks([0.01, 0.1, 1, 10])
ax.set_xlabel("Kontextlänge in Token (logarithmisch)")
ax.set_ylabel("KV-Cache in GiB (bf16, logarithmisch)")
german_ticks(ax, "y")
ax.minorticks_off()
ax.legend(frameon=False)
print(to_svg(fig, "KV-Cache in GiB über der Kontextlänge für Gemma 3, Phi-4-mini und Qwen3"))
