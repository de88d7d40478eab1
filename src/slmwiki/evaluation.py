"""Ein Modell auf zurückgehaltenen Daten messen: `evaluate(...)`.

Gemessen wird auf einer Chat-Datei im JSONL-Format (wie `data/bank_routing_eval.jsonl`); die
letzte Antwort jedes Beispiels ist die Referenz. Welche Kennzahlen sinnvoll sind, hängt von der
Aufgabe ab (`task`):

- `labels` – Einordnen in feste Kategorien (z. B. „karte“, „kredit“): **Genauigkeit** (die
  Ausgabe ist genau die richtige Kategorie), **Anteil gültiger Ausgaben** (die Ausgabe ist
  irgendeine der Kategorien) und **erste genannte Kategorie** (nachsichtig: die erste
  Kategorie, die in der Ausgabe vorkommt, ist die richtige).
- `json` – Felder als JSON-Objekt herausziehen: **exakte Übereinstimmung** (gleiches Objekt)
  und **Anteil gültigen JSONs**.
- `text` – freie Antworten: **chrF** (Zeichen-n-Gramm-F-Wert nach Popović 2015, berechnet mit
  `sacrebleu`, 0 bis 100) gegen die Referenzantworten und exakte Übereinstimmung.

Für jede Aufgabe kommen **Verlust** und **Perplexität** dazu: die mittlere Kreuzentropie der
Referenzantwort-Token (samt Ende-Token der Chat-Vorlage), wenn das Modell die Referenz liest –
dieselbe Größe, die das Training vorher und nachher misst. `task="auto"` erkennt die Aufgabe an
den Referenzen.

Mit Adapter misst `evaluate` auf Wunsch dasselbe 4-Bit-Modell einmal ohne (Adapter
abgeschaltet) und einmal mit Adapter; die Ausgaben werden gierig (ohne Zufall) erzeugt und sind
daher reproduzierbar.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmwiki.errors import ConfigError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

#: Bekannte Aufgaben; „auto“ erkennt sie an den Referenzantworten.
TASKS = ("auto", "labels", "json", "text")

#: Höchstzahl verschiedener Referenzen, die „auto“ noch als Kategorien liest.
MAX_LABELS = 20

#: Höchstlänge (Zeichen) einer Referenz, die „auto“ noch als Kategorie liest.
MAX_LABEL_CHARS = 40

#: Kennzahlen mit deutscher Bezeichnung, in der Reihenfolge der Ausgabe.
METRIC_NAMES = {
    "accuracy": "Genauigkeit (genau die richtige Kategorie)",
    "valid_share": "Anteil gültiger Ausgaben",
    "first_label_accuracy": "erste genannte Kategorie richtig",
    "exact_match": "exakte Übereinstimmung",
    "chrf": "chrF (0–100)",
    "loss": "Verlust auf den Referenzantworten",
    "perplexity": "Perplexität",
}

#: Kennzahlen, die Anteile sind (Ausgabe in Prozent).
SHARES = frozenset({"accuracy", "valid_share", "first_label_accuracy", "exact_match"})


@dataclass
class Prediction:
    """Ein Beispiel mit Referenz und Ausgabe des Modells."""

    prompt: str
    """Die letzte Nutzernachricht."""

    reference: str
    """Die Referenzantwort aus der Datei."""

    output: str
    """Die (gierig erzeugte) Antwort des Modells."""

    valid: bool | None = None
    """Ausgabe hat die verlangte Form (eine Kategorie bzw. gültiges JSON); `None` bei freiem Text."""

    correct: bool = False
    """Ausgabe stimmt mit der Referenz überein (nach Normalisierung)."""


@dataclass
class ModelScores:
    """Die Kennzahlen eines Modells (Basismodell oder mit Adapter)."""

    name: str
    """„Basismodell“ oder „mit Adapter“."""

    metrics: dict[str, float]
    """Kennzahlen, z. B. `{"accuracy": 0.9, "loss": 0.3, …}`; Anteile als Bruch (0,9 = 90 %)."""

    predictions: list[Prediction] = field(default_factory=list)
    """Je Beispiel Referenz und Ausgabe (leer ohne Erzeugung)."""


@dataclass
class EvaluationReport:
    """Ergebnis von `evaluate`: Aufgabe, Kategorien und Kennzahlen je Modell."""

    data_file: str
    """Die ausgewertete Datei."""

    task: str
    """Die Aufgabe: „labels“, „json“ oder „text“."""

    examples: int
    """Zahl der ausgewerteten Beispiele."""

    labels: list[str]
    """Die Kategorien (nur bei `task="labels"`, sonst leer)."""

    scores: list[ModelScores]
    """Kennzahlen je Modell, Basismodell zuerst."""

    model: str | None = None
    """Name des Basismodells."""

    adapter: str | None = None
    """Adapterordner oder `None`."""

    def score(self, name: str) -> ModelScores:
        """Die Kennzahlen des Modells mit diesem Namen („Basismodell“ oder „mit Adapter“).

        Args:
            name: Name des Modells.

        Returns:
            Die Kennzahlen.

        Raises:
            ConfigError: Wenn es kein Modell dieses Namens gibt.
        """
        for scores in self.scores:
            if scores.name == name:
                return scores
        raise ConfigError(
            f"Keine Auswertung für „{name}“; vorhanden: {', '.join(s.name for s in self.scores)}."
        )

    def to_dict(self) -> dict[str, Any]:
        """Das Ergebnis als JSON-fähiges Wörterbuch (Anteile als Bruch, Zahlen ungerundet)."""
        return asdict(self)

    def text(self, examples: int = 0) -> str:
        """Das Ergebnis als deutscher Text mit Tabelle.

        Args:
            examples: So viele Beispiele mit Referenz und Ausgaben zusätzlich zeigen.

        Returns:
            Den Text.
        """
        from slmwiki.formatting import number, percent

        what = {"labels": "Kategorien", "json": "JSON-Felder", "text": "freier Text"}[self.task]
        lines = [f"Auswertung von „{self.data_file}“: {number(self.examples)} Beispiele, Aufgabe: {what}"]
        if self.labels:
            lines.append(
                f"Kategorien: {', '.join(self.labels)} (Zufall träfe {percent(1 / len(self.labels))})"
            )
        names = [s.name for s in self.scores]
        keys = [k for k in METRIC_NAMES if any(k in s.metrics for s in self.scores)]
        width = max(len(METRIC_NAMES[k]) for k in keys)
        lines.append("")
        lines.append(f"{'Kennzahl':<{width}}  " + "  ".join(f"{n:>14}" for n in names))
        for key in keys:
            cells = []
            for scores in self.scores:
                value = scores.metrics.get(key)
                if value is None:
                    cells.append("–")
                elif key in SHARES:
                    cells.append(percent(value))
                else:
                    cells.append(number(value, 1 if key in ("chrf", "perplexity") else 3))
            lines.append(f"{METRIC_NAMES[key]:<{width}}  " + "  ".join(f"{c:>14}" for c in cells))
        shown = min(examples, self.examples) if self.scores and self.scores[0].predictions else 0
        for index in range(shown):
            first = self.scores[0].predictions[index]
            lines.append("")
            lines.append(f"Beispiel {index + 1}: {first.prompt}")
            lines.append(f"  Referenz: {first.reference}")
            for scores in self.scores:
                lines.append(f"  {scores.name}: {scores.predictions[index].output}")
        return "\n".join(lines)


# --- Reading references and judging outputs -----------------------------------------------------


def _last_user(messages: list[dict[str, str]]) -> str:
    return [m["content"] for m in messages if m["role"] == "user"][-1]


def parse_json_object(text: str) -> dict[str, Any] | None:
    """Liest ein JSON-Objekt aus einer Modellausgabe (auch in einem ```json-Codeblock).

    Args:
        text: Die Ausgabe.

    Returns:
        Das Objekt oder `None`, wenn die Ausgabe kein JSON-Objekt ist.
    """
    stripped = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, re.DOTALL)
    if fenced:
        stripped = fenced.group(1)
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def normalize_label(text: str) -> str:
    """Normalisiert eine Kategorie: erste Zeile, Kleinbuchstaben, ohne Satzzeichen und Anführungszeichen am Rand.

    Args:
        text: Ausgabe oder Referenz.

    Returns:
        Die normalisierte Kategorie, z. B. „karte“ für „ Karte.“.
    """
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    return first.strip().strip(" \t.,;:!?\"'„“”`*").lower()


def first_label(text: str, labels: list[str]) -> str | None:
    """Die erste Kategorie, die als ganzes Wort in einer Ausgabe vorkommt.

    Args:
        text: Die Ausgabe.
        labels: Die normalisierten Kategorien.

    Returns:
        Die Kategorie oder `None`.
    """
    lowered = text.lower()
    found = []
    for label in labels:
        match = re.search(rf"(?<!\w){re.escape(label)}(?!\w)", lowered)
        if match:
            found.append((match.start(), label))
    return min(found)[1] if found else None


def detect_task(references: list[str]) -> str:
    """Erkennt die Aufgabe an den Referenzantworten.

    - `json`, wenn jede Referenz ein JSON-Objekt ist;
    - `labels`, wenn jede Referenz eine Zeile mit höchstens 40 Zeichen ist, es höchstens 20
      verschiedene gibt und mindestens eine mehrfach vorkommt;
    - sonst `text`.

    Args:
        references: Die Referenzantworten.

    Returns:
        „labels“, „json“ oder „text“.
    """
    if references and all(parse_json_object(r) is not None for r in references):
        return "json"
    distinct = {normalize_label(r) for r in references}
    short = all("\n" not in r.strip() and len(r.strip()) <= MAX_LABEL_CHARS for r in references)
    if short and len(distinct) <= MAX_LABELS and len(distinct) < len(references):
        return "labels"
    return "text"


def score_outputs(
    task: str, references: list[str], outputs: list[str], labels: list[str]
) -> tuple[dict[str, float], list[tuple[bool | None, bool]]]:
    """Berechnet die Kennzahlen der erzeugten Ausgaben (ohne Verlust).

    Args:
        task: „labels“, „json“ oder „text“.
        references: Die Referenzantworten.
        outputs: Die Ausgaben, gleich viele wie Referenzen.
        labels: Die normalisierten Kategorien (nur für „labels“).

    Returns:
        `(kennzahlen, [(gültig, richtig), …])` je Beispiel.
    """
    n = len(references)
    judged: list[tuple[bool | None, bool]] = []
    metrics: dict[str, float] = {}
    if task == "labels":
        first_hits = 0
        for reference, output in zip(references, outputs, strict=True):
            predicted = normalize_label(output)
            judged.append((predicted in labels, predicted == normalize_label(reference)))
            first_hits += first_label(output, labels) == normalize_label(reference)
        metrics["accuracy"] = sum(c for _, c in judged) / n
        metrics["valid_share"] = sum(bool(v) for v, _ in judged) / n
        metrics["first_label_accuracy"] = first_hits / n
    elif task == "json":
        for reference, output in zip(references, outputs, strict=True):
            parsed = parse_json_object(output)
            judged.append((parsed is not None, parsed is not None and parsed == parse_json_object(reference)))
        metrics["exact_match"] = sum(c for _, c in judged) / n
        metrics["valid_share"] = sum(bool(v) for v, _ in judged) / n
    else:
        from sacrebleu.metrics import CHRF

        for reference, output in zip(references, outputs, strict=True):
            judged.append((None, output.strip() == reference.strip()))
        metrics["exact_match"] = sum(c for _, c in judged) / n
        metrics["chrf"] = float(CHRF().corpus_score(outputs, [references]).score)
    return metrics, judged


# --- Running the model --------------------------------------------------------------------------


def _prompt_and_completion(
    tokenizer: PreTrainedTokenizerBase, messages: list[dict[str, str]]
) -> tuple[str, str]:
    """Rendert Prompt (mit Generierungsanfang) und Referenz-Completion wie TRLs Prompt-Completion-Format."""
    prompt = tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=False)
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full.startswith(prompt):
        raise ConfigError(
            "Die Chat-Vorlage des Tokenizers setzt den Prompt nicht als Anfang des ganzen Gesprächs; "
            "der Verlust auf den Antworten lässt sich so nicht messen."
        )
    return prompt, full[len(prompt) :]


