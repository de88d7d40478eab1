"""Szenarien durchrechnen: aus Preisdatei, Messung und Eingaben die Kosten aller Optionen und den Break-even.

`settings_for` setzt die Eingaben zusammen (Szenario der Preisdatei, überschrieben durch eigene Werte),
`evaluate` rechnet jede Option durch: eigene Hardware je Grafikkarte, gemietete GPU, APIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from slmwiki.costs import model as m
from slmwiki.costs import validation
from slmwiki.costs.prices import PriceData
from slmwiki.costs.throughput import Measurements, Throughput, throughput
from slmwiki.errors import ConfigError

__all__ = ["Evaluation", "OptionResult", "Settings", "evaluate", "reference_gpu", "settings_for"]

#: Art der Optionen für Tabellen.
KIND_OWN, KIND_CLOUD, KIND_API = "Eigene Hardware", "Cloud-GPU", "API"


@dataclass(frozen=True)
class Settings:
    """Alle Eingaben einer Rechnung."""

    workload: m.Workload
    operation: m.Operation
    model: str
    batch: int
    gpus: tuple[str, ...]
    clouds: tuple[str, ...]
    apis: tuple[str, ...]
    redundancy: bool
    purchase_eur: float | None = None
    """Eigener Kaufpreis je Server (GPU und Server) für alle eigenen Optionen; `None` = laut Preisdatei."""
    scenario: str | None = None


@dataclass(frozen=True)
class OptionResult:
    """Ergebnis einer Option."""

    key: str
    label: str
    kind: str
    monthly_eur: float | None
    """Kosten je Monat; `None`, wenn nicht berechenbar (Kaufpreis nicht belegt, Modell passt nicht)."""
    gpus: int | None = None
    parts: dict[str, float | None] = field(default_factory=dict)
    derived: bool = False
    note: str = ""
    break_even_requests_per_day: float | None = None
    """Anfragen je Tag, ab denen diese Option günstiger ist als die günstigste API."""
    max_purchase_eur: float | None = None
    """Höchster Kaufpreis je Server, bis zu dem eigene Hardware nicht teurer ist als die günstigste API."""


@dataclass(frozen=True)
class Evaluation:
    """Alle Optionen einer Rechnung und die günstigste API."""

    settings: Settings
    options: list[OptionResult]
    cheapest_api: OptionResult

    def option(self, key: str) -> OptionResult:
        """Option nach Schlüssel, z. B. „eigen:rtx-5090“."""
        return next(o for o in self.options if o.key == key)


def reference_gpu(data: PriceData, measurements: Measurements) -> str:
    """Name der Messkarte in der Preisdatei (z. B. „h200“), erkannt am Namen in der Messung."""
    name = measurements.gpu_name.lower()
    for key, spec in data.gpus.items():
        if key in name.replace(" ", "-") or spec.label.lower().split(" (")[0].replace("nvidia ", "") in name:
            return key
    raise ConfigError(f"Die Messkarte „{measurements.gpu_name}“ steht nicht unter „gpus“ der Preisdatei.")


def settings_for(
    data: PriceData,
    scenario: str | None = None,
    *,
    requests_per_day: object = None,
    days_per_month: object = None,
    input_tokens: object = None,
    output_tokens: object = None,
    peak_hours: object = None,
    model: str | None = None,
    batch: object = None,
    gpus: list[str] | None = None,
    clouds: list[str] | None = None,
    apis: list[str] | None = None,
    redundancy: bool | None = None,
    electricity_ct: object = None,
    electricity: str | None = None,
    pue: object = None,
    staff_fte: object = None,
    staff_eur_per_year: object = None,
    target_utilisation: object = None,
    depreciation_months: object = None,
    purchase_eur: object = None,
) -> Settings:
    """Setzt die Eingaben zusammen: Szenario der Preisdatei, jede Angabe einzeln überschreibbar.

    Zahlen dürfen auch als Text kommen (Kommandozeile); ungültige Werte lösen `ConfigError` aus.
    """
    spec = data.scenario(scenario or data.defaults["scenario"])

    def pick(value: object, default: float, check=validation.positive, name: str = "") -> float:
        return default if value is None else check(name, value)

    workload = m.Workload(
        requests_per_day=pick(requests_per_day, spec.requests_per_day, name="requests_per_day"),
        days_per_month=pick(days_per_month, spec.days_per_month, name="days_per_month"),
        input_tokens=pick(input_tokens, spec.input_tokens, validation.non_negative, "input_tokens"),
        output_tokens=pick(output_tokens, spec.output_tokens, name="output_tokens"),
        peak_hours=pick(peak_hours, spec.peak_hours, name="peak_hours"),
    )
    if electricity_ct is not None and electricity is not None:
        raise ConfigError("Geben Sie entweder „--electricity-ct“ oder „--electricity“ an, nicht beides.")
    ct = data.electricity_price(electricity or data.defaults["electricity"]).ct_per_kwh
    operation = m.Operation(
        electricity_ct_per_kwh=pick(electricity_ct, ct, validation.non_negative, "electricity_ct"),
        pue=pick(pue, data.assumption("pue"), name="pue"),
        hours_per_month=data.assumption("hours_per_month"),
        target_utilisation=pick(
            target_utilisation, data.assumption("target_utilisation"), validation.share, "target_utilisation"
        ),
        staff_fte=pick(staff_fte, data.assumption("staff_fte"), validation.non_negative, "staff_fte"),
        staff_eur_per_year=pick(
            staff_eur_per_year,
            data.assumption("staff_eur_per_year"),
            validation.non_negative,
            "staff_eur_per_year",
        ),
        depreciation_months=pick(
            depreciation_months, data.assumption("depreciation_months"), name="depreciation_months"
        ),
    )
    batch_value = spec.batch if batch is None else validation.positive("batch", batch)
    if batch_value != int(batch_value):
        raise ConfigError(f"„batch“ muss eine ganze Zahl sein, erhalten: {batch!r}.")
    gpu_names = tuple(gpus) if gpus else tuple(dict.fromkeys([spec.gpu, *data.defaults["gpus"]]))
    for name in gpu_names:
        data.gpu(name)
    cloud_names = tuple(clouds) if clouds else tuple(data.defaults["cloud"])
    for name in cloud_names:
        data.cloud_offer(name)
    api_names = tuple(apis) if apis else tuple(data.defaults["api"])
    for name in api_names:
        data.api(name)
    return Settings(
        workload=workload,
        operation=operation,
        model=model or spec.model,
        batch=int(batch_value),
        gpus=gpu_names,
        clouds=cloud_names,
        apis=api_names,
        redundancy=spec.redundancy if redundancy is None else bool(redundancy),
        purchase_eur=None if purchase_eur is None else validation.non_negative("purchase_eur", purchase_eur),
        scenario=spec.name,
    )


def hardware_for(
    data: PriceData, gpu: str, purchase_eur: float | None = None
) -> dict[str, float | str | None]:
    """Anzeigename, Kaufpreis (GPU + Server, netto) und Leistungsaufnahme eines eigenen Servers mit `gpu`."""
    spec, server = data.gpu(gpu), data.server()
    price = purchase_eur
    if price is None and spec.price_eur_net is not None:
        price = spec.price_eur_net + server.price_eur_net
    return {
        "label": f"{spec.label} (eigener Server)",
        "purchase_eur": price,
        "idle_w": spec.idle_w + server.idle_w,
        "load_extra_w": spec.power_w - spec.idle_w + server.load_extra_w,
    }


def node_for(
    data: PriceData,
    measurements: Measurements,
    gpu: str,
    model: str,
    batch: int,
    purchase_eur: float | None = None,
) -> tuple[m.Node, Throughput]:
    """Eigener Server mit der Grafikkarte `gpu`: Durchsatz, Kaufpreis (GPU + Server), Leistungsaufnahme."""
    rate = throughput(measurements, model, data.gpu(gpu), data.gpu(reference_gpu(data, measurements)), batch)
    hw = hardware_for(data, gpu, purchase_eur)
    node = m.Node(
        label=hw["label"],
        prefill_tokens_per_s=rate.prefill_tokens_per_s,
        decode_tokens_per_s=rate.decode_tokens_per_s,
        purchase_eur=hw["purchase_eur"],
        idle_w=hw["idle_w"],
        load_extra_w=hw["load_extra_w"],
    )
    return node, rate


def rental_for(
    data: PriceData, measurements: Measurements, cloud: str, model: str, batch: int
) -> tuple[m.Rental, Throughput]:
    """Gemietete GPU `cloud` mit dem Durchsatz ihrer Grafikkarte."""
    offer = data.cloud_offer(cloud)
    rate = throughput(
        measurements, model, data.gpu(offer.gpu), data.gpu(reference_gpu(data, measurements)), batch
    )
    return m.Rental(
        offer.label, rate.prefill_tokens_per_s, rate.decode_tokens_per_s, offer.eur_per_hour
    ), rate


def api_for(data: PriceData, name: str) -> m.ApiPrice:
    """API `name` mit Euro-Preisen."""
    offer = data.api(name)
    return m.ApiPrice(offer.label, offer.input_eur_per_million, offer.output_eur_per_million)


def evaluate(data: PriceData, measurements: Measurements, settings: Settings) -> Evaluation:
    """Rechnet alle Optionen durch.

    Args:
        data: Preisdaten.
        measurements: Durchsatzmessung.
        settings: Eingaben (`settings_for`).

    Returns:
        Kosten je Monat aller Optionen, Break-even gegenüber der günstigsten API und, wo kein Kaufpreis belegt
        ist, der höchste Kaufpreis, bis zu dem sich eigene Hardware lohnt.
    """
    w, op = settings.workload, settings.operation
    measured = measurements.model(settings.model)
    batches = sorted(set(measured.prefill) & set(measured.decode))
    if settings.batch not in batches:
        raise ConfigError(
            f"Für Batchgröße {settings.batch} gibt es keine Messung; gemessen sind: {', '.join(map(str, batches))}."
        )
    apis = []
    for name in settings.apis:
        offer = data.api(name)
        apis.append(
            OptionResult(
                key=f"api:{name}",
                label=offer.label,
                kind=KIND_API,
                monthly_eur=m.api_cost(w, api_for(data, name)),
                note=f"Verarbeitung: {offer.region}",
            )
        )
    cheapest = min(apis, key=lambda o: o.monthly_eur)
    cheapest_api = api_for(data, cheapest.key.split(":", 1)[1])
    options: list[OptionResult] = []
    for name in settings.gpus:
        spec = data.gpu(name)
        try:
            node, rate = node_for(
                data, measurements, name, settings.model, settings.batch, settings.purchase_eur
            )
        except ConfigError as exc:
            options.append(
                OptionResult(f"eigen:{name}", f"{spec.label} (eigener Server)", KIND_OWN, None, note=str(exc))
            )
            continue
        cost = m.own_cost(w, node, op, settings.redundancy)
        note = "Kaufpreis nicht belegt – Angebot einholen" if node.purchase_eur is None else ""
        if spec.consumer:
            note = "GeForce: Treiberlizenz schließt Rechenzentren aus"
        options.append(
            OptionResult(
                key=f"eigen:{name}",
                label=node.label,
                kind=KIND_OWN,
                monthly_eur=cost.total_eur,
                gpus=cost.gpus,
                parts={
                    "abschreibung": cost.depreciation_eur,
                    "strom": cost.energy_eur,
                    "personal": cost.staff_eur,
                },
                derived=rate.derived,
                note=note,
                break_even_requests_per_day=m.break_even_own(w, node, op, settings.redundancy, cheapest_api),
                max_purchase_eur=m.max_purchase_price(w, node, op, settings.redundancy, cheapest.monthly_eur),
            )
        )
    for name in settings.clouds:
        try:
            rental, rate = rental_for(data, measurements, name, settings.model, settings.batch)
        except ConfigError as exc:
            options.append(
                OptionResult(f"cloud:{name}", data.cloud_offer(name).label, KIND_CLOUD, None, note=str(exc))
            )
            continue
        cost = m.rental_cost(w, rental, op)
        options.append(
            OptionResult(
                key=f"cloud:{name}",
                label=rental.label,
                kind=KIND_CLOUD,
                monthly_eur=cost.total_eur,
                gpus=cost.gpus,
                parts={"miete": cost.rent_eur, "personal": cost.staff_eur},
                derived=rate.derived,
                note=data.cloud_offer(name).source.note,
                break_even_requests_per_day=m.break_even_rental(w, rental, op, cheapest_api),
            )
        )
    return Evaluation(settings, options + apis, cheapest)


def with_workload(settings: Settings, **changes: float) -> Settings:
    """Dieselben Eingaben mit geänderter Last, z. B. ``requests_per_day=1000``."""
    return replace(settings, workload=replace(settings.workload, **changes))
