"""Mehrere GPUs: QLoRA mit DDP und FSDP über `accelerate launch` (Gemma 3 4B, Zufallsgewichte).

Ablauf in einem Aufruf des Device-Werkzeugs (zwei GPUs), siehe `benchmarks/README.md`:

    python benchmarks/gpu_distributed.py prepare                      # Zufallsgewichte speichern
    accelerate launch --config_file configs/accelerate-ddp.yaml --num_processes 1 \
        benchmarks/gpu_distributed.py train --tag ddp_1gpu
    accelerate launch --config_file configs/accelerate-ddp.yaml \
        benchmarks/gpu_distributed.py train --tag ddp_2gpu
    accelerate launch --config_file configs/accelerate-fsdp-qlora.yaml \
        benchmarks/gpu_distributed.py train --tag fsdp_2gpu
    python benchmarks/gpu_distributed.py merge --out $OUT             # → $OUT/gpu_distributed.json

`train` lädt das Modell so, wie `slmwiki` es unter verteiltem Start tut (`bind_local_device`,
`distributed_load_kwargs`), trainiert mit dem GPU-Schnellpfad (padding-frei, Varlen-Attention) und
misst Token/s über alle Prozesse sowie den Spitzen-Speicher je GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
PARTS = Path(os.environ.get("SLMWIKI_DIST_PARTS", "/tmp/slmwiki-dist"))
MODEL = os.environ.get("SLMWIKI_DIST_MODEL", "gemma-3-4b")


def cmd_prepare(args: argparse.Namespace) -> int:
    from gpu_qlora import build_random_model

    PARTS.mkdir(parents=True, exist_ok=True)
    print(build_random_model(args.model))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import torch
    import torch.distributed as dist
    from accelerate import PartialState
    from datasets import Dataset
    from gpu_qlora import BENCH, MODELS_DIR, gpu_info, load_tokens, versions
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from slmwiki.acceleration import (
        VARLEN_ATTENTION,
        PaddingFreeCollator,
        bind_local_device,
        distributed_load_kwargs,
        fsdp_enabled,
        register_varlen_attention,
    )
    from slmwiki.loading import quantization_config

    device_index = bind_local_device()
    state = PartialState()
    record: dict[str, Any] = {
        "tag": args.tag,
        "model": args.model,
        "world_size": state.num_processes,
        "fsdp": fsdp_enabled(),
        "env": {
            k: os.environ.get(k)
            for k in ("NCCL_NVLS_ENABLE", "TORCH_SYMM_MEM_DISABLE_MULTICAST", "NVSHMEM_DISABLE_NVLS")
        },
    }
    try:
        register_varlen_attention()
        compute = torch.bfloat16
        extra = distributed_load_kwargs(compute)
        quant = quantization_config(compute)
        if "quant_storage" in extra:
            quant.bnb_4bit_quant_storage = extra["quant_storage"]
        kwargs: dict[str, Any] = {
            "dtype": extra.get("dtype", compute),
            "quantization_config": quant,
            "attn_implementation": VARLEN_ATTENTION,
        }
        if not fsdp_enabled():
            kwargs["device_map"] = {"": torch.cuda.current_device()}
        started = time.perf_counter()
        model = AutoModelForCausalLM.from_pretrained(str(MODELS_DIR / args.model), **kwargs)
        model.config.use_cache = False
        record["load_seconds"] = time.perf_counter() - started
        if not fsdp_enabled():
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
        lora = LoraConfig(
            r=16,
            lora_alpha=32,
            lora_dropout=0.05,
            target_modules="all-linear",
            bias="none",
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, lora)
        if fsdp_enabled():
            for param in model.parameters():
                if param.requires_grad:
                    param.data = param.data.to(compute)
        tokens = load_tokens()
        dataset = Dataset.from_list(tokens["train"])
        tokenizer = AutoTokenizer.from_pretrained(BENCH / "tokenizer")
        sft = SFTConfig(
            output_dir=f"/tmp/slmwiki-dist/run-{args.tag}",
            max_steps=args.steps,
            per_device_train_batch_size=args.micro,
            gradient_accumulation_steps=1,
            learning_rate=2e-4,
            lr_scheduler_type="constant",
            warmup_steps=0,
            optim="adamw_torch",
            bf16=True,
            gradient_checkpointing=True,
            gradient_checkpointing_kwargs={"use_reentrant": fsdp_enabled()},
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            disable_tqdm=True,
            seed=42,
            data_seed=42,
            max_length=2048,
            packing=False,
            padding_free=False,
            completion_only_loss=True,
            dataloader_num_workers=0,
            ddp_find_unused_parameters=False,
        )
        counted: list[int] = []

        class Counting:
            def __init__(self, inner):
                self.inner = inner

            def __call__(self, examples):
                batch = self.inner(examples)
                counted.append(int(batch["cu_seq_lens_q"][-1]))
                return batch

        times: list[float] = []

        class Timer(TrainerCallback):
            def on_step_end(self, a, s, control, **kw):
                torch.cuda.synchronize()
                times.append(time.perf_counter())

            def on_train_begin(self, a, s, control, **kw):
                torch.cuda.synchronize()
                times.append(time.perf_counter())

        trainer = SFTTrainer(
            model=model,
            args=sft,
            train_dataset=dataset,
            processing_class=tokenizer,
            data_collator=Counting(PaddingFreeCollator(max_length=2048)),
            callbacks=[Timer()],
        )
        torch.cuda.reset_peak_memory_stats()
        trainer.train()
        warm = 2
        wall = times[-1] - times[warm]
        # tokens of the timed steps on this rank (one micro-batch per step; the loader may prefetch one more)
        local = torch.tensor([float(sum(counted[warm : warm + len(times) - 1 - warm]))], device="cuda")
        peak = torch.tensor([float(torch.cuda.max_memory_allocated())], device="cuda")
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(local)
            peaks = [torch.zeros_like(peak) for _ in range(state.num_processes)]
            dist.all_gather(peaks, peak)
        else:
            peaks = [peak]
        record.update(
            status="ok",
            steps=len(times) - 1,
            steps_timed=len(times) - 1 - warm,
            timed_seconds=wall,
            tokens_timed=float(local.item()),
            tokens_per_s=float(local.item()) / wall,
            tokens_per_s_per_gpu=float(local.item()) / wall / state.num_processes,
            peak_allocated_bytes_per_gpu=[int(p.item()) for p in peaks],
            seconds_per_step=statistics.mean(
                b - a for a, b in zip(times[warm:-1], times[warm + 1 :], strict=True)
            ),
            loss_curve=[float(e["loss"]) for e in trainer.state.log_history if "loss" in e],
            micro_batch_examples=args.micro,
            gpu=gpu_info(),
            versions=versions(),
            device_index=device_index,
        )
    except Exception as exc:  # noqa: BLE001
        record.update(status="error", error=repr(exc)[:2000], trace=traceback.format_exc()[-4000:])
    if state.is_main_process or record.get("status") == "error":
        PARTS.mkdir(parents=True, exist_ok=True)
        name = args.tag if state.is_main_process else f"{args.tag}-rank{state.process_index}"
        (PARTS / f"{name}.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        print(
            json.dumps({k: v for k, v in record.items() if k not in ("trace", "loss_curve", "versions")})[
                :1500
            ],
            flush=True,
        )
    return 0 if record["status"] == "ok" else 1


def cmd_merge(args: argparse.Namespace) -> int:
    runs = {}
    for file in sorted(PARTS.glob("*.json")):
        runs[file.stem] = json.loads(file.read_text(encoding="utf-8"))
    result: dict[str, Any] = {
        "schema": 1,
        "description": "QLoRA über mehrere GPUs mit accelerate: DDP-Skalierung und FSDP-QLoRA, Gemma 3 4B (Zufallsgewichte)",
        "model": MODEL,
        "runs": runs,
    }
    one, two, fsdp = runs.get("ddp_1gpu", {}), runs.get("ddp_2gpu", {}), runs.get("fsdp_2gpu", {})
    if one.get("status") == "ok" and two.get("status") == "ok":
        result["ddp_scaling"] = two["tokens_per_s"] / one["tokens_per_s"]
        result["ddp_efficiency"] = result["ddp_scaling"] / 2
    if one.get("status") == "ok" and fsdp.get("status") == "ok":
        result["fsdp_peak_ratio_vs_1gpu"] = max(fsdp["peak_allocated_bytes_per_gpu"]) / max(
            one["peak_allocated_bytes_per_gpu"]
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_distributed.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare")
    prep.add_argument("--model", default=MODEL)
    train = sub.add_parser("train")
    train.add_argument("--tag", required=True)
    train.add_argument("--model", default=MODEL)
    train.add_argument("--steps", type=int, default=10)
    train.add_argument("--micro", type=int, default=32)
    merge = sub.add_parser("merge")
    merge.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    return {"prepare": cmd_prepare, "train": cmd_train, "merge": cmd_merge}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
