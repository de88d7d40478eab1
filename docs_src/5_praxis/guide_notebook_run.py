"""Kennzahlen des Fine-Tuning-Notebooks aus seinem Laufprotokoll (Kapitel 5, QLoRA-Workflow).

Das Notebook `notebooks/SLM_Finetuning_Demo.ipynb` wird beim Bauen der Website vor den Seiten ausgeführt und
schreibt das Laufprotokoll von `slmwiki.finetune` nach `docs/notebooks/SLM_Finetuning_Demo.run.json`. Dieses
Skript liest die Datei und gibt die Kennzahlen als Markdown-Tabelle aus; fehlt sie, erscheint ein Hinweis.
Die Umgebungsvariable `SLMWIKI_RUN_JSON` setzt einen anderen Pfad (für Tests).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from slmwiki.formatting import mib, number, percent

RUN_JSON = Path(os.environ.get("SLMWIKI_RUN_JSON", "docs/notebooks/SLM_Finetuning_Demo.run.json"))
MEMORY_KINDS = {
    "cpu_max_rss_process": "größter Arbeitsspeicher des Prozesses (RSS)",
    "cuda_max_allocated": "größter belegter GPU-Speicher (`torch.cuda.max_memory_allocated`)",
}
LIBRARIES = ["torch", "transformers", "peft", "trl", "bitsandbytes"]


def fmt(value: float | int | None, digits: int = 0, unit: str = "") -> str:
    """Zahl deutsch formatiert mit Einheit, „–“ für fehlende Werte."""
    if value is None:
        return "–"
    return f"{number(value, digits)}{unit}"


def hardware_label(hardware: dict) -> str:
    """Kurzbeschreibung der Hardware: GPU-Name oder CPU-Modell mit Kernen und Threads."""
    if hardware.get("gpu_name"):
        return f"GPU {hardware['gpu_name']} ({mib(hardware.get('gpu_memory_bytes', 0), 0)})"
    return (
        f"CPU {hardware.get('cpu_model', 'unbekannt')}, {hardware.get('cpu_count', '?')} Kerne, "
        f"{hardware.get('torch_threads', '?')} torch-Threads"
    )


if not RUN_JSON.is_file():
    print(
        '!!! note "Laufprotokoll noch nicht vorhanden"\n'
        f"    Die Datei `{RUN_JSON.as_posix()}` fehlt. Sie entsteht, wenn das Notebook `SLM_Finetuning_Demo.ipynb` "
        "ausgeführt wird. Bis dahin zeigt diese Stelle keine Zahlen."
    )
else:
    run = json.loads(RUN_JSON.read_text(encoding="utf-8"))
    config = run.get("config", {})
    before = run.get("eval_before") or {}
    after = run.get("eval_after") or {}
    params = run.get("parameters", {})
    trainable, total = params.get("trainable"), params.get("total")
    versions = run.get("versions", {})
    rows = [
        ("Basismodell", f"`{config.get('model', '–')}`"),
        ("Rechengenauigkeit", str(run.get("compute_dtype", "–"))),
        (
            "Trainings- / Auswertungsbeispiele",
            f"{fmt(run.get('train_examples'))} / {fmt(run.get('eval_examples'))}",
        ),
        (
            "LoRA-Rang $r$, $\\alpha$",
            f"{fmt(config.get('lora_r'))}, {fmt(config.get('lora_alpha'))}",
        ),
        (
            "trainierbare Parameter",
            f"{fmt(trainable)} von {fmt(total)} ({percent(trainable / total, 2)})"
            if trainable and total
            else "–",
        ),
        ("Optimierungsschritte", fmt(run.get("global_step"))),
        (
            "Auswertungsverlust vorher → nachher",
            f"{fmt(before.get('loss'), 3)} → {fmt(after.get('loss'), 3)}",
        ),
        (
            "Perplexität vorher → nachher",
            f"{fmt(before.get('perplexity'), 2)} → {fmt(after.get('perplexity'), 2)}",
        ),
        ("Dauer insgesamt", fmt(run.get("duration_s"), 1, " s")),
        ("Sekunden pro Schritt", fmt(run.get("seconds_per_step"), 2, " s")),
        ("Trainingsdurchsatz", fmt(run.get("tokens_per_second"), 1, " Token/s")),
        (
            "Spitzenspeicher",
            f"{mib(run['peak_memory_bytes'], 0)} – {MEMORY_KINDS.get(run.get('peak_memory_kind'), run.get('peak_memory_kind', ''))}"
            if run.get("peak_memory_bytes")
            else "–",
        ),
        ("Hardware", hardware_label(run.get("hardware", {}))),
        (
            "Versionen",
            ", ".join(f"{name} {versions[name]}" for name in LIBRARIES if name in versions) or "–",
        ),
        ("Zeitpunkt des Laufs (UTC)", str(run.get("finished_at", "–"))),
    ]
    print("| Kennzahl | Wert |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    print()
    print(
        f"*Gelesen aus dem Laufprotokoll `{RUN_JSON.name}`, das `slmwiki.finetune` "
        "beim Ausführen des Notebooks geschrieben hat.*"
    )
