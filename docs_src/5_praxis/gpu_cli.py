"""Tabellen „slmwiki finetune auf der GPU“ aus `benchmarks/results/gpu_cli.json` (benchmarks/gpu_cli.py).

Ein Aufruf auf zwei GPUs einer Maschine: die Kommandozeile mit und ohne Schnellpfad auf einer GPU, danach
`accelerate launch` mit DDP und FSDP-QLoRA; nach jedem Lauf lädt `slmwiki generate` den Adapter. Dazu
`gpu_qlora_compile.json` (torch.compile als Trainer-Option). Alle Zahlen stammen aus diesen Dateien.
"""

from __future__ import annotations

from slmwiki.formatting import gib, number
from slmwiki.notebook import benchmark_result

CLI = benchmark_result("gpu_cli.json")
COMPILE = benchmark_result("gpu_qlora_compile.json")
PARTS = CLI["parts"]
SINGLE = (
    ("single_plain", "ohne Schnellpfad (`SLMWIKI_GPU_FAST_PATH=0`)"),
    ("single_fast", "mit Schnellpfad (Standard)"),
)
MULTI = (
    ("single_fast", "eine GPU", "– (ohne `accelerate launch`)"),
    ("ddp", "DDP, zwei GPUs", "`configs/accelerate-ddp.yaml`"),
    ("fsdp", "FSDP-QLoRA, zwei GPUs", "`configs/accelerate-fsdp-qlora.yaml`"),
)


def _run(name: str) -> dict:
    part = PARTS[name]
    if part.get("status") != "ok":
        raise RuntimeError(f"Teil „{name}“ in gpu_cli.json ist nicht erfolgreich: {part.get('status')}")
    return part["run"]


def _settings(run: dict) -> str:
    fast = run.get("gpu_fast_path")
    if not fast:
        return "wie im Rezept: Mikro-Batch 8, Akkumulation 8, Checkpointing an, mit Padding"
    checkpointing = "an" if fast["gradient_checkpointing"] else "aus"
    padding = "padding-frei" if fast["padding_free"] else "mit Padding"
    return (
        f"Mikro-Batch {fast['per_device_train_batch_size']}, Akkumulation {fast['gradient_accumulation_steps']}, "
        f"Checkpointing {checkpointing}, {padding}"
    )


def speedup() -> float:
    """Token/s mit Schnellpfad durch Token/s ohne ihn (dieselbe GPU, derselbe Aufruf)."""
    return _run("single_fast")["tokens_per_second"] / _run("single_plain")["tokens_per_second"]


def single_gpu_table() -> None:
    """Die Kommandozeile mit und ohne Schnellpfad auf einer GPU."""
    fast = _run("single_fast")
    print(
        f"Gemessen auf **{CLI['gpu']['name']}** am {CLI['date']}: `python -m slmwiki.cli finetune --config "
        f"{CLI['recipe']}` mit Gemma 3 1B (Zufallsgewichte), {fast['global_step']} beziehungsweise "
        f"{_run('single_plain')['global_step']} Optimierungsschritte zu je 64 Beispielen.\n"
    )
    print("| Lauf | Einstellungen | Token/s | Sekunden je Schritt | Spitzen-Speicher |")
    print("|---|---|--:|--:|--:|")
    for name, label in SINGLE:
        run = _run(name)
        print(
            f"| {label} | {_settings(run)} | {number(run['tokens_per_second'])} | "
            f"{number(run['seconds_per_step'], 2)} | {gib(run['peak_memory_bytes'], 1)} |"
        )
    print(
        f"\nDer Schnellpfad ist hier **{number(speedup(), 1)}-mal** so schnell. Danach lud "
        "`slmwiki generate --adapter …` den geschriebenen Adapter und antwortete (Exit-Code 0)."
    )


def multi_gpu_table() -> None:
    """`slmwiki finetune` auf einer GPU, mit DDP und mit FSDP-QLoRA auf zwei GPUs."""
    print(
        f"Gemessen auf **{CLI['gpu_count']} × {CLI['gpu']['name']}** am {CLI['date']}, Rezept `{CLI['recipe']}` "
        "mit Gemma 3 1B (Zufallsgewichte), je 30 Optimierungsschritte; nach jedem Lauf lud "
        "`slmwiki generate` den Adapter.\n"
    )
    print(
        "| Aufbau | accelerate-Konfiguration | Beispiele je Schritt | Token/s (alle GPUs) | Sekunden je Schritt | Spitzen-Speicher (Rang 0) |"
    )
    print("|---|---|--:|--:|--:|--:|")
    for name, label, command in MULTI:
        run = _run(name)
        fast = run["gpu_fast_path"]
        examples = (
            fast["per_device_train_batch_size"] * fast["gradient_accumulation_steps"] * run["world_size"]
        )
        print(
            f"| {label} | {command} | {examples} | {number(run['tokens_per_second'])} | "
            f"{number(run['seconds_per_step'], 2)} | {gib(run['peak_memory_bytes'], 1)} |"
        )
    generated = all(PARTS[f"generate{suffix}"]["status"] == "ok" for suffix in ("", "_ddp", "_fsdp"))
    print(
        "\nAlle drei Läufe endeten mit Exit-Code 0 und schrieben genau einen Adapter"
        + (", den `slmwiki generate` danach lud." if generated else ".")
    )


def compile_result() -> dict:
    """`E_micro_batch` (ohne) und `J_compile` (mit torch.compile) aus gpu_qlora_compile.json."""
    runs = COMPILE["models"]["gemma-3-4b"]["experiments"]
    return {
        "without": runs["E_micro_batch"],
        "with": runs["J_compile"],
        "gpu": COMPILE["models"]["gemma-3-4b"]["gpu"],
    }


def compile_sentence() -> None:
    """Ein Satz zu torch.compile mit den gemessenen Zahlen."""
    result = compile_result()
    without, with_compile = result["without"], result["with"]
    print(
        f"Auf einer {result['gpu']['name']} (Gemma 3 4B, Mikro-Batch 64, im selben Prozess nacheinander) "
        f"erreichte der Schnellpfad ohne `torch.compile` {number(without['tokens_per_s'])} Token/s, mit der "
        f"Trainer-Option `torch_compile=True` {number(with_compile['tokens_per_s'])} Token/s."
    )
