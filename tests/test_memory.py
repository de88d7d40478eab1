"""Tests für die Speicherschätzung `slmwiki.memory`."""

from __future__ import annotations

import dataclasses
import os
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from slmwiki.attention import kv_cache_bytes, tiny_attention_spec
from slmwiki.errors import ConfigError
from slmwiki.gpu_fit import DEFAULT_GPUS, fit_table_markdown, gpu_fit_table
from slmwiki.lora import count_lora_parameters
from slmwiki.memory import (
    CUDA_CONTEXT_BYTES,
    GIB,
    MemoryBreakdown,
    estimate_inference_memory,
    estimate_training_memory,
    nf4_module_bytes,
    weight_bytes,
)
from slmwiki.models import get_spec, list_models


def _bnb_storage_bytes(model) -> int:
    """Bytes aller Parameter plus der bitsandbytes-Quantisierungszustände (geteilte Gewichte einmal)."""
    total = 0
    for _, parameter in model.named_parameters():
        total += parameter.numel() * parameter.element_size()
        state = getattr(parameter, "quant_state", None)
        if state is not None:
            total += state.absmax.nbytes
            if state.nested:
                total += state.state2.absmax.nbytes + state.state2.code.nbytes
    return total


@pytest.mark.parametrize("double_quant", [True, False])
@pytest.mark.parametrize("kind", ["gqa", "gemma3-hybrid"])
def test_nf4_weight_bytes_equal_bitsandbytes_on_cpu(tmp_path, kind, double_quant):
    """NF4-Gewichtsbytes gleichen dem, was bitsandbytes beim Laden eines Mini-Modells auf der CPU belegt."""
    import torch
    import transformers

    spec = tiny_attention_spec(kind, num_layers=2, num_attention_heads=4, head_dim=16)
    torch.manual_seed(0)
    transformers.AutoModelForCausalLM.from_config(
        spec.to_transformers_config(), dtype=torch.bfloat16
    ).save_pretrained(tmp_path)
    quant = transformers.BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=double_quant,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = transformers.AutoModelForCausalLM.from_pretrained(
            tmp_path, quantization_config=quant, dtype=torch.bfloat16, device_map="cpu"
        )
    assert type(model.model.layers[0].mlp.down_proj).__name__ == "Linear4bit"
    assert _bnb_storage_bytes(model) == weight_bytes(spec, "nf4", "bf16", double_quant)


def test_nf4_rate_is_about_4_127_bits_with_double_quant():
    """Große Matrizen kosten mit Double Quantization 4 + 8/64 + 32/(64·256) ≈ 4,127 Bit (QLoRA §3, C1)."""
    n = 4096 * 4096
    assert nf4_module_bytes(n, True) * 8 / n == pytest.approx(4 + 8 / 64 + 32 / (64 * 256), rel=1e-3)
    assert nf4_module_bytes(n, False) * 8 / n == pytest.approx(4.5)


def test_bf16_weights_are_two_bytes_per_parameter():
    """bf16: 2 Byte je Parameter; Gemma 3 4B ≈ 7,2 GiB wie im Log (weights_bf16_GiB 7,29 bei 262.144)."""
    spec = get_spec("gemma-3-4b")
    assert weight_bytes(spec, "bf16") == 2 * spec.num_parameters()
    assert weight_bytes(spec, "fp32") == 4 * spec.num_parameters()


def test_int8_weights_add_one_fp32_scale_per_output_row():
    """INT8: 1 Byte je linearem Gewicht plus 4 Byte je Ausgabezeile; Rest bf16 (von Hand für Qwen3-0.6B)."""
    spec = get_spec("qwen3-0.6b")
    rows_per_layer = 2048 + 1024 + 1024 + 1024 + 3072 + 3072 + 1024
    expected = (
        (spec.num_parameters() - spec.linear_parameters()) * 2
        + spec.linear_parameters()
        + 28 * rows_per_layer * 4
    )
    assert weight_bytes(spec, "int8") == expected


