"""Kommandozeile `slmwiki` – dünne Schicht über den Modulen des Pakets.

Beispiele:

    slmwiki finetune --config configs/smollm2-135m-cpu.yaml
    slmwiki finetune --config configs/smollm2-135m-cpu.yaml --max_steps 20 --resume
    slmwiki generate --adapter runs/smollm2-demo/adapter "Was ist QLoRA?"
    slmwiki compare --adapter runs/smollm2-demo/adapter
    slmwiki evaluate --data data/bank_routing_eval.jsonl --adapter runs/bank-routing/adapter
    slmwiki merge --adapter runs/smollm2-demo/adapter --output runs/smollm2-demo/merged
    slmwiki costs --model gemma-3-4b --tokens-per-month 50000000

Jede Unterfunktion lädt ihre Abhängigkeiten erst beim Aufruf, damit z. B. `slmwiki costs`
ohne torch auskommt. Eingabefehler ergeben eine deutsche Meldung und den Exit-Code 2.
"""

from __future__ import annotations

import argparse
import os
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


def _subcommand(
    add: Callable[[argparse._SubParsersAction], None],
) -> Callable[[argparse._SubParsersAction], None]:
    _PARSERS.append(add)
    return add


# --- Subcommands: one `_add_<name>` (arguments, decorated with @_subcommand) and one `_run_<name>`
# --- (handler returning an exit code) per block. Handlers import their modules lazily.


# --- finetune, generate, compare, merge: der QLoRA-Workflow (slmwiki.finetune, .inference, .merge) -----------


@_subcommand
def _add_finetune(sub: argparse._SubParsersAction) -> None:
    from slmwiki.config import FinetuneConfig

    p = sub.add_parser(
        "finetune",
        help="ein Modell mit QLoRA feinabstimmen (4-Bit-NF4 + LoRA, TRL)",
        description=(
            "Stimmt ein Sprachmodell mit QLoRA auf Chat-Daten ab: Basismodell in 4-Bit-NF4 mit Double\n"
            "Quantization, LoRA-Adapter, TRL-SFTTrainer mit Verlust nur auf den Antworten. Schreibt den\n"
            "Adapter nach <output_dir>/adapter und das Laufprotokoll nach <output_dir>/run.json.\n"
            "Jeder Schlüssel der YAML-Datei lässt sich überschreiben: „--max_steps 20“ oder „max_steps=20“."
        ),
        epilog="Beispiel: slmwiki finetune --config configs/smollm2-135m-cpu.yaml --max_steps 20",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        required=True,
        metavar="DATEI",
        help="YAML-Konfiguration, z. B. configs/smollm2-135m-cpu.yaml",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="vom neuesten Checkpoint in <output_dir>/checkpoints fortsetzen (nach Abbruch mit Strg+C)",
    )
    p.add_argument("--quiet", action="store_true", help="keinen Fortschrittsbalken anzeigen")
    group = p.add_argument_group("Überschreibungen der Konfiguration (Standard: Wert aus der YAML-Datei)")
    for name, doc in FinetuneConfig.field_docs().items():
        flags = [f"--{name}"] + ([f"--{name.replace('_', '-')}"] if "_" in name else [])
        group.add_argument(
            *flags,
            dest=f"override_{name}",
            metavar="WERT",
            default=argparse.SUPPRESS,
            help=doc.replace("%", "%%"),
        )
    p.add_argument(
        "assignments",
        nargs="*",
        metavar="SCHLÜSSEL=WERT",
        help="weitere Überschreibungen in der Form schluessel=wert, z. B. lora_r=8",
    )
    p.set_defaults(handler=_run_finetune)


