"""Tests für `slmwiki.evaluation` und `slmwiki evaluate`: Kennzahlen, Verlust, Erzeugung, Fehler.

Die Kennzahlen werden an handgerechneten Beispielen geprüft, der Verlust gegen die Verlustrechnung
von transformers (Labels mit -100), die gebündelte Erzeugung gegen `slmwiki.inference.generate`
Beispiel für Beispiel; auf dem echten SmolLM2 zusätzlich gegen den Auswertungsverlust, den TRL im
Sitzungslauf gemessen hat.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import QUESTIONS, TRAIN_PAIRS, build_gemma_model, build_gemma_tokenizer, write_chat_jsonl

from slmwiki.cli import main
from slmwiki.errors import ConfigError, DataError
from slmwiki.evaluation import (
    detect_task,
    evaluate,
    first_label,
    generate_batch,
    normalize_label,
    parse_json_object,
    reference_loss,
    score_outputs,
)

ROOT = Path(__file__).resolve().parents[1]
BANK_TRAIN = ROOT / "data" / "bank_routing_train.jsonl"
BANK_EVAL = ROOT / "data" / "bank_routing_eval.jsonl"
LABELS = ["beschwerde", "betrug", "karte", "konto", "kredit", "zahlung"]


@pytest.fixture(scope="module")
def tiny():
    """Mini-Gemma-3 (fp32, zufällige Gewichte) mit Gemma-Tokenizer, im Prozess gebaut."""
    tokenizer = build_gemma_tokenizer()
    model = build_gemma_model(len(tokenizer), seed=1)
    model.config._attn_implementation = "eager"
    model.eval()
    return model, tokenizer


@pytest.fixture
def label_file(tmp_path: Path) -> Path:
    """Zwölf Fragen aus dem Wortschatz des Mini-Tokenizers mit drei Kategorien als Antwort."""
    labels = ["LoRA", "NF4", "GQA"]
    pairs = [(question, labels[index % 3]) for index, (question, _) in enumerate(TRAIN_PAIRS)]
    return write_chat_jsonl(tmp_path / "labels.jsonl", pairs)


# --- The bank routing data set ------------------------------------------------------------------


def test_bank_routing_data_has_six_balanced_labels_and_no_overlap_between_train_and_eval():
    """300 Trainings- und 48 Auswertungsbeispiele, je Kategorie gleich viele, keine Anfrage doppelt."""
    from slmwiki.data import load_chat_jsonl

    train = load_chat_jsonl(BANK_TRAIN)
    held_out = load_chat_jsonl(BANK_EVAL)
    assert len(train) >= 300 and len(held_out) >= 40
    for examples, per_label in ((train, 50), (held_out, 8)):
        answers = [e["messages"][-1]["content"] for e in examples]
        assert sorted(set(answers)) == LABELS
        assert all(answers.count(label) == per_label for label in LABELS)
        assert all(e["messages"][0]["role"] == "system" for e in examples)
    requests = [e["messages"][-2]["content"].strip().lower() for e in train + held_out]
    assert len(set(requests)) == len(requests)
    assert detect_task([e["messages"][-1]["content"] for e in held_out]) == "labels"


# --- Judging outputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" Karte.", "karte"),
        ("„kredit“", "kredit"),
        ("konto\nweil …", "konto"),
        ("**Betrug**!", "betrug"),
        ("", ""),
    ],
)
def test_normalize_label_keeps_the_first_line_lowercase_without_edge_punctuation(text, expected):
    """Satzzeichen, Anführungszeichen und Sternchen am Rand fallen weg, nur die erste Zeile zählt."""
    assert normalize_label(text) == expected


def test_first_label_finds_the_earliest_whole_word_category():
    """„kredit“ steht vor „konto“; „Kreditkarte“ ist kein ganzes Wort „karte“ oder „kredit“."""
    assert first_label("Das ist kredit, nicht konto.", LABELS) == "kredit"
    assert first_label("Kreditkarte verloren", LABELS) is None
    assert first_label("Kategorie: Betrug", LABELS) == "betrug"


def test_parse_json_object_accepts_plain_and_fenced_json_but_no_lists_or_text():
    """Ein Objekt (auch im ```json-Block) wird gelesen; Liste und Freitext ergeben None."""
    assert parse_json_object('{"a": 1}') == {"a": 1}
    assert parse_json_object('```json\n{"name": "Meier"}\n```') == {"name": "Meier"}
    assert parse_json_object("[1, 2]") is None
    assert parse_json_object("Name: Meier") is None


def test_detect_task_tells_labels_json_and_free_text_apart():
    """Wiederkehrende kurze Antworten sind Kategorien, Objekte JSON, verschiedene Sätze freier Text."""
    assert detect_task(["karte", "kredit", "karte"]) == "labels"
    assert detect_task(['{"iban": "DE1"}', '{"iban": "DE2"}']) == "json"
    assert detect_task([answer for _, answer in TRAIN_PAIRS]) == "text"
    assert detect_task(["ja", "nein"]) == "text"  # nichts wiederholt sich: keine Kategorien erkennbar


def test_label_scores_match_a_hand_count():
    """Vier Beispiele, von Hand ausgezählt: exakt 2 richtig, 3 gültig, erste genannte Kategorie 3 richtig."""
    references = ["karte", "kredit", "konto", "betrug"]
    outputs = ["Karte.", "Die Kategorie ist kredit", "zahlung", "betrug"]
    metrics, judged = score_outputs("labels", references, outputs, LABELS)
    assert metrics == {"accuracy": 0.5, "valid_share": 0.75, "first_label_accuracy": 0.75}
    assert judged == [(True, True), (False, False), (True, False), (True, True)]


def test_json_scores_compare_parsed_objects():
    """Gleiches Objekt in anderer Schreibweise zählt als Treffer; kaputtes JSON als ungültig."""
    references = ['{"name": "Meier", "betrag": 12}', '{"name": "Kaya"}', '{"name": "Roth"}']
    outputs = ['{"betrag": 12, "name": "Meier"}', '{"name": "Kaja"}', "name: Roth"]
    metrics, _ = score_outputs("json", references, outputs, [])
    assert metrics == {"exact_match": 1 / 3, "valid_share": 2 / 3}


def test_chrf_is_100_for_identical_0_for_disjoint_and_equals_sacrebleus_sentence_chrf():
    """chrF: gleiche Texte 100, Texte ohne gemeinsames Zeichen 0, ein Paar gleich sacrebleus sentence_chrf."""
    from sacrebleu.metrics import CHRF

    same, _ = score_outputs("text", ["Guten Tag"], ["Guten Tag"], [])
    disjoint, _ = score_outputs("text", ["abc"], ["xyz"], [])
    assert same["chrf"] == pytest.approx(100.0) and same["exact_match"] == 1.0
    assert disjoint["chrf"] == pytest.approx(0.0)
    pair, _ = score_outputs("text", ["Die Karte ist gesperrt."], ["Ihre Karte wurde gesperrt."], [])
    peer = CHRF().sentence_score("Ihre Karte wurde gesperrt.", ["Die Karte ist gesperrt."]).score
    assert pair["chrf"] == pytest.approx(peer) and 0 < pair["chrf"] < 100


# --- Loss and batched generation on a tiny in-process model --------------------------------------


def test_reference_loss_equals_transformers_loss_weighted_by_answer_tokens(tiny):
    """Gebündelt mit Padding gleicht der Verlust dem von transformers je Beispiel, gewichtet mit der Tokenzahl."""
    import torch

    model, tokenizer = tiny
    examples = [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
        for q, a in TRAIN_PAIRS[:5]
    ]
    total, count = 0.0, 0
    for example in examples:
        prompt = tokenizer.apply_chat_template(
            example["messages"][:-1], add_generation_prompt=True, tokenize=False
        )
        full = tokenizer.apply_chat_template(example["messages"], tokenize=False)
        p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        c = tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
        ids = torch.tensor([p + c])
        labels = torch.tensor([[-100] * len(p) + c])
        with torch.no_grad():
            loss = float(model(input_ids=ids, labels=labels).loss)
        total += loss * len(c)  # transformers shifts the labels: all completion tokens are predicted
        count += len(c)
    assert reference_loss(model, tokenizer, examples, batch_size=3) == pytest.approx(total / count, rel=1e-4)


def test_batched_left_padded_generation_equals_one_by_one_generation(tiny):
    """Die Ausgaben der gebündelten Erzeugung gleichen denen von inference.generate für jede Frage allein."""
    from slmwiki.inference import generate

    model, tokenizer = tiny
    questions = [*QUESTIONS, TRAIN_PAIRS[3][0], "Was ist ein Adapter?"]
    single = [generate(model, tokenizer, q, max_new_tokens=5, temperature=0.0) for q in questions]
    batched = generate_batch(
        model,
        tokenizer,
        [[{"role": "user", "content": q}] for q in questions],
        max_new_tokens=5,
        batch_size=4,
    )
    assert batched == single
    assert tokenizer.padding_side == "right"  # restored afterwards


def test_evaluate_a_base_model_gives_labels_metrics_and_perplexity_exp_loss(tiny, label_file):
    """Ohne Adapter: ein Ergebnis „Basismodell“ mit Genauigkeit, Gültigkeit, Verlust und PPL = exp(Verlust)."""
    report = evaluate(label_file, loaded=tiny, max_new_tokens=3)
    assert report.task == "labels" and report.labels == ["gqa", "lora", "nf4"] and report.examples == 12
    (scores,) = report.scores
    assert scores.name == "Basismodell"
    assert set(scores.metrics) == {"accuracy", "valid_share", "first_label_accuracy", "loss", "perplexity"}
    assert scores.metrics["perplexity"] == pytest.approx(math.exp(scores.metrics["loss"]))
    assert len(scores.predictions) == 12
    hits = sum(p.correct for p in scores.predictions)
    assert scores.metrics["accuracy"] == hits / 12
    assert "Zufall träfe 33,3\xa0%" in report.text()


def test_evaluate_with_adapter_measures_base_and_adapter_on_the_same_model(gemma_run, session_chat_files):
    """Mit dem Adapter des Mini-Gemma-Laufs: zwei Ergebnisse; der Basisverlust gleicht TRLs Messung vor dem Training."""
    report = evaluate(
        session_chat_files["eval"],
        loaded=(gemma_run.model, gemma_run.tokenizer),
        task="text",
        max_new_tokens=4,
    )
    assert [s.name for s in report.scores] == ["Basismodell", "mit Adapter"]
    base, tuned = (s.metrics for s in report.scores)
    assert {"chrf", "exact_match", "loss", "perplexity"} <= set(base)
    assert base["loss"] == pytest.approx(gemma_run.record["eval_before"]["loss"], rel=1e-3)
    assert tuned["loss"] == pytest.approx(gemma_run.record["eval_after"]["loss"], rel=1e-3)
    only = evaluate(
        session_chat_files["eval"],
        loaded=(gemma_run.model, gemma_run.tokenizer),
        include_base=False,
        generate=False,
    )
    assert [s.name for s in only.scores] == ["mit Adapter"] and set(only.scores[0].metrics) == {
        "loss",
        "perplexity",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"task": "klassen"}, ConfigError, "Unbekannte Aufgabe"),
        ({"limit": 0}, ConfigError, "„limit“"),
        ({"max_new_tokens": -1}, ConfigError, "„max_new_tokens“"),
        ({"task": "json"}, ConfigError, "kein JSON-Objekt"),
        ({"include_base": False}, ConfigError, "--no-base"),
    ],
)
def test_evaluate_rejects_bad_arguments_before_loading_a_model(label_file, kwargs, error, message):
    """Unbekannte Aufgabe, unmögliche Zahlen, falsche Aufgabe für die Referenzen: deutscher Fehler, kein Laden."""
    with pytest.raises(error, match=message):
        evaluate(label_file, model="gibt/es-nicht", **kwargs)


def test_evaluate_names_a_missing_data_file():
    """Eine fehlende Datei ist ein DataError mit dem Dateinamen."""
    with pytest.raises(DataError, match="gibt-es-nicht.jsonl"):
        evaluate("gibt-es-nicht.jsonl")


# --- CLI ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "fehlt.jsonl"], "existiert nicht"),
        (["--limit", "0"], "„limit“"),
        (["--task", "json"], "kein JSON-Objekt"),
        (["--no-base"], "--no-base"),
        (["--adapter", "kein-ordner"], "Adapterordner"),
        (["--task", "klassen"], "ungültige Auswahl"),
    ],
)
def test_cli_evaluate_bad_input_is_a_german_error_with_exit_code_2(label_file, capsys, args, message):
    """Fehlerhafte Eingaben: Exit-Code 2, deutsche Meldung auf stderr, nichts auf stdout."""
    base = ["evaluate", "--data", str(label_file), "--model", "gibt/es-nicht"]
    if args[0] == "--data":
        base = base[:1] + base[3:]
    assert main([*base, *args]) == 2
    out, err = capsys.readouterr()
    assert message in err and out == ""


def test_cli_evaluate_prints_german_table_and_json(gemma_dir, label_file, capsys):
    """Mit einem Modellordner: deutsche Tabelle mit Prozentwerten; --json ergibt dieselben Kennzahlen."""
    args = [
        "evaluate",
        "--data",
        str(label_file),
        "--model",
        str(gemma_dir),
        "--max-new-tokens",
        "2",
        "--limit",
        "6",
    ]
    assert main([*args, "--examples", "2"]) == 0
    text = capsys.readouterr().out
    assert "Aufgabe: Kategorien" in text and "Genauigkeit" in text and "Beispiel 2:" in text
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "labels" and data["examples"] == 6
    assert [s["name"] for s in data["scores"]] == ["Basismodell"]
    assert 0.0 <= data["scores"][0]["metrics"]["valid_share"] <= 1.0


# --- The real SmolLM2-135M-Instruct ----------------------------------------------------------------


@pytest.mark.slow
def test_smollm2_loss_matches_trl_and_batched_generation_matches_generate(smollm2_run, session_chat_files):
    """Echtes SmolLM2 mit Adapter: Verlust nach dem Training wie TRL, gebündelte Erzeugung wie generate."""
    from slmwiki.inference import generate

    loaded = (smollm2_run.model, smollm2_run.tokenizer)
    report = evaluate(session_chat_files["eval"], loaded=loaded, max_new_tokens=6, batch_size=4)
    base, tuned = report.scores
    assert report.task == "text"
    assert tuned.metrics["loss"] == pytest.approx(smollm2_run.record["eval_after"]["loss"], rel=2e-3)
    assert tuned.metrics["loss"] < base.metrics["loss"]
    model, tokenizer = loaded
    model.eval()
    first = tuned.predictions[0]
    assert first.output == generate(model, tokenizer, first.prompt, max_new_tokens=6, temperature=0.0)


@pytest.mark.slow
def test_smollm2_base_model_does_not_answer_bank_requests_with_a_category(smollm2_dir):
    """Das unveränderte SmolLM2 nennt bei sechs Bankanfragen kaum eine der Kategorien als Antwort."""
    report = evaluate(BANK_EVAL, model="smollm2-135m", limit=6, batch_size=6)
    (scores,) = report.scores
    assert report.task == "labels" and set(report.labels) <= set(LABELS)  # the labels of the first six
    assert scores.metrics["valid_share"] <= 0.5
    assert all(p.output for p in scores.predictions)