def test_logits_term_for_gemma_1b_at_2048_tokens_is_six_gib():
    """Logits: B·S·V·12 Byte → 2048 · 262.144 · 12 = 6 GiB für Gemma 3 1B (Herleitung in memory.py)."""
    estimate = estimate_training_memory("gemma-3-1b", "qlora", 2048, 1)
    assert estimate.logits == 6 * GIB


def test_chunked_loss_uses_two_fp32_tiles_instead_of_full_logits():
    """TRL-Kacheln: 2 · 2048 · 32.768 · 4 + 2048 · 16 = 536.903.680 Byte statt 6 GiB (Gemma 3 1B, S = 2048)."""
    chunked = estimate_training_memory("gemma-3-1b", "qlora", 2048, 1, loss_implementation="chunked")
    assert chunked.logits == 536_903_680
    assert chunked.total < estimate_training_memory("gemma-3-1b", "qlora", 2048, 1).total - 5 * GIB


def test_lora_terms_follow_sixteen_bytes_per_trainable_parameter():
    """LoRA mit AdamW: Adapter 4 + Gradient 4 + zwei Momente 8 Byte je Parameter (Faktenblatt §5.1)."""
    spec = get_spec("phi-4-mini")
    n = count_lora_parameters(spec, 16)
    estimate = estimate_training_memory(spec, "lora", 512, 1, 16)
    assert (estimate.lora_parameters, estimate.gradients, estimate.optimizer_states) == (4 * n, 4 * n, 8 * n)


def test_full_finetuning_costs_sixteen_bytes_per_parameter_before_activations():
    """Volles Fine-Tuning: fp32-Gewichte, Gradienten und AdamW ergeben 16 Byte je Parameter."""
    spec = get_spec("qwen3-0.6b")
    estimate = estimate_training_memory(spec, "full", 512, 1)
    assert estimate.weights + estimate.gradients + estimate.optimizer_states == 16 * spec.num_parameters()
    assert estimate.lora_parameters == 0


def test_paged_adamw_8bit_needs_about_a_quarter_of_adamw_states():
    """8-Bit-AdamW hält zwei 1-Byte-Momente plus Blockkonstanten statt zwei fp32-Momenten."""
    adamw = estimate_training_memory("qwen3-4b", "qlora", 512, 1, optimizer="adamw")
    paged = estimate_training_memory("qwen3-4b", "qlora", 512, 1, optimizer="paged_adamw_8bit")
    assert paged.optimizer_states / adamw.optimizer_states == pytest.approx((2 + 8 / 256) / 8, rel=1e-6)


def test_qlora_needs_less_than_lora_for_models_from_one_billion():
    """Ab 1 Mrd. Parametern braucht QLoRA weniger Speicher als LoRA auf bf16-Gewichten."""
    for name in list_models():
        if get_spec(name).num_parameters() >= 1e9 * 0.99:
            assert (
                estimate_training_memory(name, "qlora", 1024).total
                < estimate_training_memory(name, "lora", 1024).total
            )


def test_qlora_upcast_makes_embedding_heavy_gemma_270m_larger_than_lora():
    """Gemma 3 270M: fp32-Embedding (168 Mio. · 2 Byte mehr) kostet mehr, als NF4 bei 100 Mio. Gewichten spart.

    Von Hand: Mehrbedarf 262.144 · 640 · (4 − 2) ≈ 336 MB, Ersparnis ≈ 100 Mio. · (2 − 0,52) ≈ 148 MB.
    """
    qlora = estimate_training_memory("gemma-3-270m", "qlora", 512)
    lora = estimate_training_memory("gemma-3-270m", "lora", 512)
    assert qlora.weights > lora.weights
    no_upcast = estimate_training_memory("gemma-3-270m", "qlora", 512, upcast_non_quantized=False)
    assert no_upcast.weights < lora.weights


def test_gradient_checkpointing_reduces_activations():
    """Ohne Gradient Checkpointing sind die gespeicherten Aktivierungen deutlich größer."""
    on = estimate_training_memory("gemma-3-4b", "qlora", 2048, gradient_checkpointing=True)
    off = estimate_training_memory("gemma-3-4b", "qlora", 2048, gradient_checkpointing=False)
    assert off.activations > 5 * on.activations