def _run_finetune(args: argparse.Namespace) -> int:
    from slmwiki.config import FinetuneConfig

    overrides = [
        f"{key[len('override_') :]}={value}"
        for key, value in vars(args).items()
        if key.startswith("override_")
    ]
    config = FinetuneConfig.from_yaml(args.config, overrides + list(args.assignments))
    from slmwiki.backends import prepare_process

    prepare_process(config.backend)  # Unsloth must be imported before transformers
    from slmwiki.finetune import TrainingInterrupted, finetune
    from slmwiki.formatting import number

    try:
        result = finetune(config, resume=args.resume, progress=not args.quiet)
    except TrainingInterrupted as exc:
        print(str(exc), file=sys.stderr)
        return 130
    if not result.main_process:
        return 0  # accelerate launch / torchrun: the summary comes once, from rank 0
    record = result.record
    print(f"Fertig nach {number(record['duration_s'], 1)} s und {result.global_step} Schritten.")
    print(f"Adapter: {result.adapter_dir}")
    print(f"Laufprotokoll: {result.run_file}")
    if result.eval_loss_before is not None and result.eval_loss_after is not None:
        before, after = record["eval_before"], record["eval_after"]
        print(
            f"Auswertungsverlust: {number(before['loss'], 3)} → {number(after['loss'], 3)} "
            f"(Perplexität {number(before['perplexity'], 2)} → {number(after['perplexity'], 2)})"
        )
    elif result.eval_loss_after is not None:  # FSDP: no evaluation before training
        after = record["eval_after"]
        print(
            f"Auswertungsverlust nach dem Training: {number(after['loss'], 3)} "
            f"(Perplexität {number(after['perplexity'], 2)}; unter FSDP ohne Auswertung davor)"
        )
    if record.get("tokens_per_second"):
        print(
            f"Durchsatz: {number(record['tokens_per_second'], 1)} Token/s, "
            f"{number(record['seconds_per_step'], 2)} s pro Schritt"
        )
    return 0


def _add_model_options(p: argparse.ArgumentParser, *, adapter_required: bool = False) -> None:
    p.add_argument(
        "--model",
        metavar="MODELL",
        default=None,
        help="Basismodell: „smollm2-135m“, ein Ordner oder eine Hugging-Face-Kennung "
        "(Standard: das im Adapter vermerkte Modell, sonst smollm2-135m)",
    )
    p.add_argument(
        "--adapter",
        metavar="ORDNER",
        required=adapter_required,
        default=None,
        help="LoRA-Adapterordner aus „slmwiki finetune“, z. B. runs/smollm2-demo/adapter",
    )
    p.add_argument(
        "--no-4bit", action="store_true", help="Basismodell unquantisiert statt in 4-Bit-NF4 laden"
    )


