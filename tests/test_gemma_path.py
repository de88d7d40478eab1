"""Der ganze QLoRA-Weg mit einem winzigen Gemma-3-Modell: 4-Bit laden, LoRA, 2 Schritte, speichern, neu laden, erzeugen.

Das Modell hat zufällige Gewichte, aber die echte Gemma-3-Architektur (Sliding-Window- und globale
Attention, Soft-Capping-freie Gemma-3-Schichten, gebundene Einbettungen) und einen Tokenizer mit
Gemma-Chat-Vorlage, der wie der echte `token_type_ids` liefert.
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import GEMMA_SPECIALS, QUESTIONS, gemma_config

from slmwiki.errors import ConfigError


def test_tiny_gemma_loads_in_4bit_nf4_with_eager_attention(gemma_dir):
    """Alle linearen Schichten der Blöcke werden bitsandbytes-Linear4bit mit NF4 und Double Quantization."""
    import bitsandbytes as bnb
    import torch

    from slmwiki.loading import load_base_model

    model = load_base_model(
        str(gemma_dir), quantize=True, compute_dtype=torch.float32, attn_implementation="eager"
    )
    assert type(model).__name__ == "Gemma3ForCausalLM"
    assert model.config._attn_implementation == "eager"
    layers = [
        m
        for n, m in model.named_modules()
        if n.endswith(("q_proj", "k_proj", "v_proj", "o_proj", "down_proj"))
    ]
    assert len(layers) == 2 * 5
    assert all(isinstance(m, bnb.nn.Linear4bit) for m in layers)
    assert {m.weight.quant_state.quant_type for m in layers} == {"nf4"}
    assert all(
        m.weight.quant_state.nested for m in layers
    )  # double quantization: the scales are quantized too


def test_gemma_pipeline_trains_saves_and_records_two_steps(gemma_run):
    """Zwei Schritte laufen mit endlichem Verlust; Adapter, Tokenizer und run.json liegen im Ausgabeordner."""
    record = gemma_run.record
    assert record["global_step"] == 2
    assert [step for step, _ in record["loss_curve"]] == [1, 2]
    assert all(math.isfinite(loss) for _, loss in record["loss_curve"])
    adapter = gemma_run.adapter_dir
    config = json.loads((adapter / "adapter_config.json").read_text())
    leaves = {name.rsplit(".", 1)[-1] for name in config["target_modules"]}
    assert leaves == {
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    }  # all-linear
    assert (adapter / "adapter_model.safetensors").is_file()
    assert (adapter / "chat_template.jinja").is_file() or "chat_template" in (
        adapter / "tokenizer_config.json"
    ).read_text()
    assert (
        json.loads((adapter / "slmwiki_adapter.json").read_text())["base_model"] == record["config"]["model"]
    )


def test_gemma_tokenizer_returns_token_type_ids_but_generation_works(gemma_run, gemma_dir):
    """Trotz `token_type_ids` vom Tokenizer antwortet das neu geladene Modell mit Adapter."""
    from slmwiki.inference import chat_inputs, generate, load_for_inference

    model, tokenizer = load_for_inference(
        str(gemma_dir), gemma_run.adapter_dir, quantize=True, compute_dtype="fp32"
    )
    assert "token_type_ids" in tokenizer("Was ist QLoRA?")  # the precondition this test is about
    assert set(chat_inputs(tokenizer, QUESTIONS[0])) == {"input_ids", "attention_mask"}
    answer = generate(model, tokenizer, QUESTIONS[0], max_new_tokens=5, temperature=0.0)
    assert isinstance(answer, str)
    from peft import PeftModel

    assert isinstance(model, PeftModel)


def test_gemma_generation_stops_at_end_of_turn(gemma_dir):
    """`<end_of_turn>` aus der Generierungskonfiguration beendet die Antwort, nicht nur `<eos>`."""
    import torch

    from slmwiki.inference import _stop_token_ids
    from slmwiki.loading import load_base_model, load_tokenizer

    tokenizer = load_tokenizer(str(gemma_dir))
    model = load_base_model(str(gemma_dir), quantize=False, compute_dtype=torch.float32)
    assert GEMMA_SPECIALS.index("<end_of_turn>") in _stop_token_ids(model, tokenizer)
    assert tokenizer.eos_token_id in _stop_token_ids(model, tokenizer)


def test_fp16_compute_gives_finite_loss_or_a_clear_german_error(tmp_path, gemma_dir, chat_files):
    """fp16-Rechnen (wie auf der T4) endet mit endlichem Verlust oder mit einer deutschen Meldung zum Überlauf."""
    from slmwiki.finetune import TrainingDiverged, finetune

    config = gemma_config(chat_files, gemma_dir, tmp_path / "out", compute_dtype="fp16", save_steps=10)
    try:
        result = finetune(config, progress=False)
    except TrainingDiverged as exc:
        assert "fp16" in str(exc) and "bf16" in str(exc)
        assert not (tmp_path / "out" / "adapter").exists()
    else:
        assert result.record["compute_dtype"] == "fp16"
        assert all(math.isfinite(loss) for _, loss in result.record["loss_curve"])


def test_nan_loss_stops_training_with_a_german_error(tmp_path, gemma_dir, chat_files):
    """Ein NaN-Verlust (hier durch eine absurde Lernrate) bricht mit deutscher Meldung ab, ohne Adapter."""
    from slmwiki.finetune import TrainingDiverged, finetune

    config = gemma_config(
        chat_files, gemma_dir, tmp_path / "out", learning_rate=1e30, max_steps=4, save_steps=10
    )
    with pytest.raises(TrainingDiverged, match="nicht endlich"):
        finetune(config, progress=False)
    assert not (tmp_path / "out" / "adapter").exists()


def test_unknown_target_module_is_rejected_before_training(tmp_path, gemma_dir, chat_files):
    """Ein Tippfehler im Zielmodul wird vor dem Training gemeldet; es entsteht kein Ausgabeordner."""
    from slmwiki.finetune import finetune

    config = gemma_config(chat_files, gemma_dir, tmp_path / "out", target_modules=["q_proj", "v_porj"])
    with pytest.raises(ConfigError, match="„v_porj“.*Meinten Sie: .*v_proj"):
        finetune(config, progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("planned_checkpointing", [False, True])
def test_a_plan_reaches_the_trainer_and_the_record_reads_what_ran(
    tmp_path, gemma_dir, session_chat_files, planned_checkpointing
):
    """Ein Plan (Mikro-Batch, Accumulation, Checkpointing) landet im gebauten Trainer; `trainer_settings` liest ihn dort.

    Die Konfiguration sagt jeweils das Gegenteil des Plans, damit ein ignorierter Plan auffällt.
    """
    import torch
    from trl import SFTTrainer

    from slmwiki.data import load_chat_jsonl, to_dataset
    from slmwiki.finetune import build_sft_config, ensure_plan_applied, trainer_settings
    from slmwiki.loading import load_base_model, load_tokenizer

    config = gemma_config(
        session_chat_files,
        gemma_dir,
        tmp_path / "out",
        gradient_checkpointing=not planned_checkpointing,
        per_device_train_batch_size=1,
        gradient_accumulation_steps=1,
        max_steps=1,
    )
    plan = {
        "per_device_train_batch_size": 2,
        "gradient_accumulation_steps": 3,
        "gradient_checkpointing": planned_checkpointing,
        "gradient_checkpointing_kwargs": {"use_reentrant": False} if planned_checkpointing else None,
    }
    args = build_sft_config(config, tmp_path / "ckpt", torch.float32, progress=False, overrides=plan)
    model = load_base_model(str(gemma_dir), quantize=False, compute_dtype=torch.float32)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=to_dataset(load_chat_jsonl(session_chat_files["train"])),
        processing_class=load_tokenizer(str(gemma_dir)),
    )
    ensure_plan_applied(plan, trainer_settings(trainer))  # the real, freshly built trainer took the plan
    trainer.train()
    ran = trainer_settings(trainer)
    assert ran["per_device_train_batch_size"] == 2
    assert ran["gradient_accumulation_steps"] == 3
    assert ran["activation_checkpointing"] is planned_checkpointing
    assert ran["model_checkpointing_active"] is planned_checkpointing


def test_a_plan_the_trainer_did_not_take_is_reported():
    """Weicht der gebaute Trainer vom Plan ab, bricht `ensure_plan_applied` mit dem Feld und beiden Werten ab."""
    from slmwiki.finetune import ensure_plan_applied

    plan = {
        "per_device_train_batch_size": 64,
        "gradient_accumulation_steps": 1,
        "gradient_checkpointing": False,
    }
    ran = {
        "per_device_train_batch_size": 64,
        "gradient_accumulation_steps": 1,
        "activation_checkpointing": True,
    }
    with pytest.raises(RuntimeError, match="activation_checkpointing: geplant False, im Trainer True"):
        ensure_plan_applied(plan, ran)
    ensure_plan_applied(plan, {**ran, "activation_checkpointing": False})  # agreeing plan passes
