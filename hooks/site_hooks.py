"""MkDocs hooks for slmwiki (no plugin; see https://www.mkdocs.org/user-guide/configuration/#hooks).

Notebook pages rendered by mkdocs-jupyter carry nbconvert's MathJax 2 loader and a Mermaid loader that
point to CDNs. The site ships its own MathJax/Mermaid (scripts/copy_vendor_assets.cjs, loaded by
assets/javascripts/site.js), so these scripts are removed here, and each notebook page gets a download link and an "Open in Colab" link.
mkdocs-jupyter also inlines about 570 KB of JupyterLab CSS into every notebook page; `on_post_page`
keeps only the rules whose classes occur on the page (the rest can never match a static page), which
cuts the page's own HTML roughly in half (issue 9: at most 150 KB gzip).
On every page, the (disabled) checkboxes of task lists get the item's text as accessible name
(pymdownx.tasklist puts the text outside the `<label>`; axe: label), and Material's search dialog gets one
(„Suche“; axe: aria-dialog-name). The figures of the page scripts leave the HTML for files of their own
(`externalize_figures`).
"""

from __future__ import annotations

import functools
import hashlib
import re
from html import escape, unescape
from pathlib import Path

import tinycss2
from mkdocs.utils import get_relative_url

_MATHJAX_LOADER = re.compile(r'<script src="[^"]*">\s*</script>\s*<!-- MathJax configuration -->', re.DOTALL)
_MATHJAX_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.DOTALL)
_MERMAID_MODULE = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid.*?</script>',
    re.DOTALL,
)
# mkdocs-jupyter writes the Pygments CSS a second time as a Python list repr ("['pre { …']"): no valid CSS.
_LIST_REPR_STYLE = re.compile(r"<style[^>]*>\s*\['.*?</style>", re.DOTALL)
_LOAD_COMMENTS = re.compile(r"<!-- (Load mathjax|End of mathjax configuration) -->")
_TASK_ITEM = re.compile(
    r'(?P<head><li class="task-list-item"><label class="task-list-control"><input type="checkbox")'
    r"(?P<tail>[^>]*>.*?</label>)(?P<text>.*?)(?=<ul|<ol|</li>)",
    re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")
# Figures of the page scripts (slmwiki.figures.to_svg): inline SVG with role, label and size in points.
_FIGURE = re.compile(
    r'<svg role="img" aria-label="(?P<label>[^"]*)" class="slmwiki-figure" (?P<attrs>[^>]*)>.*?</svg>',
    re.DOTALL,
)
_SIZE_PT = re.compile(r'\b(?P<name>width|height)="(?P<value>[0-9.]+)pt"')
FIGURE_DIR = "assets/figures"
# Material's search dialog has role="dialog" but no accessible name (axe: aria-dialog-name).
_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
_STYLE = re.compile(r"<style(?P<attrs>[^>]*)>(?P<css>.*?)</style>", re.DOTALL)
_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_PRUNE_MIN_CHARS = 50_000  # only the big JupyterLab stylesheet; small page styles stay as they are


def _is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def _label_task(match: re.Match[str]) -> str:
    text = " ".join(unescape(_TAG.sub(" ", match["text"])).split())
    if not text or "aria-label" in match["tail"]:
        return match.group(0)
    return f'{match["head"]} aria-label="{escape(text, quote=True)}"{match["tail"]}{match["text"]}'


def _split_selectors(prelude: list) -> list[list]:
    """Splits a rule's prelude at its top-level commas (commas inside `:is(…)` etc. stay)."""
    parts: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _required_classes(tokens: list) -> frozenset[str] | None:
    """Classes that elements must carry for the selector to match; None: keep the selector anyway.

    Classes inside `:not(…)` and attribute selectors don't count; selectors with `:is()`, `:where()`,
    `:has()` are always kept.
    """
    classes = set()
    for previous, token in zip([None, *tokens], tokens, strict=False):
        if token.type == "function" and token.lower_name in ("is", "where", "has", "matches", "-webkit-any"):
            return None
        if (
            token.type == "ident"
            and previous is not None
            and previous.type == "literal"
            and previous.value == "."
        ):
            classes.add(token.value)
    return frozenset(classes)


def _parse_rules(rules) -> list[tuple]:
    nodes: list[tuple] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = tuple(
                (tinycss2.serialize(tokens).strip(), _required_classes(tokens))
                for tokens in _split_selectors(rule.prelude)
            )
            nodes.append(("rule", selectors, tinycss2.serialize(rule.content)))
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            children = tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True)
            prelude = f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}"
            nodes.append(("group", prelude, _parse_rules(children)))
        elif rule.type == "at-rule":
            nodes.append(("raw", tinycss2.serialize([rule])))
    return nodes


@functools.lru_cache(maxsize=4)
def _parsed_stylesheet(css: str) -> list[tuple]:
    """The stylesheet as a tree of rules (cached: every notebook page carries the same one)."""
    return _parse_rules(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))


