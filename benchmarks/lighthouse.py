"""Lighthouse scores of the built site (start page, one chapter, one notebook page).

Serves site/ locally under /slmwiki/ (as GitHub Pages does), runs Lighthouse 12.2.3 (runs on Node 20)
in Debian's Chromium and writes the scores to benchmarks/results/lighthouse.json.

Usage (after `make build`):
    .venv/bin/python benchmarks/lighthouse.py [--out benchmarks/results/lighthouse.json]
Lighthouse is installed on first use into .cache/lighthouse with `npm install lighthouse@12.2.3`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sitebrowser import CHROMIUM, CHROMIUM_ARGS, SITE, serve_site  # noqa: E402

LIGHTHOUSE_VERSION = "12.2.3"
PREFIX = ROOT / ".cache" / "lighthouse"
PAGES = {
    "start": "",
    "chapter": "2_Komplexitaetsreduktion/",
    "notebook": "notebooks/",
}
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 90}


def ensure_lighthouse() -> Path:
    binary = PREFIX / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(PREFIX), f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )
    return binary


def run(binary: Path, url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
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
        data = json.loads(report.read_text(encoding="utf-8"))
    scores = {key: round(cat["score"] * 100) for key, cat in data["categories"].items()}
    failed = {
        key: [
            ref["id"]
            for ref in cat["auditRefs"]
            if ref.get("weight", 0) > 0 and (data["audits"][ref["id"]].get("score") or 0) < 1
        ]
        for key, cat in data["categories"].items()
    }
    return {"scores": scores, "audits_below_full_score": failed, "lighthouse": data["lighthouseVersion"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "lighthouse.json")
    args = parser.parse_args()
    binary = ensure_lighthouse()
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    results = {
        "date": dt.date.today().isoformat(),
        "goals": GOALS,
        "environment": {"chromium": chromium, "node": node, "machine": platform.machine()},
        "pages": {},
    }
    with serve_site() as base:
        for name, path in PAGES.items():
            entry = run(binary, base + path)
            html = SITE / path / "index.html"
            entry["path"] = path
            entry["html_gzip_bytes"] = len(gzip.compress(html.read_bytes()))
            entry["meets_goals"] = all(entry["scores"][k] >= v for k, v in GOALS.items())
            results["pages"][name] = entry
            print(name, entry["scores"], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
