"""Tests für `slmwiki.costs`: handgerechnete Fälle, Eigenschaften (hypothesis), Fehlerfälle, Preisdatei."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from slmwiki.costs import (
    ApiPricing,
    CapacityError,
    CloudGPU,
    OwnHardware,
    break_even_volume,
    capacity_tokens,
    compare,
    comparison_dict,
    cost_line,
    cost_per_million,
    evaluate,
    finetune_run_cost,
    load_prices,
    monthly_cost,
    parse_option,
    sensitivity,
    training_hours,
)
from slmwiki.errors import ConfigError, DataError
from slmwiki.formatting import round_money

CENT = Decimal("0.01")


def own(**overrides: object) -> OwnHardware:
    """Eigene Hardware mit runden Zahlen: 3.600 € über 36 Monate, 500 W, 40 ct/kWh, 100 Tokens/s, 730 h."""
    values: dict[str, object] = {
        "label": "Eigene GPU",
        "purchase_price_eur": 3600,
        "depreciation_months": 36,
        "power_w": 500,
        "utilisation": 1.0,
        "electricity_ct_per_kwh": 40,
        "hours_per_month": 730,
        "overhead_eur_per_month": 0,
        "tokens_per_s": 100,
    }
    values.update(overrides)
    return OwnHardware(**values)  # type: ignore[arg-type]


def api(
    input_eur: float = 1.0, output_eur: float = 4.0, share: float = 0.75, label: str = "API"
) -> ApiPricing:
    """API mit 1 € (Eingabe) und 4 € (Ausgabe) je 1 Mio. Tokens und 75 % Eingabe."""
    return ApiPricing(
        label, input_eur_per_million=input_eur, output_eur_per_million=output_eur, input_share=share
    )


# --------------------------------------------------------------------------------------------------------------
# Hand-computed cases
# --------------------------------------------------------------------------------------------------------------


def test_own_hardware_monthly_cost_adds_depreciation_overhead_and_energy() -> None:
    """3.600 €/36 = 100 €; 36 Mio. Tokens / (100 Tokens/s · 3.600 s) = 100 h; 0,5 kW · 100 h · 0,40 € = 20 €;
    dazu 20 € Wartung: 100 + 20 + 20 = 140 €."""
    assert round_money(monthly_cost(own(overhead_eur_per_month=20), 36_000_000)) == Decimal("140.00")


def test_own_hardware_cost_per_million_at_volume() -> None:
    """140 € / 36 Mio. Tokens · 10^6 = 3,888… € → kaufmännisch 3,89 €."""
    result = cost_per_million(own(overhead_eur_per_month=20), 36_000_000)
    assert round_money(result) == Decimal("3.89")


def test_own_hardware_cost_per_million_without_volume_uses_capacity_at_utilisation() -> None:
    """Kapazität 100 · 3.600 · 730 · 0,5 = 131,4 Mio. Tokens; Rechenzeit 365 h; Strom 0,5 · 365 · 0,40 = 73 €;
    (100 + 20 + 73) € / 131,4 = 1,4688 € → 1,47 € je 1 Mio. Tokens."""
    scenario = own(utilisation=0.5, overhead_eur_per_month=20)
    assert capacity_tokens(scenario) == Decimal(131400000)
    assert round_money(cost_per_million(scenario)) == Decimal("1.47")


def test_idle_power_is_charged_over_all_operating_hours() -> None:
    """Leerlauf 100 W: 0,1 kW · 730 h · 0,40 € = 29,20 € fix; unter Last zusätzlich 0,4 kW · 100 h · 0,40 € = 16 €;
    mit 100 € Abschreibung: 145,20 €."""
    assert round_money(monthly_cost(own(idle_power_w=100), 36_000_000)) == Decimal("145.20")


def test_cloud_on_demand_bills_compute_hours() -> None:
    """2 €/h, 500 Tokens/s: 9 Mio. Tokens / (500 · 3.600) = 5 h → 10 €; bei Auslastung 0,5 doppelt: 20 €."""
    full = CloudGPU("Cloud", price_per_hour_eur=2, tokens_per_s=500)
    half = CloudGPU("Cloud", price_per_hour_eur=2, tokens_per_s=500, utilisation=0.5)
    assert round_money(monthly_cost(full, 9_000_000)) == Decimal("10.00")
    assert round_money(monthly_cost(half, 9_000_000)) == Decimal("20.00")
    assert capacity_tokens(full) is None


def test_cloud_reserved_hours_are_fixed_and_capacity_limited() -> None:
    """Fest 730 h zu 2 €/h = 1.460 € unabhängig vom Volumen; Kapazität 500 · 3.600 · 730 = 1.314 Mio. Tokens."""
    reserved = CloudGPU("Cloud fest", price_per_hour_eur=2, tokens_per_s=500, hours_per_month=730)
    assert round_money(monthly_cost(reserved, 1)) == Decimal("1460.00")
    assert round_money(monthly_cost(reserved, 1_314_000_000)) == Decimal("1460.00")
    with pytest.raises(CapacityError):
        monthly_cost(reserved, 1_314_000_001)


def test_api_blends_input_and_output_prices() -> None:
    """0,75 · 1 € + 0,25 · 4 € = 1,75 € je 1 Mio. Tokens; 20 Mio. Tokens → 35 €."""
    assert round_money(cost_per_million(api())) == Decimal("1.75")
    assert round_money(monthly_cost(api(), 20_000_000)) == Decimal("35.00")


def test_break_even_own_hardware_against_api() -> None:
    """Eigene HW: F = 100 €, m = 0,5 kW · 0,40 € / 360.000 Tokens = 5/9 € je 1 Mio.; API: 1,75 € je 1 Mio.
    V* = 100 € / (1,75 − 5/9) € · 10^6 = 100 · 9 / 10,75 · 10^6 = 83.720.930,23 Tokens."""
    result = break_even_volume(own(), api())
    assert result.volume is not None
    assert abs(result.volume - Decimal("83720930.23")) < 1
    assert result.cheaper_below == "API"
    assert result.cheaper_above == "Eigene GPU"


def test_break_even_own_hardware_against_cloud_on_demand() -> None:
    """Cloud 2 €/h bei 500 Tokens/s = 10/9 € je 1 Mio.; eigene HW 5/9 € je 1 Mio. + 100 € fix:
    V* = 100 / (5/9) · 10^6 = 180.000.000 Tokens."""
    cloud = CloudGPU("Cloud", price_per_hour_eur=2, tokens_per_s=500)
    result = break_even_volume(own(), cloud)
    assert result.volume is not None
    assert abs(result.volume - Decimal(180000000)) < Decimal("0.001")
    assert "180.000.000" in result.explanation


def test_break_even_beyond_capacity_is_reported_not_returned() -> None:
    """Bei Auslastung 0,25 schafft die eigene HW 100 · 3.600 · 730 · 0,25 = 65,7 Mio. Tokens < V* = 83,72 Mio.:
    kein Break-even, die API bleibt bis zur Grenze günstiger."""
    result = break_even_volume(own(utilisation=0.25), api())
    assert result.volume is None
    assert result.unreachable_volume is not None
    assert abs(result.unreachable_volume - Decimal("83720930.23")) < 1
    assert result.cheaper_below == "API"
    assert "65.700.000" in result.explanation


def test_no_break_even_when_api_is_cheaper_than_electricity_alone() -> None:
    """API 0,5 € je 1 Mio. < 5/9 € Strom je 1 Mio. der eigenen HW: die API ist bei jedem Volumen günstiger."""
    result = break_even_volume(own(), api(input_eur=0.5, output_eur=0.5))
    assert result.volume is None
    assert result.cheaper_below == "API"
    assert "bei jedem Volumen" in result.explanation


def test_parallel_cost_lines_have_no_break_even() -> None:
    """Zwei fest gemietete GPUs (Grenzkosten 0): 730 h · 1 € = 730 € gegen 730 h · 2 € = 1.460 € – Differenz 730 €."""
    cheap = CloudGPU("Billig", price_per_hour_eur=1, tokens_per_s=100, hours_per_month=730)
    dear = CloudGPU("Teuer", price_per_hour_eur=2, tokens_per_s=100, hours_per_month=730)
    result = break_even_volume(cheap, dear)
    assert result.volume is None
    assert result.cheaper_below == "Billig"
    assert "730,00" in result.explanation


def test_identical_scenarios_cost_the_same_everywhere() -> None:
    """Zwei APIs mit 1,75 € je 1 Mio. Tokens: kein Schnittpunkt, gleich teuer."""
    result = break_even_volume(api(label="A"), api(label="B"))
    assert result.volume is None
    assert result.cheaper_below is None
    assert "gleich viel" in result.explanation


def test_fact_sheet_example_electricity_per_million_tokens() -> None:
    """Faktenblatt 5.5: 0,35 kW · 0,397 €/kWh / (100 Tokens/s · 3.600 s) · 10^6 = 0,386 € ≈ 0,39 € je 1 Mio."""
    scenario = own(purchase_price_eur=0, power_w=350, electricity_ct_per_kwh=39.7)
    assert round_money(cost_line(scenario).eur_per_token * 1_000_000) == Decimal("0.39")


def test_finetune_run_on_own_hardware_costs_energy() -> None:
    """Faktenblatt 5.5: RTX 4090 (450 W), 3 h, 39,7 ct/kWh: 0,45 · 3 · 0,397 = 0,53595 € ≈ 0,54 €; Abschreibung
    3.600 € / (36 · 730 h) · 3 h = 0,41 €."""
    scenario = own(power_w=450, electricity_ct_per_kwh=39.7)
    energy_only = finetune_run_cost(scenario, 3)
    assert round_money(energy_only.total_eur) == Decimal("0.54")
    with_share = finetune_run_cost(scenario, 3, include_depreciation=True)
    assert round_money(with_share.depreciation_eur) == Decimal("0.41")
    assert with_share.rental_eur == 0


def test_finetune_run_in_the_cloud_costs_hours_times_price() -> None:
    """3 h · 2 €/h = 6 €; ein API-Szenario ist kein Fine-Tuning-Ort."""
    cloud = CloudGPU("Cloud", price_per_hour_eur=2, tokens_per_s=500)
    assert round_money(finetune_run_cost(cloud, 3).total_eur) == Decimal("6.00")
    with pytest.raises(ConfigError, match="Fine-Tuning"):
        finetune_run_cost(api(), 3)  # type: ignore[arg-type]


def test_training_hours_from_tokens_epochs_and_throughput() -> None:
    """10,8 Mio. Tokens · 3 Epochen / (1.000 Tokens/s · 3.600 s) = 9 h."""
    assert round_money(training_hours(10_800_000, 1000, epochs=3)) == Decimal("9.00")


def test_sensitivity_over_utilisation_and_electricity() -> None:
    """Je 1 Mio. Tokens an der Kapazitätsgrenze: u = 1 → (100 + 0,5 · 730 · 0,40) / 262,8 = 246/262,8 = 0,94 €;
    u = 0,5 → (100 + 73) / 131,4 = 1,32 €. Strom 0 ct bei 36 Mio. Tokens: 100 €; 80 ct: 100 + 40 = 140 €."""
    by_util = sensitivity(own(), "utilisation", [1.0, 0.5])
    assert [round_money(p.per_million_eur) for p in by_util] == [Decimal("0.94"), Decimal("1.32")]  # type: ignore[arg-type]
    by_price = sensitivity(own(), "electricity_ct_per_kwh", [0, 80], tokens_per_month=36_000_000)
    assert [p.monthly_eur for p in by_price] == [Decimal(100), Decimal(140)]


def test_sensitivity_marks_volumes_beyond_capacity() -> None:
    """Über der Kapazität von 262,8 Mio. Tokens (u = 1) gibt es keine Kosten, sondern `None`."""
    points = sensitivity(own(), "tokens_per_month", [1_000_000, 300_000_000])
    assert points[0].monthly_eur is not None
    assert points[1].monthly_eur is None


def test_sensitivity_rejects_unknown_parameter() -> None:
    """Ein Tippfehler im Parameternamen ergibt eine deutsche Meldung mit Vorschlag."""
    with pytest.raises(ConfigError, match="utilisation"):
        sensitivity(own(), "utilization", [0.5])


def test_evaluate_reports_capacity_instead_of_computing() -> None:
    """300 Mio. Tokens > 262,8 Mio. Kapazität: keine Kosten, Hinweis nennt die Grenze 262.800.000."""
    row = evaluate(own(), 300_000_000)
    assert not row.feasible
    assert "262.800.000" in row.note
    with pytest.raises(CapacityError, match="262.800.000"):
        monthly_cost(own(), 300_000_000)


def test_compare_names_cheapest_and_break_even() -> None:
    """36 Mio. Tokens: eigene HW 100 + 0,5 · 100 · 0,40 = 120 €, API 36 · 1,75 = 63 € → API am günstigsten;
    Break-even bei 83.720.930 Tokens."""
    result = compare([own(), api()], 36_000_000)
    assert result.cheapest is not None and result.cheapest.label == "API"
    assert "API" in result.verdict and "83.720.930" in result.verdict
    data = comparison_dict(result)
    assert [o["monthly_eur"] for o in data["options"]] == ["120.00", "63.00"]
    assert data["break_even"][0]["tokens_per_month"] == 83_720_930


def test_compare_rejects_duplicate_labels() -> None:
    """Zwei Optionen gleichen Namens wären in Tabelle und Fazit nicht zu unterscheiden."""
    with pytest.raises(ConfigError, match="doppelt"):
        compare([api(), api()], 1_000_000)


# --------------------------------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------------------------------

positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0.01, max_value=1.0)

own_hardware = st.builds(
    OwnHardware,
    label=st.sampled_from(["Eigen A", "Eigen B"]),
    purchase_price_eur=st.floats(min_value=0, max_value=1e5),
    depreciation_months=st.integers(min_value=1, max_value=120),
    power_w=st.floats(min_value=1, max_value=5000),
    utilisation=shares,
    electricity_ct_per_kwh=st.floats(min_value=0, max_value=200),
    hours_per_month=st.floats(min_value=1, max_value=744),
    overhead_eur_per_month=st.floats(min_value=0, max_value=1e4),
    tokens_per_s=positive,
)
apis = st.builds(
    ApiPricing,
    label=st.sampled_from(["API A", "API B"]),
    input_eur_per_million=st.floats(min_value=0, max_value=100),
    output_eur_per_million=st.floats(min_value=0, max_value=100),
    input_share=st.floats(min_value=0, max_value=1),
)
clouds = st.builds(
    CloudGPU,
    label=st.sampled_from(["Cloud A", "Cloud B"]),
    price_per_hour_eur=positive,
    tokens_per_s=positive,
    hours_per_month=st.none() | st.floats(min_value=1, max_value=744),
    utilisation=shares,
)
scenarios = own_hardware | apis | clouds
fractions = st.floats(min_value=0, max_value=1)


def _volume_within(scenario: object, fraction: float) -> Decimal:
    cap = capacity_tokens(scenario)  # type: ignore[arg-type]
    return (cap if cap is not None else Decimal(10**10)) * Decimal(str(fraction))


@settings(max_examples=80, deadline=None)
@given(scenarios, fractions, fractions)
def test_costs_are_never_negative_and_grow_with_volume(scenario: object, f1: float, f2: float) -> None:
    """Für jedes Szenario gilt 0 ≤ K(V1) ≤ K(V2) für V1 ≤ V2 innerhalb der Kapazität."""
    low, high = sorted((_volume_within(scenario, f1), _volume_within(scenario, f2)))
    cost_low = monthly_cost(scenario, low)  # type: ignore[arg-type]
    assert cost_low >= 0
    assert cost_low <= monthly_cost(scenario, high)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(own_hardware, fractions, st.floats(min_value=1.0, max_value=10.0))
def test_own_hardware_cost_rises_with_purchase_and_electricity_price(
    scenario: OwnHardware, fraction: float, factor: float
) -> None:
    """Höherer Kaufpreis oder Strompreis macht eigene Hardware bei gleichem Volumen nie billiger."""
    import dataclasses

    volume = _volume_within(scenario, fraction)
    base = monthly_cost(scenario, volume)
    dearer_hw = dataclasses.replace(
        scenario, purchase_price_eur=scenario.purchase_price_eur * Decimal(str(factor))
    )
    dearer_power = dataclasses.replace(
        scenario, electricity_ct_per_kwh=scenario.electricity_ct_per_kwh * Decimal(str(factor))
    )
    assert monthly_cost(dearer_hw, volume) >= base
    assert monthly_cost(dearer_power, volume) >= base


@settings(max_examples=60, deadline=None)
@given(apis, st.floats(min_value=1, max_value=1e9), st.floats(min_value=0, max_value=10))
def test_api_cost_rises_with_token_prices(scenario: ApiPricing, volume: float, extra: float) -> None:
    """Höhere Token-Preise ergeben bei gleichem Volumen nie niedrigere Kosten."""
    import dataclasses

    dearer = dataclasses.replace(
        scenario,
        input_eur_per_million=scenario.input_eur_per_million + Decimal(str(extra)),
        output_eur_per_million=scenario.output_eur_per_million + Decimal(str(extra)),
    )
    assert monthly_cost(dearer, volume) >= monthly_cost(scenario, volume)


@settings(max_examples=100, deadline=None)
@given(scenarios, scenarios)
def test_break_even_is_where_the_cost_curves_meet_and_the_order_flips(a: object, b: object) -> None:
    """Am Break-even kosten beide Szenarien auf den Cent gleich viel; davor und danach kehrt sich die Reihenfolge um."""
    assume(a.label != b.label)  # type: ignore[attr-defined]
    result = break_even_volume(a, b)  # type: ignore[arg-type]
    if result.volume is None:
        return
    assert result.volume > 0
    cost_a, cost_b = monthly_cost(a, result.volume), monthly_cost(b, result.volume)  # type: ignore[arg-type]
    assert abs(cost_a - cost_b) < CENT
    line_a, line_b = cost_line(a), cost_line(b)  # type: ignore[arg-type]
    before, after = result.volume / 2, result.volume * 2
    diff_before = line_a.at(before) - line_b.at(before)
    diff_after = line_a.at(after) - line_b.at(after)
    assert diff_before * diff_after < 0
    cheaper_before = a.label if diff_before < 0 else b.label  # type: ignore[attr-defined]
    assert result.cheaper_below == cheaper_before


# --------------------------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------------------------

BAD_NUMBERS = [-1, math.nan, math.inf, "zehn", True, None]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize(
    "field",
    [
        "purchase_price_eur",
        "power_w",
        "utilisation",
        "electricity_ct_per_kwh",
        "hours_per_month",
        "overhead_eur_per_month",
        "tokens_per_s",
        "depreciation_months",
        "idle_power_w",
    ],
)
def test_own_hardware_rejects_bad_values_naming_the_field(field: str, value: object) -> None:
    """Negative Werte, NaN, unendlich, Text, Wahrheitswerte und None ergeben eine Meldung mit dem Feldnamen."""
    with pytest.raises(ConfigError, match=f"„{field}“"):
        own(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("depreciation_months", 0),
        ("depreciation_months", 2.5),
        ("power_w", 0),
        ("tokens_per_s", 0),
        ("utilisation", 0),
        ("utilisation", 1.5),
        ("hours_per_month", 0),
        ("hours_per_month", 745),
        ("idle_power_w", 600),
    ],
)
def test_own_hardware_rejects_impossible_values(field: str, value: object) -> None:
    """Null, wo sie unmöglich ist, Anteile über 1, mehr als 744 Stunden und Leerlauf über Last werden abgelehnt."""
    with pytest.raises(ConfigError, match=f"„{field}“"):
        own(**{field: value})


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"price_per_hour_eur": 0, "tokens_per_s": 1}, "price_per_hour_eur"),
        ({"price_per_hour_eur": math.nan, "tokens_per_s": 1}, "price_per_hour_eur"),
        ({"price_per_hour_eur": 1, "tokens_per_s": -3}, "tokens_per_s"),
        ({"price_per_hour_eur": 1, "tokens_per_s": 1, "hours_per_month": 0}, "hours_per_month"),
        ({"price_per_hour_eur": 1, "tokens_per_s": 1, "utilisation": math.inf}, "utilisation"),
        ({"price_per_hour_eur": Decimal("NaN"), "tokens_per_s": 1}, "price_per_hour_eur"),
    ],
)
def test_cloud_gpu_rejects_bad_values_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    """Ungültige Cloud-Angaben nennen das Feld."""
    with pytest.raises(ConfigError, match=f"„{field}“"):
        CloudGPU("Cloud", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"input_eur_per_million": -1}, "input_eur_per_million"),
        ({"output_eur_per_million": "4"}, "output_eur_per_million"),
        ({"input_share": 1.01}, "input_share"),
        ({"input_share": math.nan}, "input_share"),
    ],
)
def test_api_rejects_bad_values_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    """Ungültige API-Angaben nennen das Feld."""
    values: dict[str, object] = {"input_eur_per_million": 1, "output_eur_per_million": 4, "input_share": 0.5}
    values.update(kwargs)
    with pytest.raises(ConfigError, match=f"„{field}“"):
        ApiPricing("API", **values)  # type: ignore[arg-type]


def test_volume_must_be_a_finite_non_negative_number() -> None:
    """Negative, unendliche und Text-Volumina werden mit dem Namen „tokens_per_month“ abgelehnt."""
    for bad in (-1, math.inf, "viel"):
        with pytest.raises(ConfigError, match="tokens_per_month"):
            monthly_cost(api(), bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="tokens_per_month"):
        cost_per_million(api(), 0)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("tokens_per_month", "abc", "„--tokens-per-month“ muss eine Zahl sein"),
        ("electricity_ct", "nan", "„--electricity-ct“ muss eine endliche Zahl"),
        ("utilisation", "1,5", "„--utilisation“ muss größer als 0 und höchstens 1"),
        ("depreciation_months", "2.5", "„--depreciation-months“ muss eine ganze Zahl"),
        ("cloud_hours", "800", "„--cloud-hours“ darf höchstens 744"),
    ],
)
def test_parse_option_names_the_command_line_flag(name: str, text: str, message: str) -> None:
    """Fehler in Kommandozeilenwerten nennen die Option so, wie der Benutzer sie geschrieben hat."""
    with pytest.raises(ConfigError, match=message):
        parse_option(name, text)


def test_parse_option_accepts_decimal_comma_and_exponent() -> None:
    """„0,5“ ist 0,5 und „5e7“ ist 50.000.000."""
    assert parse_option("utilisation", "0,5") == Decimal("0.5")
    assert parse_option("tokens_per_month", "5e7") == Decimal("5E+7")


# --------------------------------------------------------------------------------------------------------------
# Price file
# --------------------------------------------------------------------------------------------------------------


def test_shipped_prices_convert_usd_with_the_stored_rate() -> None:
    """329 USD / 1,1750 USD je EUR = 280,00 €; AWS p5: 55,04 USD / 8 GPUs / 1,1750 = 5,855… → 5,86 € je GPU-Stunde."""
    data = load_prices()
    assert data.exchange_rates["USD"].units_per_eur == Decimal("1.1750")
    assert round_money(data.gpu("rtx-3060").price_eur) == Decimal("280.00")
    assert round_money(data.cloud("aws-p5-h100").price_per_gpu_hour_eur) == Decimal("5.86")


def test_shipped_prices_all_carry_source_date_and_currency() -> None:
    """Jeder Preis der mitgelieferten Datei hat Quelle, Adresse, Stand und Währung; ungeprüfte sind markiert."""
    data = load_prices()
    entries = [*data.gpus.values(), *data.clouds.values(), *data.apis.values()]
    for entry in entries:
        assert entry.source.source and entry.source.url.startswith("https://") and entry.source.as_of
        assert entry.currency in {"EUR", *data.exchange_rates}
    for price in data.electricity.values():
        assert price.source.url.startswith("https://")
    assert not data.exchange_rates["USD"].source.verified
    assert not data.electricity["industrie-kmu-2025"].source.verified
    assert data.electricity["bdew-haushalt-2025"].ct_per_kwh == Decimal("39.7")


def test_shipped_throughput_assumptions_stay_below_their_stated_derivation() -> None:
    """Die Annahmen zitieren 50 % · 1.008 GB/s / (Parameter · 4,89 Bit / 8): 1B ≈ 824,6, 4B ≈ 212,5 Tokens/s;
    die Datei darf nur abrunden und muss die Werte als Annahme kennzeichnen."""
    data = load_prices()
    for model, params in (("gemma-3-1b", 999.9e6), ("gemma-3-4b", 3880e6)):
        bound = 0.5 * 1008e9 / (params * 4.89 / 8)
        entry = data.tokens_per_s(model, "rtx-4090")
        if entry.kind == "annahme":
            assert bound * 0.9 <= entry.tokens_per_s <= bound
            assert not entry.source.verified  # type: ignore[union-attr]


def test_unknown_names_list_the_known_ones() -> None:
    """Unbekannte GPU-, Cloud-, API- und Modellnamen ergeben ConfigError mit der Liste der bekannten Namen."""
    data = load_prices()
    with pytest.raises(ConfigError, match="Bekannt: rtx-3060, rtx-4090"):
        data.gpu("rtx-5090")
    with pytest.raises(ConfigError, match="runpod-h100-sxm-community"):
        data.cloud("runpod-h200")
    with pytest.raises(ConfigError, match="gpt-4o-mini"):
        data.api("gpt-5")
    with pytest.raises(ConfigError, match="gemma-3-4b"):
        data.tokens_per_s("gemma-3-27b", "h100")
    with pytest.raises(ConfigError, match="--tokens-per-s"):
        data.tokens_per_s("gemma-3-4b", "rtx-3060")


def _minimal_prices() -> dict[str, object]:
    """Eine gültige, kleine Preisdatei mit runden Zahlen."""
    source = {"source": "Testquelle", "url": "https://example.org/preise", "as_of": "2026-11-01"}
    return {
        "exchange_rates": {"USD": {"units_per_eur": 2.0, **source}},
        "gpus": {
            "test-gpu": {
                "label": "Test-GPU",
                "price": 7200,
                "currency": "USD",
                "price_kind": "Liste",
                "power_w": 500,
                "vram_gb": 24,
                **source,
            }
        },
        "cloud": {
            "test-cloud": {
                "label": "Test-Cloud",
                "price_per_hour": 4,
                "gpus": 1,
                "gpu_class": "test-gpu",
                "currency": "USD",
                **source,
            }
        },
        "apis": {
            "test-api": {
                "label": "Test-API",
                "input_per_million": 1,
                "output_per_million": 4,
                "currency": "EUR",
                **source,
            }
        },
        "electricity": {"test-strom": {"label": "Strom", "ct_per_kwh": 40, "currency": "EUR", **source}},
        "throughput": {
            "test-modell": {
                "label": "Testmodell",
                "kind": "annahme",
                "as_of": "2026-11-01",
                "basis": "Test",
                "tokens_per_s": {"test-gpu": 100},
            }
        },
        "assumptions": {
            key: {"label": key, "value": value, "unit": "-", "basis": "Test", "as_of": "2026-11-01"}
            for key, value in {
                "depreciation_months": 36,
                "hours_per_month": 730,
                "utilisation": 1,
                "input_share": 0.75,
                "overhead_eur_per_month": 0,
                "idle_power_w": 0,
            }.items()
        },
        "defaults": {
            "model": "test-modell",
            "gpu": ["test-gpu"],
            "api": ["test-api"],
            "electricity": "test-strom",
        },
    }


def _write(tmp_path: Path, content: dict[str, object]) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def test_minimal_price_file_loads_and_converts(tmp_path: Path) -> None:
    """7.200 USD / 2 = 3.600 €; 4 USD/h / 2 = 2 €/h; EUR-Preise bleiben unverändert."""
    data = load_prices(_write(tmp_path, _minimal_prices()), measurements_dir=tmp_path)
    assert round_money(data.gpu("test-gpu").price_eur) == Decimal("3600.00")
    assert round_money(data.cloud("test-cloud").price_per_gpu_hour_eur) == Decimal("2.00")
    assert round_money(data.api("test-api").output_eur_per_million) == Decimal("4.00")
    scenario = data.own_hardware("test-gpu", "test-modell")
    assert round_money(monthly_cost(scenario, 36_000_000)) == Decimal("120.00")


@pytest.mark.parametrize(
    ("section", "entry", "field"),
    [
        ("gpus", "test-gpu", "source"),
        ("gpus", "test-gpu", "as_of"),
        ("gpus", "test-gpu", "currency"),
        ("gpus", "test-gpu", "price"),
        ("gpus", "test-gpu", "url"),
        ("cloud", "test-cloud", "price_per_hour"),
        ("cloud", "test-cloud", "source"),
        ("apis", "test-api", "output_per_million"),
        ("apis", "test-api", "as_of"),
        ("electricity", "test-strom", "ct_per_kwh"),
        ("electricity", "test-strom", "source"),
        ("exchange_rates", "USD", "units_per_eur"),
        ("exchange_rates", "USD", "as_of"),
    ],
)
def test_price_file_with_missing_field_names_entry_and_field(
    tmp_path: Path, section: str, entry: str, field: str
) -> None:
    """Fehlt ein Pflichtfeld, nennt der DataError den Eintrag (Abschnitt.Name) und das Feld."""
    content = _minimal_prices()
    del content[section][entry][field]  # type: ignore[index]
    with pytest.raises(DataError, match=rf"„{section}\.{entry}“: Feld „{field}“ fehlt"):
        load_prices(_write(tmp_path, content), measurements_dir=tmp_path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["gpus"]["test-gpu"].update(price=-5), "größer als 0"),
        (lambda c: c["gpus"]["test-gpu"].update(price="teuer"), "muss eine Zahl sein"),
        (lambda c: c["gpus"]["test-gpu"].update(currency="CHF"), "Wechselkurs"),
        (lambda c: c["apis"]["test-api"].update(as_of="Nov. 2026"), "Datum"),
        (lambda c: c["cloud"]["test-cloud"].update(gpus=0), "gpus"),
        (lambda c: c["throughput"]["test-modell"].update(kind="geraten"), "kind"),
        (lambda c: c.pop("apis"), "Abschnitt „apis“ fehlt"),
        (lambda c: c["assumptions"].pop("utilisation"), "utilisation"),
        (lambda c: c["defaults"].update(gpu=["gibt-es-nicht"]), "defaults.gpu"),
    ],
)
def test_price_file_with_bad_values_is_rejected(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    """Falsche Werte, unbekannte Währungen, Datumsformate und fehlende Abschnitte ergeben einen DataError."""
    content = _minimal_prices()
    mutate(content)
    with pytest.raises(DataError, match=message):
        load_prices(_write(tmp_path, content), measurements_dir=tmp_path)


def test_price_file_that_is_not_yaml_is_rejected(tmp_path: Path) -> None:
    """Ungültiges YAML ergibt einen DataError statt eines Tracebacks."""
    path = tmp_path / "prices.yaml"
    path.write_text("gpus: [unclosed", encoding="utf-8")
    with pytest.raises(DataError, match="kein gültiges YAML"):
        load_prices(path)
    with pytest.raises(DataError, match="existiert nicht"):
        load_prices(tmp_path / "fehlt.yaml")


def test_measurements_replace_assumptions(tmp_path: Path) -> None:
    """Eine Messdatei mit „throughput_for_costs“ ersetzt die Annahme (100 → 250 Tokens/s) und gilt als Messung."""
    results = tmp_path / "results"
    results.mkdir()
    (results / "other.json").write_text(json.dumps({"unrelated": 1}), encoding="utf-8")
    measurement = {
        "throughput_for_costs": [
            {
                "model": "test-modell",
                "hardware": "test-gpu",
                "tokens_per_s": 250,
                "date": "2026-11-27",
                "source": "Lauf A",
            }
        ]
    }
    (results / "run.json").write_text(json.dumps(measurement), encoding="utf-8")
    data = load_prices(_write(tmp_path, _minimal_prices()), measurements_dir=results)
    entry = data.tokens_per_s("test-modell", "test-gpu")
    assert entry.tokens_per_s == 250
    assert entry.kind == "messung"


def test_measurement_file_with_missing_field_is_rejected(tmp_path: Path) -> None:
    """Eine Messung ohne Datum ergibt einen DataError, der das Feld nennt."""
    results = tmp_path / "results"
    results.mkdir()
    bad = {"throughput_for_costs": [{"model": "m", "hardware": "h", "tokens_per_s": 1, "source": "x"}]}
    (results / "run.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(DataError, match="Feld „date“ fehlt"):
        load_prices(_write(tmp_path, _minimal_prices()), measurements_dir=results)


def test_importing_costs_does_not_import_torch() -> None:
    """`import slmwiki.costs` in einem frischen Prozess lädt weder torch noch transformers."""
    code = (
        "import sys, slmwiki.costs as c; c.load_prices(); "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_astronomical_break_even_is_explained_without_crashing() -> None:
    """Von hypothesis gefunden: Grenzkosten von 4,45·10^-130 € je Mio. gegen eine fest gemietete GPU mit 3.600 Tokens
    Kapazität ergeben einen Schnittpunkt bei ≈ 2,2·10^135 Tokens – weit jenseits der Kapazität, ohne Absturz."""
    tiny = ApiPricing(
        "API", input_eur_per_million=0, output_eur_per_million=4.452494629138663e-130, input_share=0
    )
    reserved = CloudGPU("Cloud", price_per_hour_eur=1, tokens_per_s=1, hours_per_month=1)
    result = break_even_volume(tiny, reserved)
    assert result.volume is None
    assert result.cheaper_below == "API"
    assert "E+135" in result.explanation
