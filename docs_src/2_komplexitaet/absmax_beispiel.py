"""Tabelle: ein Absmax-INT8-Rechenbeispiel (LLM.int8(), arXiv:2208.07339, §2.1), live berechnet mit slmwiki.quantization."""

from __future__ import annotations

import numpy as np

from slmwiki.formatting import number
from slmwiki.quantization import dequantize_absmax_int8, quantize_absmax_int8


def tex(value: float, digits: int) -> str:
    """Deutsche Zahl für den Formelsatz (Dezimalkomma ohne Abstand: ``{,}``)."""
    return number(value, digits).replace(",", "{,}")


x = np.array([0.5, -1.2, 3.0, 0.1], dtype=np.float32)
q = quantize_absmax_int8(x)
x_hat = dequantize_absmax_int8(q)
s = float(q.scales[0])
largest = float(np.abs(x).max())

print(
    f"Betragsmaximum $\\max_i |x_i| = {tex(largest, 1)}$, Skala $s = 127 / {tex(largest, 1)} \\approx {tex(s, 2)}$."
)
print()
print(
    "| Wert $x_i$ | $s \\cdot x_i$ | INT8-Code | dequantisiert $\\hat{x}_i$ | Fehler $\\lvert x_i - \\hat{x}_i \\rvert$ |"
)
print("|--:|--:|--:|--:|--:|")
for value, code, restored in zip(x, q.codes, x_hat, strict=True):
    print(
        f"| {number(float(value), 1)} | {number(float(value) * s, 2)} | {int(code)} "
        f"| {number(float(restored), 3)} | {number(abs(float(value) - float(restored)), 4)} |"
    )
