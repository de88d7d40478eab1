"""Der Trainingsplan: schnellste Einstellungen, die in den Grafikspeicher passen.

`plan_training` entscheidet vor dem Bau des Trainers, *wie* gerechnet wird – nie, *was* gelernt wird
(Daten, Verlust nur auf den Antworten, LoRA, Lernrate bleiben). Auf einer CUDA-GPU:

1. **Packing** (TRL `packing=True`, Strategie „bfd“): Beispiele werden ohne Füll-Token zu Blöcken
   gebündelt; TRL legt sie padding-frei hintereinander und setzt `position_ids` je Beispiel neu,
   transformers trennt die Beispiele in der Attention (Block-Diagonal-Maske). Ein Block hat
   `PACK_TOKENS` Token, solange kein Beispiel länger als `max_seq_length` ist (dann gekürzt würde).
2. **Blöcke je Schritt**: Ein Optimierungsschritt sieht etwa so viele Token wie
   `per_device_train_batch_size` · `gradient_accumulation_steps` Beispiele der Konfiguration.
3. **Mikro-Batch und Gradient Checkpointing** nach dem Speichermodell `slmwiki.memory`: ohne
   Checkpointing, wenn es passt (schneller), sonst mit; der größte Mikro-Batch, der ins Budget passt,
   höchstens `MAX_ROW_TOKENS` Token je Vorwärtsdurchlauf.
4. **Liger-Kernels** (RMSNorm, RoPE, SwiGLU/GeGLU als Triton-Kerne; `use_liger_kernel`) im
   TRL-Backend, wenn `liger-kernel` installiert ist; Unsloth bringt eigene Kerne mit.
5. **Attention** im TRL-Backend: FlexAttention (`attn_implementation="flex_attention"`, Teil von
   PyTorch), sofern die Konfiguration keine Implementierung vorgibt. transformers baut aus den
   `position_ids` der gepackten Zeile eine Block-Maske, und FlexAttention überspringt die Kacheln, die
   sie ausschließt; SDPA rechnet die ganze Zeile und maskiert danach.

Das Budget ist der Speicher der GPU oder `gpu_memory` („16GB“), abzüglich `slmwiki.memory.CUDA_CONTEXT_BYTES`
und mal `MEMORY_FILL`. Die Gründe stehen deutsch in `TrainingPlan.reasons` und im Laufprotokoll.
Auf der CPU und mit `auto_plan: false` gilt die Konfiguration unverändert.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from slmwiki.errors import ConfigError
from slmwiki.models import ModelSpec

#: Token je gepacktem Block (TRL `max_length` beim Packing).
PACK_TOKENS = 2048

#: Höchstens so viele Token je Vorwärtsdurchlauf: Mit SDPA rechnet die Attention über die ganze
#: padding-freie Zeile (Maske statt übersprungener Blöcke), ihr Aufwand wächst quadratisch.
MAX_ROW_TOKENS = 8192

#: Anteil des übrigen Speichers, den der Plan höchstens verplant (Rest: Fragmentierung des Allokators).
MEMORY_FILL = 0.9


def _gib(value: float) -> str:
    """GiB mit einer Nachkommastelle und deutschem Dezimalkomma (ohne babel, das auf GPU-Maschinen fehlen kann)."""
    return f"{value / 2**30:.1f}".replace(".", ",") + " GiB"


_UNITS = {"": 2**30, "g": 2**30, "gb": 2**30, "gib": 2**30, "m": 2**20, "mb": 2**20, "mib": 2**20}


def parse_memory(text: str | float | int) -> int:
    """Liest eine Speichergröße wie „16GB“, „24 GiB“, „80“ (GB) oder „512MB“.

    „GB“ meint hier wie bei Grafikkarten üblich 2^30 Byte.

    Args:
        text: Die Angabe.

    Returns:
        Bytes.

    Raises:
        ConfigError: Bei unlesbarer oder nicht positiver Angabe.
    """
    match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*", str(text))
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS or float(match.group(1).replace(",", ".")) <= 0:
        raise ConfigError(
            f"„gpu_memory“ muss eine Speichergröße wie „16GB“ oder „24GB“ sein, erhalten: {text!r}."
        )
    return int(float(match.group(1).replace(",", ".")) * _UNITS[unit])


def liger_available() -> bool:
    """Ob `liger-kernel` installiert ist."""
    return importlib.util.find_spec("liger_kernel") is not None


def flex_available() -> bool:
    """Ob PyTorch FlexAttention mitbringt (`torch.nn.attention.flex_attention`, ab PyTorch 2.5)."""
    try:
        return importlib.util.find_spec("torch.nn.attention.flex_attention") is not None
    except ModuleNotFoundError:
        return False


@dataclass
class TrainingPlan:
    """Was der Trainer rechnen soll – vor seinem Bau festgelegt."""

    backend: str
    """„trl“ oder „unsloth“."""
    packing: bool
    """TRL-Packing („bfd“, padding-frei)."""
    max_length: int
    """TRL `max_length`: Blockgröße beim Packing, sonst Kürzung je Beispiel."""
    per_device_train_batch_size: int
    """Blöcke (bzw. Beispiele ohne Packing) je Vorwärtsdurchlauf."""
    gradient_accumulation_steps: int
    """Vorwärtsdurchläufe je Optimierungsschritt."""
    gradient_checkpointing: bool
    """Aktivierungen im Rückwärtsdurchlauf neu berechnen."""
    use_liger_kernel: bool = False
    """Liger-Kernels (nur TRL-Backend)."""
    attn_implementation: str | None = None
    """Attention-Implementierung, mit der das Modell geladen wird; `None` = aus der Konfiguration."""
    budget_bytes: int | None = None
    """Speicherbudget, mit dem geplant wurde (`None` ohne GPU-Plan)."""
    estimated_peak_bytes: int | None = None
    """Geschätzte Spitze (`max_memory_allocated`) nach `slmwiki.memory`."""
    device: str = "cpu"
    """Gerät, für das geplant wurde."""
    planned: bool = False
    """Ob der Planer entschieden hat (sonst: Werte der Konfiguration)."""
    reasons: list[str] = field(default_factory=list)
    """Begründungen (deutsch)."""

    def sft_overrides(self) -> dict[str, Any]:
        """Felder für TRLs `SFTConfig` (an `build_sft_config(overrides=…)`).

        Returns:
            Feldname → Wert.
        """
        from slmwiki.launch import fsdp_enabled

        overrides: dict[str, Any] = {
            "packing": self.packing,
            "max_length": self.max_length,
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "gradient_checkpointing": self.gradient_checkpointing,
            # FSDP-QLoRA needs reentrant checkpointing (peft documentation), otherwise non-reentrant
            "gradient_checkpointing_kwargs": {"use_reentrant": fsdp_enabled()}
            if self.gradient_checkpointing
            else None,
        }
        if self.packing:
            overrides["packing_strategy"] = "bfd"
        if self.use_liger_kernel:
            overrides["use_liger_kernel"] = True
        return overrides

    def as_dict(self) -> dict[str, Any]:
        """Der Plan als JSON-taugliches Wörterbuch (für `run.json`)."""
        return asdict(self)


def config_plan(config: Any, backend: str, reason: str) -> TrainingPlan:
    """Der „Plan“, der die Konfiguration unverändert übernimmt (CPU, `auto_plan: false`).

    Args:
        config: Die `FinetuneConfig`.
        backend: Das gewählte Backend.
        reason: Warum nicht geplant wurde.

    Returns:
        Der Plan.
    """
    return TrainingPlan(
        backend=backend,
        packing=bool(config.packing),
        max_length=int(config.max_seq_length),
        per_device_train_batch_size=int(config.per_device_train_batch_size),
        gradient_accumulation_steps=int(config.gradient_accumulation_steps),
        gradient_checkpointing=bool(config.gradient_checkpointing),
        reasons=[reason],
    )


def estimate_plan_peak(
    spec: ModelSpec,
    backend: str,
    row_tokens: int,
    checkpointing: bool,
    lora_r: int,
    target_modules: Any,
    lora_dropout: float = 0.0,
    attention: str | None = None,
) -> int:
    """Geschätzte Spitze eines Plans nach dem Speichermodell (`slmwiki.memory`).

    Args:
        spec: Modellmaße.
        backend: „trl“ oder „unsloth“.
        row_tokens: Token je Vorwärtsdurchlauf.
        checkpointing: Gradient Checkpointing an/aus.
        lora_r: LoRA-Rang.
        target_modules: LoRA-Zielmodule.
        lora_dropout: LoRA-Dropout (> 0 kostet Speicher).
        attention: Attention-Implementierung (`None`/„sdpa“ oder „flex_attention“).

    Returns:
        Bytes (wie `torch.cuda.max_memory_allocated`).
    """
    from slmwiki.memory import estimate_training_memory

    return estimate_training_memory(
        spec,
        "qlora",
        seq_len=row_tokens,
        batch=1,
        r=lora_r,
        target_modules=target_modules,
        gradient_checkpointing=checkpointing,
        loss_implementation="chunked",
        backend=backend,
        lora_dropout=lora_dropout,
        attention="flex_attention" if attention == "flex_attention" else "sdpa",
        overhead_bytes=0,
    ).total


def plan_training(
    config: Any,
    spec: ModelSpec,
    *,
    backend: str,
    memory_bytes: int,
    device_name: str,
    example_lengths: Sequence[int],
    liger: bool | None = None,
    flex: bool | None = None,
) -> TrainingPlan:
    """Plant Packing, Mikro-Batch, Gradient Checkpointing und Liger für eine CUDA-GPU.

    Args:
        config: Die `FinetuneConfig`.
        spec: Modellmaße des geladenen Modells.
        backend: „trl“ oder „unsloth“.
        memory_bytes: Grafikspeicher, für den geplant wird.
        device_name: Bezeichnung der GPU (für die Begründung).
        example_lengths: Tokenlängen der Trainingsbeispiele nach der Chat-Vorlage.
        liger: Liger verwenden, falls das Backend es kann; `None` = wenn installiert.
        flex: FlexAttention verwenden (TRL-Backend, ohne Vorgabe in der Konfiguration); `None` = wenn
            PyTorch sie mitbringt.

    Returns:
        Der Plan.

    Raises:
        ConfigError: Ohne Beispiellängen oder wenn schon ein Block mit Checkpointing nicht passt.
    """
    if not example_lengths:
        raise ConfigError("Für die Planung fehlen die Tokenlängen der Trainingsbeispiele.")
    from slmwiki.memory import CUDA_CONTEXT_BYTES

    budget = int((memory_bytes - CUDA_CONTEXT_BYTES) * MEMORY_FILL)
    reasons = [f"Speicherbudget: {_gib(memory_bytes)} ({device_name}), davon {_gib(budget)} verplant."]
    max_seq = int(config.max_seq_length)
    longest, mean = max(example_lengths), sum(example_lengths) / len(example_lengths)
    if longest <= max_seq:
        pack = max(max_seq, PACK_TOKENS)
        reasons.append(
            f"Packing („bfd“, ohne Füll-Token): Blöcke von {pack} Token; kein Beispiel ist länger als "
            f"„max_seq_length“ ({max_seq}), es wird also nichts gekürzt."
        )
    else:
        pack = max_seq
        reasons.append(
            f"Packing in Blöcken von „max_seq_length“ = {max_seq} Token (längere Beispiele werden gekürzt)."
        )
    examples_per_step = int(config.per_device_train_batch_size) * int(config.gradient_accumulation_steps)
    packs_per_step = max(1, round(examples_per_step * mean / pack))
    reasons.append(
        f"{examples_per_step} Beispiele je Optimierungsschritt (≈ {round(examples_per_step * mean):,} Token) "
        f"ergeben {packs_per_step} Block/Blöcke je Schritt.".replace(",", ".")
    )
    use_liger = backend == "trl" and (liger_available() if liger is None else liger)
    attention = config.attn_implementation
    if attention is None and backend == "trl" and (flex_available() if flex is None else flex):
        attention = "flex_attention"

    lora = (config.lora_r, config.target_modules, config.lora_dropout)

    def largest_micro(checkpointing: bool) -> int | None:
        best = None
        for micro in range(1, packs_per_step + 1):
            if micro * pack > max(MAX_ROW_TOKENS, pack):
                break
            peak = estimate_plan_peak(spec, backend, micro * pack, checkpointing, *lora, attention=attention)
            if peak > budget:
                break
            best = micro
        return best

    # Larger forward passes pay most (measured: 2048 → 8192 tokens per pass more than doubles tokens/s,
    # recomputation costs about a quarter), so: the largest micro-batch, without checkpointing if it fits.
    without, with_gc = largest_micro(False), largest_micro(True)
    if without is not None and without >= (with_gc or 0):
        checkpointing, micro = False, without
        reasons.append(
            f"Ohne Gradient Checkpointing passen {micro} Block/Blöcke je Vorwärtsdurchlauf (schneller)."
        )
    elif with_gc is not None:
        checkpointing, micro = True, with_gc
        why = f"ohne nur {without}" if without else "ohne passt keiner"
        reasons.append(
            f"Mit Gradient Checkpointing ({'Unsloth' if backend == 'unsloth' else 'transformers'}) passen {micro} "
            f"Block/Blöcke je Vorwärtsdurchlauf ({why}); größere Vorwärtsdurchläufe sind schneller, als die "
            "Neuberechnung kostet."
        )
    else:
        raise ConfigError(
            f"Schon ein Block von {pack} Token passt mit Gradient Checkpointing nicht in {_gib(memory_bytes)}. "
            "Senken Sie „max_seq_length“ oder nehmen Sie ein kleineres Modell."
        )
    accumulation = max(1, round(packs_per_step / micro))
    if use_liger:
        reasons.append("Liger-Kernels (RMSNorm, RoPE, GeGLU/SwiGLU) sind installiert und laufen mit.")
    elif backend == "unsloth":
        reasons.append("Unsloth bringt eigene Triton-Kernels und sein Gradient Checkpointing mit.")
    if attention == "flex_attention" and config.attn_implementation is None:
        reasons.append(
            "Attention mit FlexAttention: Sie überspringt in den gepackten Blöcken, was die Maske zwischen den "
            "Beispielen ausschließt (SDPA rechnet es und verwirft es). Die ersten Schritte übersetzen die "
            "Kernels (etwa eine Minute)."
        )
    peak = estimate_plan_peak(spec, backend, micro * pack, checkpointing, *lora, attention=attention)
    reasons.append(f"Geschätzte Spitze: {_gib(peak)}.")
    return TrainingPlan(
        backend=backend,
        packing=True,
        max_length=pack,
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        gradient_checkpointing=checkpointing,
        use_liger_kernel=use_liger,
        attn_implementation=attention,
        budget_bytes=budget,
        estimated_peak_bytes=peak,
        device=device_name,
        planned=True,
        reasons=reasons,
    )


def example_token_lengths(tokenizer: Any, examples: Sequence[dict[str, Any]]) -> list[int]:
    """Tokenlängen der Chat-Beispiele nach der Chat-Vorlage (wie TRL sie tokenisiert).

    Args:
        tokenizer: Tokenizer mit Chat-Vorlage.
        examples: Beispiele `{"messages": [...]}`.

    Returns:
        Eine Länge je Beispiel.
    """
    lengths = []
    for example in examples:
        text = tokenizer.apply_chat_template(example["messages"], tokenize=False)
        lengths.append(len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    return lengths


def plan_differences(plan: dict[str, Any], settings: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Felder, in denen der gebaute Trainer vom Plan abweicht.

    Args:
        plan: Die Felder, die der Plan an `build_sft_config(overrides=…)` gab.
        settings: `trainer_settings(trainer)` des gebauten Trainers.

    Returns:
        Feldname → (geplant, im Trainer); leer, wenn alles übernommen wurde.
    """
    expected = {
        "per_device_train_batch_size": plan.get("per_device_train_batch_size"),
        "gradient_accumulation_steps": plan.get("gradient_accumulation_steps"),
        "activation_checkpointing": plan.get("gradient_checkpointing"),
        "packing": plan.get("packing"),
        "use_liger_kernel": plan.get("use_liger_kernel"),
        "attn_implementation": plan.get("attn_implementation"),
    }
    return {
        key: (value, settings.get(key))
        for key, value in expected.items()
        if value is not None and settings.get(key) != value
    }


def ensure_plan_applied(plan: dict[str, Any], settings: dict[str, Any]) -> None:
    """Prüft, dass der gebaute Trainer mit dem Plan trainiert.

    Args:
        plan: Die Felder, die der Plan an `build_sft_config(overrides=…)` gab.
        settings: `trainer_settings(trainer)` des gebauten Trainers.

    Raises:
        RuntimeError: Wenn ein Feld abweicht (z. B. weil eine neue transformers-Version ein Feld
            umbenannt hat); dann liefe etwas anderes als geplant und `run.json` wäre falsch.
    """
    differing = plan_differences(plan, settings)
    if differing:
        details = ", ".join(
            f"{key}: geplant {want}, im Trainer {got}" for key, (want, got) in differing.items()
        )
        raise RuntimeError(f"Der Trainer übernimmt den Plan nicht ({details}).")


__all__ = [
    "MAX_ROW_TOKENS",
    "MEMORY_FILL",
    "PACK_TOKENS",
    "TrainingPlan",
    "config_plan",
    "ensure_plan_applied",
    "estimate_plan_peak",
    "example_token_lengths",
    "flex_available",
    "liger_available",
    "parse_memory",
    "plan_differences",
    "plan_training",
]
