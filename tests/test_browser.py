"""The site as readers see it: headless Chromium against site/ served under /slmwiki/ (marker `site`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sitebrowser import CHROMIUM, CHROMIUM_ARGS, SITE, serve_site, site_pages

pytestmark = pytest.mark.site

# axe-core from npm (package.json devDependencies, installed by `npm ci`), not a committed copy.
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
CHAPTERS = [
    "1_Grundlagen/",
    "2_Komplexitaetsreduktion/",
    "3_SLMs_Architecture/",
    "4_Fallstudie_Gemma/",
    "5_Praxis_Guide/",
]
PAGES = site_pages()


@pytest.fixture(scope="module")
def base_url():
    """Base URL of the locally served site (sub path like GitHub Pages)."""
    if not (SITE / "index.html").exists():
        pytest.fail("site/ ist nicht gebaut: zuerst `make build` ausführen.")
    with serve_site() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} fehlt: `apt-get install chromium` (macht `make test` als root selbst).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Visit:
    """A page in a fresh browser context that records requests and console errors."""

    def __init__(self, browser, base_url: str, color_scheme: str = "light"):
        self.base_url = base_url
        self.context = browser.new_context(color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str) -> None:
        """Loads the page and waits until the network is idle (Material has started, as documented)."""
        self.page.goto(self.base_url + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def foreign_requests(self) -> list[str]:
        origin = self.base_url.split("/slmwiki/")[0]
        return [u for u in self.requests if not (u.startswith(origin) or u.startswith(("data:", "blob:")))]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    """Factory for recorded page visits."""
    opened: list[Visit] = []

    def factory(color_scheme: str = "light") -> Visit:
        v = Visit(browser, base_url, color_scheme)
        opened.append(v)
        return v

    yield factory
    for v in opened:
        v.close()


def test_site_has_pages_to_check():
    """The built site contains the start page, the five chapters and notebook pages."""
    assert "" in PAGES and all(c in PAGES for c in CHAPTERS)
    assert any(p.startswith("notebooks/") and p != "notebooks/" for p in PAGES)


# axe needs every element laid out: switch off the rendering shortcut (extra.css: content-visibility) and
# let site.js re-check which regions scroll (it listens to resize) before the audit.
_AXE_RUN = """async () => {
    const style = document.createElement('style');
    style.textContent = '* { content-visibility: visible !important; }';
    document.head.appendChild(style);
    window.dispatchEvent(new Event('resize'));
    await new Promise(resolve => setTimeout(resolve, 400));
    return (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(x => x.impact === 'serious' || x.impact === 'critical')
        .map(x => `${x.id} (${x.impact}): ${x.nodes.length}x, z. B. ${JSON.stringify(x.nodes[0].target)}`);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors_foreign_requests_or_serious_accessibility_violations(visit, path, scheme):
    """Each page in both colour schemes (Material picks the one of the system): no console error, no foreign
    request, axe: 0 serious/critical violations."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} fehlt: zuerst `npm ci` ausführen (macht `make test` selbst).")
    v = visit(color_scheme=scheme)
    v.open(path)
    assert v.page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == (
        "slate" if scheme == "dark" else "default"
    )
    v.page.add_script_tag(path=str(AXE))
    violations = v.page.evaluate(_AXE_RUN)
    assert v.errors == [], v.errors
    assert v.foreign_requests() == []
    assert violations == []


def test_navigation_shows_five_chapters_in_order(visit):
    """The sidebar lists the five chapters in the prescribed order."""
    v = visit()
    v.open("")
    hrefs = v.page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link", "els => els.map(e => e.getAttribute('href'))"
    )
    positions = []
    for chapter in CHAPTERS:
        index = next(
            (i for i, h in enumerate(hrefs) if h and h.rstrip("/").endswith(chapter.rstrip("/"))), None
        )
        assert index is not None, f"{chapter} fehlt in der Navigation"
        positions.append(index)
    assert positions == sorted(positions)


@pytest.mark.parametrize("term", ["Quantisierung", "LoRA", "Gemma", "Kosten"])
def test_german_search_finds_term_with_german_result_text(visit, term):
    """Searching a German term lists results and German result text."""
    v = visit()
    v.open("")
    toggle = v.page.locator("label.md-header__button[for='__search']")
    if toggle.is_visible():
        toggle.click()
    # Typed key by key like a reader: Material reacts to keyup, which `fill` does not send.
    v.page.locator("input[data-md-component='search-query']").press_sequentially(term)
    meta = v.page.locator(".md-search-result__meta")
    meta.wait_for()
    v.page.wait_for_function(
        "() => /Suchergebnis/.test(document.querySelector('.md-search-result__meta').textContent)",
        timeout=60000,  # ceiling only: on a busy 2-core CI machine the search worker needs a while
    )
    assert v.page.locator(".md-search-result__item").count() >= 1
    assert "Suchergebnis" in meta.text_content()
    assert v.errors == []


def _pages_containing(marker: str) -> list[str]:
    return [p for p in PAGES if marker in (SITE / p / "index.html").read_text(encoding="utf-8")]


def _requested(v: Visit, suffix: str) -> bool:
    return any(u.split("?")[0].endswith(suffix) for u in v.requests)


def _notebooks_with_math() -> list[str]:
    candidates = [p for p in PAGES if p.startswith("notebooks/") and p != "notebooks/"]
    return [p for p in candidates if "$" in (SITE / p / "index.html").read_text(encoding="utf-8")]


def _scroll_to_first_math_cell(v: Visit) -> None:
    """Scrolls to the first Markdown cell with math (source `$…$` or, if typeset already, MathJax output)."""
    v.page.evaluate(
        """() => [...document.querySelectorAll('.jp-RenderedMarkdown')]
            .find(c => c.textContent.includes('$') || c.querySelector('mjx-container')).scrollIntoView()"""
    )


def _first_glyph_size(v: Visit) -> dict | None:
    """Size of the first drawn glyph of the first formula (zero if its <use> points nowhere)."""
    glyph = v.page.locator("article mjx-container svg use").first
    glyph.scroll_into_view_if_needed()
    return glyph.bounding_box()


def test_formulas_are_visible_on_chapter_pages_without_mathjax_in_the_browser(visit):
    """Chapter formulas arrive rendered (glyphs drawn), also after instant navigation; MathJax never loads."""
    with_math = [c for c in CHAPTERS if c in _pages_containing('class="arithmatex"')]
    assert len(with_math) >= 2
    v = visit()
    v.open(with_math[0])
    box = _first_glyph_size(v)
    assert box and box["width"] > 2 and box["height"] > 2
    target = with_math[1].rstrip("/")
    v.page.click(f"nav.md-nav--primary a.md-nav__link[href$='{target}/']")
    v.page.wait_for_url(f"**/{with_math[1]}")
    v.page.wait_for_selector("article mjx-container svg use", state="attached", timeout=20000)
    box = _first_glyph_size(v)
    assert box and box["width"] > 2 and box["height"] > 2
    assert (
        v.page.locator("article .arithmatex").count()
        == v.page.locator("article .arithmatex mjx-container").count()
    )
    assert not _requested(v, "mathjax/tex-chtml.js")
    assert v.errors == [] and v.foreign_requests() == []


def test_formulas_render_on_a_notebook_page(visit):
    """A notebook page whose Markdown contains $…$ math gets MathJax output once the math is in view."""
    with_math = _notebooks_with_math()
    assert with_math, "kein Notebook mit Formeln gefunden"
    v = visit()
    v.open(with_math[0])
    _scroll_to_first_math_cell(v)
    v.page.wait_for_selector(".jupyter-wrapper mjx-container", timeout=30000)
    assert _requested(v, "mathjax/tex-chtml.js")
    assert v.errors == [] and v.foreign_requests() == []


def test_formulas_render_on_a_notebook_page_reached_by_instant_navigation(visit):
    """From a chapter page, in-site navigation to a notebook page typesets its math in the browser."""
    with_math = _notebooks_with_math()
    assert with_math
    v = visit()
    v.open("2_Komplexitaetsreduktion/")
    name = with_math[0].rstrip("/").split("/")[-1]
    v.page.click(f"nav.md-nav--primary a.md-nav__link[href$='{name}/']")
    v.page.wait_for_url(f"**/{with_math[0]}")
    v.page.wait_for_selector(".jupyter-wrapper", timeout=20000)
    _scroll_to_first_math_cell(v)
    v.page.wait_for_selector(".jupyter-wrapper mjx-container", timeout=30000)
    assert v.errors == [] and v.foreign_requests() == []


def test_mermaid_diagrams_render_from_the_local_copy(visit):
    """A page with a diagram draws it with the site's Mermaid (copied from node_modules) once it is in view."""
    pages = _pages_containing('class="diagram"')
    assert pages, "keine Seite mit Mermaid-Diagramm"
    v = visit()
    v.open(pages[0])
    # a diagram near the top of a short page is drawn (pre -> div) right after the load
    v.page.locator("pre.diagram, div.diagram").first.scroll_into_view_if_needed()
    v.page.wait_for_selector("div.diagram svg", timeout=30000)
    assert _requested(v, "assets/vendor/mermaid/mermaid.min.js")
    box = v.page.locator("div.diagram").first.bounding_box()
    assert box and box["height"] > 40
    assert v.errors == [] and v.foreign_requests() == []


def test_mermaid_is_loaded_only_when_a_diagram_comes_near_the_viewport(visit):
    """The 3,5 MB mermaid bundle isn't fetched while the diagram lies far below the visible part."""
    far_below = None
    for path in _pages_containing('class="diagram"'):
        v = visit()
        v.open(path)
        top = v.page.evaluate(
            """() => { const pre = document.querySelector('pre.diagram');
                       return pre ? pre.getBoundingClientRect().top - window.innerHeight : 0; }"""
        )
        if top > 1000:  # site.js starts loading 400 px before the diagram is visible
            far_below = path
            break
    assert far_below, "keine Seite mit einem Diagramm weit unterhalb des sichtbaren Bereichs"
    v.page.wait_for_timeout(500)
    assert not _requested(v, "mermaid.min.js")
    v.page.locator("pre.diagram").first.scroll_into_view_if_needed()
    v.page.wait_for_selector("div.diagram svg", timeout=30000)
    assert _requested(v, "mermaid.min.js")


def test_a_drawn_diagram_follows_the_colour_scheme_switch(visit):
    """Switching the palette redraws a drawn diagram in Mermaid's dark theme (and back)."""
    page = _pages_containing('class="diagram"')[0]
    v = visit(color_scheme="light")
    v.open(page)
    v.page.locator("pre.diagram, div.diagram").first.scroll_into_view_if_needed()
    v.page.wait_for_selector("div.diagram[data-theme='default'] svg", timeout=30000)
    v.page.locator("form[data-md-component='palette'] label:visible").first.click()
    v.page.wait_for_selector("div.diagram[data-theme='dark'] svg", timeout=30000)
    assert v.errors == []


def test_dark_mode_toggle_switches_scheme_and_persists_after_reload(visit):
    """The palette toggle switches to the dark scheme, which survives a reload."""
    v = visit()
    v.open("")
    body = v.page.locator("body")
    before = body.get_attribute("data-md-color-scheme")
    v.page.locator("form[data-md-component='palette'] label:visible").first.click()
    v.page.wait_for_function(f"() => document.body.getAttribute('data-md-color-scheme') !== '{before}'")
    after = body.get_attribute("data-md-color-scheme")
    v.page.reload(wait_until="load")
    assert body.get_attribute("data-md-color-scheme") == after != before


def test_color_scheme_meta_follows_the_palette_toggle_and_stays_single(visit):
    """One <meta name="color-scheme"> in the page, matching the scheme, also after each toggle (Material's own)."""
    v = visit(color_scheme="light")
    v.open("")
    meta = "() => [...document.querySelectorAll('meta[name=color-scheme]')].map(m => m.content)"
    scheme = "() => document.body.getAttribute('data-md-color-scheme')"
    assert v.page.evaluate(meta) == ["light"] and v.page.evaluate(scheme) == "default"
    toggle = v.page.locator("form[data-md-component='palette'] label:visible").first
    toggle.click()
    v.page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'")
    v.page.wait_for_function(f"() => ({meta})().join() === 'dark'")
    v.page.locator("form[data-md-component='palette'] label:visible").first.click()
    v.page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'default'")
    v.page.wait_for_function(f"() => ({meta})().join() === 'light'")
    assert v.page.evaluate("() => document.body.hasAttribute('data-md-color-switching')") is False


def test_api_reference_shows_german_labels_and_the_package_docstrings(visit):
    """The API reference renders German section labels and the docstrings of slmwiki."""
    import slmwiki.costs

    v = visit()
    v.open("referenz/costs/")
    text = v.page.locator("article").inner_text()
    first_line = slmwiki.costs.__doc__.strip().splitlines()[0]
    assert first_line.split("(")[0].strip()[:40] in text
    assert "PARAMETER" in text.upper() and "Parameters:" not in text


def test_notebook_pages_show_their_outputs(visit):
    """Every notebook page shows executed cell outputs and the Colab/download links."""
    notebooks = [p for p in PAGES if p.startswith("notebooks/") and p != "notebooks/"]
    assert notebooks
    for path in notebooks:
        v = visit()
        v.open(path)
        assert v.page.locator(".jp-OutputArea-output").count() >= 1, path
        assert v.page.locator(".nb-links a[download]").count() == 1, path


def test_link_check_of_whole_site_with_fragments_offline():
    """lychee finds no broken link or anchor in the built site (offline, fragments included)."""
    lychee = shutil.which("lychee") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "lychee")
    result = subprocess.run(
        [
            lychee,
            "--offline",
            "--include-fragments",
            "--no-progress",
            "--format",
            "json",
            "--root-dir",
            str(SITE),
            "--index-files",
            "index.html",
            "--exclude-path",
            str(SITE / "404.html"),
            str(SITE),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout or "{}")
    failures = report.get("error_map") or report.get("fail_map") or {}
    assert result.returncode == 0, json.dumps(failures, ensure_ascii=False, indent=1)[:5000]


def test_an_old_chapter_2_anchor_forwards_to_its_sub_page(visit):
    """`2_Komplexitaetsreduktion/#absmax` (chapter 2 was one page) lands on the section's new page."""
    v = visit()
    v.open("2_Komplexitaetsreduktion/#absmax")
    v.page.wait_for_url("**/2_Komplexitaetsreduktion/quantisierung/#absmax", timeout=20000)
    assert v.page.locator("h2#absmax").count() == 1
    v.open("2_Komplexitaetsreduktion/#nf4")
    v.page.wait_for_url("**/2_Komplexitaetsreduktion/nf4/", timeout=20000)
    v.open("2_Komplexitaetsreduktion/#warum")  # still on the entry page: no forwarding
    assert v.page.url.endswith("2_Komplexitaetsreduktion/#warum")
    assert v.errors == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("1_Grundlagen/#self-attention", "1_Grundlagen/transformer/#self-attention"),
        ("1_Grundlagen/#chinchilla", "1_Grundlagen/skalierungsgesetze/#chinchilla"),
        ("3_SLMs_Architecture/#gqa", "3_SLMs_Architecture/attention-varianten/#gqa"),
        ("3_SLMs_Architecture/#destillation", "3_SLMs_Architecture/destillation/"),
    ],
)
def test_an_old_anchor_of_chapters_1_and_3_forwards_to_its_sub_page(visit, old, new):
    """Chapters 1 and 3 were one page each until December 2026: their old anchors land on the sub-pages."""
    v = visit()
    v.open(old)
    v.page.wait_for_url(f"**/{new}", timeout=20000)
    anchor = new.partition("#")[2] or new.rstrip("/").rsplit("/", 1)[-1]
    assert v.page.locator(f"[id='{anchor}']").count() == 1
    assert v.errors == []


def test_the_cost_calculator_loads_only_on_its_page_also_by_instant_navigation(visit):
    """kostenrechner.js is fetched only where a page holds the calculator; reached by instant navigation from
    another page, the calculator is still set up (site.js loads it through Material's `document$`)."""
    v = visit()
    v.open("5_Praxis_Guide/")
    assert not _requested(v, "assets/javascripts/kostenrechner.js")
    v.page.click("article a[href$='wirtschaftlichkeit/']")
    v.page.wait_for_url("**/5_Praxis_Guide/wirtschaftlichkeit/")
    v.page.wait_for_selector("[data-kostenrechner][data-bereit='ja']", state="attached", timeout=20000)
    assert _requested(v, "assets/javascripts/kostenrechner.js")
    assert v.page.evaluate("() => performance.getEntriesByType('navigation').length") == 1  # no reload
    assert v.errors == [] and v.foreign_requests() == []
