"""Rechenmodell: Kosten je Monat für eigene Hardware, gemietete GPU und API; Break-even.

Die Last beschreibt eine `Workload` in betrieblichen Einheiten: $R$ Anfragen je Tag an $D$ Tagen im Monat,
je Anfrage $T_\\text{ein}$ Eingabe- und $T_\\text{aus}$ Ausgabe-Tokens, verteilt auf $h$ Stunden je Tag.

**Rechenzeit je Anfrage** auf einer GPU mit Prefill-Durchsatz $r_\\text{pre}$ und Decode-Durchsatz
$r_\\text{dec}$ (beide für alle gleichzeitigen Anfragen zusammen, bei der gewählten Batchgröße):
$s = T_\\text{ein}/r_\\text{pre} + T_\\text{aus}/r_\\text{dec}$ Sekunden.

**Zahl der GPUs:** Eine GPU schafft in der Spitzenzeit $C = 3600 \\cdot h \\cdot u / s$ Anfragen je Tag
($u$ = Ziel-Auslastung); gebraucht werden $n = \\max(1, \\lceil R / C \\rceil)$, mit Ausfallreserve $n + 1$.

**Eigene Hardware** je Monat: Abschreibung $n \\cdot P / N$ (Kaufpreis $P$ von GPU und Server, $N$ Monate)
+ Strom $\\bigl(n \\cdot L_0 \\cdot H + L_1 \\cdot R \\cdot D \\cdot s / 3600\\bigr) \\cdot \\text{PUE} \\cdot p$
(Leerlauf $L_0$ über alle $H$ Betriebsstunden, Mehrverbrauch $L_1$ unter Last während der Rechenzeit)
+ Personal $f \\cdot S / 12$ (Anteil $f$ einer Stelle mit Jahreskosten $S$).

**Gemietete GPU:** $n \\cdot H \\cdot c_h$ + Personal. **API:** $R \\cdot D \\cdot
(T_\\text{ein} c_\\text{ein} + T_\\text{aus} c_\\text{aus}) / 10^6$.

Gerechnet wird in Gleitkommazahlen in genau der Reihenfolge, die auch der Rechner auf der Seite
(`docs/assets/javascripts/kostenrechner.js`) verwendet; so liefern beide dieselben Zahlen. Gerundet wird erst
bei der Ausgabe (kaufmännisch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slmwiki.costs import validation

__all__ = [
    "ApiPrice",
    "Node",
    "Operation",
    "OwnCost",
    "Rental",
    "RentalCost",
    "Workload",
    "api_cost",
    "break_even_own",
    "break_even_rental",
    "capacity_per_gpu",
    "gpus_needed",
    "max_purchase_price",
    "own_cost",
    "rental_cost",
    "seconds_per_request",
]

#: Höchstzahl an GPUs, bis zu der der Break-even gesucht wird.
MAX_GPUS = 10_000


@dataclass(frozen=True)
class Workload:
    """Last in betrieblichen Einheiten."""

    requests_per_day: float
    days_per_month: float
    input_tokens: float
    output_tokens: float
    peak_hours: float
    """Stunden je Tag, auf die sich die Anfragen verteilen (Spitzenzeit)."""

    def __post_init__(self) -> None:
        validation.positive("requests_per_day", self.requests_per_day)
        validation.at_most(
            "days_per_month", validation.positive("days_per_month", self.days_per_month), 31, "Tage"
        )
        validation.non_negative("input_tokens", self.input_tokens)
        validation.positive("output_tokens", self.output_tokens)
        validation.at_most("peak_hours", validation.positive("peak_hours", self.peak_hours), 24, "Stunden")

    @property
    def requests_per_month(self) -> float:
        """Anfragen je Monat."""
        return self.requests_per_day * self.days_per_month

    @property
    def tokens_per_month(self) -> float:
        """Eingabe- und Ausgabe-Tokens je Monat zusammen."""
        return self.requests_per_month * (self.input_tokens + self.output_tokens)


@dataclass(frozen=True)
class Operation:
    """Betriebsannahmen, die für eigene und gemietete Hardware gelten."""

    electricity_ct_per_kwh: float
    pue: float
    hours_per_month: float
    target_utilisation: float
    staff_fte: float
    staff_eur_per_year: float
    depreciation_months: float

    def __post_init__(self) -> None:
        validation.non_negative("electricity_ct_per_kwh", self.electricity_ct_per_kwh)
        if validation.positive("pue", self.pue) < 1:
            raise validation.ConfigError(f"„pue“ muss mindestens 1 sein, erhalten: {self.pue!r}.")
        validation.at_most(
            "hours_per_month", validation.positive("hours_per_month", self.hours_per_month), 744, "h"
        )
        validation.share("target_utilisation", self.target_utilisation)
        validation.non_negative("staff_fte", self.staff_fte)
        validation.non_negative("staff_eur_per_year", self.staff_eur_per_year)
        validation.positive("depreciation_months", self.depreciation_months)

    @property
    def staff_eur_per_month(self) -> float:
        """Personalkosten je Monat."""
        return self.staff_fte * self.staff_eur_per_year / 12


@dataclass(frozen=True)
class Node:
    """Ein eigener Server mit einer GPU."""

    label: str
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    purchase_eur: float | None
    """Kaufpreis von GPU und Server netto; `None`, wenn kein Preis belegt ist."""
    idle_w: float
    load_extra_w: float


@dataclass(frozen=True)
class Rental:
    """Eine gemietete GPU im Dauerbetrieb."""

    label: str
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    eur_per_hour: float


@dataclass(frozen=True)
class ApiPrice:
    """Eine API mit Euro-Preisen je 1 Mio. Tokens."""

    label: str
    input_eur_per_million: float
    output_eur_per_million: float


@dataclass(frozen=True)
class OwnCost:
    """Kosten eigener Hardware je Monat, aufgeschlüsselt."""

    gpus: int
    """GPUs (Server) einschließlich Ausfallreserve."""
    depreciation_eur: float | None
    energy_eur: float
    staff_eur: float
    total_eur: float | None
    """Summe; `None`, wenn der Kaufpreis nicht belegt ist."""
    busy_hours: float


@dataclass(frozen=True)
class RentalCost:
    """Kosten gemieteter GPUs je Monat."""

    gpus: int
    rent_eur: float
    staff_eur: float
    total_eur: float


def seconds_per_request(w: Workload, prefill_tokens_per_s: float, decode_tokens_per_s: float) -> float:
    """GPU-Sekunden je Anfrage: $T_\\text{ein}/r_\\text{pre} + T_\\text{aus}/r_\\text{dec}$."""
    return w.input_tokens / prefill_tokens_per_s + w.output_tokens / decode_tokens_per_s


def capacity_per_gpu(w: Workload, op: Operation, seconds: float) -> float:
    """Anfragen je Tag, die eine GPU in der Spitzenzeit bei Ziel-Auslastung schafft."""
    return w.peak_hours * 3600 * op.target_utilisation / seconds


def gpus_needed(requests_per_day: float, capacity: float) -> int:
    """Zahl der GPUs ohne Reserve: $\\max(1, \\lceil R / C \\rceil)$."""
    return max(1, math.ceil(requests_per_day / capacity))


def _energy_eur(w: Workload, op: Operation, node: Node, gpus: int, seconds: float) -> float:
    busy_hours = w.requests_per_month * seconds / 3600
    kwh = (gpus * node.idle_w / 1000 * op.hours_per_month + node.load_extra_w / 1000 * busy_hours) * op.pue
    return kwh * op.electricity_ct_per_kwh / 100


def own_cost(w: Workload, node: Node, op: Operation, redundancy: bool) -> OwnCost:
    """Kosten eigener Hardware je Monat.

    Args:
        w: Last.
        node: Server mit GPU.
        op: Betriebsannahmen.
        redundancy: `True` = ein zusätzlicher Server als Ausfallreserve.

    Returns:
        Aufschlüsselung; ohne belegten Kaufpreis fehlen Abschreibung und Summe.
    """
    seconds = seconds_per_request(w, node.prefill_tokens_per_s, node.decode_tokens_per_s)
    gpus = gpus_needed(w.requests_per_day, capacity_per_gpu(w, op, seconds)) + (1 if redundancy else 0)
    energy = _energy_eur(w, op, node, gpus, seconds)
    staff = op.staff_eur_per_month
    depreciation = None if node.purchase_eur is None else gpus * node.purchase_eur / op.depreciation_months
    total = None if depreciation is None else depreciation + energy + staff
    return OwnCost(gpus, depreciation, energy, staff, total, w.requests_per_month * seconds / 3600)


def rental_cost(w: Workload, rental: Rental, op: Operation) -> RentalCost:
    """Kosten gemieteter GPUs im Dauerbetrieb (ohne Reserve: der Anbieter ersetzt ausgefallene Rechner)."""
    seconds = seconds_per_request(w, rental.prefill_tokens_per_s, rental.decode_tokens_per_s)
    gpus = gpus_needed(w.requests_per_day, capacity_per_gpu(w, op, seconds))
    rent = gpus * op.hours_per_month * rental.eur_per_hour
    staff = op.staff_eur_per_month
    return RentalCost(gpus, rent, staff, rent + staff)


def api_cost(w: Workload, api: ApiPrice) -> float:
    """Kosten einer API je Monat."""
    per_request = w.input_tokens * api.input_eur_per_million + w.output_tokens * api.output_eur_per_million
    return w.requests_per_month * per_request / 1_000_000


def max_purchase_price(
    w: Workload, node: Node, op: Operation, redundancy: bool, api_eur: float
) -> float | None:
    """Höchster Kaufpreis je Server, bei dem eigene Hardware nicht teurer ist als `api_eur` je Monat.

    Returns:
        Euro je Server, oder `None`, wenn schon Strom und Personal teurer sind als die API.
    """
    cost = own_cost(w, node, op, redundancy)
    margin = api_eur - cost.energy_eur - cost.staff_eur
    if margin <= 0:
        return None
    return margin * op.depreciation_months / cost.gpus


def _break_even(
    w: Workload,
    op: Operation,
    seconds: float,
    fixed_per_gpu: float,
    variable: float,
    reserve: int,
    api: ApiPrice,
) -> float | None:
    """Anfragen je Tag, bei denen Fixkosten je GPU plus variable Kosten den API-Kosten gleichen."""
    per_request = w.input_tokens * api.input_eur_per_million + w.output_tokens * api.output_eur_per_million
    api_per_request_day = w.days_per_month * per_request / 1_000_000
    slope = api_per_request_day - variable
    if slope <= 0:
        return None
    capacity = capacity_per_gpu(w, op, seconds)
    staff = op.staff_eur_per_month
    for n in range(1, MAX_GPUS + 1):
        requests = ((n + reserve) * fixed_per_gpu + staff) / slope
        if requests <= n * capacity:
            return requests if requests > (n - 1) * capacity else (n - 1) * capacity
    return None


def break_even_own(w: Workload, node: Node, op: Operation, redundancy: bool, api: ApiPrice) -> float | None:
    """Anfragen je Tag, ab denen eigene Hardware günstiger ist als `api` (übrige Last unverändert).

    Returns:
        Anfragen je Tag, oder `None`, wenn die API bei jedem Volumen günstiger ist oder kein Kaufpreis belegt ist.
    """
    if node.purchase_eur is None:
        return None
    seconds = seconds_per_request(w, node.prefill_tokens_per_s, node.decode_tokens_per_s)
    power = op.pue * op.electricity_ct_per_kwh / 100
    fixed = node.purchase_eur / op.depreciation_months + node.idle_w / 1000 * op.hours_per_month * power
    variable = w.days_per_month * seconds / 3600 * node.load_extra_w / 1000 * power
    return _break_even(w, op, seconds, fixed, variable, 1 if redundancy else 0, api)


def break_even_rental(w: Workload, rental: Rental, op: Operation, api: ApiPrice) -> float | None:
    """Anfragen je Tag, ab denen gemietete GPUs günstiger sind als `api`."""
    seconds = seconds_per_request(w, rental.prefill_tokens_per_s, rental.decode_tokens_per_s)
    return _break_even(w, op, seconds, op.hours_per_month * rental.eur_per_hour, 0.0, 0, api)
