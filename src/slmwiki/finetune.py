"""QLoRA-Fine-Tuning als Rezept: `finetune(config)`.

Die Funktion `finetune` liest sich von oben nach unten wie die Schritte im Wiki:

1. Backend wählen (`slmwiki.backends`: TRL oder Unsloth) und Eingaben prüfen – bevor irgendetwas
   geschrieben wird,
2. Zufall, Threads und (unter `accelerate launch`) die GPU des Prozesses festlegen,
3. Tokenizer mit Chat-Vorlage laden,
4. Daten in TRLs Prompt-Completion-Format bringen (Verlust nur auf der Antwort),
5. planen (`slmwiki.planner`): auf der GPU Packing, Mikro-Batch, Gradient Checkpointing und Liger
   nach dem Speichermodell, mit Begründung; auf der CPU gilt die Konfiguration,
6. Basismodell in 4-Bit-NF4 mit Double Quantization laden und LoRA-Adapter anlegen,
7. TRL-`SFTTrainer` mit dem Plan bauen und prüfen, dass er ihn übernommen hat,
8. vor dem Training auswerten,
9. trainieren (Fortschrittsbalken, Checkpoints, sauberer Abbruch mit Strg+C),
10. nach dem Training auswerten,
11. Adapter, Tokenizer und Laufprotokoll `run.json` atomar speichern (`slmwiki.outputs`,
    Messwerte aus `slmwiki.telemetry`).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import PrinterCallback, TrainerCallback

from slmwiki import __version__
from slmwiki.backends import check_target_modules, linear_module_names
from slmwiki.config import FinetuneConfig
from slmwiki.errors import ConfigError
from slmwiki.launch import save_gathered_adapter
from slmwiki.outputs import (
    ADAPTER,
    ADAPTER_INFO,
    CHECKPOINTS,
    RUN_FILE,
    RUN_STATE,
    make_temp_dir,
    newest_checkpoint,
    read_run_record,
    replace_dir,
)
from slmwiki.planner import TrainingPlan, ensure_plan_applied, plan_differences
from slmwiki.telemetry import RunWatcher, hardware_info, library_versions, peak_memory, trainer_settings
from slmwiki.telemetry import RunWatcher as _RunWatcher  # noqa: F401  (older name, used by tests)
from slmwiki.telemetry import stop_on_signal as _stop_on_signal
from slmwiki.trainer_args import _checkpointing_args, build_sft_config  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    import torch


class TrainingInterrupted(KeyboardInterrupt):
    """Das Training wurde mit SIGINT/SIGTERM beendet; der letzte Checkpoint ist vollständig."""

    def __init__(self, step: int, checkpoint: Path | None) -> None:
        self.step = step
        self.checkpoint = checkpoint
        where = f" Checkpoint: {checkpoint}." if checkpoint else ""
        super().__init__(
            f"Training bei Schritt {step} unterbrochen.{where} Mit „--resume“ geht es dort weiter."
        )


class TrainingDiverged(ConfigError):
    """Der Verlust wurde NaN oder unendlich (z. B. fp16-Überlauf)."""


@dataclass
class RunResult:
    """Ergebnis eines vollständigen Laufs."""

    output_dir: Path
    """Ausgabeordner des Laufs."""

    adapter_dir: Path
    """Ordner mit LoRA-Adapter und Tokenizer."""

    run_file: Path
    """Pfad des Laufprotokolls `run.json`."""

    record: dict[str, Any] = field(default_factory=dict)
    """Inhalt von `run.json`."""

    model: Any = field(default=None, repr=False)
    """Das trainierte `PeftModel` (4-Bit-Basis + Adapter), z. B. für einen sofortigen Inferenz-Test."""

    tokenizer: Any = field(default=None, repr=False)
    """Der Tokenizer des Laufs."""

    main_process: bool = True
    """Ob dieser Prozess Dateien geschrieben hat (unter `accelerate launch`/`torchrun` nur Rang 0)."""

    @property
    def eval_loss_before(self) -> float | None:
        """Auswertungsverlust vor dem Training (`None` ohne Auswertungsdaten)."""
        return (self.record.get("eval_before") or {}).get("loss")

    @property
    def eval_loss_after(self) -> float | None:
        """Auswertungsverlust nach dem Training (`None` ohne Auswertungsdaten)."""
        return (self.record.get("eval_after") or {}).get("loss")

    @property
    def global_step(self) -> int:
        """Zahl der Optimierungsschritte am Ende."""
        return int(self.record["global_step"])


def finetune(
    config: FinetuneConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    callbacks: list[TrainerCallback] | None = None,
) -> RunResult:
    """Trainiert einen LoRA-Adapter auf einem 4-Bit-NF4-Basismodell (QLoRA) mit TRL.

    Args:
        config: Die geprüfte Konfiguration.
        resume: Vom neuesten Checkpoint in `output_dir/checkpoints` fortsetzen.
        progress: Fortschrittsbalken und die Begründung des Plans anzeigen.
        callbacks: Zusätzliche `TrainerCallback`s (z. B. eigenes Protokoll im Notebook).

    Returns:
        Das Ergebnis mit Pfaden und Laufprotokoll.

    Raises:
        ConfigError: Bei unmöglicher Konfiguration, unbekanntem Modell, Backend oder Zielmodul.
        DataError: Bei fehlerhaften Daten.
        TrainingInterrupted: Nach SIGINT/SIGTERM (der Checkpoint ist gespeichert).
        TrainingDiverged: Wenn der Verlust NaN oder unendlich wird.
    """
    started = time.perf_counter()
    import torch

    from slmwiki import backends, outputs
    from slmwiki.data import load_chat_jsonl, to_dataset
    from slmwiki.launch import bind_local_device, fsdp_enabled, gather_fsdp_adapter
    from slmwiki.loading import choose_compute_dtype, load_tokenizer, resolve_model

    # --- 1. Backend and inputs (nothing is written before this block has passed) -----------------------
    cuda = torch.cuda.is_available()
    backend = backends.resolve_backend(config.backend, cuda)
    backends.import_first(backend)  # Unsloth must patch transformers/trl before the trainer is built
    from transformers import set_seed
    from trl import SFTTrainer

    config.check_files()
    train_examples = load_chat_jsonl(config.train_file)
    eval_examples = load_chat_jsonl(config.eval_file) if config.eval_file else []
    if config.eval_max_samples is not None:
        eval_examples = eval_examples[: config.eval_max_samples]
    output_dir = Path(config.output_dir)
    checkpoints_dir = output_dir / CHECKPOINTS
    fingerprint = outputs.fingerprint(config)
    resume_from = outputs.find_resume_checkpoint(checkpoints_dir, resume, fingerprint)
    compute_dtype = choose_compute_dtype(config.compute_dtype)
    if not cuda and ("8bit" in config.optim or "paged" in config.optim):
        raise ConfigError(
            f"Der Optimierer „optim“ = {config.optim!r} braucht eine CUDA-GPU; nehmen Sie 'adamw_torch'."
        )
    resolved = resolve_model(config.model)

    # --- 2. Seed, threads and (under accelerate launch / torchrun) this process's GPU ----------------
    set_seed(config.seed)
    bind_local_device()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)

    # Steps 3-7 build tokenizer, data, plan, model and trainer; their progress bars only when wanted.
    with contextlib.nullcontext() if progress else _progress_bars_off():
        # --- 3. Tokenizer with chat template -------------------------------------------------------
        tokenizer = load_tokenizer(resolved, trust_remote_code=config.trust_remote_code)

        # --- 4. Data: prompt/completion, so the loss covers only the answer and its end-of-turn token --
        train_dataset = to_dataset(train_examples)
        eval_dataset = to_dataset(eval_examples) if eval_examples else None

        # --- 5. Plan: what fits the GPU (packing, micro-batch, checkpointing, Liger), decided up front ----
        plan = make_plan(config, backend, resolved, tokenizer, train_examples, cuda)
        if progress and plan.planned:
            print("Trainingsplan:\n  " + "\n  ".join(plan.reasons), flush=True)

        # --- 6. Base model in 4-bit NF4 with double quantization, LoRA adapters -------------------------
        model, _ = backends.load_trainable_model(
            backend,
            resolved,
            config,
            compute_dtype,
            gradient_checkpointing=plan.gradient_checkpointing,
            attn_implementation=plan.attn_implementation,
        )
        # peft counts each packed 4-bit byte as two parameters, so `total` is the real model size.
        trainable, total = model.get_nb_trainable_parameters()

        # --- 7. TRL SFTTrainer, built from the plan (the plan goes into the SFTConfig constructor) --------
        watcher = RunWatcher()
        overrides = plan.sft_overrides()
        if backend == "unsloth":  # Unsloth checkpoints through its own patch set at load time
            overrides.update(gradient_checkpointing=False, gradient_checkpointing_kwargs=None)
        sft_config = build_sft_config(
            config, checkpoints_dir, compute_dtype, progress=progress, cuda=cuda, overrides=overrides
        )
        trainer = SFTTrainer(
            model=model,
            args=sft_config,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=tokenizer,
            callbacks=[watcher, *(callbacks or [])],
        )
        _match_adapter_dtype(trainer.model, compute_dtype)
        settings = trainer_settings(trainer)  # what the trainer will run, read back from the trainer
        planned = overrides | {"attn_implementation": plan.attn_implementation}
        if backend == "trl":
            ensure_plan_applied(planned, settings)
        else:  # Unsloth rewrites some trainer arguments itself: what it changed goes into run.json
            settings["differs_from_plan"] = plan_differences(planned, settings)
    if not progress:
        trainer.remove_callback(PrinterCallback)  # no log dicts on stdout either
    if cuda:
        torch.cuda.reset_peak_memory_stats()

    # --- 8. Evaluate before training --------------------------------------------------------------
    # Under FSDP the trainer must wrap the model in train() first (an evaluation before it wraps the
    # model with the wrong FSDP units and leaves train() without an optimizer), so only after training.
    eval_before = _evaluate(trainer) if eval_dataset is not None and not trainer.is_fsdp_enabled else None
    if eval_before is not None and not math.isfinite(eval_before["loss"]):
        raise TrainingDiverged(_diverged_message(config, compute_dtype, "vor dem Training"))

    # --- 9. Train (checkpoints in output_dir/checkpoints; Ctrl+C saves and stops cleanly) ----------
    # Under accelerate launch / torchrun every process trains; only the main process writes files.
    main_process = trainer.is_world_process_zero()
    output_existed = output_dir.exists()
    checkpoints_dir.mkdir(parents=True, exist_ok=True)
    if main_process:
        outputs.write_json_atomic(checkpoints_dir / RUN_STATE, fingerprint)
    try:
        with _stop_on_signal(watcher):
            trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        if watcher.diverged:
            raise TrainingDiverged(
                _diverged_message(config, compute_dtype, f"bei Schritt {watcher.diverged_step}")
            )
    except Exception:
        if main_process:
            outputs.discard_if_empty(checkpoints_dir, output_dir, output_existed)
        raise
    if watcher.signal_received is not None:
        raise TrainingInterrupted(trainer.state.global_step, newest_checkpoint(checkpoints_dir))

    # --- 10. Evaluate after training ------------------------------------------------------------------
    eval_after = _evaluate(trainer) if eval_dataset is not None else None

    # --- 11. Save adapter, tokenizer and run record atomically -------------------------------------------
    record = {
        "slmwiki_version": __version__,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_dict(),
        "model_location": resolved.location if not resolved.is_hub_id else resolved.name,
        "compute_dtype": _dtype_label(compute_dtype),
        "quantization": {"quant_type": "nf4", "double_quant": True, "bits": 4},
        "backend": backend,
        "plan": plan.as_dict(),
        "trainer_settings": settings,
        "versions": library_versions(),
        "hardware": hardware_info(),
        "parameters": {"trainable": trainable, "total": total},
        "train_examples": len(train_examples),
        "eval_examples": len(eval_examples),
        "global_step": trainer.state.global_step,
        "world_size": trainer.args.world_size,
        "fsdp": fsdp_enabled(),
        "resumed_from_step": watcher.start_step if resume_from else None,
        "loss_curve": [
            [int(entry["step"]), float(entry["loss"])]
            for entry in trainer.state.log_history
            if "loss" in entry
        ],
        "eval_curve": [
            [int(entry["step"]), float(entry["eval_loss"])]
            for entry in trainer.state.log_history
            if "eval_loss" in entry and entry.get("step", 0) > 0
        ],
        "eval_before": eval_before,
        "eval_after": eval_after,
        "duration_s": round(time.perf_counter() - started, 3),
        **watcher.throughput(),
        **peak_memory(cuda),
    }
    # Under FSDP each process holds only a shard: gathering the adapter weights needs every process.
    state_dict = gather_fsdp_adapter(trainer) if trainer.is_fsdp_enabled else None
    if state_dict is not None:
        record["fsdp_adapter_tensors"] = len(state_dict)
    adapter_dir = output_dir / ADAPTER
    if main_process:
        to_save = trainer.model if state_dict is None else trainer.accelerator.unwrap_model(trainer.model)
        outputs.save_outputs(to_save, tokenizer, output_dir, record, config, compute_dtype, state_dict)
        if not config.keep_checkpoints:
            shutil.rmtree(checkpoints_dir, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()  # the other processes return once the outputs exist
    return RunResult(
        output_dir,
        adapter_dir,
        output_dir / RUN_FILE,
        record,
        model=trainer.model,
        tokenizer=tokenizer,
        main_process=main_process,
    )


# --- Building blocks ---------------------------------------------------------------------------


def make_plan(
    config: FinetuneConfig,
    backend: str,
    resolved: Any,
    tokenizer: Any,
    examples: list[dict[str, Any]],
    cuda: bool,
) -> TrainingPlan:
    """Der Plan des Laufs: auf einer CUDA-GPU vom Planer, sonst die Konfiguration.

    Args:
        config: Die Konfiguration.
        backend: Das gewählte Backend.
        resolved: Das aufgelöste Modell (dessen `config.json` liefert die Maße).
        tokenizer: Der Tokenizer (für die Beispiellängen).
        examples: Die Trainingsbeispiele.
        cuda: Ob eine CUDA-GPU da ist.

    Returns:
        Der Plan.
    """
    from slmwiki import planner

    if not cuda:
        return planner.config_plan(config, backend, "CPU: Einstellungen aus der Konfiguration.")
    if not config.auto_plan:
        return planner.config_plan(
            config, backend, "„auto_plan: false“: Einstellungen aus der Konfiguration."
        )
    import torch
    from transformers import AutoConfig

    from slmwiki.models import ModelSpec

    try:
        model_config = AutoConfig.from_pretrained(
            resolved.location, trust_remote_code=config.trust_remote_code
        )
        spec = ModelSpec.from_transformers_config(model_config, name=config.model)
    except (ConfigError, ValueError, OSError) as exc:
        return planner.config_plan(config, backend, f"Modellmaße unbekannt ({exc}); Werte der Konfiguration.")
    props = torch.cuda.get_device_properties(torch.cuda.current_device())
    memory = planner.parse_memory(config.gpu_memory) if config.gpu_memory else int(props.total_memory)
    device = f"{props.name}, geplant für {config.gpu_memory}" if config.gpu_memory else props.name
    return planner.plan_training(
        config,
        spec,
        backend=backend,
        memory_bytes=min(memory, int(props.total_memory)),
        device_name=device,
        example_lengths=planner.example_token_lengths(tokenizer, examples),
    )


@contextlib.contextmanager
def _progress_bars_off() -> Iterator[None]:
    """Schaltet die Fortschrittsbalken von datasets und transformers vorübergehend ab."""
    import datasets
    from transformers.utils import logging as hf_logging

    datasets_on = datasets.is_progress_bar_enabled()
    transformers_on = hf_logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if datasets_on:
            datasets.enable_progress_bars()
        if transformers_on:
            hf_logging.enable_progress_bar()


def _evaluate(trainer) -> dict[str, float]:
    metrics = trainer.evaluate()
    loss = float(metrics["eval_loss"])
    return {"loss": loss, "perplexity": math.exp(loss) if loss < 700 else math.inf}


def _match_adapter_dtype(model: torch.nn.Module, compute_dtype: torch.dtype) -> None:
    """Hält die LoRA-Gewichte in fp32, außer bei bf16-Rechnen.

    TRL wandelt die trainierbaren Gewichte eines quantisierten Modells in bf16 um (Empfehlung des
    QLoRA-Papers für bf16-GPUs). Bei fp32-Rechnen (CPU ohne bf16-Befehle) und bei fp16 mit
    GradScaler (T4) bleiben die Adapter hier in fp32: die Optimiererschritte gehen nicht in der
    bf16-Rundung verloren, und fp16-Autocast rechnet die Matrixprodukte trotzdem in fp16.
    """
    import torch

    if compute_dtype == torch.bfloat16:
        return
    for param in model.parameters():
        if param.requires_grad and param.dtype != torch.float32:
            param.data = param.data.to(torch.float32)


def _dtype_label(dtype: torch.dtype) -> str:
    from slmwiki.loading import dtype_name

    return dtype_name(dtype)


def _diverged_message(config: FinetuneConfig, compute_dtype: torch.dtype, when: str) -> str:
    import torch

    if compute_dtype == torch.float16:
        hint = (
            " In fp16 laufen die Aktivierungen mancher Modelle (z. B. Gemma 3) über; verwenden Sie "
            "„compute_dtype: bf16“ (GPU ab Ampere) oder „fp32“."
        )
    else:
        hint = f" Senken Sie „learning_rate“ (aktuell {config.learning_rate})."
    return f"Der Verlust ist {when} nicht endlich (NaN oder unendlich).{hint}"


__all__ = [
    "ADAPTER",
    "ADAPTER_INFO",
    "CHECKPOINTS",
    "RUN_FILE",
    "RunResult",
    "TrainingDiverged",
    "TrainingInterrupted",
    "build_sft_config",
    "check_target_modules",
    "ensure_plan_applied",
    "finetune",
    "hardware_info",
    "library_versions",
    "linear_module_names",
    "make_plan",
    "make_temp_dir",
    "newest_checkpoint",
    "peak_memory",
    "read_run_record",
    "replace_dir",
    "save_gathered_adapter",
    "trainer_settings",
]
