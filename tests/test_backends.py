"""Backend-Wahl (`slmwiki.backends`): TRL überall, Unsloth nur mit CUDA und installiertem Paket."""

from __future__ import annotations

import pytest

from slmwiki.backends import lora_targets, resolve_backend, unsloth_installed
from slmwiki.errors import ConfigError


def test_auto_takes_trl_without_a_gpu():
    assert resolve_backend("auto", cuda=False) == "trl"
    assert resolve_backend("trl", cuda=True) == "trl"


def test_auto_takes_unsloth_on_a_gpu_only_when_installed():
    assert resolve_backend("auto", cuda=True) == ("unsloth" if unsloth_installed() else "trl")


def test_unsloth_without_gpu_names_the_way_out():
    with pytest.raises(ConfigError, match="--backend trl"):
        resolve_backend("unsloth", cuda=False)


@pytest.mark.skipif(unsloth_installed(), reason="prüft den Fall ohne Unsloth")
def test_missing_unsloth_names_the_extra():
    with pytest.raises(ConfigError, match=r"slmwiki\[unsloth\]"):
        resolve_backend("unsloth", cuda=True)


def test_unknown_backend_is_a_german_error():
    with pytest.raises(ConfigError, match="Unbekanntes Backend"):
        resolve_backend("deepspeed", cuda=False)


def test_all_linear_expands_to_the_block_layers_without_the_head():
    """Für Unsloth wird „all-linear“ zu den sieben Projektionen eines Gemma-3-Blocks, ohne `lm_head`."""
    import torch
    from transformers import AutoModelForCausalLM

    from slmwiki.models import get_spec

    config = get_spec("gemma-3-1b").to_transformers_config()
    config.update({"num_hidden_layers": 1, "hidden_size": 64, "intermediate_size": 128, "vocab_size": 256})
    config.update(
        {
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 32,
            "layer_types": ["full_attention"],
        }
    )
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    assert lora_targets(model, "all-linear") == sorted(
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )
    assert lora_targets(model, ["q_proj"]) == ["q_proj"]
