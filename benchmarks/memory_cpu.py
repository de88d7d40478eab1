"""Misst den Speicherbedarf von QLoRA-Training mit SmolLM2-135M auf der CPU und vergleicht mit der Schätzung.

Aufruf (aus dem Wurzelverzeichnis des Repositorys):

    .venv/bin/python benchmarks/memory_cpu.py --out benchmarks/results/memory_cpu.json

Ablauf:

1. Ein Hilfsprozess baut SmolLM2-135M aus `slmwiki.models.get_spec("smollm2-135m")` mit Zufallsgewichten
   (gleiche Formen wie das echte Modell) in bf16 und speichert es in ein temporäres Verzeichnis.
2. Für jede Konfiguration startet ein frischer Prozess. Er importiert torch, transformers, peft und
   bitsandbytes und liest dann den belegten Arbeitsspeicher (VmRSS, „Grundlast“). Danach lädt er das
   Modell in NF4 mit Double Quantization (bitsandbytes, Rechnung in fp32), ruft
   `prepare_model_for_kbit_training` auf, setzt LoRA r = 16 auf alle linearen Schichten und trainiert
   zwei Schritte mit AdamW (`model(input_ids=x, labels=x).loss.backward()`).
3. Nach dem Laden wird der Höchstwert des Arbeitsspeichers zurückgesetzt (`/proc/self/clear_refs` = 5);
   gemessen wird VmHWM aus /proc/self/status während der Trainingsschritte (die Gewichte sind dann schon
   im Speicher). Gemessen = VmHWM − Grundlast; der Höchstwert beim Laden steht getrennt im Ergebnis.
   Damit der Allokator freigegebenen Speicher sofort an das Betriebssystem zurückgibt, läuft jeder
   Prozess mit `MALLOC_MMAP_THRESHOLD_=65536`.

Die Schätzung ist `estimate_training_memory(..., overhead_bytes=0)`; die Grundlast (Python, Bibliotheken)
steht getrennt im Ergebnis. Das Ergebnis ist die eigene Messung des Projekts (CPU-Maschine, 2 Kerne).
`--reestimate` berechnet nach einer Änderung an `slmwiki.memory` nur die Schätzspalten neu.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

MODEL = "smollm2-135m"
CONFIGS = [
    {"seq_len": 256, "batch": 1, "gradient_checkpointing": True},
    {"seq_len": 512, "batch": 1, "gradient_checkpointing": True},
    {"seq_len": 1024, "batch": 1, "gradient_checkpointing": True},
    {"seq_len": 512, "batch": 2, "gradient_checkpointing": True},
    {"seq_len": 512, "batch": 1, "gradient_checkpointing": False},
]
R, ALPHA, STEPS = 16, 32, 2
COMPUTE_DTYPE = "fp32"
"""Rechendatentyp auf der CPU: fp32 war auf der geteilten Projektmaschine im Rückwärtsdurchlauf gut viermal
schneller als bf16 (bitsandbytes ohne CPU-Kernel); der Speicherbedarf ist bei QLoRA mit
`prepare_model_for_kbit_training` in beiden Fällen ein fp32-Residualstrom."""


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} fehlt in /proc/self/status")


def _trim() -> None:
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def build_checkpoint(folder: str) -> None:
    """Speichert SmolLM2-135M mit Zufallsgewichten (bf16) in `folder`."""
    import torch
    import transformers

    from slmwiki.models import get_spec

    torch.manual_seed(0)
    config = get_spec(MODEL).to_transformers_config()
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(folder)


def worker(folder: str, seq_len: int, batch: int, gradient_checkpointing: bool) -> dict:
    """Eine Messung in diesem Prozess; gibt die Messwerte zurück."""
    import bitsandbytes  # noqa: F401
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    torch.set_num_threads(2)
    _trim()
    baseline = _status_kib("VmRSS") * 1024
    Path("/proc/self/clear_refs").write_text("5")  # setzt VmHWM auf den aktuellen Wert zurück

    quant = transformers.BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.float32,
    )
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, quantization_config=quant, dtype=torch.float32, device_map="cpu"
    )
    model.config.use_cache = False
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    model = get_peft_model(
        model, LoraConfig(r=R, lora_alpha=ALPHA, lora_dropout=0.0, target_modules="all-linear")
    )
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    _trim()
    after_load = _status_kib("VmRSS") * 1024
    load_peak = _status_kib("VmHWM") * 1024
    Path("/proc/self/clear_refs").write_text("5")

    generator = torch.Generator().manual_seed(0)
    x = torch.randint(0, model.config.vocab_size, (batch, seq_len), generator=generator)
    model.train()
    start = time.perf_counter()
    for _ in range(STEPS):
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    seconds = time.perf_counter() - start
    train_peak = _status_kib("VmHWM") * 1024
    return {
        "baseline_rss_bytes": baseline,
        "after_load_rss_bytes": after_load,
        "load_peak_rss_bytes": load_peak,
        "train_peak_rss_bytes": train_peak,
        "measured_peak_bytes": train_peak - baseline,
        "trainable_parameters": trainable,
        "train_seconds": round(seconds, 1),
        "loss": float(loss.detach()),
    }


def run_all(out: Path) -> dict:
    """Führt alle Konfigurationen in eigenen Prozessen aus und schreibt das Ergebnis nach `out`."""
    import torch
    import transformers

    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, __file__, "--build", folder], check=True, env=env)
        for config in CONFIGS:
            args = [sys.executable, __file__, "--worker", folder, json.dumps(config)]
            done = subprocess.run(args, check=True, env=env, capture_output=True, text=True)
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            estimate = _estimate(config)
            row = {
                "model": MODEL,
                "method": "qlora",
                "r": R,
                "lora_alpha": ALPHA,
                "target_modules": "all-linear",
                "compute_dtype": COMPUTE_DTYPE,
                "optimizer": "adamw",
                **config,
                **measured,
                "estimate": estimate.as_dict(),
                "estimated_total_bytes": estimate.total,
                "relative_error": (estimate.total - measured["measured_peak_bytes"])
                / measured["measured_peak_bytes"],
            }
            print(
                f"S={config['seq_len']} B={config['batch']} GC={config['gradient_checkpointing']}: "
                f"gemessen {row['measured_peak_bytes'] / 2**20:.0f} MiB, geschätzt {estimate.total / 2**20:.0f} MiB "
                f"({row['relative_error']:+.1%})",
                flush=True,
            )
            results.append(row)
    import bitsandbytes
    import peft

    document = {
        "source": "Messung des Projekts, CPU (benchmarks/memory_cpu.py)",
        "description": (
            "SmolLM2-135M mit Zufallsgewichten (Formen aus slmwiki.models), QLoRA: NF4 + Double Quantization "
            "(bitsandbytes, Rechnung fp32), prepare_model_for_kbit_training, LoRA r=16 all-linear, AdamW, "
            f"{STEPS} Schritte. Gemessen: Höchstwert VmHWM minus VmRSS nach den Importen, je Konfiguration ein "
            "eigener Prozess, MALLOC_MMAP_THRESHOLD_=65536."
        ),
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "peft": peft.__version__,
            "bitsandbytes": bitsandbytes.__version__,
        },
        "unit": "bytes",
        "configurations": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(out)
    return document


def _estimate(config: dict):
    from slmwiki.memory import estimate_training_memory

    return estimate_training_memory(
        MODEL,
        "qlora",
        config["seq_len"],
        config["batch"],
        R,
        gradient_checkpointing=config["gradient_checkpointing"],
        compute_dtype=COMPUTE_DTYPE,
        optimizer="adamw",
        overhead_bytes=0,
    )


def reestimate(out: Path) -> None:
    """Berechnet nur die Schätzspalten einer vorhandenen Ergebnisdatei neu; die Messwerte bleiben unverändert."""
    document = json.loads(out.read_text(encoding="utf-8"))
    for row in document["configurations"]:
        estimate = _estimate(row)
        row["estimate"] = estimate.as_dict()
        row["estimated_total_bytes"] = estimate.total
        row["relative_error"] = (estimate.total - row["measured_peak_bytes"]) / row["measured_peak_bytes"]
        print(
            f"S={row['seq_len']} B={row['batch']} GC={row['gradient_checkpointing']}: {row['relative_error']:+.1%}"
        )
    document["estimate_recomputed"] = time.strftime("%Y-%m-%d")
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    """Kommandozeile: ohne Optionen alle Messungen, sonst interne Teilschritte."""
    parser = argparse.ArgumentParser(description="QLoRA-Speichermessung SmolLM2-135M auf der CPU.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "memory_cpu.json")
    parser.add_argument("--build", metavar="ORDNER", help="intern: Checkpoint mit Zufallsgewichten bauen")
    parser.add_argument("--worker", nargs=2, metavar=("ORDNER", "KONFIG"), help="intern: eine Messung")
    parser.add_argument(
        "--reestimate",
        action="store_true",
        help="nur die Schätzung in --out neu berechnen (Messwerte bleiben)",
    )
    args = parser.parse_args(argv)
    if args.reestimate:
        reestimate(args.out)
        return 0
    if args.build:
        build_checkpoint(args.build)
        return 0
    if args.worker:
        folder, config = args.worker
        print(json.dumps(worker(folder, **json.loads(config))))
        return 0
    run_all(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
