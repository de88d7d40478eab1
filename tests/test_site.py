"""Checks of the built site in site/ (run after `mkdocs build --strict`, marker `site`)."""

from __future__ import annotations

import gzip
import json
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


def test_pages_workflow_runs_test_latest_weekly_and_does_not_deploy_then():
    """A weekly schedule runs `make test-latest`; a scheduled run neither builds nor deploys the site."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[4] in {"0", "1", "2", "3", "4", "5", "6"}
    latest = workflow["jobs"]["test-latest"]
    assert "schedule" in latest["if"]
    assert any(s.get("run", "").startswith("make test-latest") for s in latest["steps"])
    assert "schedule" in workflow["jobs"]["build"]["if"] and "!=" in workflow["jobs"]["build"]["if"]


def test_make_installs_the_committed_lock():
    """`make`'s install step passes constraints.txt to pip; the lock pins every package it lists exactly."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert '-c $(LOCK) -e ".[docs,test]"' in makefile and "LOCK := constraints.txt" in makefile
    lines = [
        line
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line) for line in lines), lines
    names = {line.split("==")[0].lower() for line in lines}
    assert {
        "transformers",
        "peft",
        "trl",
        "bitsandbytes",
        "accelerate",
        "datasets",
        "mkdocs-material",
    } <= names
    assert "torch" not in names  # torch comes from TORCH_SPEC (CPU build locally, CUDA elsewhere)


def test_pages_workflow_sets_up_node_before_building_for_build_time_formulas():
    """The Pages workflow provides Node.js (MathJax renders formulas at build time) before `make build`."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    build_index = next(i for i, s in enumerate(steps) if s.get("run", "").strip().startswith("make build"))
    assert "actions/setup-node" in uses[:build_index]
    assert str(steps[uses.index("actions/setup-node")]["with"]["node-version"]).split(".")[0] >= "18"


# ---- Formulas rendered at build time (hooks/server_math.py) ----------------------------------------

_WRAPPER = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)


def _markdown_pages() -> list[Path]:
    return [
        p
        for p in _pages()
        if "notebooks" not in p.relative_to(SITE).parts[:1] or p.parent == SITE / "notebooks"
    ]


def test_markdown_pages_carry_server_rendered_formulas_and_no_tex_source():
    """Every arithmatex element of a Markdown page holds MathJax's SVG output, none its TeX source."""
    with_math = {}
    for page in _markdown_pages():
        html = page.read_text(encoding="utf-8")
        wrappers = _WRAPPER.findall(html)
        leftovers = [body[:60] for _tag, body in wrappers if not body.startswith("<mjx-container")]
        assert leftovers == [], f"{page.relative_to(SITE)}: {leftovers[:3]}"
        if wrappers:
            with_math[page.relative_to(SITE).as_posix()] = len(wrappers)
    # the chapters on complexity reduction and architecture are full of formulas ($…$ in their sources)
    chapter_2 = {k: n for k, n in with_math.items() if k.startswith("2_Komplexitaetsreduktion/")}
    assert sum(chapter_2.values()) >= 20 and with_math.get("2_Komplexitaetsreduktion/nf4/index.html", 0) >= 5
    chapter_3 = {k: n for k, n in with_math.items() if k.startswith("3_SLMs_Architecture/")}
    assert sum(chapter_3.values()) >= 5
    for name, count in chapter_2.items():
        html = (SITE / name).read_text(encoding="utf-8")
        assert html.count('<mjx-container class="MathJax" jax="SVG"') == count, name


def test_formula_glyphs_referenced_by_a_page_are_defined_on_that_page():
    """Each `<use href="#MJX-…">` of a formula points to a glyph path that the same page defines."""
    for page in _markdown_pages():
        html = page.read_text(encoding="utf-8")
        used = set(re.findall(r'(?:xlink:)?href="#(MJX-[^"]+)"', html))
        defined = set(re.findall(r'<path id="(MJX-[^"]+)"', html))
        assert used <= defined, f"{page.relative_to(SITE)}: {sorted(used - defined)[:5]}"
        assert len(defined) == len(re.findall(r'<path id="MJX-', html)), "doppelte Glyphen-IDs"


