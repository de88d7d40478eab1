"""Tests für `slmwiki.config.FinetuneConfig`: Prüfung, YAML, Überschreibungen."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmwiki.config import FinetuneConfig, parse_overrides
from slmwiki.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_valid_and_every_field_has_a_german_docstring():
    """Die Standardwerte bestehen die Prüfung, und jedes Feld hat eine Beschreibung."""
    config = FinetuneConfig()
    docs = FinetuneConfig.field_docs()
    assert set(docs) == set(FinetuneConfig.field_names())
    assert all(len(text) > 10 for text in docs.values())
    assert config.target_modules == "all-linear"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lora_r", 0),
        ("lora_r", -4),
        ("lora_r", 2.5),
        ("lora_alpha", 0),
        ("lora_dropout", 1.0),
        ("lora_dropout", -0.1),
        ("learning_rate", 0),
        ("learning_rate", float("nan")),
        ("warmup_ratio", 1.5),
        ("compute_dtype", "fp8"),
        ("lr_scheduler", "cosinus"),
        ("optim", "sgd_magic"),
        ("attn_implementation", "flash"),
        ("max_seq_length", 8),
        ("max_steps", 0),
        ("per_device_train_batch_size", 0),
        ("gradient_accumulation_steps", -1),
        ("target_modules", []),
        ("target_modules", ""),
        ("packing", "vielleicht"),
        ("model", ""),
        ("seed", -1),
    ],
)
def test_impossible_values_raise_a_config_error_naming_the_field(field, value):
    """Ein unmöglicher Wert ergibt einen ConfigError, der das Feld nennt."""
    with pytest.raises(ConfigError) as info:
        FinetuneConfig(**{field: value})
    assert f"„{field}“" in str(info.value)


def test_unknown_compute_dtype_suggests_the_closest_name():
    """Ein Tippfehler in compute_dtype schlägt den richtigen Namen vor."""
    with pytest.raises(ConfigError, match="Meinten Sie: bf16"):
        FinetuneConfig(compute_dtype="bf61")


def test_target_modules_accepts_a_comma_separated_string():
    """„q_proj, v_proj“ wird zur Liste zweier Modulnamen."""
    assert FinetuneConfig(target_modules="q_proj, v_proj").target_modules == ["q_proj", "v_proj"]


def test_yaml_values_are_converted_by_field_type(tmp_path):
    """PyYAML liest „2e-4“ als Text (YAML 1.1); die Konfiguration macht daraus die Zahl 0,0002."""
    path = write_yaml(tmp_path, "learning_rate: 2e-4\nlora_r: 8\npacking: true\neval_file: null\n")
    config = FinetuneConfig.from_yaml(path)
    assert config.learning_rate == pytest.approx(0.0002)
    assert config.lora_r == 8
    assert config.packing is True
    assert config.eval_file is None


@pytest.mark.parametrize(
    "overrides",
    [
        ["--max_steps", "20", "--learning_rate", "1e-4", "--packing", "false"],
        ["max_steps=20", "learning_rate=1e-4", "packing=false"],
        ["--max-steps=20", "--learning-rate", "0.0001", "--packing=nein"],
    ],
)
def test_overrides_replace_yaml_values_with_converted_types(tmp_path, overrides):
    """Überschreibungen in allen drei Schreibweisen ersetzen YAML-Werte mit dem richtigen Typ."""
    path = write_yaml(tmp_path, "max_steps: 60\nlearning_rate: 0.0002\npacking: true\n")
    config = FinetuneConfig.from_yaml(path, overrides)
    assert config.max_steps == 20
    assert isinstance(config.max_steps, int)
    assert config.learning_rate == pytest.approx(1e-4)
    assert config.packing is False


def test_override_none_clears_an_optional_field(tmp_path):
    """„--eval_file none“ schaltet die Auswertung ab."""
    path = write_yaml(tmp_path, "eval_file: data/eval.jsonl\n")
    assert FinetuneConfig.from_yaml(path, ["--eval_file", "none"]).eval_file is None


def test_unknown_yaml_key_is_an_error_with_suggestion(tmp_path):
    """Ein unbekannter YAML-Schlüssel wird genannt und der ähnlichste Name vorgeschlagen."""
    path = write_yaml(tmp_path, "lora_rank: 8\n")
    with pytest.raises(ConfigError, match="„lora_rank“.*Meinten Sie: lora_r"):
        FinetuneConfig.from_yaml(path)


def test_unknown_override_key_is_an_error(tmp_path):
    """Eine unbekannte Überschreibung wird mit Namen gemeldet."""
    path = write_yaml(tmp_path, "lora_r: 8\n")
    with pytest.raises(ConfigError, match="„max_step“.*Meinten Sie: max_steps"):
        FinetuneConfig.from_yaml(path, ["--max_step", "3"])


def test_override_without_value_is_an_error():
    """„--max_steps“ ohne Wert wird gemeldet."""
    with pytest.raises(ConfigError, match="fehlt der Wert"):
        parse_overrides(["--max_steps"], FinetuneConfig.field_names())


def test_wrongly_typed_override_names_the_field(tmp_path):
    """„--lora_r acht“ ist keine ganze Zahl; die Meldung nennt lora_r."""
    path = write_yaml(tmp_path, "lora_r: 8\n")
    with pytest.raises(ConfigError, match="„lora_r“ muss eine ganze Zahl sein"):
        FinetuneConfig.from_yaml(path, ["--lora_r", "acht"])


@pytest.mark.parametrize(
    ("text", "message"),
    [("lora_r: [1\n", "kein gültiges YAML"), ("- a\n- b\n", "Schlüssel-Wert-Paare")],
)
def test_broken_yaml_files_raise_german_errors(tmp_path, text, message):
    """Kaputtes YAML und eine Liste statt eines Mappings werden verständlich gemeldet."""
    with pytest.raises(ConfigError, match=message):
        FinetuneConfig.from_yaml(write_yaml(tmp_path, text))


def test_missing_config_file_is_reported(tmp_path):
    """Eine fehlende Konfigurationsdatei wird mit Pfad gemeldet."""
    with pytest.raises(ConfigError, match="existiert nicht"):
        FinetuneConfig.from_yaml(tmp_path / "fehlt.yaml")


def test_check_files_reports_a_missing_training_file(tmp_path):
    """Eine fehlende Trainingsdatei fällt zu Beginn des Laufs als DataError auf."""
    config = FinetuneConfig(train_file=str(tmp_path / "fehlt.jsonl"), eval_file=None)
    with pytest.raises(DataError, match="fehlt.jsonl.*train_file"):
        config.check_files()


@pytest.mark.parametrize("name", ["smollm2-135m-cpu.yaml", "gemma-3-1b-t4.yaml", "gemma-3-1b-ampere.yaml"])
def test_shipped_recipes_are_valid_and_use_the_project_data(name):
    """Alle Rezepte in configs/ laden fehlerfrei und zeigen auf data/train.jsonl und data/eval.jsonl."""
    config = FinetuneConfig.from_yaml(ROOT / "configs" / name)
    assert config.train_file == "data/train.jsonl"
    assert config.eval_file == "data/eval.jsonl"


def test_gemma_recipe_uses_fp16_and_eager_attention_for_the_t4():
    """Das T4-Rezept rechnet in fp16 (die T4 hat kein bf16) mit eager-Attention."""
    config = FinetuneConfig.from_yaml(ROOT / "configs" / "gemma-3-1b-t4.yaml")
    assert config.model == "google/gemma-3-1b-it"
    assert config.compute_dtype == "fp16"
    assert config.attn_implementation == "eager"


def test_ampere_recipe_leaves_attention_and_plan_to_slmwiki_and_uses_bf16():
    """Das Ampere-Rezept rechnet in bf16, lässt die Attention offen und den Plan an (Backend „auto“)."""
    config = FinetuneConfig.from_yaml(ROOT / "configs" / "gemma-3-1b-ampere.yaml")
    assert config.model == "google/gemma-3-1b-it"
    assert config.compute_dtype == "bf16"
    assert config.attn_implementation is None
    assert config.per_device_train_batch_size * config.gradient_accumulation_steps == 64
    assert config.auto_plan and config.backend == "auto"
