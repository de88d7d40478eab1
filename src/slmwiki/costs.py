"""Wirtschaftlichkeitsrechnung: eigenes Small Language Model, gemietete Cloud-GPU oder API.

Das Modul beantwortet die Frage, ab welchem monatlichen Token-Volumen sich eigene Hardware gegenüber einer
gemieteten GPU oder einer bezahlten API lohnt. Es kennt drei Arten von Szenarien:

- `OwnHardware`: eigene Hardware mit Kaufpreis, Abschreibung, Stromverbrauch, Auslastung und Durchsatz;
- `CloudGPU`: gemietete GPU mit Stundenpreis, abgerechnet nach Verbrauch oder als feste Stundenzahl;
- `ApiPricing`: Preis je 1 Mio. Eingabe- und Ausgabe-Token und das Verhältnis der beiden.

Jedes Szenario lässt sich auf eine affine Kostenfunktion $K(V) = F + m \\cdot V$ im monatlichen Volumen $V$
zurückführen (`CostLine`), gültig bis zu einer Kapazitätsgrenze. Daraus folgen Kosten je Monat und je
1 Mio. Tokens, der Break-even zweier Szenarien und Sensitivitäten. Geldbeträge sind `Decimal`; gerundet wird
erst bei der Ausgabe (kaufmännisch, über `slmwiki.formatting`).

Preise, Stromkosten, Wechselkurs und Durchsatzannahmen stehen mit Quelle und Datum in `data/prices.yaml`
und werden mit `load_prices` geladen und geprüft.

Eigene Durchsatzmessungen lassen sich einbinden: Jede JSON-Datei in `benchmarks/results/`, die einen
Schlüssel ``"throughput_for_costs"`` mit einer Liste von Einträgen der Form
``{"model": "gemma-3-1b", "hardware": "h100", "tokens_per_s": 1234.5, "date": "2026-11-27",
"source": "benchmarks/…"}`` enthält, ersetzt die Annahme für dieses Paar aus Modell und Hardware
(`load_prices(..., measurements_dir=...)`).

Dieses Modul importiert weder torch noch transformers.

Beispiel:

    >>> from slmwiki.costs import ApiPricing, monthly_cost
    >>> from slmwiki.formatting import round_money
    >>> api = ApiPricing("Beispiel-API", input_eur_per_million=1, output_eur_per_million=3, input_share=0.5)
    >>> round_money(monthly_cost(api, 10_000_000))
    Decimal('20.00')
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from slmwiki.errors import ConfigError, DataError, closest_names

__all__ = [
    "HOURS_PER_MONTH_MAX",
    "SECONDS_PER_HOUR",
    "ApiPrice",
    "ApiPricing",
    "Assumption",
    "BreakEven",
    "CapacityError",
    "CloudGPU",
    "CloudPrice",
    "Comparison",
    "CostLine",
    "CostReport",
    "ElectricityPrice",
    "Evaluation",
    "ExchangeRate",
    "FinetuneCost",
    "GpuPrice",
    "OwnHardware",
    "PriceData",
    "Scenario",
    "SensitivityPoint",
    "Source",
    "Throughput",
    "break_even_volume",
    "capacity_tokens",
    "compare",
    "comparison_dict",
    "comparison_text",
    "cost_line",
    "cost_per_million",
    "cost_report",
    "default_prices_path",
    "evaluate",
    "finetune_run_cost",
    "known_names_text",
    "load_prices",
    "monthly_cost",
    "parse_option",
    "sensitivity",
    "training_hours",
]

#: Sekunden je Stunde.
SECONDS_PER_HOUR = Decimal(3600)
#: Größte sinnvolle Zahl an Betriebsstunden je Monat (31 Tage × 24 h).
HOURS_PER_MONTH_MAX = 744
_MILLION = Decimal(1_000_000)
_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    """Zeigt einen Wert für Fehlermeldungen (Decimal ohne Klassennamen)."""
    return str(value) if isinstance(value, Decimal) else repr(value)


def _number(name: str, value: object) -> Decimal:
    """Wandelt eine endliche Zahl (int, float, Decimal) in `Decimal` um, sonst `ConfigError`."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ConfigError(f"„{name}“ muss eine Zahl sein, erhalten: {_shown(value)}.")
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise ConfigError(f"„{name}“ muss eine endliche Zahl sein, erhalten: {_shown(value)}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ConfigError(f"„{name}“ muss eine endliche Zahl sein, erhalten: {_shown(value)}.")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _non_negative(name: str, value: object) -> Decimal:
    number = _number(name, value)
    if number < 0:
        raise ConfigError(f"„{name}“ darf nicht negativ sein, erhalten: {_shown(value)}.")
    return number


def _positive(name: str, value: object) -> Decimal:
    number = _number(name, value)
    if number <= 0:
        raise ConfigError(f"„{name}“ muss größer als 0 sein, erhalten: {_shown(value)}.")
    return number


def _share(name: str, value: object, *, allow_zero: bool) -> Decimal:
    number = _number(name, value)
    low_ok = number >= 0 if allow_zero else number > 0
    if not low_ok or number > 1:
        bound = "zwischen 0 und 1" if allow_zero else "größer als 0 und höchstens 1"
        raise ConfigError(f"„{name}“ muss {bound} liegen (Anteil, 1 = 100 %), erhalten: {_shown(value)}.")
    return number


def _hours(name: str, value: object) -> Decimal:
    number = _positive(name, value)
    if number > HOURS_PER_MONTH_MAX:
        raise ConfigError(
            f"„{name}“ darf höchstens {HOURS_PER_MONTH_MAX} Stunden je Monat betragen (31 Tage × 24 h), "
            f"erhalten: {_shown(value)}."
        )
    return number


def _label(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"„label“ muss ein nicht leerer Text sein, erhalten: {_shown(value)}.")
    return value


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _volume(name: str, value: object) -> Decimal:
    return _non_negative(name, value)


def _scientific(value: Decimal | float) -> str:
    """Sehr große Zahlen in deutscher Exponentenschreibweise, z. B. „2,246E+135“."""
    return f"{Decimal(str(value)):.3E}".replace(".", ",")


def _fmt_number(value: Decimal | float, digits: int = 0) -> str:
    """Wie `slmwiki.formatting.number`, aber ohne Ausnahme bei Zahlen jenseits der Dezimalgenauigkeit."""
    from slmwiki.formatting import number

    try:
        return number(value, digits)
    except InvalidOperation:
        return _scientific(value)


def _fmt_int(value: Decimal | float) -> str:
    return _fmt_number(value, 0)


def _fmt_eur(value: Decimal) -> str:
    """Wie `slmwiki.formatting.eur`, aber ohne Ausnahme bei astronomisch großen Beträgen."""
    from slmwiki.formatting import eur

    try:
        return eur(value)
    except InvalidOperation:
        return f"{_scientific(value)}\xa0€"


# --------------------------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnHardware:
    """Eigene Hardware (z. B. ein Rechner mit Grafikkarte), die ein SLM im eigenen Haus betreibt.

    Kosten je Monat bei einem Volumen von $V$ Tokens: Abschreibung + Wartung/Gemeinkosten + Strom im Leerlauf
    über alle Betriebsstunden + zusätzlicher Strom unter Last für die Rechenzeit $V / (3600 \\cdot r)$.
    Das Gerät schafft höchstens $r \\cdot 3600 \\cdot H \\cdot u$ Tokens im Monat; darüber hinaus rechnet
    das Modul nicht stillschweigend weiter, sondern meldet die Kapazitätsgrenze.
    """

    label: str
    """Anzeigename, z. B. „RTX 4090 (eigene Hardware)“."""
    purchase_price_eur: Decimal
    """Kaufpreis in Euro (einmalig), wird linear über `depreciation_months` abgeschrieben; 0 für vorhandene
    Geräte."""
    depreciation_months: int
    """Abschreibungsdauer in Monaten (ganze Zahl größer als 0)."""
    power_w: float
    """Leistungsaufnahme unter Last in Watt (W), z. B. die Board-Power der Grafikkarte."""
    utilisation: float
    """Erreichbare Auslastung als Anteil 0 < u ≤ 1: der Teil der Betriebsstunden, in dem das Gerät tatsächlich
    mit vollem Durchsatz rechnen kann (Lastspitzen und Leerlauf begrenzen sie)."""
    electricity_ct_per_kwh: Decimal
    """Strompreis in Cent je Kilowattstunde (ct/kWh)."""
    hours_per_month: float
    """Betriebsstunden je Monat (h), in denen das Gerät eingeschaltet ist; 730 h entsprechen Dauerbetrieb
    (8.760 h / 12)."""
    overhead_eur_per_month: Decimal
    """Wartung und sonstige Gemeinkosten in Euro je Monat (€/Monat); 0, wenn nicht angesetzt."""
    tokens_per_s: float
    """Durchsatz in verarbeiteten Tokens je Sekunde (Tokens/s), Eingabe und Ausgabe zusammen, gemittelt über
    die eigene Last."""
    idle_power_w: float = 0.0
    """Leistungsaufnahme im Leerlauf in Watt (W), fällt über alle Betriebsstunden an; 0, wenn nicht
    angesetzt. Darf `power_w` nicht übersteigen."""

    def __post_init__(self) -> None:
        _label(self.label)
        _set(self, "purchase_price_eur", _non_negative("purchase_price_eur", self.purchase_price_eur))
        months = self.depreciation_months
        if isinstance(months, bool) or not isinstance(months, int):
            raise ConfigError(f"„depreciation_months“ muss eine ganze Zahl sein, erhalten: {months!r}.")
        if months <= 0:
            raise ConfigError(f"„depreciation_months“ muss größer als 0 sein, erhalten: {months!r}.")
        _set(self, "power_w", float(_positive("power_w", self.power_w)))
        _set(self, "utilisation", float(_share("utilisation", self.utilisation, allow_zero=False)))
        _set(
            self,
            "electricity_ct_per_kwh",
            _non_negative("electricity_ct_per_kwh", self.electricity_ct_per_kwh),
        )
        _set(self, "hours_per_month", float(_hours("hours_per_month", self.hours_per_month)))
        _set(
            self,
            "overhead_eur_per_month",
            _non_negative("overhead_eur_per_month", self.overhead_eur_per_month),
        )
        _set(self, "tokens_per_s", float(_positive("tokens_per_s", self.tokens_per_s)))
        idle = float(_non_negative("idle_power_w", self.idle_power_w))
        if idle > self.power_w:
            raise ConfigError(
                f"„idle_power_w“ ({idle!r} W) darf nicht größer sein als „power_w“ ({self.power_w!r} W)."
            )
        _set(self, "idle_power_w", idle)

    @property
    def kind(self) -> str:
        """Art des Szenarios für Tabellen."""
        return "Eigene Hardware"


@dataclass(frozen=True)
class CloudGPU:
    """Eine gemietete GPU mit Stundenpreis.

    Ohne `hours_per_month` wird nach Verbrauch abgerechnet: bezahlt wird die Rechenzeit
    $V / (3600 \\cdot r \\cdot u)$ Stunden, beliebig skalierbar. Mit `hours_per_month` ist die Instanz fest
    gemietet: Die Kosten sind fix, die Kapazität ist $r \\cdot 3600 \\cdot H \\cdot u$ Tokens.
    """

    label: str
    """Anzeigename, z. B. „RunPod H100 SXM (Community Cloud)“."""
    price_per_hour_eur: Decimal
    """Mietpreis je GPU-Stunde in Euro (€/h)."""
    tokens_per_s: float
    """Durchsatz in verarbeiteten Tokens je Sekunde (Tokens/s) auf dieser GPU, Eingabe und Ausgabe zusammen."""
    hours_per_month: float | None = None
    """Fest abgerechnete Stunden je Monat (h), z. B. 730 für Dauerbetrieb; `None` = Abrechnung nach
    Verbrauch."""
    utilisation: float = 1.0
    """Anteil 0 < u ≤ 1 der bezahlten Zeit, in der die GPU tatsächlich mit vollem Durchsatz rechnet."""

    def __post_init__(self) -> None:
        _label(self.label)
        _set(self, "price_per_hour_eur", _positive("price_per_hour_eur", self.price_per_hour_eur))
        _set(self, "tokens_per_s", float(_positive("tokens_per_s", self.tokens_per_s)))
        if self.hours_per_month is not None:
            _set(self, "hours_per_month", float(_hours("hours_per_month", self.hours_per_month)))
        _set(self, "utilisation", float(_share("utilisation", self.utilisation, allow_zero=False)))

    @property
    def kind(self) -> str:
        """Art des Szenarios für Tabellen."""
        return "Cloud-GPU"


@dataclass(frozen=True)
class ApiPricing:
    """Eine API, die je Token abrechnet (getrennte Preise für Eingabe und Ausgabe)."""

    label: str
    """Anzeigename, z. B. „OpenAI GPT-4o mini“."""
    input_eur_per_million: Decimal
    """Preis je 1 Mio. Eingabe-Token in Euro (€/1 Mio. Tokens)."""
    output_eur_per_million: Decimal
    """Preis je 1 Mio. Ausgabe-Token in Euro (€/1 Mio. Tokens)."""
    input_share: float
    """Anteil der Eingabe-Token am gesamten Volumen, 0 ≤ s ≤ 1 (z. B. 0,75 = drei Eingabe- je Ausgabe-Token)."""

    def __post_init__(self) -> None:
        _label(self.label)
        _set(
            self, "input_eur_per_million", _non_negative("input_eur_per_million", self.input_eur_per_million)
        )
        _set(
            self,
            "output_eur_per_million",
            _non_negative("output_eur_per_million", self.output_eur_per_million),
        )
        _set(self, "input_share", float(_share("input_share", self.input_share, allow_zero=True)))

    @property
    def kind(self) -> str:
        """Art des Szenarios für Tabellen."""
        return "API"


#: Eines der drei Szenarien.
Scenario = OwnHardware | CloudGPU | ApiPricing


# --------------------------------------------------------------------------------------------------------------
# Cost model
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    """Affine Kostenfunktion $K(V) = F + m \\cdot V$ eines Szenarios, gültig für $0 \\le V \\le V_{max}$."""

    fixed_eur: Decimal
    """Fixkosten $F$ je Monat in Euro, unabhängig vom Volumen."""
    eur_per_token: Decimal
    """Grenzkosten $m$ in Euro je Token."""
    capacity_tokens: Decimal | None
    """Höchstes Volumen $V_{max}$ in Tokens je Monat; `None` = unbegrenzt."""

    def at(self, volume: Decimal) -> Decimal:
        """Kosten in Euro bei `volume` Tokens (ohne Kapazitätsprüfung)."""
        return self.fixed_eur + self.eur_per_token * volume


class CapacityError(ConfigError):
    """Das verlangte Volumen übersteigt die Kapazität eines Szenarios."""

    def __init__(self, label: str, volume: Decimal, capacity: Decimal, detail: str) -> None:
        self.volume = volume
        self.capacity = capacity
        super().__init__(
            f"„{label}“ schafft höchstens {_fmt_int(capacity)} Tokens je Monat ({detail}); verlangt sind "
            f"{_fmt_int(volume)}. Rechnen Sie mit mehreren Geräten, mehr Betriebsstunden oder einem höheren "
            "Durchsatz."
        )


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def capacity_tokens(scenario: Scenario) -> Decimal | None:
    """Höchstes monatliches Volumen eines Szenarios.

    Args:
        scenario: Das Szenario.

    Returns:
        Tokens je Monat ($r \\cdot 3600 \\cdot H \\cdot u$) oder `None`, wenn das Szenario beliebig skaliert
        (API, Cloud nach Verbrauch).
    """
    if isinstance(scenario, OwnHardware) or (isinstance(scenario, CloudGPU) and scenario.hours_per_month):
        hours = _dec(scenario.hours_per_month)  # type: ignore[arg-type]
        return _dec(scenario.tokens_per_s) * SECONDS_PER_HOUR * hours * _dec(scenario.utilisation)
    return None


def _capacity_detail(scenario: Scenario) -> str:
    from slmwiki.formatting import percent

    return (
        f"{_fmt_number(scenario.tokens_per_s, 1)} Tokens/s × 3.600 s × {_fmt_number(scenario.hours_per_month, 1)} h × "  # type: ignore[union-attr]
        f"Auslastung {percent(scenario.utilisation)}"  # type: ignore[union-attr]
    )


def cost_line(scenario: Scenario) -> CostLine:
    """Führt ein Szenario auf seine affine Kostenfunktion zurück.

    Args:
        scenario: Das Szenario.

    Returns:
        Fixkosten je Monat, Grenzkosten je Token und Kapazität.

    Raises:
        ConfigError: Wenn `scenario` keines der drei Szenarien ist.
    """
    if isinstance(scenario, OwnHardware):
        price_eur_per_kwh = scenario.electricity_ct_per_kwh / 100
        idle_kw = _dec(scenario.idle_power_w) / 1000
        extra_kw = (_dec(scenario.power_w) - _dec(scenario.idle_power_w)) / 1000
        fixed = (
            scenario.purchase_price_eur / scenario.depreciation_months
            + scenario.overhead_eur_per_month
            + idle_kw * _dec(scenario.hours_per_month) * price_eur_per_kwh
        )
        per_token = extra_kw * price_eur_per_kwh / (_dec(scenario.tokens_per_s) * SECONDS_PER_HOUR)
        return CostLine(fixed, per_token, capacity_tokens(scenario))
    if isinstance(scenario, CloudGPU):
        if scenario.hours_per_month is not None:
            fixed = scenario.price_per_hour_eur * _dec(scenario.hours_per_month)
            return CostLine(fixed, Decimal(0), capacity_tokens(scenario))
        tokens_per_paid_hour = _dec(scenario.tokens_per_s) * SECONDS_PER_HOUR * _dec(scenario.utilisation)
        return CostLine(Decimal(0), scenario.price_per_hour_eur / tokens_per_paid_hour, None)
    if isinstance(scenario, ApiPricing):
        share = _dec(scenario.input_share)
        blended = share * scenario.input_eur_per_million + (1 - share) * scenario.output_eur_per_million
        return CostLine(Decimal(0), blended / _MILLION, None)
    raise ConfigError(
        f"Unbekanntes Szenario {type(scenario).__name__!r}; erwartet OwnHardware, CloudGPU oder ApiPricing."
    )


def monthly_cost(scenario: Scenario, tokens_per_month: float | Decimal) -> Decimal:
    """Kosten je Monat in Euro bei einem Volumen (ungerundet).

    Args:
        scenario: Das Szenario.
        tokens_per_month: Volumen in Tokens je Monat (Eingabe und Ausgabe zusammen), mindestens 0.

    Returns:
        Die Kosten als `Decimal` in Euro.

    Raises:
        ConfigError: Bei einem negativen oder nicht endlichen Volumen.
        CapacityError: Wenn das Volumen die Kapazität des Szenarios übersteigt.
    """
    volume = _volume("tokens_per_month", tokens_per_month)
    line = cost_line(scenario)
    if line.capacity_tokens is not None and volume > line.capacity_tokens:
        raise CapacityError(scenario.label, volume, line.capacity_tokens, _capacity_detail(scenario))
    return line.at(volume)


def cost_per_million(scenario: Scenario, tokens_per_month: float | Decimal | None = None) -> Decimal:
    """Kosten je 1 Mio. Tokens in Euro (ungerundet).

    Ohne Volumen gilt für kapazitätsbegrenzte Szenarien (eigene Hardware, fest gemietete GPU) die volle
    erreichbare Kapazität, also die Kosten je Token bei der angegebenen Auslastung; für API und Cloud nach
    Verbrauch sind die Kosten je Token ohnehin konstant.

    Args:
        scenario: Das Szenario.
        tokens_per_month: Volumen in Tokens je Monat (größer als 0) oder `None`.

    Returns:
        Euro je 1 Mio. Tokens.

    Raises:
        ConfigError: Bei einem Volumen von 0 oder kleiner.
        CapacityError: Wenn das Volumen die Kapazität übersteigt.
    """
    line = cost_line(scenario)
    if tokens_per_month is None:
        if line.capacity_tokens is None:
            return line.eur_per_token * _MILLION
        volume = line.capacity_tokens
    else:
        volume = _positive("tokens_per_month", tokens_per_month)
    return monthly_cost(scenario, volume) / volume * _MILLION


@dataclass(frozen=True)
class Evaluation:
    """Ergebnis eines Szenarios bei einem Volumen – für Tabellen, CLI und JSON."""

    label: str
    """Anzeigename des Szenarios."""
    kind: str
    """Art: „Eigene Hardware“, „Cloud-GPU“ oder „API“."""
    tokens_per_month: Decimal
    """Betrachtetes Volumen in Tokens je Monat."""
    monthly_eur: Decimal | None
    """Kosten je Monat in Euro; `None`, wenn das Volumen die Kapazität übersteigt."""
    per_million_eur: Decimal | None
    """Kosten je 1 Mio. Tokens in Euro bei diesem Volumen; `None` wie oben."""
    capacity_tokens: Decimal | None
    """Kapazität in Tokens je Monat; `None` = unbegrenzt."""
    note: str
    """Hinweis in einem Satz (Kapazitätsauslastung oder -überschreitung)."""

    @property
    def feasible(self) -> bool:
        """`True`, wenn das Szenario das Volumen bewältigt."""
        return self.monthly_eur is not None


def evaluate(scenario: Scenario, tokens_per_month: float | Decimal) -> Evaluation:
    """Bewertet ein Szenario bei einem Volumen, ohne bei Kapazitätsüberschreitung abzubrechen.

    Args:
        scenario: Das Szenario.
        tokens_per_month: Volumen in Tokens je Monat (größer als 0).

    Returns:
        Kosten, Kapazität und einen deutschen Hinweis; bei Überschreitung sind die Kosten `None` und der
        Hinweis nennt die Grenze.

    Raises:
        ConfigError: Bei einem Volumen von 0 oder kleiner.
    """
    from slmwiki.formatting import percent

    volume = _positive("tokens_per_month", tokens_per_month)
    line = cost_line(scenario)
    capacity = line.capacity_tokens
    if capacity is not None and volume > capacity:
        note = f"Kapazität überschritten: höchstens {_fmt_int(capacity)} Tokens/Monat"
        return Evaluation(scenario.label, scenario.kind, volume, None, None, capacity, note)
    total = line.at(volume)
    if capacity is not None:
        note = f"nutzt {percent(volume / capacity)} der Kapazität von {_fmt_int(capacity)} Tokens/Monat"
    elif isinstance(scenario, CloudGPU):
        hours = volume / (_dec(scenario.tokens_per_s) * SECONDS_PER_HOUR * _dec(scenario.utilisation))
        note = f"Abrechnung nach Verbrauch: {_fmt_hours(hours)} GPU-Stunden"
    else:
        note = "Abrechnung je Token"
    return Evaluation(scenario.label, scenario.kind, volume, total, total / volume * _MILLION, capacity, note)


def _fmt_hours(hours: Decimal) -> str:

    return _fmt_number(hours, 1)


# --------------------------------------------------------------------------------------------------------------
# Break-even
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakEven:
    """Break-even zweier Szenarien: das Volumen, bei dem beide gleich viel kosten."""

    first: str
    """Anzeigename des ersten Szenarios."""
    second: str
    """Anzeigename des zweiten Szenarios."""
    volume: Decimal | None
    """Volumen in Tokens je Monat, bei dem sich die Kostenkurven schneiden; `None`, wenn sie sich im gültigen
    Bereich nicht schneiden."""
    cheaper_below: str | None
    """Anzeigename des Szenarios, das unterhalb des Break-even günstiger ist (bzw. überall, falls kein
    Break-even existiert); `None` bei gleichen Kosten."""
    cheaper_above: str | None
    """Anzeigename des Szenarios, das oberhalb des Break-even günstiger ist; `None` ohne Break-even."""
    explanation: str
    """Deutscher Satz, der das Ergebnis erklärt."""
    unreachable_volume: Decimal | None = None
    """Schnittpunkt jenseits der Kapazitätsgrenze (nur zur Information), sonst `None`."""


def break_even_volume(a: Scenario, b: Scenario) -> BreakEven:
    """Berechnet das monatliche Volumen, ab dem sich die Kostenreihenfolge zweier Szenarien umkehrt.

    Mit $K_a(V) = F_a + m_a V$ und $K_b(V) = F_b + m_b V$ liegt der Schnittpunkt bei
    $V^* = (F_b - F_a) / (m_a - m_b)$. Er zählt nur, wenn $V^* > 0$ ist und beide Szenarien $V^*$ schaffen.

    Args:
        a: Erstes Szenario.
        b: Zweites Szenario.

    Returns:
        Den Break-even mit Erklärung; `volume` ist `None`, wenn die Kurven sich nie (oder erst jenseits der
        Kapazität) schneiden.
    """

    la, lb = cost_line(a), cost_line(b)
    caps = [c for c in (la.capacity_tokens, lb.capacity_tokens) if c is not None]
    limit = min(caps) if caps else None
    name_a, name_b = a.label, b.label
    if la.eur_per_token == lb.eur_per_token:
        if la.fixed_eur == lb.fixed_eur:
            text = f"„{name_a}“ und „{name_b}“ kosten bei jedem Volumen gleich viel."
            return BreakEven(name_a, name_b, None, None, None, text)
        cheaper, dearer = (name_a, name_b) if la.fixed_eur < lb.fixed_eur else (name_b, name_a)
        diff = abs(la.fixed_eur - lb.fixed_eur)
        text = (
            f"Kein Break-even: Die Kostenkurven verlaufen parallel; „{cheaper}“ ist bei jedem Volumen um "
            f"{_fmt_eur(diff)} je Monat günstiger als „{dearer}“."
        )
        return BreakEven(name_a, name_b, None, cheaper, None, text)
    volume = (lb.fixed_eur - la.fixed_eur) / (la.eur_per_token - lb.eur_per_token)
    # Which one is cheaper just above volume 0 (or everywhere if there is no crossing)?
    if la.fixed_eur != lb.fixed_eur:
        low_cheaper = name_a if la.fixed_eur < lb.fixed_eur else name_b
    else:
        low_cheaper = name_a if la.eur_per_token < lb.eur_per_token else name_b
    high_cheaper = name_a if la.eur_per_token < lb.eur_per_token else name_b
    if volume <= 0:
        text = (
            f"Kein Break-even: „{high_cheaper}“ ist bei jedem Volumen günstiger als "
            f"„{name_b if high_cheaper == name_a else name_a}“."
        )
        return BreakEven(name_a, name_b, None, high_cheaper, None, text)
    if limit is not None and volume > limit:
        other = name_b if low_cheaper == name_a else name_a
        text = (
            f"Kein Break-even innerhalb der Kapazität: „{low_cheaper}“ bleibt bis zur Grenze von "
            f"{_fmt_int(limit)} Tokens/Monat günstiger als „{other}“; die Kurven schnitten sich erst bei "
            f"{_fmt_int(volume)} Tokens/Monat."
        )
        return BreakEven(name_a, name_b, None, low_cheaper, None, text, unreachable_volume=volume)
    text = (
        f"Break-even bei {_fmt_int(volume)} Tokens/Monat: darunter ist „{low_cheaper}“ günstiger, darüber "
        f"„{high_cheaper}“."
    )
    return BreakEven(name_a, name_b, volume, low_cheaper, high_cheaper, text)


# --------------------------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityPoint:
    """Ein Punkt einer Sensitivitätsrechnung."""

    value: Decimal
    """Wert des variierten Parameters."""
    monthly_eur: Decimal | None
    """Kosten je Monat in Euro; `None` bei Kapazitätsüberschreitung oder ohne Volumen bei unbegrenzten
    Szenarien."""
    per_million_eur: Decimal | None
    """Kosten je 1 Mio. Tokens in Euro; `None` bei Kapazitätsüberschreitung."""


_SWEEPABLE = {
    "tokens_per_month",
    "utilisation",
    "electricity_ct_per_kwh",
    "tokens_per_s",
    "purchase_price_eur",
    "price_per_hour_eur",
    "input_share",
    "hours_per_month",
    "depreciation_months",
    "overhead_eur_per_month",
    "input_eur_per_million",
    "output_eur_per_million",
    "power_w",
}


def sensitivity(
    scenario: Scenario,
    parameter: str,
    values: Iterable[float | int | Decimal],
    tokens_per_month: float | Decimal | None = None,
) -> list[SensitivityPoint]:
    """Variiert einen Parameter und berechnet die Kosten für jeden Wert.

    Mit ``parameter="tokens_per_month"`` wird das Volumen variiert. Für jeden anderen Parameter entsteht eine
    Kopie des Szenarios (`dataclasses.replace`). Ohne `tokens_per_month` gilt für kapazitätsbegrenzte
    Szenarien die volle erreichbare Kapazität (Kosten je Token bei der jeweiligen Auslastung).

    Args:
        scenario: Ausgangsszenario.
        parameter: Name des Feldes, z. B. ``"utilisation"`` oder ``"electricity_ct_per_kwh"``, oder
            ``"tokens_per_month"``.
        values: Die Werte des Parameters.
        tokens_per_month: Festes Volumen in Tokens je Monat oder `None`.

    Returns:
        Je Wert ein `SensitivityPoint`.

    Raises:
        ConfigError: Wenn das Szenario den Parameter nicht hat oder ein Wert ungültig ist.
    """
    names = {f.name for f in dataclasses.fields(scenario)} | {"tokens_per_month"}
    if parameter not in names or parameter not in _SWEEPABLE:
        known = sorted(names & _SWEEPABLE)
        raise ConfigError(
            f"„{scenario.label}“ hat keinen variierbaren Parameter „{parameter}“.{closest_names(parameter, known)}"
        )
    points: list[SensitivityPoint] = []
    for value in values:
        if parameter == "tokens_per_month":
            variant, volume = scenario, _positive("tokens_per_month", value)
        else:
            variant = dataclasses.replace(scenario, **{parameter: value})
            volume = None if tokens_per_month is None else _positive("tokens_per_month", tokens_per_month)
        line = cost_line(variant)
        if volume is None:
            per_million = cost_per_million(variant)
            monthly = line.at(line.capacity_tokens) if line.capacity_tokens is not None else None
        elif line.capacity_tokens is not None and volume > line.capacity_tokens:
            monthly = per_million = None
        else:
            monthly = line.at(volume)
            per_million = monthly / volume * _MILLION
        points.append(SensitivityPoint(_number(parameter, value), monthly, per_million))
    return points


# --------------------------------------------------------------------------------------------------------------
# Fine-tuning runs
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinetuneCost:
    """Einmalige Kosten eines Fine-Tuning-Laufs (z. B. QLoRA)."""

    label: str
    """Anzeigename des Szenarios."""
    gpu_hours: Decimal
    """Rechenzeit in GPU-Stunden (h)."""
    rental_eur: Decimal
    """Mietkosten in Euro (nur Cloud-GPU)."""
    energy_eur: Decimal
    """Stromkosten in Euro (nur eigene Hardware)."""
    depreciation_eur: Decimal
    """Anteilige Abschreibung in Euro (nur eigene Hardware und nur auf Wunsch)."""

    @property
    def total_eur(self) -> Decimal:
        """Summe in Euro (ungerundet)."""
        return self.rental_eur + self.energy_eur + self.depreciation_eur


def training_hours(tokens: float, tokens_per_s: float, epochs: float = 1) -> Decimal:
    """Rechenzeit eines Trainingslaufs in Stunden.

    Args:
        tokens: Trainings-Token je Epoche.
        tokens_per_s: Trainingsdurchsatz in Tokens je Sekunde (gemessen oder angenommen).
        epochs: Anzahl der Epochen.

    Returns:
        $\\text{tokens} \\cdot \\text{epochs} / (\\text{tokens\\_per\\_s} \\cdot 3600)$ in Stunden.

    Raises:
        ConfigError: Bei Werten kleiner oder gleich 0, NaN oder unendlich.
    """
    total = _positive("tokens", tokens) * _positive("epochs", epochs)
    return total / (_positive("tokens_per_s", tokens_per_s) * SECONDS_PER_HOUR)


def finetune_run_cost(
    scenario: OwnHardware | CloudGPU, gpu_hours: float | Decimal, *, include_depreciation: bool = False
) -> FinetuneCost:
    """Kosten eines Fine-Tuning-Laufs von `gpu_hours` Stunden.

    Cloud-GPU: Stunden × Stundenpreis. Eigene Hardware: Stunden × Leistung unter Last × Strompreis, auf Wunsch
    zuzüglich der anteiligen Abschreibung (Kaufpreis / (Abschreibungsmonate × Betriebsstunden je Monat) je
    Stunde). Ein fest gemieteter Cloud-Monat wird hier nicht angesetzt: Der Lauf zählt nach Stunden.

    Args:
        scenario: Eigene Hardware oder Cloud-GPU.
        gpu_hours: Rechenzeit in Stunden (größer als 0).
        include_depreciation: Abschreibung anteilig einrechnen (nur eigene Hardware).

    Returns:
        Die Kosten, aufgeteilt nach Miete, Strom und Abschreibung.

    Raises:
        ConfigError: Für ein API-Szenario oder ungültige Stunden.
    """
    hours = _positive("gpu_hours", gpu_hours)
    zero = Decimal(0)
    if isinstance(scenario, CloudGPU):
        return FinetuneCost(scenario.label, hours, scenario.price_per_hour_eur * hours, zero, zero)
    if isinstance(scenario, OwnHardware):
        energy = _dec(scenario.power_w) / 1000 * hours * scenario.electricity_ct_per_kwh / 100
        depreciation = zero
        if include_depreciation:
            lifetime_hours = scenario.depreciation_months * _dec(scenario.hours_per_month)
            depreciation = scenario.purchase_price_eur / lifetime_hours * hours
        return FinetuneCost(scenario.label, hours, zero, energy, depreciation)
    raise ConfigError(
        "Fine-Tuning-Kosten lassen sich nur für eigene Hardware oder eine Cloud-GPU berechnen, nicht für "
        f"„{getattr(scenario, 'label', scenario)}“."
    )


# --------------------------------------------------------------------------------------------------------------
# Comparison (table, verdict, JSON) – used by the command line and the economics page
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Vergleich mehrerer Szenarien bei einem Volumen, mit Break-even und Fazit."""

    tokens_per_month: Decimal
    """Betrachtetes Volumen in Tokens je Monat."""
    rows: tuple[Evaluation, ...]
    """Ergebnis je Szenario, in der Reihenfolge der Eingabe."""
    break_evens: tuple[BreakEven, ...]
    """Break-even jeder eigenen Hardware gegenüber jeder anderen Option (ohne eigene Hardware: der günstigsten
    Option gegenüber jeder anderen)."""
    cheapest: Evaluation | None
    """Die günstigste Option, die das Volumen bewältigt; `None`, wenn keine es schafft."""
    verdict: str
    """Fazit in einem deutschen Satz: günstigste Option und der maßgebliche Break-even."""


def compare(scenarios: Sequence[Scenario], tokens_per_month: float | Decimal) -> Comparison:
    """Vergleicht Szenarien bei einem Volumen.

    Das Fazit nennt die günstigste Option und den Break-even, auf den es für die Entscheidung ankommt: den der
    (ersten) eigenen Hardware gegenüber der günstigsten anderen Option; ohne eigene Hardware den der
    günstigsten gegenüber der nächstgünstigen Option.

    Args:
        scenarios: Mindestens zwei Szenarien mit verschiedenen Anzeigenamen.
        tokens_per_month: Volumen in Tokens je Monat (größer als 0).

    Returns:
        Tabelle, Break-even-Werte und Fazit.

    Raises:
        ConfigError: Bei weniger als zwei Szenarien, doppelten Namen oder ungültigem Volumen.
    """

    volume = _positive("tokens_per_month", tokens_per_month)
    if len(scenarios) < 2:
        raise ConfigError("Für einen Vergleich braucht es mindestens zwei Optionen.")
    labels = [s.label for s in scenarios]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ConfigError(f"Jede Option darf nur einmal vorkommen; doppelt: {', '.join(duplicates)}.")
    rows = tuple(evaluate(s, volume) for s in scenarios)
    feasible = [(row, s) for row, s in zip(rows, scenarios, strict=True) if row.feasible]
    ranked = sorted(feasible, key=lambda pair: pair[0].monthly_eur)  # type: ignore[arg-type, return-value]
    own = [s for s in scenarios if isinstance(s, OwnHardware)]
    pairs: list[tuple[Scenario, Scenario]]
    if own:
        pairs = [(o, s) for o in own for s in scenarios if s is not o]
    elif ranked:
        pairs = [(ranked[0][1], s) for s in scenarios if s is not ranked[0][1]]
    else:
        pairs = []
    break_evens = tuple(break_even_volume(a, b) for a, b in pairs)

    volume_text = f"{_fmt_int(volume)} Tokens/Monat"
    if not ranked:
        verdict = f"Fazit: Keine der Optionen bewältigt {volume_text}."
        return Comparison(volume, rows, break_evens, None, verdict)
    best_row, best = ranked[0]
    verdict = f"Fazit: Bei {volume_text} ist „{best.label}“ am günstigsten ({_fmt_eur(best_row.monthly_eur)} je Monat)."  # type: ignore[arg-type]
    if own:
        mine = own[0]
        rivals = [s for _, s in ranked if not isinstance(s, OwnHardware)]
        rival = (
            best
            if best is not mine and not isinstance(best, OwnHardware)
            else (rivals[0] if rivals else None)
        )
        if rival is not None:
            verdict += f" {break_even_volume(mine, rival).explanation}"
    elif len(ranked) > 1:
        verdict += f" {break_even_volume(best, ranked[1][1]).explanation}"
    return Comparison(volume, rows, break_evens, best_row, verdict)


def comparison_text(comparison: Comparison, header: Sequence[str] = ()) -> str:
    """Formatiert einen Vergleich als ausgerichtete deutsche Texttabelle mit Fazit.

    Args:
        comparison: Ergebnis von `compare`.
        header: Zeilen, die vor der Tabelle stehen (z. B. die Annahmen).

    Returns:
        Den Text (ohne abschließenden Zeilenumbruch).
    """

    titles = ("Option", "Art", "Kosten je Monat", "je 1 Mio. Tokens", "Hinweis")
    body = [
        (
            row.label,
            row.kind,
            _fmt_eur(row.monthly_eur) if row.monthly_eur is not None else "–",
            _fmt_eur(row.per_million_eur) if row.per_million_eur is not None else "–",
            row.note,
        )
        for row in comparison.rows
    ]
    widths = [max(len(line[i]) for line in [titles, *body]) for i in range(len(titles))]
    right = {2, 3}

    def fmt(line: Sequence[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(line)
        ]
        return "  ".join(cells).rstrip()

    lines = [*header, *([""] if header else [])]
    lines += [fmt(titles), "  ".join("-" * w for w in widths)]
    lines += [fmt(line) for line in body]
    if comparison.break_evens:
        lines += ["", "Break-even (Volumen, bei dem zwei Optionen gleich viel kosten):"]
        lines += [f"- „{b.first}“ / „{b.second}“: {b.explanation}" for b in comparison.break_evens]
    lines += ["", comparison.verdict]
    return "\n".join(lines)


def _money_str(value: Decimal | None) -> str | None:
    if value is None:
        return None
    try:
        return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return str(value)


def _tokens_int(value: Decimal | None) -> int | None:
    return None if value is None else int(value.to_integral_value(rounding=ROUND_HALF_UP))


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """Gibt einen Vergleich als JSON-taugliche Struktur zurück.

    Geldbeträge sind Zeichenketten mit Punkt als Dezimaltrennzeichen, kaufmännisch auf Cent gerundet (wie in
    der Tabelle), z. B. ``"50.21"``; Volumina sind ganze Zahlen (Tokens je Monat); `null` steht für „nicht
    möglich“ (Kapazität überschritten) bzw. „kein Break-even“.

    Args:
        comparison: Ergebnis von `compare`.

    Returns:
        Ein Wörterbuch mit ``tokens_per_month``, ``currency``, ``options``, ``cheapest``, ``break_even`` und
        ``verdict``.
    """
    return {
        "tokens_per_month": _tokens_int(comparison.tokens_per_month),
        "currency": "EUR",
        "options": [
            {
                "label": row.label,
                "kind": row.kind,
                "feasible": row.feasible,
                "monthly_eur": _money_str(row.monthly_eur),
                "per_million_eur": _money_str(row.per_million_eur),
                "capacity_tokens_per_month": _tokens_int(row.capacity_tokens),
                "note": row.note,
            }
            for row in comparison.rows
        ],
        "cheapest": comparison.cheapest.label if comparison.cheapest else None,
        "break_even": [
            {
                "first": b.first,
                "second": b.second,
                "tokens_per_month": _tokens_int(b.volume),
                "cheaper_below": b.cheaper_below,
                "cheaper_above": b.cheaper_above,
                "explanation": b.explanation,
            }
            for b in comparison.break_evens
        ],
        "verdict": comparison.verdict,
    }


# --------------------------------------------------------------------------------------------------------------
# Report for the command line (`slmwiki costs`)
# --------------------------------------------------------------------------------------------------------------

#: Prüfregel je Option der Kommandozeile.
_OPTION_RULES = {
    "tokens_per_month": "positive",
    "input_share": "share_or_zero",
    "electricity_ct": "non_negative",
    "utilisation": "share",
    "hours_per_month": "hours",
    "depreciation_months": "int",
    "overhead_eur": "non_negative",
    "purchase_eur": "non_negative",
    "tokens_per_s": "positive",
    "cloud_hours": "hours",
}


def parse_option(name: str, value: str | float | Decimal | None) -> Decimal | int | None:
    """Prüft einen Zahlenwert der Kommandozeile und nennt im Fehlerfall die Option.

    Texte dürfen Dezimalpunkt oder -komma und Exponenten enthalten (``0,5``, ``5e7``); Tausenderpunkte sind
    nicht erlaubt, weil ``1.000`` sonst mehrdeutig wäre.

    Args:
        name: Name der Option mit Unterstrichen, z. B. ``"electricity_ct"`` (gemeldet als ``--electricity-ct``).
        value: Der Wert (Text von der Kommandozeile oder Zahl) oder `None`.

    Returns:
        Den geprüften Wert (`Decimal`, bei ``depreciation_months`` `int`) oder `None`.

    Raises:
        ConfigError: Wenn der Wert keine Zahl ist oder die Grenzen der Option verletzt.
    """
    if value is None:
        return None
    flag = "--" + name.replace("_", "-")
    rule = _OPTION_RULES[name]
    number: object = value
    if isinstance(value, str):
        text = value.strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ConfigError(f"„{flag}“ muss eine Zahl sein, erhalten: {_shown(value)}.") from None
    checked = _number(flag, number)
    if rule == "int":
        if checked != checked.to_integral_value():
            raise ConfigError(f"„{flag}“ muss eine ganze Zahl sein, erhalten: {_shown(value)}.")
        whole = int(checked)
        if whole <= 0:
            raise ConfigError(f"„{flag}“ muss größer als 0 sein, erhalten: {_shown(value)}.")
        return whole
    if rule == "positive":
        return _positive(flag, checked)
    if rule == "non_negative":
        return _non_negative(flag, checked)
    if rule == "share":
        return _share(flag, checked, allow_zero=False)
    if rule == "share_or_zero":
        return _share(flag, checked, allow_zero=True)
    return _hours(flag, checked)


@dataclass(frozen=True)
class CostReport:
    """Vergleich samt Annahmen, wie ihn ``slmwiki costs`` ausgibt."""

    comparison: Comparison
    """Der Vergleich."""
    header: tuple[str, ...]
    """Kopfzeilen mit Volumen, Modell und Annahmen."""
    settings: dict[str, Any]
    """Die verwendeten Annahmen, JSON-tauglich."""

    def text(self) -> str:
        """Die deutsche Texttabelle mit Kopf, Break-even und Fazit."""
        return comparison_text(self.comparison, self.header)

    def to_dict(self) -> dict[str, Any]:
        """Dieselben Zahlen als JSON-taugliche Struktur (siehe `comparison_dict`) plus ``settings``."""
        data = comparison_dict(self.comparison)
        data["settings"] = self.settings
        return data


def cost_report(
    *,
    tokens_per_month: str | float | Decimal | None,
    model: str | None = None,
    gpus: Sequence[str] | None = None,
    clouds: Sequence[str] | None = None,
    apis: Sequence[str] | None = None,
    input_share: str | float | None = None,
    electricity_ct: str | float | None = None,
    utilisation: str | float | None = None,
    hours_per_month: str | float | None = None,
    depreciation_months: str | int | None = None,
    overhead_eur: str | float | None = None,
    purchase_eur: str | float | None = None,
    tokens_per_s: str | float | None = None,
    cloud_hours: str | float | None = None,
    electricity: str | None = None,
    prices: PriceData | str | Path | None = None,
) -> CostReport:
    """Baut aus Namen der Preisdatei und Optionen den Vergleich für die Kommandozeile.

    Nicht angegebene Werte kommen aus der Preisdatei (Abschnitte ``defaults`` und ``assumptions``).

    Args:
        tokens_per_month: Volumen in Tokens je Monat (Pflicht).
        model: Modell für die Durchsatzannahmen.
        gpus: Kurznamen eigener Grafikkarten.
        clouds: Kurznamen von Cloud-Angeboten.
        apis: Kurznamen von APIs.
        input_share: Anteil der Eingabe-Tokens (0 bis 1).
        electricity_ct: Strompreis in ct/kWh.
        utilisation: Erreichbare Auslastung (0 < u ≤ 1).
        hours_per_month: Betriebsstunden der eigenen Hardware je Monat.
        depreciation_months: Abschreibungsdauer in Monaten.
        overhead_eur: Wartung und Gemeinkosten in Euro je Monat.
        purchase_eur: Kaufpreis der eigenen Hardware in Euro (ersetzt den GPU-Preis).
        tokens_per_s: Durchsatz aller Hardware-Optionen (ersetzt die Annahmen).
        cloud_hours: Feste Mietstunden je Monat; ohne Angabe Abrechnung nach Verbrauch.
        electricity: Kurzname eines Strompreises der Preisdatei (statt der Voreinstellung); nicht zusammen
            mit `electricity_ct`.
        prices: Geladene Preisdaten oder Pfad der Preisdatei; `None` = mitgelieferte Datei.

    Returns:
        Den Bericht.

    Raises:
        ConfigError: Bei fehlenden, ungültigen oder unbekannten Angaben (die Meldung nennt die Option).
        DataError: Bei einer fehlerhaften Preisdatei.
    """
    from slmwiki.formatting import percent

    if tokens_per_month is None:
        raise ConfigError("„--tokens-per-month“ fehlt: Geben Sie das Volumen in Tokens je Monat an.")
    volume = parse_option("tokens_per_month", tokens_per_month)
    share = parse_option("input_share", input_share)
    ct = parse_option("electricity_ct", electricity_ct)
    util = parse_option("utilisation", utilisation)
    hours = parse_option("hours_per_month", hours_per_month)
    months = parse_option("depreciation_months", depreciation_months)
    overhead = parse_option("overhead_eur", overhead_eur)
    purchase = parse_option("purchase_eur", purchase_eur)
    tps = parse_option("tokens_per_s", tokens_per_s)
    rented = parse_option("cloud_hours", cloud_hours)

    data = prices if isinstance(prices, PriceData) else load_prices(prices)
    if electricity is not None and ct is not None:
        raise ConfigError("Geben Sie entweder „--electricity“ oder „--electricity-ct“ an, nicht beides.")
    electricity_entry = data.electricity_price(electricity)
    ct_used = ct if ct is not None else electricity_entry.ct_per_kwh
    model = model or data.defaults.get("model")
    if model is None:
        raise ConfigError("„--model“ fehlt und die Preisdatei nennt kein Standardmodell.")
    if tps is None and model not in data.models:
        raise ConfigError(f"Unbekanntes Modell „{model}“ (--model).{closest_names(model, list(data.models))}")
    gpu_names = list(gpus) if gpus else list(data.defaults.get("gpu", []))
    cloud_names = list(clouds) if clouds else list(data.defaults.get("cloud", []))
    api_names = list(apis) if apis else list(data.defaults.get("api", []))

    scenarios: list[Scenario] = []
    throughput_info: list[dict[str, Any]] = []

    def note_throughput(label: str, hardware: str, value: float | None) -> float:
        if value is not None:
            throughput_info.append({"option": label, "tokens_per_s": value, "kind": "eingabe"})
            return value
        entry = data.tokens_per_s(model, hardware)
        throughput_info.append({"option": label, "tokens_per_s": entry.tokens_per_s, "kind": entry.kind})
        return entry.tokens_per_s

    tps_float = float(tps) if tps is not None else None
    for name in gpu_names:
        price = data.gpu(name)
        speed = note_throughput(price.label, price.hardware, tps_float)
        scenarios.append(
            data.own_hardware(
                name,
                model,
                tokens_per_s=speed,
                electricity_ct_per_kwh=ct_used,
                utilisation=float(util) if util is not None else None,
                hours_per_month=float(hours) if hours is not None else None,
                depreciation_months=months,  # type: ignore[arg-type]
                overhead_eur_per_month=overhead,
                purchase_price_eur=purchase,
            )
        )
    for name in cloud_names:
        price = data.cloud(name)
        speed = note_throughput(price.label, price.hardware, tps_float)
        scenarios.append(
            data.cloud_gpu(
                name,
                model,
                tokens_per_s=speed,
                hours_per_month=float(rented) if rented is not None else None,
                utilisation=float(util) if (util is not None and rented is not None) else None,
            )
        )
    for name in api_names:
        scenarios.append(data.api_pricing(name, input_share=float(share) if share is not None else None))

    comparison = compare(scenarios, volume)  # type: ignore[arg-type]

    util_used = float(util) if util is not None else float(data.assumption("utilisation"))
    hours_used = float(hours) if hours is not None else float(data.assumption("hours_per_month"))
    months_used = months if months is not None else int(data.assumption("depreciation_months"))
    share_used = float(share) if share is not None else float(data.assumption("input_share"))
    overhead_used = overhead if overhead is not None else data.assumption("overhead_eur_per_month")
    model_label = data.models.get(model, model)
    ct_origin = (
        "eigene Angabe"
        if ct is not None
        else f"{electricity_entry.name}, Stand {electricity_entry.source.as_of_german}"
        + ("" if electricity_entry.source.verified else ", ungeprüft")
    )
    header = [
        (
            f"Kostenvergleich für {_fmt_int(volume)} Tokens je Monat – Modell: {model_label}, "  # type: ignore[arg-type]
            f"Eingabeanteil {percent(share_used)}"
        ),
        (
            f"Eigene Hardware: Strom {_fmt_number(ct_used, 2)} ct/kWh ({ct_origin}), Auslastung {percent(util_used)}, "
            f"{_fmt_number(hours_used, 0)} Betriebsstunden/Monat, Abschreibung {months_used} Monate, "
            f"Wartung {_eur_text(overhead_used)}/Monat"
        ),
        "Cloud-GPU: "
        + (
            f"fest {_fmt_number(rented, 0)} h/Monat gemietet"
            if rented is not None
            else "Abrechnung nach Verbrauch"
        ),
        "Durchsatz: "
        + "; ".join(
            f"{item['option']}: {_fmt_number(item['tokens_per_s'], 0)} Tokens/s ({_KIND_TEXT[item['kind']]})"
            for item in throughput_info
        ),
    ]
    for rate in data.exchange_rates.values():
        state = "" if rate.source.verified else ", ungeprüft"
        header.append(
            f"Umrechnung: 1 EUR = {_fmt_number(rate.units_per_eur, 4)} {rate.currency} "
            f"(Stand {rate.source.as_of_german}{state})"
        )
    settings = {
        "model": model,
        "input_share": share_used,
        "electricity_ct_per_kwh": str(ct_used),
        "utilisation": util_used,
        "hours_per_month": hours_used,
        "depreciation_months": months_used,
        "overhead_eur_per_month": str(overhead_used),
        "cloud_hours_per_month": float(rented) if rented is not None else None,
        "throughput": throughput_info,
        "exchange_rates": {
            code: {"units_per_eur": str(rate.units_per_eur), "as_of": rate.source.as_of}
            for code, rate in data.exchange_rates.items()
        },
    }
    return CostReport(comparison, tuple(header), settings)


_KIND_TEXT = {"annahme": "Annahme", "messung": "Messung", "quelle": "Quelle", "eingabe": "eigene Angabe"}


def _eur_text(value: Decimal) -> str:
    return _fmt_eur(value)


def known_names_text(data: PriceData) -> str:
    """Listet alle Namen der Preisdatei für ``slmwiki costs --list`` auf.

    Args:
        data: Die Preisdaten.

    Returns:
        Den Text, je Abschnitt eine Überschrift und je Name eine Zeile.
    """
    sections = [
        ("Modelle (--model)", {name: label for name, label in data.models.items()}),
        ("Eigene Grafikkarten (--gpu)", {n: g.label for n, g in data.gpus.items()}),
        ("Cloud-GPUs (--cloud)", {n: c.label for n, c in data.clouds.items()}),
        ("APIs (--api)", {n: a.label for n, a in data.apis.items()}),
        ("Strompreise (--electricity)", {n: e.label for n, e in data.electricity.items()}),
    ]
    lines: list[str] = []
    for title, names in sections:
        lines.append(f"{title}:")
        width = max(len(n) for n in names)
        lines += [f"  {name.ljust(width)}  {label}" for name, label in names.items()]
        lines.append("")
    return "\n".join(lines).rstrip()


# --------------------------------------------------------------------------------------------------------------
# Price data
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Herkunft eines Preises oder einer Annahme."""

    source: str
    """Quelle in Worten (Dokument, Anbieter, Art der Quelle)."""
    url: str
    """Adresse der Quelle."""
    as_of: str
    """Stand (ISO-Datum ``JJJJ``, ``JJJJ-MM`` oder ``JJJJ-MM-TT``, auch Spannen ``A/B``)."""
    verified: bool
    """`False`, wenn der Wert nur aus einer Sekundärquelle stammt oder im Faktenblatt als ungeprüft gilt."""
    note: str = ""
    """Zusatzhinweis (optional)."""

    @property
    def as_of_german(self) -> str:
        """Der Stand in deutscher Schreibweise, z. B. „09.11.2026“ oder „11/2026“."""
        return "–".join(_german_date(part) for part in self.as_of.split("/"))


def _german_date(text: str) -> str:
    parts = text.split("-")
    if len(parts) == 3:
        return f"{parts[2]}.{parts[1]}.{parts[0]}"
    if len(parts) == 2:
        return f"{parts[1]}/{parts[0]}"
    return text


@dataclass(frozen=True)
class ExchangeRate:
    """Wechselkurs einer Fremdwährung zum Euro."""

    currency: str
    """ISO-Code der Fremdwährung, z. B. ``USD``."""
    units_per_eur: Decimal
    """Einheiten der Fremdwährung je Euro (EZB-Notierung, z. B. 1,1750 USD je EUR)."""
    source: Source
    """Herkunft."""

    def to_eur(self, amount: Decimal) -> Decimal:
        """Rechnet einen Betrag in Euro um (ungerundet)."""
        return amount / self.units_per_eur


@dataclass(frozen=True)
class GpuPrice:
    """Kaufpreis und Leistungsaufnahme einer Grafikkarte."""

    name: str
    """Kurzname, z. B. ``rtx-4090``."""
    label: str
    """Anzeigename."""
    price: Decimal
    """Preis in Originalwährung."""
    currency: str
    """Originalwährung."""
    price_eur: Decimal
    """Preis in Euro (umgerechnet, ungerundet)."""
    price_kind: str
    """Art des Preises, z. B. „UVP zum Marktstart“."""
    power_w: float
    """Leistungsaufnahme unter Last in Watt (Board-Power laut Hersteller)."""
    vram_gb: float
    """Grafikspeicher in GB."""
    hardware: str
    """Hardwareklasse für die Durchsatzannahmen (hier gleich dem Kurznamen)."""
    source: Source
    """Herkunft."""


@dataclass(frozen=True)
class CloudPrice:
    """Stundenpreis einer Cloud-Instanz mit GPU."""

    name: str
    """Kurzname, z. B. ``runpod-h100-sxm-community``."""
    label: str
    """Anzeigename."""
    instance_price_per_hour: Decimal
    """Preis der ganzen Instanz je Stunde in Originalwährung."""
    gpus: int
    """Anzahl GPUs der Instanz."""
    currency: str
    """Originalwährung."""
    price_per_gpu_hour_eur: Decimal
    """Preis je GPU-Stunde in Euro (Instanzpreis / GPUs, umgerechnet, ungerundet)."""
    hardware: str
    """GPU-Klasse für die Durchsatzannahmen, z. B. ``h100``."""
    source: Source
    """Herkunft."""


@dataclass(frozen=True)
class ApiPrice:
    """Token-Preise einer API."""

    name: str
    """Kurzname, z. B. ``gpt-4o-mini``."""
    label: str
    """Anzeigename."""
    input_per_million: Decimal
    """Preis je 1 Mio. Eingabe-Token in Originalwährung."""
    output_per_million: Decimal
    """Preis je 1 Mio. Ausgabe-Token in Originalwährung."""
    currency: str
    """Originalwährung."""
    input_eur_per_million: Decimal
    """Eingabepreis in Euro (ungerundet)."""
    output_eur_per_million: Decimal
    """Ausgabepreis in Euro (ungerundet)."""
    source: Source
    """Herkunft."""


@dataclass(frozen=True)
class ElectricityPrice:
    """Ein Strompreis in Cent je kWh."""

    name: str
    """Kurzname, z. B. ``bdew-haushalt-2025``."""
    label: str
    """Anzeigename."""
    ct_per_kwh: Decimal
    """Preis in Cent je Kilowattstunde (Euro-Cent)."""
    source: Source
    """Herkunft."""


@dataclass(frozen=True)
class Throughput:
    """Durchsatz eines Modells auf einer Hardwareklasse."""

    model: str
    """Kurzname des Modells, z. B. ``gemma-3-4b``."""
    model_label: str
    """Anzeigename des Modells."""
    hardware: str
    """Hardwareklasse, z. B. ``rtx-4090`` oder ``h100``."""
    tokens_per_s: float
    """Verarbeitete Tokens je Sekunde."""
    kind: str
    """``annahme`` (redaktionelle Annahme), ``messung`` (eigene Messung) oder ``quelle`` (Literatur)."""
    basis: str
    """Begründung oder Messaufbau in einem Satz."""
    source: Source | None
    """Herkunft (bei Messung und Quelle Pflicht)."""


@dataclass(frozen=True)
class Assumption:
    """Eine Rechenannahme mit Begründung (keine Messung, kein Marktpreis)."""

    key: str
    """Schlüssel, z. B. ``utilisation``."""
    label: str
    """Anzeigename."""
    value: Decimal
    """Wert."""
    unit: str
    """Einheit."""
    basis: str
    """Begründung."""
    as_of: str
    """Stand der Annahme."""


_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_THROUGHPUT_KINDS = {"annahme", "messung", "quelle"}


def default_prices_path() -> Path:
    """Pfad der mitgelieferten Preisdatei.

    Gesucht wird zuerst im Paket (``slmwiki/data/prices.yaml``), dann im Repository (``data/prices.yaml``
    neben ``src/``).

    Returns:
        Den Pfad.

    Raises:
        DataError: Wenn keine Preisdatei gefunden wird.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / "prices.yaml", here.parents[1] / "data" / "prices.yaml"):
        if candidate.is_file():
            return candidate
    raise DataError(
        "Die Preisdatei „data/prices.yaml“ wurde nicht gefunden; geben Sie einen Pfad an (--prices)."
    )


def _default_measurements_dir() -> Path | None:
    candidate = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
    return candidate if candidate.is_dir() else None


class _Reader:
    """Liest Felder aus der YAML-Struktur und meldet Fehler mit Eintrag und Feld."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> DataError:
        return DataError(f"Preisdatei „{self.path}“, Eintrag „{where}“: {message}")

    def mapping(self, where: str, value: object) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(
                where, f"erwartet eine Zuordnung (Schlüssel: Wert), erhalten: {type(value).__name__}."
            )
        return value

    def text(self, where: str, entry: Mapping[str, Any], key: str) -> str:
        if key not in entry or entry[key] is None:
            raise self.fail(where, f"Feld „{key}“ fehlt.")
        value = entry[key]
        if isinstance(value, _dt.date):
            value = value.isoformat()
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                where, f"Feld „{key}“ muss ein nicht leerer Text sein, erhalten: {_shown(value)}."
            )
        return value.strip()

    def number(self, where: str, entry: Mapping[str, Any], key: str, *, positive: bool = True) -> Decimal:
        if key not in entry or entry[key] is None:
            raise self.fail(where, f"Feld „{key}“ fehlt.")
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"Feld „{key}“ muss eine Zahl sein, erhalten: {_shown(value)}.")
        if math.isnan(value) or math.isinf(value):
            raise self.fail(where, f"Feld „{key}“ muss eine endliche Zahl sein, erhalten: {_shown(value)}.")
        if (positive and value <= 0) or value < 0:
            bound = "größer als 0" if positive else "mindestens 0"
            raise self.fail(where, f"Feld „{key}“ muss {bound} sein, erhalten: {_shown(value)}.")
        return Decimal(str(value))

    def date(self, where: str, entry: Mapping[str, Any], key: str = "as_of") -> str:
        text = self.text(where, entry, key)
        for part in text.split("/"):
            if not _DATE_RE.match(part.strip()):
                raise self.fail(
                    where,
                    f"Feld „{key}“ muss ein Datum wie 2026-11-09, 2026-11 oder 2026 sein, erhalten: {text!r}.",
                )
        return text

    def source(self, where: str, entry: Mapping[str, Any]) -> Source:
        verified = entry.get("verified", True)
        if not isinstance(verified, bool):
            raise self.fail(where, f"Feld „verified“ muss true oder false sein, erhalten: {verified!r}.")
        note = entry.get("note", "") or ""
        return Source(
            source=self.text(where, entry, "source"),
            url=self.text(where, entry, "url"),
            as_of=self.date(where, entry),
            verified=verified,
            note=str(note).strip(),
        )

    def section(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        if key not in raw:
            raise DataError(f"Preisdatei „{self.path}“: Abschnitt „{key}“ fehlt.")
        section = self.mapping(key, raw[key])
        if not section:
            raise DataError(f"Preisdatei „{self.path}“: Abschnitt „{key}“ ist leer.")
        return section


@dataclass(frozen=True)
class PriceData:
    """Alle geprüften Preise, Annahmen und Durchsätze aus der Preisdatei."""

    path: Path
    """Pfad der gelesenen Datei."""
    exchange_rates: dict[str, ExchangeRate]
    """Wechselkurse je Währung (ohne EUR)."""
    gpus: dict[str, GpuPrice]
    """Grafikkarten nach Kurzname."""
    clouds: dict[str, CloudPrice]
    """Cloud-Angebote nach Kurzname."""
    apis: dict[str, ApiPrice]
    """APIs nach Kurzname."""
    electricity: dict[str, ElectricityPrice]
    """Strompreise nach Kurzname."""
    throughput: dict[tuple[str, str], Throughput]
    """Durchsätze nach (Modell, Hardwareklasse)."""
    models: dict[str, str]
    """Anzeigenamen der Modelle mit Durchsatzwerten."""
    assumptions: dict[str, Assumption]
    """Rechenannahmen nach Schlüssel."""
    defaults: dict[str, Any] = field(default_factory=dict)
    """Voreinstellungen der Kommandozeile (Modell, GPU, Cloud, APIs, Strompreis)."""

    # -- lookups ------------------------------------------------------------------------------------------

    @staticmethod
    def _lookup(kind: str, name: str, table: Mapping[str, Any]) -> Any:
        if name not in table:
            raise ConfigError(f"Unbekannte {kind} „{name}“.{closest_names(name, list(table))}")
        return table[name]

    def gpu(self, name: str) -> GpuPrice:
        """Grafikkarte nach Kurzname; `ConfigError` mit Liste der bekannten Namen, falls unbekannt."""
        return self._lookup("GPU", name, self.gpus)

    def cloud(self, name: str) -> CloudPrice:
        """Cloud-Angebot nach Kurzname; `ConfigError` mit Liste der bekannten Namen, falls unbekannt."""
        return self._lookup("Cloud-GPU", name, self.clouds)

    def api(self, name: str) -> ApiPrice:
        """API nach Kurzname; `ConfigError` mit Liste der bekannten Namen, falls unbekannt."""
        return self._lookup("API", name, self.apis)

    def electricity_price(self, name: str | None = None) -> ElectricityPrice:
        """Strompreis nach Kurzname (ohne Namen: die Voreinstellung)."""
        return self._lookup("Strompreisangabe", name or self.defaults["electricity"], self.electricity)

    def assumption(self, key: str) -> Decimal:
        """Wert einer Rechenannahme; `ConfigError`, falls unbekannt."""
        return self._lookup("Annahme", key, self.assumptions).value

    def tokens_per_s(self, model: str, hardware: str) -> Throughput:
        """Durchsatz eines Modells auf einer Hardwareklasse.

        Args:
            model: Kurzname des Modells.
            hardware: Hardwareklasse (GPU-Kurzname oder Cloud-GPU-Klasse).

        Returns:
            Den Durchsatzeintrag.

        Raises:
            ConfigError: Wenn das Modell unbekannt ist oder für diese Hardware kein Wert vorliegt.
        """
        if model not in self.models:
            raise ConfigError(f"Unbekanntes Modell „{model}“.{closest_names(model, list(self.models))}")
        if (model, hardware) not in self.throughput:
            known = sorted(h for m, h in self.throughput if m == model)
            raise ConfigError(
                f"Für „{model}“ auf „{hardware}“ liegt kein Durchsatzwert vor; geben Sie ihn mit "
                f"--tokens-per-s an. Werte gibt es für: {', '.join(known)}."
            )
        return self.throughput[(model, hardware)]

    # -- scenario builders --------------------------------------------------------------------------------

    def default_scenarios(self, model: str | None = None) -> list[Scenario]:
        """Die Optionen der Voreinstellung (eigene GPUs, Cloud-GPUs, APIs) mit allen Annahmen der Preisdatei.

        Args:
            model: Kurzname des Modells; `None` = Voreinstellung.

        Returns:
            Die Szenarien in der Reihenfolge eigene Hardware, Cloud, API.

        Raises:
            ConfigError: Wenn für eine voreingestellte Hardware kein Durchsatzwert vorliegt.
        """
        model = model or self.defaults["model"]
        return [
            *(self.own_hardware(name, model) for name in self.defaults.get("gpu", [])),
            *(self.cloud_gpu(name, model) for name in self.defaults.get("cloud", [])),
            *(self.api_pricing(name) for name in self.defaults.get("api", [])),
        ]

    def own_hardware(
        self,
        gpu: str,
        model: str,
        *,
        tokens_per_s: float | None = None,
        electricity_ct_per_kwh: float | Decimal | None = None,
        utilisation: float | None = None,
        hours_per_month: float | None = None,
        depreciation_months: int | None = None,
        overhead_eur_per_month: float | Decimal | None = None,
        purchase_price_eur: float | Decimal | None = None,
        idle_power_w: float | None = None,
    ) -> OwnHardware:
        """Baut ein `OwnHardware`-Szenario aus der Preisdatei; jede Angabe lässt sich überschreiben.

        Args:
            gpu: Kurzname der Grafikkarte.
            model: Kurzname des Modells (für den Durchsatz).
            tokens_per_s: Eigener Durchsatz statt der Annahme.
            electricity_ct_per_kwh: Eigener Strompreis statt der Voreinstellung.
            utilisation: Eigene Auslastung.
            hours_per_month: Eigene Betriebsstunden.
            depreciation_months: Eigene Abschreibungsdauer.
            overhead_eur_per_month: Eigene Wartungs- und Gemeinkosten.
            purchase_price_eur: Eigener Kaufpreis (z. B. ganzer Rechner statt nur Grafikkarte).
            idle_power_w: Eigene Leerlaufleistung.

        Returns:
            Das Szenario.

        Raises:
            ConfigError: Bei unbekannten Namen oder ungültigen Werten.
        """
        price = self.gpu(gpu)
        if tokens_per_s is None:
            tokens_per_s = self.tokens_per_s(model, price.hardware).tokens_per_s
        return OwnHardware(
            label=f"{price.label} (eigene Hardware)",
            purchase_price_eur=price.price_eur if purchase_price_eur is None else purchase_price_eur,
            depreciation_months=(
                int(self.assumption("depreciation_months"))
                if depreciation_months is None
                else depreciation_months
            ),
            power_w=price.power_w,
            utilisation=float(self.assumption("utilisation")) if utilisation is None else utilisation,
            electricity_ct_per_kwh=(
                self.electricity_price().ct_per_kwh
                if electricity_ct_per_kwh is None
                else electricity_ct_per_kwh
            ),
            hours_per_month=float(self.assumption("hours_per_month"))
            if hours_per_month is None
            else hours_per_month,
            overhead_eur_per_month=(
                self.assumption("overhead_eur_per_month")
                if overhead_eur_per_month is None
                else overhead_eur_per_month
            ),
            tokens_per_s=tokens_per_s,
            idle_power_w=float(self.assumption("idle_power_w")) if idle_power_w is None else idle_power_w,
        )

    def cloud_gpu(
        self,
        name: str,
        model: str,
        *,
        tokens_per_s: float | None = None,
        hours_per_month: float | None = None,
        utilisation: float | None = None,
    ) -> CloudGPU:
        """Baut ein `CloudGPU`-Szenario aus der Preisdatei.

        Args:
            name: Kurzname des Cloud-Angebots.
            model: Kurzname des Modells (für den Durchsatz).
            tokens_per_s: Eigener Durchsatz statt der Annahme.
            hours_per_month: Feste Mietstunden je Monat; `None` = Abrechnung nach Verbrauch.
            utilisation: Anteil der bezahlten Zeit mit voller Rechenlast (Standard: Annahme ``utilisation``
                bei fester Miete, 1 bei Abrechnung nach Verbrauch).

        Returns:
            Das Szenario.

        Raises:
            ConfigError: Bei unbekannten Namen oder ungültigen Werten.
        """
        price = self.cloud(name)
        if tokens_per_s is None:
            tokens_per_s = self.tokens_per_s(model, price.hardware).tokens_per_s
        if utilisation is None:
            utilisation = float(self.assumption("utilisation")) if hours_per_month is not None else 1.0
        return CloudGPU(
            label=price.label,
            price_per_hour_eur=price.price_per_gpu_hour_eur,
            tokens_per_s=tokens_per_s,
            hours_per_month=hours_per_month,
            utilisation=utilisation,
        )

    def api_pricing(self, name: str, *, input_share: float | None = None) -> ApiPricing:
        """Baut ein `ApiPricing`-Szenario aus der Preisdatei.

        Args:
            name: Kurzname der API.
            input_share: Eingabeanteil statt der Annahme ``input_share``.

        Returns:
            Das Szenario.

        Raises:
            ConfigError: Bei unbekanntem Namen oder ungültigem Anteil.
        """
        price = self.api(name)
        return ApiPricing(
            label=price.label,
            input_eur_per_million=price.input_eur_per_million,
            output_eur_per_million=price.output_eur_per_million,
            input_share=float(self.assumption("input_share")) if input_share is None else input_share,
        )


def load_prices(path: str | Path | None = None, *, measurements_dir: str | Path | None = None) -> PriceData:
    """Lädt und prüft die Preisdatei.

    Jeder Preis braucht Quelle (``source``), Adresse (``url``), Stand (``as_of``) und Währung
    (``currency``); Fremdwährungen werden mit dem Wechselkurs aus derselben Datei in Euro umgerechnet.

    Args:
        path: Pfad der YAML-Datei; `None` = mitgelieferte Datei (`default_prices_path`).
        measurements_dir: Ordner mit JSON-Messergebnissen (siehe Moduldokumentation), deren Durchsätze die
            Annahmen ersetzen; `None` = ``benchmarks/results/`` des Repositorys, falls vorhanden.

    Returns:
        Die geprüften Daten.

    Raises:
        DataError: Wenn die Datei fehlt, kein gültiges YAML ist oder ein Eintrag unvollständig ist (die
            Meldung nennt Eintrag und Feld).
    """
    import yaml

    file = Path(path) if path is not None else default_prices_path()
    if not file.is_file():
        raise DataError(f"Die Preisdatei „{file}“ existiert nicht.")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"Die Preisdatei „{file}“ ist kein gültiges YAML: {exc}") from None
    r = _Reader(file)
    if not isinstance(raw, Mapping):
        raise DataError(f"Die Preisdatei „{file}“ muss eine Zuordnung auf oberster Ebene enthalten.")

    rates: dict[str, ExchangeRate] = {}
    for code, entry in r.section(raw, "exchange_rates").items():
        where = f"exchange_rates.{code}"
        entry = r.mapping(where, entry)
        rates[str(code)] = ExchangeRate(
            str(code), r.number(where, entry, "units_per_eur"), r.source(where, entry)
        )

    def to_eur(where: str, entry: Mapping[str, Any], amount: Decimal) -> tuple[str, Decimal]:
        currency = r.text(where, entry, "currency")
        if currency == "EUR":
            return currency, amount
        if currency not in rates:
            raise r.fail(
                where,
                f"Für die Währung „{currency}“ fehlt ein Wechselkurs im Abschnitt „exchange_rates“ "
                f"(vorhanden: EUR, {', '.join(sorted(rates))}).",
            )
        return currency, rates[currency].to_eur(amount)

    gpus: dict[str, GpuPrice] = {}
    for name, entry in r.section(raw, "gpus").items():
        where = f"gpus.{name}"
        entry = r.mapping(where, entry)
        price = r.number(where, entry, "price")
        currency, price_eur = to_eur(where, entry, price)
        gpus[str(name)] = GpuPrice(
            name=str(name),
            label=r.text(where, entry, "label"),
            price=price,
            currency=currency,
            price_eur=price_eur,
            price_kind=r.text(where, entry, "price_kind"),
            power_w=float(r.number(where, entry, "power_w")),
            vram_gb=float(r.number(where, entry, "vram_gb")),
            hardware=str(name),
            source=r.source(where, entry),
        )

    clouds: dict[str, CloudPrice] = {}
    for name, entry in r.section(raw, "cloud").items():
        where = f"cloud.{name}"
        entry = r.mapping(where, entry)
        instance_price = r.number(where, entry, "price_per_hour")
        gpus_count = entry.get("gpus", 1)
        if isinstance(gpus_count, bool) or not isinstance(gpus_count, int) or gpus_count <= 0:
            raise r.fail(
                where, f"Feld „gpus“ muss eine ganze Zahl größer als 0 sein, erhalten: {gpus_count!r}."
            )
        currency, instance_eur = to_eur(where, entry, instance_price)
        clouds[str(name)] = CloudPrice(
            name=str(name),
            label=r.text(where, entry, "label"),
            instance_price_per_hour=instance_price,
            gpus=gpus_count,
            currency=currency,
            price_per_gpu_hour_eur=instance_eur / gpus_count,
            hardware=r.text(where, entry, "gpu_class"),
            source=r.source(where, entry),
        )

    apis: dict[str, ApiPrice] = {}
    for name, entry in r.section(raw, "apis").items():
        where = f"apis.{name}"
        entry = r.mapping(where, entry)
        price_in = r.number(where, entry, "input_per_million", positive=False)
        price_out = r.number(where, entry, "output_per_million", positive=False)
        currency, in_eur = to_eur(where, entry, price_in)
        _, out_eur = to_eur(where, entry, price_out)
        apis[str(name)] = ApiPrice(
            name=str(name),
            label=r.text(where, entry, "label"),
            input_per_million=price_in,
            output_per_million=price_out,
            currency=currency,
            input_eur_per_million=in_eur,
            output_eur_per_million=out_eur,
            source=r.source(where, entry),
        )

    electricity: dict[str, ElectricityPrice] = {}
    for name, entry in r.section(raw, "electricity").items():
        where = f"electricity.{name}"
        entry = r.mapping(where, entry)
        currency = r.text(where, entry, "currency")
        if currency != "EUR":
            raise r.fail(
                where,
                f"Feld „currency“: Strompreise werden in EUR (Cent je kWh) erwartet, erhalten: {currency!r}.",
            )
        electricity[str(name)] = ElectricityPrice(
            name=str(name),
            label=r.text(where, entry, "label"),
            ct_per_kwh=r.number(where, entry, "ct_per_kwh"),
            source=r.source(where, entry),
        )

    throughput: dict[tuple[str, str], Throughput] = {}
    models: dict[str, str] = {}
    for model, entry in r.section(raw, "throughput").items():
        where = f"throughput.{model}"
        entry = r.mapping(where, entry)
        kind = r.text(where, entry, "kind")
        if kind not in _THROUGHPUT_KINDS:
            raise r.fail(
                where,
                f"Feld „kind“ muss einer von {', '.join(sorted(_THROUGHPUT_KINDS))} sein, erhalten: {kind!r}.",
            )
        source = r.source(where, entry) if kind != "annahme" or "source" in entry else None
        label = r.text(where, entry, "label")
        basis = r.text(where, entry, "basis")
        if kind == "annahme":
            as_of = r.date(where, entry)
            source = source or Source("Annahme der Redaktion", "", as_of, False)
        values = r.mapping(f"{where}.tokens_per_s", entry.get("tokens_per_s"))
        models[str(model)] = label
        for hardware in values:
            tps = r.number(f"{where}.tokens_per_s", values, hardware)
            throughput[(str(model), str(hardware))] = Throughput(
                str(model), label, str(hardware), float(tps), kind, basis, source
            )

    assumptions: dict[str, Assumption] = {}
    for key, entry in r.section(raw, "assumptions").items():
        where = f"assumptions.{key}"
        entry = r.mapping(where, entry)
        assumptions[str(key)] = Assumption(
            key=str(key),
            label=r.text(where, entry, "label"),
            value=r.number(where, entry, "value", positive=False),
            unit=r.text(where, entry, "unit"),
            basis=r.text(where, entry, "basis"),
            as_of=r.date(where, entry),
        )
    required = {
        "depreciation_months",
        "utilisation",
        "hours_per_month",
        "overhead_eur_per_month",
        "idle_power_w",
        "input_share",
    }
    missing = sorted(required - set(assumptions))
    if missing:
        raise DataError(f"Preisdatei „{file}“: Im Abschnitt „assumptions“ fehlen: {', '.join(missing)}.")

    defaults = dict(r.mapping("defaults", raw.get("defaults", {})))
    if "electricity" not in defaults:
        raise r.fail("defaults", "Feld „electricity“ fehlt.")
    data = PriceData(file, rates, gpus, clouds, apis, electricity, throughput, models, assumptions, defaults)
    data.electricity_price()
    for key, table in (("gpu", gpus), ("cloud", clouds), ("api", apis)):
        for name in defaults.get(key, []) or []:
            if name not in table:
                raise r.fail(
                    f"defaults.{key}", f"unbekannter Name „{name}“.{closest_names(str(name), list(table))}"
                )
    if "model" in defaults and defaults["model"] not in models:
        raise r.fail("defaults.model", f"unbekanntes Modell „{defaults['model']}“.")

    directory = Path(measurements_dir) if measurements_dir is not None else _default_measurements_dir()
    if directory is not None:
        _merge_measurements(data, directory)
    return data


