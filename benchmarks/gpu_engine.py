"""GPU-Benchmark der Trainings-Engine: TRL, TRL mit Packing/Liger, Unsloth und `slmwiki finetune`.

Unterbefehle:

- `prepare` (CPU, hier): legt `.bench/tokenizer/` (SmolLM2-Tokenizer mit ChatML-Vorlage) und
  `.bench/train2x.jsonl` (`data/train.jsonl` zweimal, 686 Beispiele) an.
- `run --set trl|unsloth` (GPU): misst je Modell (Gemma 3 1B und 4B, Zufallsgewichte aus
  `slmwiki.models.get_spec(name).to_transformers_config()`, bf16 gespeichert, als NF4 mit Double
  Quantization geladen) die Zeilen des Sets und schreibt nach jeder Zeile `$OUT/gpu_engine_<set>.json`.
  `trl`: ein Prozess je Modell (Liger patcht transformers-Klassen global, deshalb laufen die Zeilen
  ohne Liger zuerst). `unsloth`: ein Prozess für beide Modelle (Unsloth kompiliert beim ersten Lauf
  mehrere Minuten und nutzt das danach im selben Prozess wieder).
- `merge`: fasst `gpu_engine_trl.json` und `gpu_engine_unsloth.json` zu `results/gpu_engine.json`.

Messgrößen je Zeile: `tokens_per_s` (echte Token ohne Füll-Token, über die Schritte nach
`WARMUP_STEPS`), `peak_allocated_bytes` (`torch.cuda.max_memory_allocated` ab dem gebauten Trainer),
`mfu` (nützliche FLOPs nach `slmwiki.flops.training_flops`, je Token im Mittel über die Beispiele,
durch Zeit und die im selben Aufruf gemessene bf16-Matrixrate), `loss_curve` je Optimierungsschritt.

`SLMWIKI_BENCH_DRY=1` probt den Ablauf auf der CPU mit einem winzigen Gemma-3-Modell (Messwerte
bedeutungslos).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench"
TRAIN = BENCH / "train2x.jsonl"
MODELS_DIR = Path(os.environ.get("SLMWIKI_BENCH_MODELS", "/tmp/slmwiki-engine"))
DRY = os.environ.get("SLMWIKI_BENCH_DRY") == "1"
WARMUP_STEPS = 1 if DRY else 2
STEPS = {"gemma-3-1b": 8, "gemma-3-4b": 6, "tiny-gemma3": 3}
BUDGETS = {"16gb": "16GB", "24gb": "24GB", "full": None}
LIBRARIES = ("torch", "transformers", "peft", "trl", "bitsandbytes", "accelerate", "datasets", "liger-kernel")
LIBRARIES += ("unsloth", "unsloth_zoo", "triton")
#: Peer workload: 4 packed blocks (or 4 padded examples) of at most 2048 tokens per optimizer step.
PEER_BATCH, PACK = 4, 2048
#: slmwiki's GPU recipe (configs/gemma-3-1b-ampere.yaml): 8 × 8 = 64 examples per optimizer step.
RECIPE = {"per_device_train_batch_size": 8, "gradient_accumulation_steps": 8, "max_seq_length": 2048}


def log(*parts: Any) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, flush=True)


def cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def versions() -> dict[str, str]:
    from slmwiki.telemetry import library_versions

    return library_versions(LIBRARIES)


def gpu_info() -> dict[str, Any]:
    import torch

    if not cuda():
        return {"name": "cpu (Probelauf)", "memory_bytes": 0}
    props = torch.cuda.get_device_properties(0)
    info = {
        "name": props.name,
        "memory_bytes": int(props.total_memory),
        "capability": f"{props.major}.{props.minor}",
    }
    with contextlib.suppress(Exception):
        info["driver"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    return info


def measure_bf16_matmul(n: int = 8192, repeats: int = 20) -> dict[str, Any]:
    """bf16-Matrixprodukt n×n×n auf Zufallsdaten, Median über `repeats` Läufe (CUDA-Events)."""
    import torch

    if not cuda():
        return {"n": 0, "tflops": 1.0, "note": "CPU-Probelauf"}
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(5):
        a @ b
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        a @ b
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1000)
    median = statistics.median(times)
    del a, b
    torch.cuda.empty_cache()
    return {"n": n, "repeats": repeats, "median_s": median, "tflops": 2 * n**3 / median / 1e12}


# ---------------------------------------------------------------------- data and models


def cmd_prepare(args: argparse.Namespace) -> int:
    from transformers import AutoTokenizer

    from slmwiki.loading import ensure_smollm2

    tokenizer = AutoTokenizer.from_pretrained(ensure_smollm2())
    BENCH.mkdir(exist_ok=True)
    tokenizer.save_pretrained(BENCH / "tokenizer")
    lines = (ROOT / "data/train.jsonl").read_text(encoding="utf-8").strip().splitlines()
    TRAIN.write_text("\n".join(lines + lines) + "\n", encoding="utf-8")
    print(len(lines) * 2, "examples ->", TRAIN)
    return 0


def tiny_config():
    from transformers import Gemma3TextConfig

    return Gemma3TextConfig(
        vocab_size=49_152,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=32,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        query_pre_attn_scalar=32,
        max_position_embeddings=32_768,
    )


def model_folder(name: str) -> Path:
    """Zufallsgewichte (bf16) plus SmolLM2-Tokenizer in einem Ordner, den alle Wege laden."""
    import shutil

    import torch
    from transformers import AutoModelForCausalLM

    folder = MODELS_DIR / name
    if (folder / "config.json").is_file():
        return folder
    config = tiny_config() if name == "tiny-gemma3" else None
    if config is None:
        from slmwiki.models import get_spec

        config = get_spec(name).to_transformers_config()
    torch.manual_seed(0)
    started = time.perf_counter()
    with torch.device("cuda" if cuda() else "cpu"):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(folder, safe_serialization=True)
    for item in (BENCH / "tokenizer").iterdir():
        shutil.copy(item, folder / item.name)
    log(
        f"random {name}: {sum(p.numel() for p in model.parameters()) / 1e9:.3f} B params, {time.perf_counter() - started:.1f} s"
    )
    del model
    gc.collect()
    if cuda():
        torch.cuda.empty_cache()
    return folder


def example_lengths(tokenizer: Any) -> list[int]:
    from slmwiki.data import load_chat_jsonl
    from slmwiki.planner import example_token_lengths

    return example_token_lengths(tokenizer, load_chat_jsonl(TRAIN))


# ---------------------------------------------------------------------- one row


class StepClock:
    """TrainerCallback-Ersatz: Zeit und Token je Optimierungsschritt."""

    def __new__(cls):
        from transformers import TrainerCallback

        class _Clock(TrainerCallback):
            def __init__(self) -> None:
                self.seconds: list[float] = []
                self.tokens: list[int] = []
                self._t = 0.0
                self._n = 0

            def on_step_begin(self, args, state, control, **kwargs):
                if cuda():
                    import torch

                    torch.cuda.synchronize()
                self._t = time.perf_counter()

            def on_step_end(self, args, state, control, **kwargs):
                if cuda():
                    import torch

                    torch.cuda.synchronize()
                self.seconds.append(time.perf_counter() - self._t)
                self.tokens.append(int(state.num_input_tokens_seen - self._n))
                self._n = state.num_input_tokens_seen

        return _Clock()


def summarize(
    seconds: list[float], tokens: list[int], peak: int, flops_per_token: float, tflops: float
) -> dict[str, Any]:
    later_s, later_t = sum(seconds[WARMUP_STEPS:]), sum(tokens[WARMUP_STEPS:])
    rate = later_t / later_s if later_s > 0 else None
    per_step = [t / s for s, t in zip(seconds[WARMUP_STEPS:], tokens[WARMUP_STEPS:], strict=True) if s > 0]
    return {
        "tokens_per_s": round(rate, 1) if rate else None,
        # robust against a single slow step (allocator, a late kernel compile)
        "tokens_per_s_median_step": round(statistics.median(per_step), 1) if per_step else None,
        "mfu": round(rate * flops_per_token / (tflops * 1e12), 4) if rate else None,
        "peak_allocated_bytes": int(peak),
        "peak_gib": round(peak / 2**30, 2),
        "step_seconds": [round(s, 3) for s in seconds],
        "step_tokens": tokens,
        "warmup_steps": WARMUP_STEPS,
    }


def peer_row(ctx: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Ein Lauf mit TRL-`SFTTrainer` und festen Einstellungen (die Vergleichsrezepte)."""
    import torch
    from trl import SFTConfig, SFTTrainer

    from slmwiki.backends import load_trainable_model
    from slmwiki.config import FinetuneConfig
    from slmwiki.data import load_chat_jsonl, to_dataset
    from slmwiki.loading import resolve_model
    from slmwiki.trainer_args import _checkpointing_args

    folder, steps = ctx["folder"], ctx["steps"]
    config = FinetuneConfig(
        model=str(folder),
        train_file=str(TRAIN),
        eval_file=None,
        max_seq_length=PACK,
        lora_dropout=row.get("dropout", 0.0),
        attn_implementation=row.get("attn"),
    )
    dtype = torch.bfloat16 if cuda() else torch.float32
    model, _ = load_trainable_model(
        row["backend"], resolve_model(str(folder)), config, dtype, gradient_checkpointing=row["gc"]
    )
    hf_gc = row["gc"] and row["backend"] == "trl"
    args = SFTConfig(
        output_dir=str(MODELS_DIR / "out" / row["name"]),
        max_steps=steps,
        per_device_train_batch_size=row.get("batch", PEER_BATCH),
        gradient_accumulation_steps=1,
        learning_rate=2e-4,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        bf16=cuda(),
        use_cpu=not cuda(),
        **_checkpointing_args(SFTConfig, hf_gc),
        max_length=PACK,
        packing=row["packing"],
        completion_only_loss=True,
        use_liger_kernel=row.get("liger", False) and cuda(),
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",
        seed=42,
        data_seed=42,
    )
    clock = StepClock()
    profiler = KernelProfile() if row.get("profile") else None
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=to_dataset(load_chat_jsonl(TRAIN)),
        processing_class=ctx["tokenizer"],
        callbacks=[clock] + ([profiler.callback] if profiler else []),
    )
    if cuda():
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    peak = torch.cuda.max_memory_allocated() if cuda() else 0
    result = summarize(clock.seconds, clock.tokens, peak, ctx["flops_per_token"], ctx["tflops"])
    if profiler:
        result["profile"] = profiler.summary(clock.seconds)
    result["loss_curve"] = [[e["step"], e["loss"]] for e in trainer.state.log_history if "loss" in e]
    result["settings"] = {k: v for k, v in row.items() if k != "name"}
    del trainer, model
    return result


