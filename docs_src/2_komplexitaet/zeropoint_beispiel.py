"""Tabelle: Absmax- und Zero-Point-INT8 im Vergleich auf überwiegend positiven Werten (live berechnet)."""

from __future__ import annotations

import numpy as np

from slmwiki.formatting import number
from slmwiki.quantization import (
    dequantize_absmax_int8,
    dequantize_zeropoint_int8,
    quantization_error,
    quantize_absmax_int8,
    quantize_zeropoint_int8,
)


def tex(value: float, digits: int) -> str:
    """Deutsche Zahl für den Formelsatz (Dezimalkomma ohne Abstand: ``{,}``)."""
    return number(value, digits).replace(",", "{,}")


x = np.array([-0.15, 0.05, 0.8, 2.6], dtype=np.float32)
absmax = quantize_absmax_int8(x)
zeropoint = quantize_zeropoint_int8(x)
x_abs = dequantize_absmax_int8(absmax)
x_zp = dequantize_zeropoint_int8(zeropoint)

print("| Wert $x_i$ | Absmax-Code | Absmax $\\hat{x}_i$ | Zero-Point-Code | Zero-Point $\\hat{x}_i$ |")
print("|--:|--:|--:|--:|--:|")
for value, c_abs, r_abs, c_zp, r_zp in zip(x, absmax.codes, x_abs, zeropoint.codes, x_zp, strict=True):
    print(
        f"| {number(float(value), 2)} | {int(c_abs)} | {number(float(r_abs), 4)} "
        f"| {int(c_zp)} | {number(float(r_zp), 4)} |"
    )
err_abs = quantization_error(x, x_abs)
err_zp = quantization_error(x, x_zp)
print()
print(
    f"Stufenbreite bei Absmax $1/s \\approx {tex(1 / float(absmax.scales[0]), 4)}$, bei Zero-Point "
    f"$1/n_d \\approx {tex(1 / float(zeropoint.scales[0]), 4)}$ mit Nullpunkt $z = {int(zeropoint.zero_points[0])}$. "
    f"Größter Fehler: Absmax {number(err_abs.max_abs_error, 4)}, Zero-Point {number(err_zp.max_abs_error, 4)}."
)
