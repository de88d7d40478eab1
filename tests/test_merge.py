"""Tests für `slmwiki.merge`: Adapter einrechnen, Logits vergleichen, atomar speichern."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmwiki.cli import main
from slmwiki.errors import ConfigError


def random_adapter(gemma_dir: Path, folder: Path, seed: int) -> Path:
    """Ein Adapter mit zufälligen A- und B-Matrizen (B ≠ 0), damit er die Logits spürbar ändert."""
    import torch
    from peft import LoraConfig, get_peft_model

    from slmwiki.loading import load_base_model, load_tokenizer

    torch.manual_seed(seed)
    base = load_base_model(str(gemma_dir), quantize=False, compute_dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False)
    get_peft_model(base, config).save_pretrained(folder)
    load_tokenizer(str(gemma_dir)).save_pretrained(folder)
    (folder / "slmwiki_adapter.json").write_text(json.dumps({"base_model": str(gemma_dir)}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def adapters(tmp_path_factory, gemma_dir) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return random_adapter(gemma_dir, root / "a", seed=1), random_adapter(gemma_dir, root / "b", seed=2)


def logits(model, tokenizer, prompt="Was ist QLoRA?"):
    import torch

    from slmwiki.inference import chat_inputs

    with torch.inference_mode():
        return model(**chat_inputs(tokenizer, prompt)).logits.float()


def test_fp32_merge_matches_the_adapter_model_and_the_adapter_matters(tmp_path, adapters, gemma_dir):
    """Gemergt (fp32) weicht höchstens 1e-3 ab, während der Adapter selbst die Logits um mehr als 1e-2 verschiebt."""
    import torch

    from slmwiki.loading import load_base_model, load_tokenizer
    from slmwiki.merge import TOLERANCE, check_merge, merge_adapter

    target = merge_adapter(adapters[0], tmp_path / "merged", "fp32")
    assert not (target / "adapter_config.json").exists()  # a plain transformers model, no peft needed
    assert check_merge(target, adapters[0], dtype="fp32") <= TOLERANCE["fp32"] == 1e-3
    tokenizer = load_tokenizer(str(gemma_dir))
    base = load_base_model(str(gemma_dir), quantize=False, compute_dtype=torch.float32)
    merged = load_base_model(str(target), quantize=False, compute_dtype=torch.float32)
    assert float((logits(base, tokenizer) - logits(merged, tokenizer)).abs().max()) > 1e-2


def test_check_merge_detects_a_model_merged_from_another_adapter(tmp_path, adapters):
    """Mit dem falschen Adapter verglichen liegt die Abweichung über der Toleranz – der Test kann also scheitern."""
    from slmwiki.merge import TOLERANCE, check_merge, merge_adapter

    target = merge_adapter(adapters[1], tmp_path / "merged", "fp32")
    assert check_merge(target, adapters[0], dtype="fp32") > TOLERANCE["fp32"]


def test_bf16_merge_stays_within_the_bf16_tolerance(tmp_path, adapters):
    """Auch in bf16 liegt die Abweichung innerhalb der bf16-Toleranz; das Modell wird in bf16 gespeichert."""
    from slmwiki.merge import TOLERANCE, check_merge, merge_adapter

    target = merge_adapter(adapters[0], tmp_path / "merged", "bf16")
    assert json.loads((target / "config.json").read_text())["dtype"] == "bfloat16"
    assert check_merge(target, adapters[0], dtype="bf16") <= TOLERANCE["bf16"]


def test_cli_merge_with_check_replaces_an_existing_output(tmp_path, adapters, capsys):
    """`slmwiki merge --check` ersetzt einen vorhandenen Zielordner vollständig und meldet die Abweichung."""
    target = tmp_path / "merged"
    target.mkdir()
    (target / "alt.txt").write_text("vom letzten Mal")
    assert main(["merge", "--adapter", str(adapters[0]), "--output", str(target), "--check"]) == 0
    out = capsys.readouterr().out
    assert "Größte Abweichung der Logits" in out
    assert not (target / "alt.txt").exists() and (target / "config.json").is_file()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_merge_rejects_missing_adapters_and_bad_dtypes(tmp_path, adapters, capsys):
    """Ein fehlender Adapter gibt Exit-Code 2 ohne Traceback; ein unbekannter Datentyp ist ein ConfigError."""
    from slmwiki.merge import merge_adapter

    assert main(["merge", "--adapter", str(tmp_path / "fehlt"), "--output", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "Fehler: Der Adapterordner" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()
    with pytest.raises(ConfigError, match="„dtype“"):
        merge_adapter(adapters[0], tmp_path / "m", "fp8")


@pytest.mark.slow
def test_real_smollm2_adapter_merges_within_tolerance(tmp_path, smollm2_run):
    """Der echte SmolLM2-Adapter aus dem Sitzungslauf lässt sich in fp32 einrechnen; die Logits stimmen auf 1e-3."""
    from slmwiki.merge import TOLERANCE, check_merge, merge_adapter

    target = merge_adapter(smollm2_run.adapter_dir, tmp_path / "merged", "fp32")
    assert (
        check_merge(target, smollm2_run.adapter_dir, dtype="fp32", prompts=["Was ist QLoRA?"])
        <= TOLERANCE["fp32"]
    )
