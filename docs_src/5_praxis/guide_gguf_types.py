"""Tabelle der GGUF-Quantisierungsformate (Kapitel 5, Edge-Deployment).

Zwei Quellen, sauber getrennt:
- „Basistyp“: Bits pro Gewicht des jeweiligen ggml-Blocktyps, berechnet aus `gguf.constants.GGML_QUANT_SIZES`
  (Blockgröße und Bytes je Block, wie sie die Bibliothek `gguf` von llama.cpp festlegt).
- „Datei (README)“: effektive Bits pro Gewicht einer ganzen Modelldatei laut llama.cpp
  `tools/quantize/README.md` (Beispiel Llama 3.1 8B). Sie liegen über dem Basistyp, weil die Varianten
  einzelne Tensoren höher auflösen und Metadaten mitbringen.
"""

from __future__ import annotations

from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

from slmwiki.formatting import number

#: Dateityp → (ggml-Basistyp, effektive Bits pro Gewicht laut llama.cpp tools/quantize/README.md).
README_BPW = {
    "F16": ("F16", 16.00),
    "Q8_0": ("Q8_0", 8.50),
    "Q6_K": ("Q6_K", 6.56),
    "Q5_K_M": ("Q5_K", 5.70),
    "Q4_K_M": ("Q4_K", 4.89),
    "IQ4_XS": ("IQ4_XS", 4.46),
    "Q2_K": ("Q2_K", 3.16),
}


def base_bits(type_name: str) -> tuple[int, int, float]:
    """Blockgröße, Bytes je Block und Bits pro Gewicht eines ggml-Typs aus der Bibliothek `gguf`."""
    block_size, type_size = GGML_QUANT_SIZES[GGMLQuantizationType[type_name]]
    return block_size, type_size, type_size * 8 / block_size


lines = [
    "| Dateityp | ggml-Basistyp | Gewichte je Block | Bytes je Block | Bit pro Gewicht (Basistyp) | "
    "Bit pro Gewicht (Datei, README) |",
    "|---|---|---|---|---|---|",
]
for file_type, (base, readme_bpw) in README_BPW.items():
    block_size, type_size, bits = base_bits(base)
    lines.append(
        f"| `{file_type}` | `{base}` | {block_size} | {type_size} | {number(bits, 2)} | {number(readme_bpw, 2)} |"
    )
print("\n".join(lines))
print()
print(
    "*Basistyp: berechnet aus `gguf.constants.GGML_QUANT_SIZES` (Python-Paket `gguf`). Datei: effektive Bits pro "
    "Gewicht einer ganzen Llama-3.1-8B-Datei laut llama.cpp, `tools/quantize/README.md`.*"
)
