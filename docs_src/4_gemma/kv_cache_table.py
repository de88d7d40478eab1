"""Tabelle: KV-Cache von Gemma 3, Phi-4-mini und Qwen3 (Kapitel 4, Vergleichsseite, Abschnitt KV-Cache).

Berechnet mit `slmwiki.attention.kv_cache_bytes` (bf16, Batch 1, Anordnung „static“: lokale Schichten halten
min(n, W) Token, wie in der Formel auf der Seite) und `kv_cache_bytes_per_token`. Die letzte Zeile ist ein
Gedankenexperiment: Gemma 3 4B, wenn alle Schichten global wären.
"""

from __future__ import annotations

from dataclasses import replace

from slmwiki.attention import kv_cache_bytes, kv_cache_bytes_per_token
from slmwiki.formatting import number
from slmwiki.models import get_spec

MODELS = ["gemma-3-1b", "gemma-3-4b", "phi-4-mini", "qwen3-1.7b", "qwen3-4b"]
LABELS = {
    "gemma-3-1b": "Gemma 3 1B",
    "gemma-3-4b": "Gemma 3 4B",
    "phi-4-mini": "Phi-4-mini",
    "qwen3-1.7b": "Qwen3-1.7B",
    "qwen3-4b": "Qwen3-4B",
}
LENGTHS = [4_096, 32_768, 131_072]
BYTES_PER_ELEMENT = 2  # bf16

specs = [(LABELS[name], get_spec(name)) for name in MODELS]
gemma4b = get_spec("gemma-3-4b")
specs.append(
    (
        "Gemma 3 4B ohne Sliding Window (hypothetisch)",
        replace(gemma4b, name="gemma-3-4b-global", sliding_window=None, local_global_pattern=None),
    )
)

header = ["Modell", "je Token, alle Schichten", "je Token bei gefülltem Fenster"]
header += [f"{number(n)} Token" for n in LENGTHS]
print("| " + " | ".join(header) + " |")
print("|---|" + "---:|" * (len(header) - 1))
for label, spec in specs:
    cells = [
        label,
        f"{number(kv_cache_bytes_per_token(spec, BYTES_PER_ELEMENT) / 1024)} KiB",
        f"{number(kv_cache_bytes_per_token(spec, BYTES_PER_ELEMENT, sliding=True) / 1024)} KiB",
    ]
    for n in LENGTHS:
        if n > spec.max_context:
            cells.append("–")
        else:
            size = kv_cache_bytes(spec, n, batch=1, bytes_per_element=BYTES_PER_ELEMENT, layout="static")
            cells.append(f"{number(size / 2**30, 2)} GiB")
    print("| " + " | ".join(cells) + " |")
print()
print(
    '*Berechnet mit `slmwiki.attention.kv_cache_bytes(spec, n, bytes_per_element=2, layout="static")` und '
    "`kv_cache_bytes_per_token`; bf16, Batch 1. „–“: länger als der vom Hersteller angegebene Kontext.*"
)
