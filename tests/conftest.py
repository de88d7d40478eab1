"""Gemeinsame Test-Fixtures: Offline-Modus, Cache, kleine Chat-Dateien, Mini-Gemma-3, SmolLM2-Läufe.

- Der Hugging Face Hub ist für alle Tests abgeschaltet (`HF_HUB_OFFLINE=1`, vor jedem Import gesetzt).
- `SLMWIKI_CACHE` zeigt auf einen temporären Ordner der Sitzung (oder auf `SLMWIKI_TEST_CACHE`, wenn
  gesetzt – so kann CI die SmolLM2-Umwandlung zwischen Läufen wiederverwenden).
- Das echte SmolLM2-135M-Instruct wird höchstens einmal je Sitzung umgewandelt und höchstens einmal
  trainiert (`smollm2_run`); alle Tests, die ein trainiertes Modell brauchen, teilen diesen Lauf.
- Ein winziges Gemma-3-Modell (2 Schichten, Breite 64, zufällige Gewichte) und sein Tokenizer mit
  Gemma-Chat-Vorlage werden im Prozess gebaut; sie prüfen Gemma-spezifische Wege ohne Hub.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import time
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

#: Kleine deutsche Trainingsbeispiele (Frage, Antwort) zu den Themen des Wikis.
TRAIN_PAIRS = [
    (
        "Was ist QLoRA?",
        "QLoRA trainiert kleine LoRA-Adapter auf einem Basismodell, das in 4 Bit gespeichert ist.",
    ),
    ("Wofür steht NF4?", "NF4 steht für 4-Bit NormalFloat, ein Datentyp für normalverteilte Gewichte."),
    ("Was macht LoRA?", "LoRA lernt zwei kleine Matrizen A und B, deren Produkt die Gewichte anpasst."),
    (
        "Was ist GQA?",
        "Bei Grouped-Query Attention teilen sich mehrere Abfrageköpfe einen Schlüssel- und Wertekopf.",
    ),
    (
        "Was ist Distillation?",
        "Bei der Distillation lernt ein kleines Modell die Ausgaben eines großen Modells nach.",
    ),
    ("Was ist Gemma 3?", "Gemma 3 ist eine Familie offener Sprachmodelle von Google."),
    ("Warum lokal trainieren?", "Lokal bleiben die Daten im eigenen Haus, das hilft bei der DSGVO."),
    (
        "Was spart Double Quantization?",
        "Double Quantization quantisiert auch die Skalierungsfaktoren und spart so Speicher.",
    ),
    ("Was ist ein KV-Cache?", "Der KV-Cache speichert Schlüssel und Werte früherer Token für die Erzeugung."),
    ("Was kostet eine GPU?", "Die Kosten hängen von Kaufpreis, Strom und Auslastung ab."),
    (
        "Was ist ein Adapter?",
        "Ein Adapter ist eine kleine Zusatzschicht, die man getrennt vom Basismodell speichert.",
    ),
    (
        "Was ist Packing?",
        "Packing legt mehrere kurze Beispiele in eine Sequenz, damit kein Padding nötig ist.",
    ),
]

#: Fragen für Vergleiche und Inferenz-Tests.
QUESTIONS = ["Was ist QLoRA?", "Was ist NF4?"]

#: Sondertoken des Mini-Gemma-Tokenizers (Reihenfolge = Token-ID).
GEMMA_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]

#: Gemma-artige Chat-Vorlage (Rolle „assistant“ heißt „model“, System-Text wird der ersten Frage vorangestellt).
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% if messages[0]['role'] == 'system' %}{% set prefix = messages[0]['content'] + '\n\n' %}"
    "{% set turns = messages[1:] %}{% else %}{% set prefix = '' %}{% set turns = messages %}{% endif %}"
    "{% for m in turns %}"
    "{{ '<start_of_turn>' + ('model' if m['role'] == 'assistant' else m['role']) + '\n' }}"
    "{{ (prefix if loop.first else '') + m['content'] | trim }}{{ '<end_of_turn>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)


def chat_line(question: str, answer: str) -> str:
    """Eine JSONL-Zeile im Chat-Format."""
    record = {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}
    return json.dumps(record, ensure_ascii=False)


def write_chat_jsonl(path: Path, pairs: list[tuple[str, str]]) -> Path:
    """Schreibt Frage-Antwort-Paare als Chat-JSONL."""
    path.write_text("".join(chat_line(q, a) + "\n" for q, a in pairs), encoding="utf-8")
    return path


# --- Environment ---------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def slmwiki_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Setzt `SLMWIKI_CACHE` für die ganze Sitzung auf einen Testordner."""
    path = Path(os.environ.get("SLMWIKI_TEST_CACHE") or tmp_path_factory.mktemp("slmwiki-cache"))
    previous = os.environ.get("SLMWIKI_CACHE")
    os.environ["SLMWIKI_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("SLMWIKI_CACHE", None)
    else:
        os.environ["SLMWIKI_CACHE"] = previous


@pytest.fixture
def chat_files(tmp_path: Path) -> dict[str, Path]:
    """Kleine gültige Trainings- und Auswertungsdateien."""
    return {
        "train": write_chat_jsonl(tmp_path / "train.jsonl", TRAIN_PAIRS),
        "eval": write_chat_jsonl(tmp_path / "eval.jsonl", TRAIN_PAIRS[:4]),
    }


@pytest.fixture(scope="session")
def session_chat_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Wie `chat_files`, aber einmal je Sitzung (für die geteilten Trainingsläufe)."""
    folder = tmp_path_factory.mktemp("chat")
    return {
        "train": write_chat_jsonl(folder / "train.jsonl", TRAIN_PAIRS),
        "eval": write_chat_jsonl(folder / "eval.jsonl", TRAIN_PAIRS[:4]),
    }


# --- Tiny Gemma 3 -------------------------------------------------------------------------------


def build_gemma_tokenizer():
    """Baut einen WordLevel-Tokenizer mit Gemma-Sondertoken und Gemma-Chat-Vorlage.

    Wie der echte Gemma-3-Tokenizer liefert er `token_type_ids` und hat `<eos>` als Ende-Token,
    während die Chat-Vorlage Antworten mit `<end_of_turn>` abschließt.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    text = " ".join(q + " " + a for q, a in TRAIN_PAIRS) + " " + " ".join(QUESTIONS)
    words = sorted(set(re.findall(r"\w+|[^\w\s]", text)) - {"user", "model", "system"})
    vocab = {token: index for index, token in enumerate([*GEMMA_SPECIALS, "user", "model", "system", *words])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.add_special_tokens(GEMMA_SPECIALS)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    return tokenizer


def build_gemma_model(vocab_size: int, seed: int = 0):
    """Baut ein zufällig initialisiertes `Gemma3ForCausalLM` (2 Schichten, Breite 64)."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, GenerationConfig

    torch.manual_seed(seed)
    config = Gemma3TextConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        max_position_embeddings=512,
        sliding_window=16,
        layer_types=["sliding_attention", "full_attention"],
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
        tie_word_embeddings=True,
    )
    model = Gemma3ForCausalLM(config).to(torch.float32)
    end_of_turn = GEMMA_SPECIALS.index("<end_of_turn>")
    model.generation_config = GenerationConfig(bos_token_id=2, eos_token_id=[1, end_of_turn], pad_token_id=0)
    return model


@pytest.fixture(scope="session")
def gemma_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ordner mit Mini-Gemma-3 (safetensors) und Tokenizer – lädt wie ein Hub-Modell."""
    folder = tmp_path_factory.mktemp("tiny-gemma3")
    tokenizer = build_gemma_tokenizer()
    model = build_gemma_model(len(tokenizer))
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def gemma_config(files: dict[str, Path], gemma: Path, output: Path, **overrides):
    """FinetuneConfig für einen schnellen Lauf mit Mini-Gemma-3."""
    from slmwiki.config import FinetuneConfig

    values = dict(
        model=str(gemma),
        train_file=str(files["train"]),
        eval_file=str(files["eval"]),
        output_dir=str(output),
        attn_implementation="eager",
        compute_dtype="fp32",
        max_steps=2,
        per_device_train_batch_size=2,
        per_device_eval_batch_size=4,
        learning_rate=1e-3,
        max_seq_length=64,
        logging_steps=1,
        save_steps=1,
        lora_r=4,
        lora_alpha=8,
        lora_dropout=0.0,
        warmup_ratio=0.0,
    )
    values.update(overrides)
    return FinetuneConfig(**values)


@pytest.fixture(scope="session")
def gemma_run(tmp_path_factory: pytest.TempPathFactory, gemma_dir: Path, session_chat_files: dict[str, Path]):
    """Ein vollständiger QLoRA-Lauf (2 Schritte) mit Mini-Gemma-3, einmal je Sitzung."""
    from slmwiki.finetune import finetune

    output = tmp_path_factory.mktemp("gemma-run") / "out"
    return finetune(gemma_config(session_chat_files, gemma_dir, output), progress=False)


@pytest.fixture(scope="session")
def tiny_llama_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ein LoRA-Adapter für ein anderes Mini-Modell (Llama, Breite 32) – passt nicht zu Mini-Gemma."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    base = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=64,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    )
    peft_model = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    folder = tmp_path_factory.mktemp("llama-adapter")
    peft_model.save_pretrained(folder)
    return folder


# --- Real SmolLM2 -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smollm2_dir(slmwiki_cache: Path) -> Path:
    """Der umgewandelte SmolLM2-135M-Instruct-Ordner (einmal je Sitzung bzw. Cache)."""
    from slmwiki.loading import ensure_smollm2

    return ensure_smollm2()


def smollm2_config(files: dict[str, Path], output: Path, **overrides):
    """FinetuneConfig für einen kurzen echten QLoRA-Lauf mit SmolLM2.

    Ausgewertet wird auf Trainingsbeispielen: nach vier Schritten mit Lernrate 1e-3 muss der
    Verlust dort sinken (die Auswertung auf zurückgehaltenen Daten misst das Benchmark-Skript).
    """
    from slmwiki.config import FinetuneConfig

    values = dict(
        model="smollm2-135m",
        train_file=str(files["train"]),
        eval_file=str(files["eval"]),
        output_dir=str(output),
        compute_dtype="fp32",
        max_steps=4,
        per_device_train_batch_size=2,
        per_device_eval_batch_size=4,
        learning_rate=1e-3,
        warmup_ratio=0.0,
        lr_scheduler="constant",
        max_seq_length=128,
        logging_steps=1,
        save_steps=2,
        lora_r=8,
        lora_alpha=16,
        lora_dropout=0.0,
    )
    values.update(overrides)
    return FinetuneConfig(**values)


@pytest.fixture(scope="session")
def smollm2_run(
    tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path, session_chat_files: dict[str, Path]
):
    """Der eine echte QLoRA-Lauf mit SmolLM2 (4 Schritte), geteilt von allen Tests der Sitzung."""
    from slmwiki.finetune import finetune

    output = tmp_path_factory.mktemp("smollm2-run") / "out"
    return finetune(smollm2_config(session_chat_files, output), progress=False)
