"""Das Speichermodell (`slmwiki.memory`, Rezepte „trl“/„unsloth“) gegen die eingecheckten GPU-Spitzen.

Geprüft wird jede gemessene Zeile (Gemma 3 1B und 4B, SDPA und FlexAttention, 1 bis 4 Blöcke je
Vorwärtsdurchlauf): Der Plan darf die Spitze um höchstens 15 % unterschätzen (sonst droht „out of memory“)
und um höchstens 20 % überschätzen (sonst verschenkt er Speicher).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmwiki.memory import estimate_training_memory

RESULT = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "gpu_engine.json"


def _measured_rows():
    data = json.loads(RESULT.read_text(encoding="utf-8"))
    for set_data in data["sets"].values():
        for model, entry in set_data["models"].items():
            for name, row in entry["rows"].items():
                if row.get("status") != "ok" or name == "trl_plain":
                    continue
                if "plan" in row:
                    plan, settings = row["plan"], row["settings"]
                    tokens = plan["per_device_train_batch_size"] * plan["max_length"]
                    checkpointing, backend = plan["gradient_checkpointing"], row["backend"]
                    dropout = settings["lora_dropout"]
                    attention = plan.get("attn_implementation") or "sdpa"
                else:
                    settings = row["settings"]
                    tokens, checkpointing = settings.get("batch", 4) * 2048, settings["gc"]
                    backend, dropout = settings["backend"], settings.get("dropout", 0.0)
                    attention = settings.get("attn") or "sdpa"
                yield pytest.param(
                    model,
                    backend,
                    checkpointing,
                    tokens,
                    dropout,
                    attention,
                    row["peak_allocated_bytes"],
                    id=f"{model}-{name}",
                )


@pytest.mark.parametrize(
    ("model", "backend", "checkpointing", "tokens", "dropout", "attention", "measured"),
    list(_measured_rows()),
)
def test_estimate_is_at_most_15_percent_under_and_20_percent_over_the_measured_peak(
    model, backend, checkpointing, tokens, dropout, attention, measured
):
    estimate = estimate_training_memory(
        model,
        "qlora",
        seq_len=tokens,
        batch=1,
        gradient_checkpointing=checkpointing,
        loss_implementation="chunked",
        backend=backend,
        lora_dropout=dropout,
        attention=attention,
        overhead_bytes=0,
    ).total
    assert -0.15 <= (estimate - measured) / measured <= 0.20, (
        f"{estimate / 2**30:.2f} GiB vs {measured / 2**30:.2f} GiB"
    )


def test_every_recipe_and_checkpointing_setting_was_measured():
    """Jede Kombination aus Backend und Checkpointing, für die es einen Faktor gibt, hat Messwerte."""
    combos = {(p.values[1], p.values[2]) for p in _measured_rows()}
    assert combos == {("trl", False), ("trl", True), ("unsloth", False), ("unsloth", True)}