def slmwiki_row(ctx: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """`slmwiki.finetune.finetune` mit den Standardwerten des GPU-Rezepts und einem Speicherbudget."""
    import shutil

    import torch

    from slmwiki.config import FinetuneConfig
    from slmwiki.finetune import finetune

    out = MODELS_DIR / "out" / row["name"]
    shutil.rmtree(out, ignore_errors=True)
    config = FinetuneConfig(
        model=str(ctx["folder"]),
        train_file=str(TRAIN),
        eval_file=None,
        output_dir=str(out),
        backend=row["backend"],
        gpu_memory=BUDGETS[row["budget"]],
        max_steps=ctx["steps"],
        logging_steps=1,
        save_steps=10_000,
        **RECIPE,
        **({"lora_dropout": row["lora_dropout"]} if "lora_dropout" in row else {}),
    )
    run = finetune(config, progress=False)
    record = run.record
    result = summarize(
        record["step_seconds"],
        record["step_tokens"],
        record["peak_memory_bytes"],
        ctx["flops_per_token"],
        ctx["tflops"],
    )
    result.update(
        loss_curve=record["loss_curve"],
        plan=record["plan"],
        trainer_settings=record["trainer_settings"],
        backend=record["backend"],
        run_json_tokens_per_second=record["tokens_per_second"],
        settings={k: v for k, v in row.items() if k != "name"}
        | RECIPE
        | {"lora_dropout": config.lora_dropout},
    )
    del run
    gc.collect()
    if cuda():
        torch.cuda.empty_cache()
    return result


def rows_for(set_name: str) -> list[dict[str, Any]]:
    """The rows of a set; every row trains with LoRA dropout 0 (peft's, Unsloth's and slmwiki's default)."""
    if set_name == "trl":
        rows = [
            {"name": "trl_plain", "backend": "trl", "packing": False, "gc": True},
            {"name": "trl_packing", "backend": "trl", "packing": True, "gc": True},
            {"name": "trl_packing_liger", "backend": "trl", "packing": True, "gc": False, "liger": True},
            # blocks per forward pass without checkpointing, and Liger with checkpointing (planner rules)
            *(
                {
                    "name": f"trl_packing_liger_b{b}",
                    "backend": "trl",
                    "packing": True,
                    "gc": False,
                    "liger": True,
                    "batch": b,
                }
                for b in (1, 2)
            ),
            {"name": "trl_packing_gc_liger", "backend": "trl", "packing": True, "gc": True, "liger": True},
            # flex attention skips the masked blocks of a packed row (SDPA computes them and masks)
            {
                "name": "trl_packing_liger_flex",
                "backend": "trl",
                "packing": True,
                "gc": False,
                "liger": True,
                "attn": "flex_attention",
            },
        ]
    else:
        rows = [
            {"name": "unsloth_packing_gc", "backend": "unsloth", "packing": True, "gc": True},
            {"name": "unsloth_packing", "backend": "unsloth", "packing": True, "gc": False},
            {"name": "unsloth_packing_b2", "backend": "unsloth", "packing": True, "gc": False, "batch": 2},
        ]
    backend = "trl" if set_name == "trl" else "unsloth"
    rows += [{"name": f"slmwiki_{backend}_{b}", "backend": backend, "budget": b} for b in BUDGETS]
    if set_name == "trl":
        # where the time goes: kernel profile of the fastest TRL row (the plan for a large card)
        rows.append(
            {
                "name": "profile_trl_packing_liger",
                "backend": "trl",
                "packing": True,
                "gc": False,
                "liger": True,
                "profile": True,
            }
        )
    return rows


def uses_liger(row: dict[str, Any], ctx: dict[str, Any]) -> bool:
    """Whether a row runs with Liger (slmwiki rows: what the planner will choose for its budget)."""
    if "budget" not in row:
        return bool(row.get("liger"))
    import torch

    from slmwiki.config import FinetuneConfig
    from slmwiki.planner import liger_available, parse_memory, plan_training

    if row["backend"] != "trl" or not liger_available():
        return False
    budget = BUDGETS[row["budget"]]
    memory = parse_memory(budget) if budget else torch.cuda.get_device_properties(0).total_memory
    config = FinetuneConfig(model=str(ctx["folder"]), train_file=str(TRAIN), eval_file=None, **RECIPE)
    plan = plan_training(
        config,
        ctx["spec"],
        backend="trl",
        memory_bytes=memory,
        device_name="GPU",
        example_lengths=ctx["lengths"],
    )
    return plan.use_liger_kernel


class KernelProfile:
    """torch.profiler over two optimizer steps after warm-up: GPU time by kernel family."""

    FAMILIES = (
        ("Profiler-Markierung", ("profilerstep",)),
        ("NF4-Entpacken (bitsandbytes)", ("dequantize", "kdequant", "bnb", "4bit")),
        ("Attention (SDPA/Flash/Flex)", ("sdpa", "flash", "fmha", "attention", "flex", "efficient", "cudnn")),
        ("Matrixprodukte (cuBLAS/CUTLASS)", ("gemm", "nvjet", "cutlass", "xmma", "wgmma", "sm90_", "cublas")),
        ("Liger-Kernels (Triton)", ("_rms_norm", "_geglu", "_swiglu", "rope", "liger", "_cross_entropy")),
        ("Optimierer", ("adam", "multi_tensor", "foreach")),
        (
            "Kopien, Typumwandlung, elementweise",
            ("elementwise", "vectorized", "copy", "cat", "fill", "where", "index"),
        ),
        ("Reduktionen", ("reduce", "norm", "sum", "softmax")),
    )

    def __init__(self) -> None:
        import torch
        from transformers import TrainerCallback

        self.prof = torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA],
            schedule=torch.profiler.schedule(wait=WARMUP_STEPS, warmup=1, active=2, repeat=1),
        )
        outer = self

        class _Step(TrainerCallback):
            def on_train_begin(self, args, state, control, **kwargs):
                outer.prof.__enter__()

            def on_step_end(self, args, state, control, **kwargs):
                outer.prof.step()

            def on_train_end(self, args, state, control, **kwargs):
                outer.prof.__exit__(None, None, None)

        self.callback = _Step()

    def family(self, name: str) -> str:
        lower = name.lower()
        for label, needles in self.FAMILIES:
            if any(n in lower for n in needles):
                return label
        return "Sonstige"

    def summary(self, step_seconds: list[float]) -> dict[str, Any]:
        kernels: dict[str, dict[str, float]] = {}
        for event in self.prof.key_averages():
            device_us = getattr(event, "self_device_time_total", 0) or getattr(
                event, "self_cuda_time_total", 0
            )
            if device_us <= 0 or getattr(event, "device_type", None) is None:
                continue
            if str(event.device_type).split(".")[-1] != "CUDA":
                continue
            item = kernels.setdefault(event.key, {"us": 0.0, "calls": 0})
            item["us"] += device_us
            item["calls"] += event.count
        total = sum(k["us"] for k in kernels.values())
        families: dict[str, float] = {}
        for name, item in kernels.items():
            families[self.family(name)] = families.get(self.family(name), 0.0) + item["us"]
        active = step_seconds[WARMUP_STEPS + 1 : WARMUP_STEPS + 3]
        wall_us = sum(active) * 1e6
        top = sorted(kernels.items(), key=lambda kv: -kv[1]["us"])[:40]
        return {
            "steps": len(active),
            "wall_s": round(sum(active), 3),
            "gpu_kernel_s": round(total / 1e6, 3),
            "gpu_busy_share": round(total / wall_us, 3) if wall_us else None,
            "families_s": {k: round(v / 1e6, 3) for k, v in sorted(families.items(), key=lambda kv: -kv[1])},
            "top_kernels": [
                {
                    "name": n[:160],
                    "s": round(v["us"] / 1e6, 4),
                    "calls": int(v["calls"]),
                    "family": self.family(n),
                }
                for n, v in top
            ],
            "note": "Profiling verlangsamt die profilierten Schritte; Anteile gelten, Token/s dieser Zeile nicht.",
        }