def reference_loss(
    model: Any, tokenizer: PreTrainedTokenizerBase, examples: list[dict[str, Any]], batch_size: int = 8
) -> float:
    """Mittlerer Kreuzentropie-Verlust je Referenzantwort-Token (Prompt-Token zählen nicht).

    Args:
        model: Das Modell (mit oder ohne Adapter).
        tokenizer: Der passende Tokenizer mit Chat-Vorlage.
        examples: Beispiele `{"messages": [...]}`.
        batch_size: Beispiele je Vorwärtsdurchlauf.

    Returns:
        Den über alle Antwort-Token gemittelten Verlust (natürlicher Logarithmus).
    """
    import torch

    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    sequences = []
    for example in examples:
        prompt, completion = _prompt_and_completion(tokenizer, example["messages"])
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
        sequences.append((prompt_ids, completion_ids))
    total, count = 0.0, 0
    for start in range(0, len(sequences), batch_size):
        batch = sequences[start : start + batch_size]
        length = max(len(p) + len(c) for p, c in batch)
        ids = torch.full((len(batch), length), pad, dtype=torch.long)
        labels = torch.full((len(batch), length), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), length), dtype=torch.long)
        for row, (p, c) in enumerate(batch):
            seq = p + c
            ids[row, : len(seq)] = torch.tensor(seq)
            labels[row, len(p) : len(seq)] = torch.tensor(c)
            mask[row, : len(seq)] = 1
        with torch.inference_mode():
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
        shifted = logits[:, :-1].reshape(-1, logits.shape[-1])
        targets = labels[:, 1:].reshape(-1).to(device)
        losses = torch.nn.functional.cross_entropy(shifted, targets, ignore_index=-100, reduction="sum")
        total += float(losses)
        count += int((targets != -100).sum())
    return total / count


