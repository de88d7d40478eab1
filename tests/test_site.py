"""Checks of the built site in site/ (run after `mkdocs build --strict`, marker `site`)."""

from __future__ import annotations

import gzip
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("SLMWIKI_SITE_DIR", ROOT / "site"))
CHAPTERS = [
    "1_Grundlagen",
    "2_Komplexitaetsreduktion",
    "3_SLMs_Architecture",
    "4_Fallstudie_Gemma",
    "5_Praxis_Guide",
]

pytestmark = pytest.mark.site


class _Resources(HTMLParser):
    """Collects every URL the browser would fetch on its own (not plain links)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed", "track") and a.get("src"):
            self.urls.append((tag, a["src"]))
        if tag == "img" and a.get("srcset"):
            self.urls.extend((tag, part.split()[0]) for part in a["srcset"].split(","))
        if tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower()
            if any(
                r in rel for r in ("stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest")
            ):
                self.urls.append((f"link[{rel}]", a["href"]))
        if tag == "object" and a.get("data"):
            self.urls.append((tag, a["data"]))


def _pages() -> list[Path]:
    if not (SITE / "index.html").exists():
        pytest.fail("site/ ist nicht gebaut: zuerst `make build` ausführen.")
    return sorted(SITE.rglob("*.html"))


def _external(url: str) -> bool:
    parsed = urlparse(url.strip())
    return bool(parsed.netloc) or parsed.scheme in ("http", "https") or url.strip().startswith("//")


def test_every_page_loads_resources_only_from_the_site_itself():
    """No page references a script, style, font, image or frame on another host (DSGVO, offline)."""
    offenders = []
    for page in _pages():
        html = page.read_text(encoding="utf-8")
        parser = _Resources()
        parser.feed(html)
        offenders += [
            f"{page.relative_to(SITE)}: <{tag}> {url}" for tag, url in parser.urls if _external(url)
        ]
        for url in re.findall(r"url\(\s*['\"]?(https?:)?//[^)]+\)", html):
            offenders.append(f"{page.relative_to(SITE)}: CSS url() {url}")
        for url in re.findall(r"import\(\s*['\"](https?://[^'\"]+)", html):
            offenders.append(f"{page.relative_to(SITE)}: dynamic import {url}")
    assert offenders == []


def test_stylesheets_and_scripts_shipped_with_the_site_fetch_no_fonts_from_elsewhere():
    """The site's own CSS files contain no @import or url() pointing at another host."""
    offenders = []
    for css in SITE.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        offenders += [
            f"{css.relative_to(SITE)}: {m}" for m in re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]+\)", text)
        ]
        offenders += [
            f"{css.relative_to(SITE)}: {m}" for m in re.findall(r"@import\s+['\"]?(?:https?:)?//[^;]+", text)
        ]
    assert offenders == []


def test_navigation_lists_the_five_chapters_in_order_with_their_slugs():
    """The built navigation links the five chapter slugs in the prescribed order."""
    html = (SITE / "index.html").read_text(encoding="utf-8")
    positions = []
    for slug in CHAPTERS:
        match = re.search(rf'href="(?:\./)?{slug}/"', html)
        assert match, f"Kapitel {slug} fehlt in der Navigation"
        positions.append(match.start())
    assert positions == sorted(positions)


def test_mkdocs_nav_orders_chapters_before_notebooks_reference_glossary_literature():
    """mkdocs.yml's nav: start page, five chapters, notebooks, API reference, glossary, literature."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = yaml.load(text, Loader=yaml.BaseLoader)["nav"]  # BaseLoader: ignores !!python tags
    titles = [next(iter(entry)) for entry in nav]

    def first_path(entry):
        value = next(iter(entry.values()))
        while isinstance(value, list):
            value = value[0]
            if isinstance(value, dict):
                value = next(iter(value.values()))
        return value

    paths = [first_path(entry) for entry in nav]
    assert paths[0] == "index.md"
    assert [p.split("/")[0] for p in paths[1:6]] == CHAPTERS
    assert titles[6:10] == ["Notebooks", "API-Referenz", "Glossar", "Literatur"]


def test_site_has_german_language_and_404_page():
    """Pages declare lang="de" and a 404 page exists for GitHub Pages."""
    assert (SITE / "404.html").exists()
    for page in [SITE / "index.html", SITE / "404.html", *[SITE / c / "index.html" for c in CHAPTERS]]:
        assert '<html lang="de"' in page.read_text(encoding="utf-8"), page


def test_internal_links_are_relative_so_the_site_works_under_a_sub_path():
    """No internal href/src starts with "/" (GitHub Pages serves the site under /<repo>/).

    Only 404.html uses absolute URLs (it is served for any path), and they start with site_url's path.
    """
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    base = urlparse(config["site_url"]).path
    offenders = []
    for page in _pages():
        for attr, url in re.findall(r'\b(href|src)="(/[^/"][^"]*)"', page.read_text(encoding="utf-8")):
            if page.name == "404.html" and page.parent == SITE and url.startswith(base):
                continue
            offenders.append(f"{page.relative_to(SITE)}: {attr}={url}")
    assert offenders == []


def test_api_reference_shows_german_section_labels():
    """The API reference pages render mkdocstrings' labels in German."""
    html = (SITE / "referenz" / "costs" / "index.html").read_text(encoding="utf-8")
    assert "Parameter" in html and ("Rückgabe" in html or "Löst aus" in html)
    assert "Parameters:" not in html and "Returns:" not in html


def test_notebook_pages_stay_below_150_kb_gzip():
    """Each notebook page's own HTML is at most 150 KB after gzip."""
    pages = list((SITE / "notebooks").glob("*/index.html"))
    sizes = {p.parent.name: len(gzip.compress(p.read_bytes())) for p in pages}
    assert all(size <= 150 * 1024 for size in sizes.values()), sizes


def test_pages_workflow_builds_with_make_build_and_deploys_with_official_actions():
    """The Pages workflow builds exactly `make build` and deploys site/ with least privileges."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build_steps = workflow["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in build_steps]
    uses = [s.get("uses", "").split("@")[0] for s in build_steps]
    assert any(r.strip().startswith("make build") for r in runs)
    assert "actions/upload-pages-artifact" in uses
    upload = next(s for s in build_steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
