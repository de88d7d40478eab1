"""Tests für `slmwiki.attention` gegen den KV-Cache, den transformers tatsächlich anlegt."""

from __future__ import annotations

import dataclasses
import os
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from slmwiki.attention import (
    ATTENTION_KINDS,
    cached_tokens_per_layer,
    kv_cache_bytes,
    kv_cache_bytes_per_token,
    tiny_attention_spec,
)
from slmwiki.errors import ConfigError
from slmwiki.models import get_spec, list_models

KIB = 1024


def _cache_of(output):
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


def _allocated_bytes(cache) -> int:
    return sum(
        layer.keys.numel() * layer.keys.element_size() + layer.values.numel() * layer.values.element_size()
        for layer in cache.layers
    )


def _tiny_model(kind: str, **kwargs):
    import torch
    import transformers

    spec = tiny_attention_spec(kind, **kwargs)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(spec.to_transformers_config()).eval()
    return spec, model


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
@pytest.mark.parametrize("prompt_len", [3, 10])
def test_generate_cache_bytes_equal_estimate(kind, prompt_len):
    """Nach generate() (Prompt + 5 Token, Batch 2, fp32) belegt der DynamicCache genau die berechneten Bytes.

    Im Cache stehen Prompt + 4 Token: Das zuletzt erzeugte Token wird nicht mehr eingespeist.
    """
    import torch

    spec, model = _tiny_model(kind)
    prompt = torch.randint(3, 60, (2, prompt_len))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = model.generate(
            prompt,
            attention_mask=torch.ones_like(prompt),
            max_new_tokens=5,
            min_new_tokens=5,
            do_sample=False,
            return_dict_in_generate=True,
            pad_token_id=0,
        )
    assert out.sequences.shape[1] == prompt_len + 5
    cache = _cache_of(out)
    assert _allocated_bytes(cache) == kv_cache_bytes(spec, prompt_len + 4, batch=2, bytes_per_element=4)


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_forward_bf16_cache_bytes_equal_estimate(kind):
    """Ein forward(use_cache=True) in bf16 über 9 Token legt genau `kv_cache_bytes(..., 2)` an."""
    import torch

    spec, model = _tiny_model(kind)
    model = model.to(torch.bfloat16)
    with torch.no_grad():
        out = model(input_ids=torch.randint(3, 60, (3, 9)), use_cache=True)
    assert _allocated_bytes(_cache_of(out)) == kv_cache_bytes(spec, 9, batch=3, bytes_per_element=2)


def test_gemma_hybrid_local_layers_keep_window_minus_one_tokens():
    """transformers' DynamicSlidingWindowLayer hält W − 1 Token je lokaler Schicht, die globale alle."""
    import torch

    spec, model = _tiny_model("gemma3-hybrid", sliding_window=4)
    with torch.no_grad():
        out = model(input_ids=torch.randint(3, 60, (1, 10)), use_cache=True)
    shapes = [layer.keys.shape[-2] for layer in _cache_of(out).layers]
    assert shapes == [3, 3, 3, 3, 3, 10]
    assert cached_tokens_per_layer(spec, 10) == shapes


