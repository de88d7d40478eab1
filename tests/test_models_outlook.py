"""Tests für die neueren und europäischen Modelle im Register (Ausblick-Seite, Stand: Dezember 2026).

Die Vergleichswerte („peer“) sind die Parameterzahlen, die die Modellkarten der Hersteller nennen. Weil die
Karten gerundet angeben (z. B. „1.7B“, „9B“), gilt als Toleranz das Größere von einer halben Einheit der
letzten angegebenen Stelle und 1 % des angegebenen Werts. Das eine Prozent deckt den Fall Llama 3.2 1B ab:
Die Karte nennt 1,23B, das Modell hat 1.235.814.400 Gewichte (von Hand gerechnet, siehe unten).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import runpy
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from slmwiki.models import get_spec, list_models

NEW = ["llama-3.2-1b", "llama-3.2-3b", "smollm3-3b", "eurollm-1.7b", "eurollm-9b", "qwen3-4b-2507"]

# (Name, Wert der Modellkarte, Einheit der letzten angegebenen Stelle, Quelle)
CARD_SIZES = [
    ("llama-3.2-1b", 1.23e9, 0.01e9, "Llama-3.2-1B-Instruct-Modellkarte: „1B (1.23B)“"),
    ("llama-3.2-3b", 3.21e9, 0.01e9, "Llama-3.2-3B-Instruct-Modellkarte: „3B (3.21B)“"),
    ("smollm3-3b", 3e9, 1e9, "SmolLM3-Blog/Modellkarte: „3B model“"),
    ("eurollm-1.7b", 1.7e9, 0.1e9, "EuroLLM-1.7B-Modellkarte: „a 1.7B parameter … model“"),
    ("eurollm-9b", 9e9, 1e9, "EuroLLM-9B-Modellkarte: „a 9B parameter … model“"),
    ("qwen3-4b-2507", 4.0e9, 0.1e9, "Qwen3-4B-2507-Modellkarte: „Number of Parameters: 4.0B“"),
]


def _tolerance(stated: float, unit: float) -> float:
    return max(unit / 2, 0.01 * stated)


def test_new_models_are_registered_after_the_existing_ones():
    """Die neuen Modelle stehen im Register; die bisherigen Namen und ihre Reihenfolge bleiben erhalten."""
    names = list_models()
    assert set(NEW) <= set(names)
    assert names[0] == "smollm2-135m"
    assert names.index("qwen3-8b") < min(names.index(n) for n in NEW)


@pytest.mark.parametrize(("name", "stated", "unit", "source"), CARD_SIZES)
def test_parameter_count_matches_model_card(name, stated, unit, source):
    """Die aus config.json berechnete Parameterzahl liegt innerhalb der Rundung der Modellkarte."""
    got = get_spec(name).num_parameters()
    assert abs(got - stated) <= _tolerance(stated, unit), (name, got, source)


def test_qwen3_2507_non_embedding_parameters_match_model_card():
    """Qwen3-4B-2507: „Number of Paramaters (Non-Embedding): 3.6B“ laut Modellkarte (Toleranz ±0,05B)."""
    got = get_spec("qwen3-4b-2507").non_embedding_parameters()
    assert abs(got - 3.6e9) <= 0.05e9


def test_qwen3_2507_context_from_model_card():
    """Qwen3-4B-2507 verarbeitet laut Modellkarte 262.144 Token nativ (das ältere Qwen3-4B: 32.768)."""
    assert get_spec("qwen3-4b-2507").max_context == 262_144
    assert get_spec("qwen3-4b").max_context == 32_768


def test_llama_3_2_1b_parameter_count_by_hand():
    """Llama 3.2 1B, von Hand aus config.json: 1.235.814.400 Parameter.

    Embedding 128.256 · 2.048 = 262.668.288 (geteilt mit lm_head). Je Schicht: q und o 2 · 2.048² = 8.388.608,
    k und v 2 · 2.048 · 512 = 2.097.152, MLP 3 · 2.048 · 8.192 = 50.331.648, zwei Normen 4.096 → 60.821.504;
    16 Schichten = 973.144.064; finale Norm 2.048.
    """
    spec = get_spec("llama-3.2-1b")
    assert spec.embedding_parameters() == 262_668_288
    assert spec.num_parameters() == 262_668_288 + 973_144_064 + 2_048


def test_eurollm_has_separate_output_layer_and_llama_3_2_shares_it():
    """EuroLLM: tie_word_embeddings false (config.json); Llama 3.2: „Shared Embeddings: Yes“ (Modellkarte)."""
    assert not get_spec("eurollm-1.7b").tie_word_embeddings
    assert not get_spec("eurollm-9b").tie_word_embeddings
    assert get_spec("llama-3.2-1b").tie_word_embeddings
    assert get_spec("eurollm-9b").lm_head_parameters() == 128_000 * 4096


@pytest.mark.parametrize("name", NEW)
def test_new_specs_build_in_transformers_with_the_same_count(name):
    """transformers baut aus jeder neuen Spezifikation ein Modell (meta-Gerät) mit genau dieser Parameterzahl."""
    import torch
    import transformers

    spec = get_spec(name)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(spec.to_transformers_config())
    assert sum(p.numel() for p in model.parameters()) == spec.num_parameters()


# ---------------------------------------------------------------------- Seiten, die mit diesen Modellen rechnen

ROOT = Path(__file__).resolve().parents[1]
MODELS_PAGE = ROOT / "docs" / "5_Praxis_Guide" / "modelle.md"
PRIVACY_PAGE = ROOT / "docs" / "5_Praxis_Guide" / "datenschutz.md"
LITERATURE = ROOT / "docs" / "literatur.md"


def _run(script: str, monkeypatch) -> str:
    monkeypatch.chdir(ROOT)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(ROOT / script), run_name="__main__")
    return buffer.getvalue()


def _table_rows(output: str) -> dict[str, list[str]]:
    rows = {}
    for line in output.splitlines():
        if line.startswith("| ") and not line.startswith("| Modell"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def test_memory_table_marks_contexts_beyond_the_manufacturers_limit(monkeypatch):
    """Die Speichertabelle zeigt „–“ bei 32.768 Token genau für die Modelle mit kürzerem Kontext (EuroLLM: 4.096)."""
    rows = _table_rows(_run("docs_src/5_praxis/modelle_speicher.py", monkeypatch))
    assert {"EuroLLM-1.7B", "EuroLLM-9B", "SmolLM3-3B", "Llama 3.2 1B", "Qwen3-4B-2507"} <= set(rows)
    dashed = {label for label, cells in rows.items() if cells[7] == "–"}
    assert dashed == {"EuroLLM-1.7B", "EuroLLM-9B"}


def test_compute_threshold_table_third_of_gemma_pretraining_by_hand(monkeypatch):
    """Ein Drittel von 2 Billionen Vortrainings-Token (Gemma 3 1B, Bericht Tabelle 2) sind 666,7 Milliarden Token."""
    rows = _table_rows(_run("docs_src/5_praxis/ki_vo_rechenschwelle.py", monkeypatch))
    assert rows["Gemma 3 1B"][4] == "666,7\xa0Milliarden Token"
    # 10 Mio. Token / 2 Billionen = 5 · 10⁻⁶ (von Hand); die Näherung 6 · N · D kürzt N heraus.
    assert rows["Gemma 3 1B"][5] == "5,0\u202f·\u202f10⁻⁶"


@pytest.mark.parametrize("page", [MODELS_PAGE, PRIVACY_PAGE], ids=lambda p: p.name)
def test_footnotes_resolve_to_literature_and_pages_are_dated(page):
    """Jede Fußnote ist definiert, benutzt und verweist auf einen vorhandenen Literaturanker; die Seite nennt ihren Stand."""
    text = page.read_text(encoding="utf-8")
    definitions = dict(re.findall(r"^\[\^([\w-]+)\]:(.*)$", text, re.M))
    body = re.sub(r"^\[\^[\w-]+\]:.*$", "", text, flags=re.M)
    assert set(re.findall(r"\[\^([\w-]+)\]", body)) == set(definitions)
    anchors = set(re.findall(r"\{ #([A-Za-z0-9_-]+) \}", LITERATURE.read_text(encoding="utf-8")))
    for name, definition in definitions.items():
        links = re.findall(r"literatur\.md#([A-Za-z0-9_-]+)\)", definition)
        assert links and set(links) <= anchors, name
    assert "Stand: Dezember 2026" in text


def test_privacy_page_has_the_regulated_sector_sections_and_disclaimer():
    """Die Datenschutzseite enthält die Abschnitte zu Art. 9, § 203, § 393, DORA, EDPB 28/2024, KI-VO und GeForce-Lizenz."""
    text = PRIVACY_PAGE.read_text(encoding="utf-8")
    for anchor in (
        "regulierte-branchen",
        "art9",
        "p203",
        "p393",
        "dora",
        "edpb-28-2024",
        "ki-verordnung",
        "geforce-lizenz",
    ):
        assert f"{{ #{anchor} }}" in text, anchor
    assert '!!! warning "Stand: Dezember 2026 – keine Rechtsberatung"' in text


def test_models_page_is_in_the_navigation_after_the_privacy_page():
    """Die Ausblick-Seite steht im Kapitel 5 der Navigation direkt nach der Datenschutzseite."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "      - 5_Praxis_Guide/datenschutz.md\n      - 5_Praxis_Guide/modelle.md\n" in nav