def test_formulas_are_hidden_svg_plus_assistive_mathml_for_screen_readers():
    """Formula SVGs are aria-hidden and come with MathML that screen readers read instead."""
    html = (SITE / "2_Komplexitaetsreduktion" / "nf4" / "index.html").read_text(encoding="utf-8")
    containers = re.findall(r"<mjx-container.*?</mjx-container>", html, re.DOTALL)
    assert containers
    for container in containers:
        assert re.search(r'<svg [^>]*aria-hidden="true"', container)
        assert "<mjx-assistive-mml" in container and "<math" in container


def test_markdown_pages_load_no_mathjax_script_and_notebook_pages_still_can():
    """Markdown pages ship no MathJax loader; the loader for notebook pages stays with the site."""
    for page in _markdown_pages():
        assert "tex-chtml" not in page.read_text(encoding="utf-8"), page
    assert (SITE / "assets" / "vendor" / "mathjax" / "tex-chtml.js").exists()


def _server_math():
    import importlib.util

    spec = importlib.util.spec_from_file_location("server_math", ROOT / "hooks" / "server_math.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_server_math_renders_tex_to_svg_with_mathml_of_the_same_formula():
    """MathJax in Node turns x^2 into an SVG plus the MathML <msup><mi>x</mi><mn>2</mn></msup>.

    The MathML is what TeX's x^2 means (a superscript 2 on the identifier x), written by hand.
    """
    results, css = _server_math().render([("x^2", False), ("\\frac{a}{b}", True)])
    inline, display = results
    assert inline["error"] is None and display["error"] is None
    assert inline["html"].startswith('<mjx-container class="MathJax" jax="SVG"')
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in inline["html"]
    assert 'display="true"' in display["html"] and "<mfrac><mi>a</mi><mi>b</mi></mfrac>" in display["html"]
    assert set(re.findall(r'href="#([^"]+)"', inline["html"])) <= set(inline["glyphs"])
    assert "mjx-assistive-mml" in css


def test_server_math_reports_faulty_formulas_instead_of_rendering_them():
    """An unknown macro or a missing brace comes back as an error, not as red text on the page."""
    results, _css = _server_math().render([("\\unbekannt x", False), ("\\frac{a", False)])
    assert results[0]["html"] is None and "\\unbekannt" in results[0]["error"]
    assert results[1]["html"] is None and results[1]["error"]


def test_server_math_without_node_fails_with_a_german_hint(monkeypatch):
    """Without Node.js the build stops with a German message that says what to install."""
    from mkdocs.exceptions import PluginError

    module = _server_math()
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    with pytest.raises(PluginError, match="Node.js fehlt.*make install"):
        module.render([("x", False)])


# ---- Notebook pages and other page fixes (hooks/site_hooks.py) -------------------------------------


def _site_hooks():
    import importlib.util

    spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "hooks" / "site_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_css_pruning_keeps_rules_that_can_match_and_drops_the_others():
    """Rules needing an absent class go; :not(), :is(), attribute values and @media are handled."""
    css = (
        ".a .b{x:1}.a{y:2}.c:not(.d){z:3}.a:not(.d){v:4}.x :is(.y,.z) .a{k:1}"
        '.a[data-t="v.gone"],.gone{m:1}@media (max-width:1px){.b{q:1}.a{w:2}}'
    )
    page = '<div class="a"></div><style>' + css + " " * 60_000 + "</style>"
    pruned = _site_hooks().prune_unused_css(page)
    expected = (
        '.a{y:2}.a:not(.d){v:4}.x :is(.y,.z) .a{k:1}.a[data-t="v.gone"]{m:1}@media (max-width:1px){.a{w:2}}'
    )
    assert pruned == f'<div class="a"></div><style>{expected}</style>'
    small = '<div class="a"></div><style>.gone{m:1}</style>'
    assert _site_hooks().prune_unused_css(small) == small


def test_notebook_pages_keep_only_the_jupyter_css_they_use():
    """Notebook pages no longer carry JupyterLab rules for widgets they don't contain (e.g. bp3 buttons)."""
    pages = list((SITE / "notebooks").glob("*/index.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert ".bp3-button" not in html, page
        assert ".jupyter-wrapper .jp-OutputArea-output" in html.replace("\n", ""), page
        assert "<style>['" not in html.replace(" ", "")


def test_task_list_checkboxes_are_named_by_their_item_text():
    """pymdownx.tasklist checkboxes get the item's text as aria-label (axe: label)."""
    html = (
        '<ul class="task-list"><li class="task-list-item"><label class="task-list-control">'
        '<input type="checkbox" disabled/><span class="task-list-indicator"></span></label> '
        "Daten <strong>prüfen</strong> &amp; „testen“<ul><li>Unterpunkt</li></ul></li></ul>"
    )

    class Page:
        class file:  # noqa: N801 – mimics mkdocs' Page.file
            src_uri = "kapitel.md"

    out = _site_hooks().on_page_content(html, Page(), {}, None)
    assert 'aria-label="Daten prüfen &amp; „testen“"' in out
    for page in _pages():
        for tag in re.findall(r'<input type="checkbox"[^>]*>', page.read_text(encoding="utf-8")):
            if "task-list" in tag or "disabled" in tag:
                assert re.search(r'aria-label="[^"]+"', tag), f"{page.relative_to(SITE)}: {tag}"


def test_performance_page_shows_the_measured_cpu_speedup_and_tables_have_named_headers():
    """Leistung zeigt den CPU-Faktor aus cpu_finetune.json (hier aus Roh-Token/s nachgerechnet); keine leeren <th>."""
    import json

    result = json.loads((ROOT / "benchmarks" / "results" / "cpu_finetune.json").read_text(encoding="utf-8"))
    ratio = result["demo"]["tokens_per_second"] / result["baseline"]["tokens_per_second"]
    html = (SITE / "5_Praxis_Guide" / "leistung" / "index.html").read_text(encoding="utf-8")
    assert f"{ratio:.2f}".replace(".", ",") + "×" in html
    assert "1,00×" in html  # the baseline row, relative to itself
    empty_headers = {
        page.relative_to(SITE).as_posix()
        for page in _pages()
        if re.search(r"<th[^>]*>\s*</th>", page.read_text(encoding="utf-8"))
    }
    assert empty_headers == set()


def test_search_dialog_has_an_accessible_name_on_every_page():
    """Materials Suchdialog (role="dialog") trägt auf jeder Seite den Namen „Suche“ (axe: aria-dialog-name)."""
    for page in _pages():
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r'<div class="md-search"[^>]*>', html):
            assert 'role="dialog"' in tag and 'aria-label="Suche"' in tag, f"{page.relative_to(SITE)}: {tag}"


def test_pages_start_materials_bundle_as_documented():
    """Material's bundle is an ordinary script of every page; no loader defers or rewrites it."""
    for page in _pages():
        html = page.read_text(encoding="utf-8")
        if page.name == "404.html" and "assets/javascripts/bundle." not in html:
            continue
        scripts = re.findall(r'<script[^>]*src="[^"]*assets/javascripts/bundle\.[^"]*"[^>]*>', html)
        assert len(scripts) == 1 and "type=" not in scripts[0], page.relative_to(SITE)
        assert "lazy-libs.js" not in html and "data-slmwiki-bundle" not in html, page.relative_to(SITE)
    assert not (ROOT / "overrides" / "main.html").exists()


# ---- Browser libraries from npm (scripts/copy_vendor_assets.cjs) -----------------------------------

_NPM_PACKAGES = {"mathjax-full": "dependencies", "mermaid": "dependencies", "axe-core": "devDependencies"}


def test_browser_libraries_are_pinned_exactly_in_package_json_and_its_lock():
    """Mermaid, MathJax and axe-core: one exact version in package.json, the same in package-lock.json."""
    import json

    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for name, section in _NPM_PACKAGES.items():
        version = manifest[section][name]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: {version} ist keine exakte Version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
        assert lock["packages"][""][section][name] == version, name


def test_no_third_party_bundle_is_committed_by_hand():
    """No minified third-party file lies in the repository; the site's copies come from node_modules."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert [f for f in tracked if f.endswith((".min.js", ".woff", ".woff2"))] == []
    assert not any(f.startswith(("docs/assets/vendor/", "tests/assets/")) for f in tracked)


def test_built_site_ships_mermaid_and_mathjax_identical_to_the_installed_npm_packages():
    """site/assets/vendor holds byte-identical copies of the installed npm files, with their licences."""
    pairs = [
        ("mermaid/dist/mermaid.min.js", "mermaid/mermaid.min.js"),
        ("mermaid/LICENSE", "mermaid/LICENSE"),
        ("mathjax-full/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
        ("mathjax-full/LICENSE", "mathjax/LICENSE"),
        (
            "mathjax-full/es5/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
            "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
        ),
    ]
    for source, target in pairs:
        shipped = SITE / "assets" / "vendor" / target
        assert shipped.is_file(), target
        assert shipped.read_bytes() == (ROOT / "node_modules" / source).read_bytes(), target


def test_vendor_copy_without_npm_packages_fails_with_a_german_hint_and_writes_nothing(tmp_path):
    """Without `npm ci` the copy step (npm postinstall) stops with exit code 2 and says what to run."""
    import subprocess

    result = subprocess.run(
        [
            "node",
            str(ROOT / "scripts" / "copy_vendor_assets.cjs"),
            "--from",
            str(tmp_path / "node_modules"),
            "--to",
            str(tmp_path / "vendor"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "npm-Paket „mermaid“ fehlt" in result.stderr and "npm ci" in result.stderr
    assert not (tmp_path / "vendor").exists()


def test_npm_install_runs_the_vendor_copy():
    """package.json's postinstall script is the copy step, so every `npm ci` refreshes the copies."""
    import json

    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert manifest["scripts"]["postinstall"] == "node scripts/copy_vendor_assets.cjs"
    shipped = json.loads((SITE / "assets" / "vendor" / "VERSIONS.json").read_text(encoding="utf-8"))
    assert shipped == {name: manifest["dependencies"][name] for name in ("mermaid", "mathjax-full")}


# ---- The site's own scripts ---------------------------------------------------------------------------

ECONOMICS = "5_Praxis_Guide/wirtschaftlichkeit"


def test_every_page_loads_one_site_script_and_the_calculator_is_none_of_them():
    """Besides Material's bundle each page references exactly assets/javascripts/site.js; kostenrechner.js is
    loaded by it on demand (only on the economics page), never by a <script> of its own."""
    for page in _pages():
        html = page.read_text(encoding="utf-8")
        if "assets/javascripts/bundle." not in html:
            continue
        own = re.findall(r'<script[^>]*src="[^"]*assets/javascripts/(?!bundle\.)([^"/]+)"', html)
        assert own == ["site.js"], (page.relative_to(SITE), own)
    assert (SITE / "assets" / "javascripts" / "kostenrechner.js").is_file()
    with_calculator = [
        p.parent.relative_to(SITE).as_posix()
        for p in _pages()
        if "data-kostenrechner" in p.read_text("utf-8")
    ]
    assert with_calculator == [ECONOMICS]


# ---- Split chapters: old anchors forwarded to the sub-pages -------------------------------------------

SPLIT_CHAPTERS = ["1_Grundlagen", "2_Komplexitaetsreduktion", "3_SLMs_Architecture"]


def _moved_anchors() -> dict[str, dict[str, str]]:
    """The MOVED table of site.js (entry page -> old anchor -> new place), read as JSON."""
    script = (ROOT / "docs" / "assets" / "javascripts" / "site.js").read_text(encoding="utf-8")
    table = re.search(r"var MOVED = (\{.*?\n  \});", script, re.DOTALL)
    assert table, "site.js: Tabelle MOVED fehlt"
    return json.loads(table[1])


def test_only_split_chapters_have_forwards():
    assert set(_moved_anchors()) == {f"{chapter}/" for chapter in SPLIT_CHAPTERS}


@pytest.mark.parametrize("chapter", SPLIT_CHAPTERS)
def test_every_section_that_left_a_chapter_entry_page_is_forwarded_to_an_existing_anchor(chapter):
    """Each heading id of the chapter's sub-pages has a forward from the entry page, pointing where it is now,
    and no forwarded anchor still exists on the entry page (it would never be reached)."""
    folder_path = SITE / chapter
    moved = _moved_anchors()[f"{chapter}/"]
    ids_on_sub_pages = {}
    for page in folder_path.glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        for anchor in re.findall(r'<h[1-3] id="([a-z0-9-]+)"', html):
            ids_on_sub_pages[anchor] = page.parent.name
    assert ids_on_sub_pages
    assert set(moved) == set(ids_on_sub_pages)
    for anchor, target in moved.items():
        folder, _, fragment = target.partition("/#")
        assert folder.rstrip("/") == ids_on_sub_pages[anchor], (anchor, target)
        if fragment:
            assert f'id="{fragment}"' in (folder_path / folder / "index.html").read_text(encoding="utf-8")
    entry = (folder_path / "index.html").read_text(encoding="utf-8")
    assert not set(moved) & set(re.findall(r'id="([^"]+)"', entry))


def test_chapter_2_keeps_its_forwards():
    """Chapter 2 was split first; its sections named in old links keep forwarding."""
    assert {"absmax", "nf4", "lora-merge", "speicherbudget", "pruning-2-4"} <= set(
        _moved_anchors()["2_Komplexitaetsreduktion/"]
    )


def test_chapter_2_pages_stay_small_enough_to_hold():
    """No page of chapter 2 carries more than 60 KB gzip of HTML (the single page had 105 KB)."""
    sizes = {
        page.relative_to(SITE).as_posix(): len(gzip.compress(page.read_bytes()))
        for page in (SITE / "2_Komplexitaetsreduktion").rglob("index.html")
    }
    assert len(sizes) == 6
    assert max(sizes.values()) <= 60 * 1024, sizes


def test_figures_move_into_files_and_appear_as_sized_lazy_images(tmp_path):
    """An inline figure becomes <img> with its label as alt text and its size in px (1 pt = 4/3 px)."""
    svg = (
        '<svg role="img" aria-label="Balken: Speicher „NF4“" class="slmwiki-figure" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" width="504pt" height="273.6pt" viewBox="0 0 504 273.6" '
        'xmlns="http://www.w3.org/2000/svg" version="1.1"><title>Balken</title><g><path d="M 0 0 L 1 1"/></g></svg>'
    )
    html = f"<p>Vorher</p>{svg}<p>Nachher</p>"
    out = _site_hooks().externalize_figures(html, "2_Komplexitaetsreduktion/", tmp_path)
    img = re.search(r"<img [^>]*>", out).group(0)
    assert out.startswith("<p>Vorher</p><img ") and out.endswith("<p>Nachher</p>") and "<svg" not in out
    # 504 pt * 4/3 = 672 px, 273.6 pt * 4/3 = 364.8 px (by hand)
    assert 'width="672"' in img and 'height="365"' in img
    assert 'alt="Balken: Speicher „NF4“"' in img and 'loading="lazy"' in img
    src = re.search(r'src="([^"]+)"', img).group(1)
    assert src.startswith("../assets/figures/") and src.endswith(".svg")
    assert (tmp_path / src.removeprefix("../")).read_text(encoding="utf-8") == svg
    # Same figure on another page: same file, no second copy.
    again = _site_hooks().externalize_figures(svg, "", tmp_path)
    assert f'src="{src.removeprefix("../")}"' in again
    assert len(list((tmp_path / "assets" / "figures").iterdir())) == 1


def test_built_pages_show_figures_as_images_whose_files_exist():
    """No inline figure is left in the built site; every figure image points to an existing SVG file."""
    seen = 0
    for page in _pages():
        html = page.read_text(encoding="utf-8")
        assert '<svg role="img" aria-label' not in html or 'class="slmwiki-figure"' not in html, page
        for tag in re.findall(r'<img class="slmwiki-figure"[^>]*>', html):
            src = re.search(r'src="([^"]+)"', tag).group(1)
            target = (page.parent / src).resolve()
            assert target.is_file() and target.read_text(encoding="utf-8").startswith('<svg role="img"'), tag
            assert re.search(r'alt="[^"]{10,}"', tag) and 'width="' in tag and 'height="' in tag, tag
            seen += 1
    assert seen >= 10