def test_static_cache_reserves_full_window_for_local_layers():
    """Mit cache_implementation="static" reserviert transformers W Plätze lokal und max_cache_len global."""
    import torch

    spec, model = _tiny_model("gemma3-hybrid", sliding_window=4)
    prompt = torch.randint(3, 60, (2, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = model.generate(
            prompt,
            attention_mask=torch.ones_like(prompt),
            max_new_tokens=5,
            min_new_tokens=5,
            do_sample=False,
            return_dict_in_generate=True,
            pad_token_id=0,
            cache_implementation="static",
        )
    cache = _cache_of(out)
    max_cache_len = cache.layers[-1].keys.shape[-2]
    assert [layer.keys.shape[-2] for layer in cache.layers] == [4, 4, 4, 4, 4, max_cache_len]
    expected = kv_cache_bytes(spec, max_cache_len, batch=2, bytes_per_element=4, layout="static")
    assert _allocated_bytes(cache) == expected


@pytest.mark.parametrize(
    ("name", "kib"),
    [
        ("qwen3-0.6b", 112),
        ("qwen3-4b", 144),
        ("phi-4-mini", 128),
        ("gemma-3-1b", 26),
        ("gemma-3-4b", 136),
    ],
)
def test_per_token_bytes_match_fact_sheet_table(name, kib):
    """KV-Bytes je Token (bf16, alle Schichten) wie in slm-facts.md §3.2/§4.4 (eigene Rechnung dort)."""
    assert kv_cache_bytes_per_token(get_spec(name)) == kib * KIB


def test_gemma_1b_sliding_window_cache_at_32k_matches_fact_sheet():
    """Gemma 3 1B bei 32K: ≈134 MB global + ≈11,5 MB lokal ≈ 0,14 GiB (slm-facts.md §3.2)."""
    spec = get_spec("gemma-3-1b")
    total = kv_cache_bytes(spec, 32_768)
    global_part = 4 * 2 * 1 * 256 * 32_768 * 2
    assert global_part == 134_217_728
    assert total - global_part == pytest.approx(11.5e6, rel=0.01)
    assert total / 2**30 == pytest.approx(0.14, abs=0.005)


def test_gemma_4b_sliding_window_cache_at_128k_matches_fact_sheet():
    """Gemma 3 4B bei 128K mit SWA 1024: ≈2,6 GiB statt 17 GiB ohne Fenster (slm-facts.md §3.2)."""
    spec = get_spec("gemma-3-4b")
    assert kv_cache_bytes(spec, 131_072) / 2**30 == pytest.approx(2.6, abs=0.05)
    assert kv_cache_bytes_per_token(spec) * 131_072 / 2**30 == pytest.approx(17.0, abs=0.01)


def test_sliding_per_token_counts_only_global_layers():
    """Sobald das Fenster voll ist, wächst der Gemma-3-1B-Cache nur um die 4 globalen Schichten je Token."""
    spec = get_spec("gemma-3-1b")
    growth = kv_cache_bytes(spec, 10_001) - kv_cache_bytes(spec, 10_000)
    assert growth == kv_cache_bytes_per_token(spec, sliding=True) == 2 * 4 * 256 * 2


def test_mha_cache_is_heads_times_mqa_cache():
    """MHA speichert so viele KV-Köpfe wie Query-Köpfe, MQA einen: Faktor n_heads (Shazeer 2019)."""
    mha = tiny_attention_spec("mha", num_attention_heads=8)
    mqa = tiny_attention_spec("mqa", num_attention_heads=8)
    assert kv_cache_bytes(mha, 100) == 8 * kv_cache_bytes(mqa, 100)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"seq_len": 0}, "seq_len"),
        ({"seq_len": 10, "batch": -1}, "batch"),
        ({"seq_len": 10, "bytes_per_element": 0}, "bytes_per_element"),
        ({"seq_len": 10, "layout": "paged"}, "paged"),
    ],
)
def test_invalid_arguments_raise_config_error(kwargs, fragment):
    """Null- oder Negativwerte und unbekannte Anordnungen ergeben einen deutschen ConfigError."""
    with pytest.raises(ConfigError, match=fragment):
        kv_cache_bytes(get_spec("qwen3-4b"), **kwargs)


def test_tiny_spec_rejects_unknown_kind_and_odd_heads():
    """Unbekannte Art und ungerade Kopfzahl für GQA werden abgelehnt."""
    with pytest.raises(ConfigError, match="mla"):
        tiny_attention_spec("mla")
    with pytest.raises(ConfigError, match="3"):
        tiny_attention_spec("gqa", num_attention_heads=3)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(list_models()),
    seq=st.integers(min_value=1, max_value=200_000),
    extra=st.integers(min_value=0, max_value=5_000),
)
def test_more_tokens_never_smaller_cache(name, seq, extra):
    """Mehr Token ergeben nie einen kleineren Cache, auch mit Sliding Window (Eigenschaftstest)."""
    spec = get_spec(name)
    assert kv_cache_bytes(spec, seq + extra) >= kv_cache_bytes(spec, seq)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(list_models()),
    seq=st.integers(min_value=1, max_value=100_000),
    factor=st.integers(min_value=1, max_value=8),
)
def test_more_kv_heads_never_smaller_cache(name, seq, factor):
    """Mehr KV-Köpfe (bis hin zu MHA) ergeben nie einen kleineren Cache (Eigenschaftstest)."""
    spec = get_spec(name)
    heads = spec.num_attention_heads
    candidates = [k for k in range(1, heads + 1) if heads % k == 0]
    smaller = candidates[(factor - 1) % len(candidates)]
    larger_specs = [dataclasses.replace(spec, num_key_value_heads=k) for k in candidates if k >= smaller]
    base = kv_cache_bytes(dataclasses.replace(spec, num_key_value_heads=smaller), seq)
    assert all(kv_cache_bytes(s, seq) >= base for s in larger_specs)
