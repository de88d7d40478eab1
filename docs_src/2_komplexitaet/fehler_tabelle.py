"""Tabelle: Quantisierungsfehler von INT4-Absmax, NF4 und NF4 mit Double Quantization auf N(0, 1)-Gewichten."""

from __future__ import annotations

import runpy

from slmwiki.formatting import number, percent
from slmwiki.quantization import quantization_error

experiment = runpy.run_path("docs_src/2_komplexitaet/fehler_experiment.py")
result = experiment["run_experiment"]()
weights = result["weights"]
methods = result["methods"]

reference = quantization_error(weights, methods["INT4-Absmax"][1]).mse

print(
    f"{number(weights.size, 0)} Gewichte aus der Standardnormalverteilung (Startwert {experiment['SEED']}), "
    f"Blockgröße {experiment['BLOCK_SIZE']}; Fehler in Standardabweichungen σ."
)
print()
print(
    "| Verfahren | Bit pro Gewicht | RMSE | mittlerer abs. Fehler | größter Fehler | SQNR | MSE relativ zu INT4 |"
)
print("|---|--:|--:|--:|--:|--:|--:|")
for name, (bits, restored) in methods.items():
    error = quantization_error(weights, restored)
    print(
        f"| {name} | {number(bits, 3)} | {number(error.rmse, 4)}\xa0σ | {number(error.mean_abs_error, 4)}\xa0σ "
        f"| {number(error.max_abs_error, 3)}\xa0σ | {number(error.sqnr_db, 1)}\xa0dB | {percent(error.mse / reference, 1)} |"
    )
print()
print(
    "*RMSE: Wurzel des mittleren quadratischen Fehlers. SQNR: Signal-Rausch-Abstand der Quantisierung, "
    "größer ist besser (+6 dB ≈ 1 Bit). Berechnet mit `slmwiki.quantization` (`quantize_nf4`, "
    "`double_quantize_absmax`, `quantize_absmax_int8`, `quantization_error`); INT4-Absmax mit den Stufen "
    "−7 … 7 im Skript `fehler_experiment.py`. Die Konstanten der Double Quantization quantisiert `slmwiki` der "
    "Lesbarkeit halber linear mit 8 Bit statt mit dem 8-Bit-Gleitkommaformat von QLoRA; der Speicherbedarf ist "
    "derselbe.*"
)
