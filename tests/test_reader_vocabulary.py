"""Reader pages speak about their subject, not about how the wiki is built, tested or measured.

The test reads the Markdown sources in ``docs/`` (no site build needed). How the wiki is made belongs on the one
page „Über dieses Wiki“ (``docs/ueber.md``); the changelog and the API reference are exempt as well.

The project's internal fact collection is a list of leads, not a source: the strings of the package (docstrings in
the API reference, source strings of the model registry) and the docstrings of the page scripts in ``docs_src/``
cite primary sources and never that collection.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "slmwiki"
PAGE_SCRIPTS = ROOT / "docs_src"

#: Pages that may talk about the wiki itself (paths relative to docs/).
EXEMPT = {"ueber.md", "changelog.md"}
EXEMPT_DIRS = {"referenz", "assets"}

#: Internal vocabulary: name → pattern (case-insensitive). Each one names a way the wiki is made, not its subject.
INTERNAL = {
    "Faktenblatt (interne Faktensammlung)": r"Faktenblatt",
    "Messmaschine": r"Messmaschine",
    "make-Ziel": r"\bmake (?:test|serve|build|install|lint|unit|site-test|notebooks)\b",
    "pytest": r"\bpytest\b",
    "Testname": r"\btest_[a-z0-9_]+",
    "Testordner": r"(?<![\w./-])tests/",
    "Issue": r"\bIssues?\b",
    "NCCL-/NVLink-Umgebungsregel": r"NCCL_NVLS_ENABLE|NVLink-Multicast",
    "Build der Website": r"beim Bauen (?:der|dieser) (?:Seite|Seiten|Website)\b|Website-Build",
    "Grund fehlender Gewichte": r"Gewichte herunterladen lassen|keine (?:Modell)?gewichte herunterladen",
}
#: A space in a pattern also matches a line break: Markdown sources wrap lines anywhere.
PATTERNS = {
    name: re.compile(pattern.replace(" ", r"\s+"), re.IGNORECASE) for name, pattern in INTERNAL.items()
}


def reader_pages() -> list[str]:
    """All Markdown pages under docs/ that readers see, relative to docs/."""
    pages = []
    for path in sorted(DOCS.rglob("*.md")):
        relative = path.relative_to(DOCS)
        if relative.as_posix() in EXEMPT or relative.parts[0] in EXEMPT_DIRS:
            continue
        pages.append(relative.as_posix())
    return pages


def findings(text: str) -> list[str]:
    """The internal words in ``text`` as „Kategorie: Fundstelle“, in order of the categories."""
    found = []
    for name, pattern in PATTERNS.items():
        found += [f"{name}: „{match.group(0)}“" for match in pattern.finditer(text)]
    return found


def test_patterns_catch_internal_words_and_spare_the_subject() -> None:
    """Hand-written sentences: the first set is internal vocabulary, the second is ordinary subject matter."""
    internal = [
        "laut Faktenblatt des Projekts",
        "Auf der Messmaschine lassen sich keine Modellgewichte herunterladen.",
        "Rufen Sie `make test` auf.",
        "der Test `test_estimate_matches_measured_gpu_peaks` sichert das",
        "siehe tests/test_costs.py",
        "das Ziel aus Issue 12",
        "lassen Sie `NCCL_NVLS_ENABLE=0` gesetzt",
        "Die Tabelle entsteht beim Bauen der Seite.",
        "Die Werte entstehen beim\nBauen dieser Seite.",
    ]
    subject = [
        "Die beiden Programme entstehen beim Bauen von llama.cpp.",
        "Ein Testsatz mit 30 bis 50 Fragen",
        "Ollama lädt GGUF-Modelle herunter und verwaltet sie.",
        "make sure",  # English words after „make“ are no make target
        "Gewichte in NF4 mit Double Quantization",
    ]
    for sentence in internal:
        assert findings(sentence), sentence
    for sentence in subject:
        assert not findings(sentence), sentence


@pytest.mark.parametrize("page", reader_pages())
def test_reader_page_has_no_internal_vocabulary(page: str) -> None:
    """A reader page names no build, test or measurement tooling of the wiki (see „Über dieses Wiki“)."""
    found = findings((DOCS / page).read_text(encoding="utf-8"))
    assert not found, f"{page}: {found}"


#: References to the internal fact collection instead of a primary source (case-insensitive).
FACT_SHEET = re.compile(r"Faktenblatt|slm-facts|fact\s+sheet|Korrektur\s+C\d", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> list[str]:
    """Module, class and function docstrings plus attribute docstrings (a bare string after an assignment)."""
    found = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, statement in enumerate(body):
            if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
                continue
            if not isinstance(statement.value.value, str):
                continue
            first = index == 0 and isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            )
            after_assignment = index > 0 and isinstance(body[index - 1], ast.Assign | ast.AnnAssign)
            if first or after_assignment:
                found.append(statement.value.value)
    return found


def _string_constants(tree: ast.AST) -> list[str]:
    """Every string literal in the module, including the literal parts of f-strings."""
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_fact_sheet_pattern_catches_references_and_spares_primary_sources() -> None:
    """Hand-written source strings: internal references are caught, primary sources are not."""
    for text in ["slm-facts.md §4.1", "Korrektur C4: 262.208", "nicht im Faktenblatt", "see the fact sheet"]:
        assert FACT_SHEET.search(text), text
    for text in [
        "Qwen3 Technical Report, arXiv:2505.09388, Tabelle 1",
        "Gemma 3 Technical Report §2",
        "Korrektur",
    ]:
        assert not FACT_SHEET.search(text), text


def test_docstring_helper_finds_module_function_and_attribute_docstrings() -> None:
    """The docstring helper sees the three kinds of docstrings mkdocstrings renders, and no ordinary strings."""
    tree = ast.parse(
        '"""Modul."""\nX = 1\n"""Attribut."""\ndef f():\n    """Funktion."""\n    return "kein Docstring"\n'
    )
    assert sorted(_docstrings(tree)) == ["Attribut.", "Funktion.", "Modul."]


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix()
)
def test_package_strings_cite_no_fact_sheet(path: Path) -> None:
    """No string in the package (docstrings, source strings, messages) points to the internal fact collection."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = [text for text in _string_constants(tree) if FACT_SHEET.search(text)]
    assert not hits, f"{path.relative_to(ROOT)}: {hits}"


def test_model_registry_sources_cite_no_fact_sheet() -> None:
    """Each source string of every registered model names a primary source, not the internal fact collection."""
    from slmwiki.models import get_spec, list_models

    hits = [
        (name, field, text)
        for name in list_models()
        for field, text in get_spec(name).sources.items()
        if FACT_SHEET.search(text)
    ]
    assert not hits


@pytest.mark.parametrize(
    "path", sorted(PAGE_SCRIPTS.rglob("*.py")), ids=lambda p: p.relative_to(PAGE_SCRIPTS).as_posix()
)
def test_page_script_docstrings_cite_no_fact_sheet(path: Path) -> None:
    """The docstrings of the page scripts (pages include these files) cite no internal fact collection."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = [text for text in _docstrings(tree) if FACT_SHEET.search(text)]
    assert not hits, f"{path.relative_to(ROOT)}: {hits}"
