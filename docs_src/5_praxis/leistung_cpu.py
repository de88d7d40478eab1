"""Tabelle „QLoRA auf der CPU“ aus `benchmarks/results/cpu_finetune.json` (benchmarks/cpu_finetune.py).

Verglichen werden die naive TRL-Baseline, ein Zwischenschritt (nur LoRA-Gewichte in fp32) und die
Demo-Konfiguration; alle Zahlen stammen aus der eingecheckten Messung.
"""

from __future__ import annotations

from slmwiki.formatting import number
from slmwiki.notebook import benchmark_result

RESULT = benchmark_result("cpu_finetune.json")
ROWS = (
    ("baseline", "Naive Baseline (TRL-Standardwerte)"),
    ("baseline_lora_fp32", "Zwischenschritt: nur LoRA-Gewichte in fp32"),
    ("demo", "Demo-Rezept `configs/smollm2-135m-cpu.yaml`"),
)


def cpu_table() -> None:
    """Durchsatz, Sekunden je Schritt und Faktor gegenüber der Baseline."""
    base = RESULT["baseline"]["tokens_per_second"]
    print("| Lauf | Rechengenauigkeit | Token/s | Sekunden je Schritt (Median) | Faktor |")
    print("|---|---|--:|--:|--:|")
    for key, label in ROWS:
        run = RESULT[key]
        dtype = run.get("compute_dtype", "–")
        print(
            f"| {label} | {dtype} | {number(run['tokens_per_second'], 1)} | "
            f"{number(run['seconds_per_step_median'], 2)} | {number(run['tokens_per_second'] / base, 2)}× |"
        )
    hardware = RESULT["environment"]["hardware"]
    demo = RESULT["demo"]
    print()
    print(
        f"Gemessen am {RESULT['measured_at'][:10]} mit `{RESULT['command']}` auf "
        f"{hardware['cpu_model']} ({hardware['cpu_count']} logische Kerne, {hardware['torch_threads']} torch-Threads). "
        f"Die Demo senkte dabei den Auswertungsverlust auf {demo['eval_examples']} zurückgehaltenen Beispielen "
        f"von {number(demo['eval_before']['loss'], 3)} auf {number(demo['eval_after']['loss'], 3)}."
    )
