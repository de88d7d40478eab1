"""Tabelle: Schätzung gegen Messung des Trainingsspeichers (Kapitel 5, Hardware).

Liest die eigenen Messungen aus `benchmarks/results/memory_lora_h100_reference.json` (LoRA auf bf16-Gewichten,
Zufallsgewichte aus den offiziellen Konfigurationen, `torch.cuda.max_memory_allocated`) und stellt jeder Messung
die Schätzung von `slmwiki.memory.estimate_training_memory` mit denselben Einstellungen gegenüber (ohne Zuschlag
für den CUDA-Kontext, den die Messung nicht enthält).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from slmwiki.formatting import number, percent
from slmwiki.memory import GIB, estimate_training_memory, with_vocab

RESULTS = Path("benchmarks/results/memory_lora_h100_reference.json")

if not RESULTS.is_file():
    print(
        f'!!! note "Messdaten nicht gefunden"\n    Die Datei `{RESULTS.as_posix()}` fehlt in diesem Arbeitsverzeichnis.'
    )
else:
    data = json.loads(RESULTS.read_text(encoding="utf-8"))
    print("| Modell | Sequenzlänge | gemessen (GiB) | geschätzt (GiB) | Abweichung |")
    print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for run in data["configurations"]:
        spec = with_vocab(run["model"], run["vocab_size"])
        estimate = estimate_training_memory(
            spec,
            method=run["method"],
            seq_len=run["seq_len"],
            batch=run["batch"],
            r=run["r"],
            target_modules=run["target_modules"],
            gradient_checkpointing=run["gradient_checkpointing"],
            compute_dtype=run["compute_dtype"],
            optimizer=run["optimizer"],
            overhead_bytes=0,
        ).total
        measured = run["measured_peak_bytes"]
        worst = max(worst, abs(estimate / measured - 1))
        deviation = percent(estimate / measured - 1, 1)
        deviation = "0,0\xa0%" if deviation.lstrip("-") == "0,0\xa0%" else deviation.replace("-", "−")
        print(
            f"| `{run['model']}` | {number(run['seq_len'])} | {number(measured / GIB, 2)} | "
            f"{number(estimate / GIB, 2)} | {deviation} |"
        )
    print()
    print(f"Größte Abweichung zwischen Schätzung und Messung: {percent(worst, 1)}.")
    print()
    # the committed measurement file names its internal provenance in brackets; the page shows the versions only
    software = re.sub(r"\s*\(slm-facts[^)]*\)", "", data["software"])
    print(
        f"*Eigene Messung mit {software}; {data['method_description']} Schätzung: "
        "`slmwiki.memory.estimate_training_memory(..., overhead_bytes=0)` mit denselben Einstellungen.*"
    )
