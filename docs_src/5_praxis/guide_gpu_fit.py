"""Tabelle „Welches Modell passt auf welche GPU?“ (Kapitel 5, Hardware).

Erzeugt mit `slmwiki.gpu_fit.gpu_fit_table` und `fit_table_markdown`: je Modell QLoRA-Training (1.024 Token,
Batch 1, r = 16 auf allen linearen Schichten, Gradient Checkpointing, AdamW) sowie Inferenz mit NF4- und
bf16-Gewichten (4.096 Token Kontext); nutzbar sind 90 % des Grafikspeichers.
"""

from __future__ import annotations

from slmwiki.gpu_fit import fit_table_markdown, gpu_fit_table
from slmwiki.models import get_spec

MODELS = [
    "smollm2-135m",
    "gemma-3-1b",
    "qwen3-1.7b",
    "gemma-3-4b",
    "phi-4-mini",
    "qwen3-4b",
    "qwen3-8b",
    "gemma-3-12b",
]
TRAIN_SEQ_LEN = 1024
INFERENCE_CONTEXT = 4096
RESERVE = 0.1

rows = gpu_fit_table(
    models=MODELS,
    train_seq_len=TRAIN_SEQ_LEN,
    inference_context=INFERENCE_CONTEXT,
    batch=1,
    r=16,
    reserve_fraction=RESERVE,
)
print(fit_table_markdown(rows))
print()
print("Größtes Modell dieser Tabelle, dessen QLoRA-Training nach der Schätzung auf die Karte passt:")
print()
for gpu in rows[0].fits:
    fitting = [row.model for row in rows if row.scenario.startswith("QLoRA") and row.fits[gpu]]
    largest = max(fitting, key=lambda name: get_spec(name).num_parameters()) if fitting else None
    print(f"- **{gpu}:** {f'`{largest}`' if largest else 'keines'}")
print()
print(
    "*Geschätzt mit `slmwiki.gpu_fit.gpu_fit_table(...)`; ✓ = geschätzter Bedarf einschließlich CUDA-Kontext passt in "
    "90 % des Grafikspeichers. Die Trainingsschätzung rechnet das GPU-Rezept von `slmwiki finetune` (TRL, "
    "gestückelter Verlust, bf16, Gradient Checkpointing, LoRA-Dropout 0,05); ihre Faktoren sind an gemessenen "
    "Spitzen von Gemma 3 1B und 4B angepasst (Seite „Leistung“), für die übrigen Modelle übertragen.*"
)
