"""Tests für `slmwiki.data`: JSONL prüfen, Prompt-Completion-Format, Verlustmaske wie in TRL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GEMMA_SPECIALS, TRAIN_PAIRS, build_gemma_model, build_gemma_tokenizer, chat_line

from slmwiki.data import load_chat_jsonl, to_dataset, to_prompt_completion
from slmwiki.errors import DataError


def write(tmp_path: Path, lines: list[str], name: str = "daten.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def msg(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def test_valid_file_loads_in_order_and_skips_blank_lines(tmp_path):
    """Gültige Zeilen kommen in Dateireihenfolge zurück; Leerzeilen werden übersprungen."""
    path = write(tmp_path, [chat_line("A?", "a."), "", "   ", chat_line("B?", "b.")])
    examples = load_chat_jsonl(path)
    assert [e["messages"][0]["content"] for e in examples] == ["A?", "B?"]


def test_system_message_and_multi_turn_dialogues_are_accepted(tmp_path):
    """System zuerst, dann abwechselnd user/assistant, ist gültig."""
    record = {
        "messages": [
            msg("system", "Sie sind hilfreich."),
            msg("user", "A?"),
            msg("assistant", "a."),
            msg("user", "B?"),
            msg("assistant", "b."),
        ]
    }
    path = write(tmp_path, [json.dumps(record)])
    assert len(load_chat_jsonl(path)[0]["messages"]) == 5


def test_malformed_json_is_reported_with_file_name_and_line_number(tmp_path):
    """Kaputtes JSON in Zeile 3 nennt Datei und Zeile 3."""
    path = write(tmp_path, [chat_line("A?", "a."), chat_line("B?", "b."), '{"messages": [}'])
    with pytest.raises(DataError, match="„daten.jsonl“, Zeile 3: kein gültiges JSON"):
        load_chat_jsonl(path)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"msgs": []}, "„messages“ fehlt"),
        ({"messages": []}, "nicht leere Liste"),
        ({"messages": [{"content": "A?"}, msg("assistant", "a.")]}, "fehlt „role“"),
        ({"messages": [msg("user", "A?"), {"role": "assistant"}]}, "fehlt „content“"),
        ({"messages": [msg("user", "A?"), msg("bot", "a.")]}, "unbekannte Rolle „bot“"),
        ({"messages": [msg("assistant", "a."), msg("user", "A?")]}, "Rolle „assistant“, erwartet „user“"),
        ({"messages": [msg("user", "A?"), msg("user", "B?")]}, "erwartet „assistant“"),
        ({"messages": [msg("user", "A?")]}, "mit einer „assistant“-Antwort enden"),
        ({"messages": [msg("user", "A?"), msg("assistant", "  ")]}, "leeren Inhalt"),
        ({"messages": [msg("system", "S.")]}, "fehlen Frage und Antwort"),
        (["keine", "Nachrichten"], "JSON-Objekt"),
    ],
)
def test_invalid_examples_are_reported_with_line_number(tmp_path, record, message):
    """Fehlende Felder, falsche Rollen/Reihenfolge und leere Inhalte nennen Zeile 2 und das Problem."""
    path = write(tmp_path, [chat_line("A?", "a."), json.dumps(record)])
    with pytest.raises(DataError) as info:
        load_chat_jsonl(path)
    assert "Zeile 2" in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file_is_an_error(tmp_path, content):
    """Eine Datei ohne Beispiele wird als leer gemeldet."""
    path = tmp_path / "leer.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match="„leer.jsonl“ enthält keine Beispiele"):
        load_chat_jsonl(path)


def test_missing_and_non_utf8_files_are_reported(tmp_path):
    """Fehlende und falsch kodierte Dateien ergeben DataError."""
    with pytest.raises(DataError, match="existiert nicht"):
        load_chat_jsonl(tmp_path / "fehlt.jsonl")
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes(chat_line("Größe?", "groß.").encode("latin-1"))
    with pytest.raises(DataError, match="nicht UTF-8"):
        load_chat_jsonl(latin)


def test_prompt_completion_splits_before_the_last_answer():
    """Der Prompt enthält alles bis zur letzten Frage, die Completion genau die letzte Antwort."""
    messages = [
        msg("system", "S."),
        msg("user", "A?"),
        msg("assistant", "a."),
        msg("user", "B?"),
        msg("assistant", "b."),
    ]
    converted = to_prompt_completion({"messages": messages})
    assert converted["prompt"] == messages[:4]
    assert converted["completion"] == [msg("assistant", "b.")]


# --- The loss mask through TRL's own preprocessing ---------------------------------------------


def trl_rows(tokenizer, model, examples, tmp_path: Path, packing: bool = False) -> list[dict]:
    """Tokenisiert Beispiele genau so, wie `slmwiki.finetune` sie an TRL gibt."""
    import torch
    from trl import SFTTrainer

    from slmwiki.config import FinetuneConfig
    from slmwiki.finetune import build_sft_config

    config = FinetuneConfig(max_seq_length=256, packing=packing, eval_file=None)
    args = build_sft_config(config, tmp_path / "checkpoints", torch.float32, progress=False)
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=to_dataset(examples), processing_class=tokenizer
    )
    return [trainer.train_dataset[i] for i in range(len(trainer.train_dataset))]


def labelled(row: dict) -> list[int]:
    return [token for token, label in zip(row["input_ids"], row["labels"], strict=True) if label != -100]


@pytest.mark.slow
def test_smollm2_loss_covers_exactly_the_answer_and_im_end(tmp_path, smollm2_dir):
    """Bei SmolLM2 tragen genau die Antwort und „<|im_end|>\\n“ (laut Chat-Vorlage) zum Verlust bei."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    )
    question, answer = TRAIN_PAIRS[0]
    example = {"messages": [msg("user", question), msg("assistant", answer)]}
    row = trl_rows(tokenizer, model, [example], tmp_path)[0]
    labels = row["labels"]
    first = next(i for i, label in enumerate(labels) if label != -100)
    assert all(label != -100 for label in labels[first:])  # one contiguous block at the end
    # SmolLM2's template renders an assistant turn as "<|im_start|>assistant\n" + content + "<|im_end|>\n".
    assert tokenizer.decode(labelled(row)) == answer + "<|im_end|>\n"
    assert tokenizer.decode(row["input_ids"][:first]).endswith("<|im_start|>assistant\n")
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") in labelled(row)


