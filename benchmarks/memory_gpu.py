"""Misst den GPU-Spitzenbedarf von echtem QLoRA-Training und vergleicht ihn mit `estimate_training_memory`.

Aufruf auf einer CUDA-Maschine (aus dem Wurzelverzeichnis des Repositorys):

    python benchmarks/memory_gpu.py --out $OUT/memory_gpu.json

Gebraucht werden torch (CUDA), transformers ≥ 5, peft, accelerate, safetensors und bitsandbytes; das Paket
`slmwiki` wird aus `src/` importiert (keine Installation nötig). Es wird nichts heruntergeladen.

Ablauf je Modell (Gemma 3 1B/4B, Qwen3 0,6B/1,7B/4B, Phi-4-mini aus `slmwiki.models`):

1. Das Modell wird aus `spec.to_transformers_config()` mit Zufallsgewichten in bf16 auf der GPU gebaut
   (gleiche Formen, gleicher Speicher wie das echte Modell) und als safetensors-Checkpoint in ein
   temporäres Verzeichnis geschrieben – echte Gewichte gibt es ohne Internet nicht.
2. `from_pretrained` lädt es mit `BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
   bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=bfloat16)`: echte NF4-Quantisierung durch
   bitsandbytes. Dann `prepare_model_for_kbit_training` (Gradient Checkpointing) und LoRA r = 16,
   α = 32 auf allen linearen Schichten (peft).
3. Je Sequenzlänge (512 und 2048, Batch 1): neuer AdamW-Optimierer, `torch.cuda.reset_peak_memory_stats()`,
   zwei Schritte `model(input_ids=x, labels=x).loss.backward(); optimizer.step(); optimizer.zero_grad()`,
   dann `torch.cuda.max_memory_allocated()` (ohne CUDA-Kontext).

Neben jede Messung schreibt das Skript `estimate_training_memory(spec, "qlora", S, 1, 16,
gradient_checkpointing=..., overhead_bytes=0)` und die relative Abweichung. Das Ergebnis wird nach jeder
Konfiguration vollständig (temporäre Datei, dann umbenennen) nach `--out` geschrieben, so dass auch ein
abgebrochener Lauf verwertbare Daten hinterlässt.

`--smoke` prüft den Ablauf ohne GPU mit einem winzigen Modell auf der CPU (keine Messwerte). Mit
`--models … --append` lässt sich der Lauf auf mehrere Aufrufe verteilen, die in dieselbe Datei schreiben.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_MODELS = ["qwen3-0.6b", "gemma-3-1b", "qwen3-1.7b", "qwen3-4b", "phi-4-mini", "gemma-3-4b"]
DEFAULT_SEQ_LENS = [512, 2048]
NO_CHECKPOINTING_MODELS = ["qwen3-0.6b", "gemma-3-1b"]
"""Zusätzlich je eine Messung ohne Gradient Checkpointing (S = 512) für diese Modelle."""
R, ALPHA, STEPS = 16, 32, 2


def _write(out: Path, document: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(out)


def _versions() -> dict:
    import peft
    import torch
    import transformers

    try:
        import bitsandbytes

        bnb_version = bitsandbytes.__version__
    except ImportError:
        bnb_version = None
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "bitsandbytes": bnb_version,
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_memory_bytes"] = torch.cuda.get_device_properties(0).total_memory
    return info


def _load_qlora(spec, folder: str, device: str, gradient_checkpointing: bool):
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    quant = transformers.BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    device_map = {"": 0} if device == "cuda" else "cpu"
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, quantization_config=quant, dtype=torch.bfloat16, device_map=device_map
    )
    model.config.use_cache = False
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    model = get_peft_model(
        model, LoraConfig(r=R, lora_alpha=ALPHA, lora_dropout=0.0, target_modules="all-linear")
    )
    import bitsandbytes

    four_bit = [m for m in model.modules() if isinstance(m, bitsandbytes.nn.Linear4bit)]
    if not four_bit:
        raise RuntimeError("Keine bitsandbytes-Linear4bit-Schichten gefunden – NF4 wurde nicht angewendet.")
    quant_type = getattr(four_bit[0].weight, "quant_type", None)
    return model, len(four_bit), quant_type


def _measure_model(spec, seq_lens: list[int], no_checkpointing: bool, device: str) -> list[dict]:
    import torch
    import transformers

    from slmwiki.lora import count_lora_parameters
    from slmwiki.memory import estimate_training_memory, weight_bytes

    rows = []
    folder = tempfile.mkdtemp(prefix=f"slmwiki-{spec.name}-")
    try:
        start = time.perf_counter()
        torch.manual_seed(0)
        with torch.device(device):
            base = transformers.AutoModelForCausalLM.from_config(
                spec.to_transformers_config(), dtype=torch.bfloat16
            )
        base.save_pretrained(folder)
        del base
        gc.collect()
        if device == "cuda":
            torch.cuda.empty_cache()
        build_seconds = time.perf_counter() - start

        variants = [(s, True) for s in seq_lens] + ([(seq_lens[0], False)] if no_checkpointing else [])
        for gradient_checkpointing in sorted({gc_flag for _, gc_flag in variants}, reverse=True):
            start = time.perf_counter()
            model, n_four_bit, quant_type = _load_qlora(spec, folder, device, gradient_checkpointing)
            load_seconds = time.perf_counter() - start
            trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
            setup_allocated = torch.cuda.memory_allocated() if device == "cuda" else None
            model.train()
            for seq_len in [s for s, flag in variants if flag == gradient_checkpointing]:
                optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
                x = torch.randint(0, spec.vocab_size, (1, seq_len), device=device)
                if device == "cuda":
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                start = time.perf_counter()
                for _ in range(STEPS):
                    loss = model(input_ids=x, labels=x).loss
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()
                if device == "cuda":
                    torch.cuda.synchronize()
                step_seconds = (time.perf_counter() - start) / STEPS
                peak = torch.cuda.max_memory_allocated() if device == "cuda" else None
                estimate = estimate_training_memory(
                    spec,
                    "qlora",
                    seq_len,
                    1,
                    R,
                    gradient_checkpointing=gradient_checkpointing,
                    compute_dtype="bf16",
                    optimizer="adamw",
                    overhead_bytes=0,
                )
                row = {
                    "model": spec.name,
                    "architecture": spec.architecture,
                    "vocab_size": spec.vocab_size,
                    "method": "qlora",
                    "seq_len": seq_len,
                    "batch": 1,
                    "r": R,
                    "lora_alpha": ALPHA,
                    "target_modules": "all-linear",
                    "gradient_checkpointing": gradient_checkpointing,
                    "compute_dtype": "bf16",
                    "optimizer": "adamw",
                    "linear4bit_layers": n_four_bit,
                    "quant_type": quant_type,
                    "trainable_parameters": trainable,
                    "trainable_parameters_expected": count_lora_parameters(spec, R),
                    "setup_allocated_bytes": setup_allocated,
                    "estimated_weights_bytes": weight_bytes(spec, "nf4", "fp32"),
                    "measured_peak_bytes": peak,
                    "estimate": estimate.as_dict(),
                    "estimated_total_bytes": estimate.total,
                    "relative_error": None if peak is None else (estimate.total - peak) / peak,
                    "loss": float(loss.detach()),
                    "build_seconds": round(build_seconds, 1),
                    "load_seconds": round(load_seconds, 1),
                    "step_seconds": round(step_seconds, 3),
                }
                rows.append(row)
                error = "–" if peak is None else f"{row['relative_error']:+.1%}"
                measured = "–" if peak is None else f"{peak / 2**30:.3f}"
                print(
                    f"{spec.name} S={seq_len} GC={gradient_checkpointing}: gemessen {measured} GiB, "
                    f"geschätzt {estimate.total / 2**30:.3f} GiB ({error})",
                    flush=True,
                )
                del optimizer, x, loss
            del model
            gc.collect()
            if device == "cuda":
                torch.cuda.empty_cache()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Führt die Messungen aus und schreibt das JSON-Ergebnis."""
    parser = argparse.ArgumentParser(description="QLoRA-Speichermessung (NF4, bitsandbytes) auf der GPU.")
    parser.add_argument("--out", type=Path, required=True, help="Pfad der JSON-Ergebnisdatei")
    parser.add_argument(
        "--models", nargs="+", default=DEFAULT_MODELS, help="Registernamen aus slmwiki.models"
    )
    parser.add_argument("--seq-lens", nargs="+", type=int, default=DEFAULT_SEQ_LENS)
    parser.add_argument("--smoke", action="store_true", help="Ablauf mit Mini-Modell auf der CPU prüfen")
    parser.add_argument(
        "--append",
        action="store_true",
        help="Messungen an eine vorhandene --out-Datei anhängen (Lauf in Teilen)",
    )
    args = parser.parse_args(argv)

    import torch

    from slmwiki.attention import tiny_attention_spec
    from slmwiki.models import get_spec

    if args.smoke:
        device = "cpu"
        specs = [tiny_attention_spec("gemma3-hybrid", num_layers=2), tiny_attention_spec("gqa", num_layers=2)]
        seq_lens = [16]
    else:
        if not torch.cuda.is_available():
            print(
                "Fehler: keine CUDA-GPU gefunden (für einen Probelauf auf der CPU: --smoke).", file=sys.stderr
            )
            return 2
        device = "cuda"
        specs = [get_spec(name) for name in args.models]
        seq_lens = args.seq_lens

    document = {
        "source": "Messung des Projekts, GPU (benchmarks/memory_gpu.py)",
        "description": (
            "Zufallsgewichte aus slmwiki.models (Formen wie die echten Modelle), echtes QLoRA: bitsandbytes NF4 + "
            "Double Quantization, Rechnung bf16, prepare_model_for_kbit_training (Gradient Checkpointing), LoRA "
            f"r={R}, alpha={ALPHA}, all-linear, AdamW, Batch 1, {STEPS} Schritte; Spitze = "
            "torch.cuda.max_memory_allocated (ohne CUDA-Kontext); Schätzung mit overhead_bytes=0."
        ),
        "smoke": args.smoke,
        "machine": _versions(),
        "unit": "bytes",
        "configurations": [],
        "failures": [],
    }
    if args.append and args.out.exists():
        previous = json.loads(args.out.read_text(encoding="utf-8"))
        document["configurations"] = previous.get("configurations", [])
        document["failures"] = previous.get("failures", [])
    for spec in specs:
        try:
            rows = _measure_model(spec, seq_lens, spec.name in NO_CHECKPOINTING_MODELS or args.smoke, device)
            document["configurations"].extend(rows)
        except Exception as error:  # eine fehlgeschlagene Konfiguration soll die anderen nicht verhindern
            traceback.print_exc()
            document["failures"].append({"model": spec.name, "error": f"{type(error).__name__}: {error}"})
        _write(args.out, document)
    return 1 if document["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
