"""Tests für `slmwiki.lora` (LoRA-Modul und Parameterzählung gegen peft)."""

from __future__ import annotations

import os
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from slmwiki.errors import ConfigError
from slmwiki.lora import LoRALinear, count_lora_parameters, lora_parameter_fraction, valid_target_modules
from slmwiki.models import get_spec, list_models


def _peft_trainable(name: str, r: int, targets) -> int:
    import transformers
    from peft import LoraConfig, get_peft_model

    spec = get_spec(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            model = transformers.AutoModelForCausalLM.from_config(spec.to_transformers_config())
            peft_model = get_peft_model(model, LoraConfig(r=r, lora_alpha=2 * r, target_modules=targets))
    trainable, _ = peft_model.get_nb_trainable_parameters()
    return trainable


@pytest.mark.parametrize(
    ("name", "r", "targets"),
    [
        ("smollm2-135m", 16, "all-linear"),
        ("gemma-3-1b", 16, "all-linear"),
        ("gemma-3-4b", 8, ["q_proj", "v_proj"]),
        ("phi-4-mini", 16, "all-linear"),
        ("phi-4-mini", 4, ["qkv_proj", "down_proj"]),
        ("qwen3-0.6b", 64, ["q_proj", "k_proj", "v_proj", "o_proj"]),
        ("qwen3-8b", 32, "all-linear"),
        ("gemma-3-27b", 1, ["gate_proj", "up_proj", "down_proj"]),
    ],
)
def test_count_equals_peft_trainable_parameters(name, r, targets):
    """Die analytische Zahl gleicht `get_nb_trainable_parameters` von peft (Modell auf dem meta-Gerät)."""
    assert count_lora_parameters(get_spec(name), r, targets) == _peft_trainable(name, r, targets)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gemma-3-1b", 13_045_760),
        ("qwen3-0.6b", 10_092_544),
        ("qwen3-1.7b", 17_432_576),
        ("qwen3-4b", 33_030_144),
        ("phi-4-mini", 23_068_672),
    ],
)
def test_count_matches_project_gpu_log(name, expected):
    """r = 16, all-linear: gleich `trainable_lora` in qlora_measurement_log.txt (peft auf H100 gezählt)."""
    assert count_lora_parameters(get_spec(name), 16) == expected


def test_qwen3_q_proj_count_by_hand():
    """Qwen3-0.6B, nur q_proj, r = 8: 28 · 8 · (1024 + 2048) = 688.128 (q_proj bildet 1024 → 16·128 ab)."""
    assert count_lora_parameters(get_spec("qwen3-0.6b"), 8, ["q_proj"]) == 688_128


def test_unknown_target_module_lists_valid_names():
    """Unbekannte Module ergeben einen ConfigError, der sie nennt und die gültigen aufzählt."""
    with pytest.raises(ConfigError, match="qkv_proj") as info:
        count_lora_parameters(get_spec("qwen3-4b"), 16, ["qkv_proj"])
    assert "q_proj" in str(info.value)
    assert "all-linear" in str(info.value)


def test_phi3_rejects_separate_q_proj():
    """Phi-3 kennt kein getrenntes q_proj; die Meldung schlägt qkv_proj vor."""
    with pytest.raises(ConfigError, match="qkv_proj"):
        count_lora_parameters(get_spec("phi-4-mini"), 16, ["q_proj"])


@pytest.mark.parametrize("r", [0, -4, 1.5, True])
def test_invalid_rank_is_rejected(r):
    """Rang null, negativ, gebrochen oder bool wird mit deutscher Meldung abgelehnt."""
    with pytest.raises(ConfigError, match="„r“"):
        count_lora_parameters(get_spec("qwen3-4b"), r)


def test_empty_target_list_is_rejected():
    """Eine leere Zielliste ist ein Fehler, kein stilles Null."""
    with pytest.raises(ConfigError, match="leer"):
        count_lora_parameters(get_spec("qwen3-4b"), 16, [])


def test_valid_targets_differ_for_phi3():
    """Phi-3 hat fusionierte Projektionen, Qwen3 getrennte."""
    assert valid_target_modules(get_spec("phi-4-mini")) == ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]
    assert "gate_proj" in valid_target_modules(get_spec("qwen3-4b"))


def test_fraction_is_small_and_shrinks_with_model_width():
    """r = 16, all-linear: unter 5 % der Parameter, und innerhalb von Qwen3 sinkt der Anteil mit der Größe.

    Grund: LoRA wächst linear mit der Breite (r·(d_in + d_out)), die Gewichte quadratisch (d_in·d_out).
    """
    for name in list_models():
        assert 0 < lora_parameter_fraction(get_spec(name), 16) < 0.05, name
    qwen = [
        lora_parameter_fraction(get_spec(n), 16) for n in ("qwen3-0.6b", "qwen3-1.7b", "qwen3-4b", "qwen3-8b")
    ]
    assert qwen == sorted(qwen, reverse=True)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(list_models()),
    r=st.integers(min_value=1, max_value=256),
    extra=st.integers(min_value=1, max_value=64),
)
def test_larger_rank_never_fewer_parameters(name, r, extra):
    """Ein größerer Rang ergibt nie weniger LoRA-Parameter (Eigenschaftstest)."""
    spec = get_spec(name)
    assert count_lora_parameters(spec, r + extra) > count_lora_parameters(spec, r)


def test_lora_linear_starts_as_identity_update():
    """Mit B = 0 liefert die LoRA-Schicht anfangs genau die Ausgabe der Basisschicht."""
    torch.manual_seed(0)
    base = torch.nn.Linear(12, 7)
    layer = LoRALinear(base, r=4, alpha=8)
    x = torch.randn(3, 12)
    assert torch.equal(layer(x), base(x))
    assert layer.lora_A.abs().sum() > 0


def test_lora_linear_forward_equals_merged_weight():
    """Nach einer Änderung von B gilt y = (W₀ + (α/r)·B·A)·x + b, von Hand mit torch nachgerechnet."""
    torch.manual_seed(1)
    base = torch.nn.Linear(6, 5)
    layer = LoRALinear(base, r=2, alpha=6)
    with torch.no_grad():
        layer.lora_B.copy_(torch.randn(5, 2))
    x = torch.randn(4, 6)
    expected = x @ (base.weight + 3.0 * layer.lora_B @ layer.lora_A).T + base.bias
    torch.testing.assert_close(layer(x), expected)
    torch.testing.assert_close(layer.merged_weight(), base.weight + 3.0 * layer.lora_B @ layer.lora_A)


def test_lora_linear_trains_only_a_and_b():
    """Nur A und B sind trainierbar; das Basisgewicht bekommt keinen Gradienten."""
    layer = LoRALinear(torch.nn.Linear(8, 8), r=2)
    layer(torch.randn(2, 8)).sum().backward()
    trainable = sorted(n for n, p in layer.named_parameters() if p.requires_grad)
    assert trainable == ["lora_A", "lora_B"]
    assert layer.base.weight.grad is None
    assert layer.lora_A.grad is not None
    assert sum(p.numel() for _, p in layer.named_parameters() if p.requires_grad) == 2 * (8 + 8)


def test_lora_linear_rejects_non_positive_alpha():
    """α ≤ 0 wird mit deutscher Meldung abgelehnt."""
    with pytest.raises(ConfigError, match="alpha"):
        LoRALinear(torch.nn.Linear(4, 4), r=2, alpha=0)
