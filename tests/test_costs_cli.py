"""Tests für `slmwiki costs`: Tabelle, Fazit, JSON, Hilfe und Fehlerfälle (über `slmwiki.cli.main`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from slmwiki.cli import main

SOURCE = {"source": "Testquelle", "url": "https://example.org/preise", "as_of": "2026-11-01"}


def _prices(tmp_path: Path) -> Path:
    """Preisdatei mit runden Zahlen: GPU 7.200 USD (= 3.600 € bei 2 USD/EUR), 500 W, 100 Tokens/s, 40 ct/kWh;
    API 1 €/4 € je 1 Mio. Tokens; Cloud 4 USD/h (= 2 €/h) bei 500 Tokens/s."""
    assumptions = {
        "depreciation_months": 36,
        "hours_per_month": 730,
        "utilisation": 1,
        "input_share": 0.75,
        "overhead_eur_per_month": 0,
        "idle_power_w": 0,
    }
    content = {
        "exchange_rates": {"USD": {"units_per_eur": 2.0, **SOURCE}},
        "gpus": {
            "test-gpu": {
                "label": "Test-GPU",
                "price": 7200,
                "currency": "USD",
                "price_kind": "Liste",
                "power_w": 500,
                "vram_gb": 24,
                **SOURCE,
            },
            "ohne-durchsatz": {
                "label": "Andere GPU",
                "price": 100,
                "currency": "EUR",
                "price_kind": "Liste",
                "power_w": 100,
                "vram_gb": 8,
                **SOURCE,
            },
        },
        "cloud": {
            "test-cloud": {
                "label": "Test-Cloud",
                "price_per_hour": 4,
                "gpus": 1,
                "gpu_class": "test-klasse",
                "currency": "USD",
                **SOURCE,
            }
        },
        "apis": {
            "test-api": {
                "label": "Test-API",
                "input_per_million": 1,
                "output_per_million": 4,
                "currency": "EUR",
                **SOURCE,
            }
        },
        "electricity": {"test-strom": {"label": "Strom", "ct_per_kwh": 40, "currency": "EUR", **SOURCE}},
        "throughput": {
            "test-modell": {
                "label": "Testmodell",
                "kind": "annahme",
                "as_of": "2026-11-01",
                "basis": "Test",
                "tokens_per_s": {"test-gpu": 100, "test-klasse": 500},
            }
        },
        "assumptions": {
            key: {"label": key, "value": value, "unit": "-", "basis": "Test", "as_of": "2026-11-01"}
            for key, value in assumptions.items()
        },
        "defaults": {
            "model": "test-modell",
            "gpu": ["test-gpu"],
            "cloud": ["test-cloud"],
            "api": ["test-api"],
            "electricity": "test-strom",
        },
    }
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["costs", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _table_money(out: str, label: str) -> tuple[str, str]:
    """Liest Monatskosten und Kosten je 1 Mio. Tokens einer Zeile der Texttabelle (deutsches Format)."""
    line = next(line for line in out.splitlines() if line.startswith(label))
    amounts = re.findall(r"(\d[\d.]*,\d{2})\xa0€", line)
    return amounts[0], amounts[1]


def _german_to_json(amount: str) -> str:
    return amount.replace(".", "").replace(",", ".")


def test_table_shows_hand_computed_costs_and_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """36 Mio. Tokens: eigene GPU 3.600/36 + 0,5 kW · 100 h · 0,40 € = 120,00 €; Cloud 36 Mio./(500 · 3.600) = 20 h
    · 2 € = 40,00 €; API 36 · 1,75 € = 63,00 €. Cloud am günstigsten; Break-even GPU/Cloud:
    100 € / (10/9 − 5/9) € je 1 Mio. = 180.000.000 Tokens."""
    code, out, err = _run(capsys, "--tokens-per-month", "36000000", "--prices", str(_prices(tmp_path)))
    assert code == 0, err
    assert _table_money(out, "Test-GPU") == ("120,00", "3,33")
    assert _table_money(out, "Test-Cloud") == ("40,00", "1,11")
    assert _table_money(out, "Test-API") == ("63,00", "1,75")
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith(
        "Fazit: Bei 36.000.000 Tokens/Monat ist „Test-Cloud“ am günstigsten (40,00\xa0€ je Monat)."
    )
    assert "Break-even bei 180.000.000 Tokens/Monat" in verdict
    assert "1 EUR = 2,0000 USD" in out


def test_json_output_parses_and_matches_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--json` liefert dieselben, auf Cent gerundeten Beträge wie die Tabelle (als Zeichenketten mit Punkt)."""
    prices = str(_prices(tmp_path))
    _, table, _ = _run(capsys, "--tokens-per-month", "36000000", "--prices", prices)
    code, out, _ = _run(capsys, "--tokens-per-month", "36000000", "--prices", prices, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["tokens_per_month"] == 36_000_000
    assert data["cheapest"] == "Test-Cloud"
    for option in data["options"]:
        label = option["label"].split(" (")[0]
        monthly, per_million = _table_money(table, label)
        assert option["monthly_eur"] == _german_to_json(monthly)
        assert option["per_million_eur"] == _german_to_json(per_million)
    volumes = {(b["first"], b["second"]): b["tokens_per_month"] for b in data["break_even"]}
    assert volumes[("Test-GPU (eigene Hardware)", "Test-Cloud")] == 180_000_000
    assert data["settings"]["electricity_ct_per_kwh"] == "40"


def test_capacity_limit_is_shown_instead_of_a_price(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """300 Mio. Tokens > 100 · 3.600 · 730 = 262,8 Mio.: die GPU-Zeile zeigt „–“ und die Kapazitätsgrenze."""
    code, out, _ = _run(capsys, "--tokens-per-month", "3e8", "--prices", str(_prices(tmp_path)))
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("Test-GPU"))
    assert "Kapazität überschritten" in line and "262.800.000" in line
    code, out, _ = _run(capsys, "--tokens-per-month", "3e8", "--prices", str(_prices(tmp_path)), "--json")
    gpu = json.loads(out)["options"][0]
    assert gpu["feasible"] is False and gpu["monthly_eur"] is None


def test_overrides_change_the_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Strom 0 ct und Kaufpreis 7.200 €: 7.200/36 = 200,00 €; Eingabeanteil 1: API 36 · 1 € = 36,00 €."""
    code, out, _ = _run(
        capsys,
        "--tokens-per-month",
        "36000000",
        "--prices",
        str(_prices(tmp_path)),
        "--electricity-ct",
        "0",
        "--purchase-eur",
        "7200",
        "--input-share",
        "1",
    )
    assert code == 0
    assert _table_money(out, "Test-GPU")[0] == "200,00"
    assert _table_money(out, "Test-API")[0] == "36,00"


def test_fixed_cloud_hours_make_cloud_cost_constant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--cloud-hours 100 bei 2 €/h: 200,00 € je Monat, unabhängig vom Volumen (solange die Kapazität reicht)."""
    code, out, _ = _run(
        capsys, "--tokens-per-month", "1000", "--prices", str(_prices(tmp_path)), "--cloud-hours", "100"
    )
    assert code == 0
    assert _table_money(out, "Test-Cloud")[0] == "200,00"


def test_shipped_price_file_answers_the_question(capsys: pytest.CaptureFixture[str]) -> None:
    """Mit der mitgelieferten Preisdatei entsteht eine Tabelle mit Fazit und markiertem, ungeprüftem Wechselkurs."""
    code, out, err = _run(capsys, "--tokens-per-month", "50000000")
    assert code == 0, err
    assert "Fazit:" in out and "Annahme" in out and "ungeprüft" in out


def test_list_shows_known_names(capsys: pytest.CaptureFixture[str]) -> None:
    """`--list` nennt GPUs, Cloud-Angebote, APIs, Modelle und Strompreise der Preisdatei."""
    code, out, _ = _run(capsys, "--list")
    assert code == 0
    for name in ("rtx-4090", "runpod-h100-pcie-community", "gpt-4o-mini", "gemma-3-4b", "bdew-haushalt-2025"):
        assert name in out


def test_help_is_german(capsys: pytest.CaptureFixture[str]) -> None:
    """`slmwiki costs --help` ist deutsch und endet mit Exit-Code 0."""
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    assert "Aufruf:" in out and "Optionen" in out and "Tokens je Monat" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tokens-per-month", "viele"], "„--tokens-per-month“ muss eine Zahl sein"),
        (["--tokens-per-month", "-5"], "„--tokens-per-month“ muss größer als 0"),
        (["--tokens-per-month", "0"], "„--tokens-per-month“ muss größer als 0"),
        (["--tokens-per-month", "nan"], "„--tokens-per-month“ muss eine endliche Zahl"),
        (["--tokens-per-month", "inf"], "„--tokens-per-month“ muss eine endliche Zahl"),
        ([], "„--tokens-per-month“ fehlt"),
        (["--tokens-per-month", "1e6", "--utilisation", "0"], "„--utilisation“"),
        (["--tokens-per-month", "1e6", "--input-share", "2"], "„--input-share“"),
        (["--tokens-per-month", "1e6", "--electricity-ct", "-1"], "„--electricity-ct“ darf nicht negativ"),
        (["--tokens-per-month", "1e6", "--depreciation-months", "0"], "„--depreciation-months“"),
        (["--tokens-per-month", "1e6", "--hours-per-month", "800"], "„--hours-per-month“"),
        (["--tokens-per-month", "1e6", "--tokens-per-s", "abc"], "„--tokens-per-s“ muss eine Zahl sein"),
        (
            ["--tokens-per-month", "1e6", "--gpu", "rtx-9999"],
            "Unbekannte GPU „rtx-9999“.*Bekannt: ohne-durchsatz, test-gpu",
        ),
        (["--tokens-per-month", "1e6", "--api", "gpt-7"], "Unbekannte API „gpt-7“.*Bekannt: test-api"),
        (["--tokens-per-month", "1e6", "--cloud", "nirgends"], "Unbekannte Cloud-GPU.*test-cloud"),
        (["--tokens-per-month", "1e6", "--model", "riesig"], "Unbekanntes Modell „riesig“.*test-modell"),
        (["--tokens-per-month", "1e6", "--gpu", "ohne-durchsatz"], "kein Durchsatzwert.*--tokens-per-s"),
        (["--tokens-per-month", "1e6", "--electricity", "sonne"], "Unbekannte Strompreisangabe „sonne“"),
        (["--tokens-per-month", "1e6", "--gpu", "test-gpu", "--gpu", "test-gpu"], "doppelt"),
    ],
)
def test_bad_input_exits_with_code_2_and_a_german_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Ungültige Werte und unbekannte Namen ergeben „Fehler: …“ auf stderr, Exit-Code 2 und keinen Traceback."""
    code, out, err = _run(capsys, *argv, "--prices", str(_prices(tmp_path)))
    assert code == 2
    assert err.startswith("Fehler: ")
    assert re.search(message, err), err
    assert "Traceback" not in err and out == ""


def test_broken_price_file_exits_with_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Eine Preisdatei ohne Quelle beim Cloud-Eintrag ergibt Exit-Code 2 mit Eintrag und Feld in der Meldung."""
    path = _prices(tmp_path)
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    del content["cloud"]["test-cloud"]["source"]
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    code, _, err = _run(capsys, "--tokens-per-month", "1e6", "--prices", str(path))
    assert code == 2
    assert "„cloud.test-cloud“: Feld „source“ fehlt" in err
    assert "Traceback" not in err


def test_unknown_option_is_rejected_by_argparse_with_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Eine unbekannte Option beendet mit Exit-Code 2 und deutscher argparse-Meldung."""
    code, _, err = _run(capsys, "--tokens-per-month", "1e6", "--gpus", "x")
    assert code == 2
    assert "Fehler" in err and "Traceback" not in err


def test_absurd_volume_is_printed_in_exponent_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """10^40 Tokens je Monat sprengen die Dezimalgenauigkeit beim Runden; die Ausgabe nutzt dann „1,000E+40“."""
    code, out, err = _run(capsys, "--tokens-per-month", "1e40", "--prices", str(_prices(tmp_path)))
    assert code == 0, err
    assert "1,000E+40 Tokens/Monat" in out
