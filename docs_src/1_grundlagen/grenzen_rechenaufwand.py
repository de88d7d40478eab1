"""Tabelle: Rechenaufwand großer Trainingsläufe – Näherung 6·N·D gegen die veröffentlichten Werte."""

from __future__ import annotations

import runpy

from slmwiki.formatting import number

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
sci = data["scientific"]

#: (Modell, Parameter, Tokens, veröffentlichter Aufwand in FLOPs, Quelle, Anker in docs/literatur.md)
REPORTED = [
    ("GPT-3", 175e9, 300e9, 3.14e23, "Brown et al. (2020), Tab. D.1", "brown2020gpt3"),
    ("Llama 3.1 405B", 405e9, 15.6e12, 3.8e25, "Llama Team (2024)", "grattafiori2024llama3"),
]

print("| Modell | Parameter N | Tokens D | 6 · N · D (berechnet) | veröffentlicht | Quelle |")
print("|---|--:|--:|--:|--:|---|")
for name, params, tokens, reported, source, _anchor in REPORTED:
    print(
        f"| {name} | {data['magnitude'](params)} | {data['magnitude'](tokens)} "
        f"| {sci(data['training_flops'](params, tokens))} | {sci(reported, 2 if reported < 1e24 else 1)} | {source} |"
    )
print()
print(
    f"Der veröffentlichte Aufwand für Llama 3.1 405B ist damit etwa "
    f"{number(REPORTED[1][3] / REPORTED[0][3], 0)}-mal so groß wie der für GPT-3 – vier Jahre später."
)
