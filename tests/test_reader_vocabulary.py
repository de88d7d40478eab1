"""Reader pages speak about their subject, not about how the wiki is built, tested or measured.

The test reads the Markdown sources in ``docs/`` (no site build needed). How the wiki is made belongs on the one
page „Über dieses Wiki“ (``docs/ueber.md``); the changelog and the API reference are exempt as well.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

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

#: Pages not yet cleaned (paths relative to docs/). Each one still fails the check below; the lead removes an
#: entry once its page is clean, and `test_allowlisted_pages_still_need_cleaning` insists on that.
NOT_YET_CLEANED: set[str] = set()


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


def test_every_allowlisted_page_exists() -> None:
    """The allowlist names only existing reader pages (a renamed page must not hide behind a stale entry)."""
    assert NOT_YET_CLEANED <= set(reader_pages())


@pytest.mark.parametrize("page", [p for p in reader_pages() if p not in NOT_YET_CLEANED])
def test_reader_page_has_no_internal_vocabulary(page: str) -> None:
    """A reader page names no build, test or measurement tooling of the wiki (see „Über dieses Wiki“)."""
    found = findings((DOCS / page).read_text(encoding="utf-8"))
    assert not found, f"{page}: {found}"


@pytest.mark.parametrize("page", sorted(NOT_YET_CLEANED))
def test_allowlisted_pages_still_need_cleaning(page: str) -> None:
    """An allowlisted page still contains internal vocabulary; once it is clean, remove it from the allowlist."""
    assert findings((DOCS / page).read_text(encoding="utf-8")), (
        f"{page} ist sauber: aus NOT_YET_CLEANED streichen"
    )
