"""Ausgabe der Kostenrechnung: deutsche Tabelle und Fazit für `slmwiki costs`, JSON für `--json`.

Geldbeträge rundet das Modul kaufmännisch: in Tabellen auf ganze Euro, im JSON auf Cent (als Zeichenkette mit
Dezimalpunkt) und zusätzlich auf ganze Euro (`…_rounded`). Anfragen je Tag erscheinen als ganze Zahlen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from slmwiki.costs.prices import PriceData, load_prices
from slmwiki.costs.scenarios import KIND_API, KIND_OWN, Evaluation, OptionResult, evaluate, settings_for
from slmwiki.costs.throughput import Measurements, load_measurements
from slmwiki.formatting import eur, number

__all__ = [
    "CostReport",
    "break_even_cell",
    "cost_report",
    "euros",
    "known_names_text",
    "money",
    "rounded",
    "verdict",
]


def rounded(value: float) -> int:
    """Kaufmännisch auf eine ganze Zahl gerundet (vom exakten Gleitkommawert aus, wie `Intl.NumberFormat`)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money(value: float | None) -> str | None:
    """Betrag auf Cent als Zeichenkette mit Dezimalpunkt, z. B. „1234.56“; `None` bleibt `None`."""
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def euros(value: float | None) -> str:
    """Betrag auf ganze Euro, deutsch formatiert („1.235 €“), oder „–“."""
    return "–" if value is None else eur(rounded(value), 0)


def break_even_cell(option: OptionResult) -> str:
    """Zelle „Break-even“ (wie der Rechner auf der Seite): „ab … Anfragen/Tag“, „keiner“ oder Kaufpreisgrenze."""
    if option.kind == KIND_API or option.gpus is None:
        return "–"
    if option.monthly_eur is None:
        if option.max_purchase_eur is None:
            return "keiner"
        return f"lohnt bis {euros(option.max_purchase_eur)} je Server"
    if option.break_even_requests_per_day is None:
        return "keiner"
    return f"ab {number(rounded(option.break_even_requests_per_day))} Anfragen/Tag"


def verdict(evaluation: Evaluation) -> str:
    """Fazit in einem Satz: günstigste Option und Break-even der günstigsten eigenen Hardware."""
    w = evaluation.settings.workload
    priced = [o for o in evaluation.options if o.monthly_eur is not None]
    best = min(priced, key=lambda o: o.monthly_eur)
    text = f"Günstigste Option bei {number(rounded(w.requests_per_day))} Anfragen je Tag: {best.label} mit rund {euros(best.monthly_eur)} je Monat."
    own = [o for o in priced if o.kind == KIND_OWN]
    if own and best.kind != KIND_OWN:
        cheapest_own = min(own, key=lambda o: o.monthly_eur)
        own_label = cheapest_own.label.removesuffix(" (eigener Server)")
        api = evaluation.cheapest_api
        if cheapest_own.break_even_requests_per_day is None:
            text += f" Ein eigener Server ({own_label}) erreicht gegenüber {api.label} keinen Break-even."
        else:
            text += (
                f" Ein eigener Server ({own_label}) wird gegenüber {api.label} ab rund "
                f"{number(rounded(cheapest_own.break_even_requests_per_day))} Anfragen je Tag günstiger."
            )
    return text


