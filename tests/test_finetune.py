"""Echtes QLoRA mit SmolLM2-135M-Instruct auf der CPU: Quantisierung, LoRA, Protokoll, Abbruch und Fortsetzen."""

from __future__ import annotations

import json
import math
import os
import signal

import pytest
from conftest import smollm2_config

from slmwiki.errors import ConfigError


def lora_modules(model):
    return {
        name: module for name, module in model.named_modules() if hasattr(module, "lora_A") and module.lora_A
    }


@pytest.mark.slow
def test_base_layers_are_nf4_linear4bit_with_lora_on_top(smollm2_run):
    """Unter jedem LoRA-Modul liegt eine bitsandbytes-Linear4bit-Schicht mit NF4; alle 7 Projektionen × 30 Blöcke."""
    import bitsandbytes as bnb

    modules = lora_modules(smollm2_run.model)
    assert len(modules) == 30 * 7
    for module in modules.values():
        assert isinstance(module.base_layer, bnb.nn.Linear4bit)
        assert module.base_layer.weight.quant_state.quant_type == "nf4"


@pytest.mark.slow
def test_lora_b_matrices_moved_away_from_zero(smollm2_run):
    """LoRA startet mit B = 0 (peft-Standard, Hu et al. 2021); nach dem Training ist jedes B ungleich null."""
    modules = lora_modules(smollm2_run.model)
    assert all(float(m.lora_B["default"].weight.detach().abs().max()) > 0 for m in modules.values())


@pytest.mark.slow
def test_quantized_base_weights_are_unchanged_by_training(smollm2_run):
    """Die gepackten NF4-Gewichte und ihre Skalen sind nach dem Training bitgleich mit einem frisch geladenen Modell."""
    import torch

    from slmwiki.loading import load_base_model

    fresh = dict(load_base_model("smollm2-135m", quantize=True, compute_dtype=torch.float32).named_modules())
    for name, module in lora_modules(smollm2_run.model).items():
        reference = fresh[name.removeprefix("base_model.model.")]
        assert torch.equal(module.base_layer.weight.data, reference.weight.data), name
        assert torch.equal(
            module.base_layer.weight.quant_state.absmax, reference.weight.quant_state.absmax
        ), name


@pytest.mark.slow
def test_only_lora_parameters_are_trainable(smollm2_run):
    """Trainierbar sind nur LoRA-Matrizen: r·(d_in + d_out) je Schicht, gezählt aus den Modellformen."""
    record = smollm2_run.record
    expected = sum(
        p.numel() for n, p in smollm2_run.model.named_parameters() if "lora_A" in n or "lora_B" in n
    )
    assert record["parameters"]["trainable"] == expected
    # The frozen rest is SmolLM2-135M itself (pitfalls.md: 134.5 M); packed 4-bit bytes count as two parameters.
    assert 134_000_000 < record["parameters"]["total"] - expected < 135_000_000
    assert all(("lora_" in n) == p.requires_grad for n, p in smollm2_run.model.named_parameters())


@pytest.mark.slow
def test_run_record_contains_curve_eval_versions_hardware_and_costs(smollm2_run):
    """run.json enthält Konfiguration, Versionen, Hardware, Verlustkurve, Auswertung vorher/nachher, Dauer, Speicher."""
    record = json.loads(smollm2_run.run_file.read_text(encoding="utf-8"))
    assert record["global_step"] == 4
    assert [step for step, _ in record["loss_curve"]] == [1, 2, 3, 4]
    assert record["config"]["lora_r"] == 8
    assert {"torch", "transformers", "peft", "trl", "bitsandbytes"} <= set(record["versions"])
    assert record["hardware"]["device"] == "cpu"
    for phase in ("eval_before", "eval_after"):
        assert math.isclose(record[phase]["perplexity"], math.exp(record[phase]["loss"]), rel_tol=1e-9)
    assert record["peak_memory_bytes"] > 100 * 2**20
    assert record["tokens_per_second"] > 0 and record["seconds_per_step"] > 0
    assert record["duration_s"] > 0
    assert record["quantization"] == {"quant_type": "nf4", "double_quant": True, "bits": 4}


@pytest.mark.slow
def test_eval_loss_on_the_training_examples_drops(smollm2_run):
    """Nach 4 Schritten (Lernrate 1e-3) sinkt der Verlust auf den ausgewerteten Trainingsbeispielen."""
    assert smollm2_run.eval_loss_after < smollm2_run.eval_loss_before


@pytest.mark.slow
def test_output_folder_has_adapter_tokenizer_and_no_leftovers(smollm2_run):
    """Der Ausgabeordner enthält adapter/ und run.json, keine Checkpoints und keine temporären Ordner."""
    out = smollm2_run.output_dir
    assert sorted(p.name for p in out.iterdir()) == ["adapter", "run.json"]
    adapter = smollm2_run.adapter_dir
    for name in (
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "slmwiki_adapter.json",
    ):
        assert (adapter / name).is_file(), name
    assert json.loads((adapter / "slmwiki_adapter.json").read_text())["base_model"] == "smollm2-135m"