def _merge_measurements(data: PriceData, directory: Path) -> None:
    """Ersetzt Durchsatzannahmen durch Messwerte aus JSON-Dateien (Schlüssel ``throughput_for_costs``)."""
    if not directory.is_dir():
        raise DataError(f"Der Ordner mit Messergebnissen „{directory}“ existiert nicht.")
    for file in sorted(directory.glob("*.json")):
        try:
            content = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # other result formats are not ours to judge
        if not isinstance(content, Mapping) or "throughput_for_costs" not in content:
            continue
        entries = content["throughput_for_costs"]
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise DataError(f"Messdatei „{file}“: „throughput_for_costs“ muss eine Liste sein.")
        for index, entry in enumerate(entries):
            where = f"throughput_for_costs[{index}]"
            reader = _Reader(file)
            entry = reader.mapping(where, entry)
            model = reader.text(where, entry, "model")
            hardware = reader.text(where, entry, "hardware")
            tps = float(reader.number(where, entry, "tokens_per_s"))
            date = reader.date(where, entry, "date")
            description = reader.text(where, entry, "source")
            label = data.models.get(model, str(entry.get("label", model)))
            data.models.setdefault(model, label)
            source = Source(description, str(file.name), date, True, "eigene Messung")
            data.throughput[(model, hardware)] = Throughput(
                model, label, hardware, tps, "messung", description, source
            )
