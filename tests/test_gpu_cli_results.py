"""Die eingecheckte Ende-zu-Ende-Messung `benchmarks/results/gpu_cli.json` und was die Seiten daraus machen.

Die Messung selbst läuft nur auf einer geliehenen GPU (`benchmarks/gpu_cli.py`); hier wird geprüft, dass sie
zeigt, was die Seiten „Leistung“ und „Mehrere GPUs“ in Worten behaupten, und dass die Tabellen die Werte
der Datei wiedergeben (aus den Rohwerten nachgerechnet, nicht aus dem Skript übernommen).
"""

from __future__ import annotations

import contextlib
import io
import json
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "gpu_cli.json"
SCRIPT = ROOT / "docs_src" / "5_praxis" / "gpu_cli.py"

pytestmark = pytest.mark.skipif(not RESULT.is_file(), reason="keine GPU-Messung eingecheckt")


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(RESULT.read_text(encoding="utf-8"))


def _printed(function: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    namespace = runpy.run_path(str(SCRIPT))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace[function]()
    return out.getvalue()


def test_every_cli_run_succeeded_and_wrote_one_adapter(data):
    """Alle Teile endeten mit Exit-Code 0; jeder Trainingslauf schrieb Adapter und run.json."""
    assert {name: part["status"] for name, part in data["parts"].items()} == dict.fromkeys(
        ["single_fast", "generate", "single_plain", "ddp", "generate_ddp", "fsdp", "generate_fsdp"], "ok"
    )
    for name in ("single_fast", "single_plain", "ddp", "fsdp"):
        files = data["parts"][name]["files"]
        assert files["adapter/adapter_model.safetensors"] > 1_000_000, name  # not an empty adapter
        assert "run.json" in files and not any(f.startswith("checkpoints/") for f in files), name


def test_cli_on_the_gpu_takes_the_fast_path_by_default(data):
    """Ohne Umgebungsvariable plant `slmwiki finetune` den Schnellpfad; mit SLMWIKI_GPU_FAST_PATH=0 nicht."""
    fast = data["parts"]["single_fast"]
    plain = data["parts"]["single_plain"]
    assert "SLMWIKI_GPU_FAST_PATH" not in fast["env"]
    assert plain["env"]["SLMWIKI_GPU_FAST_PATH"] == "0"
    assert fast["run"]["gpu_fast_path"]["padding_free"] is True
    assert plain["run"]["gpu_fast_path"] is None
    # the goal: at least 5x the plain recipe's tokens/s
    assert fast["run"]["tokens_per_second"] / plain["run"]["tokens_per_second"] >= 5


def test_fast_path_memory_plan_is_not_below_the_measured_peak(data):
    """Die Speicherschätzung des Plans (längstes Beispiel × Mikro-Batch) liegt über der gemessenen Spitze."""
    run = data["parts"]["single_fast"]["run"]
    ratio = run["gpu_fast_path"]["estimated_peak_bytes"] / run["peak_memory_bytes"]
    assert 1.0 <= ratio <= 1.5


def test_multi_gpu_prose_matches_the_measurement(data):
    """Was „Mehrere GPUs“ in Worten sagt: DDP gleich schnelle Schritte, über 2× Token/s; FSDP langsamer,
    weniger Speicher, doppelt so großer (fp32-)Adapter, keine Auswertung vor dem Training."""
    single, ddp, fsdp = (data["parts"][k] for k in ("single_fast", "ddp", "fsdp"))
    assert ddp["run"]["world_size"] == fsdp["run"]["world_size"] == 2
    assert abs(ddp["run"]["seconds_per_step"] / single["run"]["seconds_per_step"] - 1) < 0.1
    assert ddp["run"]["tokens_per_second"] / single["run"]["tokens_per_second"] > 2
    assert fsdp["run"]["tokens_per_second"] < single["run"]["tokens_per_second"]
    assert fsdp["run"]["peak_memory_bytes"] < single["run"]["peak_memory_bytes"]
    size = "adapter/adapter_model.safetensors"
    assert 1.9 < fsdp["files"][size] / single["files"][size] < 2.1
    assert fsdp["run"]["eval_before"] is None and fsdp["run"]["eval_after"] is not None


def test_single_gpu_table_shows_the_measured_values(data, monkeypatch):
    """Die Tabelle auf „Leistung“ gibt Token/s beider Läufe und den daraus gerechneten Faktor wieder."""
    text = _printed("single_gpu_table", monkeypatch)
    fast = round(data["parts"]["single_fast"]["run"]["tokens_per_second"])
    plain = round(data["parts"]["single_plain"]["run"]["tokens_per_second"])
    assert f"{fast:,}".replace(",", ".") in text and f"{plain:,}".replace(",", ".") in text
    assert f"**{fast / plain:.1f}-mal**".replace(".", ",") in text
    assert data["gpu"]["name"] in text


def test_multi_gpu_table_has_one_row_per_setup(data, monkeypatch):
    """Drei Zeilen (eine GPU, DDP, FSDP) mit den Beispielen je Schritt 64, 128, 128."""
    rows = [line for line in _printed("multi_gpu_table", monkeypatch).splitlines() if line.startswith("| ")]
    body = rows[1:]
    assert [row.split("|")[1].strip() for row in body] == [
        "eine GPU",
        "DDP, zwei GPUs",
        "FSDP-QLoRA, zwei GPUs",
    ]
    assert [row.split("|")[3].strip() for row in body] == ["64", "128", "128"]
