"""Tests für `slmwiki costs`: JSON mit von Hand gerechneten Werten, Tabelle, Hilfe und Fehlerfälle.

Die Preis- und Messdateien der Tests haben runde Zahlen (siehe `_files`); die erwarteten Beträge sind von Hand
gerechnet wie in tests/test_costs.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from slmwiki.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _files(tmp_path: Path) -> list[str]:
    """Preisdatei und Messung: Die eigene Karte „test-gpu“ ist die Messkarte (Prefill 10.000, Decode 500
    Tokens/s bei Batch 8, also keine Übertragung). Server + GPU: 7.200 € (GPU 1.200 € + Server 6.000 €),
    Leerlauf 200 W (50 + 150), Mehrverbrauch unter Last 500 W (350 − 50 + 200). Strom 20 ct/kWh, PUE 1,5,
    Personal 0,1 × 120.000 €, 36 Monate. API 2,35 USD / 4,70 USD je 1 Mio. Tokens bei 2,35 USD/EUR = 1 € / 2 €.
    Miete 4 USD/h = 1,7021 €/h auf derselben Karte."""
    src = {
        "source": "Testquelle",
        "url": "https://example.org/preise",
        "as_of": "2026-11-01",
        "kind": "quelle",
        "verified": True,
    }
    est = {
        "source": "Schätzung",
        "url": "",
        "as_of": "2026-11-01",
        "kind": "schaetzung",
        "verified": False,
        "basis": "Test",
    }

    def gpu(bw, tf, price, power, idle, memory=48):
        return {
            "label": f"GPU {bw}",
            "memory_gb": memory,
            "bandwidth_gb_s": bw,
            "bf16_dense_tflops": tf,
            "power_w": power,
            "idle_w": idle,
            "price_eur_net": price,
            "consumer": False,
            **src,
        }

    def assumption(value, unit="x"):
        return {"label": "Annahme", "value": value, "unit": unit, **est}

    prices = {
        "schema": 2,
        "exchange_rates": {"USD": {"units_per_eur": 2.35, **src}},
        "electricity": {"test-strom": {"label": "Test", "ct_per_kwh": 20, **src}},
        "gpus": {
            "test-gpu": gpu(2400, 500, 1200, 350, 50),
            "ohne-preis": gpu(2400, 500, None, 350, 50),
        },
        "servers": {
            "s": {"label": "Server", "price_eur_net": 6000, "idle_w": 150, "load_extra_w": 200, **est}
        },
        "cloud": {
            "miete": {"label": "Test-Miete", "price_per_hour": 4, "currency": "USD", "gpu": "test-gpu", **src}
        },
        "apis": {
            "test-api": {
                "label": "Test-API",
                "input_per_million": 2.35,
                "output_per_million": 4.70,
                "currency": "USD",
                "region": "EU (Test)",
                **src,
            },
            "teuer": {
                "label": "Teure API",
                "input_per_million": 10,
                "output_per_million": 30,
                "currency": "EUR",
                "region": "USA",
                **src,
            },
        },
        "assumptions": {
            "depreciation_months": assumption(36, "Monate"),
            "hours_per_month": assumption(730, "h"),
            "pue": assumption(1.5),
            "target_utilisation": assumption(0.5, "Anteil"),
            "staff_fte": assumption(0.1),
            "staff_eur_per_year": assumption(120_000, "€/Jahr"),
        },
        "scenarios": {
            "test": {
                "label": "Testfall",
                "description": "Test.",
                "requests_per_day": 1000,
                "days_per_month": 20,
                "input_tokens": 1000,
                "output_tokens": 500,
                "peak_hours": 8,
                "model": "gemma-3-4b",
                "batch": 8,
                "gpu": "test-gpu",
                "redundancy": False,
                "basis": "Test.",
            },
        },
        "defaults": {
            "scenario": "test",
            "electricity": "test-strom",
            "server": "s",
            "cloud": ["miete"],
            "api": ["test-api", "teuer"],
            "gpus": ["test-gpu", "ohne-preis"],
        },
    }
    measurements = {
        "stand": "2026-12-02",
        "gpu": {"name": "Test test-gpu", "memory_bytes": 141_000_000_000},
        "versions": {},
        "weights": "random",
        "dtype": "bfloat16",
        "bf16_matmul_tflops": 800.0,
        "copy_bandwidth_gbps": 4800.0,
        "models": {
            "gemma-3-4b": {
                "parameters": 3_880_000_000,
                "weight_bytes": 8_000_000_000,
                "prefill": [{"batch": 8, "prompt_tokens": 1024, "seconds": 0.8192, "tokens_per_s": 10_000.0}],
                "decode": [
                    {
                        "batch": 8,
                        "context_tokens": 1024,
                        "new_tokens": 64,
                        "step_ms": 16.0,
                        "tokens_per_s": 500.0,
                        "per_request_tokens_per_s": 62.5,
                    }
                ],
            }
        },
    }
    p, meas = tmp_path / "prices.yaml", tmp_path / "m.json"
    p.write_text(yaml.safe_dump(prices, allow_unicode=True), encoding="utf-8")
    meas.write_text(json.dumps(measurements), encoding="utf-8")
    return ["--prices", str(p), "--measurements", str(meas)]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["costs", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _json(capsys, *argv: str) -> dict:
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def _option(result: dict, key: str) -> dict:
    return next(o for o in result["options"] if o["key"] == key)


def test_json_matches_hand_computed_costs(tmp_path, capsys):
    result = _json(capsys, *_files(tmp_path))
    own = _option(result, "eigen:test-gpu")
    # 200 € Abschreibung + 44,72 € Strom + 1.000 € Personal (tests/test_costs.py) = 1.244,72 €.
    assert own["monthly_eur"] == "1244.72" and own["monthly_eur_rounded"] == 1245 and own["gpus"] == 1
    assert own["parts"] == {"abschreibung": "200.00", "strom": "44.72", "personal": "1000.00"}
    # Break-even gegenüber der günstigsten API (1 €/2 €): 50.538 Anfragen je Tag.
    assert own["break_even_requests_per_day"] == 50538
    assert _option(result, "api:test-api")["monthly_eur"] == "40.00"
    # 20.000 × (1.000 × 10 + 500 × 30) / 10^6 = 500 €.
    assert _option(result, "api:teuer")["monthly_eur"] == "500.00"
    # Miete: 730 h × 4 / 2,35 €/h = 1.242,55 € + 1.000 € Personal.
    assert _option(result, "cloud:miete")["monthly_eur"] == "2242.55"
    assert result["cheapest_api"] == "api:test-api"
    assert result["verdict"].startswith("Günstigste Option bei 1.000 Anfragen je Tag: Test-API mit rund 40")


def test_option_without_price_reports_the_purchase_price_limit(tmp_path, capsys):
    result = _json(capsys, *_files(tmp_path), "--api", "teuer")
    no_price = _option(result, "eigen:ohne-preis")
    # (500 € − 44,72 € − 1.000 €) < 0: schon Strom und Personal kosten mehr als die API.
    assert no_price["monthly_eur"] is None and no_price["max_purchase_eur"] is None
    result = _json(capsys, *_files(tmp_path), "--api", "teuer", "--staff-fte", "0")
    # (500 € − 44,7167 €) × 36 Monate / 1 Server = 16.390,20 €.
    assert _option(result, "eigen:ohne-preis")["max_purchase_eur"] == "16390.20"


def test_overrides_change_the_result_as_computed(tmp_path, capsys):
    files = _files(tmp_path)
    # Mit Reserve: 2 Server → 400 € + 88,52 € + 1.000 € = 1.488,52 €.
    assert _option(_json(capsys, *files, "--redundancy"), "eigen:test-gpu")["monthly_eur"] == "1488.52"
    # Strom 40 ct statt 20: Strom verdoppelt sich → 200 + 89,43 + 1.000 = 1.289,43 €.
    assert (
        _option(_json(capsys, *files, "--electricity-ct", "40"), "eigen:test-gpu")["monthly_eur"] == "1289.43"
    )
    # Eigener Kaufpreis 3.600 €: Abschreibung 100 € → 1.144,72 €.
    assert (
        _option(_json(capsys, *files, "--purchase-eur", "3600"), "eigen:test-gpu")["monthly_eur"] == "1144.72"
    )


def test_tokens_per_month_is_converted_to_requests_per_day(tmp_path, capsys):
    # 30 Mio. Tokens / (20 Tage × 1.500 Tokens je Anfrage) = 1.000 Anfragen je Tag.
    result = _json(capsys, *_files(tmp_path), "--tokens-per-month", "3e7")
    assert result["workload"]["requests_per_day"] == pytest.approx(1000)
    assert _option(result, "api:test-api")["monthly_eur"] == "40.00"


def test_text_output_has_table_and_verdict(tmp_path, capsys):
    code, out, _ = _run(capsys, *_files(tmp_path))
    assert code == 0
    assert "Kosten je Monat" in out and "1.245\xa0€" in out and "Fazit: Günstigste Option" in out
    assert "ab 50.538 Anfragen/Tag" in out


def test_list_names_scenarios_gpus_and_apis(tmp_path, capsys):
    code, out, _ = _run(capsys, "--list", "--prices", _files(tmp_path)[1])
    assert code == 0 and "test-gpu" in out and "test-api" in out and "Szenarien" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--requests-per-day", "viele"], "„requests_per_day“ muss eine Zahl sein"),
        (["--requests-per-day", "-3"], "größer als 0"),
        (["--gpu", "test-gpi"], "Meinten Sie: test-gpu"),
        (["--batch", "32"], "gemessen sind: 8"),
        (["--scenario", "krankenhaus"], "Szenario „krankenhaus“ ist unbekannt"),
        (["--peak-hours", "30"], "höchstens 24"),
        (["--electricity-ct", "20", "--electricity", "test-strom"], "nicht beides"),
        (["--tokens-per-month", "1e6", "--requests-per-day", "5"], "nicht beides"),
    ],
)
def test_bad_input_gives_german_error_and_exit_code_2(tmp_path, capsys, argv, message):
    code, out, err = _run(capsys, *_files(tmp_path), *argv)
    assert code == 2 and out == ""
    assert err.startswith("Fehler: ") and message in err


def test_missing_measurement_file_is_a_clear_error(tmp_path, capsys):
    files = _files(tmp_path)
    code, _, err = _run(capsys, files[0], files[1], "--measurements", str(tmp_path / "fehlt.json"))
    assert code == 2 and "Durchsatzmessung" in err


def test_help_is_german(capsys):
    assert main(["costs", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Anfragen je Tag" in out and "--scenario" in out


@pytest.mark.skipif(
    not (ROOT / "benchmarks" / "results" / "gpu_inference.json").exists(),
    reason="Messung noch nicht vorhanden",
)
@pytest.mark.parametrize("scenario", ["abteilung", "klinik", "bank"])
def test_real_scenarios_run_and_every_option_is_priced_or_explained(capsys, scenario):
    result = _json(capsys, "--scenario", scenario)
    for option in result["options"]:
        assert option["monthly_eur"] is not None or option["note"], option
    assert any(o["kind"] == "API" and o["monthly_eur"] for o in result["options"])
