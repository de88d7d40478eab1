"""Tabelle: Parameter, Gewichte und KV-Cache neuerer und europäischer Modelle (Ausblick-Seite, Kapitel 5).

Alle Werte werden beim Bauen der Seite aus dem Modellregister berechnet: Parameterzahl mit
`ModelSpec.num_parameters`, Gewichte mit `slmwiki.memory.weight_bytes` (bf16 bzw. NF4 mit doppelter
Quantisierung), KV-Cache mit `slmwiki.attention.kv_cache_bytes` (bf16, Batch 1) und die Summe für die
Inferenz mit `slmwiki.memory.estimate_inference_memory` (NF4-Gewichte, 4.096 Token, inklusive Zuschlag für den
CUDA-Kontext).
"""

from __future__ import annotations

from slmwiki.attention import kv_cache_bytes, kv_cache_bytes_per_token
from slmwiki.formatting import number
from slmwiki.memory import estimate_inference_memory, weight_bytes
from slmwiki.models import get_spec

MODELS = [
    ("llama-3.2-1b", "Llama 3.2 1B"),
    ("gemma-3-1b", "Gemma 3 1B (zum Vergleich)"),
    ("eurollm-1.7b", "EuroLLM-1.7B"),
    ("smollm3-3b", "SmolLM3-3B"),
    ("llama-3.2-3b", "Llama 3.2 3B"),
    ("qwen3-4b-2507", "Qwen3-4B-2507"),
    ("eurollm-9b", "EuroLLM-9B"),
]
CONTEXT = 4_096
LONG = 32_768
GIB = 2**30


def gib(value: int) -> str:
    """Bytes als GiB mit zwei Nachkommastellen."""
    return number(value / GIB, 2)


print(
    f"| Modell | Parameter (Mrd.) | Kontext laut Hersteller | Gewichte bf16 | Gewichte NF4 | KV-Cache je Token "
    f"| KV-Cache bei {number(CONTEXT)} Token | KV-Cache bei {number(LONG)} Token | **Summe NF4, {number(CONTEXT)} Token** |"
)
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
for name, label in MODELS:
    spec = get_spec(name)
    long_cache = (
        f"{gib(kv_cache_bytes(spec, LONG, layout='static'))} GiB" if LONG <= spec.max_context else "–"
    )
    total = estimate_inference_memory(spec, CONTEXT, weight_format="nf4").total
    print(
        f"| {label} | {number(spec.num_parameters() / 1e9, 2)} | {number(spec.max_context)} "
        f"| {gib(weight_bytes(spec, 'bf16'))} GiB | {gib(weight_bytes(spec, 'nf4'))} GiB "
        f"| {number(kv_cache_bytes_per_token(spec) / 1024)} KiB "
        f"| {gib(kv_cache_bytes(spec, CONTEXT, layout='static'))} GiB | {long_cache} | **{gib(total)} GiB** |"
    )
print()
print(
    "*Berechnet beim Bauen der Seite mit `slmwiki` aus den Werten der config.json-Dateien (Modellregister). "
    "KV-Cache in bf16, Batch 1; „–“: länger als der vom Hersteller angegebene Kontext. Bei NF4 bleiben Einbettung, "
    "Normen und eine eigene Ausgabeschicht in bf16; bei Vokabularen von 128.000 bis 262.144 Einträgen und der eigenen "
    "Ausgabeschicht von EuroLLM ist das ein merklicher Teil der Gewichte. Gemma 3 1B hält in fünf von sechs Schichten "
    "nur ein Fenster von 512 Token im Cache.*"
)
