"""Tabelle: Chinchilla-Tabelle 3 mit beim Bauen berechneten Tokens pro Parameter und Prüfung von C ≈ 6·N·D."""

from __future__ import annotations

import runpy

from slmwiki.formatting import number, percent

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
sci = data["scientific"]

print(
    "| Parameter N | Rechenbudget C (Tab. 3) | Tokens D (Tab. 3) | D / N (berechnet) | 6 · N · D (berechnet) | Abweichung von C |"
)
print("|--:|--:|--:|--:|--:|--:|")
for row in data["CHINCHILLA_TABLE3"]:
    estimate = data["training_flops"](row.params, row.tokens)
    deviation = estimate / row.flops - 1
    sign = "+" if deviation >= 0 else "−"
    print(
        f"| {data['magnitude'](row.params, 1)} | {sci(row.flops)} | {data['magnitude'](row.tokens, 1)} "
        f"| {number(data['tokens_per_param'](row.params, row.tokens), 1)} | {sci(estimate)} "
        f"| {sign}{percent(abs(deviation), 1)} |"
    )
