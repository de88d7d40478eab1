"""Kommandozeile `slmwiki` – dünne Schicht über den Modulen des Pakets.

Beispiele:

    slmwiki finetune --config configs/smollm2-135m-cpu.yaml
    slmwiki finetune --config configs/smollm2-135m-cpu.yaml --max_steps 20 --resume
    slmwiki generate --adapter runs/smollm2-demo/adapter "Was ist QLoRA?"
    slmwiki compare --adapter runs/smollm2-demo/adapter
    slmwiki merge --adapter runs/smollm2-demo/adapter --output runs/smollm2-demo/merged
    slmwiki costs --model gemma-3-4b --tokens-per-month 50000000

Jede Unterfunktion lädt ihre Abhängigkeiten erst beim Aufruf, damit z. B. `slmwiki costs`
ohne torch auskommt. Eingabefehler ergeben eine deutsche Meldung und den Exit-Code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from slmwiki import __version__
from slmwiki.errors import SlmwikiError

# German texts for argparse's built-in messages (argparse looks `_` up at call time).
_ARGPARSE_DE = {
    "usage: ": "Aufruf: ",
    "options": "Optionen",
    "positional arguments": "Positionsargumente",
    "show this help message and exit": "diese Hilfe anzeigen und beenden",
    "show program's version number and exit": "Versionsnummer anzeigen und beenden",
    "the following arguments are required: %s": "folgende Argumente fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Argumente: %s",
    "expected one argument": "erwartet genau ein Argument",
    "expected at most one argument": "erwartet höchstens ein Argument",
    "expected at least one argument": "erwartet mindestens ein Argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "ungültige Auswahl: %(value)r (möglich: %(choices)s)",
    "invalid %(type)s value: %(value)r": "ungültiger Wert für %(type)s: %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "not allowed with argument %s": "nicht zusammen mit Argument %s erlaubt",
    "ambiguous option: %(option)s could match %(matches)s": "mehrdeutige Option: %(option)s passt zu %(matches)s",
}


def _german(message: str) -> str:
    return _ARGPARSE_DE.get(message, message)


argparse._ = _german  # type: ignore[attr-defined]

#: Functions that add one subcommand each; every subparser sets `handler=` via `set_defaults`.
_PARSERS: list[Callable[[argparse._SubParsersAction], None]] = []


def _subcommand(add: Callable[[argparse._SubParsersAction], None]) -> Callable[[argparse._SubParsersAction], None]:
    _PARSERS.append(add)
    return add


# --- Subcommands: one `_add_<name>` (arguments, decorated with @_subcommand) and one `_run_<name>`
# --- (handler returning an exit code) per block. Handlers import their modules lazily.


def build_parser() -> argparse.ArgumentParser:
    """Baut den Argumentparser mit allen Unterbefehlen.

    Returns:
        Den Parser für `slmwiki`.
    """
    parser = argparse.ArgumentParser(
        prog="slmwiki",
        description="Small Language Models feinabstimmen (QLoRA), nutzen und ihre Kosten berechnen.",
    )
    parser.add_argument("--version", action="version", version=f"slmwiki {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="BEFEHL", title="Befehle")
    for add in _PARSERS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Startet die Kommandozeile.

    Args:
        argv: Argumente ohne Programmnamen; `None` liest `sys.argv`.

    Returns:
        Exit-Code: 0 bei Erfolg, 2 bei fehlerhafter Eingabe, 130 nach Abbruch durch den Benutzer.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help (0) or bad arguments (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except SlmwikiError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
