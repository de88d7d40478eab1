"""Abbildung: Obergrenze der Generierungsgeschwindigkeit bei Batchgröße 1 (Kapitel 5, Edge-Deployment).

Beim Generieren muss für jedes neue Token jedes Gewicht einmal aus dem Speicher gelesen werden. Daraus folgt
die Obergrenze Token/s ≤ Speicherbandbreite / Modellgröße in Bytes. Die Bandbreite ist hier die freie
Variable der x-Achse; die Modellgrößen sind die Q4_K_M-Schätzungen (Parameter · 4,89 Bit / 8).
"""

from __future__ import annotations

from slmwiki.figures import german_ticks, new_figure, to_svg
from slmwiki.models import get_spec

MODELS = {
    "Gemma 3 1B": "gemma-3-1b",
    "Qwen3-1.7B": "qwen3-1.7b",
    "Gemma 3 4B (Text)": "gemma-3-4b",
    "Qwen3-4B": "qwen3-4b",
}
Q4_K_M_BPW = 4.89  # llama.cpp tools/quantize/README.md
BANDWIDTHS_GB_S = list(range(25, 1025, 25))


def tokens_per_second_bound(bandwidth_bytes_per_s: float, model_bytes: float) -> float:
    """Obergrenze der Token pro Sekunde: Bandbreite / Modellgröße (beide in Bytes)."""
    return bandwidth_bytes_per_s / model_bytes


fig, ax = new_figure(7.0, 3.6)
for label, name in MODELS.items():
    model_bytes = get_spec(name).num_parameters() * Q4_K_M_BPW / 8
    ax.plot(
        BANDWIDTHS_GB_S, [tokens_per_second_bound(b * 1e9, model_bytes) for b in BANDWIDTHS_GB_S], label=label
    )
ax.set_xlabel("Speicherbandbreite in GB/s")
ax.set_ylabel("Token/s (Obergrenze)")
ax.set_xlim(0, 1000)
ax.set_ylim(0, None)
german_ticks(ax)
ax.legend(frameon=False)
print(
    to_svg(
        fig,
        "Obergrenze der Generierungsgeschwindigkeit in Token pro Sekunde über der Speicherbandbreite, Q4_K_M",
    )
)
