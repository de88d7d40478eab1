"""Nützliche FLOPs für die MFU (`slmwiki.flops`) – von Hand nachgerechnet."""

from __future__ import annotations

from slmwiki.flops import attention_pairs, lora_parameters, training_flops
from slmwiki.models import ModelSpec, get_spec


def test_attention_pairs_hand_computed():
    """Kausal ohne Fenster n(n+1)/2; mit Fenster W=2 bei n=4: 1 + 2 + 2 + 2 = 7."""
    assert attention_pairs(4) == 10
    assert attention_pairs(4, 2) == 7
    assert attention_pairs(4, 8) == 10
    assert attention_pairs(0) == 0


def _toy() -> ModelSpec:
    return ModelSpec(
        name="toy",
        family="toy",
        hf_id="",
        architecture="llama",
        num_layers=1,
        hidden_size=2,
        intermediate_size=4,
        num_attention_heads=1,
        num_key_value_heads=1,
        head_dim=2,
        vocab_size=3,
        max_context=16,
    )


def test_training_flops_hand_computed():
    """1 Schicht, h=2, f=4, 1 Kopf d=2, V=3; zwei Sequenzen (3, 2), ohne Fenster.

    Linear je Schicht: q 2·2 + k 2·2 + v 2·2 + o 2·2 + 3 · 2·4 = 40 → 4 · 40 · 5 Token = 800;
    Ausgabeschicht 4 · 3 · 2 · 5 = 120; Attention 12 · 1 · 2 · (6 + 3 Paare) = 216.
    """
    flops = training_flops(_toy(), [3, 2])
    assert flops["linear"] == 800
    assert flops["lm_head"] == 120
    assert flops["attention"] == 216
    assert flops["total"] == 1136
    assert training_flops(_toy(), [3, 2], lm_head_tokens=2)["lm_head"] == 48


def test_lora_parameters_of_the_toy_model_hand_computed():
    """r = 1: Σ (in + out) = 4 + 4 + 4 + 4 + 6 + 6 + 6 = 34."""
    assert lora_parameters(_toy(), 1) == 34
    assert lora_parameters(_toy(), 2, ["q_proj"]) == 8


def test_spec_read_back_from_the_transformers_config_gives_the_same_flops():
    """Die Maße aus `to_transformers_config` zurückgelesen ergeben dieselben FLOPs (Gemma 3 1B, 5 : 1)."""
    spec = get_spec("gemma-3-1b")
    again = ModelSpec.from_transformers_config(spec.to_transformers_config())
    assert again.layer_types() == spec.layer_types()
    assert again.layer_types().count("full_attention") == 4  # layers 6, 12, 18, 24 (1-based) are global
    assert training_flops(again, [150, 2048]) == training_flops(spec, [150, 2048])
    # 26 · (1152·1024 + 2·1152·256 + 1024·1152 + 3·1152·6912) + 262144·1152 = 999.751.680
    assert again.linear_parameters() + again.vocab_size * again.hidden_size == 999_751_680
