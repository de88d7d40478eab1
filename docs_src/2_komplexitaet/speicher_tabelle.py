"""Tabelle: die Posten des Speicherbudgets von vollem Fine-Tuning, LoRA und QLoRA in GiB."""

from __future__ import annotations

import runpy

from slmwiki.formatting import gib

data = runpy.run_path("docs_src/2_komplexitaet/speicher_szenarien.py")
rows = data["scenarios"]()
items = data["ITEMS"]
labels = data["LABELS"]

print("| Posten | " + " | ".join(f"{model}<br>{method}" for model, method, _ in rows) + " |")
print("|---|" + "--:|" * len(rows))
for item in items:
    print(f"| {labels[item]} | " + " | ".join(gib(getattr(b, item)) for _, _, b in rows) + " |")
print("| **Summe** | " + " | ".join(f"**{gib(b.total)}**" for _, _, b in rows) + " |")
print()
print(
    f"*Schätzung mit `slmwiki.memory.estimate_training_memory`: {data['settings_text']()}. "
    "LoRA-Adapter, Gradienten und Optimiererzustände in fp32; beim vollen Fine-Tuning auch die Gewichte in fp32. "
    "Bei QLoRA liegen Embedding und Normen wie nach `peft.prepare_model_for_kbit_training` in fp32. "
    "GiB = 2³⁰ Byte.*"
)
