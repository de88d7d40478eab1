"""Tabelle: trainierbare LoRA-Parameter bei r = 16 auf allen linearen Schichten (Kapitel 5, QLoRA-Workflow).

Berechnet mit `slmwiki.lora.count_lora_parameters` (Formel r · (d_in + d_out) je Zielmodul und Schicht) und
den Architekturdaten aus `slmwiki.models`.
"""

from __future__ import annotations

from slmwiki.formatting import number, percent
from slmwiki.lora import count_lora_parameters
from slmwiki.models import get_spec

RANK = 16
MODELS = ["smollm2-135m", "gemma-3-1b", "qwen3-1.7b", "phi-4-mini", "gemma-3-4b", "qwen3-4b"]

print(
    f"| Modell | Parameter des Basismodells | LoRA-Parameter ($r = {RANK}$, alle linearen Schichten) | Anteil |"
)
print("|---|---|---|---|")
for name in MODELS:
    spec = get_spec(name)
    total = spec.num_parameters()
    lora = count_lora_parameters(spec, RANK, "all-linear")
    print(
        f"| `{name}` | {number(total / 1e6, 1)} Mio. | {number(lora / 1e6, 2)} Mio. | {percent(lora / total, 2)} |"
    )
print()
print('*Berechnet mit `slmwiki.lora.count_lora_parameters(spec, r=16, target_modules="all-linear")`.*')
