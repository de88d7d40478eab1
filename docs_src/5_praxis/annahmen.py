"""Tabellen „Durchsatz“ und „Annahmen und Quellen“ der Seite „Wirtschaftlichkeit“ (Kapitel 5).

Das Skript definiert Funktionen; jeder Block der Seite ruft eine davon auf. Die Werte kommen aus
`data/prices.yaml` (mit Quelle, Stand und Art je Eintrag) und `benchmarks/results/gpu_inference.json`.
"""

from __future__ import annotations

from slmwiki.costs import load_measurements, load_prices
from slmwiki.costs.calculator import MODEL_LABELS
from slmwiki.costs.prices import Source
from slmwiki.costs.scenarios import reference_gpu
from slmwiki.costs.throughput import throughput
from slmwiki.formatting import eur, number

DATA = load_prices()
MEASUREMENTS = load_measurements()
REFERENCE = DATA.gpu(reference_gpu(DATA, MEASUREMENTS))


def _source(source: Source) -> str:
    text = source.text.replace("|", "/")
    link = f"[{text}]({source.url})" if source.url else text
    extra = f" Herleitung: {source.basis}" if source.basis else ""
    note = f" {source.note}" if source.note else ""
    checked = "" if source.verified or source.kind == "schaetzung" else " (nur über eine Wiedergabe geprüft)"
    return (link + checked + extra + note).replace("\n", " ").replace("|", "/")


_VARIANTS = {
    "eager": "ohne Kompilierung",
    "static_cudagraphs": "statischer Cache, CUDA Graphs",
    "static_inductor": "statischer Cache, torch.compile",
}


def measured_table() -> None:
    """Gemessener Durchsatz auf der Messkarte: Prefill und Decode je Modell, Batchgröße und Variante."""
    m = MEASUREMENTS
    print(
        f"Gemessen am {m.stand} auf einer {m.gpu_name} mit transformers `generate` ({m.dtype}, zufällige "
        "Gewichte mit der Architektur des Modells – gleiche Rechenmenge und gleicher Speicherbedarf wie die echten "
        "Gewichte), Eingabe 1.024 Tokens je Anfrage. Fett: die schnellste Decode-Variante je Batchgröße, mit der "
        "die Kostenrechnung arbeitet.\n"
    )
    print(
        "| Modell | Batch | Prefill: Tokens/s | Decode-Variante | Decode: Tokens/s (alle Anfragen) | je Anfrage | Schritt |"
    )
    print("|---|---:|---:|---|---:|---:|---:|")
    for name, model in m.models.items():
        for point in sorted(model.decode_all, key=lambda p: (p.batch, p.variant)):
            best = model.decode[point.batch] is point
            pre = model.prefill.get(point.batch)
            rate = number(point.tokens_per_s)
            print(
                f"| {MODEL_LABELS.get(name, name)} | {point.batch} | {number(pre.tokens_per_s) if pre else '–'} | "
                f"{_VARIANTS.get(point.variant, point.variant)} | {f'**{rate}**' if best else rate} | "
                f"{number(point.per_request_tokens_per_s, 1)} | {number(point.step_ms, 1)} ms |"
            )
    print(
        f"\nAuf derselben Karte gemessen: Matrixmultiplikation in bf16 {number(m.bf16_matmul_tflops)} TFLOPS, "
        f"Kopierbandbreite {number(m.copy_bandwidth_gb_s)} GB/s. Die Decode-Schritte liegen weit über der Zeit, "
        "die das Lesen der Gewichte bei dieser Bandbreite braucht: `generate` ist durch den Aufwand je Schritt "
        "begrenzt. Spezialisierte Inferenzserver erreichen mehr; die Rechnung ist für eigene Hardware damit vorsichtig."
    )


