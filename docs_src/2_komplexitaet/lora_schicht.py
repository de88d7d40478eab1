"""Tabelle: LoRA-Parameter der Query-Projektion einer Gemma-3-1B-Schicht für verschiedene Ränge."""

from __future__ import annotations

from slmwiki.formatting import number, percent
from slmwiki.lora import count_lora_parameters
from slmwiki.models import get_spec

spec = get_spec("gemma-3-1b")
k, d = spec.linear_shapes()["q_proj"]
full = d * k

print(
    f"Query-Projektion `q_proj` von Gemma 3 1B: Eingabe $k = {k}$ (Modellbreite), Ausgabe $d = {d}$ "
    f"({spec.num_attention_heads} Köpfe × {spec.head_dim} Dimensionen)."
)
print()
print("| Aktualisierung | trainierbare Parameter | Anteil an $d \\cdot k$ |")
print("|---|--:|--:|")
print(
    f"| vollständig, $\\Delta W \\in \\mathbb{{R}}^{{{d} \\times {k}}}$ | {number(full)} | {percent(1.0, 0)} |"
)
for r in (1, 4, 8, 16, 64):
    per_layer = count_lora_parameters(spec, r, ["q_proj"]) // spec.num_layers
    print(f"| LoRA, $r = {r}$ | {number(per_layer)} | {percent(per_layer / full, 2)} |")
print()
print(
    "*Berechnet mit `slmwiki.lora.count_lora_parameters` (eine Schicht, Zielmodul `q_proj`) und den Architekturdaten aus `slmwiki.models`.*"
)
