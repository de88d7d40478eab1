"""Tests für `slmwiki.inference`: Laden mit Adapter, Erzeugen mit Chat-Vorlage, Streaming, Vergleich."""

from __future__ import annotations

import pytest
from conftest import QUESTIONS, build_gemma_tokenizer

from slmwiki.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def gemma_with_adapter(gemma_run, gemma_dir):
    """Mini-Gemma-3 in 4 Bit mit dem Adapter aus dem Sitzungslauf."""
    from slmwiki.inference import load_for_inference

    return load_for_inference(str(gemma_dir), gemma_run.adapter_dir, quantize=True, compute_dtype="fp32")


@pytest.mark.slow
def test_smollm2_adapter_reloads_and_answers(smollm2_run):
    """Der gespeicherte SmolLM2-Adapter lädt (Basismodell aus slmwiki_adapter.json) und erzeugt Text."""
    from peft import PeftModel

    from slmwiki.inference import generate, load_for_inference

    model, tokenizer = load_for_inference(adapter=smollm2_run.adapter_dir, compute_dtype="fp32")
    assert isinstance(model, PeftModel)
    answer = generate(model, tokenizer, "Was ist QLoRA?", max_new_tokens=8, temperature=0.0)
    assert answer.strip()


def test_streaming_prints_the_same_answer_that_is_returned(gemma_with_adapter, capsys):
    """Mit stream=True erscheint die Antwort auf der Standardausgabe und gleicht dem Rückgabewert."""
    from slmwiki.inference import generate

    model, tokenizer = gemma_with_adapter
    answer = generate(model, tokenizer, QUESTIONS[0], max_new_tokens=6, temperature=0.0, stream=True)
    assert capsys.readouterr().out.strip() == answer


def test_greedy_generation_is_reproducible_and_sampling_uses_the_seed(gemma_with_adapter):
    """Gierig ergibt zweimal dieselbe Antwort; Sampling mit gleichem Startwert ebenfalls."""
    from transformers import set_seed

    from slmwiki.inference import generate

    model, tokenizer = gemma_with_adapter
    greedy = [generate(model, tokenizer, QUESTIONS[1], max_new_tokens=6, temperature=0.0) for _ in range(2)]
    assert greedy[0] == greedy[1]
    sampled = []
    for _ in range(2):
        set_seed(7)
        sampled.append(
            generate(model, tokenizer, QUESTIONS[1], max_new_tokens=6, temperature=1.0, top_p=0.95)
        )
    assert sampled[0] == sampled[1]


def test_compare_base_answers_equal_the_plain_base_model(gemma_with_adapter, gemma_dir):
    """compare() schaltet für die Basis-Antwort den Adapter ab: sie gleicht der Antwort des Modells ohne Adapter."""
    import torch

    from slmwiki.inference import compare, generate
    from slmwiki.loading import load_base_model

    rows = compare(QUESTIONS, loaded=gemma_with_adapter, max_new_tokens=6)
    assert [row["question"] for row in rows] == QUESTIONS
    plain = load_base_model(str(gemma_dir), quantize=True, compute_dtype=torch.float32)
    tokenizer = gemma_with_adapter[1]
    for row in rows:
        expected = generate(
            plain, tokenizer, row["question"], max_new_tokens=6, temperature=0.0, repetition_penalty=1.1
        )
        assert row["base"] == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": "  "}, "darf nicht leer"),
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"temperature": -0.5}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
    ],
)
def test_invalid_generation_settings_are_german_errors(gemma_with_adapter, kwargs, message):
    """Leere Frage und unmögliche Sampling-Werte werden vor dem Erzeugen abgelehnt."""
    from slmwiki.inference import generate

    model, tokenizer = gemma_with_adapter
    arguments = {"prompt": "Was ist QLoRA?", **kwargs}
    with pytest.raises(ConfigError, match=message):
        generate(model, tokenizer, **arguments)


def test_chat_inputs_use_the_template_with_generation_prompt():
    """Die Eingabe endet mit dem Beginn der Modellantwort („<start_of_turn>model“)."""
    from slmwiki.inference import chat_inputs

    tokenizer = build_gemma_tokenizer()
    inputs = chat_inputs(tokenizer, "Was ist QLoRA?")
    tail = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0, -2:].tolist())
    assert tail == ["<start_of_turn>", "model"]


def test_adapter_folder_errors(tmp_path, gemma_dir, tiny_llama_adapter):
    """Fehlender Ordner, Ordner ohne adapter_config.json und ein unpassender Adapter ergeben ConfigError."""
    from slmwiki.inference import load_for_inference

    with pytest.raises(ConfigError, match="existiert nicht"):
        load_for_inference(str(gemma_dir), tmp_path / "fehlt")
    with pytest.raises(ConfigError, match="kein LoRA-Adapterordner"):
        load_for_inference(str(gemma_dir), tmp_path)
    with pytest.raises(ConfigError, match="passt nicht zum Basismodell"):
        load_for_inference(str(gemma_dir), tiny_llama_adapter, quantize=False, compute_dtype="fp32")


def test_questions_come_from_text_jsonl_or_the_eval_file(tmp_path, chat_files):
    """Fragen kommen aus einer Textdatei, aus Chat-JSONL oder (ohne Datei) aus den Auswertungsdaten."""
    from conftest import TRAIN_PAIRS

    from slmwiki.inference import DEFAULT_QUESTIONS, load_questions

    text = tmp_path / "fragen.txt"
    text.write_text("Erste Frage?\n\nZweite Frage?\n", encoding="utf-8")
    assert load_questions(text) == ["Erste Frage?", "Zweite Frage?"]
    assert load_questions(chat_files["eval"]) == [q for q, _ in TRAIN_PAIRS[:4]]
    assert load_questions(None, eval_file=chat_files["eval"], limit=2) == [q for q, _ in TRAIN_PAIRS[:2]]
    assert load_questions(None, eval_file=tmp_path / "fehlt.jsonl") == list(DEFAULT_QUESTIONS)
    with pytest.raises(ConfigError, match="existiert nicht"):
        load_questions(tmp_path / "fehlt.txt")
    broken = tmp_path / "kaputt.jsonl"
    broken.write_text("{kein json\n", encoding="utf-8")
    with pytest.raises(DataError, match="Zeile 1"):
        load_questions(broken)
