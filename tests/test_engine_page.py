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
            for name, row in entry["rows"].items():
                if row.get("status") == "ok" and not name.startswith(
                    "profile_"
                ):  # the profile has its own table
                    assert _german(row["tokens_per_s"]) in text


def test_pick_is_the_mean_of_the_runs_with_that_plan():
    """Gemma 3 1B, TRL: drei `slmwiki`-Läufe mit demselben Plan (4 Blöcke, ohne Checkpointing, Flex)."""
    rows = DATA["sets"]["trl"]["models"]["gemma-3-1b"]["rows"]
    names = ("slmwiki_trl_16gb", "slmwiki_trl_24gb", "slmwiki_trl_full")
    assert {rows[n]["plan"]["attn_implementation"] for n in names} == {"flex_attention"}
    rates = [rows[n]["tokens_per_s"] for n in names]
    assert (
        f"{_german(sum(rates) / 3)} (Mittel aus 3 Läufen: {_german(min(rates))} bis {_german(max(rates))})"
        in _run("picks_table")
    )


def test_small_budgets_plan_checkpointing_for_gemma_3_4b_with_the_trl_backend():
    text = _run("picks_table")
    line = next(row for row in text.splitlines() if "Gemma 3 4B | 16 GB" in row and "| trl |" in row)
    assert "Checkpointing" in line and "ohne Checkpointing" not in line and "FlexAttention" in line
    rows = DATA["sets"]["trl"]["models"]["gemma-3-4b"]["rows"]
    assert (
        _german(rows["slmwiki_trl_16gb"]["peak_allocated_bytes"] / 2**30 * 10) not in line
    )  # sanity: GiB shown
    assert "5,5" in line  # measured peak 5.46 GiB (gpu_engine.json), one decimal


def test_goals_table_compares_with_plain_trl():
    """Die letzte Spalte teilt durch das übliche TRL-Rezept desselben Modells."""
    rows = DATA["sets"]["unsloth"]["models"]["gemma-3-4b"]["rows"]
    plain = DATA["sets"]["trl"]["models"]["gemma-3-4b"]["rows"]["trl_plain"]["tokens_per_s"]
    full = rows["slmwiki_unsloth_full"]["tokens_per_s"]
    line = next(row for row in _run("goals_table").splitlines() if "Gemma 3 4B | ganze Karte" in row)
    assert _german(full) in line
    assert f"{full / plain:.1f}".replace(".", ",") + "×" in line


def test_flex_table_divides_flex_by_sdpa_rate():
    rows = DATA["sets"]["trl"]["models"]["gemma-3-4b"]["rows"]
    factor = rows["trl_packing_liger_flex"]["tokens_per_s"] / rows["trl_packing_liger"]["tokens_per_s"]
    line = next(row for row in _run("flex_gain").splitlines() if row.startswith("| Gemma 3 4B"))
    assert f"{factor:.2f}".replace(".", ",") + "×" in line


def test_profile_shares_add_up_to_the_whole():
    text = _run("profile_table")
    shares = [
        float(line.split("|")[3].strip().replace("\xa0%", "").replace(" %", "").replace(",", "."))
        for line in text.splitlines()
        if line.startswith("| ") and "%" in line
    ]
    assert shares and abs(sum(shares) - 100) < 0.5