def test_gemma_loss_covers_exactly_the_answer_and_end_of_turn(tmp_path):
    """Bei der Gemma-Vorlage sind die Antwort-Token plus „<end_of_turn>“ gelabelt, sonst nichts."""
    tokenizer = build_gemma_tokenizer()
    model = build_gemma_model(len(tokenizer))
    question, answer = TRAIN_PAIRS[1]
    row = trl_rows(
        tokenizer, model, [{"messages": [msg("user", question), msg("assistant", answer)]}], tmp_path
    )[0]
    end_of_turn = GEMMA_SPECIALS.index("<end_of_turn>")
    expected = tokenizer(answer, add_special_tokens=False)["input_ids"] + [end_of_turn]
    assert labelled(row) == expected
    assert tokenizer.eos_token_id not in labelled(row)  # Gemma stops at <end_of_turn>, not at <eos>


def test_packing_keeps_the_loss_on_answers_only(tmp_path):
    """Mit Packing bleibt die Summe der gelabelten Token gleich der Summe aller Antworten + Ende-Token."""
    tokenizer = build_gemma_tokenizer()
    model = build_gemma_model(len(tokenizer))
    examples = [{"messages": [msg("user", q), msg("assistant", a)]} for q, a in TRAIN_PAIRS[:6]]
    rows = trl_rows(tokenizer, model, examples, tmp_path, packing=True)
    assert len(rows) < len(examples)  # several examples share one packed sequence
    expected = sum(len(tokenizer(a, add_special_tokens=False)["input_ids"]) + 1 for _, a in TRAIN_PAIRS[:6])
    assert sum(len(labelled(row)) for row in rows) == expected