@_subcommand
def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="eine Frage beantworten lassen (Basismodell oder mit Adapter)",
        description="Beantwortet eine Frage über die Chat-Vorlage des Modells und zeigt die Antwort beim Entstehen.",
        epilog='Beispiel: slmwiki generate --adapter runs/smollm2-demo/adapter "Was ist QLoRA?"',
    )
    _add_model_options(p)
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=200,
        metavar="N",
        help="höchstens so viele neue Token (Standard: 200)",
    )
    p.add_argument(
        "--temperature",
        type=float,
        default=0.7,
        metavar="T",
        help="Sampling-Temperatur; 0 wählt immer das wahrscheinlichste Token (Standard: 0.7)",
    )
    p.add_argument(
        "--top-p",
        type=float,
        default=0.9,
        metavar="P",
        help="Nucleus-Sampling-Schwelle in (0, 1] (Standard: 0.9)",
    )
    p.add_argument(
        "--repetition-penalty",
        type=float,
        default=1.1,
        metavar="S",
        help="Strafe für Wiederholungen, 1 = keine (Standard: 1.1)",
    )
    p.add_argument(
        "--seed", type=int, default=None, metavar="N", help="Startwert für reproduzierbares Sampling"
    )
    p.add_argument("--system", default=None, metavar="TEXT", help="optionale System-Nachricht")
    p.add_argument(
        "--no-stream", action="store_true", help="Antwort erst am Ende ausgeben statt Token für Token"
    )
    p.add_argument("prompt", metavar="FRAGE", help="die Frage an das Modell")
    p.set_defaults(handler=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    from slmwiki.inference import generate, load_for_inference

    model, tokenizer = load_for_inference(args.model, args.adapter, quantize=not args.no_4bit)
    if args.seed is not None:
        from transformers import set_seed

        set_seed(args.seed)
    answer = generate(
        model,
        tokenizer,
        args.prompt,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        repetition_penalty=args.repetition_penalty,
        system=args.system,
        stream=not args.no_stream,
    )
    if args.no_stream:
        print(answer)
    return 0


@_subcommand
def _add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="dieselben Fragen mit Basismodell und feinabgestimmtem Modell beantworten",
        description=(
            "Inferenz-Test: beantwortet Fragen (gierig, also reproduzierbar) einmal mit dem Basismodell\n"
            "und einmal mit Adapter. Ohne --questions: die ersten Fragen aus data/eval.jsonl."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model_options(p)
    p.set_defaults(adapter="runs/smollm2-demo/adapter")
    p.add_argument(
        "--questions",
        metavar="DATEI",
        default=None,
        help="Textdatei (eine Frage pro Zeile) oder Chat-JSONL (die Nutzerfragen)",
    )
    p.add_argument(
        "--limit", type=int, default=3, metavar="N", help="ohne --questions: so viele Fragen (Standard: 3)"
    )
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=120,
        metavar="N",
        help="höchstens so viele neue Token je Antwort",
    )
    p.set_defaults(handler=_run_compare)


def _run_compare(args: argparse.Namespace) -> int:
    from slmwiki.inference import compare, load_questions

    questions = load_questions(args.questions, limit=args.limit)
    rows = compare(
        questions, args.model, args.adapter, max_new_tokens=args.max_new_tokens, quantize=not args.no_4bit
    )
    for number, row in enumerate(rows, start=1):
        print(f"Frage {number}: {row['question']}")
        print(f"  Basismodell:    {row['base']}")
        print(f"  Feinabgestimmt: {row['finetuned']}")
        print()
    return 0


@_subcommand
def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="Basismodell und/oder Adapter auf einer JSONL-Datei messen (Genauigkeit, chrF, Verlust)",
        description=(
            "Misst ein Modell auf zurückgehaltenen Chat-Daten; die letzte Antwort jedes Beispiels ist die\n"
            "Referenz. Kategorien: Genauigkeit, Anteil gültiger Ausgaben, erste genannte Kategorie.\n"
            "JSON-Felder: exakte Übereinstimmung, Anteil gültigen JSONs. Freier Text: chrF (sacrebleu).\n"
            "Immer: Verlust und Perplexität auf den Referenzantworten. Mit --adapter werden Basismodell\n"
            "(Adapter abgeschaltet) und feinabgestimmtes Modell nebeneinander gemessen."
        ),
        epilog="Beispiel: slmwiki evaluate --data data/bank_routing_eval.jsonl --adapter runs/bank-routing/adapter",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model_options(p)
    p.add_argument("--data", required=True, metavar="DATEI", help="Chat-JSONL mit Referenzantworten")
    p.add_argument(
        "--task",
        choices=("auto", "labels", "json", "text"),
        default="auto",
        help="Aufgabe: Kategorien, JSON-Felder oder freier Text (Standard: an den Referenzen erkennen)",
    )
    p.add_argument(
        "--no-base", action="store_true", help="mit --adapter nur das feinabgestimmte Modell messen"
    )
    p.add_argument(
        "--no-generate", action="store_true", help="keine Antworten erzeugen, nur Verlust und Perplexität"
    )
    p.add_argument("--limit", type=int, default=None, metavar="N", help="nur die ersten N Beispiele")
    p.add_argument(
        "--max-new-tokens",
        type=int,
        default=None,
        metavar="N",
        help="höchstens so viele neue Token je Antwort (Standard: längste Referenz plus 8)",
    )
    p.add_argument(
        "--batch-size", type=int, default=8, metavar="N", help="Beispiele je Durchlauf (Standard: 8)"
    )
    p.add_argument(
        "--examples", type=int, default=0, metavar="N", help="N Beispiele mit Referenz und Ausgaben zeigen"
    )
    p.add_argument(
        "--json", action="store_true", help="Ergebnis als JSON (mit allen Ausgaben) statt als Text"
    )
    p.set_defaults(handler=_run_evaluate)


def _run_evaluate(args: argparse.Namespace) -> int:
    import json

    from slmwiki.evaluation import evaluate

    report = evaluate(
        args.data,
        args.model,
        args.adapter,
        task=args.task,
        include_base=not args.no_base,
        generate=not args.no_generate,
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
        limit=args.limit,
        quantize=not args.no_4bit,
    )
    print(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
        if args.json
        else report.text(args.examples)
    )
    return 0


@_subcommand
def _add_merge(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "merge",
        help="LoRA-Adapter in eine unquantisierte Kopie des Basismodells einrechnen",
        description="Rechnet den Adapter in eine fp32- oder bf16-Kopie des Basismodells ein und speichert sie.",
        epilog="Beispiel: slmwiki merge --adapter runs/smollm2-demo/adapter --output runs/smollm2-demo/merged --check",
    )
    p.add_argument(
        "--adapter", required=True, metavar="ORDNER", help="LoRA-Adapterordner aus „slmwiki finetune“"
    )
    p.add_argument("--output", required=True, metavar="ORDNER", help="Zielordner des gemergten Modells")
    p.add_argument(
        "--model", default=None, metavar="MODELL", help="Basismodell (Standard: das im Adapter vermerkte)"
    )
    p.add_argument(
        "--dtype",
        choices=("fp32", "bf16"),
        default="fp32",
        help="Datentyp des gemergten Modells (Standard: fp32)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="Logits des gemergten Modells mit „Adapter auf Basismodell“ vergleichen (Exit-Code 1 bei Abweichung)",
    )
    p.set_defaults(handler=_run_merge)


def _run_merge(args: argparse.Namespace) -> int:
    from slmwiki.merge import TOLERANCE, check_merge, merge_adapter

    target = merge_adapter(args.adapter, args.output, args.dtype, model=args.model)
    print(f"Gemergtes Modell: {target}")
    if args.check:
        worst = check_merge(target, args.adapter, dtype=args.dtype, model=args.model)
        tolerance = TOLERANCE[args.dtype]
        print(f"Größte Abweichung der Logits: {worst:.3g} (Toleranz {tolerance:g})".replace(".", ","))
        if worst > tolerance:
            print("Fehler: Das gemergte Modell weicht stärker ab als erlaubt.", file=sys.stderr)
            return 1
    return 0


# --- costs: Wirtschaftlichkeitsrechnung (slmwiki.costs) ---------------------------------------------------------


@_subcommand
def _add_costs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "costs",
        help="Kosten vergleichen: eigene Hardware, Cloud-GPU oder API",
        description=(
            "Rechnet für eine Last in Anfragen je Tag die monatlichen Kosten eines Small Language Models auf\n"
            "eigener Hardware (mit Server, Strom, Kühlung, Personal und Ausfallreserve), auf gemieteten GPUs und\n"
            "über APIs durch und nennt den Break-even. Preise stehen mit Quelle und Stand in data/prices.yaml,\n"
            "der Durchsatz (Prefill und Decode, gemessen) in benchmarks/results/gpu_inference.json."
        ),
        epilog=(
            "Beispiele:\n"
            "  slmwiki costs --scenario klinik\n"
            "  slmwiki costs --requests-per-day 2000 --input-tokens 1000 --output-tokens 300 --gpu l40s\n"
            "  slmwiki costs --scenario bank --electricity-ct 25 --staff-fte 0.2 --json\n"
            "  slmwiki costs --list\n\n"
            'JSON (--json): Geldbeträge als Zeichenketten mit Dezimalpunkt, auf Cent gerundet (z. B. "1234.56"),\n'
            "zusätzlich auf ganze Euro gerundet; null für „nicht berechenbar“ bzw. „kein Break-even“."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--scenario", metavar="NAME", help="Szenario der Preisdatei (Standard: laut Preisdatei; siehe --list)"
    )
    p.add_argument("--requests-per-day", metavar="ANZAHL", help="Anfragen je Tag")
    p.add_argument(
        "--tokens-per-month",
        metavar="ANZAHL",
        help="statt --requests-per-day: Tokens je Monat (Eingabe und Ausgabe zusammen, z. B. 5e7)",
    )
    p.add_argument("--days-per-month", metavar="TAGE", help="Tage mit Last je Monat (z. B. 21 Arbeitstage)")
    p.add_argument("--input-tokens", metavar="TOKENS", help="Eingabe-Tokens je Anfrage")
    p.add_argument("--output-tokens", metavar="TOKENS", help="Ausgabe-Tokens je Anfrage")
    p.add_argument(
        "--peak-hours", metavar="STUNDEN", help="Stunden je Tag, auf die sich die Anfragen verteilen"
    )
    p.add_argument("--model", metavar="NAME", help="gemessenes Modell, z. B. gemma-3-4b oder gemma-3-1b")
    p.add_argument("--batch", metavar="ANZAHL", help="gleichzeitig bearbeitete Anfragen (gemessen: 1, 8, 32)")
    p.add_argument("--gpu", action="append", metavar="NAME", help="eigene Grafikkarte, mehrfach möglich")
    p.add_argument("--cloud", action="append", metavar="NAME", help="gemietete GPU, mehrfach möglich")
    p.add_argument("--api", action="append", metavar="NAME", help="API, mehrfach möglich")
    p.add_argument("--electricity-ct", metavar="CT", help="Strompreis in Cent je kWh, netto")
    p.add_argument("--electricity", metavar="NAME", help="Strompreis der Preisdatei nach Namen")
    p.add_argument("--pue", metavar="FAKTOR", help="PUE: Gesamtstrom ÷ IT-Strom (Kühlung, USV), mindestens 1")
    p.add_argument("--staff-fte", metavar="STELLEN", help="Personalanteil in Vollzeitstellen, z. B. 0.1")
    p.add_argument(
        "--staff-eur-per-year", metavar="EURO", help="Arbeitgeberkosten einer Vollzeitstelle je Jahr"
    )
    p.add_argument(
        "--target-utilisation", metavar="ANTEIL", help="Ziel-Auslastung einer GPU in der Spitzenzeit, 0 bis 1"
    )
    p.add_argument(
        "--depreciation-months", metavar="MONATE", help="kalkulatorische Nutzungsdauer der Hardware"
    )
    p.add_argument(
        "--purchase-eur", metavar="EURO", help="eigener Kaufpreis je Server (GPU und Server, netto)"
    )
    reserve = p.add_mutually_exclusive_group()
    reserve.add_argument(
        "--redundancy",
        dest="redundancy",
        action="store_true",
        default=None,
        help="mit zweitem Server als Ausfallreserve",
    )
    reserve.add_argument(
        "--no-redundancy", dest="redundancy", action="store_false", help="ohne Ausfallreserve"
    )
    p.add_argument("--prices", metavar="DATEI", help="andere Preisdatei (YAML) statt data/prices.yaml")
    p.add_argument("--measurements", metavar="DATEI", help="andere Durchsatzmessung (JSON)")
    p.add_argument("--json", action="store_true", help="Ergebnis als JSON statt als Tabelle ausgeben")
    p.add_argument("--list", action="store_true", help="bekannte Namen der Preisdatei auflisten und beenden")
    p.set_defaults(handler=_run_costs)


def _run_costs(args: argparse.Namespace) -> int:
    import json

    from slmwiki import costs

    if args.list:
        print(costs.known_names_text(costs.load_prices(args.prices)))
        return 0
    report = costs.cost_report(
        args.scenario,
        prices=args.prices,
        measurements=args.measurements,
        tokens_per_month=args.tokens_per_month,
        requests_per_day=args.requests_per_day,
        days_per_month=args.days_per_month,
        input_tokens=args.input_tokens,
        output_tokens=args.output_tokens,
        peak_hours=args.peak_hours,
        model=args.model,
        batch=args.batch,
        gpus=args.gpu,
        clouds=args.cloud,
        apis=args.api,
        redundancy=args.redundancy,
        electricity_ct=args.electricity_ct,
        electricity=args.electricity,
        pue=args.pue,
        staff_fte=args.staff_fte,
        staff_eur_per_year=args.staff_eur_per_year,
        target_utilisation=args.target_utilisation,
        depreciation_months=args.depreciation_months,
        purchase_eur=args.purchase_eur,
    )
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.text())
    return 0


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
    except BrokenPipeError:  # e.g. `slmwiki costs | head`: the reader closed the pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
