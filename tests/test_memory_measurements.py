"""Prüft die Speicherschätzung gegen die eingecheckten Messungen in `benchmarks/results/`.

Die Schätzung wird hier mit dem aktuellen Code neu berechnet (nicht aus der JSON-Datei übernommen) und
muss für jede gemessene Konfiguration innerhalb von 15 % liegen. Fehlt eine Ergebnisdatei noch, wird
der zugehörige Test mit Begründung übersprungen.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmwiki.lora import count_lora_parameters
from slmwiki.memory import estimate_training_memory, with_vocab

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
TOLERANCE = 0.15


def _load(name: str) -> dict:
    path = RESULTS / name
    if not path.exists():
        pytest.skip(f"{path.name} fehlt noch (wird von benchmarks/{name.split('.')[0]}.py erzeugt)")
    return json.loads(path.read_text(encoding="utf-8"))


def _estimate(row: dict) -> int:
    spec = with_vocab(row["model"], row["vocab_size"]) if "vocab_size" in row else row["model"]
    return estimate_training_memory(
        spec,
        row["method"],
        row["seq_len"],
        row["batch"],
        row["r"],
        row["target_modules"],
        gradient_checkpointing=row["gradient_checkpointing"],
        compute_dtype=row["compute_dtype"],
        optimizer=row["optimizer"],
        overhead_bytes=0,
    ).total


def _check_all(document: dict) -> list[str]:
    problems = []
    for row in document["configurations"]:
        measured = row["measured_peak_bytes"]
        estimate = _estimate(row)
        error = (estimate - measured) / measured
        if abs(error) > TOLERANCE:
            problems.append(f"{row['model']} S={row['seq_len']}: {error:+.1%}")
    return problems


def test_lora_reference_h100_within_15_percent():
    """LoRA-bf16-Messung des Projekts (H100, qlora_measurement_log.txt): jede Konfiguration ±15 %."""
    document = _load("memory_lora_h100_reference.json")
    assert "qlora_measurement_log.txt" in document["source"]
    assert len(document["configurations"]) == 12
    assert _check_all(document) == []


def test_lora_reference_parameter_counts_match_registry():
    """Die im Log gezählten Parameter (total, LoRA) gleichen Register und LoRA-Zählung."""
    document = _load("memory_lora_h100_reference.json")
    for row in document["configurations"]:
        spec = with_vocab(row["model"], row["vocab_size"])
        assert row["total_params"] == spec.num_parameters()
        assert row["trainable_lora"] == count_lora_parameters(spec, row["r"])


def test_cpu_qlora_measurement_within_15_percent():
    """QLoRA SmolLM2-135M auf der CPU (Spitze des Arbeitsspeichers minus Grundlast): jede Konfiguration ±15 %."""
    document = _load("memory_cpu.json")
    assert document["configurations"], "keine Messungen in memory_cpu.json"
    assert _check_all(document) == []


def test_gpu_qlora_measurement_within_15_percent():
    """Echtes QLoRA (bitsandbytes NF4) auf der GPU: jede Konfiguration ±15 %, keine Fehlschläge."""
    document = _load("memory_gpu.json")
    if document.get("smoke"):
        pytest.skip("memory_gpu.json stammt aus einem Probelauf (--smoke) ohne Messwerte")
    assert document["configurations"], "keine Messungen in memory_gpu.json"
    assert document.get("failures", []) == []
    for row in document["configurations"]:
        assert row["trainable_parameters"] == count_lora_parameters(
            with_vocab(row["model"], row["vocab_size"]), row["r"]
        )
        assert row["quant_type"] == "nf4"
    assert _check_all(document) == []
