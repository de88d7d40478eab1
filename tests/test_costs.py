"""Tests für `slmwiki.costs`: Formeln (von Hand gerechnet), Roofline-Übertragung, Laden und Prüfen der Daten.

Die erwarteten Werte sind von Hand gerechnet; jede Rechnung steht als Kommentar beim Test. Das Beispiel:
1.000 Anfragen je Tag an 20 Tagen, 1.000 Eingabe- und 500 Ausgabe-Tokens, 8 Stunden Spitzenzeit; GPU mit
10.000 Tokens/s Prefill und 500 Tokens/s Decode → s = 1.000/10.000 + 500/500 = 1,1 s je Anfrage.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
import yaml

from slmwiki.costs import model as m
from slmwiki.costs.prices import GpuSpec, Source, load_prices
from slmwiki.costs.throughput import load_measurements, throughput
from slmwiki.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]

W = m.Workload(requests_per_day=1000, days_per_month=20, input_tokens=1000, output_tokens=500, peak_hours=8)
OP = m.Operation(
    electricity_ct_per_kwh=20,
    pue=1.5,
    hours_per_month=730,
    target_utilisation=0.5,
    staff_fte=0.1,
    staff_eur_per_year=120_000,
    depreciation_months=36,
)
NODE = m.Node("Test-Server", 10_000, 500, purchase_eur=7200, idle_w=200, load_extra_w=500)
API = m.ApiPrice("Test-API", input_eur_per_million=1, output_eur_per_million=2)


# --- Formeln ---------------------------------------------------------------------------------------------


def test_seconds_and_capacity_per_gpu():
    # s = 1.000/10.000 + 500/500 = 1,1 s; C = 8 h × 3.600 s × 0,5 / 1,1 s = 13.090,9 Anfragen je Tag.
    s = m.seconds_per_request(W, 10_000, 500)
    assert s == pytest.approx(1.1)
    assert m.capacity_per_gpu(W, OP, s) == pytest.approx(14_400 / 1.1)
    assert m.gpus_needed(13_090, 14_400 / 1.1) == 1
    assert m.gpus_needed(13_091, 14_400 / 1.1) == 2


def test_own_cost_without_reserve_hand_computed():
    # 1 GPU. Rechenzeit 20.000 Anfragen × 1,1 s / 3.600 = 6,1111 h.
    # Strom (1 × 0,2 kW × 730 h + 0,5 kW × 6,1111 h) × 1,5 = 223,5833 kWh × 0,20 € = 44,7167 €.
    # Abschreibung 7.200 € / 36 = 200 €; Personal 0,1 × 120.000 € / 12 = 1.000 €; Summe 1.244,7167 €.
    cost = m.own_cost(W, NODE, OP, redundancy=False)
    assert cost.gpus == 1
    assert cost.busy_hours == pytest.approx(22_000 / 3600)
    assert cost.energy_eur == pytest.approx(44.716667, abs=1e-5)
    assert cost.depreciation_eur == pytest.approx(200)
    assert cost.staff_eur == pytest.approx(1000)
    assert cost.total_eur == pytest.approx(1244.716667, abs=1e-5)


def test_own_cost_reserve_adds_a_server_with_its_idle_power_and_depreciation():
    # 2 GPUs: Strom (2 × 0,2 × 730 + 0,5 × 6,1111) × 1,5 × 0,20 = 88,5167 €; Abschreibung 400 €; Summe 1.488,5167 €.
    cost = m.own_cost(W, NODE, OP, redundancy=True)
    assert cost.gpus == 2
    assert cost.energy_eur == pytest.approx(88.516667, abs=1e-5)
    assert cost.total_eur == pytest.approx(1488.516667, abs=1e-5)


def test_own_cost_without_purchase_price_has_no_total():
    cost = m.own_cost(W, m.Node("ohne Preis", 10_000, 500, None, 200, 500), OP, redundancy=False)
    assert cost.total_eur is None and cost.depreciation_eur is None
    assert cost.energy_eur == pytest.approx(44.716667, abs=1e-5)


def test_rental_and_api_cost_hand_computed():
    # Miete 1 GPU × 730 h × 2 €/h = 1.460 € + Personal 1.000 €; API 20.000 × (1.000 × 1 + 500 × 2) / 10^6 = 40 €.
    rental = m.rental_cost(W, m.Rental("Miete", 10_000, 500, 2.0), OP)
    assert (rental.gpus, rental.rent_eur, rental.total_eur) == (1, pytest.approx(1460), pytest.approx(2460))
    assert m.api_cost(W, API) == pytest.approx(40)


def test_break_even_own_hand_computed():
    # API je (Anfrage/Tag) und Monat: 20 × 0,002 € = 0,04 €; Strom unter Last je (Anfrage/Tag):
    # 20 × 1,1 / 3.600 × 0,5 kW × 1,5 × 0,20 € = 0,00091667 €; Steigung 0,03908333 €.
    # Fix je GPU: 200 € + 0,2 kW × 730 h × 0,30 € = 243,80 €. n = 4: (4 × 243,80 + 1.000) / 0,03908333
    # = 50.538,17 Anfragen je Tag ≤ 4 × 13.090,9 (n = 1 bis 3 reichen nicht: 31.824 > 13.091, 38.062 > 26.182,
    # 44.300 > 39.273).
    be = m.break_even_own(W, NODE, OP, redundancy=False, api=API)
    assert be == pytest.approx(1975.2 / (0.04 - 0.0009166667), rel=1e-6)
    assert be == pytest.approx(50538.17, abs=0.01)
    # Probe: bei diesem Volumen kosten beide gleich viel.
    at = m.Workload(be, 20, 1000, 500, 8)
    assert m.own_cost(at, NODE, OP, False).total_eur == pytest.approx(m.api_cost(at, API), rel=1e-9)


def test_break_even_is_none_when_the_api_is_cheaper_than_the_electricity():
    # Kostenlose API: Steigung 0 − 0,00092 € < 0, die eigene Hardware holt nie auf.
    assert m.break_even_own(W, NODE, OP, False, m.ApiPrice("gratis", 0.0, 0.0)) is None
    # Ohne Kaufpreis gibt es keinen Break-even in Anfragen (dafür die Kaufpreisgrenze).
    assert m.break_even_own(W, m.Node("ohne Preis", 10_000, 500, None, 200, 500), OP, False, API) is None


def test_break_even_rental_hand_computed():
    # Fix je GPU 730 h × 2 € = 1.460 €, keine variablen Kosten: n = 1: (1.460 + 1.000) / 0,04 = 61.500 > 13.091;
    # ... n = 5: (7.300 + 1.000) / 0,04 = 207.500 > 65.454; die Kosten je GPU (1.460 €) übersteigen die
    # API-Kosten der Anfragen, die eine GPU schafft (13.091 × 0,04 € = 523,64 €): kein Break-even.
    assert m.break_even_rental(W, m.Rental("Miete", 10_000, 500, 2.0), OP, API) is None
    # Mit 0,02 €/h: Fix 14,60 €; n = 1: (14,60 + 1.000) / 0,04 = 25.365 > 13.091; n = 2: (29,2 + 1.000) / 0,04
    # = 25.730 ≤ 26.182.
    assert m.break_even_rental(W, m.Rental("billig", 10_000, 500, 0.02), OP, API) == pytest.approx(25730)


def test_max_purchase_price_hand_computed():
    # (2.000 € − 44,7167 € − 1.000 €) × 36 / 1 GPU = 34.390,20 € je Server.
    assert m.max_purchase_price(W, NODE, OP, False, 2000) == pytest.approx(34390.2, abs=0.01)
    assert m.max_purchase_price(W, NODE, OP, False, 40) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("requests_per_day", 0, "größer als 0"),
        ("peak_hours", 25, "höchstens 24"),
        ("days_per_month", 32, "höchstens 31"),
        ("output_tokens", "viele", "Zahl"),
    ],
)
def test_workload_rejects_bad_values_in_german(field, value, message):
    args = {
        "requests_per_day": 1,
        "days_per_month": 20,
        "input_tokens": 1,
        "output_tokens": 1,
        "peak_hours": 8,
    }
    args[field] = value
    with pytest.raises(ConfigError, match=message):
        m.Workload(**args)


def test_operation_rejects_pue_below_one_and_share_above_one():
    base = dict(
        electricity_ct_per_kwh=20,
        pue=1.5,
        hours_per_month=730,
        target_utilisation=0.5,
        staff_fte=0,
        staff_eur_per_year=0,
        depreciation_months=36,
    )
    with pytest.raises(ConfigError, match="mindestens 1"):
        m.Operation(**{**base, "pue": 0.9})
    with pytest.raises(ConfigError, match="höchstens 1"):
        m.Operation(**{**base, "target_utilisation": 1.5})


# --- Roofline-Übertragung ----------------------------------------------------------------------------------


def _measurement(path: Path, **change) -> Path:
    """Messdatei im geplanten Schema mit runden Zahlen (Messkarte „Test H200“)."""
    raw = {
        "stand": "2026-12-02",
        "gpu": {"name": "NVIDIA H200", "memory_bytes": 150_000_000_000},
        "versions": {"torch": "2.11"},
        "weights": "random",
        "dtype": "bfloat16",
        "engine": "transformers generate",
        "bf16_matmul_tflops": 791.2,
        "copy_bandwidth_gbps": 4224.0,
        "models": {
            "gemma-3-4b": {
                "parameters": 3_880_000_000,
                "weight_bytes": 8_000_000_000,
                "prefill": [
                    {"batch": 1, "prompt_tokens": 1024, "seconds": 0.1024, "tokens_per_s": 10_000.0},
                    {"batch": 8, "prompt_tokens": 1024, "seconds": 0.4096, "tokens_per_s": 20_000.0},
                ],
                "decode": [
                    {
                        "batch": 1,
                        "context_tokens": 1024,
                        "new_tokens": 64,
                        "step_ms": 2.0,
                        "tokens_per_s": 500.0,
                        "per_request_tokens_per_s": 500.0,
                    },
                    {
                        "variant": "eager",
                        "batch": 8,
                        "context_tokens": 1024,
                        "new_tokens": 64,
                        "step_ms": 4.0,
                        "tokens_per_s": 2000.0,
                        "per_request_tokens_per_s": 250.0,
                    },
                    {
                        "variant": "static_cudagraphs",
                        "batch": 8,
                        "context_tokens": 1024,
                        "new_tokens": 64,
                        "step_ms": 10 / 3,
                        "tokens_per_s": 2400.0,
                        "per_request_tokens_per_s": 300.0,
                    },
                ],
            }
        },
    }
    raw.update(change)
    file = path / "gpu_inference.json"
    file.write_text(json.dumps(raw), encoding="utf-8")
    return file


SOURCE = Source("Testquelle", "https://example.org", "2026-01", "quelle", True)


def _gpu(name: str, memory: float, bandwidth: float, tflops: float) -> GpuSpec:
    return GpuSpec(name, name.upper(), memory, bandwidth, tflops, 300, 30, None, False, SOURCE)


def test_roofline_takes_the_slower_of_measurement_and_card_limit(tmp_path):
    # Wirkungsgrade der Messkarte: 4.224 / 4.800 GB/s = 0,88; 791,2 / 989 TFLOPS = 0,8.
    # Decode, Batch 8: schnellste Variante static_cudagraphs (3,333 ms je Schritt). Bytes je Schritt:
    # 8 GB Gewichte + KV-Cache 8 Anfragen × 34 Schichten × (4 Köpfe × 256 × 2 × 2 Byte) × 1.024 Tokens
    # = 1.140.850.688 → 9.140.850.688 Byte / (300 GB/s × 0,88) = 34,624 ms > 3,333 ms → 8 / 0,034624 = 231,05.
    # Prefill, Batch 8: 2 × (3.880.000.000 − 262.208 × 2.560) × 8.192 Tokens = 5,2572e13 FLOPs
    # / (121 TFLOPS × 0,8) = 0,54310 s > 0,4096 s → 8.192 / 0,54310 = 15.083,8 Tokens/s.
    meas = load_measurements(_measurement(tmp_path))
    ref, slow = _gpu("h200", 141, 4800, 989), _gpu("l4-artig", 24, 300, 121)
    t = throughput(meas, "gemma-3-4b", slow, ref, 8)
    step_bytes = 8_000_000_000 + 8 * 34 * (4 * 256 * 2 * 2) * 1024
    assert t.decode_tokens_per_s == pytest.approx(8 / (step_bytes / (300e9 * 0.88)), rel=1e-9)
    assert t.decode_tokens_per_s == pytest.approx(231.05, abs=0.01)
    flops = 2 * (3_880_000_000 - 262_208 * 2_560) * 8192
    assert t.prefill_tokens_per_s == pytest.approx(8192 / (flops / (121e12 * 0.8)), rel=1e-9)
    assert t.prefill_tokens_per_s == pytest.approx(15083.8, abs=0.1)
    assert t.derived
    # Eine gleich schnelle Karte ist durch die Messung begrenzt (Aufwand je Schritt), nicht schneller:
    # 9,14e9 / (4.800e9 × 0,88) = 2,16 ms < 3,333 ms → 2.400 Tokens/s; Prefill 0,0665 s < 0,4096 s → 20.000.
    fast = throughput(meas, "gemma-3-4b", _gpu("andere", 141, 4800, 989), ref, 8)
    assert fast.decode_tokens_per_s == pytest.approx(2400) and fast.prefill_tokens_per_s == pytest.approx(
        20_000
    )
    same = throughput(meas, "gemma-3-4b", ref, ref, 1)
    assert (same.prefill_tokens_per_s, same.decode_tokens_per_s, same.derived) == (10_000, 500, False)


def test_fastest_decode_variant_is_used_and_all_are_kept(tmp_path):
    meas = load_measurements(_measurement(tmp_path))
    model = meas.model("gemma-3-4b")
    assert model.decode[8].variant == "static_cudagraphs" and model.decode[8].tokens_per_s == 2400
    assert len(model.decode_all) == 3


def test_roofline_refuses_unmeasured_batch_and_too_small_memory(tmp_path):
    meas = load_measurements(_measurement(tmp_path))
    ref = _gpu("h200", 141, 4800, 989)
    with pytest.raises(ConfigError, match="gemessen sind: 1, 8"):
        throughput(meas, "gemma-3-4b", ref, ref, 32)
    with pytest.raises(ConfigError, match="passt nicht"):
        throughput(meas, "gemma-3-4b", _gpu("winzig", 4, 100, 10), ref, 1)
    with pytest.raises(ConfigError, match="Modell „gemma-3-27b“ ist unbekannt"):
        throughput(meas, "gemma-3-27b", ref, ref, 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stand": None}, "stand"),
        ({"gpu": {"memory_bytes": 1}}, "gpu.name"),
        ({"bf16_matmul_tflops": -1}, "größer als 0"),
        ({"copy_bandwidth_gbps": None}, "copy_bandwidth_gbps"),
        (
            {"models": {"gemma-3-4b": {"parameters": 1, "weight_bytes": 1, "prefill": [], "decode": []}}},
            "nicht leere Liste",
        ),
    ],
)
def test_measurement_schema_is_checked(tmp_path, change, message):
    with pytest.raises(DataError, match=message):
        load_measurements(_measurement(tmp_path, **change))


def test_measurement_rejects_duplicate_batch(tmp_path):
    file = _measurement(tmp_path)
    raw = json.loads(file.read_text())
    raw["models"]["gemma-3-4b"]["decode"].append(copy.deepcopy(raw["models"]["gemma-3-4b"]["decode"][1]))
    file.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="doppelt"):
        load_measurements(file)


# --- Preisdatei ----------------------------------------------------------------------------------------------


def _real() -> dict:
    return yaml.safe_load((ROOT / "data" / "prices.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict) -> Path:
    file = tmp_path / "prices.yaml"
    file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return file


def test_real_price_file_loads_and_every_entry_is_dated_and_sourced():
    data = load_prices()
    entries = [
        *data.gpus.values(),
        *data.servers.values(),
        *data.cloud.values(),
        *data.apis.values(),
        *data.electricity.values(),
        *data.assumptions.values(),
        *data.exchange_rates.values(),
    ]
    for entry in entries:
        assert entry.source.as_of and entry.source.text, entry
        assert entry.source.kind != "quelle" or entry.source.url.startswith("https://"), entry
        assert entry.source.kind == "quelle" or entry.source.basis, entry
    assert any(api.region.startswith("EU") for api in data.apis.values())
    assert data.electricity_price(data.defaults["electricity"]).ct_per_kwh < 30  # Gewerbe, nicht Haushalt


def test_no_fact_sheet_mention_in_prices_page_or_package():
    texts = [ROOT / "data" / "prices.yaml", ROOT / "docs" / "5_Praxis_Guide" / "wirtschaftlichkeit.md"]
    texts += sorted((ROOT / "src" / "slmwiki" / "costs").glob("*.py"))
    for path in texts:
        assert "faktenblatt" not in path.read_text(encoding="utf-8").lower(), path


def test_usd_prices_are_converted_with_the_exchange_rate(tmp_path):
    # 1,1750 USD/EUR (Preisdatei): 0,60 USD → 0,5106 €; GPT-4o mini Ausgabe.
    data = load_prices()
    assert data.api("gpt-4o-mini").output_eur_per_million == pytest.approx(0.60 / 1.1750)
    raw = _real()
    raw["exchange_rates"]["USD"]["units_per_eur"] = 2.0
    assert load_prices(_write(tmp_path, raw)).api("gpt-4o-mini").output_eur_per_million == pytest.approx(0.30)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["apis"]["gpt-4o-mini"].pop("source"), "apis.gpt-4o-mini“, Feld „source"),
        (lambda r: r["apis"]["gpt-4o-mini"].update(as_of="Juli"), "as_of"),
        (lambda r: r["gpus"]["rtx-5090"].update(price_eur_net=-5), "price_eur_net"),
        (lambda r: r["gpus"]["l4"].update(idle_w=500), "Leerlauf"),
        (lambda r: r["electricity"]["stromsteuer"].update(ct_per_kwh=2050), "unplausibel"),
        (lambda r: r["servers"]["einzel-gpu-server"].update(basis=""), "Herleitung"),
        (lambda r: r["cloud"]["runpod-h100-pcie-secure"].update(currency="CHF"), "Wechselkurs"),
        (lambda r: r["assumptions"]["target_utilisation"].update(value=1.5), "Anteil"),
        (lambda r: r["defaults"].update(api=["gibt-es-nicht"]), "defaults.api"),
        (lambda r: r.update(schema=1), "schema: 2"),
    ],
)
def test_broken_price_file_names_entry_and_field(tmp_path, edit, message):
    raw = _real()
    edit(raw)
    with pytest.raises(DataError, match=message):
        load_prices(_write(tmp_path, raw))


def test_unquoted_date_is_rejected(tmp_path):
    text = (
        (ROOT / "data" / "prices.yaml")
        .read_text(encoding="utf-8")
        .replace('as_of: "2024-07-18"', "as_of: 2024-07-18")
    )
    file = tmp_path / "prices.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="Anführungszeichen"):
        load_prices(file)


def test_costs_package_does_not_import_torch():
    import subprocess

    code = "import sys, slmwiki.costs, slmwiki.costs.calculator; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
