"""Tabelle: Trainings-Tokens pro Parameter veröffentlichter Modelle, berechnet beim Bauen der Seite."""

from __future__ import annotations

import runpy

from slmwiki.formatting import number

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
runs = sorted(data["TRAINING_RUNS"], key=lambda r: data["tokens_per_param"](r.params, r.tokens))
rule = data["CHINCHILLA_TOKENS_PER_PARAM"]

print("| Modell | Parameter | Trainings-Tokens | Tokens pro Parameter | Vielfaches von 20 | Quelle |")
print("|---|--:|--:|--:|--:|---|")
for run in runs:
    ratio = data["tokens_per_param"](run.params, run.tokens)
    prefix = "über " if run.at_least else ""
    digits = 0 if ratio >= 10 else 1
    multiple = ratio / rule
    multiple_digits = 2 if multiple < 1 else (1 if multiple < 10 else 0)
    print(
        f"| {run.name} | {data['magnitude'](run.params, 2)} | {prefix}{data['magnitude'](run.tokens, 1)} "
        f"| {prefix}{number(ratio, digits)} | {prefix}{number(multiple, multiple_digits)} | {run.source} |"
    )