def generate_batch(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    conversations: list[list[dict[str, str]]],
    *,
    max_new_tokens: int,
    batch_size: int = 8,
) -> list[str]:
    """Erzeugt gierig je Gespräch eine Antwort, mehrere Gespräche je Durchlauf (links aufgefüllt).

    Args:
        model: Das Modell.
        tokenizer: Der Tokenizer mit Chat-Vorlage.
        conversations: Nachrichten bis vor die Antwort.
        max_new_tokens: Höchstzahl neuer Token je Antwort.
        batch_size: Gespräche je Durchlauf.

    Returns:
        Die Antworten ohne Prompt und Sondertoken.
    """
    import torch

    from slmwiki.inference import _stop_token_ids

    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    side = tokenizer.padding_side
    answers: list[str] = []
    try:
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token_id = pad
        for start in range(0, len(conversations), batch_size):
            texts = [
                tokenizer.apply_chat_template(c, add_generation_prompt=True, tokenize=False)
                for c in conversations[start : start + batch_size]
            ]
            encoded = tokenizer(texts, add_special_tokens=False, padding=True, return_tensors="pt")
            inputs = {
                "input_ids": encoded["input_ids"].to(device),
                "attention_mask": encoded["attention_mask"].to(device),
            }
            with torch.inference_mode():
                output = model.generate(
                    **inputs,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    temperature=None,
                    top_p=None,
                    top_k=None,
                    eos_token_id=_stop_token_ids(model, tokenizer),
                    pad_token_id=pad,
                    use_cache=True,
                )
            new = output[:, inputs["input_ids"].shape[1] :]
            answers.extend(t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True))
    finally:
        tokenizer.padding_side = side
    return answers