def worker(args: argparse.Namespace) -> int:
    set_name = args.set
    if set_name == "unsloth":
        import unsloth  # noqa: F401  (before transformers/trl, as Unsloth requires)
    import torch
    from transformers import AutoTokenizer

    from slmwiki.flops import lora_parameters, training_flops
    from slmwiki.models import ModelSpec, get_spec

    results_path = Path(args.out) / f"gpu_engine_{set_name}.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {"models": {}}
    results.update(gpu=gpu_info(), versions=versions())
    deadline = time.time() + args.budget_s
    if "bf16_matmul" not in results:
        results["bf16_matmul"] = measure_bf16_matmul()
    tflops = results["bf16_matmul"]["tflops"]
    for name in args.models.split(","):
        folder = model_folder(name)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        lengths = example_lengths(tokenizer)
        spec = (
            ModelSpec.from_transformers_config(tiny_config(), name)
            if name == "tiny-gemma3"
            else get_spec(name)
        )
        flops = training_flops(spec, lengths, lora_parameters(spec, 16))
        ctx = {
            "folder": folder,
            "tokenizer": tokenizer,
            "steps": STEPS[name],
            "tflops": tflops,
            "flops_per_token": flops["total"] / flops["tokens"],
            "spec": spec,
            "lengths": lengths,
        }
        entry = results["models"].setdefault(name, {"rows": {}})
        entry.update(
            flops_per_token=ctx["flops_per_token"],
            data={"examples": len(lengths), "tokens": sum(lengths), "mean": sum(lengths) / len(lengths)},
        )
        rows = [r for r in rows_for(set_name) if not args.only or r["name"] in args.only.split(",")]
        if set_name == "trl":
            # Liger patches transformers' classes for the whole process: rows without it first
            rows = sorted(
                rows, key=lambda r: (uses_liger(r, ctx), bool(r.get("attn")), bool(r.get("profile")))
            )
        if "4b" not in name and "tiny" not in name:
            rows = [r for r in rows if not r.get("profile")]
        for row in rows:
            left = deadline - time.time()
            if left < (40 if "4b" in name else 25):
                entry["rows"][row["name"]] = {"status": "skipped", "reason": f"{left:.0f} s left"}
                write_json(results_path, results)
                continue
            log(name, row["name"], f"{left:.0f} s left")
            started = time.perf_counter()
            try:
                result = slmwiki_row(ctx, row) if "budget" in row else peer_row(ctx, row)
                result["status"] = "ok"
            except Exception as exc:  # one row failing must not lose the others
                result = {
                    "status": "error",
                    "error": repr(exc)[:2000],
                    "traceback": traceback.format_exc()[-4000:],
                }
                if cuda() and isinstance(exc, torch.cuda.OutOfMemoryError):
                    result["status"] = "oom"
            result["wall_s"] = round(time.perf_counter() - started, 1)
            log(
                name,
                row["name"],
                result["status"],
                result.get("tokens_per_s"),
                result.get("peak_gib"),
                result.get("error", ""),
            )
            entry["rows"][row["name"]] = result
            write_json(results_path, results)
            gc.collect()
            if cuda():
                torch.cuda.empty_cache()
    return 0


