"""Executes the notebooks in notebooks/ into docs/notebooks/ for the site.

- Each notebook runs in a fresh kernel with a per-cell timeout, in a scratch working directory.
- An error output in any cell fails the run (exit code 1); nothing half-written reaches docs/.
- A notebook is skipped when its inputs are unchanged: the notebook itself, the package sources
  (src/slmwiki), data/ and configs/. The key is stored in the executed notebook's metadata.
- JSON files the notebook writes next to itself named `<stem>*.json` (e.g. its run record) are copied
  to docs/notebooks/ as well, so pages can show the notebook's own numbers.

Usage: python scripts/execute_notebooks.py [--timeout 900] [--force] [NAME ...]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "notebooks"
TARGET_DIR = ROOT / "docs" / "notebooks"
INPUT_GLOBS = ("src/slmwiki/**/*.py", "data/**/*", "configs/**/*", "pyproject.toml")


def inputs_key(notebook: Path) -> str:
    """Hash of the notebook and everything it may import or read from the repository."""
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    for pattern in INPUT_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(target: Path, key: str) -> bool:
    if not target.exists():
        return False
    try:
        nb = nbformat.read(target, as_version=4)
    except Exception:
        return False
    return nb.metadata.get("slmwiki", {}).get("inputs_key") == key


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"Zelle {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


def execute(notebook: Path, timeout: int) -> float:
    """Runs one notebook and writes the executed copy atomically. Returns seconds taken."""
    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(notebook, as_version=4)
    key = inputs_key(notebook)
    with tempfile.TemporaryDirectory(prefix=f"nb-{notebook.stem}-") as workdir:
        env_before = os.environ.get("SLMWIKI_NOTEBOOK_EXECUTION")
        os.environ["SLMWIKI_NOTEBOOK_EXECUTION"] = "1"
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": workdir}},
        )
        start = time.perf_counter()
        try:
            client.execute()
        finally:
            if env_before is None:
                os.environ.pop("SLMWIKI_NOTEBOOK_EXECUTION", None)
        seconds = time.perf_counter() - start
        errors = error_outputs(nb)
        if errors:
            raise CellExecutionError("\n".join(errors), "", "")
        nb.metadata.setdefault("slmwiki", {})["inputs_key"] = key
        nb.metadata["slmwiki"]["execution_seconds"] = round(seconds, 1)
        for artefact in Path(workdir).glob(f"{notebook.stem}*.json"):
            tmp = TARGET_DIR / f".{artefact.name}.tmp"
            shutil.copyfile(artefact, tmp)
            os.replace(tmp, TARGET_DIR / artefact.name)
    target = TARGET_DIR / notebook.name
    tmp = TARGET_DIR / f".{notebook.name}.tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, target)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Notebooks für die Website ausführen.")
    parser.add_argument("names", nargs="*", help="Nur diese Notebooks (Dateiname ohne Pfad).")
    parser.add_argument("--timeout", type=int, default=900, help="Zeitlimit pro Zelle in Sekunden.")
    parser.add_argument("--force", action="store_true", help="Auch unveränderte Notebooks ausführen.")
    args = parser.parse_args(argv)

    notebooks = sorted(SOURCE_DIR.glob("*.ipynb"))
    if args.names:
        notebooks = [nb for nb in notebooks if nb.name in args.names or nb.stem in args.names]
    total = 0.0
    failed = False
    for notebook in notebooks:
        target = TARGET_DIR / notebook.name
        if not args.force and is_current(target, inputs_key(notebook)):
            print(f"[notebooks] {notebook.name}: unverändert, Ausführung übersprungen", flush=True)
            continue
        print(f"[notebooks] {notebook.name}: wird ausgeführt …", flush=True)
        try:
            seconds = execute(notebook, args.timeout)
        except (CellExecutionError, CellTimeoutError) as exc:
            print(f"[notebooks] FEHLER in {notebook.name}:\n{exc}", file=sys.stderr, flush=True)
            failed = True
            continue
        total += seconds
        print(f"[notebooks] {notebook.name}: fertig in {seconds:.1f} s", flush=True)
    # Executed copies of notebooks that no longer exist would otherwise stay on the site.
    for stale in TARGET_DIR.glob("*.ipynb"):
        if not (SOURCE_DIR / stale.name).exists():
            stale.unlink()
    print(f"[notebooks] Ausführungszeit gesamt: {total:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
