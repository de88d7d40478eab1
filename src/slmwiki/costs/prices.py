"""Preisdaten laden und prüfen: `data/prices.yaml` mit Quelle und Stand je Eintrag.

`load_prices` liest die Datei und prüft jedes Feld; fehlt eine Quelle, ein Datum oder ein Wert, oder ist ein
Wert unplausibel (negativ, Anteil über 1), bricht das Laden mit einer `DataError` ab, die Datei, Eintrag und
Feld nennt. US-Dollar-Preise rechnet das Modul mit dem EZB-Kurs der Datei in Euro um.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmwiki.costs import validation
from slmwiki.errors import ConfigError, DataError

__all__ = [
    "ApiOffer",
    "Assumption",
    "CloudOffer",
    "ElectricityPrice",
    "ExchangeRate",
    "GpuSpec",
    "PriceData",
    "ScenarioSpec",
    "Server",
    "Source",
    "default_prices_path",
    "load_prices",
]

_KINDS = {"quelle": "Quelle", "abgeleitet": "abgeleitet", "schaetzung": "eigene Schätzung"}
_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


@dataclass(frozen=True)
class Source:
    """Herkunft eines Wertes: Quelle, Adresse, Stand und Art (Quelle, abgeleitet, eigene Schätzung)."""

    text: str
    url: str
    as_of: str
    kind: str
    verified: bool
    basis: str = ""
    note: str = ""

    @property
    def kind_german(self) -> str:
        """Art des Wertes auf Deutsch: „Quelle“, „abgeleitet“ oder „eigene Schätzung“."""
        return _KINDS[self.kind]

    @property
    def as_of_german(self) -> str:
        """Stand als „Monat Jahr“ (z. B. „Juli 2025“) oder Jahr."""
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-\d{2})?", self.as_of)
        if not match:
            return self.as_of
        year, month = match.groups()
        return f"{_MONTHS[int(month) - 1]} {year}" if month else year


@dataclass(frozen=True)
class ExchangeRate:
    """Wechselkurs: Einheiten der Fremdwährung je Euro."""

    currency: str
    units_per_eur: float
    source: Source


@dataclass(frozen=True)
class ElectricityPrice:
    """Strompreis in Cent je kWh, netto."""

    name: str
    label: str
    ct_per_kwh: float
    source: Source


@dataclass(frozen=True)
class GpuSpec:
    """Datenblattwerte einer Grafikkarte und, wo belegt, ihr Nettopreis in Euro."""

    name: str
    label: str
    memory_gb: float
    bandwidth_gb_s: float
    bf16_dense_tflops: float
    power_w: float
    idle_w: float
    price_eur_net: float | None
    consumer: bool
    source: Source


@dataclass(frozen=True)
class Server:
    """Der Rechner um die Grafikkarte (ohne GPU): Preis und Leistungsaufnahme."""

    name: str
    label: str
    price_eur_net: float
    idle_w: float
    load_extra_w: float
    source: Source


@dataclass(frozen=True)
class CloudOffer:
    """Eine gemietete GPU mit Stundenpreis (umgerechnet in Euro)."""

    name: str
    label: str
    eur_per_hour: float
    price_per_hour: float
    currency: str
    gpu: str
    source: Source


@dataclass(frozen=True)
class ApiOffer:
    """Eine API mit Preisen je 1 Mio. Eingabe- und Ausgabe-Tokens (umgerechnet in Euro)."""

    name: str
    label: str
    input_eur_per_million: float
    output_eur_per_million: float
    input_per_million: float
    output_per_million: float
    currency: str
    region: str
    source: Source


@dataclass(frozen=True)
class Assumption:
    """Eine Rechenannahme mit Einheit und Herkunft."""

    name: str
    label: str
    value: float
    unit: str
    source: Source


@dataclass(frozen=True)
class ScenarioSpec:
    """Ein Szenario in betrieblichen Einheiten (Anfragen je Tag, Tokens je Anfrage)."""

    name: str
    label: str
    description: str
    requests_per_day: float
    days_per_month: float
    input_tokens: float
    output_tokens: float
    peak_hours: float
    model: str
    batch: int
    gpu: str
    redundancy: bool
    basis: str


@dataclass
class PriceData:
    """Alle Einträge der Preisdatei, geprüft."""

    path: Path
    exchange_rates: dict[str, ExchangeRate]
    electricity: dict[str, ElectricityPrice]
    gpus: dict[str, GpuSpec]
    servers: dict[str, Server]
    cloud: dict[str, CloudOffer]
    apis: dict[str, ApiOffer]
    assumptions: dict[str, Assumption]
    scenarios: dict[str, ScenarioSpec]
    licences: dict[str, Source] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def gpu(self, name: str) -> GpuSpec:
        """Grafikkarte nach Namen (`ConfigError` mit Vorschlägen, wenn unbekannt)."""
        return self.gpus[validation.known("Grafikkarte", name, self.gpus)]

    def cloud_offer(self, name: str) -> CloudOffer:
        """Cloud-Angebot nach Namen."""
        return self.cloud[validation.known("Cloud-GPU", name, self.cloud)]

    def api(self, name: str) -> ApiOffer:
        """API nach Namen."""
        return self.apis[validation.known("API", name, self.apis)]

    def electricity_price(self, name: str) -> ElectricityPrice:
        """Strompreis nach Namen."""
        return self.electricity[validation.known("Strompreis", name, self.electricity)]

    def scenario(self, name: str) -> ScenarioSpec:
        """Szenario nach Namen."""
        return self.scenarios[validation.known("Szenario", name, self.scenarios)]

    def server(self, name: str | None = None) -> Server:
        """Server nach Namen (Standard: laut Voreinstellung)."""
        return self.servers[validation.known("Server", name or self.defaults["server"], self.servers)]

    def assumption(self, name: str) -> float:
        """Wert einer Rechenannahme."""
        return self.assumptions[validation.known("Annahme", name, self.assumptions)].value


def default_prices_path() -> Path:
    """Pfad der mitgelieferten Preisdatei.

    Gesucht wird zuerst im Paket (``slmwiki/data/prices.yaml``), dann im Repository (``data/prices.yaml``).

    Returns:
        Den Pfad.

    Raises:
        DataError: Wenn keine Preisdatei gefunden wird.
    """
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "data" / "prices.yaml", package.parents[1] / "data" / "prices.yaml"):
        if candidate.is_file():
            return candidate
    raise DataError(
        "Die Preisdatei „data/prices.yaml“ wurde nicht gefunden; geben Sie einen Pfad an (--prices)."
    )


class _Reader:
    """Liest Felder eines Eintrags und meldet Fehler mit Datei, Eintrag und Feld."""

    def __init__(self, path: Path, where: str, entry: object) -> None:
        if not isinstance(entry, dict):
            raise DataError(f"{path}: Eintrag „{where}“ muss eine Zuordnung (Schlüssel: Wert) sein.")
        self.path, self.where, self.entry = path, where, entry

    def fail(self, key: str, message: str) -> DataError:
        return DataError(f"{self.path}: Eintrag „{self.where}“, Feld „{key}“: {message}")

    def text(self, key: str, *, allow_empty: bool = False, default: str | None = None) -> str:
        value = self.entry.get(key, default)
        if value is None or not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(key, "fehlt oder ist kein Text.")
        return value

    def number(self, key: str, *, positive: bool = False, optional: bool = False) -> float | None:
        value = self.entry.get(key)
        if value is None and optional:
            return None
        try:
            result = validation.positive(key, value) if positive else validation.non_negative(key, value)
        except ConfigError as exc:
            raise self.fail(key, str(exc)) from None
        return result

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.entry.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "muss true oder false sein.")
        return value

    def source(self) -> Source:
        kind = self.text("kind")
        if kind not in _KINDS:
            raise self.fail("kind", f"muss einer von {', '.join(_KINDS)} sein, erhalten: „{kind}“.")
        as_of = self.entry.get("as_of")
        if isinstance(as_of, _dt.date):
            raise self.fail("as_of", "muss in Anführungszeichen stehen (ISO-Datum als Text).")
        as_of = self.text("as_of")
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", as_of):
            raise self.fail(
                "as_of", f"muss ein Datum wie „2025-07-01“, „2025-07“ oder „2025“ sein: „{as_of}“."
            )
        basis = self.text("basis", allow_empty=True, default="")
        if kind in ("abgeleitet", "schaetzung") and not basis.strip():
            raise self.fail("basis", "fehlt: abgeleitete Werte und Schätzungen brauchen eine Herleitung.")
        url = self.text("url", allow_empty=True, default="")
        if kind == "quelle" and not url.startswith("https://"):
            raise self.fail(
                "url", "fehlt oder beginnt nicht mit https:// (Werte aus Quellen brauchen eine Adresse)."
            )
        return Source(
            text=self.text("source"),
            url=url,
            as_of=as_of,
            kind=kind,
            verified=self.flag("verified"),
            basis=basis.strip(),
            note=self.text("note", allow_empty=True, default="").strip(),
        )


def _section(path: Path, raw: dict, key: str) -> dict[str, Any]:
    section = raw.get(key)
    if not isinstance(section, dict) or not section:
        raise DataError(f"{path}: Abschnitt „{key}“ fehlt oder ist leer.")
    return section


def _to_eur(path: Path, rates: dict[str, ExchangeRate], reader: _Reader, amount: float) -> float:
    currency = reader.text("currency")
    if currency == "EUR":
        return amount
    if currency not in rates:
        raise reader.fail("currency", f"Für „{currency}“ steht kein Wechselkurs unter „exchange_rates“.")
    return amount / rates[currency].units_per_eur


def load_prices(path: str | Path | None = None) -> PriceData:
    """Lädt und prüft die Preisdatei.

    Args:
        path: Pfad einer YAML-Datei; `None` nimmt `default_prices_path()`.

    Returns:
        Die geprüften Preisdaten.

    Raises:
        DataError: Wenn die Datei fehlt, kein gültiges YAML ist oder ein Feld fehlt oder unplausibel ist.
    """
    import yaml

    file = Path(path) if path is not None else default_prices_path()
    if not file.is_file():
        raise DataError(f"Die Preisdatei „{file}“ gibt es nicht.")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{file}: kein gültiges YAML ({exc}).") from None
    if not isinstance(raw, dict) or raw.get("schema") != 2:
        raise DataError(f"{file}: erwartet wird eine Preisdatei mit „schema: 2“.")

    rates: dict[str, ExchangeRate] = {}
    for name, entry in _section(file, raw, "exchange_rates").items():
        r = _Reader(file, f"exchange_rates.{name}", entry)
        rates[name] = ExchangeRate(name, r.number("units_per_eur", positive=True), r.source())

    electricity = {}
    for name, entry in _section(file, raw, "electricity").items():
        r = _Reader(file, f"electricity.{name}", entry)
        ct = r.number("ct_per_kwh", positive=True)
        if ct > 200:
            raise r.fail("ct_per_kwh", f"{ct:g} ct/kWh ist unplausibel (Cent, nicht Euro?).")
        electricity[name] = ElectricityPrice(name, r.text("label"), ct, r.source())

    gpus = {}
    for name, entry in _section(file, raw, "gpus").items():
        r = _Reader(file, f"gpus.{name}", entry)
        power, idle = r.number("power_w", positive=True), r.number("idle_w")
        if idle > power:
            raise r.fail("idle_w", f"Leerlauf ({idle:g} W) größer als Last ({power:g} W).")
        gpus[name] = GpuSpec(
            name,
            r.text("label"),
            r.number("memory_gb", positive=True),
            r.number("bandwidth_gb_s", positive=True),
            r.number("bf16_dense_tflops", positive=True),
            power,
            idle,
            r.number("price_eur_net", positive=True, optional=True),
            r.flag("consumer"),
            r.source(),
        )

    servers = {}
    for name, entry in _section(file, raw, "servers").items():
        r = _Reader(file, f"servers.{name}", entry)
        servers[name] = Server(
            name,
            r.text("label"),
            r.number("price_eur_net"),
            r.number("idle_w"),
            r.number("load_extra_w"),
            r.source(),
        )

    cloud = {}
    for name, entry in _section(file, raw, "cloud").items():
        r = _Reader(file, f"cloud.{name}", entry)
        price = r.number("price_per_hour", positive=True)
        gpu = r.text("gpu")
        if gpu not in gpus:
            raise r.fail("gpu", f"„{gpu}“ steht nicht unter „gpus“.")
        cloud[name] = CloudOffer(
            name, r.text("label"), _to_eur(file, rates, r, price), price, r.text("currency"), gpu, r.source()
        )

    apis = {}
    for name, entry in _section(file, raw, "apis").items():
        r = _Reader(file, f"apis.{name}", entry)
        price_in, price_out = r.number("input_per_million"), r.number("output_per_million")
        apis[name] = ApiOffer(
            name,
            r.text("label"),
            _to_eur(file, rates, r, price_in),
            _to_eur(file, rates, r, price_out),
            price_in,
            price_out,
            r.text("currency"),
            r.text("region"),
            r.source(),
        )

    assumptions = {}
    for name, entry in _section(file, raw, "assumptions").items():
        r = _Reader(file, f"assumptions.{name}", entry)
        value = r.number("value", positive=True)
        if r.text("unit") == "Anteil" and value > 1:
            raise r.fail("value", f"Ein Anteil darf höchstens 1 sein, erhalten: {value:g}.")
        assumptions[name] = Assumption(name, r.text("label"), value, r.text("unit"), r.source())
    for needed in (
        "depreciation_months",
        "hours_per_month",
        "pue",
        "target_utilisation",
        "staff_fte",
        "staff_eur_per_year",
    ):
        if needed not in assumptions:
            raise DataError(f"{file}: Annahme „assumptions.{needed}“ fehlt.")

    scenarios = {}
    for name, entry in _section(file, raw, "scenarios").items():
        r = _Reader(file, f"scenarios.{name}", entry)
        peak = r.number("peak_hours", positive=True)
        if peak > 24:
            raise r.fail("peak_hours", f"höchstens 24 Stunden je Tag, erhalten: {peak:g}.")
        batch = r.number("batch", positive=True)
        gpu = r.text("gpu")
        if gpu not in gpus:
            raise r.fail("gpu", f"„{gpu}“ steht nicht unter „gpus“.")
        scenarios[name] = ScenarioSpec(
            name,
            r.text("label"),
            r.text("description"),
            r.number("requests_per_day", positive=True),
            r.number("days_per_month", positive=True),
            r.number("input_tokens"),
            r.number("output_tokens", positive=True),
            peak,
            r.text("model"),
            int(batch),
            gpu,
            r.flag("redundancy"),
            r.text("basis"),
        )

    licences = {}
    for name, entry in (raw.get("licences") or {}).items():
        licences[name] = _Reader(file, f"licences.{name}", entry).source()

    defaults = raw.get("defaults")
    if not isinstance(defaults, dict):
        raise DataError(f"{file}: Abschnitt „defaults“ fehlt.")
    data = PriceData(
        file, rates, electricity, gpus, servers, cloud, apis, assumptions, scenarios, licences, defaults
    )
    for key, pool in (("scenario", scenarios), ("electricity", electricity), ("server", servers)):
        if defaults.get(key) not in pool:
            raise DataError(
                f"{file}: „defaults.{key}“ nennt keinen bekannten Eintrag: {defaults.get(key)!r}."
            )
    for key, pool in (("cloud", cloud), ("api", apis), ("gpus", gpus)):
        names = defaults.get(key)
        if not isinstance(names, list) or not names or any(n not in pool for n in names):
            raise DataError(f"{file}: „defaults.{key}“ muss eine Liste bekannter Namen sein: {names!r}.")
    return data
