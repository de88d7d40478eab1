"""Trainings-Backends: wer das 4-Bit-Modell lädt und die LoRA-Adapter anlegt.

- **trl** – der Hugging-Face-Weg: transformers lädt das Modell mit bitsandbytes in NF4 mit Double
  Quantization, `peft.get_peft_model` legt die Adapter an. Auf einer bf16-GPU bleiben Embedding,
  Normen und Residualstrom in bf16 (wie TRLs eigenes QLoRA-Rezept); bei fp16/fp32 (T4, CPU) hebt
  `peft.prepare_model_for_kbit_training` sie auf fp32. Läuft überall und ist der Standard ohne
  Zusatzpakete.
- **unsloth** – Unsloth (`pip install "slmwiki[unsloth]"`, nur CUDA) lädt dasselbe Modell in NF4 mit
  eigenen Triton-Kernels und eigenem Gradient Checkpointing (`FastModel`).

In beiden Fällen trainiert derselbe TRL-`SFTTrainer` mit denselben Daten, demselben Verlust und
derselben `SFTConfig`; Kommandozeile, YAML-Rezepte und `run.json` sind gleich. `auto` nimmt Unsloth
nur, wenn es installiert ist und eine CUDA-GPU da ist.
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import Any

from slmwiki.errors import ConfigError


def unsloth_installed() -> bool:
    """Ob das Paket `unsloth` installiert ist (ohne es zu importieren)."""
    return importlib.util.find_spec("unsloth") is not None


def resolve_backend(requested: str, cuda: bool) -> str:
    """Wählt das Backend.

    Args:
        requested: „auto“, „trl“ oder „unsloth“.
        cuda: Ob eine CUDA-GPU da ist.

    Returns:
        „trl“ oder „unsloth“.

    Raises:
        ConfigError: Wenn „unsloth“ verlangt ist, aber fehlt oder keine CUDA-GPU da ist.
    """
    if requested == "trl":
        return "trl"
    if requested == "unsloth":
        if not cuda:
            raise ConfigError("Das Backend „unsloth“ braucht eine CUDA-GPU; nehmen Sie „--backend trl“.")
        if not unsloth_installed():
            raise ConfigError(
                'Das Backend „unsloth“ ist nicht installiert: pip install "slmwiki[unsloth]" – '
                "oder nehmen Sie „--backend trl“."
            )
        return "unsloth"
    if requested != "auto":
        raise ConfigError(f"Unbekanntes Backend „{requested}“; möglich sind „auto“, „trl“ und „unsloth“.")
    return "unsloth" if cuda and unsloth_installed() else "trl"


def import_first(backend: str) -> None:
    """Importiert Unsloth, bevor transformers und TRL geladen werden (so verlangt es Unsloth).

    Args:
        backend: Das gewählte Backend; bei „trl“ geschieht nichts.
    """
    if backend == "unsloth":
        import unsloth  # noqa: F401  (patches transformers, peft and trl on import)


def prepare_process(requested: str) -> str:
    """Wählt das Backend für diesen Prozess und importiert Unsloth, falls gewählt, vor allem anderen.

    Für die Kommandozeile: Sie ruft das vor dem Import von `slmwiki.finetune` auf (das transformers lädt).

    Args:
        requested: „auto“, „trl“ oder „unsloth“.

    Returns:
        Das gewählte Backend.
    """
    import torch

    backend = resolve_backend(requested, torch.cuda.is_available())
    import_first(backend)
    return backend


def lora_targets(model: Any, target_modules: str | list[str]) -> list[str]:
    """Die Kurznamen der LoRA-Zielmodule („all-linear“ = alle linearen Schichten außer dem Kopf).

    Args:
        model: Das Basismodell.
        target_modules: „all-linear“ oder eine Liste.

    Returns:
        Die Namen, sortiert.
    """
    import torch

    if target_modules != "all-linear":
        return list(target_modules)
    return sorted(
        {
            name.rsplit(".", 1)[-1]
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and "lm_head" not in name
        }
    )


def load_trainable_model(
    backend: str,
    resolved: Any,
    config: Any,
    compute_dtype: Any,
    *,
    gradient_checkpointing: bool,
    attn_implementation: str | None = None,
) -> tuple[Any, Any]:
    """Lädt das Basismodell in NF4 (Double Quantization) und legt die LoRA-Adapter an.

    Args:
        backend: „trl“ oder „unsloth“.
        resolved: Das aufgelöste Modell (`slmwiki.loading.resolve_model`).
        config: Die `FinetuneConfig` (LoRA-Felder, `max_seq_length`, `seed`, `attn_implementation`).
        compute_dtype: Rechengenauigkeit.
        gradient_checkpointing: Ob Aktivierungen neu berechnet werden (Unsloth: sein eigenes Verfahren).
        attn_implementation: Attention-Implementierung des Plans (nur TRL-Backend); `None` = die der
            Konfiguration.

    Returns:
        `(peft_model, base_model_before_lora)`; das zweite dient nur Prüfungen.

    Raises:
        ConfigError: Bei einem unbekannten LoRA-Zielmodul.
    """
    if backend == "unsloth":
        return _load_unsloth(resolved, config, compute_dtype, gradient_checkpointing)
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    from slmwiki.launch import fsdp_enabled
    from slmwiki.loading import keep_4bit_layout_for_training, load_base_model

    model = load_base_model(
        resolved,
        quantize=True,
        compute_dtype=compute_dtype,
        trust_remote_code=config.trust_remote_code,
        attn_implementation=attn_implementation or config.attn_implementation,
    )
    keep_4bit_layout_for_training(model)  # gradients must flow through the NF4 layers (CPU)
    # On a bf16 GPU the recipe is TRL's own: embeddings, norms and residual stream stay bf16 (half the
    # activation memory). peft's fp32 upcast stays for fp16/fp32 compute (T4, CPU); FSDP needs one dtype.
    bf16_gpu = compute_dtype == torch.bfloat16 and torch.cuda.is_available()
    if not fsdp_enabled() and not bf16_gpu:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    elif gradient_checkpointing:
        model.enable_input_require_grads()
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
        return get_peft_model(model, lora_config), model


def _load_unsloth(
    resolved: Any, config: Any, compute_dtype: Any, gradient_checkpointing: bool
) -> tuple[Any, Any]:
    import_first("unsloth")
    from unsloth import FastModel

    model, _ = FastModel.from_pretrained(
        model_name=resolved.location,
        max_seq_length=max(int(config.max_seq_length), 2048),
        dtype=compute_dtype,
        load_in_4bit=True,
        full_finetuning=False,
        local_files_only=not resolved.is_hub_id,
        trust_remote_code=config.trust_remote_code,
    )
    check_target_modules(model, config.target_modules)
    peft_model = FastModel.get_peft_model(
        model,
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=lora_targets(model, config.target_modules),
        bias="none",
        use_gradient_checkpointing="unsloth" if gradient_checkpointing else False,
        random_state=config.seed,
    )
    return peft_model, model


def linear_module_names(model: Any) -> set[str]:
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


def check_target_modules(model: Any, target_modules: str | list[str]) -> None:
    """Prüft vor dem Training, dass es alle LoRA-Zielmodule im Modell gibt.

    Args:
        model: Das Basismodell.
        target_modules: `all-linear` oder eine Liste von Modulnamen.

    Raises:
        ConfigError: Wenn ein Name nicht zu einer linearen Schicht des Modells passt.
    """
    from slmwiki.errors import closest_names

    if target_modules == "all-linear":
        return
    known = sorted(linear_module_names(model))
    for name in target_modules:
        if name not in known:
            raise ConfigError(
                f"Unbekanntes LoRA-Zielmodul „{name}“ („target_modules“): das Modell hat keine lineare Schicht "
                f"dieses Namens.{closest_names(name, known)}"
            )


__all__ = [
    "check_target_modules",
    "import_first",
    "linear_module_names",
    "load_trainable_model",
    "prepare_process",
    "lora_targets",
    "resolve_backend",
    "unsloth_installed",
]