def _check_positive_int(name: str, value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise ConfigError(f"„{name}“ muss eine ganze Zahl größer als 0 sein, erhalten: {value!r}.")


def evaluate(
    data_file: str | Path,
    model: str | None = None,
    adapter: str | Path | None = None,
    *,
    task: str = "auto",
    include_base: bool = True,
    generate: bool = True,
    max_new_tokens: int | None = None,
    batch_size: int = 8,
    limit: int | None = None,
    quantize: bool = True,
    loaded: tuple[Any, PreTrainedTokenizerBase] | None = None,
) -> EvaluationReport:
    """Misst ein Basismodell und/oder einen Adapter auf einer Chat-Datei.

    Args:
        data_file: Chat-JSONL; die letzte Antwort jedes Beispiels ist die Referenz.
        model: Basismodell; `None` nimmt das Basismodell des Adapters oder `smollm2-135m`.
        adapter: Adapterordner aus `slmwiki finetune` oder `None` (dann nur das Basismodell).
        task: „auto“, „labels“, „json“ oder „text“ (siehe Moduldokumentation).
        include_base: Mit Adapter zusätzlich das Basismodell messen (Adapter abgeschaltet).
        generate: Antworten erzeugen und bewerten; `False` misst nur Verlust und Perplexität.
        max_new_tokens: Höchstzahl neuer Token je Antwort; `None` = längste Referenz in Token plus 8.
        batch_size: Beispiele je Durchlauf.
        limit: Nur die ersten so vielen Beispiele; `None` = alle.
        quantize: Basismodell als 4-Bit-NF4 laden (wie beim Training).
        loaded: Schon geladenes `(modell, tokenizer)`, z. B. aus `finetune`; dann werden `model`,
            `adapter` und `quantize` nicht zum Laden benutzt. Ein `PeftModel` gilt als Modell mit Adapter.

    Returns:
        Der Bericht mit Kennzahlen je Modell.

    Raises:
        ConfigError: Bei unbekannter Aufgabe, ungültigen Zahlen, Referenzen, die nicht zur Aufgabe
            passen, oder ohne Modell zum Messen.
        DataError: Wenn die Datei fehlt oder fehlerhaft ist.
    """
    from slmwiki.data import load_chat_jsonl

    if task not in TASKS:
        raise ConfigError(f"Unbekannte Aufgabe „{task}“; erlaubt sind {', '.join(TASKS)}.")
    _check_positive_int("max_new_tokens", max_new_tokens)
    _check_positive_int("batch_size", batch_size)
    _check_positive_int("limit", limit)
    examples = load_chat_jsonl(data_file)[:limit]
    references = [e["messages"][-1]["content"] for e in examples]
    chosen = detect_task(references) if task == "auto" else task
    if chosen == "json":
        broken = [i + 1 for i, r in enumerate(references) if parse_json_object(r) is None]
        if broken:
            raise ConfigError(
                f"Aufgabe „json“: die Referenz von Beispiel {broken[0]} ist kein JSON-Objekt "
                f"({len(broken)} von {len(references)} Referenzen)."
            )
    labels = sorted({normalize_label(r) for r in references}) if chosen == "labels" else []
    if chosen == "labels" and len(labels) < 2:
        raise ConfigError(
            "Aufgabe „labels“ braucht mindestens zwei verschiedene Kategorien in den Referenzen."
        )
    with_adapter = adapter is not None or (loaded is not None and hasattr(loaded[0], "disable_adapter"))
    if not include_base and not with_adapter:
        raise ConfigError(
            "Ohne Adapter bleibt nur das Basismodell: lassen Sie „--no-base“ weg oder geben Sie „--adapter“ an."
        )

    if loaded is None:
        from slmwiki.inference import check_adapter_dir, load_for_inference

        if adapter is not None:
            check_adapter_dir(adapter)
        loaded = load_for_inference(model, adapter, quantize=quantize)
    net, tokenizer = loaded
    was_training = net.training
    net.eval()
    if max_new_tokens is None:
        longest = max(len(tokenizer(r, add_special_tokens=False)["input_ids"]) for r in references)
        max_new_tokens = min(longest + 8, 512)

    def measure(name: str) -> ModelScores:
        metrics = {"loss": reference_loss(net, tokenizer, examples, batch_size)}
        metrics["perplexity"] = math.exp(metrics["loss"])
        predictions: list[Prediction] = []
        if generate:
            outputs = generate_batch(
                net,
                tokenizer,
                [e["messages"][:-1] for e in examples],
                max_new_tokens=max_new_tokens,
                batch_size=batch_size,
            )
            scored, judged = score_outputs(chosen, references, outputs, labels)
            metrics = {**scored, **metrics}
            predictions = [
                Prediction(_last_user(e["messages"]), ref, out, valid, correct)
                for e, ref, out, (valid, correct) in zip(examples, references, outputs, judged, strict=True)
            ]
        return ModelScores(name, metrics, predictions)

    scores = []
    try:
        if include_base:
            if with_adapter:
                with net.disable_adapter():
                    scores.append(measure("Basismodell"))
            else:
                scores.append(measure("Basismodell"))
        if with_adapter:
            scores.append(measure("mit Adapter"))
    finally:
        net.train(was_training)
    base_name = model or getattr(net, "name_or_path", None)
    return EvaluationReport(
        data_file=str(data_file),
        task=chosen,
        examples=len(examples),
        labels=labels,
        scores=scores,
        model=str(base_name) if base_name else None,
        adapter=str(adapter) if adapter is not None else None,
    )
