"""Wirtschaftlichkeitsrechnung: eigenes Small Language Model, gemietete Cloud-GPU oder API.

Das Paket beantwortet für eine Last in betrieblichen Einheiten (Anfragen je Tag, Tokens je Anfrage), was der
Betrieb eines Modells je Monat kostet – auf eigener Hardware, auf gemieteten GPUs oder über eine API – und ab
welchem Volumen sich eigene Hardware lohnt. Es ist nach Aufgaben gegliedert:

- `slmwiki.costs.prices`: Preisdatei `data/prices.yaml` laden und prüfen (Quelle und Stand je Eintrag);
- `slmwiki.costs.throughput`: gemessener Durchsatz (Prefill und Decode, mehrere Batchgrößen) und seine
  Übertragung auf andere Grafikkarten mit der Roofline-Regel;
- `slmwiki.costs.model`: die Formeln (Kosten je Monat, GPUs, Break-even);
- `slmwiki.costs.scenarios`: Eingaben zusammensetzen und alle Optionen durchrechnen;
- `slmwiki.costs.report`: Tabelle, Fazit und JSON für `slmwiki costs`;
- `slmwiki.costs.calculator`: die Parameter für den Rechner auf der Seite „Wirtschaftlichkeit“.

Das Paket importiert weder torch noch transformers.

Beispiel:

    >>> from slmwiki.costs.model import ApiPrice, Workload, api_cost
    >>> w = Workload(requests_per_day=1000, days_per_month=20, input_tokens=1000, output_tokens=500, peak_hours=8)
    >>> api_cost(w, ApiPrice("Beispiel-API", input_eur_per_million=1, output_eur_per_million=2))
    40.0
"""

from __future__ import annotations

from slmwiki.costs.model import ApiPrice, Node, Operation, Rental, Workload, api_cost, own_cost, rental_cost
from slmwiki.costs.prices import PriceData, default_prices_path, load_prices
from slmwiki.costs.report import CostReport, cost_report, known_names_text
from slmwiki.costs.scenarios import Evaluation, OptionResult, Settings, evaluate, settings_for
from slmwiki.costs.throughput import Measurements, Throughput, load_measurements, throughput

__all__ = [
    "ApiPrice",
    "CostReport",
    "Evaluation",
    "Measurements",
    "Node",
    "Operation",
    "OptionResult",
    "PriceData",
    "Rental",
    "Settings",
    "Throughput",
    "Workload",
    "api_cost",
    "cost_report",
    "default_prices_path",
    "evaluate",
    "known_names_text",
    "load_measurements",
    "load_prices",
    "own_cost",
    "rental_cost",
    "settings_for",
    "throughput",
]
