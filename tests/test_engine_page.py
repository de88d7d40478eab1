"""Die Tabellen der Seite „Leistung“ (`docs_src/5_praxis/engine_tabellen.py`) gegen `gpu_engine.json`."""

from __future__ import annotations

import contextlib
import io
import json
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "benchmarks/results/gpu_engine.json").read_text(encoding="utf-8"))


def _run(function: str) -> str:
    namespace = runpy.run_path(str(ROOT / "docs_src/5_praxis/engine_tabellen.py"), run_name="docs_src_script")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace[function]()
    return out.getvalue()


def _german(value: float) -> str:
    return f"{int(value + 0.5):,}".replace(",", ".")  # half up, like the page


def test_comparison_table_shows_every_measured_row_of_both_models():
    text = _run("engine_table")
    for set_data in DATA["sets"].values():
        for entry in set_data["models"].values():
            for row in entry["rows"].values():
                if row.get("status") == "ok":
                    assert _german(row["tokens_per_s"]) in text


def test_pick_for_the_full_card_is_the_mean_of_the_runs_with_that_plan():
    """Unsloth, Gemma 3 1B, ganze Karte: zwei Läufe mit demselben Plan (4 Blöcke, ohne Checkpointing)."""
    rows = DATA["sets"]["unsloth"]["models"]["gemma-3-1b"]["rows"]
    same = [rows[name]["tokens_per_s"] for name in ("slmwiki_unsloth_24gb", "slmwiki_unsloth_full")]
    assert rows["slmwiki_unsloth_full"]["plan"]["gradient_checkpointing"] is False
    assert f"{_german(sum(same) / 2)} (Mittel aus 2 Läufen)" in _run("picks_table")


def test_small_budgets_plan_checkpointing_for_the_trl_backend():
    text = _run("picks_table")
    line = next(row for row in text.splitlines() if "Gemma 3 4B | 16 GB" in row and "| trl |" in row)
    assert "Checkpointing" in line and "ohne Checkpointing" not in line
    assert _german(DATA["sets"]["trl"]["models"]["gemma-3-4b"]["rows"]["trl_packing"]["tokens_per_s"]) in line


def test_goals_table_compares_with_plain_trl():
    """Die letzte Spalte teilt durch das übliche TRL-Rezept desselben Modells."""
    rows = DATA["sets"]["trl"]["models"]["gemma-3-4b"]["rows"]
    ratio = rows["slmwiki_trl_full"]["tokens_per_s"] / rows["trl_plain"]["tokens_per_s"]
    full = rows["slmwiki_trl_full"]["tokens_per_s"]
    line = next(row for row in _run("goals_table").splitlines() if "Gemma 3 4B | ganze Karte" in row)
    assert _german(full) in line
    assert f"{ratio:.1f}".replace(".", ",") + "×" in line