def _serialize_used(nodes: list[tuple], classes: set[str]) -> str:
    out = []
    for node in nodes:
        if node[0] == "rule":
            kept = [sel for sel, needed in node[1] if needed is None or needed <= classes]
            if kept:
                out.append(f"{','.join(kept)}{{{node[2]}}}")
        elif node[0] == "group":
            inner = _serialize_used(node[2], classes)
            if inner:
                out.append(f"{node[1]}{{{inner}}}")
        else:
            out.append(node[1])
    return "".join(out)


def _parsed_classes(html: str) -> set[str]:
    """All classes that the big stylesheets of the page mention."""
    names: set[str] = set()

    def collect(nodes: list[tuple]) -> None:
        for node in nodes:
            if node[0] == "rule":
                names.update(name for _sel, needed in node[1] if needed for name in needed)
            elif node[0] == "group":
                collect(node[2])

    for match in _STYLE.finditer(html):
        if len(match["css"]) >= _PRUNE_MIN_CHARS:
            collect(_parsed_stylesheet(match["css"]))
    return names


def prune_unused_css(html: str) -> str:
    """Drops rules of big inline stylesheets whose selectors need a class that no element of the page has.

    Args:
        html: Die fertige HTML-Seite.

    Returns:
        Die Seite mit verkleinerten `<style>`-Blöcken (kleine Blöcke bleiben unverändert).
    """
    classes = {name for value in _CLASS_ATTR.findall(html) for name in value.split()}
    classes |= {name for name in _parsed_classes(html) if name.startswith("md-")}  # added by Material's JS

    def prune(match: re.Match[str]) -> str:
        css = match["css"]
        if len(css) < _PRUNE_MIN_CHARS:
            return match.group(0)
        return f"<style{match['attrs']}>{_serialize_used(_parsed_stylesheet(css), classes)}</style>"

    return _STYLE.sub(prune, html)


def externalize_figures(html: str, page_url: str, site_dir: str | Path) -> str:
    """Moves the page's inline SVG figures into files and shows them as lazily loaded images.

    The figures are built into the page by markdown-exec (`slmwiki.figures.to_svg`); inline, they made up a
    quarter of chapter 2's HTML (27 KB of 105 KB gzip) and thousands of SVG elements, all of which the
    browser parses before the page is complete. As `<img loading="lazy">` with the figure's size in pixels
    (1 pt = 4/3 px, so nothing moves when it arrives) they load only near the viewport, and each file –
    named by its content hash – is fetched once for the whole site. The text label becomes the `alt` text.
    """

    def replace(match: re.Match[str]) -> str:
        svg = match.group(0)
        name = hashlib.sha256(svg.encode("utf-8")).hexdigest()[:16] + ".svg"
        target = Path(site_dir) / FIGURE_DIR / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(svg, encoding="utf-8")
        size = {m["name"]: round(float(m["value"]) * 4 / 3) for m in _SIZE_PT.finditer(match["attrs"])}
        dims = "".join(f' {key}="{size[key]}"' for key in ("width", "height") if key in size)
        src = get_relative_url(f"{FIGURE_DIR}/{name}", page_url)
        return f'<img class="slmwiki-figure" src="{src}" alt="{match["label"]}"{dims} loading="lazy" decoding="async">'

    return _FIGURE.sub(replace, html)


def _name_search_dialog(html: str) -> str:
    return html.replace(_SEARCH_DIALOG, _SEARCH_DIALOG[:-1] + ' aria-label="Suche">', 1)


def on_post_page(output: str, page, config) -> str:
    """Names the search dialog, moves figures into files; shrinks notebook pages' JupyterLab CSS to what they use."""
    output = _name_search_dialog(output)
    if 'class="slmwiki-figure"' in output:
        output = externalize_figures(output, page.url, config["site_dir"])
    if not _is_notebook(page):
        return output
    return prune_unused_css(output)


def on_post_template(output_content: str, template_name: str, config) -> str:
    """Names the search dialog of pages rendered from a template alone (404.html)."""
    return _name_search_dialog(output_content)


def on_page_content(html: str, page, config, files) -> str:
    """Names task-list checkboxes; removes CDN script loaders from notebook pages and adds download/Colab links."""
    if 'class="task-list-item"' in html:
        html = _TASK_ITEM.sub(_label_task, html)
    if not _is_notebook(page):
        return html
    html = _MATHJAX_LOADER.sub("", html)
    html = _MATHJAX_CONFIG.sub("", html)
    html = _MERMAID_MODULE.sub("", html)
    html = _LOAD_COMMENTS.sub("", html)
    html = _LIST_REPR_STYLE.sub("", html)
    html = re.sub(r'<script src="">\s*</script>', "", html)
    name = page.file.src_uri.rsplit("/", 1)[-1]
    repo = config["extra"].get("colab_repo")
    branch = config["extra"].get("colab_branch", "main")
    colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{name}"
    badge = get_relative_url("assets/images/colab-badge.svg", page.url)
    links = (
        '<div class="nb-links">'
        f'<a href="{name}" download>Notebook herunterladen ({name})</a>'
        f'<a href="{colab}" rel="noopener"><img src="{badge}" alt="In Colab öffnen" width="140" height="20"></a>'
        "</div>"
    )
    return links + html
