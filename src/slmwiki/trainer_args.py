"""TRLs `SFTConfig` aus der `FinetuneConfig` und dem Trainingsplan.

Die Felder des Plans (`slmwiki.planner.TrainingPlan.sft_overrides`) gehen in den Konstruktor der
`SFTConfig`, damit transformers und TRL alles Weitere daraus ableiten. Feldnamen, die sich zwischen
transformers-Versionen unterscheiden (Aktivierungs-Checkpointing, Längen-Gruppierung), bildet dieses
Modul auf die installierte Version ab.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmwiki.config import FinetuneConfig

if TYPE_CHECKING:
    import torch


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
        overrides: Felder, die der Trainingsplan (`slmwiki.planner`) vorgibt; sie ersetzen die Werte
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


__all__ = ["build_sft_config"]
