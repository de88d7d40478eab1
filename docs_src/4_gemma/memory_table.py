"""Tabelle: geschätzter Speicherbedarf für die Inferenz (Kapitel 4, Vergleichsseite, Abschnitt Speicher).

Berechnet mit `slmwiki.memory.estimate_inference_memory` für 8.192 Token Kontext, Batch 1, bf16-KV-Cache, einmal
mit bf16-Gewichten und einmal mit NF4-Gewichten (doppelte Quantisierung). Die Summe enthält Aktivierungen,
Logits und den pauschalen Zuschlag für den CUDA-Kontext.
"""

from __future__ import annotations

from slmwiki.formatting import number
from slmwiki.memory import estimate_inference_memory
from slmwiki.models import get_spec

MODELS = ["gemma-3-1b", "qwen3-1.7b", "gemma-3-4b", "phi-4-mini", "qwen3-4b"]
LABELS = {
    "gemma-3-1b": "Gemma 3 1B",
    "qwen3-1.7b": "Qwen3-1.7B",
    "gemma-3-4b": "Gemma 3 4B (Text)",
    "phi-4-mini": "Phi-4-mini",
    "qwen3-4b": "Qwen3-4B",
}
CONTEXT = 8_192


def gib(value: int) -> str:
    """Bytes als GiB mit zwei Nachkommastellen, ohne Einheit (die steht im Spaltenkopf)."""
    return number(value / 2**30, 2)


print(
    "| Modell | Gewichte bf16 | Gewichte NF4 | KV-Cache | Aktivierungen und Logits | Zuschlag CUDA-Kontext | "
    "**Summe bf16** | **Summe NF4** |"
)
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in MODELS:
    spec = get_spec(name)
    bf16 = estimate_inference_memory(spec, CONTEXT, weight_format="bf16")
    nf4 = estimate_inference_memory(spec, CONTEXT, weight_format="nf4")
    print(
        f"| {LABELS[name]} | {gib(bf16.weights)} | {gib(nf4.weights)} | {gib(nf4.kv_cache)} | "
        f"{gib(nf4.activations + nf4.logits)} | {gib(nf4.overhead)} | **{gib(bf16.total)}** | **{gib(nf4.total)}** |"
    )
print()
print(
    f"*Alle Werte in GiB, geschätzt mit `slmwiki.memory.estimate_inference_memory(spec, {CONTEXT}, "
    "weight_format=…)`; Kontext 8.192 Token, Batch 1, KV-Cache in bf16. Bei NF4 bleiben Einbettung und Normen in "
    "bf16. Aktivierungen und Logits sind für beide Formate gleich.*"
)
