"""Tabelle der Seite „Mehrere GPUs“ aus `benchmarks/results/gpu_distributed.json` (DDP und FSDP-QLoRA)."""

from __future__ import annotations

from slmwiki.formatting import gib, number, percent
from slmwiki.notebook import benchmark_result

DATA = benchmark_result("gpu_distributed.json")
LABELS = {
    "ddp_1gpu": "eine GPU (Referenz)",
    "ddp_2gpu": "DDP, zwei GPUs",
    "fsdp_2gpu": "FSDP-QLoRA, zwei GPUs",
}


def results_table() -> None:
    """Token/s über alle GPUs und Spitzen-Speicher je GPU."""
    runs = DATA["runs"]
    first = next(r for r in runs.values() if r.get("status") == "ok")
    print(
        f"Gemessen auf **{first['gpu']['name']}** (zwei Karten einer Maschine), Gemma 3 4B mit Zufallsgewichten, "
        f"{first['micro_batch_examples']} Beispiele je GPU und Schritt, Gradient Checkpointing an, "
        "padding-frei mit Varlen-Flash-Attention.\n"
    )
    print("| Aufbau | Token/s (alle GPUs) | Token/s je GPU | Spitzen-Speicher je GPU | Sekunden je Schritt |")
    print("|---|---:|---:|---:|---:|")
    for tag, label in LABELS.items():
        run = runs.get(tag)
        if not run:
            continue
        if run.get("status") != "ok":
            print(f"| {label} | fehlgeschlagen | | | |")
            continue
        peaks = " / ".join(gib(p, 2) for p in run["peak_allocated_bytes_per_gpu"])
        print(
            f"| {label} | {number(run['tokens_per_s'])} | {number(run['tokens_per_s_per_gpu'])} | {peaks} | "
            f"{number(run['seconds_per_step'], 2)} |"
        )
    if "ddp_scaling" in DATA:
        print(
            f"\nDDP skaliert von einer auf zwei GPUs um den Faktor {number(DATA['ddp_scaling'], 2)} "
            f"(Effizienz {percent(DATA['ddp_efficiency'], 0)})."
        )
    if "fsdp_peak_ratio_vs_1gpu" in DATA:
        print(
            f" Mit FSDP braucht jede GPU {percent(DATA['fsdp_peak_ratio_vs_1gpu'], 0)} des Speichers, "
            "den das Training auf einer GPU belegt."
        )
