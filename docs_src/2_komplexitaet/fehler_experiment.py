"""Gemeinsames Experiment für Kapitel 2: NF4 gegen INT4-Absmax auf normalverteilten Zufallsgewichten.

Wird von `fehler_tabelle.py` und `fehler_histogramm.py` mit `runpy.run_path` geladen und druckt selbst nichts.
Alle Gewichte stammen aus N(0, 1) mit festem Startwert; Fehler sind daher in Standardabweichungen angegeben.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from slmwiki.quantization import (
    bits_per_parameter,
    dequantize_absmax_int8,
    dequantize_nf4,
    double_dequantize_absmax,
    double_quantize_absmax,
    quantize_absmax_int8,
    quantize_nf4,
)

SEED = 2023
NUM_WEIGHTS = 64 * 4096
BLOCK_SIZE = 64
INT4_MAX = 7
CONSTANT_BITS = 32


def absmax_int4_roundtrip(weights: np.ndarray, block_size: int = BLOCK_SIZE) -> np.ndarray:
    """Quantisiert blockweise symmetrisch auf die 15 INT4-Stufen −7 … 7 und rechnet sofort zurück.

    Pro Block: `s = 7 / max |w|`, Code `round(s · w)` (zur geraden Zahl bei ,5), Rekonstruktion `Code / s`.
    Ein Block aus lauter Nullen bleibt null. Die Elementzahl muss ein Vielfaches von `block_size` sein.

    Args:
        weights: Eindimensionales Array, Länge ein Vielfaches von `block_size`.
        block_size: Gewichte pro Block.

    Returns:
        Die rekonstruierten Gewichte als `float32`-Array derselben Form.
    """
    blocks = np.asarray(weights, dtype=np.float32).reshape(-1, block_size)
    absmax = np.abs(blocks).max(axis=1, keepdims=True)
    scale = np.where(absmax > 0, INT4_MAX / np.where(absmax > 0, absmax, 1), 1).astype(np.float32)
    codes = np.clip(np.rint(blocks * scale), -INT4_MAX, INT4_MAX)
    return (codes / scale).astype(np.float32).reshape(np.shape(weights))


def run_experiment() -> dict[str, object]:
    """Zieht die Gewichte und berechnet alle Rekonstruktionen.

    Returns:
        Wörterbuch mit `weights` und je Verfahren einem Paar (Bit pro Gewicht, Rekonstruktion) unter
        `methods` in der Reihenfolge der Tabelle.
    """
    weights = np.random.default_rng(SEED).standard_normal(NUM_WEIGHTS).astype(np.float32)
    nf4 = quantize_nf4(weights, block_size=BLOCK_SIZE)
    nf4_restored = dequantize_nf4(nf4)
    absmax_dq = double_dequantize_absmax(double_quantize_absmax(nf4.absmax, block_size=256))
    nf4_dq_restored = dequantize_nf4(dataclasses.replace(nf4, absmax=absmax_dq))
    int8_restored = dequantize_absmax_int8(quantize_absmax_int8(weights, block_size=BLOCK_SIZE))
    overhead = CONSTANT_BITS / BLOCK_SIZE
    methods = {
        "INT4-Absmax": (4 + overhead, absmax_int4_roundtrip(weights)),
        "NF4": (bits_per_parameter(BLOCK_SIZE, double_quant=False), nf4_restored),
        "NF4 + Double Quantization": (bits_per_parameter(BLOCK_SIZE, double_quant=True), nf4_dq_restored),
        "INT8-Absmax (zum Vergleich)": (8 + overhead, int8_restored),
    }
    return {"weights": weights, "methods": methods}
