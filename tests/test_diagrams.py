"""Schemazeichnungen (Decoder-Block, LoRA-Nebenpfad, Pruning-Masken) und die Pruning-Masken selbst."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

from slmwiki.diagrams import decoder_block_svg, lora_path_svg, pruning_masks_svg
from slmwiki.errors import ConfigError
from slmwiki.models import get_spec
from slmwiki.pruning import example_weights, sparsity_of, structured_row_mask, unstructured_mask

ROOT = Path(__file__).resolve().parents[1]
PAGE_SCRIPTS = [
    "docs_src/3_architektur/decoder_block.py",
    "docs_src/2_komplexitaet/lora_pfad.py",
    "docs_src/2_komplexitaet/pruning_maske.py",
]


def _site_hooks():
    spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "hooks" / "site_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _title(svg: str) -> str:
    match = re.search(r"<title>(.*?)</title>", svg, re.DOTALL)
    assert match, "SVG ohne <title>"
    return match.group(1)


def test_unstructured_mask_removes_the_smallest_magnitudes_of_a_hand_checked_matrix():
    """Bei 50 % entfallen in [[0,1, −2], [0,5, 0,05]] genau 0,1 und 0,05 (von Hand sortiert: 0,05 < 0,1 < 0,5 < 2)."""
    weights = np.array([[0.1, -2.0], [0.5, 0.05]])
    assert unstructured_mask(weights, 0.5).tolist() == [[False, True], [True, False]]


@pytest.mark.parametrize("share", [0.25, 0.5, 0.75])
def test_unstructured_sparsity_equals_the_requested_share_and_keeps_the_largest_weights(share):
    """Die Sparsity der Maske ist der angefragte Anteil; jedes entfernte Gewicht ist betragsmäßig höchstens so groß wie jedes behaltene."""
    weights = example_weights(12, 16, seed=3)
    mask = unstructured_mask(weights, share)
    assert sparsity_of(mask) == pytest.approx(share)
    assert np.abs(weights[~mask]).max() <= np.abs(weights[mask]).min()
    assert mask.shape == weights.shape


def test_structured_mask_zeroes_whole_rows_with_the_smallest_norms():
    """Strukturiertes Pruning entfernt ganze Zeilen – die Hälfte der Zeilen, und zwar die mit der kleinsten L2-Norm."""
    weights = example_weights(12, 16, seed=0)
    mask = structured_row_mask(weights, 0.5)
    rows_kept = mask.all(axis=1)
    assert (mask.all(axis=1) | ~mask.any(axis=1)).all(), "eine Zeile ist nur teilweise entfernt"
    assert rows_kept.sum() == 6
    assert sparsity_of(mask) == pytest.approx(0.5)
    norms = np.linalg.norm(weights, axis=1)
    assert norms[~rows_kept].max() <= norms[rows_kept].min()


def test_structured_mask_rounds_half_rows_up_and_handles_the_extremes():
    """50 % von 5 Zeilen sind 3 entfernte Zeilen; 0 % behält alles, 100 % entfernt alles."""
    weights = example_weights(5, 4, seed=1)
    assert (~structured_row_mask(weights, 0.5).all(axis=1)).sum() == 3
    assert structured_row_mask(weights, 0).all()
    assert not unstructured_mask(weights, 1).any()


@pytest.mark.parametrize("share", [-0.1, 1.5, True, "0,5", float("nan")])
def test_invalid_sparsity_is_rejected_with_a_german_message(share):
    """Ein Anteil außerhalb von [0, 1] oder keine Zahl führt zu einer deutschen Fehlermeldung."""
    with pytest.raises(ConfigError, match="„sparsity“ muss ein Anteil zwischen 0 und 1 sein"):
        unstructured_mask(example_weights(4, 4), share)


def test_weights_that_are_not_a_finite_matrix_are_rejected():
    """Ein Vektor oder eine Matrix mit NaN ist keine gültige Gewichtsmatrix."""
    with pytest.raises(ConfigError, match="nichtleere Matrix"):
        structured_row_mask(np.ones(4), 0.5)
    with pytest.raises(ConfigError, match="NaN"):
        unstructured_mask(np.array([[1.0, np.nan]]), 0.5)


def test_example_weights_are_reproducible():
    """Derselbe Startwert liefert dieselbe Matrix, ein anderer eine andere."""
    assert np.array_equal(example_weights(seed=7), example_weights(seed=7))
    assert not np.array_equal(example_weights(seed=7), example_weights(seed=8))


def test_decoder_block_shows_german_labels_and_the_dimensions_of_the_example_model():
    """Das Schema nennt RMSNorm, Attention, SwiGLU und Residualverbindung sowie die Maße von Qwen3-4B.

    Die Maße stammen aus der offiziellen Konfiguration Qwen/Qwen3-4B (config.json: hidden_size 2560,
    intermediate_size 9728, 32 Attention-, 8 Key-/Value-Köpfe, 36 Schichten).
    """
    svg = decoder_block_svg(get_spec("qwen3-4b"), "Qwen3-4B")
    for label in ("RMSNorm", "Self-Attention", "SwiGLU-MLP", "Residual", "Eingabe", "Ausgabe"):
        assert label in svg, label
    title = _title(svg)
    for value in ("2.560", "9.728", "32 Query-", "8 Key-/Value-Köpfe", "36 Blöcke", "QK-Norm"):
        assert value in title, value


def test_decoder_block_names_qk_norm_only_for_models_that_use_it():
    """Phi-4-mini normiert Queries und Keys nicht; sein Schema nennt 24 Query- und 8 Key-/Value-Köpfe ohne QK-Norm.

    Maße aus der Konfiguration microsoft/Phi-4-mini-instruct (num_attention_heads 24, num_key_value_heads 8).
    """
    svg = decoder_block_svg(get_spec("phi-4-mini"), "Phi-4-mini")
    assert "QK-Norm" not in svg
    assert "24 Query-Köpfe, 8 Key-/Value-Köpfe (GQA)" in svg


def test_lora_path_labels_the_frozen_and_trainable_matrices_and_counts_parameters():
    """Das LoRA-Schema nennt W₀ eingefroren, A und B trainierbar und die Parameterzahlen.

    Von Hand: r·(d + k) = 8 · (1.024 + 1.152) = 17.408, d·k = 1.024 · 1.152 = 1.179.648.
    """
    svg = lora_path_svg(1024, 1152, 8, 8, "q_proj")
    for label in ("W₀", "eingefroren", "trainierbar", "A  (r × k)", "d × r", "α/r", "Start: 0"):
        assert label in svg, label
    title = _title(svg)
    assert "17.408" in title and "1.179.648" in title


def test_pruning_figure_title_states_both_kinds_and_the_sparsity():
    """Der Alternativtext nennt unstrukturiertes und strukturiertes Pruning mit je 50 % Sparsity."""
    weights = example_weights(12, 16, seed=0)
    svg = pruning_masks_svg(weights, unstructured_mask(weights, 0.5), structured_row_mask(weights, 0.5))
    title = _title(svg)
    assert "unstrukturiert" in title and "strukturiert mit" in title
    assert title.count("50\xa0%") == 2
    assert "Sparsity" in svg


@pytest.mark.parametrize("script", PAGE_SCRIPTS)
def test_page_scripts_print_one_accessible_figure_that_the_site_hook_turns_into_an_image(script, tmp_path):
    """Jedes Seitenskript gibt ein SVG aus, das der Build-Hook als Bild mit nichtleerem Alternativtext einbindet."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(ROOT / script), run_name="__main__")
    svg = out.getvalue().strip()
    assert svg.startswith('<svg role="img" aria-label="') and svg.endswith("</svg>")
    html = _site_hooks().externalize_figures(svg, "3_SLMs_Architecture/", tmp_path)
    match = re.fullmatch(r'<img class="slmwiki-figure" src="[^"]+\.svg" alt="(?P<alt>[^"]{40,})"[^>]*>', html)
    assert match, html[:200]
    assert match["alt"] == _title(svg)
