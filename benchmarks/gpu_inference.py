"""GPU-Benchmark: Inferenz-Durchsatz (Prefill und Decode getrennt) für die Wirtschaftlichkeitsrechnung.

Misst je Modell (Gemma 3 1B und 4B, Zufallsgewichte aus der Konfiguration von `slmwiki.models`, bf16):

- `prefill`: ein Vorwärtslauf über `batch` Prompts zu je `prompt_tokens` Token (KV-Cache wird
  geschrieben, nur die letzte Position erzeugt Logits) – Median von fünf Läufen nach zwei Aufwärmläufen;
- `decode`: gieriges Generieren von `new_tokens` Token nach einem Prompt von `context_tokens` Token,
  Zeit je Schritt aus Zeitstempeln nach jedem Schritt (Median ohne die ersten vier Schritte), in drei
  Varianten: `eager` (transformers `generate` mit dynamischem Cache), `static_cudagraphs` (statischer
  Cache, Decode-Schritt als CUDA-Graph über `torch.compile(backend="cudagraphs")`) und
  `static_inductor` (statischer Cache, `torch.compile` mit Inductor, `mode="reduce-overhead"`);
  gemessen wird jeweils der zweite Aufruf derselben Form (der erste kompiliert);
- `bf16_matmul_tflops` (Median von 20 Produkten 8192³) und `copy_bandwidth_gbps` (Gerät-zu-Gerät-Kopie
  von 4 GiB, gelesene plus geschriebene Bytes) als gemessene Obergrenzen derselben Karte.

Zufallsgewichte haben dieselben Formen und damit dieselben Rechen- und Speicherkosten wie die echten
Modelle; die erzeugten Token sind bedeutungslos, die Zeiten nicht.

    python3 benchmarks/gpu_inference.py --out $OUT --budget-s 520
    # nur ein Modell neu messen, die anderen aus der eingecheckten Datei übernehmen:
    python3 benchmarks/gpu_inference.py --out $OUT --models gemma-3-4b --keep benchmarks/results/gpu_inference.json

`SLMWIKI_BENCH_DRY=1` probt den Ablauf mit einem winzigen Modell auf der CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DRY = os.environ.get("SLMWIKI_BENCH_DRY") == "1"
DEVICE = "cpu" if DRY else "cuda"


def _sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("torch", "transformers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _gpu() -> dict[str, Any]:
    if DEVICE != "cuda":
        return {"name": "cpu (dry run)"}
    props = torch.cuda.get_device_properties(0)
    return {
        "name": props.name,
        "memory_bytes": props.total_memory,
        "sm_count": props.multi_processor_count,
        "driver_cuda": torch.version.cuda,
    }


def matmul_tflops(n: int = 8192, reps: int = 20) -> float:
    """Gemessene bf16-Matrixmultiplikationsrate (Median) in TFLOP/s."""
    n = 256 if DRY else n
    a = torch.randn(n, n, device=DEVICE, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=DEVICE, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    _sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        _sync()
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e12


def copy_bandwidth_gbps(gib: float = 4.0, reps: int = 10) -> float:
    """Gemessene Speicherbandbreite einer Gerät-zu-Gerät-Kopie (gelesene + geschriebene Bytes) in GB/s."""
    nbytes = int((0.01 if DRY else gib) * 2**30)
    src = torch.empty(nbytes, dtype=torch.uint8, device=DEVICE)
    dst = torch.empty_like(src)
    dst.copy_(src)
    _sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        dst.copy_(src)
        _sync()
        times.append(time.perf_counter() - t0)
    return 2 * nbytes / statistics.median(times) / 1e9


def build_model(name: str) -> Any:
    """Gemma 3 mit Zufallsgewichten in bf16 auf dem Gerät (Formen wie das echte Modell)."""
    import transformers

    from slmwiki.models import get_spec

    if DRY:
        config = transformers.Gemma3TextConfig(
            vocab_size=512,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=32,
            sliding_window=32,
            layer_types=["sliding_attention", "full_attention"],
        )
    else:
        config = get_spec(name).to_transformers_config()
    torch.manual_seed(0)
    with torch.device(DEVICE):
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.eval()
    model.generation_config.pad_token_id = 0
    return model


def _prompts(model: Any, batch: int, length: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(batch * 100_003 + length)
    vocab = model.config.vocab_size
    return torch.randint(10, vocab, (batch, length), generator=gen).to(DEVICE)


@torch.inference_mode()
def measure_prefill(model: Any, batch: int, length: int) -> dict[str, Any]:
    """Prefill-Durchsatz: Token aller Prompts je Sekunde."""
    ids = _prompts(model, batch, length)
    times = []
    for i in range(7):
        _sync()
        t0 = time.perf_counter()
        model(input_ids=ids, use_cache=True, logits_to_keep=1)
        _sync()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)
    return {
        "batch": batch,
        "prompt_tokens": length,
        "seconds": seconds,
        "tokens_per_s": batch * length / seconds,
    }


class _StepClock:
    """Stoppkriterium, das nur Zeitstempel nach jedem Generierungsschritt aufschreibt."""

    def __init__(self) -> None:
        self.stamps: list[float] = []

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        _sync()
        self.stamps.append(time.perf_counter())
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


@torch.inference_mode()
def measure_decode(model: Any, batch: int, context: int, new_tokens: int, variant: str) -> dict[str, Any]:
    """Decode-Durchsatz einer Variante (zweiter Aufruf derselben Form; der erste kompiliert/wärmt auf)."""
    import transformers

    ids = _prompts(model, batch, context)
    kwargs: dict[str, Any] = {"max_new_tokens": new_tokens, "min_new_tokens": new_tokens, "do_sample": False}
    if variant != "eager":
        kwargs["cache_implementation"] = "static"
        if variant == "static_cudagraphs":
            compile_config = transformers.CompileConfig(backend="cudagraphs", mode=None, fullgraph=False)
        else:
            compile_config = transformers.CompileConfig(backend="inductor", mode="reduce-overhead")
        kwargs["compile_config"] = compile_config
    if variant != "eager" and DEVICE == "cuda":
        torch.compiler.reset()  # each shape compiles afresh; dynamo's recompile limit is shared across calls
    first_call_s = None
    for call in range(2):
        clock = _StepClock()
        _sync()
        t0 = time.perf_counter()
        model.generate(ids, stopping_criteria=transformers.StoppingCriteriaList([clock]), **kwargs)
        _sync()
        if call == 0:
            first_call_s = time.perf_counter() - t0
    steps = [b - a for a, b in zip(clock.stamps, clock.stamps[1:], strict=False)][4:]
    step_s = statistics.median(steps)
    return {
        "variant": variant,
        "batch": batch,
        "context_tokens": context,
        "new_tokens": new_tokens,
        "first_call_s": first_call_s,
        "prefill_and_first_token_s": clock.stamps[0] - t0,
        "step_ms": step_s * 1e3,
        "tokens_per_s": batch / step_s,
        "per_request_tokens_per_s": 1 / step_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--models", default="gemma-3-1b,gemma-3-4b")
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--prompt", type=int, default=1024)
    parser.add_argument("--new", type=int, default=128)
    parser.add_argument("--variants", default="eager,static_cudagraphs,static_inductor")
    parser.add_argument("--budget-s", type=float, default=520)
    parser.add_argument(
        "--keep",
        type=Path,
        help="frühere Ergebnisdatei: Modelle, die dieser Aufruf nicht misst, kommen von dort (mit Datum und "
        "Obergrenzen jenes Aufrufs unter „earlier_call“)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    prompt, new = (16, 12) if DRY else (args.prompt, args.new)
    batches = [int(b) for b in args.batches.split(",")]
    result: dict[str, Any] = {
        "stand": time.strftime("%Y-%m-%d"),
        "gpu": _gpu(),
        "versions": _versions(),
        "weights": "random",
        "dtype": "bfloat16",
        "engine": "transformers generate (greedy), eager or static cache + torch.compile",
        "bf16_matmul_tflops": matmul_tflops(),
        "copy_bandwidth_gbps": copy_bandwidth_gbps(),
        "models": {},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "gpu_inference.json"

    def save() -> None:
        result["duration_s"] = time.perf_counter() - start
        path.write_text(json.dumps(result, indent=2) + "\n")

    names = args.models.split(",")
    if args.keep:
        earlier = json.loads(args.keep.read_text())
        call = {k: earlier[k] for k in ("stand", "bf16_matmul_tflops", "copy_bandwidth_gbps")}
        for name, entry in earlier["models"].items():
            if name not in names:
                result["models"][name] = {**entry, "earlier_call": entry.get("earlier_call", call)}
    for index, name in enumerate(names):
        model = build_model(name)
        entry: dict[str, Any] = {
            "parameters": sum(p.numel() for p in model.parameters()),
            "weight_bytes": sum(p.numel() * p.element_size() for p in model.parameters()),
            "prefill": [],
            "decode": [],
            "skipped": [],
            "errors": [],
        }
        result["models"][name] = entry
        deadline = start + args.budget_s * (index + 1) / len(names)
        for batch in batches:
            try:
                entry["prefill"].append(measure_prefill(model, batch, prompt))
            except Exception as exc:  # an OOM or API change loses one point, not the run
                entry["errors"].append({"part": f"prefill b{batch}", "error": repr(exc)[:500]})
            save()
        for variant in args.variants.split(","):
            if DRY and variant == "static_inductor":
                continue
            for batch in batches:
                if time.perf_counter() > deadline:
                    entry["skipped"].append(f"{variant} b{batch}")
                    continue
                try:
                    entry["decode"].append(measure_decode(model, batch, prompt, new, variant))
                except Exception as exc:
                    entry["errors"].append(
                        {
                            "part": f"{variant} b{batch}",
                            "error": repr(exc)[:500],
                            "trace": traceback.format_exc()[-1500:],
                        }
                    )
                save()
                print(json.dumps(entry["decode"][-1:] or entry["errors"][-1:])[:300], flush=True)
        del model
        if DEVICE == "cuda":
            torch.cuda.empty_cache()
            entry["peak_allocated_bytes"] = torch.cuda.max_memory_allocated()
            torch.cuda.reset_peak_memory_stats()
        save()
    save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
