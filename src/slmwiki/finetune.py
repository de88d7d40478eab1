"""QLoRA-Fine-Tuning als Rezept: `finetune(config)`.

Die Funktion `finetune` liest sich von oben nach unten wie die Schritte im Wiki:

1. Eingaben prüfen (Dateien, Daten, Modellname, Checkpoints) – bevor irgendetwas geschrieben wird,
2. Zufall und Threads festlegen,
3. Tokenizer mit Chat-Vorlage laden,
4. Daten in TRLs Prompt-Completion-Format bringen (Verlust nur auf der Antwort),
5. Basismodell in 4-Bit-NF4 mit Double Quantization laden,
6. für k-Bit-Training vorbereiten,
7. LoRA-Adapter anlegen,
8. TRL-`SFTTrainer` bauen,
9. vor dem Training auswerten,
10. trainieren (Fortschrittsbalken, Checkpoints, sauberer Abbruch mit Strg+C),
11. nach dem Training auswerten,
12. Adapter, Tokenizer und Laufprotokoll `run.json` atomar speichern.

Ausgabeordner (`output_dir`):

- `adapter/` – LoRA-Adapter, Tokenizer und `slmwiki_adapter.json` (Name des Basismodells),
- `run.json` – Konfiguration, Versionen, Hardware, Verlustkurve, Auswertung vorher/nachher,
  Dauer, Spitzen-Speicher, Token pro Sekunde,
- `checkpoints/` – nur während des Trainings (oder mit `keep_checkpoints: true`); daraus setzt
  `finetune(config, resume=True)` einen unterbrochenen Lauf fort.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import PrinterCallback, TrainerCallback

from slmwiki import __version__
from slmwiki.config import FinetuneConfig
from slmwiki.errors import ConfigError, closest_names

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel

#: Unterordner mit den Trainings-Checkpoints.
CHECKPOINTS = "checkpoints"
#: Unterordner mit dem fertigen Adapter.
ADAPTER = "adapter"
#: Laufprotokoll im Ausgabeordner.
RUN_FILE = "run.json"
#: Metadaten im Adapterordner (Basismodell, Rechengenauigkeit).
ADAPTER_INFO = "slmwiki_adapter.json"
#: Fingerabdruck des Laufs im Checkpoint-Ordner (prüft beim Fortsetzen, ob die Konfiguration passt).
RUN_STATE = "slmwiki_run_state.json"

#: Felder, die sich beim Fortsetzen ändern dürfen, ohne das Ergebnis zu verändern.
RESUME_MAY_CHANGE = frozenset(
    {
        "num_threads",
        "logging_steps",
        "save_steps",
        "save_total_limit",
        "keep_checkpoints",
        "eval_steps",
        "per_device_eval_batch_size",
        "eval_max_samples",
        "eval_file",
    }
)

#: Bibliotheken, deren Versionen im Laufprotokoll stehen.
LIBRARIES = ("torch", "transformers", "peft", "trl", "bitsandbytes", "accelerate", "datasets", "safetensors")


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
        progress: Fortschrittsbalken anzeigen.
        callbacks: Zusätzliche `TrainerCallback`s (z. B. eigenes Protokoll im Notebook).

    Returns:
        Das Ergebnis mit Pfaden und Laufprotokoll.

    Raises:
        ConfigError: Bei unmöglicher Konfiguration, unbekanntem Modell oder Zielmodul.
        DataError: Bei fehlerhaften Daten.
        TrainingInterrupted: Nach SIGINT/SIGTERM (der Checkpoint ist gespeichert).
        TrainingDiverged: Wenn der Verlust NaN oder unendlich wird.
    """
    started = time.perf_counter()
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import set_seed
    from trl import SFTTrainer

    from slmwiki.acceleration import bind_local_device, fsdp_enabled, gpu_fast_path
    from slmwiki.data import load_chat_jsonl, to_dataset
    from slmwiki.loading import (
        choose_compute_dtype,
        keep_4bit_layout_for_training,
        load_base_model,
        load_tokenizer,
        resolve_model,
    )

    # --- 1. Validate inputs (nothing is written before this block has passed) -------------------
    config.check_files()
    train_examples = load_chat_jsonl(config.train_file)
    eval_examples = load_chat_jsonl(config.eval_file) if config.eval_file else []
    if config.eval_max_samples is not None:
        eval_examples = eval_examples[: config.eval_max_samples]
    output_dir = Path(config.output_dir)
    checkpoints_dir = output_dir / CHECKPOINTS
    fingerprint = _fingerprint(config)
    resume_from = _find_resume_checkpoint(checkpoints_dir, resume, fingerprint)
    compute_dtype = choose_compute_dtype(config.compute_dtype)
    cuda = torch.cuda.is_available()
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

    # Steps 3-8 build tokenizer, data, model and trainer; their progress bars only when wanted.
    with contextlib.nullcontext() if progress else _progress_bars_off():
        # --- 3. Tokenizer with chat template -------------------------------------------------------
        tokenizer = load_tokenizer(resolved, trust_remote_code=config.trust_remote_code)

        # --- 4. Data: prompt/completion, so the loss covers only the answer and its end-of-turn token --
        train_dataset = to_dataset(train_examples)
        eval_dataset = to_dataset(eval_examples) if eval_examples else None

        # --- 5. Base model in 4-bit NF4 with double quantization ------------------------------------
        model = load_base_model(
            resolved,
            quantize=True,
            compute_dtype=compute_dtype,
            trust_remote_code=config.trust_remote_code,
            attn_implementation=config.attn_implementation,
        )
        keep_4bit_layout_for_training(model)  # gradients must flow through the NF4 layers (CPU)
        # On a CUDA GPU: padding-free packing, varlen attention, micro-batch by GPU memory (slmwiki.acceleration).
        fast = gpu_fast_path(config, model, tokenizer, train_examples) if cuda else None
        use_gradient_checkpointing = fast.gradient_checkpointing if fast else config.gradient_checkpointing

        # --- 6. Prepare for k-bit training (norms/embeddings in fp32, input gradients) -------------------
        if not fsdp_enabled():  # FSDP needs one dtype throughout, so no fp32 upcast there
            model = prepare_model_for_kbit_training(
                model, use_gradient_checkpointing=use_gradient_checkpointing
            )

        # --- 7. LoRA adapters ----------------------------------------------------------------------------
        check_target_modules(model, config.target_modules)
        lora_config = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=config.target_modules,
            bias="none",
            task_type="CAUSAL_LM",
        )
        with warnings.catch_warnings():
            # peft reads the deprecated `is_gradient_checkpointing` property of transformers 5 models
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            model = get_peft_model(model, lora_config)
        # peft counts each packed 4-bit byte as two parameters, so `total` is the real model size.
        trainable, total = model.get_nb_trainable_parameters()

        # --- 8. TRL SFTTrainer --------------------------------------------------------------------------
        watcher = _RunWatcher()
        # The plan goes into the SFTConfig's constructor, so transformers derives everything from it.
        sft_config = build_sft_config(
            config,
            checkpoints_dir,
            compute_dtype,
            progress=progress,
            cuda=cuda,
            overrides=fast.sft_overrides() if fast else None,
        )
        trainer = SFTTrainer(
            model=model,
            args=sft_config,
            data_collator=fast.data_collator() if fast else None,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=tokenizer,
            callbacks=[watcher, *(callbacks or [])],
        )
        _match_adapter_dtype(trainer.model, compute_dtype)
        if fast:  # what the trainer will run, read back from the trainer itself
            ensure_plan_applied(fast.sft_overrides(), trainer_settings(trainer))
    if not progress:
        trainer.remove_callback(PrinterCallback)  # no log dicts on stdout either
    if cuda:
        torch.cuda.reset_peak_memory_stats()

    # --- 9. Evaluate before training --------------------------------------------------------------
    # Under FSDP the trainer must wrap the model in train() first (an evaluation before it wraps the
    # model with the wrong FSDP units and leaves train() without an optimizer), so only after training.
    eval_before = _evaluate(trainer) if eval_dataset is not None and not trainer.is_fsdp_enabled else None
    if eval_before is not None and not math.isfinite(eval_before["loss"]):
        raise TrainingDiverged(_diverged_message(config, compute_dtype, "vor dem Training"))

    # --- 10. Train (checkpoints in output_dir/checkpoints; Ctrl+C saves and stops cleanly) ----------
    # Under accelerate launch / torchrun every process trains; only the main process writes files.
    main_process = trainer.is_world_process_zero()
    output_existed = output_dir.exists()
    checkpoints_dir.mkdir(parents=True, exist_ok=True)
    if main_process:
        _write_json_atomic(checkpoints_dir / RUN_STATE, fingerprint)
    try:
        with _stop_on_signal(watcher):
            trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        if watcher.diverged:
            raise TrainingDiverged(
                _diverged_message(config, compute_dtype, f"bei Schritt {watcher.diverged_step}")
            )
    except Exception:
        if main_process:
            _discard_if_empty(checkpoints_dir, output_dir, output_existed)
        raise
    if watcher.signal_received is not None:
        raise TrainingInterrupted(trainer.state.global_step, newest_checkpoint(checkpoints_dir))

    # --- 11. Evaluate after training ------------------------------------------------------------------
    eval_after = _evaluate(trainer) if eval_dataset is not None else None

    # --- 12. Save adapter, tokenizer and run record atomically -------------------------------------------
    record = {
        "slmwiki_version": __version__,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_dict(),
        "model_location": resolved.location if not resolved.is_hub_id else resolved.name,
        "compute_dtype": _dtype_label(compute_dtype),
        "quantization": {"quant_type": "nf4", "double_quant": True, "bits": 4},
        "gpu_fast_path": fast.as_dict() if fast else None,
        "trainer_settings": trainer_settings(trainer),
        "versions": library_versions(),
        "hardware": hardware_info(),
        "parameters": {"trainable": trainable, "total": total},
        "train_examples": len(train_examples),
        "eval_examples": len(eval_examples),
        "global_step": trainer.state.global_step,
        "world_size": trainer.args.world_size,
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
    state_dict = _gather_fsdp_adapter(trainer) if trainer.is_fsdp_enabled else None
    if state_dict is not None:
        record["fsdp_adapter_tensors"] = len(state_dict)
    adapter_dir = output_dir / ADAPTER
    if main_process:
        to_save = trainer.model if state_dict is None else trainer.accelerator.unwrap_model(trainer.model)
        _save_outputs(to_save, tokenizer, output_dir, record, config, compute_dtype, state_dict)
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


def build_sft_config(
    config: FinetuneConfig,
    checkpoints_dir: Path,
    compute_dtype: torch.dtype,
    *,
    progress: bool = True,
    cuda: bool = False,
    overrides: dict[str, Any] | None = None,
) -> Any:  # trl.SFTConfig
    """Übersetzt die `FinetuneConfig` in TRLs `SFTConfig`.

    Gemischte Genauigkeit (Autocast) folgt der Rechengenauigkeit: bf16 → `bf16=True`, fp16 → auf
    der GPU `fp16=True`, fp32 → beides aus. Verlust nur auf der Completion (`completion_only_loss`).

    Args:
        config: Die Konfiguration.
        checkpoints_dir: Ordner für die Checkpoints.
        compute_dtype: Gewählte Rechengenauigkeit.
        progress: Fortschrittsbalken anzeigen.
        cuda: Ob auf einer CUDA-GPU trainiert wird.
        overrides: Felder, die ein Plan (z. B. der GPU-Schnellpfad) vorgibt; sie ersetzen die Werte
            aus `config`, bevor die `SFTConfig` entsteht. `gradient_checkpointing…` wird auf den
            Feldnamen der installierten transformers-Version abgebildet.

    Returns:
        Die `SFTConfig`.
    """
    import torch
    from trl import SFTConfig

    kwargs = dict(
        output_dir=str(checkpoints_dir),
        # steps and batches
        max_steps=config.max_steps if config.max_steps is not None else -1,
        num_train_epochs=config.num_train_epochs,
        per_device_train_batch_size=config.per_device_train_batch_size,
        per_device_eval_batch_size=config.per_device_eval_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        # optimizer and schedule
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of all steps
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        optim=config.optim,
        # precision and memory
        bf16=compute_dtype == torch.bfloat16,
        fp16=compute_dtype == torch.float16 and cuda,
        **_checkpointing_args(SFTConfig, config.gradient_checkpointing),
        use_cpu=not cuda,
        dataloader_pin_memory=cuda,
        # data: chat template, loss only on the completion (answer + end-of-turn token)
        max_length=config.max_seq_length,
        packing=config.packing,
        **_sampling_args(SFTConfig, config.group_by_length),
        completion_only_loss=True,
        dataset_num_proc=None,
        # logging, evaluation, checkpoints
        logging_steps=config.logging_steps,
        logging_first_step=True,
        logging_nan_inf_filter=False,
        eval_strategy="steps" if config.eval_steps else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        include_num_input_tokens_seen="non_padding",
        report_to="none",
        disable_tqdm=not progress,
        seed=config.seed,
        data_seed=config.seed,
    )
    plan = dict(overrides or {})
    if "gradient_checkpointing" in plan:  # the plan's name, mapped to the installed field name
        plan.update(
            _checkpointing_args(
                SFTConfig,
                bool(plan.pop("gradient_checkpointing")),
                plan.pop("gradient_checkpointing_kwargs", None),
            )
        )
    kwargs.update(plan)
    return SFTConfig(**kwargs)


def ensure_plan_applied(plan: dict[str, Any], settings: dict[str, Any]) -> None:
    """Prüft, dass der gebaute Trainer mit dem Plan trainiert (Mikro-Batch, Accumulation, Checkpointing).

    Args:
        plan: Die Felder, die der Plan an `build_sft_config(overrides=…)` gab.
        settings: `trainer_settings(trainer)` des gebauten Trainers.

    Raises:
        RuntimeError: Wenn ein Feld abweicht (z. B. weil eine neue transformers-Version ein Feld
            umbenannt hat); dann liefe etwas anderes als geplant und `run.json` wäre falsch.
    """
    expected = {
        "per_device_train_batch_size": plan.get("per_device_train_batch_size"),
        "gradient_accumulation_steps": plan.get("gradient_accumulation_steps"),
        "activation_checkpointing": plan.get("gradient_checkpointing"),
    }
    differing = {
        key: (value, settings.get(key))
        for key, value in expected.items()
        if value is not None and settings.get(key) != value
    }
    if differing:
        details = ", ".join(
            f"{key}: geplant {want}, im Trainer {got}" for key, (want, got) in differing.items()
        )
        raise RuntimeError(f"Der Trainer übernimmt den Plan nicht ({details}).")


def trainer_settings(trainer: Any) -> dict[str, Any]:
    """Die Einstellungen, mit denen der gebaute Trainer wirklich trainiert (für `run.json`).

    Gelesen aus den Argumenten des Trainers und dem Modell selbst, nicht aus einem Plan.

    Args:
        trainer: Ein gebauter `SFTTrainer`.

    Returns:
        Mikro-Batch, Accumulation, Aktivierungs-Checkpointing (Argument und Modellzustand), Packing,
        Padding-frei und der Name des Collators.
    """
    args = trainer.args
    checkpointing = getattr(args, "activation_checkpointing", None)
    if checkpointing is None:
        checkpointing = getattr(args, "gradient_checkpointing", False)
    model = trainer.model
    model_checkpointing = any(
        getattr(module, "gradient_checkpointing", False) is True for module in model.modules()
    )
    return {
        "per_device_train_batch_size": args.per_device_train_batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "activation_checkpointing": bool(checkpointing),
        "model_checkpointing_active": model_checkpointing,
        "packing": getattr(args, "packing", None),
        "padding_free": getattr(args, "padding_free", None),
        "data_collator": type(trainer.data_collator).__name__,
    }


def _checkpointing_args(
    sft_config_cls: type, enabled: bool, kwargs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Aktivierungs-Checkpointing heißt in neueren transformers-Versionen `activation_checkpointing`, früher `gradient_checkpointing`."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(sft_config_cls)}
    prefix = "activation" if "activation_checkpointing" in names else "gradient"
    return {
        f"{prefix}_checkpointing": enabled,
        f"{prefix}_checkpointing_kwargs": (kwargs or {"use_reentrant": False}) if enabled else None,
    }


def _sampling_args(sft_config_cls: type, group_by_length: bool) -> dict[str, Any]:
    """Längen-Gruppierung: neuere transformers-Versionen nutzen `train_sampling_strategy`, ältere `group_by_length`."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(sft_config_cls)}
    if "train_sampling_strategy" in names:
        return {"train_sampling_strategy": "group_by_length" if group_by_length else "random"}
    return {"group_by_length": group_by_length}


def linear_module_names(model: torch.nn.Module) -> set[str]:
    """Liefert die Kurznamen aller linearen Schichten (z. B. `q_proj`, `down_proj`).

    Args:
        model: Ein (ggf. 4-Bit-)Modell.

    Returns:
        Die letzten Namensteile aller `torch.nn.Linear`-Module (bitsandbytes-`Linear4bit` eingeschlossen).
    """
    import torch

    return {
        name.rsplit(".", 1)[-1]
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
    }


def check_target_modules(model: torch.nn.Module, target_modules: str | list[str]) -> None:
    """Prüft vor dem Training, dass es alle LoRA-Zielmodule im Modell gibt.

    Args:
        model: Das Basismodell.
        target_modules: `all-linear` oder eine Liste von Modulnamen.

    Raises:
        ConfigError: Wenn ein Name nicht zu einer linearen Schicht des Modells passt.
    """
    if target_modules == "all-linear":
        return
    known = sorted(linear_module_names(model))
    for name in target_modules:
        if name not in known:
            raise ConfigError(
                f"Unbekanntes LoRA-Zielmodul „{name}“ („target_modules“): das Modell hat keine lineare Schicht "
                f"dieses Namens.{closest_names(name, known)}"
            )


def newest_checkpoint(checkpoints_dir: Path) -> Path | None:
    """Findet den neuesten vollständigen Checkpoint.

    Vollständig ist ein Checkpoint, wenn `trainer_state.json` existiert – transformers schreibt
    diese Datei nach Modell, Optimierer und Zufallszustand.

    Args:
        checkpoints_dir: Ordner mit `checkpoint-<schritt>`-Unterordnern.

    Returns:
        Den Checkpoint mit der höchsten Schrittzahl oder `None`.
    """
    if not checkpoints_dir.is_dir():
        return None
    found = []
    for child in checkpoints_dir.iterdir():
        match = re.fullmatch(r"checkpoint-(\d+)", child.name)
        if match and (child / "trainer_state.json").is_file():
            found.append((int(match.group(1)), child))
    return max(found)[1] if found else None


def library_versions() -> dict[str, str]:
    """Versionen von Python und den Trainingsbibliotheken.

    Returns:
        Paketname → Version (fehlende Pakete als „nicht installiert“).
    """
    versions = {"python": platform.python_version(), "slmwiki": __version__}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "nicht installiert"
    return versions


def hardware_info() -> dict[str, Any]:
    """Beschreibt die Hardware des Laufs.

    Returns:
        Gerät, CPU-Modell, Kerne, torch-Threads, bf16-Fähigkeit und ggf. GPU-Name und -Speicher.
    """
    import torch

    from slmwiki.loading import CPU_BF16_FLAGS, cpu_flags, cpu_model_name

    flags = cpu_flags()
    info: dict[str, Any] = {
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "cpu_model": cpu_model_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_bf16_flags": sorted(f for f in CPU_BF16_FLAGS if f in flags),
        "cpu_has_avx512f": "avx512f" in flags,
        "platform": platform.platform(),
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(
            gpu_name=props.name,
            gpu_memory_bytes=int(props.total_memory),
            gpu_capability=f"{props.major}.{props.minor}",
        )
    return info


def peak_memory(cuda: bool) -> dict[str, Any]:
    """Spitzen-Speicher des Prozesses.

    Args:
        cuda: GPU-Speicher (`torch.cuda.max_memory_allocated`) statt CPU-RSS messen.

    Returns:
        `peak_memory_bytes` und `peak_memory_kind`.
    """
    if cuda:
        import torch

        return {
            "peak_memory_bytes": int(torch.cuda.max_memory_allocated()),
            "peak_memory_kind": "cuda_max_allocated",
        }
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    factor = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB
    return {"peak_memory_bytes": int(rss * factor), "peak_memory_kind": "cpu_max_rss_process"}


# --- Internals ---------------------------------------------------------------------------------


class _RunWatcher(TrainerCallback):
    """TrainerCallback: Schrittzeiten, Token, NaN-Erkennung und Stopp auf Signal."""

    def __init__(self) -> None:
        self.signal_received: int | None = None
        self.diverged = False
        self.diverged_step: int | None = None
        self.start_step = 0
        self.start_tokens = 0
        self.end_tokens = 0
        self.end_step = 0
        self.step_seconds: list[float] = []
        self._step_started = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        self.start_step = state.global_step
        self.start_tokens = state.num_input_tokens_seen

    def on_step_begin(self, args, state, control, **kwargs):
        self._step_started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.step_seconds.append(time.perf_counter() - self._step_started)
        self.end_step = state.global_step
        self.end_tokens = state.num_input_tokens_seen
        if self.signal_received is not None:
            control.should_save = True
            control.should_training_stop = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged = True
            self.diverged_step = state.global_step
            control.should_training_stop = True
        return control

    def throughput(self) -> dict[str, Any]:
        steps = len(self.step_seconds)
        seconds = sum(self.step_seconds)
        tokens = self.end_tokens - self.start_tokens
        return {
            "train_steps_this_session": steps,
            "train_seconds": round(seconds, 3),
            "seconds_per_step": round(seconds / steps, 4) if steps else None,
            "step_seconds": [round(x, 3) for x in self.step_seconds],
            "train_tokens": int(tokens),
            "tokens_per_second": round(tokens / seconds, 2) if seconds > 0 else None,
        }


@contextlib.contextmanager
def _stop_on_signal(watcher: _RunWatcher) -> Iterator[None]:
    """Fängt SIGINT/SIGTERM ab: der laufende Schritt endet, ein Checkpoint wird gespeichert.

    Ein zweites Signal wirkt wie gewohnt (die alten Handler sind dann wieder aktiv).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handler(signum, frame):
        watcher.signal_received = signum
        for sig, old in previous.items():
            signal.signal(sig, old)

    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


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


def _fingerprint(config: FinetuneConfig) -> dict[str, Any]:
    relevant = {k: v for k, v in config.to_dict().items() if k not in RESUME_MAY_CHANGE}
    digest = hashlib.sha256(Path(config.train_file).read_bytes()).hexdigest()
    return {"config": relevant, "train_file_sha256": digest}


def _find_resume_checkpoint(checkpoints_dir: Path, resume: bool, fingerprint: dict[str, Any]) -> Path | None:
    checkpoint = newest_checkpoint(checkpoints_dir)
    if not resume:
        if checkpoint is not None:
            raise ConfigError(
                f"In „{checkpoints_dir}“ liegt der Checkpoint eines früheren Laufs ({checkpoint.name}). "
                "Setzen Sie „--resume“, um dort fortzusetzen, oder löschen Sie den Ordner für einen Neustart."
            )
        return None
    if checkpoint is None:
        raise ConfigError(
            f"Zum Fortsetzen („--resume“) fehlt ein vollständiger Checkpoint in „{checkpoints_dir}“. "
            "Starten Sie ohne „--resume“."
        )
    state_file = checkpoints_dir / RUN_STATE
    if state_file.is_file():
        saved = json.loads(state_file.read_text(encoding="utf-8"))
        if saved.get("train_file_sha256") != fingerprint["train_file_sha256"]:
            raise ConfigError(
                "Die Trainingsdaten haben sich seit dem Checkpoint geändert; Fortsetzen ist nicht möglich."
            )
        before, now = saved.get("config", {}), fingerprint["config"]
        changed = sorted(k for k in now if before.get(k) != now[k])
        if changed:
            details = ", ".join(f"„{k}“: {before.get(k)!r} → {now[k]!r}" for k in changed)
            raise ConfigError(
                f"Die Konfiguration weicht vom unterbrochenen Lauf ab ({details}); so lässt er sich nicht fortsetzen."
            )
    return checkpoint


def _discard_if_empty(checkpoints_dir: Path, output_dir: Path, output_existed: bool) -> None:
    """Räumt nach einem Fehler auf, wenn noch kein Checkpoint entstanden ist (nichts Halbes bleibt liegen)."""
    if newest_checkpoint(checkpoints_dir) is not None:
        return
    shutil.rmtree(checkpoints_dir, ignore_errors=True)
    if not output_existed and output_dir.is_dir() and not any(output_dir.iterdir()):
        output_dir.rmdir()


def _write_json_atomic(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _gather_fsdp_adapter(trainer: Any) -> dict[str, Any] | None:
    """Sammelt unter FSDP die vollständigen LoRA-Gewichte auf dem Hauptprozess ein.

    Alle Prozesse müssen mitwirken; zurück bekommt nur der Hauptprozess ein Wörterbuch.

    Returns:
        Die LoRA-Gewichte unter ihren vollen Namen (Hauptprozess), sonst `None`.
    """
    full = trainer.accelerator.get_state_dict(trainer.model)
    if not trainer.is_world_process_zero():
        return None
    return {name: tensor for name, tensor in full.items() if "lora_" in name}


def _save_outputs(
    model: PreTrainedModel,
    tokenizer,
    output_dir: Path,
    record: dict[str, Any],
    config: FinetuneConfig,
    compute_dtype: torch.dtype,
    state_dict: dict[str, Any] | None = None,
) -> Path:
    """Schreibt Adapter und Tokenizer in einen temporären Ordner und tauscht ihn dann ein.

    `state_dict` sind die unter FSDP eingesammelten Gewichte; sonst liest `save_pretrained` sie selbst.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_dir / ADAPTER
    tmp = make_temp_dir(output_dir, ADAPTER)
    try:
        if state_dict is None:
            model.save_pretrained(tmp, safe_serialization=True)
        else:
            save_gathered_adapter(model, state_dict, tmp)
        tokenizer.save_pretrained(tmp)
        info = {
            "base_model": config.model,
            "compute_dtype": _dtype_label(compute_dtype),
            "slmwiki_version": __version__,
        }
        (tmp / ADAPTER_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        record["adapter_dir"] = str(final)
        replace_dir(tmp, final)
        _write_json_atomic(output_dir / RUN_FILE, record)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def save_gathered_adapter(model: Any, state_dict: dict[str, Any], folder: Path) -> None:
    """Schreibt eingesammelte LoRA-Gewichte im Format von `PeftModel.save_pretrained`.

    Unter FSDP liefert `get_state_dict` die Gewichte unter ihren gewöhnlichen Namen
    (`…q_proj.lora_A.default.weight`). peft sucht die Adaptergewichte aber anhand der Modulnamen des
    Modells, und die enthalten unter FSDP die Hüllen (`_fsdp_wrapped_module`): `save_pretrained`
    schriebe einen leeren Adapter. Deshalb hier direkt: Adaptername aus den Schlüsseln entfernen
    (wie peft), Gewichte als safetensors, dazu `adapter_config.json`.

    Args:
        model: Das PEFT-Modell (unter FSDP ausgepackt oder die FSDP-Hülle; gelesen werden nur
            `peft_config` und `active_adapter`).
        state_dict: Die eingesammelten Gewichte; übernommen werden die des aktiven Adapters.
        folder: Zielordner.

    Raises:
        RuntimeError: Wenn `state_dict` keine Gewichte des aktiven Adapters enthält.
    """
    import copy

    from safetensors.torch import save_file

    name = model.active_adapter
    marker = f".{name}."
    tensors = {
        key.replace(marker, ".", 1): tensor.detach().to("cpu").contiguous()
        for key, tensor in state_dict.items()
        if "lora_" in key and marker in key
    }
    if not tensors:
        raise RuntimeError(
            f"Unter den {len(state_dict)} eingesammelten Gewichten sind keine des Adapters „{name}“; "
            "der Adapter wird nicht gespeichert."
        )
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / "adapter_model.safetensors"), metadata={"format": "pt"})
    config = copy.deepcopy(model.peft_config[name])
    config.inference_mode = True
    config.save_pretrained(str(folder))


def make_temp_dir(parent: Path, name: str) -> Path:
    """Legt einen temporären Ordner `.<name>.tmp-…` neben dem Ziel an (gleiches Dateisystem).

    Args:
        parent: Übergeordneter Ordner des Ziels.
        name: Name des Zielordners.

    Returns:
        Den neuen, leeren Ordner mit üblichen Zugriffsrechten (nicht nur für den Eigentümer).
    """
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def replace_dir(tmp: Path, final: Path) -> None:
    """Ersetzt `final` durch den fertig geschriebenen Ordner `tmp`.

    Ein vorhandener Zielordner wird erst beiseitegelegt und nach dem Umbenennen gelöscht;
    schlägt das Umbenennen fehl, kommt er zurück. Ein vollständiger alter Ordner geht also
    nie verloren, ohne dass ein vollständiger neuer an seiner Stelle steht.

    Args:
        tmp: Fertiger temporärer Ordner (im selben Ordner wie `final`).
        final: Zielordner.
    """
    old: Path | None = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
        os.replace(final, old / final.name)
    try:
        os.replace(tmp, final)
    finally:
        if old is not None:
            if not final.exists() and (old / final.name).exists():
                os.replace(old / final.name, final)
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def read_run_record(output_dir: str | Path) -> dict[str, Any]:
    """Liest das Laufprotokoll `run.json` eines Ausgabeordners.

    Args:
        output_dir: Ausgabeordner eines Laufs.

    Returns:
        Das Laufprotokoll.

    Raises:
        ConfigError: Wenn `run.json` fehlt.
    """
    path = Path(output_dir) / RUN_FILE
    if not path.is_file():
        raise ConfigError(f"Im Ordner „{output_dir}“ fehlt das Laufprotokoll „{RUN_FILE}“.")
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = [
    "RunResult",
    "TrainingDiverged",
    "TrainingInterrupted",
    "build_sft_config",
    "trainer_settings",
    "ensure_plan_applied",
    "check_target_modules",
    "finetune",
    "hardware_info",
    "library_versions",
    "make_temp_dir",
    "newest_checkpoint",
    "peak_memory",
    "read_run_record",
    "save_gathered_adapter",
    "replace_dir",
]