def test_qlora_checkpoints_use_fp32_residual_stream():
    """QLoRA mit prepare_model_for_kbit_training: (L + 1) · S · h · 4 Byte Checkpoints, sonst 2 Byte."""
    spec = get_spec("qwen3-1.7b")
    upcast = estimate_training_memory(spec, "qlora", 2048, upcast_non_quantized=True)
    plain = estimate_training_memory(spec, "qlora", 2048, upcast_non_quantized=False)
    assert upcast.activations == 29 * 2048 * 2048 * 4
    assert plain.activations == 29 * 2048 * 2048 * 2


def test_inference_breakdown_uses_kv_cache_and_weights():
    """Inferenz: Gewichte im gewählten Format und der KV-Cache aus `kv_cache_bytes`; kein Optimierer."""
    spec = get_spec("gemma-3-4b")
    estimate = estimate_inference_memory(spec, 32_768, batch=2, weight_format="bf16")
    assert estimate.weights == 2 * spec.num_parameters()
    assert estimate.kv_cache == kv_cache_bytes(spec, 32_768, 2, 2)
    assert estimate.gradients == estimate.optimizer_states == estimate.lora_parameters == 0
    assert estimate.overhead == CUDA_CONTEXT_BYTES


def test_weight_formats_are_ordered_by_size():
    """NF4 < INT8 < bf16 < fp32 für jedes Modell."""
    for name in list_models():
        sizes = [weight_bytes(name, fmt) for fmt in ("nf4", "int8", "bf16", "fp32")]
        assert sizes == sorted(sizes) and len(set(sizes)) == 4, name


def test_total_is_sum_of_fields():
    """`total` ist die Summe der acht Posten; `as_dict` enthält sie alle."""
    b = MemoryBreakdown(1, 2, 3, 4, 5, 6, 7, 8)
    assert b.total == 36
    assert b.as_dict()["total"] == 36 and len(b.as_dict()) == 9


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"method": "prefix"}, "prefix"),
        ({"optimizer": "sgd"}, "sgd"),
        ({"compute_dtype": "int4"}, "int4"),
        ({"seq_len": 0}, "seq_len"),
        ({"batch": -1}, "batch"),
        ({"r": 0}, "„r“"),
        ({"target_modules": ["attn"]}, "attn"),
        ({"overhead_bytes": -1}, "overhead_bytes"),
        ({"loss_implementation": "fused"}, "fused"),
    ],
)
def test_training_bad_input_raises_german_config_error(kwargs, fragment):
    """Unbekannte Verfahren/Optimierer/Datentypen/Module und nicht positive Größen werden abgelehnt."""
    arguments = {"spec": "qwen3-4b", "method": "qlora", "seq_len": 512, "batch": 1} | kwargs
    with pytest.raises(ConfigError, match=fragment):
        estimate_training_memory(**arguments)


def test_unknown_model_name_in_estimator_suggests_names():
    """Ein Registername mit Tippfehler liefert den Vorschlag des nächsten Namens."""
    with pytest.raises(ConfigError, match="qwen3-4b"):
        estimate_training_memory("qwen-4b")


def test_inference_rejects_unknown_format():
    """Ein unbekanntes Gewichtsformat wird mit deutscher Meldung abgelehnt."""
    with pytest.raises(ConfigError, match="int3"):
        estimate_inference_memory("qwen3-4b", 1024, weight_format="int3")


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(list_models()),
    method=st.sampled_from(["qlora", "lora", "full"]),
    seq=st.integers(min_value=1, max_value=16_384),
    extra=st.integers(min_value=0, max_value=4_096),
    batch=st.integers(min_value=1, max_value=8),
    gc=st.booleans(),
)
def test_more_tokens_never_need_less_training_memory(name, method, seq, extra, batch, gc):
    """Mehr Token oder größere Batches brauchen nie weniger Trainingsspeicher (Eigenschaftstest)."""
    small = estimate_training_memory(name, method, seq, batch, gradient_checkpointing=gc).total
    assert (
        estimate_training_memory(name, method, seq + extra, batch, gradient_checkpointing=gc).total >= small
    )
    assert estimate_training_memory(name, method, seq, batch + 1, gradient_checkpointing=gc).total >= small


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(list_models()),
    fmt=st.sampled_from(["fp32", "bf16", "int8", "nf4"]),
    seq=st.integers(min_value=1, max_value=131_072),
    extra=st.integers(min_value=0, max_value=10_000),
)
def test_more_tokens_never_need_less_inference_memory(name, fmt, seq, extra):
    """Mehr Kontext braucht bei der Inferenz nie weniger Speicher (Eigenschaftstest)."""
    assert (
        estimate_inference_memory(name, seq + extra, weight_format=fmt).total
        >= estimate_inference_memory(name, seq, weight_format=fmt).total
    )


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(list_models()), r=st.integers(min_value=1, max_value=128))
def test_larger_rank_never_needs_less_memory(name, r):
    """Ein größerer LoRA-Rang braucht nie weniger Speicher (Eigenschaftstest)."""
    assert (
        estimate_training_memory(name, "qlora", 512, r=r + 1).total
        >= estimate_training_memory(name, "qlora", 512, r=r).total
    )


