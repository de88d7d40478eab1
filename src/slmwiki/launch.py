"""Startarten eines Laufs: ein Prozess, DDP oder FSDP-QLoRA (`accelerate launch`/`torchrun`).

Unter `accelerate launch` trainiert jeder Prozess auf seiner GPU (`LOCAL_RANK`); nur der
Hauptprozess schreibt Dateien. Mit FSDP (`configs/accelerate-fsdp-qlora.yaml`) verteilt FSDP die
Gewichte; dafür legt bitsandbytes die 4-Bit-Codes in einem Gleitkomma-Typ ab
(`bnb_4bit_quant_storage`), Checkpointing läuft reentrant, und der Adapter wird vor dem Speichern
eingesammelt (peft-Dokumentation „FSDP + QLoRA“).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


def fsdp_enabled() -> bool:
    """Ob der Prozess unter `accelerate launch` mit FSDP läuft (`ACCELERATE_USE_FSDP`).

    Returns:
        `True` bei FSDP.
    """
    return os.environ.get("ACCELERATE_USE_FSDP", "false").strip().lower() in {"1", "true", "yes"}


def bind_local_device() -> int | None:
    """Setzt die CUDA-Karte dieses Prozesses auf `LOCAL_RANK` (DDP/FSDP mit einem Prozess je GPU).

    Ohne diesen Schritt lädt jeder Prozess sein Modell auf `cuda:0`, bevor der Trainer die Karte
    wählt, und NCCL bricht mit „Duplicate GPU detected“ ab.

    Returns:
        Den Kartenindex oder `None` (kein verteilter Start oder keine GPU).
    """
    rank = os.environ.get("LOCAL_RANK")
    if rank is None:
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    torch.cuda.set_device(int(rank))
    return int(rank)


def distributed_load_kwargs(compute_dtype: torch.dtype) -> dict[str, Any]:
    """Zusätzliche Ladeargumente für FSDP-QLoRA.

    FSDP verteilt nur Gleitkomma-Tensoren: bitsandbytes legt die 4-Bit-Codes dafür in
    `bnb_4bit_quant_storage` (hier `compute_dtype`) ab, alle übrigen Gewichte haben denselben Typ,
    und das Modell bekommt keine `device_map` (FSDP verteilt selbst). Ohne FSDP: leer.

    Args:
        compute_dtype: Rechengenauigkeit (bf16).

    Returns:
        `{"quant_storage": …, "dtype": …, "device_map": None}` unter FSDP, sonst `{}`.
    """
    if not fsdp_enabled():
        return {}
    return {"quant_storage": compute_dtype, "dtype": compute_dtype, "device_map": None}


def gather_fsdp_adapter(trainer: Any) -> dict[str, Any] | None:
    """Sammelt unter FSDP die vollständigen LoRA-Gewichte auf dem Hauptprozess ein.

    Alle Prozesse müssen mitwirken; zurück bekommt nur der Hauptprozess ein Wörterbuch.

    Args:
        trainer: Der `SFTTrainer` nach dem Training.

    Returns:
        Die LoRA-Gewichte unter ihren vollen Namen (Hauptprozess), sonst `None`.
    """
    full = trainer.accelerator.get_state_dict(trainer.model)
    if not trainer.is_world_process_zero():
        return None
    return {name: tensor for name, tensor in full.items() if "lora_" in name}


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


__all__ = [
    "bind_local_device",
    "distributed_load_kwargs",
    "fsdp_enabled",
    "gather_fsdp_adapter",
    "save_gathered_adapter",
]
