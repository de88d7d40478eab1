"""Tabelle: NF4-Quantisierung eines einzelnen Gewichts (Block-Absmax 0,8, Gewicht 0,23), live berechnet."""

from __future__ import annotations

import numpy as np

from slmwiki.formatting import number
from slmwiki.quantization import dequantize_nf4, nf4_codebook, quantize_nf4

codebook = nf4_codebook()
# Ein Block, dessen betragsgrößtes Gewicht −0,8 ist; das betrachtete Gewicht ist 0,23.
block = np.array([0.23, -0.8, 0.1, 0.45], dtype=np.float32)
weight_index = 0
q = quantize_nf4(block, block_size=64)
restored = dequantize_nf4(q)

absmax = float(q.absmax[0])
normalized = float(block[weight_index]) / absmax
upper = int(np.searchsorted(codebook, normalized))
lower = upper - 1
code = int(q.codes[weight_index])
distance_lower = abs(normalized - codebook[lower])
distance_upper = abs(normalized - codebook[upper])


def tex(value: float, digits: int) -> str:
    """Deutsche Zahl für den Formelsatz (Dezimalkomma ohne Abstand: ``{,}``)."""
    return number(value, digits).replace(",", "{,}")


print(
    "Block (der Übersicht halber mit nur vier Gewichten): "
    + "; ".join(number(float(v), 2) for v in block)
    + f". Betrachtet wird das Gewicht $w = {tex(float(block[weight_index]), 2)}$."
)
print()

print("| Schritt | Rechnung | Ergebnis |")
print("|---|---|--:|")
print(f"| Blockkonstante | $c_b = \\max_i \\lvert w_i \\rvert$ | {number(absmax, 4)} |")
print(
    f"| Normieren | $w / c_b = {tex(float(block[weight_index]), 2)} / {tex(absmax, 1)}$ | {number(normalized, 4)} |"
)
print(
    f"| Nachbarn in der Tabelle | Code {lower} und Code {upper} "
    f"| {number(float(codebook[lower]), 4)} und {number(float(codebook[upper]), 4)} |"
)
print(
    f"| Abstände | $\\lvert {tex(normalized, 4)} - \\mathcal{{C}}_{{{lower}}} \\rvert$ und "
    f"$\\lvert {tex(normalized, 4)} - \\mathcal{{C}}_{{{upper}}} \\rvert$ "
    f"| {number(float(distance_lower), 4)} und {number(float(distance_upper), 4)} |"
)
print(f"| gespeicherter Code | nächstgelegener Wert (`quantize_nf4`) | {code} (`{code:04b}`) |")
print(
    f"| Rekonstruktion | $\\hat w = c_b \\cdot \\mathcal{{C}}_{{{code}}}$ (`dequantize_nf4`) "
    f"| {number(float(restored[weight_index]), 4)} |"
)
print(
    f"| Fehler | $\\lvert w - \\hat w \\rvert$ | {number(abs(float(block[weight_index] - restored[weight_index])), 4)} |"
)
