"""Der Kostenrechner der Seite „Wirtschaftlichkeit“ im echten Browser: gleiche Zahlen wie `slmwiki costs --json`.

Chromium (Debian) öffnet die gebaute Seite unter /slmwiki/, ändert Eingaben über Tastatur und Formularfelder
und vergleicht jede Zelle der Ergebnistabelle mit dem JSON der Kommandozeile für dieselben Eingaben. Die
erwarteten Zelltexte bildet der Test selbst aus dem JSON (Babel, de_DE), nicht mit dem Code der Seite.
Marker `site`: braucht `mkdocs build` (site/) und /usr/bin/chromium.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sitebrowser import CHROMIUM, CHROMIUM_ARGS, SITE, serve_site

from slmwiki.cli import main
from slmwiki.formatting import eur, number

pytestmark = pytest.mark.site

PAGE = "5_Praxis_Guide/wirtschaftlichkeit/"


@pytest.fixture(scope="module")
def page():
    """Die Seite in einem frischen Browser-Kontext; zeichnet Anfragen und Fehler auf."""
    if not (SITE / PAGE / "index.html").exists():
        pytest.fail("site/ ist nicht gebaut: zuerst `make build` ausführen.")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} fehlt: `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    with serve_site() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        tab = context.new_page()
        tab.requests, tab.errors = [], []
        tab.on("request", lambda r: tab.requests.append(r.url))
        tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: tab.errors.append(str(e)))
        tab.goto(base + PAGE, wait_until="load")
        tab.wait_for_selector("[data-kostenrechner][data-bereit='ja']", state="attached")
        tab.origin = base.split("/slmwiki/")[0]
        yield tab
        context.close()
        browser.close()


def _cli(*argv: str) -> dict:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main(["costs", *argv, "--json"]) == 0
    return json.loads(buffer.getvalue())


def _whole(text: str) -> int:
    return int(Decimal(text).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _expected(result: dict) -> dict[str, tuple[str, str, str]]:
    """Zelltexte (GPUs, Kosten je Monat, Break-even) je Option, gebildet aus dem JSON der Kommandozeile."""
    cells = {}
    for o in result["options"]:
        gpus = "–" if o["gpus"] is None else number(o["gpus"])
        monthly = "–" if o["monthly_eur_rounded"] is None else eur(o["monthly_eur_rounded"], 0)
        if o["kind"] == "API":
            be = "–"
        elif o["monthly_eur"] is None:
            limit = o["max_purchase_eur"]
            be = "keiner" if limit is None else f"lohnt bis {eur(_whole(limit), 0)} je Server"
        elif o["break_even_requests_per_day"] is None:
            be = "keiner"
        else:
            be = f"ab {number(o['break_even_requests_per_day'])} Anfragen/Tag"
        cells[o["key"]] = (gpus, monthly, be)
    return cells


def _shown(tab) -> dict[str, tuple[str, str, str]]:
    return tab.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.kr-ergebnis tr[data-key]')].map(row => [
            row.dataset.key,
            ['gpus', 'monthly', 'break-even'].map(f => row.querySelector(`[data-field="${f}"]`).textContent)]))"""
    )


def _set(tab, name: str, value: str) -> None:
    field = tab.locator(f"#kr-{name}")
    field.fill(value)
    field.dispatch_event("input")


def _assert_same(tab, result: dict) -> None:
    shown = {k: tuple(v) for k, v in _shown(tab).items()}
    assert shown == _expected(result)
    verdict = tab.locator("[data-field='verdict']").inner_text()
    assert result["verdict"].startswith(verdict.rstrip("."))


def test_default_scenario_matches_cli_without_any_input(page):
    """Set 1: die voreingestellte Ausgangslage (Fachabteilung), wie geladen."""
    _assert_same(page, _cli("--scenario", "abteilung"))


def test_hospital_scenario_with_own_electricity_and_staff_matches_cli(page):
    """Set 2: Szenario „Krankenhaus“ gewählt, Strompreis 25 ct/kWh, 0,2 Stellen."""
    page.select_option("#kr-scenario", "klinik")
    _set(page, "electricity_ct_per_kwh", "25")
    _set(page, "staff_fte", "0,2")
    _assert_same(page, _cli("--scenario", "klinik", "--electricity-ct", "25", "--staff-fte", "0.2"))


