"""Chat-Daten im JSONL-Format lesen, prüfen und für TRL aufbereiten.

Jede Zeile einer Datendatei ist ein JSON-Objekt mit einer Liste `messages`:

    {"messages": [{"role": "user", "content": "Was ist QLoRA?"},
                  {"role": "assistant", "content": "QLoRA trainiert LoRA-Adapter auf einem 4-Bit-Modell …"}]}

Erlaubt ist eine optionale `system`-Nachricht am Anfang, danach abwechselnd `user` und
`assistant`, beginnend mit `user` und endend mit `assistant`. Fehlerhafte Zeilen werden mit
Dateiname und Zeilennummer gemeldet.

Für das Training wird jedes Beispiel in TRLs Prompt-Completion-Format umgebaut: alles bis
zur letzten Nutzerfrage ist der Prompt, die letzte Antwort die Completion. TRL berechnet den
Verlust dann nur auf der Completion – also auf der Antwort einschließlich des Ende-Tokens, das
die Chat-Vorlage anhängt (z. B. `<|im_end|>` bei SmolLM2, `<end_of_turn>` bei Gemma 3). So lernt
das Modell, wann es aufhören soll.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slmwiki.errors import DataError

#: Erlaubte Rollen in einer Nachricht.
ROLES = ("system", "user", "assistant")


def load_chat_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Liest und prüft eine Chat-Datei im JSONL-Format.

    Leerzeilen werden übersprungen. Zusätzliche Schlüssel in einer Zeile werden ignoriert;
    zurückgegeben wird nur `messages`.

    Args:
        path: Pfad der JSONL-Datei.

    Returns:
        Eine Liste von Beispielen `{"messages": [...]}` in Dateireihenfolge.

    Raises:
        DataError: Wenn die Datei fehlt, nicht UTF-8 ist, leer ist oder eine Zeile ungültig ist
            (mit Zeilennummer).
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"Die Datendatei „{file}“ existiert nicht.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"„{file.name}“ ist nicht UTF-8-kodiert (Byte {exc.start}).") from exc
    examples: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"„{file.name}“, Zeile {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: kein gültiges JSON ({exc.msg}, Spalte {exc.colno}).") from exc
        examples.append({"messages": validate_messages(record, where)})
    if not examples:
        raise DataError(f"„{file.name}“ enthält keine Beispiele (die Datei ist leer).")
    return examples


def validate_messages(record: object, where: str = "Beispiel") -> list[dict[str, str]]:
    """Prüft ein einzelnes Chat-Beispiel.

    Args:
        record: Das gelesene JSON-Objekt einer Zeile.
        where: Ortsangabe für Fehlermeldungen, z. B. „„train.jsonl“, Zeile 3“.

    Returns:
        Die Nachrichten als Liste von `{"role": …, "content": …}`.

    Raises:
        DataError: Wenn `messages` fehlt, eine Rolle unbekannt ist, die Reihenfolge nicht
            stimmt oder ein Inhalt leer ist.
    """
    if not isinstance(record, dict):
        raise DataError(
            f"{where}: erwartet ein JSON-Objekt mit „messages“, erhalten: {type(record).__name__}."
        )
    if "messages" not in record:
        raise DataError(f"{where}: der Schlüssel „messages“ fehlt.")
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        raise DataError(f"{where}: „messages“ muss eine nicht leere Liste sein.")
    cleaned: list[dict[str, str]] = []
    for index, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            raise DataError(f"{where}: Nachricht {index} ist kein Objekt mit „role“ und „content“.")
        role = message.get("role")
        content = message.get("content")
        if role is None:
            raise DataError(f"{where}: in Nachricht {index} fehlt „role“.")
        if role not in ROLES:
            raise DataError(
                f"{where}: unbekannte Rolle „{role}“ in Nachricht {index}; erlaubt sind {', '.join(ROLES)}."
            )
        if content is None:
            raise DataError(f"{where}: in Nachricht {index} ({role}) fehlt „content“.")
        if not isinstance(content, str) or not content.strip():
            raise DataError(f"{where}: Nachricht {index} ({role}) hat einen leeren Inhalt.")
        cleaned.append({"role": role, "content": content})
    turns = cleaned[1:] if cleaned[0]["role"] == "system" else cleaned
    if not turns:
        raise DataError(f"{where}: nach der System-Nachricht fehlen Frage und Antwort.")
    for index, message in enumerate(turns):
        expected = "user" if index % 2 == 0 else "assistant"
        if message["role"] != expected:
            position = index + 1 + (len(cleaned) - len(turns))
            raise DataError(
                f"{where}: Nachricht {position} hat die Rolle „{message['role']}“, erwartet „{expected}“ "
                "(optional „system“ zuerst, dann abwechselnd „user“ und „assistant“)."
            )
    if turns[-1]["role"] != "assistant":
        raise DataError(f"{where}: das Beispiel muss mit einer „assistant“-Antwort enden.")
    return cleaned


def to_prompt_completion(example: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Baut ein Chat-Beispiel in TRLs konversationelles Prompt-Completion-Format um.

    Der Prompt enthält alle Nachrichten bis vor die letzte Antwort, die Completion genau diese
    Antwort. TRL rendert beide mit der Chat-Vorlage des Tokenizers und setzt die Labels aller
    Prompt-Token auf -100: gelernt wird nur die Antwort samt Ende-Token der Vorlage.
    Frühere Antworten in mehrstufigen Dialogen zählen zum Kontext, nicht zum Verlust.

    Args:
        example: `{"messages": [...]}` wie von `load_chat_jsonl`.

    Returns:
        `{"prompt": [...], "completion": [{"role": "assistant", "content": …}]}`.

    Raises:
        DataError: Wenn das Beispiel nicht mit einer Antwort endet.
    """
    messages = validate_messages(example)
    return {"prompt": messages[:-1], "completion": [messages[-1]]}


def to_dataset(examples: list[dict[str, Any]]) -> Any:  # datasets.Dataset
    """Wandelt geprüfte Beispiele in ein `datasets.Dataset` im Prompt-Completion-Format.

    Args:
        examples: Beispiele aus `load_chat_jsonl`.

    Returns:
        Ein `datasets.Dataset` mit den Spalten `prompt` und `completion`.
    """
    from datasets import Dataset

    return Dataset.from_list([to_prompt_completion(e) for e in examples])
