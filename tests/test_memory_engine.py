"""Das Speichermodell (`slmwiki.memory`, Rezepte „trl“/„unsloth“) gegen die eingecheckten GPU-Spitzen.

Die Kalibrierfaktoren wurden an Gemma 3 1B angepasst (TRL; Unsloth nur an den Läufen ohne Dropout);
geprüft wird hier jede gemessene Zeile, auch die nicht angepassten (Gemma 3 4B, Dropout 0,05).
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
                    plan = row["plan"]
                    tokens = plan["per_device_train_batch_size"] * plan["max_length"]
                    checkpointing, backend = plan["gradient_checkpointing"], row["backend"]
                    dropout = 0.0 if "dropout0" in name else 0.05
                else:
                    settings = row["settings"]
                    tokens, checkpointing, backend = 4 * 2048, settings["gc"], settings["backend"]
                    dropout = settings.get("dropout", 0.05)
                yield pytest.param(
                    model,
                    backend,
                    checkpointing,
                    tokens,
                    dropout,
                    row["peak_allocated_bytes"],
                    id=f"{model}-{name}",
                )


@pytest.mark.parametrize(
    ("model", "backend", "checkpointing", "tokens", "dropout", "measured"), list(_measured_rows())
)
def test_estimate_within_15_percent_of_the_measured_peak(
    model, backend, checkpointing, tokens, dropout, measured
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
        overhead_bytes=0,
    ).total
    assert abs(estimate - measured) / measured <= 0.15, (
        f"{estimate / 2**30:.2f} GiB vs {measured / 2**30:.2f} GiB"
    )


def test_every_recipe_and_checkpointing_setting_was_measured():
    """Jede Kombination aus Backend und Checkpointing, für die es einen Faktor gibt, hat Messwerte."""
    combos = {(p.values[1], p.values[2]) for p in _measured_rows()}
    assert combos == {("trl", False), ("trl", True), ("unsloth", False), ("unsloth", True)}
