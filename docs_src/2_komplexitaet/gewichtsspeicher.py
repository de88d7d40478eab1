"""Tabelle: Speicherbedarf der Gewichte realer SLMs in bf16, INT8, NF4 und NF4 mit Double Quantization.

Quantisiert werden nur die linearen Schichten der Decoder-Blöcke; Embedding, Normen und eine eigene
Ausgabeschicht bleiben in bf16 (16 Bit). INT8 ist ohne Skalierungskonstanten gerechnet.
"""

from __future__ import annotations

from slmwiki.formatting import number, percent
from slmwiki.models import get_spec
from slmwiki.quantization import bits_per_parameter

MODELS = ["gemma-3-270m", "gemma-3-1b", "qwen3-1.7b", "gemma-3-4b", "qwen3-4b", "phi-4-mini", "qwen3-8b"]
FORMATS = [
    ("bf16", 16.0),
    ("INT8", 8.0),
    ("NF4", bits_per_parameter(64, double_quant=False)),
    ("NF4 + DQ", bits_per_parameter(64, double_quant=True)),
]


def gigabytes(num_bytes: float) -> str:
    """Formatiert Bytes als Gigabyte (10⁹ Byte) mit zwei Nachkommastellen."""
    return f"{number(num_bytes / 1e9, 2)}\xa0GB"


print("| Modell | Parameter | Anteil lineare Schichten | " + " | ".join(name for name, _ in FORMATS) + " |")
print("|---|--:|--:|" + "--:|" * len(FORMATS))
for name in MODELS:
    spec = get_spec(name)
    total = spec.num_parameters()
    linear = spec.linear_parameters()
    rest = total - linear
    cells = [gigabytes(rest * 2 + linear * bits / 8) for _, bits in FORMATS]
    print(
        f"| {name} | {number(total / 1e9, 2)}\xa0Mrd. | {percent(linear / total, 0)} | "
        + " | ".join(cells)
        + " |"
    )
print()
print(
    "*Berechnet mit `slmwiki.models` (Parameterzahlen aus den Architekturdaten) und "
    "`slmwiki.quantization.bits_per_parameter` (NF4 mit Blockgröße 64). GB = 10⁹ Byte. Nicht quantisierte "
    "Teile (Embedding, Normen) sind mit 16 Bit gerechnet; die INT8-Spalte enthält keine Skalierungskonstanten.*"
)
