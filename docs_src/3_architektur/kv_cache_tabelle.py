"""Tabelle: KV-Cache-Größe je Attention-Variante und Kontextlänge, berechnet mit slmwiki.attention."""

from __future__ import annotations

import runpy

from slmwiki.formatting import gib, mib, number

data = runpy.run_path("docs_src/3_architektur/kv_varianten.py")
COLUMNS = [4096, 32768, 131072]


def size(num_bytes: int) -> str:
    """Wählt MiB für kleine und GiB für große Werte."""
    return mib(num_bytes, 0) if num_bytes < 2**30 else gib(num_bytes, 2)


header = " | ".join(f"{number(n, 0)} Tokens" for n in COLUMNS)
print(f"| Modell | Attention (Query-/KV-Köpfe) | {header} |")
print("|---|---|" + "--:|" * len(COLUMNS))
for variant in data["variants"]():
    cells = []
    for tokens in COLUMNS:
        if tokens > variant.spec.max_context:
            cells.append("–")
        else:
            cells.append(size(data["cache_bytes"](variant.spec, tokens)))
    label = (
        f"{variant.label} *(hypothetisch)*"
        if variant.hypothetical
        else f"**{variant.label}** (veröffentlicht)"
    )
    model = variant.model if variant.hypothetical else f"**{variant.model}**"
    print(f"| {model} | {label} | " + " | ".join(cells) + " |")
