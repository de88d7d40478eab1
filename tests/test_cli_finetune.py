"""Tests der Kommandozeile: `slmwiki finetune`, `generate`, `compare` – Hilfe, Erfolg, jede fehlerhafte Eingabe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import GEMMA_SPECIALS, TRAIN_PAIRS, chat_line, write_chat_jsonl

from slmwiki.cli import main


def write_config(tmp_path: Path, **values) -> Path:
    """Schreibt eine YAML-Konfiguration mit kleinen, schnellen Standardwerten."""
    base = {
        "train_file": str(write_chat_jsonl(tmp_path / "train.jsonl", TRAIN_PAIRS)),
        "eval_file": str(write_chat_jsonl(tmp_path / "eval.jsonl", TRAIN_PAIRS[:2])),
        "output_dir": str(tmp_path / "out"),
        "max_steps": 2,
        "per_device_train_batch_size": 2,
        "max_seq_length": 64,
        "compute_dtype": "fp32",
        "lora_r": 4,
        "lora_alpha": 8,
        "logging_steps": 1,
    }
    base.update(values)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


def run_bad(argv: list[str], capsys, *expected: str) -> str:
    """Führt einen Aufruf aus, der mit Exit-Code 2 und deutscher Meldung ohne Traceback enden muss."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    return err


@pytest.mark.parametrize("command", ["finetune", "generate", "compare", "merge"])
def test_help_is_german_and_exits_zero(command, capsys):
    """`--help` jedes Befehls ist deutsch und endet mit Exit-Code 0."""
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Aufruf: slmwiki " + command)
    assert "Optionen" in out
    assert "show this help" not in out


def test_finetune_help_lists_every_config_key_with_its_description(capsys):
    """Die Hilfe von finetune nennt jeden Konfigurationsschlüssel samt deutscher Beschreibung."""
    from slmwiki.config import FinetuneConfig

    main(["finetune", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for name, doc in FinetuneConfig.field_docs().items():
        assert f"--{name}" in out
        assert doc[:30] in out


def test_malformed_jsonl_line_exits_2_and_writes_nothing(tmp_path, capsys):
    """Kaputtes JSON in Zeile 2 der Trainingsdaten: Exit-Code 2, Zeilennummer, kein Ausgabeordner."""
    bad = tmp_path / "kaputt.jsonl"
    bad.write_text(chat_line("A?", "a.") + "\n" + '{"messages": [\n', encoding="utf-8")
    config = write_config(tmp_path, train_file=str(bad))
    run_bad(
        ["finetune", "--config", str(config)],
        capsys,
        "Fehler:",
        "„kaputt.jsonl“, Zeile 2",
        "kein gültiges JSON",
    )
    assert not (tmp_path / "out").exists()


def test_missing_role_exits_2(tmp_path, capsys):
    """Eine Nachricht ohne „role“ wird mit Zeile und Nachricht gemeldet."""
    bad = tmp_path / "ohne_rolle.jsonl"
    bad.write_text(
        json.dumps({"messages": [{"content": "A?"}, {"role": "assistant", "content": "a."}]}) + "\n"
    )
    run_bad(
        ["finetune", "--config", str(write_config(tmp_path, train_file=str(bad)))],
        capsys,
        "Zeile 1",
        "fehlt „role“",
    )
    assert not (tmp_path / "out").exists()


def test_empty_dataset_exits_2(tmp_path, capsys):
    """Eine leere Auswertungsdatei wird gemeldet."""
    empty = tmp_path / "leer.jsonl"
    empty.write_text("")
    run_bad(
        ["finetune", "--config", str(write_config(tmp_path, eval_file=str(empty)))],
        capsys,
        "enthält keine Beispiele",
    )
    assert not (tmp_path / "out").exists()


def test_missing_training_file_exits_2(tmp_path, capsys):
    """Eine fehlende Trainingsdatei wird mit Pfad und Feldname gemeldet."""
    config = write_config(tmp_path, train_file=str(tmp_path / "fehlt.jsonl"))
    run_bad(["finetune", "--config", str(config)], capsys, "fehlt.jsonl", "„train_file“")
    assert not (tmp_path / "out").exists()


def test_unknown_model_offline_exits_2(tmp_path, capsys, monkeypatch):
    """Eine unbekannte Hub-Kennung im Offline-Modus nennt die Kennung und das Offline-Modell."""
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    config = write_config(tmp_path, model="beispiel-org/unbekannt-7b")
    run_bad(["finetune", "--config", str(config)], capsys, "„beispiel-org/unbekannt-7b“", "smollm2-135m")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (["--lora_r", "0"], "„lora_r“ muss größer als 0 sein"),
        (["--lora-r=-3"], "„lora_r“ muss größer als 0 sein"),
        (["lora_dropout=1.5"], "„lora_dropout“"),
        (["--learning_rate", "0"], "„learning_rate“"),
        (["--compute_dtype", "fp8"], "„compute_dtype“"),
        (["lora_rank=8"], "Unbekannter Schlüssel „lora_rank“"),
        (["--backend", "deepspeed"], "„backend“"),
        (["--gpu-memory", "viel"], "„gpu_memory“"),
    ],
)
def test_impossible_overrides_exit_2(tmp_path, capsys, override, expected):
    """Unmögliche oder unbekannte Überschreibungen werden mit Feldnamen gemeldet."""
    run_bad(["finetune", "--config", str(write_config(tmp_path)), *override], capsys, expected)
    assert not (tmp_path / "out").exists()


def test_impossible_value_in_yaml_exits_2(tmp_path, capsys):
    """r = 0 in der YAML-Datei selbst wird genauso gemeldet."""
    run_bad(["finetune", "--config", str(write_config(tmp_path, lora_r=0))], capsys, "„lora_r“")


