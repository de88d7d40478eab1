"""Tabelle: die 16 NF4-Codewerte mit 4-Bit-Code und Lage in Standardabweichungen."""

from __future__ import annotations

from statistics import NormalDist

from slmwiki.formatting import number
from slmwiki.quantization import NF4_OFFSET, nf4_codebook

top = NormalDist().inv_cdf(NF4_OFFSET)
codes = nf4_codebook()

print("| Code | Bitmuster | NF4-Wert | entspricht (in Standardabweichungen) |")
print("|--:|:-:|--:|--:|")
for index, value in enumerate(codes):
    print(f"| {index} | `{index:04b}` | {number(float(value), 4)} | {number(float(value) * top, 3)}\xa0σ |")
print()
print(
    "*Berechnet mit `slmwiki.quantization.nf4_codebook()`; die rechte Spalte ist der Wert mal $\\Phi^{-1}(\\delta)$.*"
)
