"""MkDocs hook: copies the browser libraries the site ships from node_modules/ into the built site.

The versions are the exact ones in package.json / package-lock.json (`npm ci`, run by `make build`), so an
update is one `npm install --save-exact <name>@<version>` and shows up in the lock and in `npm audit`.
Nothing third-party is committed by hand. What is copied (see `VENDORED`):

- Mermaid (npm `mermaid`, `dist/mermaid.min.js`): draws the diagrams of the pages
  (assets/javascripts/vendor-loader.js loads it only on pages with a diagram, near the viewport).
- MathJax 3 (npm `mathjax-full`, `es5/tex-chtml.js` + its web fonts): typesets `$…$` in notebook cells in
  the browser; Markdown pages get their formulas rendered at build time (hooks/server_math.py).

Each library's licence file is copied next to it. A missing package stops the build with a German hint.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.vendor_assets")

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
TARGET = "assets/vendor"

#: npm package -> (folder below assets/vendor/, [(path in the package, path below that folder), …]).
VENDORED: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "mermaid": ("mermaid", [("dist/mermaid.min.js", "mermaid.min.js"), ("LICENSE", "LICENSE")]),
    "mathjax-full": (
        "mathjax",
        [
            ("es5/tex-chtml.js", "tex-chtml.js"),
            ("es5/output/chtml/fonts/woff-v2", "output/chtml/fonts/woff-v2"),
            ("LICENSE", "LICENSE"),
        ],
    ),
}


def _package_version(name: str, node_modules: Path = NODE_MODULES) -> str:
    manifest = node_modules / name / "package.json"
    if not manifest.is_file():
        raise PluginError(
            f"Das npm-Paket „{name}“ fehlt in {node_modules}. "
            "Bitte `make install` (oder `npm ci` im Projektverzeichnis) ausführen."
        )
    return json.loads(manifest.read_text(encoding="utf-8"))["version"]


def copy_vendored(site_dir: str | Path, node_modules: Path = NODE_MODULES) -> dict[str, str]:
    """Copies the files listed in `VENDORED` from `node_modules` to `<site_dir>/assets/vendor/`.

    Args:
        site_dir: Ordner der gebauten Website.
        node_modules: Ordner mit den installierten npm-Paketen.

    Returns:
        Paketname -> installierte Version.

    Raises:
        PluginError: Wenn ein Paket oder eine Datei darin fehlt.
    """
    versions = {}
    for package, (folder, files) in VENDORED.items():
        versions[package] = _package_version(package, node_modules)
        for source_path, target_path in files:
            source = node_modules / package / source_path
            target = Path(site_dir) / TARGET / folder / target_path
            if not source.exists():
                raise PluginError(f"Im npm-Paket „{package}“ fehlt {source_path} (erwartet: {source}).")
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, target)
    return versions


def on_config(config):
    """Stops early with a German hint when `npm ci` has not run (before any page is rendered)."""
    for package in VENDORED:
        _package_version(package)
    return config


def on_post_build(config) -> None:
    """Copies Mermaid and MathJax (with their licences) into the built site."""
    versions = copy_vendored(config["site_dir"])
    log.info(
        "Mitgelieferte Bibliotheken aus node_modules: %s", ", ".join(f"{k} {v}" for k, v in versions.items())
    )
