"""The built site measured like a reader: Lighthouse load scores and the cost of the first interaction.

Serves site/ locally under /slmwiki/ (as GitHub Pages does) and measures, in Debian's Chromium:

1. **Lighthouse** 12.8.2 (newest release that runs on Node 20; Lighthouse 13 needs Node 22) in its default
   mobile profile (simulated slow 4G, CPU slowdown 4x), `--runs` times per page; the run with the median
   performance score is kept. Pages: the start page, the five chapter entry pages, the longest sub-page of
   each chapter (by HTML size) and one notebook page.
2. **First interaction** (Playwright, Chromium's own CPU throttling at 4x through CDP
   `Emulation.setCPUThrottlingRate`, phone viewport with touch): after the page has loaded and settled for
   one second, a tap on the page title, then a scroll of 600 px. For each: the time from the input event
   (its `timeStamp`) until the page has responded (the frame after the `click` resp. the first `scroll`
   event has run), and every long task (> 50 ms) of the main thread in the second after the input.
   `--runs` visits per page; the run with the median tap response is kept.

The machine's load average is stored with the results (the measuring machine is shared; a loaded machine
makes every number worse, never better).

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
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sitebrowser import CHROMIUM, CHROMIUM_ARGS, SITE, serve_site  # noqa: E402

LIGHTHOUSE_VERSION = "12.8.2"
PREFIX = ROOT / ".cache" / "lighthouse"
CHAPTERS = (
    "1_Grundlagen",
    "2_Komplexitaetsreduktion",
    "3_SLMs_Architecture",
    "4_Fallstudie_Gemma",
    "5_Praxis_Guide",
)
# The notebook page: the NF4 notebook (its formulas are typeset in the browser), else the first that exists.
NOTEBOOK_CANDIDATES = ("NF4_Quantisierung", "SLM_Finetuning_Demo")
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 90}
INTERACTION_GOALS = {"response_ms": 200, "longest_task_ms": 200}
CPU_SLOWDOWN = 4.0
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)


def _html_bytes(path: str) -> int:
    return (SITE / path / "index.html").stat().st_size


def pages() -> dict[str, str]:
    """The measured pages (name -> path below the site root)."""
    notebooks = [n for n in NOTEBOOK_CANDIDATES if (SITE / "notebooks" / n / "index.html").exists()]
    if not notebooks:
        notebooks = sorted(p.parent.name for p in (SITE / "notebooks").glob("*/index.html"))
    if not notebooks:
        raise SystemExit(
            f"Fehler: keine Notebook-Seite in {SITE / 'notebooks'} – zuerst `make build` ausführen."
        )
    selected = {"start": ""}
    selected |= {chapter: f"{chapter}/" for chapter in CHAPTERS}
    for number, chapter in enumerate(CHAPTERS, start=1):
        sub_pages = [f"{chapter}/{p.parent.name}/" for p in (SITE / chapter).glob("*/index.html")]
        if not sub_pages:
            raise SystemExit(f"Fehler: {chapter} hat keine Unterseiten – zuerst `make build` ausführen.")
        selected[f"chapter_{number}_longest_sub_page"] = max(sub_pages, key=_html_bytes)
    selected["notebook"] = f"notebooks/{notebooks[0]}/"
    return selected


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


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def requests_to_other_hosts(report: dict, url: str) -> list[str]:
    """URLs of the report's network requests that go to another host (inline `data:`/`blob:` URLs are none)."""
    origin = url.split("/slmwiki/")[0]
    return [
        item["url"]
        for item in report["audits"].get("network-requests", {}).get("details", {}).get("items", [])
        if not item["url"].startswith((origin, "data:", "blob:"))
    ]


def run(binary: Path, url: str, keep: Path | None = None) -> dict:
    """One Lighthouse run of `url` (default mobile profile): scores, metrics, failed audits, main-thread time."""
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
    third_party = requests_to_other_hosts(data, url)
    return {
        "scores": scores,
        "metrics": metrics,
        "main_thread_ms": main_thread,
        "audits_below_full_score": failed,
        "requests_to_other_hosts": third_party,
        "dom_size": audits.get("dom-size", {}).get("numericValue"),
        "load_average_1min": {"before": load_before, "after": load_after},
        "lighthouse": data["lighthouseVersion"],
        "benchmark_index": data["environment"]["benchmarkIndex"],
        "cpu_slowdown_multiplier": data["configSettings"]["throttling"]["cpuSlowdownMultiplier"],
        "form_factor": data["configSettings"]["formFactor"],
        "run_warnings": data.get("runWarnings", []),
    }


