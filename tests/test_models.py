"""Tests für das Modellregister `slmwiki.models`."""

from __future__ import annotations

import dataclasses
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from slmwiki.errors import ConfigError
from slmwiki.models import ModelSpec, get_spec, list_models

REQUIRED = [
    "smollm2-135m",
    "gemma-3-270m",
    "gemma-3-1b",
    "gemma-3-4b",
    "gemma-3-12b",
    "gemma-3-27b",
    "phi-4-mini",
    "qwen3-0.6b",
    "qwen3-1.7b",
    "qwen3-4b",
    "qwen3-8b",
]


def _meta_model(spec: ModelSpec):
    import torch
    import transformers

    with torch.device("meta"):
        return transformers.AutoModelForCausalLM.from_config(spec.to_transformers_config())


def test_registry_contains_all_required_models():
    """Das Register enthält alle in Issue 4 geforderten Modelle."""
    assert set(REQUIRED) <= set(list_models())


@pytest.mark.parametrize("name", REQUIRED)
def test_num_parameters_matches_transformers_meta_model(name):
    """Die analytische Parameterzahl stimmt auf 0,1 % mit dem von transformers gebauten Modell überein."""
    spec = get_spec(name)
    model = _meta_model(spec)
    built = sum(p.numel() for p in model.parameters())
    assert abs(spec.num_parameters() - built) <= 0.001 * built
    assert model.config.model_type == spec.architecture


@pytest.mark.parametrize(
    ("name", "vocab", "expected"),
    [
        ("gemma-3-1b", 262_144, 999_885_952),
        ("gemma-3-4b", 262_144, 3_880_099_328),
        ("qwen3-0.6b", 151_936, 596_049_920),
        ("qwen3-1.7b", 151_936, 1_720_574_976),
        ("qwen3-4b", 151_936, 4_022_468_096),
        ("phi-4-mini", 200_064, 3_836_021_760),
    ],
)
def test_num_parameters_matches_project_gpu_log(name, vocab, expected):
    """Parameterzahlen gleichen `total_params` aus qlora_measurement_log.txt (transformers auf H100 gezählt)."""
    spec = dataclasses.replace(get_spec(name), vocab_size=vocab)
    assert spec.num_parameters() == expected


def test_smollm2_parameter_count_by_hand():
    """SmolLM2-135M: von Hand aus den GGUF-Metadaten gerechnet 134.515.008 Parameter (Pitfalls: 134,5 Mio.)."""
    # Embedding 49.152·576 = 28.311.552. Je Schicht: q und o 2·576·576 = 663.552, k und v 2·576·192 = 221.184,
    # MLP 3·576·1.536 = 2.654.208, zwei Normen 2·576 = 1.152 → 3.540.096; 30 Schichten = 106.202.880.
    # Dazu die finale Norm (576); lm_head ist geteilt.
    assert get_spec("smollm2-135m").num_parameters() == 28_311_552 + 106_202_880 + 576


def test_gemma_1b_embedding_and_non_embedding_match_report_table_1():
    """Gemma 3 1B: 302 Mio. Embedding- und 698 Mio. Nicht-Embedding-Parameter (Bericht Tabelle 1)."""
    spec = get_spec("gemma-3-1b")
    assert spec.embedding_parameters() == 262_144 * 1152
    assert round(spec.embedding_parameters() / 1e6) == 302
    assert round(spec.non_embedding_parameters() / 1e6) == 698


@pytest.mark.parametrize(("name", "millions"), [("gemma-3-12b", 10_759), ("gemma-3-27b", 25_600)])
def test_gemma_large_non_embedding_match_report_table_1(name, millions):
    """Gemma 3 12B/27B: Nicht-Embedding-Parameter wie im Bericht, Tabelle 1 (10.759 bzw. 25.600 Mio.)."""
    assert round(get_spec(name).non_embedding_parameters() / 1e6) == millions


