"""Parameter für den Kostenrechner auf der Seite „Wirtschaftlichkeit“ (eine Quelle für Seite und CLI).

`calculator_data` exportiert beim Bauen der Seite alles, was der Rechner im Browser braucht: Preise in Euro,
Leistungsaufnahme, Kaufpreise und den Durchsatz je Karte, Modell und Batchgröße – bereits mit derselben
Funktion `slmwiki.costs.throughput.throughput` berechnet, die auch `slmwiki costs` nutzt. Das Skript
`docs/assets/javascripts/kostenrechner.js` rechnet damit die Formeln aus `slmwiki.costs.model` in derselben
Reihenfolge nach; es lädt nichts nach und braucht keinen Server.
"""

from __future__ import annotations

from typing import Any

from slmwiki.costs.prices import PriceData
from slmwiki.costs.scenarios import hardware_for, node_for, reference_gpu, rental_for
from slmwiki.costs.throughput import Measurements
from slmwiki.errors import ConfigError

__all__ = ["calculator_data"]

#: Anzeigenamen der gemessenen Modelle.
MODEL_LABELS = {"gemma-3-1b": "Gemma 3 1B", "gemma-3-4b": "Gemma 3 4B"}


def _rates(
    fn, data: PriceData, measurements: Measurements, name: str
) -> dict[str, dict[str, list[float] | None]]:
    out: dict[str, dict[str, list[float] | None]] = {}
    for model, entry in measurements.models.items():
        out[model] = {}
        for batch in sorted(set(entry.prefill) & set(entry.decode)):
            try:
                thing, _ = fn(data, measurements, name, model, batch)
            except ConfigError:
                out[model][str(batch)] = None
                continue
            out[model][str(batch)] = [thing.prefill_tokens_per_s, thing.decode_tokens_per_s]
    return out


def calculator_data(data: PriceData, measurements: Measurements) -> dict[str, Any]:
    """Alle Parameter des Rechners als JSON-fähiges Wörterbuch.

    Args:
        data: Preisdaten.
        measurements: Durchsatzmessung.

    Returns:
        Ein Wörterbuch mit den Schlüsseln ``models``, ``batches``, ``gpus``, ``clouds``, ``apis``,
        ``operation``, ``scenarios`` und ``default_scenario``.
    """
    reference = reference_gpu(data, measurements)
    gpus = {}
    for name in data.defaults["gpus"]:
        spec = data.gpu(name)
        hw = hardware_for(data, name)
        gpus[name] = {
            **hw,
            "derived": name != reference,
            "consumer": spec.consumer,
            "rates": _rates(node_for, data, measurements, name),
        }
    clouds = {}
    for name in data.defaults["cloud"]:
        offer = data.cloud_offer(name)
        clouds[name] = {
            "label": offer.label,
            "eur_per_hour": offer.eur_per_hour,
            "rates": _rates(rental_for, data, measurements, name),
        }
    apis = {
        name: {
            "label": data.api(name).label,
            "input_eur_per_million": data.api(name).input_eur_per_million,
            "output_eur_per_million": data.api(name).output_eur_per_million,
            "region": data.api(name).region,
        }
        for name in data.defaults["api"]
    }
    batches = sorted({b for m in measurements.models.values() for b in set(m.prefill) & set(m.decode)})
    return {
        "models": {name: MODEL_LABELS.get(name, name) for name in measurements.models},
        "batches": batches,
        "gpus": gpus,
        "clouds": clouds,
        "apis": apis,
        "operation": {
            "electricity_ct_per_kwh": data.electricity_price(data.defaults["electricity"]).ct_per_kwh,
            "pue": data.assumption("pue"),
            "hours_per_month": data.assumption("hours_per_month"),
            "target_utilisation": data.assumption("target_utilisation"),
            "staff_fte": data.assumption("staff_fte"),
            "staff_eur_per_year": data.assumption("staff_eur_per_year"),
            "depreciation_months": data.assumption("depreciation_months"),
        },
        "scenarios": {
            name: {
                "label": s.label,
                "requests_per_day": s.requests_per_day,
                "days_per_month": s.days_per_month,
                "input_tokens": s.input_tokens,
                "output_tokens": s.output_tokens,
                "peak_hours": s.peak_hours,
                "model": s.model,
                "batch": s.batch,
                "redundancy": s.redundancy,
            }
            for name, s in data.scenarios.items()
        },
        "default_scenario": data.defaults["scenario"],
    }