def derived_table() -> None:
    """Übertragener Durchsatz je Karte (Roofline-Regel) für beide Modelle und alle Batchgrößen."""
    print(
        "| Karte | Speicher | Bandbreite | bf16 dicht | Modell | Prefill / Decode (Batch 1) | Prefill / Decode (Batch 8) | Prefill / Decode (Batch 32) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for name in dict.fromkeys(
        [REFERENCE.name, *DATA.defaults["gpus"], *(c.gpu for c in DATA.cloud.values())]
    ):
        spec = DATA.gpu(name)
        for model in MEASUREMENTS.models:
            cells = []
            for batch in (1, 8, 32):
                try:
                    t = throughput(MEASUREMENTS, model, spec, REFERENCE, batch)
                except Exception:  # noqa: BLE001 – Batchgröße nicht gemessen oder Modell passt nicht
                    cells.append("–")
                    continue
                cells.append(f"{number(t.prefill_tokens_per_s)} / {number(t.decode_tokens_per_s)}")
            kind = "gemessen" if name == REFERENCE.name else "abgeleitet"
            print(
                f"| {spec.label} ({kind}) | {number(spec.memory_gb)} GB | {number(spec.bandwidth_gb_s)} GB/s | "
                f"{number(spec.bf16_dense_tflops)} TFLOPS | {MODEL_LABELS.get(model, model)} | "
                + " | ".join(cells)
                + " |"
            )


def hardware_table() -> None:
    """Grafikkarten und Server: Preis, Leistungsaufnahme, Quelle."""
    print("| Gerät | Preis netto | Last / Leerlauf | Art | Stand | Quelle |")
    print("|---|---:|---:|---|---|---|")
    for name in dict.fromkeys([*DATA.defaults["gpus"], REFERENCE.name]):
        g = DATA.gpu(name)
        price = eur(g.price_eur_net) if g.price_eur_net is not None else "nicht belegt"
        print(
            f"| {g.label} | {price} | {number(g.power_w)} W / {number(g.idle_w)} W | {g.source.kind_german} | "
            f"{g.source.as_of_german} | {_source(g.source)} |"
        )
    for server in DATA.servers.values():
        print(
            f"| {server.label} | {eur(server.price_eur_net)} | +{number(server.load_extra_w)} W / {number(server.idle_w)} W | "
            f"{server.source.kind_german} | {server.source.as_of_german} | {_source(server.source)} |"
        )


def offers_table() -> None:
    """Gemietete GPUs und APIs mit Preisen in Originalwährung und in Euro."""
    rate = DATA.exchange_rates["USD"]
    print("| Angebot | Preis | in Euro | Verarbeitung | Stand | Quelle |")
    print("|---|---|---:|---|---|---|")
    for c in DATA.cloud.values():
        print(
            f"| {c.label} | {number(c.price_per_hour, 2)} {c.currency}/h | {eur(c.eur_per_hour)}/h | – | "
            f"{c.source.as_of_german} | {_source(c.source)} |"
        )
    for a in DATA.apis.values():
        original = f"{number(a.input_per_million, 3)} / {number(a.output_per_million, 3)} {a.currency}"
        in_eur = f"{number(a.input_eur_per_million, 3)} / {number(a.output_eur_per_million, 3)} €"
        print(
            f"| {a.label} | {original} je 1 Mio. Tokens (Eingabe / Ausgabe) | {in_eur} | {a.region} | "
            f"{a.source.as_of_german} | {_source(a.source)} |"
        )
    print(
        f"\nUS-Dollar-Preise umgerechnet mit 1 EUR = {number(rate.units_per_eur, 4)} USD "
        f"({rate.source.as_of_german}; {_source(rate.source)})."
    )


def operation_table() -> None:
    """Strom und Betriebsannahmen."""
    print("| Größe | Wert | Art | Stand | Quelle oder Herleitung |")
    print("|---|---:|---|---|---|")
    for e in DATA.electricity.values():
        print(
            f"| {e.label} | {number(e.ct_per_kwh, 2)} ct/kWh | {e.source.kind_german} | {e.source.as_of_german} | "
            f"{_source(e.source)} |"
        )
    for a in DATA.assumptions.values():
        if a.unit == "€/Jahr":
            value = eur(a.value, 0) + " je Jahr"
        elif a.unit == "Anteil":
            value = f"{number(a.value * 100)} %"
        else:
            value = f"{number(a.value, 2 if a.value % 1 else 0)} {a.unit}"
        print(
            f"| {a.label} | {value} | {a.source.kind_german} | {a.source.as_of_german} | "
            f"{_source(a.source) if a.source.url else a.source.basis} |"
        )
    licence = DATA.licences.get("geforce")
    if licence:
        print(f"\nGeForce-Karten: {_source(licence)}")
