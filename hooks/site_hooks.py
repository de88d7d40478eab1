"""MkDocs hooks for slmwiki (no plugin; see https://www.mkdocs.org/user-guide/configuration/#hooks).

Notebook pages rendered by mkdocs-jupyter carry nbconvert's MathJax 2 loader and a Mermaid loader that
point to CDNs. The site ships its own MathJax/Mermaid (assets/javascripts/lazy-libs.js), so these
scripts are removed here, and each notebook page gets a download link and an "Open in Colab" link.
"""

from __future__ import annotations

import re

from mkdocs.utils import get_relative_url

_MATHJAX_LOADER = re.compile(r'<script src="[^"]*">\s*</script>\s*<!-- MathJax configuration -->', re.DOTALL)
_MATHJAX_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.DOTALL)
_MERMAID_MODULE = re.compile(
    r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*const diagrams = document\.querySelectorAll\("\.jp-Mermaid.*?</script>',
    re.DOTALL,
)
_LOAD_COMMENTS = re.compile(r"<!-- (Load mathjax|End of mathjax configuration) -->")


def _is_notebook(page) -> bool:
    return page.file.src_uri.endswith(".ipynb")


def on_page_content(html: str, page, config, files) -> str:
    """Removes CDN script loaders from notebook pages and adds download/Colab links."""
    if not _is_notebook(page):
        return html
    html = _MATHJAX_LOADER.sub("", html)
    html = _MATHJAX_CONFIG.sub("", html)
    html = _MERMAID_MODULE.sub("", html)
    html = _LOAD_COMMENTS.sub("", html)
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