def test_own_load_small_model_purchase_price_typed_with_keyboard_matches_cli(page):
    """Set 3: eigene Last über die Tastatur, Gemma 3 1B, 32 gleichzeitige Anfragen, Kaufpreis 12.000 €."""
    page.select_option("#kr-scenario", "bank")
    page.locator("#kr-scenario").focus()
    page.keyboard.press("Tab")  # nächstes Feld: Anfragen je Tag
    assert page.evaluate("() => document.activeElement.id") == "kr-requests_per_day"
    page.keyboard.press("Control+A")
    page.keyboard.type("20.000")
    for name, value in [
        ("input_tokens", "800"),
        ("output_tokens", "200"),
        ("peak_hours", "10"),
        ("purchase_eur", "12.000"),
    ]:
        _set(page, name, value)
    page.select_option("#kr-model", "gemma-3-1b")
    page.select_option("#kr-batch", "32")
    page.locator("#kr-redundancy").focus()
    page.keyboard.press("Space")  # Bank: Reserve voreingestellt → abwählen
    assert not page.locator("#kr-redundancy").is_checked()
    _set(page, "electricity_ct_per_kwh", "20,38")
    _set(page, "staff_fte", "0,1")
    expected = _cli(
        "--scenario",
        "bank",
        "--requests-per-day",
        "20000",
        "--input-tokens",
        "800",
        "--output-tokens",
        "200",
        "--peak-hours",
        "10",
        "--purchase-eur",
        "12000",
        "--model",
        "gemma-3-1b",
        "--batch",
        "32",
        "--no-redundancy",
    )
    _assert_same(page, expected)


def test_eu_only_apis_match_cli_with_only_the_eu_apis_selected(page):
    """Set 4: Bank, nur APIs mit Verarbeitung in der EU (Kommandozeile: --api je EU-API)."""
    page.select_option("#kr-scenario", "abteilung")
    page.select_option("#kr-scenario", "bank")
    _set(page, "purchase_eur", "")
    page.locator("#kr-eu_only").check()
    eu = ["scaleway-mistral-small-3.1", "scaleway-llama-3.3-70b"]
    expected = _cli("--scenario", "bank", *[arg for name in eu for arg in ("--api", name)])
    shown = {k: tuple(v) for k, v in _shown(page).items()}
    visible = page.evaluate(
        "() => [...document.querySelectorAll('.kr-ergebnis tr[data-key]')].filter(r => !r.hidden).map(r => r.dataset.key)"
    )
    assert sorted(visible) == sorted(_expected(expected))
    assert {k: shown[k] for k in visible} == _expected(expected)
    page.locator("#kr-eu_only").uncheck()


def test_bad_input_is_marked_in_german_and_recovers(page):
    _set(page, "requests_per_day", "viele")
    field = page.locator("#kr-requests_per_day")
    assert field.get_attribute("aria-invalid") == "true"
    assert "Zahl" in page.locator("#kr-requests_per_day-fehler").inner_text()
    assert page.locator("[data-key='api:gpt-4o-mini'] [data-field='monthly']").inner_text() == "–"
    page.select_option("#kr-scenario", "abteilung")
    _set(page, "requests_per_day", "600")
    _set(page, "electricity_ct_per_kwh", "20,38")
    _set(page, "staff_fte", "0,1")
    _set(page, "purchase_eur", "")
    assert field.get_attribute("aria-invalid") == "false"
    _assert_same(page, _cli("--scenario", "abteilung"))


def test_every_input_has_a_label_and_nothing_is_loaded_from_elsewhere(page):
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('.kostenrechner input, .kostenrechner select')]
            .filter(el => !document.querySelector(`label[for="${el.id}"]`)).map(el => el.name)"""
    )
    assert unlabeled == []
    foreign = [u for u in page.requests if not u.startswith((page.origin, "data:", "blob:"))]
    assert foreign == [] and page.errors == []