def cmd_check_packing(args: argparse.Namespace) -> int:
    """Gepackte Zeile gegen getrennte Beispiele: trennt die Attention die Beispiele (SDPA, FlexAttention)?"""
    import torch
    from transformers import AutoModelForCausalLM

    name = args.models.split(",")[0]
    folder = model_folder(name)
    device = "cuda" if cuda() else "cpu"
    torch.manual_seed(0)
    lengths = [700, 300, 1048]  # one 2048-token block: sliding window (512) and full layers both matter
    pieces = [torch.randint(0, 49_152, (1, n), device=device) for n in lengths]
    packed = torch.cat(pieces, 1)
    positions = torch.cat([torch.arange(n, device=device) for n in lengths]).unsqueeze(0)
    result: dict[str, Any] = {"model": name, "lengths": lengths, "dtype": "bfloat16", "attn": {}}
    for attn in ("sdpa", "flex_attention"):
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16, attn_implementation=attn)
        model.to(device).eval()
        with torch.no_grad():
            joined = model(input_ids=packed, position_ids=positions, use_cache=False).logits.float()
            alone = torch.cat([model(input_ids=x, use_cache=False).logits.float() for x in pieces], 1)
            # the same row without the position reset: the examples see each other (contamination)
            mixed = model(input_ids=packed, use_cache=False).logits.float()
        scale = alone.abs().max().item()
        result["attn"][attn] = {
            "max_abs_diff_packed_vs_separate": (joined - alone).abs().max().item(),
            "max_abs_diff_unseparated_vs_separate": (mixed - alone).abs().max().item(),
            "max_abs_logit": scale,
        }
        log(attn, result["attn"][attn])
        del model
        gc.collect()
    write_json(Path(args.out) / "packing_check.json", result)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Startet die Arbeitsprozesse (trl: einer je Modell; unsloth: einer für alle)."""
    models = args.models.split(",")
    groups = [models] if args.set == "unsloth" else [[m] for m in models]
    deadline = time.time() + args.budget_s
    code = 0
    for i, group in enumerate(groups):
        left = deadline - time.time()
        share = left * args.first_share if len(groups) > 1 and i == 0 else left
        cmd = [sys.executable, __file__, "worker", "--set", args.set, "--out", args.out]
        cmd += ["--models", ",".join(group), "--budget-s", str(int(share))]
        if args.only:
            cmd += ["--only", args.only]
        log("start", " ".join(cmd))
        code |= subprocess.run(cmd, timeout=share + 90).returncode
    return code


def _join_rows(merged: dict[str, Any], set_name: str, file: Path, suffix: str) -> None:
    """Takes the rows that ran of a later call into `merged` under `<name><suffix>`, with that call's bf16 rate."""
    data = json.loads(file.read_text())
    for model, entry in data["models"].items():
        rows = merged["sets"][set_name]["models"][model]["rows"]
        for name, row in entry["rows"].items():
            if row.get("status") == "ok":
                row["bf16_matmul_of_call"] = data["bf16_matmul"]
                rows[f"{name}{suffix}"] = row


