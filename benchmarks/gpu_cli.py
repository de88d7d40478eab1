"""Ende zu Ende auf der GPU: `slmwiki finetune` über die Kommandozeile, auf einer und auf zwei GPUs.

Ein Aufruf des Device-Werkzeugs (Art `nvidia-h100-x2` oder `nvidia-h200-x2`), siehe `benchmarks/README.md`:

    python3 benchmarks/gpu_cli.py run --out $OUT --budget-s 560

Was läuft (Gemma 3 1B mit Zufallsgewichten und dem SmolLM2-Tokenizer aus `.bench/tokenizer`, Rezept
`configs/gemma-3-1b-ampere.yaml`, nur `--model`, `--max_steps`, `--output_dir` überschrieben):

1. `single_fast`: `python -m slmwiki.cli finetune` auf GPU 0 – der GPU-Schnellpfad ist Standard.
2. `generate`: `python -m slmwiki.cli generate --adapter …` mit dem eben geschriebenen Adapter (ebenso
   `generate_ddp`, `generate_fsdp` nach den Läufen auf zwei GPUs).
3. `single_plain`: derselbe Befehl mit `auto_plan=false` (Einstellungen wörtlich aus dem Rezept).
4. `ddp` und `fsdp`: `accelerate launch --config_file configs/accelerate-{ddp,fsdp-qlora}.yaml -m slmwiki.cli
   finetune …` auf beiden GPUs.

Jeder Teil hält fest: Befehl, Exit-Code, Wandzeit, die letzten Zeilen der Ausgabe, die geschriebenen Dateien
und die Kennzahlen aus `run.json` (Token/s, Spitzen-Speicher, Schnellpfad-Einstellungen, Verlustkurve).
Nach jedem Teil wird `$OUT/gpu_cli.json` neu geschrieben, ein Zeitlimit verliert also nichts Fertiges.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
# what the benchmarks keep of a slmwiki finetune run.json
RUN_RECORD_KEYS = (
    "compute_dtype",
    "global_step",
    "parameters",
    "tokens_per_second",
    "train_tokens",
    "train_seconds",
    "seconds_per_step",
    "peak_memory_bytes",
    "peak_memory_kind",
    "loss_curve",
    "eval_before",
    "eval_after",
    "duration_s",
    "hardware",
)

RUNS = Path(os.environ.get("SLMWIKI_CLI_RUNS", "/tmp/slmwiki-cli"))
RECIPE = "configs/gemma-3-1b-ampere.yaml"
MULTI_GPU_KEYS = ("backend", "plan", "trainer_settings", "world_size", "fsdp", "train_examples", "versions")
NCCL_ENV = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}


def log(*parts: Any) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def files_in(folder: Path) -> dict[str, int]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


def run_part(
    name: str, command: list[str], env: dict[str, str], timeout: float, output_dir: Path | None
) -> dict[str, Any]:
    """Startet einen Befehl, misst die Wandzeit und liest danach `run.json` und die Ausgabedateien."""
    log(name, "start:", " ".join(command))
    started = time.perf_counter()
    record: dict[str, Any] = {
        "command": command,
        "env": {k: v for k, v in env.items() if k not in os.environ},
    }
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=max(10.0, timeout),
            check=False,
        )
        record.update(
            exit_code=done.returncode, stdout_tail=done.stdout[-3000:], stderr_tail=done.stderr[-4000:]
        )
    except subprocess.TimeoutExpired as exc:
        record.update(
            exit_code=None,
            timed_out=True,
            stdout_tail=(exc.stdout or b"")[-3000:].decode("utf-8", "replace")
            if isinstance(exc.stdout, bytes)
            else (exc.stdout or "")[-3000:],
        )
    record["wall_s"] = round(time.perf_counter() - started, 2)
    if output_dir is not None:
        record["files"] = files_in(output_dir)
        run_file = output_dir / "run.json"
        if run_file.is_file():
            run = json.loads(run_file.read_text(encoding="utf-8"))
            record["run"] = {k: run.get(k) for k in (*RUN_RECORD_KEYS, *MULTI_GPU_KEYS)}
    record["status"] = "ok" if record.get("exit_code") == 0 else "error"
    log(name, record["status"], f"exit={record.get('exit_code')}", f"{record['wall_s']} s")
    if record["status"] != "ok":
        log(record.get("stderr_tail", "")[-1500:])
    return record


def cmd_run(args: argparse.Namespace) -> int:
    import torch
    from gpu_engine import gpu_info, versions
    from gpu_engine import model_folder as model_with_tokenizer

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.time() + args.budget_s
    gpus = torch.cuda.device_count()
    result: dict[str, Any] = {
        "schema": 1,
        "description": "slmwiki finetune über die Kommandozeile auf GPUs (Ende zu Ende), Zufallsgewichte Gemma 3 1B",
        "recipe": RECIPE,
        "model": "gemma-3-1b (Zufallsgewichte, bf16 gespeichert, SmolLM2-Tokenizer)",
        "date": time.strftime("%Y-%m-%d"),
        "gpu_count": gpus,
        "gpu": gpu_info(),
        "versions": versions(),
        "parts": {},
    }
    target = out / "gpu_cli.json"
    write_json(target, result)
    folder = model_with_tokenizer(args.model)
    base_env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", **NCCL_ENV)
    one_gpu = dict(base_env, CUDA_VISIBLE_DEVICES="0")

    def finetune_command(output: Path, steps: int) -> list[str]:
        return [
            "-m",
            "slmwiki.cli",
            "finetune",
            "--config",
            RECIPE,
            "--model",
            str(folder),
            "--max_steps",
            str(steps),
            "--output_dir",
            str(output),
            "--eval_max_samples",
            "16",
            "--quiet",
        ]

    def remaining() -> float:
        return deadline - time.time()

    def part(name: str, command: list[str], env: dict[str, str], output: Path | None, share: float) -> None:
        if args.only and name not in args.only.split(","):
            return
        if remaining() < 40:
            result["parts"][name] = {
                "status": "skipped",
                "reason": f"Zeitbudget erschöpft ({remaining():.0f} s)",
            }
        else:
            result["parts"][name] = run_part(name, command, env, min(remaining() - 15, share), output)
        write_json(target, result)

    fast_dir = RUNS / "single_fast"
    part("single_fast", [sys.executable, *finetune_command(fast_dir, args.steps)], one_gpu, fast_dir, 200)

    def generate_command(adapter: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "slmwiki.cli",
            "generate",
            "--adapter",
            str(adapter),
            "--model",
            str(folder),
            "--max-new-tokens",
            "24",
            "--seed",
            "0",
            "--no-stream",
            "Was ist QLoRA?",
        ]

    part("generate", generate_command(fast_dir / "adapter"), one_gpu, None, 90)
    plain_dir = RUNS / "single_plain"
    part(
        "single_plain",
        [sys.executable, *finetune_command(plain_dir, args.plain_steps), "auto_plan=false"],
        one_gpu,
        plain_dir,
        150,
    )
    if gpus >= 2:
        launch = [sys.executable, "-m", "accelerate.commands.launch"]
        for tag, config in (
            ("ddp", "configs/accelerate-ddp.yaml"),
            ("fsdp", "configs/accelerate-fsdp-qlora.yaml"),
        ):
            output = RUNS / tag
            part(
                tag,
                [*launch, "--config_file", config, *finetune_command(output, args.steps)],
                base_env,
                output,
                170,
            )
            part(f"generate_{tag}", generate_command(output / "adapter"), one_gpu, None, 90)
    else:
        result["parts"]["ddp"] = result["parts"]["fsdp"] = {"status": "skipped", "reason": f"{gpus} GPU"}
    result["finished"] = time.strftime("%H:%M:%S")
    write_json(target, result)
    return 0 if all(p.get("status") == "ok" for p in result["parts"].values()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--out", required=True)
    run.add_argument("--budget-s", type=float, default=560)
    run.add_argument(
        "--model",
        default="gemma-3-1b",
        help="tiny-gemma3 (mit SLMWIKI_BENCH_DRY=1) probt den Ablauf auf der CPU",
    )
    run.add_argument("--steps", type=int, default=30, help="Optimierungsschritte der Schnellpfad-Läufe")
    run.add_argument("--plain-steps", type=int, default=4, help="Schritte ohne Schnellpfad (langsam)")
    run.add_argument("--compile-budget-s", type=float, default=300)
    run.add_argument("--skip-compile", action="store_true")
    run.add_argument("--only", default="", help="nur diese Teile, z. B. „fsdp“ (durch Komma getrennt)")
    args = parser.parse_args(argv)
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