def test_fit_table_has_three_rows_per_model_and_matches_estimator():
    """Je Modell drei Zeilen (QLoRA, NF4, bf16); die Summen sind die des Schätzers."""
    rows = gpu_fit_table(["qwen3-4b", "gemma-3-1b"], train_seq_len=1024, inference_context=4096)
    assert len(rows) == 6
    # the GPU recipe of `slmwiki finetune`: TRL's chunked loss, LoRA dropout 0 (peft's and the config's default)
    recipe = {"loss_implementation": "chunked", "backend": "trl", "lora_dropout": 0.0}
    assert rows[0].total_bytes == estimate_training_memory("qwen3-4b", "qlora", 1024, 1, 16, **recipe).total
    assert rows[2].total_bytes == estimate_inference_memory("qwen3-4b", 4096, 1, "bf16").total
    assert all(set(row.fits) == set(DEFAULT_GPUS) for row in rows)


def test_fit_table_is_consistent_with_gpu_size():
    """Passt ein Szenario auf 12 GB, passt es auch auf 16 und 24 GB."""
    for row in gpu_fit_table():
        if row.fits["RTX 3060 12 GB"]:
            assert row.fits["T4 16 GB"] and row.fits["RTX 4090 24 GB"], row


def test_fit_table_extremes():
    """Gemma 3 27B in bf16 (≈54 GB Gewichte, Bericht Tabelle 3) passt nirgends; SmolLM2 passt überall."""
    rows = {
        (row.model, row.scenario.split(",")[0]): row for row in gpu_fit_table(["gemma-3-27b", "smollm2-135m"])
    }
    assert not any(rows[("gemma-3-27b", "Inferenz bf16")].fits.values())
    assert all(all(row.fits.values()) for (model, _), row in rows.items() if model == "smollm2-135m")


def test_fit_table_rejects_bad_reserve_and_empty_gpu_list():
    """Reserve ≥ 1 und eine leere GPU-Liste sind Fehler."""
    with pytest.raises(ConfigError, match="reserve_fraction"):
        gpu_fit_table(["qwen3-4b"], reserve_fraction=1.0)
    with pytest.raises(ConfigError, match="gpus"):
        gpu_fit_table(["qwen3-4b"], gpus={})


def test_fit_table_markdown_is_german():
    """Die Markdown-Tabelle hat deutsche Kopfzeilen, Dezimalkomma und ✓/✗."""
    text = fit_table_markdown(gpu_fit_table(["qwen3-0.6b"]))
    assert text.startswith("| Modell | Szenario | Bedarf (GiB) |")
    assert "✓" in text and "," in text.splitlines()[2]


def test_spec_objects_and_names_give_same_estimate():
    """Registername und ModelSpec-Objekt liefern dieselbe Schätzung; geänderte Vokabulare wirken."""
    spec = get_spec("gemma-3-4b")
    assert estimate_training_memory(spec) == estimate_training_memory("gemma-3-4b")
    smaller = dataclasses.replace(spec, vocab_size=262_144)
    assert estimate_training_memory(smaller).logits < estimate_training_memory(spec).logits
