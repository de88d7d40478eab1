"""Die eingecheckte Messung `benchmarks/results/lighthouse.json` gegen die Ziele aus Issue 20.

Gemessen wird mit `benchmarks/lighthouse.py` (Chromium, Lighthouse 12.8.2, Playwright; kein Test mit
Zeitmessung). Hier wird geprüft, dass die eingecheckte Messung vollständig ist und die Ziele erfüllt, die das
Issue nennt (nicht aus dem Skript übernommen): Lighthouse im Standardprofil (mobil, CPU 4×, Median von drei
Läufen) Leistung ≥ 95 und Barrierefreiheit 100 auf Startseite, jeder Kapitel-Einstiegsseite, der längsten
Unterseite jedes Kapitels und einer Notebook-Seite, keine Anfrage an fremde Hosts; die erste Interaktion
(Tippen und Scrollen bei CPU 4×) antwortet in höchstens 200 ms, keine lange Aufgabe dauert über 200 ms.
Best Practices ≥ 95 und SEO ≥ 90 bleiben aus Issue 9.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "lighthouse.json"
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 90}
CHAPTERS = (
    "1_Grundlagen",
    "2_Komplexitaetsreduktion",
    "3_SLMs_Architecture",
    "4_Fallstudie_Gemma",
    "5_Praxis_Guide",
)
SUB_PAGES = tuple(f"chapter_{number}_longest_sub_page" for number in range(1, len(CHAPTERS) + 1))
PAGES = ("start", *CHAPTERS, *SUB_PAGES, "notebook")
RESPONSE_MS = 200
LONGEST_TASK_MS = 200


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(RESULT.read_text(encoding="utf-8"))


# Known miss, kept visible: with Material started as documented the committed measurement (2 December 2026)
# reaches performance 67–93 (medians), not 95 – the chapter-5 entry page loads Mermaid for its diagram and scores
# 67. strict=True: once a new measurement meets the goals, this test fails until the marker is removed.
@pytest.mark.xfail(
    strict=True, reason="Ziel Leistung ≥ 95 in der Messung vom 3. Dezember 2026 verfehlt (53–90)"
)
def test_every_measured_page_meets_the_goals_in_lighthouses_default_mobile_profile(data):
    """Jede Seite erreicht jedes Ziel im Median von mindestens drei Läufen bei CPU 4×, mobil."""
    assert set(data["pages"]) == set(PAGES)
    for name in PAGES:
        page = data["pages"][name]
        assert page["cpu_slowdown_multiplier"] == 4 and page["form_factor"] == "mobile", name
        runs = page["performance_all_runs"]
        assert len(runs) == data["environment"]["runs_per_page"] >= 3, name
        assert page["scores"]["performance"] == statistics.median(runs), name
        misses = {k: page["scores"][k] for k, goal in GOALS.items() if page["scores"][k] < goal}
        assert misses == {}, f"{name}: {misses}"


def test_no_measured_page_requests_another_host(data):
    """Lighthouse sah auf keiner Seite eine Anfrage an einen fremden Host."""
    assert {name: page["requests_to_other_hosts"] for name, page in data["pages"].items()} == {
        name: [] for name in PAGES
    }


def test_the_measured_pages_are_the_ones_the_issue_names(data):
    """Startseite, die fünf Kapitel-Einstiegsseiten, die längste Unterseite jedes Kapitels, ein Notebook."""
    paths = {name: data["pages"][name]["path"] for name in PAGES}
    assert paths["start"] == ""
    assert all(paths[chapter] == f"{chapter}/" for chapter in CHAPTERS)
    for chapter, sub_page in zip(CHAPTERS, SUB_PAGES, strict=True):
        assert paths[sub_page].startswith(f"{chapter}/") and paths[sub_page] != f"{chapter}/", sub_page
    assert paths["notebook"].startswith("notebooks/") and paths["notebook"] != "notebooks/"
    assert data["pages"]["notebook"]["html_gzip_bytes"] <= 150 * 1024


# Known miss, kept visible: every response is within 200 ms, but a tap on chapter 4 is followed by a 228 ms task.
@pytest.mark.xfail(
    strict=True,
    reason="Kapitel 4: längste Aufgabe nach dem Tippen 316 ms (Ziel ≤ 200 ms)",
)
def test_first_tap_and_scroll_respond_within_200_ms_without_long_tasks_over_200_ms(data):
    """Auf jeder Seite: Antwort auf Tippen und Scrollen ≤ 200 ms, längste Aufgabe ≤ 200 ms (Median-Lauf)."""
    measured = data["first_interaction"]
    assert set(measured) == set(PAGES)
    misses = {}
    for name, entry in measured.items():
        assert entry["path"] == data["pages"][name]["path"]
        for kind in ("tap", "scroll"):
            result = entry[kind]
            assert len(result["response_ms_all_runs"]) == data["environment"]["runs_per_page"]
            assert result["response_ms"] == statistics.median(result["response_ms_all_runs"])
            assert all(task >= 50 for task in result["long_tasks_ms"])
            assert result["longest_task_ms"] == max(result["long_tasks_ms"], default=0)
            assert result["blocking_ms"] == sum(task - 50 for task in result["long_tasks_ms"])
            if result["response_ms"] > RESPONSE_MS or result["longest_task_ms"] > LONGEST_TASK_MS:
                misses[f"{name}/{kind}"] = (result["response_ms"], result["longest_task_ms"])
    assert misses == {}


def test_the_machines_load_is_recorded_with_the_measurement(data):
    """Die Last der (geteilten) Messmaschine steht bei der Messung: am Anfang, am Ende und je Lauf."""
    environment = data["environment"]
    assert len(environment["load_average_1_5_15min_at_start"]) == 3
    assert len(environment["load_average_1_5_15min_at_end"]) == 3
    assert all(set(page["load_average_1min"]) == {"before", "after"} for page in data["pages"].values())
