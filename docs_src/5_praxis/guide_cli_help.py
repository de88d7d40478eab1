"""Hilfetexte der Kommandozeile `slmwiki`, beim Bauen der Seite erzeugt (Kapitel 5, QLoRA-Workflow).

Ruft `slmwiki.cli.main([<befehl>, "--help"])` auf, fängt die Ausgabe ab und gibt sie als Registerkarten
(pymdownx.tabbed) mit je einem Textblock aus. So zeigt die Seite immer die Optionen der installierten Version.
"""

from __future__ import annotations

import contextlib
import io
import os

from slmwiki.cli import main

COMMANDS = ["finetune", "evaluate", "generate", "compare", "merge", "costs"]


def help_text(command: str) -> tuple[int, str]:
    """Exit-Code und Hilfetext von `slmwiki <command> --help` (Zeilenbreite 88 Zeichen)."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([command, "--help"])
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return code, out.getvalue().rstrip()


for command in COMMANDS:
    code, text = help_text(command)
    if code != 0 or not text:
        continue
    print(f'=== "slmwiki {command}"')
    print()
    print("    ```text")
    for line in text.splitlines():
        print(f"    {line}".rstrip())
    print("    ```")
    print()
