"""Der deutsche Demo-Datensatz: Umfang und ein Beispiel (Kapitel 5, QLoRA-Workflow, Schritt 1).

Liest `data/train.jsonl` und `data/eval.jsonl` mit `slmwiki.data.load_chat_jsonl` (dieselbe Prüfung wie beim
Training) und gibt eine kleine Übersicht sowie das erste Trainingsbeispiel als JSON aus.
"""

from __future__ import annotations

import json
from pathlib import Path

from slmwiki.data import load_chat_jsonl
from slmwiki.formatting import number

FILES = {"Training": Path("data/train.jsonl"), "Auswertung": Path("data/eval.jsonl")}

missing = [str(path) for path in FILES.values() if not path.is_file()]
if missing:
    print(
        '!!! note "Datensatz nicht gefunden"\n'
        f"    Die Dateien {', '.join(f'`{m}`' for m in missing)} fehlen in diesem Arbeitsverzeichnis."
    )
else:
    data = {label: load_chat_jsonl(path) for label, path in FILES.items()}
    print(
        "| Aufteilung | Datei | Beispiele | Nachrichten je Beispiel (Mittel) | Zeichen je Antwort (Mittel) |"
    )
    print("|---|---|---|---|---|")
    for label, examples in data.items():
        messages = [len(example["messages"]) for example in examples]
        answers = [
            len(message["content"])
            for example in examples
            for message in example["messages"]
            if message["role"] == "assistant"
        ]
        print(
            f"| {label} | `{FILES[label].as_posix()}` | {number(len(examples))} | "
            f"{number(sum(messages) / len(messages), 1)} | {number(sum(answers) / len(answers), 0)} |"
        )
    print()
    print("Das erste Trainingsbeispiel (eine Zeile der Datei, hier zur Lesbarkeit umbrochen):")
    print()
    print("```json")
    print(json.dumps(data["Training"][0], ensure_ascii=False, indent=2))
    print("```")