@pytest.mark.slow
def test_interrupted_run_resumes_to_the_same_step_count(tmp_path, session_chat_files, smollm2_run):
    """SIGINT in Schritt 2 speichert checkpoint-2; --resume endet bei Schritt 4 wie der ununterbrochene Lauf."""
    from transformers import TrainerCallback

    from slmwiki.finetune import TrainingInterrupted, finetune

    class InterruptAtStepTwo(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == 1:  # step 2 begins
                os.kill(os.getpid(), signal.SIGINT)

    output = tmp_path / "out"
    config = smollm2_config(session_chat_files, output, save_steps=3, eval_file=None)
    with pytest.raises(TrainingInterrupted) as info:
        finetune(config, progress=False, callbacks=[InterruptAtStepTwo()])
    assert info.value.step == 2
    assert info.value.checkpoint == output / "checkpoints" / "checkpoint-2"
    assert (info.value.checkpoint / "trainer_state.json").is_file()
    assert not (output / "adapter").exists() and not (output / "run.json").exists()

    with pytest.raises(ConfigError, match="--resume"):
        finetune(config, progress=False)  # a fresh start would silently discard the checkpoint
    with pytest.raises(ConfigError, match="„lora_r“: 8 → 4"):
        finetune(
            smollm2_config(session_chat_files, output, save_steps=3, eval_file=None, lora_r=4), resume=True
        )

    resumed = finetune(config, resume=True, progress=False)
    assert resumed.global_step == smollm2_run.global_step == 4
    assert resumed.record["resumed_from_step"] == 2
    assert [step for step, _ in resumed.record["loss_curve"]] == [1, 2, 3, 4]
    assert not (output / "checkpoints").exists()


def test_resume_without_checkpoint_is_a_german_error(tmp_path, session_chat_files):
    """--resume ohne Checkpoint wird gemeldet, bevor ein Modell geladen oder etwas geschrieben wird."""
    from slmwiki.finetune import finetune

    with pytest.raises(ConfigError, match="fehlt ein vollständiger Checkpoint"):
        finetune(smollm2_config(session_chat_files, tmp_path / "out"), resume=True)
    assert not (tmp_path / "out").exists()


def test_failed_rerun_keeps_the_previous_complete_output(tmp_path, session_chat_files, gemma_dir):
    """Ein zweiter Lauf, der scheitert, lässt Adapter und run.json des ersten Laufs unverändert."""
    from conftest import gemma_config

    from slmwiki.finetune import TrainingDiverged, finetune

    output = tmp_path / "out"
    first = finetune(gemma_config(session_chat_files, gemma_dir, output), progress=False)
    before = {p.name: p.read_bytes() for p in first.adapter_dir.iterdir()}
    run_json = first.run_file.read_bytes()
    with pytest.raises(TrainingDiverged):
        finetune(
            gemma_config(
                session_chat_files, gemma_dir, output, learning_rate=1e30, max_steps=4, save_steps=10
            )
        )
    assert {p.name: p.read_bytes() for p in (output / "adapter").iterdir()} == before
    assert first.run_file.read_bytes() == run_json


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_training_is_recorded_and_handlers_are_restored(signum):
    """SIGINT und SIGTERM beenden den Prozess nicht, sondern setzen das Stopp-Signal; danach gelten die alten Handler."""
    from slmwiki.finetune import _RunWatcher, _stop_on_signal

    before = signal.getsignal(signum)
    watcher = _RunWatcher()
    with _stop_on_signal(watcher):
        os.kill(os.getpid(), signum)
    assert watcher.signal_received == signum
    assert signal.getsignal(signum) is before


def _tiny_llama():
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)  # same base weights for every call
    return LlamaForCausalLM(
        LlamaConfig(
            vocab_size=64,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    )


def _tiny_lora_model(seed: int):
    import torch
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(_tiny_llama(), LoraConfig(r=2, lora_alpha=4, target_modules="all-linear"))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_" in name:
                param.normal_()
    return model


def test_gathered_adapter_is_saved_like_peft_save_pretrained(tmp_path):
    """Unter FSDP eingesammelte LoRA-Gewichte ergeben denselben Adapter wie peft selbst.

    Vergleichswert ist peft: `PeftModel.save_pretrained` ohne FSDP schreibt dieselben Schlüssel und Werte,
    und `PeftModel.from_pretrained` lädt den Ordner in ein frisches Modell mit genau diesen LoRA-Gewichten.
    """
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file

    from slmwiki.finetune import save_gathered_adapter

    trained = _tiny_lora_model(seed=1)
    gathered = {k: v.clone() for k, v in trained.state_dict().items()}  # FSDP-Volltext: gewöhnliche Namen
    save_gathered_adapter(trained, gathered, tmp_path / "ours")
    trained.save_pretrained(tmp_path / "peft")

    ours = load_file(tmp_path / "ours" / "adapter_model.safetensors")
    reference = load_file(tmp_path / "peft" / "adapter_model.safetensors")
    assert set(ours) == set(reference) and len(ours) == 2 * 7 * 2  # lora_A/B × 7 Linear × 2 Blöcke
    assert all(torch.equal(ours[k], reference[k]) for k in ours)

    loaded = PeftModel.from_pretrained(_tiny_llama(), tmp_path / "ours")
    expected = {k: v for k, v in trained.state_dict().items() if "lora_" in k}
    actual = {k: v for k, v in loaded.state_dict().items() if "lora_" in k}
    assert set(actual) == set(expected)
    assert all(torch.equal(actual[k], expected[k]) for k in expected)


def test_gathered_adapter_without_lora_weights_is_refused(tmp_path):
    """Ohne LoRA-Gewichte im eingesammelten Wörterbuch entsteht kein (leerer) Adapter."""
    from slmwiki.finetune import save_gathered_adapter

    model = _tiny_lora_model(seed=1)
    base_only = {k: v for k, v in model.state_dict().items() if "lora_" not in k}
    with pytest.raises(RuntimeError, match="keine des Adapters"):
        save_gathered_adapter(model, base_only, tmp_path / "out")
    assert not (tmp_path / "out" / "adapter_model.safetensors").exists()
