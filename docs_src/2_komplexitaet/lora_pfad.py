"""Abbildung: der LoRA-Nebenpfad B·A neben der eingefrorenen Matrix W₀ am Beispiel von `q_proj` in Gemma 3 1B."""

from __future__ import annotations

from slmwiki.diagrams import lora_path_svg
from slmwiki.models import get_spec

#: Rang und Skalierung des Beispiels: die Voreinstellung von PEFT (r = 8, α = 8).
RANK = 8
ALPHA = 8

spec = get_spec("gemma-3-1b")
k, d = spec.linear_shapes()["q_proj"]
print(lora_path_svg(d, k, RANK, ALPHA, "q_proj von Gemma 3 1B"))
