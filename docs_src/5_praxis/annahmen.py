"""Tabellen der Annahmen und Quellen aus `data/prices.yaml` (Kapitel 5, Wirtschaftlichkeit).

Das Skript definiert nur Funktionen; jeder Block der Seite ruft eine davon auf. Jede Zeile zeigt Wert, Stand,
Quelle und ob der Wert geprüft ist (`verified` in der Preisdatei).
"""

from __future__ import annotations

from decimal import Decimal

from slmwiki.costs import Source, load_prices
from slmwiki.formatting import eur, number, percent

DATA = load_prices()


def _money(value: Decimal) -> str:
    """Originalpreis mit so vielen Nachkommastellen wie nötig (mindestens zwei)."""
    digits = max(2, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return number(value, digits)


def _source(source: Source) -> str:
    link = f"[{source.source}]({source.url})" if source.url else source.source
    return link + (f" – *{source.note}*" if source.note else "")


def _checked(source: Source) -> str:
    return "ja" if source.verified else "**nein**"


def gpu_table() -> None:
    """Kaufpreise und Leistungsaufnahme der Grafikkarten."""
    print(
        "| Grafikkarte | Speicher | Preis | in Euro | Leistung | Art des Preises | Stand | Quelle | geprüft |"
    )
    print("|---|---:|---:|---:|---:|---|---|---|---|")
    for gpu in DATA.gpus.values():
        print(
            f"| {gpu.label} | {number(gpu.vram_gb)} GB | {_money(gpu.price)} {gpu.currency} | {eur(gpu.price_eur)} | "
            f"{number(gpu.power_w)} W | {gpu.price_kind} | {gpu.source.as_of_german} | {_source(gpu.source)} | "
            f"{_checked(gpu.source)} |"
        )


def cloud_table() -> None:
    """Stundenpreise der Cloud-GPUs."""
    print("| Angebot | Preis je Stunde (Instanz) | GPUs | in Euro je GPU-Stunde | Stand | Quelle | geprüft |")
    print("|---|---:|---:|---:|---|---|---|")
    for cloud in DATA.clouds.values():
        print(
            f"| {cloud.label} | {_money(cloud.instance_price_per_hour)} {cloud.currency} | {cloud.gpus} | "
            f"{eur(cloud.price_per_gpu_hour_eur)} | {cloud.source.as_of_german} | {_source(cloud.source)} | "
            f"{_checked(cloud.source)} |"
        )


def api_table() -> None:
    """Token-Preise der APIs."""
    print(
        "| API | Eingabe je 1 Mio. | Ausgabe je 1 Mio. | in Euro (Eingabe / Ausgabe) | Stand | Quelle | geprüft |"
    )
    print("|---|---:|---:|---:|---|---|---|")
    for api in DATA.apis.values():
        print(
            f"| {api.label} | {_money(api.input_per_million)} {api.currency} | "
            f"{_money(api.output_per_million)} {api.currency} | "
            f"{eur(api.input_eur_per_million, 3)} / {eur(api.output_eur_per_million, 3)} | "
            f"{api.source.as_of_german} | {_source(api.source)} | {_checked(api.source)} |"
        )


def electricity_table() -> None:
    """Strompreise und Wechselkurs."""
    default = DATA.electricity_price().name
    print("| Angabe | Wert | Stand | Quelle | geprüft |")
    print("|---|---:|---|---|---|")
    for price in DATA.electricity.values():
        marker = " (Voreinstellung)" if price.name == default else ""
        print(
            f"| {price.label}{marker} | {number(price.ct_per_kwh, 2)} ct/kWh | {price.source.as_of_german} | "
            f"{_source(price.source)} | {_checked(price.source)} |"
        )
    for rate in DATA.exchange_rates.values():
        print(
            f"| Wechselkurs EUR/{rate.currency} | 1 EUR = {number(rate.units_per_eur, 4)} {rate.currency} | "
            f"{rate.source.as_of_german} | {_source(rate.source)} | {_checked(rate.source)} |"
        )


_KIND = {"annahme": "Annahme", "messung": "eigene Messung", "quelle": "Quelle"}


def throughput_table() -> None:
    """Durchsatzwerte je Modell (alle Hardwareklassen in einer Zeile, die Begründung einmal)."""
    models: dict[str, list] = {}
    for entry in DATA.throughput.values():
        models.setdefault(entry.model, []).append(entry)
    print("| Modell | Tokens/s je Hardware | Art | Begründung | Stand |")
    print("|---|---|---|---|---|")
    for entries in models.values():
        kinds = sorted({_KIND[e.kind] for e in entries})
        values = "; ".join(f"{e.hardware}: {number(e.tokens_per_s)}" for e in entries)
        bases = list(dict.fromkeys(e.basis for e in entries))
        dates = sorted({e.source.as_of_german for e in entries if e.source})
        print(
            f"| {entries[0].model_label} | {values} | **{', '.join(kinds)}** | {' / '.join(bases)} | "
            f"{', '.join(dates)} |"
        )


def assumption_table() -> None:
    """Rechenannahmen (keine Marktpreise)."""
    print("| Annahme | Wert | Begründung | Stand |")
    print("|---|---:|---|---|")
    for item in DATA.assumptions.values():
        if item.unit == "Anteil":
            value = percent(item.value, 0)
        elif item.unit == "€/Monat":
            value = eur(item.value)
        else:
            value = f"{number(item.value)} {item.unit}"
        date = Source("", "", item.as_of, True).as_of_german
        print(f"| {item.label} | {value} | {item.basis} | {date} |")
