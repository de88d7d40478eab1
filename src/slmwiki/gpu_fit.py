"""Welches Modell passt auf welche Grafikkarte? Die Passt-Tabelle der Seiten, gerechnet mit `slmwiki.memory`.

Je Modell drei Szenarien: QLoRA-Training mit dem GPU-Rezept von `slmwiki finetune`, Inferenz mit
NF4-Gewichten und Inferenz mit bf16-Gewichten. Dieses Modul importiert torch nur indirekt (über
`slmwiki.memory`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from slmwiki.errors import ConfigError, require_non_negative
from slmwiki.memory import GIB, estimate_inference_memory, estimate_training_memory
from slmwiki.models import ModelSpec, get_spec

DEFAULT_GPUS: dict[str, float] = {"T4 16 GB": 16, "RTX 3060 12 GB": 12, "RTX 4090 24 GB": 24}
"""Grafikkarten für die Passt-Tabelle „GB“ bei Grafikspeicher meint hier 2^30 Byte (GiB)."""


@dataclass(frozen=True)
class FitRow:
    """Eine Zeile der Tabelle „Welches Modell passt auf welche GPU?“."""

    model: str
    """Registername des Modells."""
    scenario: str
    """Beschreibung des Szenarios, z. B. „QLoRA-Training, 1.024 Token“."""
    total_bytes: int
    """Geschätzter Gesamtbedarf einschließlich CUDA-Kontext."""
    fits: dict[str, bool]
    """GPU-Name → passt (Gesamtbedarf ≤ nutzbarer Speicher)."""


def gpu_fit_table(
    models: list[str | ModelSpec] | None = None,
    gpus: dict[str, float] | None = None,
    train_seq_len: int = 1024,
    inference_context: int = 4096,
    batch: int = 1,
    r: int = 16,
    reserve_fraction: float = 0.1,
    backend: str | None = "trl",
) -> list[FitRow]:
    """Prüft für jedes Modell, ob QLoRA-Training und Inferenz in den Grafikspeicher passen.

    Je Modell entstehen drei Zeilen: QLoRA-Training (`train_seq_len` Token, Batch `batch`, LoRA-Rang `r`
    auf allen linearen Schichten, Gradient Checkpointing, AdamW; mit `backend` das kalibrierte GPU-Rezept
    von `slmwiki finetune`: gestückelter Verlust, bf16, LoRA-Dropout wie in `FinetuneConfig`), Inferenz mit NF4-Gewichten und Inferenz
    mit bf16-Gewichten (je `inference_context` Token Kontext). Nutzbar ist der Speicher abzüglich
    `reserve_fraction` (ECC, Anzeige, Fragmentierung des Allokators).

    Args:
        models: Registernamen oder Spezifikationen; `None` für alle registrierten Modelle.
        gpus: GPU-Name → Speicher in GiB; `None` für `DEFAULT_GPUS`.
        train_seq_len: Sequenzlänge im Training.
        inference_context: Kontextlänge bei der Inferenz.
        batch: Batchgröße (Training und Inferenz).
        r: LoRA-Rang.
        reserve_fraction: Nicht nutzbarer Anteil des Grafikspeichers, 0 ≤ Anteil < 1.
        backend: Rezept der Trainingszeile („trl“ oder „unsloth“); `None` = reine Formeln mit vollen Logits.

    Returns:
        Eine Liste von `FitRow`.

    Raises:
        ConfigError: Bei unbekannten Modellen oder ungültigen Größen.
    """
    from slmwiki.formatting import number
    from slmwiki.models import list_models

    require_non_negative("reserve_fraction", reserve_fraction)
    if reserve_fraction >= 1:
        raise ConfigError(f"„reserve_fraction“ muss kleiner als 1 sein, erhalten: {reserve_fraction!r}.")
    gpus = dict(DEFAULT_GPUS if gpus is None else gpus)
    if not gpus:
        raise ConfigError("Die GPU-Liste „gpus“ ist leer.")
    usable = {}
    for name, gib in gpus.items():
        require_non_negative(f"gpus[{name}]", gib)
        usable[name] = gib * GIB * (1 - reserve_fraction)
    specs = [get_spec(m) if isinstance(m, str) else m for m in (list_models() if models is None else models)]
    rows: list[FitRow] = []
    for spec in specs:
        scenarios = [
            (
                f"QLoRA-Training, {number(train_seq_len)} Token",
                estimate_training_memory(spec, "qlora", train_seq_len, batch, r, **fit_recipe(backend)),
            ),
            (
                f"Inferenz NF4, {number(inference_context)} Token",
                estimate_inference_memory(spec, inference_context, batch, "nf4"),
            ),
            (
                f"Inferenz bf16, {number(inference_context)} Token",
                estimate_inference_memory(spec, inference_context, batch, "bf16"),
            ),
        ]
        for label, breakdown in scenarios:
            total = breakdown.total
            rows.append(FitRow(spec.name, label, total, {g: total <= usable[g] for g in gpus}))
    return rows


def fit_recipe(backend: str | None) -> dict[str, object]:
    """Argumente für `estimate_training_memory`, die das GPU-Rezept von `slmwiki finetune` beschreiben.

    Args:
        backend: „trl“, „unsloth“ oder `None` (reine Formeln: volle Logits, fp32-Hochstufung).

    Returns:
        Schlüsselwortargumente (leer für `None`).
    """
    from slmwiki.config import FinetuneConfig

    if backend is None:
        return {}
    dropout = next(f.default for f in fields(FinetuneConfig) if f.name == "lora_dropout")
    return {"loss_implementation": "chunked", "backend": backend, "lora_dropout": dropout}


def fit_table_markdown(rows: list[FitRow]) -> str:
    """Formatiert `gpu_fit_table` als deutsche Markdown-Tabelle (✓ passt, ✗ passt nicht).

    Args:
        rows: Zeilen aus `gpu_fit_table`.

    Returns:
        Die Tabelle als Markdown-Text.
    """
    from slmwiki.formatting import number

    if not rows:
        return ""
    gpus = list(rows[0].fits)
    lines = [
        "| Modell | Szenario | Bedarf (GiB) | " + " | ".join(gpus) + " |",
        "|---|---|---:|" + "|".join(":-:" for _ in gpus) + "|",
    ]
    for row in rows:
        marks = " | ".join("✓" if row.fits[g] else "✗" for g in gpus)
        lines.append(f"| {row.model} | {row.scenario} | {number(row.total_bytes / GIB, 1)} | {marks} |")
    return "\n".join(lines)
