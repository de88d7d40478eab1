"""Lighthouse scores of the built site (start page, one chapter, one notebook page).

Serves site/ locally under /slmwiki/ (as GitHub Pages does), runs Lighthouse 12.8.2 (the newest
release that runs on Node 20) in Debian's Chromium and writes scores, metrics and the machine's load
average to benchmarks/results/lighthouse.json. With `--runs N` each page is measured N times and the
run with the median performance score is kept.

CPU calibration: Lighthouse's mobile profile slows the CPU down 4x, a factor meant for a high-end
desktop host (benchmarkIndex 1500-2000), so that the result resembles a mid-tier phone. On a slower
host Lighthouse's documentation (docs/throttling.md, "Calibrating the CPU slowdown") recommends a
lower factor: 2x for a low-end desktop (benchmarkIndex 1000-1500), 1x below 800. The script therefore
measures every page twice: with the default 4x and with the factor that table gives for the median
benchmarkIndex of the default runs. Both results are stored; neither replaces the other.

Lighthouse loads a page without touching it. Since Material's bundle starts only on the reader's first
interaction (overrides/main.html), its cost is not part of that load any more; it moves to the first
interaction. The script therefore also measures that moment itself (`first_interaction`, Playwright with
Chromium's own CPU throttling, 4x and 1x): after the page has loaded and settled, one mouse movement,
then the time until the bundle has run and every long task (> 50 ms) of the main thread until 1 s later.

Usage (after `make build`):
    .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--out benchmarks/results/lighthouse.json]
Lighthouse is installed on first use into .cache/lighthouse with `npm install lighthouse@12.8.2`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sitebrowser import CHROMIUM, CHROMIUM_ARGS, SITE, serve_site  # noqa: E402

LIGHTHOUSE_VERSION = "12.8.2"
PREFIX = ROOT / ".cache" / "lighthouse"
# The notebook page: the fine-tuning demo once it is built, otherwise the first notebook that exists.
NOTEBOOK_CANDIDATES = ("SLM_Finetuning_Demo", "NF4_Quantisierung")
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 90}
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)


def pages() -> dict[str, str]:
    """The three measured pages (name -> path below the site root)."""
    notebooks = [n for n in NOTEBOOK_CANDIDATES if (SITE / "notebooks" / n / "index.html").exists()]
    if not notebooks:
        notebooks = sorted(p.parent.name for p in (SITE / "notebooks").glob("*/index.html"))
    if not notebooks:
        raise SystemExit(
            f"Fehler: keine Notebook-Seite in {SITE / 'notebooks'} – zuerst `make build` ausführen."
        )
    return {"start": "", "chapter": "2_Komplexitaetsreduktion/", "notebook": f"notebooks/{notebooks[0]}/"}


def ensure_lighthouse() -> Path:
    """Path of the pinned Lighthouse CLI (installs it into .cache/lighthouse on first use)."""
    binary = PREFIX / "node_modules" / ".bin" / "lighthouse"
    installed = PREFIX / "node_modules" / "lighthouse" / "package.json"
    if not binary.exists() or json.loads(installed.read_text())["version"] != LIGHTHOUSE_VERSION:
        PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(PREFIX), f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )
    return binary


def calibrated_multiplier(benchmark_index: float) -> float:
    """CPU slowdown for a mid-tier phone on a host with this benchmarkIndex (Lighthouse docs/throttling.md).

    High-end desktop (>= 1500): 4x; low-end desktop (1000-1500) and high-end phone (800-1000): 2x;
    mid-tier phone or slower (< 800): 1x.
    """
    if benchmark_index >= 1500:
        return 4.0
    if benchmark_index >= 800:
        return 2.0
    return 1.0


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def run(binary: Path, url: str, keep: Path | None = None, cpu_multiplier: float = 4.0) -> dict:
    """One Lighthouse run of `url`: scores, metrics, failed audits and main-thread time per category."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        load_before = _load()
        subprocess.run(
            [
                str(binary),
                url,
                f"--chrome-path={CHROMIUM}",
                "--chrome-flags=" + " ".join(CHROMIUM_ARGS),
                "--only-categories=performance,accessibility,best-practices,seo",
                "--output=json",
                f"--output-path={report}",
                "--quiet",
                f"--throttling.cpuSlowdownMultiplier={cpu_multiplier:g}",
            ],
            check=True,
            timeout=300,
        )
        load_after = _load()
        data = json.loads(report.read_text(encoding="utf-8"))
        if keep is not None:
            keep.write_bytes(report.read_bytes())
    audits = data["audits"]
    scores = {key: round(cat["score"] * 100) for key, cat in data["categories"].items()}
    failed = {
        key: [
            ref["id"]
            for ref in cat["auditRefs"]
            if ref.get("weight", 0) > 0 and (audits[ref["id"]].get("score") or 0) < 1
        ]
        for key, cat in data["categories"].items()
    }
    metrics = {m: audits[m].get("displayValue", "") for m in METRICS if m in audits}
    main_thread = {
        item["groupLabel"]: round(item["duration"])
        for item in audits.get("mainthread-work-breakdown", {}).get("details", {}).get("items", [])
    }
    return {
        "scores": scores,
        "metrics": metrics,
        "main_thread_ms": main_thread,
        "audits_below_full_score": failed,
        "load_average_1min": {"before": load_before, "after": load_after},
        "lighthouse": data["lighthouseVersion"],
        "benchmark_index": data["environment"]["benchmarkIndex"],
        "cpu_slowdown_multiplier": data["configSettings"]["throttling"]["cpuSlowdownMultiplier"],
        "run_warnings": data.get("runWarnings", []),
    }


