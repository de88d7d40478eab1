"""Tabelle: Lokale und globale Schichten von Gemma 3 und die KV-Cache-Ersparnis durch das Sliding Window."""

from __future__ import annotations

import dataclasses

from slmwiki.attention import kv_cache_bytes
from slmwiki.formatting import gib, mib, number, percent
from slmwiki.models import get_spec

MODELS = {
    "gemma-3-270m": "Gemma 3 270M",
    "gemma-3-1b": "Gemma 3 1B",
    "gemma-3-4b": "Gemma 3 4B",
    "gemma-3-12b": "Gemma 3 12B",
    "gemma-3-27b": "Gemma 3 27B",
}
CONTEXTS = [32768, 131072]


def size(num_bytes: int) -> str:
    """Wählt MiB für kleine und GiB für große Werte."""
    return mib(num_bytes, 0) if num_bytes < 2**30 else gib(num_bytes, 2)


print(
    "| Modell | Schichten (lokal + global) | Fenster | Kontext | KV-Cache ohne Fenster | KV-Cache mit Fenster | Anteil |"
)
print("|---|--:|--:|--:|--:|--:|--:|")
for name, display in MODELS.items():
    spec = get_spec(name)
    plain = dataclasses.replace(spec, sliding_window=None, local_global_pattern=None)
    for tokens in CONTEXTS:
        if tokens > spec.max_context:
            continue
        full = kv_cache_bytes(plain, tokens)
        windowed = kv_cache_bytes(spec, tokens)
        print(
            f"| {display} | {spec.num_layers} ({spec.num_local_layers()} + {spec.num_global_layers()}) "
            f"| {number(spec.sliding_window, 0)} | {number(tokens, 0)} | {size(full)} | {size(windowed)} "
            f"| {percent(windowed / full, 0)} |"
        )
