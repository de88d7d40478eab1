"""Geschätzte GGUF-Dateigrößen der Modelle aus Kapitel 4 (Kapitel 5, Edge-Deployment).

Größe ≈ Parameterzahl (`ModelSpec.num_parameters()`, Textteil) · effektive Bits pro Gewicht / 8. Die effektiven
Bits pro Gewicht stammen aus llama.cpp `tools/quantize/README.md` (gemessen an Llama 3.1 8B); für andere
Architekturen ist das eine Näherung.
"""

from __future__ import annotations

from slmwiki.formatting import gib
from slmwiki.models import get_spec

MODELS = ["gemma-3-1b", "qwen3-1.7b", "phi-4-mini", "gemma-3-4b", "qwen3-4b"]
LABELS = {
    "gemma-3-1b": "Gemma 3 1B",
    "qwen3-1.7b": "Qwen3-1.7B",
    "phi-4-mini": "Phi-4-mini",
    "gemma-3-4b": "Gemma 3 4B (Text)",
    "qwen3-4b": "Qwen3-4B",
}
#: Effektive Bits pro Gewicht laut llama.cpp tools/quantize/README.md.
FILE_BPW = {"F16": 16.00, "Q8_0": 8.50, "Q4_K_M": 4.89}


def gguf_size_bytes(num_parameters: int, bits_per_weight: float) -> float:
    """Geschätzte Dateigröße in Bytes: Parameter · Bits pro Gewicht / 8."""
    return num_parameters * bits_per_weight / 8


lines = ["| Modell | " + " | ".join(f"`{t}`" for t in FILE_BPW) + " |", "|---|" + "---|" * len(FILE_BPW)]
for name in MODELS:
    params = get_spec(name).num_parameters()
    cells = [gib(gguf_size_bytes(params, bpw)) for bpw in FILE_BPW.values()]
    lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
print("\n".join(lines))
print()
print(
    "*Eigene Schätzung: Parameter aus `slmwiki.models` mal effektive Bits pro Gewicht aus llama.cpp "
    "`tools/quantize/README.md`, geteilt durch 8. Bildencoder und Metadaten sind nicht enthalten.*"
)