@pytest.mark.parametrize(
    ("name", "row"),
    [
        ("gemma-3-1b", (26, 1152, 6912, 4, 1, 256, 262_144, 512)),
        ("gemma-3-4b", (34, 2560, 10240, 8, 4, 256, 262_208, 1024)),
        ("gemma-3-27b", (62, 5376, 21504, 32, 16, 128, 262_208, 1024)),
        ("phi-4-mini", (32, 3072, 8192, 24, 8, 128, 200_064, None)),
        ("qwen3-0.6b", (28, 1024, 3072, 16, 8, 128, 151_936, None)),
        ("qwen3-8b", (36, 4096, 12288, 32, 8, 128, 151_936, None)),
    ],
)
def test_architecture_values_match_official_configs(name, row):
    """Schichten, Breiten, Köpfe, Vokabular und Fenster wie in den offiziellen Konfigurationen.

    Gemma 3: google/gemma_pytorch gemma/config.py (Commit 014acb7), Vokabular 262.208 aus der HF-config.json der
    multimodalen Checkpoints; Phi-4-mini: config.json von microsoft/Phi-4-mini-instruct; Qwen3: HF-config.json.
    """
    s = get_spec(name)
    got = (
        s.num_layers,
        s.hidden_size,
        s.intermediate_size,
        s.num_attention_heads,
        s.num_key_value_heads,
        s.head_dim,
        s.vocab_size,
        s.sliding_window,
    )
    assert got == row


@pytest.mark.parametrize(("name", "global_layers"), [("gemma-3-1b", 4), ("gemma-3-4b", 5), ("qwen3-4b", 36)])
def test_global_layer_count_follows_five_to_one_pattern(name, global_layers):
    """Gemma 3 1B hat 4, Gemma 3 4B 5 globale Schichten (Muster 5:1 lokal/global, Gemma 3 Technical Report §2); Qwen3 nur globale."""
    assert get_spec(name).num_global_layers() == global_layers


@pytest.mark.parametrize("name", ["gemma-3-270m", "gemma-3-1b", "gemma-3-12b"])
def test_layer_types_match_transformers_default_pattern(name):
    """Die Schichtfolge entspricht der, die transformers aus `sliding_window_pattern=6` ableitet."""
    import transformers

    spec = get_spec(name)
    default = transformers.Gemma3TextConfig(num_hidden_layers=spec.num_layers, sliding_window_pattern=6)
    assert spec.layer_types() == default.layer_types
    assert spec.to_transformers_config().layer_types == default.layer_types


def test_tied_embeddings_only_qwen3_8b_untied():
    """Nur Qwen3-8B hat getrennte Ausgabeschicht (Qwen3 Technical Report, arXiv:2505.09388, Tabelle 1); die anderen teilen die Embeddings."""
    untied = [name for name in REQUIRED if not get_spec(name).tie_word_embeddings]
    assert untied == ["qwen3-8b"]


def test_every_spec_cites_a_source_for_each_key_field():
    """Jede Spezifikation nennt für jedes Kernfeld eine nichtleere Quelle."""
    fields = ("num_layers", "hidden_size", "vocab_size", "max_context", "training_tokens", "license")
    for name in list_models():
        sources = get_spec(name).sources
        assert all(sources.get(f) for f in fields), name


def test_unknown_model_name_suggests_closest():
    """Ein unbekannter Name liefert einen ConfigError mit dem ähnlichsten bekannten Namen."""
    with pytest.raises(ConfigError, match="gemma-3-1b") as info:
        get_spec("gemma3-1b")
    assert "Meinten Sie" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_get_spec_is_case_insensitive():
    """Groß-/Kleinschreibung des Namens spielt keine Rolle."""
    assert get_spec("Qwen3-4B") is get_spec("qwen3-4b")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"num_layers": 0}, "num_layers"),
        ({"hidden_size": -5}, "-5"),
        ({"num_key_value_heads": 3}, "nicht durch"),
        ({"architecture": "mamba"}, "mamba"),
        ({"sliding_window": None}, "sliding_window"),
        ({"head_dim": 2.5}, "2.5"),
    ],
)
def test_invalid_spec_raises_german_config_error(change, fragment):
    """Ungültige Werte (null, negativ, nicht teilbare Köpfe, unbekannte Architektur) werden deutsch abgelehnt."""
    with pytest.raises(ConfigError, match=fragment):
        dataclasses.replace(get_spec("gemma-3-1b"), **change)


def test_phi3_requires_head_dim_consistent_with_hidden_size():
    """Phi-3-Architekturen lehnen ein head_dim ab, das nicht hidden_size/heads ist."""
    with pytest.raises(ConfigError, match="head_dim"):
        dataclasses.replace(get_spec("phi-4-mini"), head_dim=96)


def test_attention_kind_classifies_mha_mqa_gqa():
    """MHA bei gleich vielen KV-Köpfen, MQA bei einem, sonst GQA."""
    spec = get_spec("qwen3-4b")
    assert spec.attention_kind == "GQA"
    assert dataclasses.replace(spec, num_key_value_heads=32).attention_kind == "MHA"
    assert get_spec("gemma-3-1b").attention_kind == "MQA"