def cmd_merge(args: argparse.Namespace) -> int:
    merged: dict[str, Any] = {
        "workload": {
            "data": "data/train.jsonl zweimal (686 Beispiele), SmolLM2-Tokenizer mit ChatML-Vorlage",
            "weights": "Zufallsgewichte aus slmwiki.models.get_spec(name).to_transformers_config(), bf16 gespeichert, NF4 + Double Quantization geladen",
            "lora": "r 16, alpha 32, Dropout 0, alle linearen Schichten",
            "peer_batch": f"{PEER_BATCH} Blöcke (Packing) bzw. Beispiele je Schritt, max_length {PACK}",
            "slmwiki_recipe": RECIPE,
            "tokens_per_s": f"echte Token ohne Füll-Token über die Schritte nach den ersten {WARMUP_STEPS}",
            "peak": "torch.cuda.max_memory_allocated ab dem gebauten Trainer",
            "mfu": "slmwiki.flops.training_flops je Token (Mittel über die Beispiele) · Token/s ÷ gemessene bf16-Rate",
        },
        "sets": {},
    }
    for set_name in ("trl", "unsloth"):
        path = Path(args.src) / f"gpu_engine_{set_name}.json"
        if path.is_file():
            merged["sets"][set_name] = json.loads(path.read_text())
    for extra in args.extra:  # a later call of the same set: its rows join under "<name>_<suffix>"
        set_name, suffix, file = extra.split(":", 2)
        _join_rows(merged, set_name, Path(file), f"_{suffix}")
    for replace in args.replace:  # a later call with a changed planner: rows replace those of the same name
        set_name, file = replace.split(":", 1)
        _join_rows(merged, set_name, Path(file), "")
    for (
        earlier
    ) in args.earlier:  # rows the call ran out of time for, from an earlier call of the same versions
        set_name, model, name, file = earlier.split(":", 3)
        data = json.loads(Path(file).read_text())
        row = data["sets"][set_name]["models"][model]["rows"][name]
        row["earlier_call"] = {"file": Path(file).name, "bf16_matmul": data["sets"][set_name]["bf16_matmul"]}
        merged["sets"][set_name]["models"][model]["rows"][name] = row
    for set_data in merged["sets"].values():
        for entry in set_data["models"].values():
            entry["rows"] = {n: r for n, r in entry["rows"].items() if r.get("status") != "skipped"}
    if args.packing_check:
        merged["packing_check"] = json.loads(Path(args.packing_check).read_text())
    write_json(Path(args.dest), merged)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    for name in ("run", "worker"):
        p = sub.add_parser(name)
        p.add_argument("--set", choices=("trl", "unsloth"), required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--models", default="tiny-gemma3" if DRY else "gemma-3-1b,gemma-3-4b")
        p.add_argument("--budget-s", type=float, default=540)
        p.add_argument("--first-share", type=float, default=0.42)
        p.add_argument("--only", default="")
    c = sub.add_parser("check-packing")
    c.add_argument("--out", required=True)
    c.add_argument("--models", default="tiny-gemma3" if DRY else "gemma-3-1b")
    m = sub.add_parser("merge")
    m.add_argument("--src", required=True)
    m.add_argument("--dest", default=str(ROOT / "benchmarks/results/gpu_engine.json"))
    m.add_argument("--extra", action="append", default=[], help="SET:SUFFIX:FILE, rows of a later call")
    m.add_argument(
        "--replace", action="append", default=[], help="SET:FILE, rows of a later call, same names"
    )
    m.add_argument(
        "--earlier", action="append", default=[], help="SET:MODEL:ROW:FILE, a row of an earlier merge"
    )
    m.add_argument("--packing-check", default="", help="packing_check.json of check-packing")
    args = parser.parse_args(argv)
    commands = {"prepare": cmd_prepare, "run": cmd_run, "worker": worker, "merge": cmd_merge}
    return (commands | {"check-packing": cmd_check_packing})[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
