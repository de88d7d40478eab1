"""Tabelle: Bits pro Parameter mit und ohne Double Quantization und der Speicher für 7B- und 65B-Modelle."""

from __future__ import annotations

from slmwiki.formatting import number
from slmwiki.quantization import NF4_BITS, bits_per_parameter

BLOCK_SIZE = 64
SIZES = [("7 Milliarden Parameter", 7e9), ("65 Milliarden Parameter", 65e9)]

without_dq = bits_per_parameter(BLOCK_SIZE, double_quant=False)
with_dq = bits_per_parameter(BLOCK_SIZE, double_quant=True)


def gigabytes(num_params: float, bits: float) -> str:
    """Speicher in Gigabyte (10⁹ Byte) für `num_params` Gewichte mit `bits` Bit pro Gewicht."""
    return f"{number(num_params * bits / 8 / 1e9, 2)}\xa0GB"


print("| Größe | ohne Double Quantization | mit Double Quantization | Ersparnis |")
print("|---|--:|--:|--:|")
print(
    f"| Bit pro Parameter (gesamt) | {number(without_dq, 3)} | {number(with_dq, 3)} | {number(without_dq - with_dq, 3)} |"
)
print(
    f"| davon für Konstanten | {number(without_dq - NF4_BITS, 3)} | {number(with_dq - NF4_BITS, 3)} "
    f"| {number(without_dq - with_dq, 3)} |"
)
for label, params in SIZES:
    print(
        f"| Gewichte, {label} | {gigabytes(params, without_dq)} | {gigabytes(params, with_dq)} "
        f"| {gigabytes(params, without_dq - with_dq)} |"
    )
print()
print(
    "*Berechnet mit `slmwiki.quantization.bits_per_parameter` (Blockgröße 64, zweite Ebene 256). "
    "GB = 10⁹ Byte; gerechnet ist, als lägen alle Gewichte in NF4 vor.*"
)