@dataclass(frozen=True)
class CostReport:
    """Ergebnis von `cost_report`: Rechnung, Tabelle und JSON."""

    evaluation: Evaluation
    data: PriceData
    measurements: Measurements

    def text(self) -> str:
        """Tabelle und Fazit für die Kommandozeile."""
        s = self.evaluation.settings
        w, op = s.workload, s.operation
        scenario = self.data.scenario(s.scenario).label if s.scenario else "eigene Angaben"
        lines = [
            f"Ausgangslage: {scenario}",
            (
                f"Last: {number(w.requests_per_day)} Anfragen je Tag × {number(w.days_per_month, 1)} Tage = "
                f"{number(rounded(w.requests_per_month))} Anfragen je Monat; je Anfrage {number(w.input_tokens)} "
                f"Eingabe- und {number(w.output_tokens)} Ausgabe-Tokens; Spitzenzeit {number(w.peak_hours, 1)} h je Tag"
            ),
            (
                f"Modell {s.model}, {s.batch} Anfragen gleichzeitig; Strom {number(op.electricity_ct_per_kwh, 2)} ct/kWh, "
                f"PUE {number(op.pue, 2)}; Personal {number(op.staff_fte, 2)} Stellen × {eur(op.staff_eur_per_year, 0)} "
                f"je Jahr; Ausfallreserve: {'ja' if s.redundancy else 'nein'}"
            ),
            "",
        ]
        rows = [("Option", "Art", "GPUs", "Kosten je Monat", "Break-even ggü. günstigster API", "Hinweis")]
        for o in self.evaluation.options:
            rows.append(
                (
                    o.label + (" (abgeleitet)" if o.derived else ""),
                    o.kind,
                    "–" if o.gpus is None else str(o.gpus),
                    euros(o.monthly_eur),
                    break_even_cell(o),
                    o.note,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            lines.append("  ".join(c.ljust(widths[i]) if i < 5 else c for i, c in enumerate(r)).rstrip())
        lines += ["", "Fazit: " + verdict(self.evaluation)]
        lines.append(
            f"Durchsatz: gemessen auf {self.measurements.gpu_name} ({self.measurements.stand}, zufällige Gewichte, "
            f"{self.measurements.dtype}); „abgeleitet“ = mit der Roofline-Regel übertragen."
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Maschinenlesbares Ergebnis (für `--json`)."""
        s = self.evaluation.settings
        w, op = s.workload, s.operation
        return {
            "scenario": s.scenario,
            "workload": {
                "requests_per_day": w.requests_per_day,
                "days_per_month": w.days_per_month,
                "input_tokens": w.input_tokens,
                "output_tokens": w.output_tokens,
                "peak_hours": w.peak_hours,
                "requests_per_month": w.requests_per_month,
                "tokens_per_month": w.tokens_per_month,
            },
            "settings": {
                "model": s.model,
                "batch": s.batch,
                "redundancy": s.redundancy,
                "electricity_ct_per_kwh": op.electricity_ct_per_kwh,
                "pue": op.pue,
                "hours_per_month": op.hours_per_month,
                "target_utilisation": op.target_utilisation,
                "staff_fte": op.staff_fte,
                "staff_eur_per_year": op.staff_eur_per_year,
                "depreciation_months": op.depreciation_months,
                "purchase_eur": s.purchase_eur,
            },
            "options": [
                {
                    "key": o.key,
                    "label": o.label,
                    "kind": o.kind,
                    "gpus": o.gpus,
                    "monthly_eur": money(o.monthly_eur),
                    "monthly_eur_rounded": None if o.monthly_eur is None else rounded(o.monthly_eur),
                    "parts": {k: money(v) for k, v in o.parts.items()},
                    "break_even_requests_per_day": (
                        None
                        if o.break_even_requests_per_day is None
                        else rounded(o.break_even_requests_per_day)
                    ),
                    "max_purchase_eur": money(o.max_purchase_eur),
                    "derived": o.derived,
                    "note": o.note,
                }
                for o in self.evaluation.options
            ],
            "cheapest_api": self.evaluation.cheapest_api.key,
            "verdict": verdict(self.evaluation),
            "measurements": {"gpu": self.measurements.gpu_name, "stand": self.measurements.stand},
        }


def cost_report(
    scenario: str | None = None,
    *,
    prices: str | Path | PriceData | None = None,
    measurements: str | Path | Measurements | None = None,
    tokens_per_month: object = None,
    **overrides: Any,
) -> CostReport:
    """Rechnet ein Szenario mit eigenen Angaben durch (dieselbe Rechnung wie `slmwiki costs`).

    Args:
        scenario: Name eines Szenarios der Preisdatei; `None` = Voreinstellung.
        prices: Preisdatei (Pfad oder geladen); `None` = `data/prices.yaml`.
        measurements: Durchsatzmessung (Pfad oder geladen); `None` = `benchmarks/results/gpu_inference.json`.
        tokens_per_month: Alternativ zum Volumen in Anfragen: Tokens je Monat (Eingabe und Ausgabe), daraus
            Anfragen je Tag = Tokens / (Tage × Tokens je Anfrage).
        **overrides: Weitere Angaben für `settings_for` (z. B. ``requests_per_day=1000``).

    Returns:
        Den Bericht.
    """
    data = prices if isinstance(prices, PriceData) else load_prices(prices)
    meas = measurements if isinstance(measurements, Measurements) else load_measurements(measurements)
    settings = settings_for(data, scenario, **overrides)
    if tokens_per_month is not None:
        from slmwiki.costs import validation
        from slmwiki.costs.scenarios import with_workload
        from slmwiki.errors import ConfigError

        if overrides.get("requests_per_day") is not None:
            raise ConfigError(
                "Geben Sie entweder „--tokens-per-month“ oder „--requests-per-day“ an, nicht beides."
            )
        tokens = validation.positive("tokens_per_month", tokens_per_month)
        w = settings.workload
        settings = with_workload(
            settings, requests_per_day=tokens / (w.days_per_month * (w.input_tokens + w.output_tokens))
        )
    return CostReport(evaluate(data, meas, settings), data, meas)


def known_names_text(data: PriceData) -> str:
    """Liste der Namen, die `slmwiki costs` versteht (für `--list`)."""
    parts = [
        ("Szenarien (--scenario)", {k: v.label for k, v in data.scenarios.items()}),
        ("Grafikkarten (--gpu)", {k: v.label for k, v in data.gpus.items()}),
        ("Cloud-GPUs (--cloud)", {k: v.label for k, v in data.cloud.items()}),
        ("APIs (--api)", {k: f"{v.label} ({v.region})" for k, v in data.apis.items()}),
        ("Strompreise (--electricity)", {k: v.label for k, v in data.electricity.items()}),
    ]
    lines = []
    for title, names in parts:
        lines.append(f"{title}:")
        lines += [f"  {key:<28} {label}" for key, label in names.items()]
    return "\n".join(lines)
