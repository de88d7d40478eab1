"""Gemeinsame Szenarien für das Speicherbudget in Kapitel 2 (von speicher_figur.py und speicher_tabelle.py geladen).

Druckt selbst nichts. Alle Werte kommen aus `slmwiki.memory.estimate_training_memory`.
"""

from __future__ import annotations

from slmwiki.memory import LABELS_DE, MemoryBreakdown, estimate_training_memory

MODELS = ["gemma-3-1b", "qwen3-4b"]
METHODS = [("full", "volles Fine-Tuning"), ("lora", "LoRA (bf16-Basis)"), ("qlora", "QLoRA (NF4-Basis)")]
SETTINGS = {"seq_len": 1024, "batch": 1, "r": 16, "gradient_checkpointing": True, "optimizer": "adamw"}
ITEMS = ["weights", "lora_parameters", "gradients", "optimizer_states", "activations", "logits", "overhead"]
LABELS = {item: LABELS_DE[item] for item in ITEMS}


def scenarios() -> list[tuple[str, str, MemoryBreakdown]]:
    """Berechnet alle Kombinationen aus Modell und Verfahren.

    Returns:
        Liste von (Modellname, deutsche Verfahrensbezeichnung, Aufschlüsselung).
    """
    return [
        (model, label, estimate_training_memory(model, method=method, **SETTINGS))
        for model in MODELS
        for method, label in METHODS
    ]


def settings_text() -> str:
    """Die Annahmen als deutscher Satzteil für Bildunterschrift und Tabelle."""
    return (
        f"Sequenzlänge {SETTINGS['seq_len']} Token, Batchgröße {SETTINGS['batch']}, LoRA-Rang {SETTINGS['r']} an "
        "allen linearen Schichten, Gradient Checkpointing, Optimierer AdamW"
    )