def test_unknown_target_module_exits_2_before_training(tmp_path, capsys, gemma_dir):
    """Ein unbekanntes Zielmodul wird nach dem Laden, aber vor dem Training gemeldet; nichts wird geschrieben."""
    config = write_config(tmp_path, model=str(gemma_dir), attn_implementation="eager")
    run_bad(
        ["finetune", "--config", str(config), "--target_modules", "q_proj,v_porj"],
        capsys,
        "„v_porj“",
        "Meinten Sie",
    )
    assert not (tmp_path / "out").exists()


def test_missing_config_file_and_resume_without_checkpoint_exit_2(tmp_path, capsys):
    """Fehlende YAML-Datei und --resume ohne Checkpoint enden mit Exit-Code 2."""
    run_bad(["finetune", "--config", str(tmp_path / "fehlt.yaml")], capsys, "existiert nicht")
    run_bad(["finetune", "--config", str(write_config(tmp_path)), "--resume"], capsys, "Checkpoint")
    assert not (tmp_path / "out").exists()


def test_adapter_that_does_not_fit_its_base_exits_2(capsys, gemma_dir, tiny_llama_adapter):
    """Ein Adapter eines anderen Modells auf Mini-Gemma ergibt „passt nicht zum Basismodell“."""
    argv = [
        "generate",
        "--model",
        str(gemma_dir),
        "--adapter",
        str(tiny_llama_adapter),
        "--no-4bit",
        "Frage?",
    ]
    run_bad(argv, capsys, "passt nicht zum Basismodell")


def test_finetune_generate_and_compare_succeed_on_tiny_gemma(tmp_path, capsys, gemma_dir):
    """finetune → generate → compare über die CLI: Exit-Code 0, Adapter und run.json entstehen."""
    config = write_config(tmp_path, model=str(gemma_dir), attn_implementation="eager")
    assert main(["finetune", "--config", str(config), "--quiet", "--max_steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "Fertig nach" in out and "Auswertungsverlust" in out
    assert "{'loss'" not in out  # --quiet: no trainer log dictionaries
    adapter = tmp_path / "out" / "adapter"
    assert json.loads((tmp_path / "out" / "run.json").read_text())["global_step"] == 1

    argv = [
        "generate",
        "--adapter",
        str(adapter),
        "--no-stream",
        "--temperature",
        "0",
        "--max-new-tokens",
        "4",
    ]
    assert main([*argv, "Was ist QLoRA?"]) == 0
    answer = capsys.readouterr().out.strip()
    assert "<end_of_turn>" not in answer and GEMMA_SPECIALS[1] not in answer

    questions = tmp_path / "fragen.txt"
    questions.write_text("Was ist QLoRA?\nWas ist NF4?\n", encoding="utf-8")
    assert (
        main(["compare", "--adapter", str(adapter), "--questions", str(questions), "--max-new-tokens", "3"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Frage 1: Was ist QLoRA?" in out and "Frage 2: Was ist NF4?" in out
    assert out.count("Basismodell:") == 2 and out.count("Feinabgestimmt:") == 2


def test_finetune_under_torchrun_with_two_cpu_processes_writes_one_adapter(tmp_path, gemma_dir):
    """torchrun mit 2 Prozessen (DDP über gloo auf der CPU): Exit 0, ein Adapter, run.json mit world_size 2.

    Nur Rang 0 schreibt; die Zusammenfassung erscheint einmal, und es bleiben keine temporären Ordner oder
    Checkpoints liegen.
    """
    import os
    import socket
    import subprocess
    import sys

    config = write_config(tmp_path, model=str(gemma_dir), attn_implementation="eager", eval_max_samples=2)
    with socket.socket() as probe:  # a free port for the rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(port),
        "-m",
        "slmwiki.cli",
        "finetune",
        "--config",
        str(config),
        "--quiet",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("Fertig nach") == 1
    out = tmp_path / "out"
    record = json.loads((out / "run.json").read_text())
    assert record["world_size"] == 2 and record["global_step"] == 2
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["adapter", "run.json"]


def test_summary_without_evaluation_before_training_shows_the_loss_after(tmp_path, capsys, monkeypatch):
    """Unter FSDP fehlt eval_before: die Zusammenfassung nennt dann den Verlust nach dem Training allein."""
    import slmwiki.finetune as finetune_module

    record = {
        "duration_s": 12.5,
        "global_step": 30,
        "eval_before": None,
        "eval_after": {"loss": 2.25, "perplexity": 9.4877},
        "tokens_per_second": 11954.97,
        "seconds_per_step": 1.5747,
    }
    out_dir = tmp_path / "out"

    def fake_finetune(config, resume=False, progress=True):
        return finetune_module.RunResult(out_dir, out_dir / "adapter", out_dir / "run.json", record)

    monkeypatch.setattr(finetune_module, "finetune", fake_finetune)
    assert main(["finetune", "--config", str(write_config(tmp_path)), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert (
        "Auswertungsverlust nach dem Training: 2,250 (Perplexität 9,49; unter FSDP ohne Auswertung davor)"
        in out
    )
    assert "→" not in out
    assert "Durchsatz: 11.955,0 Token/s, 1,57 s pro Schritt" in out


def test_unsloth_backend_without_gpu_exits_2_before_anything_is_written(tmp_path, capsys):
    """„--backend unsloth“ auf einem Rechner ohne CUDA-GPU: deutsche Meldung mit Ausweg, kein Ausgabeordner."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("prüft den Fall ohne CUDA-GPU")
    run_bad(
        ["finetune", "--config", str(write_config(tmp_path)), "--backend", "unsloth"],
        capsys,
        "braucht eine CUDA-GPU",
        "--backend trl",
    )
    assert not (tmp_path / "out").exists()
