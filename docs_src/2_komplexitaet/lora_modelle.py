"""Tabelle: trainierbare LoRA-Parameter und ihr Anteil am Modell – nur Query/Value gegen alle linearen Schichten."""

from __future__ import annotations

from slmwiki.formatting import number, percent
from slmwiki.lora import count_lora_parameters, valid_target_modules
from slmwiki.models import get_spec

MODELS = ["smollm2-135m", "gemma-3-1b", "qwen3-1.7b", "qwen3-4b", "phi-4-mini", "qwen3-8b"]


def cell(count: int, total: int) -> str:
    """Parameterzahl in Millionen mit Anteil am Gesamtmodell."""
    return f"{number(count / 1e6, 1)}\xa0Mio. ({percent(count / total, 2)})"


print("| Modell | Parameter | $r = 16$, nur $W_q, W_v$ | $r = 16$, alle linearen | $r = 64$, alle linearen |")
print("|---|--:|--:|--:|--:|")
for name in MODELS:
    spec = get_spec(name)
    total = spec.num_parameters()
    if {"q_proj", "v_proj"} <= set(valid_target_modules(spec)):
        qv = cell(count_lora_parameters(spec, 16, ["q_proj", "v_proj"]), total)
    else:
        qv = "–¹"
    print(
        f"| {name} | {number(total / 1e9, 2)}\xa0Mrd. | {qv} "
        f"| {cell(count_lora_parameters(spec, 16, 'all-linear'), total)} "
        f"| {cell(count_lora_parameters(spec, 64, 'all-linear'), total)} |"
    )
print()
print(
    "*Berechnet mit `slmwiki.lora.count_lora_parameters` und `slmwiki.models`. "
    "¹ Phi-4-mini fasst Query, Key und Value in einer einzigen Matrix `qkv_proj` zusammen; "
    "ein Adapter nur für $W_q$ und $W_v$ ist dort nicht getrennt möglich.*"
)