_LONG_TASKS = """() => {
    window.__slmwikiLongTasks = [];
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) window.__slmwikiLongTasks.push([e.startTime, e.duration]);
    }).observe({type: 'longtask'});
}"""


def first_interaction(base: str, paths: dict[str, str], rates: tuple[float, ...] = (4.0, 1.0)) -> dict:
    """What the reader's first interaction costs: Material's bundle starts then (one run per page and rate).

    Returns per rate and page: milliseconds from the mouse movement until the bundle has run
    (`data-slmwiki-bundle="ready"`), the long tasks from then until 1 s later and their blocking time
    (sum of the parts above 50 ms, as Lighthouse's Total Blocking Time counts them).
    """
    from playwright.sync_api import sync_playwright

    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for rate in rates:
            entries = {}
            for name, path in paths.items():
                page = browser.new_page(viewport={"width": 412, "height": 823})
                cdp = page.context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                page.goto(base + path, wait_until="load")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1000)
                if page.evaluate("() => document.documentElement.hasAttribute('data-slmwiki-bundle')"):
                    raise SystemExit(
                        f"Fehler: Auf {path} lief Materials Bundle schon vor der ersten Interaktion."
                    )
                page.evaluate(_LONG_TASKS)
                started = page.evaluate("() => performance.now()")
                page.mouse.move(200, 400)
                page.wait_for_selector("html[data-slmwiki-bundle='ready']", state="attached", timeout=60000)
                ready = page.evaluate("() => performance.now()")
                page.wait_for_timeout(1000)
                tasks = page.evaluate("() => window.__slmwikiLongTasks")
                durations = [round(d) for start, d in tasks if start >= started - 1]
                entries[name] = {
                    "ms_until_bundle_ready": round(ready - started),
                    "long_tasks_ms": durations,
                    "blocking_ms": sum(max(0, d - 50) for d in durations),
                }
                page.close()
                print("first interaction", f"{rate:g}x", name, entries[name], flush=True)
            results[f"cpu_{rate:g}x"] = entries
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "lighthouse.json")
    parser.add_argument("--runs", type=int, default=1, help="Läufe je Seite; behalten wird der Median.")
    parser.add_argument("--only", nargs="*", default=None, help="nur diese Seiten (start, chapter, notebook)")
    parser.add_argument("--keep-reports", type=Path, default=None, help="Ordner für die vollen JSON-Berichte")
    parser.add_argument(
        "--skip-first-interaction",
        action="store_true",
        help="ohne Messung der ersten Interaktion (z. B. für einen Stand, der das Bundle sofort startet)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs muss mindestens 1 sein")
    binary = ensure_lighthouse()
    chromium = subprocess.run(
        [CHROMIUM, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    results = {
        "date": dt.date.today().isoformat(),
        "goals": GOALS,
        "environment": {
            "chromium": chromium,
            "node": node,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_1_5_15min_at_start": [round(x, 2) for x in os.getloadavg()],
            "profile": "Lighthouse-Standard (mobil, simuliertes Drosseln: langsames 4G; CPU 4x und kalibriert)",
            "runs_per_page": args.runs,
        },
        "pages": {},
    }
    if args.keep_reports:
        args.keep_reports.mkdir(parents=True, exist_ok=True)
    selected = {n: p for n, p in pages().items() if not args.only or n in args.only}

    def measure(base: str, multiplier: float, label: str) -> dict:
        entries = {}
        for name, path in selected.items():
            runs = []
            for number in range(args.runs):
                keep = args.keep_reports / f"{name}-{label}-{number}.json" if args.keep_reports else None
                runs.append(run(binary, base + path, keep, multiplier))
                print(
                    label,
                    name,
                    runs[-1]["scores"],
                    runs[-1]["metrics"],
                    runs[-1]["benchmark_index"],
                    flush=True,
                )
            runs.sort(key=lambda r: r["scores"]["performance"])
            entry = runs[len(runs) // 2]
            entry["performance_all_runs"] = [r["scores"]["performance"] for r in runs]
            entry["benchmark_index_all_runs"] = [r["benchmark_index"] for r in runs]
            entry["path"] = path
            entry["html_gzip_bytes"] = len(gzip.compress((SITE / path / "index.html").read_bytes()))
            entry["meets_goals"] = all(entry["scores"][k] >= v for k, v in GOALS.items())
            entries[name] = entry
        return entries

    with serve_site() as base:
        results["pages"] = measure(base, 4.0, "default")
        indices = sorted(i for e in results["pages"].values() for i in e["benchmark_index_all_runs"])
        median_index = indices[len(indices) // 2]
        multiplier = calibrated_multiplier(median_index)
        results["calibration"] = {
            "source": "Lighthouse docs/throttling.md, Calibrating the CPU slowdown (Ziel: Mittelklasse-Smartphone)",
            "median_benchmark_index": median_index,
            "cpu_slowdown_multiplier": multiplier,
        }
        if multiplier != 4.0:
            results["pages_calibrated"] = measure(base, multiplier, f"x{multiplier:g}")
        if not args.skip_first_interaction:
            results["first_interaction"] = first_interaction(base, selected)
    results["environment"]["load_average_1_5_15min_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
