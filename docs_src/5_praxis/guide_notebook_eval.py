"""Genauigkeit vorher/nachher aus der Auswertung des Fine-Tuning-Notebooks (Kapitel 5, QLoRA-Workflow).

Das Notebook `notebooks/SLM_Finetuning_Demo.ipynb` speichert den Bericht von `slmwiki.evaluation.evaluate`
als `docs/notebooks/SLM_Finetuning_Demo.eval.json`. Dieses Skript gibt daraus die Kennzahlen von Basismodell
und feinabgestimmtem Modell als Markdown-Tabelle aus; fehlt die Datei, erscheint ein Hinweis.
Die Umgebungsvariable `SLMWIKI_EVAL_JSON` setzt einen anderen Pfad (für Tests).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from slmwiki.evaluation import METRIC_NAMES, SHARES
from slmwiki.formatting import number, percent

EVAL_JSON = Path(os.environ.get("SLMWIKI_EVAL_JSON", "docs/notebooks/SLM_Finetuning_Demo.eval.json"))

if not EVAL_JSON.is_file():
    print(
        '!!! note "Auswertung noch nicht vorhanden"\n'
        f"    Die Datei `{EVAL_JSON.as_posix()}` fehlt; sie entsteht beim Ausführen des Notebooks "
        "`SLM_Finetuning_Demo.ipynb`."
    )
else:
    report = json.loads(EVAL_JSON.read_text(encoding="utf-8"))
    scores = {s["name"]: s["metrics"] for s in report["scores"]}
    names = list(scores)
    print(f"| Kennzahl ({number(report['examples'])} zurückgehaltene Anfragen) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    keys = [k for k in METRIC_NAMES if k in scores[names[0]]]
    for key in keys:
        cells = []
        for name in names:
            value = scores[name].get(key)
            if value is None:
                cells.append("–")
            elif key in SHARES:
                cells.append(percent(value))
            else:
                cells.append(number(value, 3 if key == "loss" else 2))
        print(f"| {METRIC_NAMES[key]} | " + " | ".join(cells) + " |")
    if report.get("labels"):
        print()
        print(
            f"Zum Vergleich: Raten träfe bei {len(report['labels'])} gleich häufigen Kategorien "
            f"{percent(1 / len(report['labels']))}."
        )