# In the page: long tasks, and for one input kind the time from the input event until the page responded.
_WATCH = """(kind) => {
    window.__slmwiki = {tasks: [], input: null, responded: null};
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) window.__slmwiki.tasks.push([e.startTime, e.duration]);
    }).observe({type: 'longtask'});
    const input = kind === 'tap' ? 'pointerdown' : 'wheel';
    const answer = kind === 'tap' ? 'click' : 'scroll';
    addEventListener(input, e => { if (window.__slmwiki.input === null) window.__slmwiki.input = e.timeStamp; },
                     {capture: true, passive: true});
    addEventListener(answer, () => {
        if (window.__slmwiki.responded !== null) return;
        window.__slmwiki.responded = -1;
        requestAnimationFrame(() => setTimeout(() => { window.__slmwiki.responded = performance.now(); }, 0));
    }, {capture: true, passive: true});
}"""


def _interaction(browser, url: str, kind: str) -> dict:
    """One visit: load, settle 1 s, one tap on the title or one scroll; response time and long tasks."""
    context = browser.new_context(viewport={"width": 412, "height": 823}, has_touch=True, is_mobile=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    page.evaluate(_WATCH, kind)
    if kind == "tap":
        box = page.locator("article h1, article p").first.bounding_box()
        page.touchscreen.tap(box["x"] + min(40, box["width"] / 2), box["y"] + box["height"] / 2)
    else:
        page.mouse.move(206, 500)
        page.mouse.wheel(0, 600)
    page.wait_for_function("() => window.__slmwiki.responded > 0", timeout=20000)
    page.wait_for_timeout(1000)
    state = page.evaluate("() => window.__slmwiki")
    context.close()
    start = state["input"]
    tasks = [round(d) for begin, d in state["tasks"] if begin + d >= start - 1]
    return {
        "response_ms": round(state["responded"] - start),
        "long_tasks_ms": tasks,
        "longest_task_ms": max(tasks, default=0),
        "blocking_ms": sum(max(0, d - 50) for d in tasks),
    }


def first_interaction(base: str, paths: dict[str, str], runs: int) -> dict:
    """Tap and scroll at CPU 4x on every page; per page and kind the median of `runs` visits."""
    from playwright.sync_api import sync_playwright

    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, path in paths.items():
            entry = {"path": path}
            for kind in ("tap", "scroll"):
                visits = sorted(
                    (_interaction(browser, base + path, kind) for _ in range(runs)),
                    key=lambda v: v["response_ms"],
                )
                chosen = dict(visits[len(visits) // 2])
                chosen["response_ms_all_runs"] = [v["response_ms"] for v in visits]
                chosen["longest_task_ms_all_runs"] = [v["longest_task_ms"] for v in visits]
                entry[kind] = chosen
            entry["meets_goals"] = all(
                entry[kind][key] <= goal
                for kind in ("tap", "scroll")
                for key, goal in INTERACTION_GOALS.items()
            )
            results[name] = entry
            print("first interaction", name, {k: entry[k] for k in ("tap", "scroll")}, flush=True)
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "lighthouse.json")
    parser.add_argument("--runs", type=int, default=3, help="Läufe je Seite; behalten wird der Median.")
    parser.add_argument("--only", nargs="*", default=None, help="nur diese Seiten (Namen wie in der Ausgabe)")
    parser.add_argument("--keep-reports", type=Path, default=None, help="Ordner für die vollen JSON-Berichte")
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
        "goals": {"lighthouse": GOALS, "first_interaction": INTERACTION_GOALS},
        "environment": {
            "chromium": chromium,
            "node": node,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_1_5_15min_at_start": [round(x, 2) for x in os.getloadavg()],
            "profile": "Lighthouse-Standard (mobil, simuliertes Drosseln: langsames 4G, CPU 4x)",
            "first_interaction_profile": "Playwright, CDP Emulation.setCPUThrottlingRate 4, 412x823, Touch",
            "runs_per_page": args.runs,
        },
        "pages": {},
    }
    if args.keep_reports:
        args.keep_reports.mkdir(parents=True, exist_ok=True)
    selected = {n: p for n, p in pages().items() if not args.only or n in args.only}
    with serve_site() as base:
        for name, path in selected.items():
            runs = []
            for number in range(args.runs):
                keep = args.keep_reports / f"{name}-{number}.json" if args.keep_reports else None
                runs.append(run(binary, base + path, keep))
                print(name, runs[-1]["scores"], runs[-1]["metrics"], runs[-1]["benchmark_index"], flush=True)
            runs.sort(key=lambda r: r["scores"]["performance"])
            entry = runs[len(runs) // 2]
            entry["performance_all_runs"] = [r["scores"]["performance"] for r in runs]
            entry["performance_median"] = statistics.median(entry["performance_all_runs"])
            entry["benchmark_index_all_runs"] = [r["benchmark_index"] for r in runs]
            entry["path"] = path
            entry["html_bytes"] = _html_bytes(path)
            entry["html_gzip_bytes"] = len(gzip.compress((SITE / path / "index.html").read_bytes()))
            entry["meets_goals"] = all(entry["scores"][k] >= v for k, v in GOALS.items())
            results["pages"][name] = entry
        results["first_interaction"] = first_interaction(base, selected, args.runs)
    results["environment"]["load_average_1_5_15min_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
