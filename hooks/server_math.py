"""MkDocs hook: renders the formulas of Markdown pages at build time, so readers' browsers run no MathJax there.

pymdownx.arithmatex (generic mode) writes `<span class="arithmatex">\\(…\\)</span>` and
`<div class="arithmatex">\\[…\\]</div>`. After all pages are converted (`on_env`), this hook collects the
formulas of the whole build, renders them in ONE Node process with MathJax 3 (npm package `mathjax-full`,
pinned in package.json, script `hooks/render_math.cjs`) to SVG and puts the `<mjx-container>` into the
wrapper element. The glyph outlines a page uses are stored once per page in a hidden `<svg><defs>` at the
start of its content (formulas reference them with `<use>`), together with MathJax's CSS; both are part of
the content, so they travel along with Material's instant navigation. Screen readers get MathJax's
assistive MathML. Notebook pages are not touched: their
`$…$` math is typeset in the browser by assets/javascripts/site.js.

A missing Node.js or `npm ci` gives a clear German error; a faulty formula is logged as a warning (fails
`mkdocs build --strict`) and keeps its TeX source.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import subprocess
import time
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.server_math")

ROOT = Path(__file__).resolve().parents[1]
RENDERER = Path(__file__).with_name("render_math.cjs")
MARKER = 'class="arithmatex"'
_FORMULA = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<body>.*?)</(?P=tag)>', re.DOTALL)
_DELIMITERS = {"span": ("\\(", "\\)"), "div": ("\\[", "\\]")}


def _formula(match: re.Match[str]) -> tuple[str, bool]:
    """TeX source and display flag of one arithmatex element (the delimiters removed, entities decoded)."""
    tag = match["tag"]
    source = html.unescape(match["body"]).strip()
    start, end = _DELIMITERS[tag]
    if source.startswith(start) and source.endswith(end):
        source = source[len(start) : -len(end)]
    return source.strip(), tag == "div"  # a div without \[ \] holds \begin{…}…\end{…}


def _check_tools() -> str:
    """Path of `node`; raises PluginError with a German hint when Node.js or mathjax-full is missing."""
    node = shutil.which("node")
    if node is None:
        raise PluginError(
            "Formeln können nicht gerendert werden: Node.js fehlt (Programm „node“ nicht gefunden). "
            "Bitte Node.js 18 oder neuer installieren (z. B. `apt-get install nodejs npm`) "
            "und danach `make install` ausführen."
        )
    if not (ROOT / "node_modules" / "mathjax-full" / "package.json").is_file():
        raise PluginError(
            f"Formeln können nicht gerendert werden: das npm-Paket „mathjax-full“ fehlt in {ROOT / 'node_modules'}. "
            "Bitte `make install` (oder `npm ci` im Projektverzeichnis) ausführen."
        )
    return node


def render(formulas: list[tuple[str, bool]]) -> tuple[list[dict], str]:
    """Renders formulas with MathJax in one Node process.

    Args:
        formulas: Pairs (TeX-Quelltext, Anzeigeformel ja/nein).

    Returns:
        Ein Ergebnis je Formel (`{"html": … oder None, "glyphs": {id: Pfad}, "error": None oder Meldung}`)
        und das CSS von MathJax.

    Raises:
        PluginError: Wenn Node.js oder mathjax-full fehlt oder der Node-Prozess scheitert.
    """
    node = _check_tools()
    try:
        result = subprocess.run(
            [node, str(RENDERER)],
            input=json.dumps(formulas),
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise PluginError("Formeln: MathJax (Node.js) hat nach 900 s nicht geantwortet.") from err
    if result.returncode != 0:
        raise PluginError(
            f"Formeln: MathJax (Node.js, {RENDERER.name}) ist mit Code {result.returncode} abgebrochen:\n"
            + result.stderr.strip()[-2000:]
        )
    data = json.loads(result.stdout)
    if len(data["results"]) != len(formulas):
        raise PluginError("Formeln: MathJax hat eine andere Anzahl von Ergebnissen geliefert als angefragt.")
    return data["results"], data["css"]


def _minify_css(css: str) -> str:
    css = re.sub(r"\s+", " ", css)
    return re.sub(r"\s*([{};:,>])\s*", r"\1", css).strip()


def on_env(env, config, files):
    """Replaces the TeX source of every arithmatex element of every Markdown page by MathJax's SVG output."""
    pages = [
        f.page
        for f in files.documentation_pages()
        if f.page is not None
        and f.page.content
        and MARKER in f.page.content
        and not f.src_uri.endswith(".ipynb")
    ]
    if not pages:
        return env
    index: dict[tuple[str, bool], int] = {}
    where: dict[int, str] = {}
    used: dict[str, list[int]] = {}
    for page in pages:
        numbers = used.setdefault(page.file.src_uri, [])
        for match in _FORMULA.finditer(page.content):
            number = index.setdefault(_formula(match), len(index))
            where.setdefault(number, page.file.src_uri)
            numbers.append(number)
    started = time.perf_counter()
    results, css = render(list(index))
    style = f"<style>{_minify_css(css)}</style>"
    for (source, _display), number in index.items():
        if results[number]["error"]:
            log.warning(
                "Formel auf Seite %s ist fehlerhaft (%s): %s", where[number], results[number]["error"], source
            )

    def replace(match: re.Match[str]) -> str:
        rendered = results[index[_formula(match)]]
        if rendered["error"] or not rendered["html"]:
            return match.group(0)
        return f'<{match["tag"]} class="arithmatex">{rendered["html"]}</{match["tag"]}>'

    for page in pages:
        glyphs: dict[str, str] = {}
        for number in used[page.file.src_uri]:
            glyphs.update(results[number]["glyphs"])
        defs = "".join(f'<path id="{gid}" d="{path}"></path>' for gid, path in sorted(glyphs.items()))
        cache = f'<svg class="slmwiki-math-glyphs" style="display:none" aria-hidden="true"><defs>{defs}</defs></svg>'
        page.content = style + cache + _FORMULA.sub(replace, page.content)
    log.info(
        "Formeln: %d verschiedene auf %d Seiten als SVG gerendert (%.1f s)",
        len(index),
        len(pages),
        time.perf_counter() - started,
    )
    return env
