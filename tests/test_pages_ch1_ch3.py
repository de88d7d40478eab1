"""Checks of chapters 1 and 3, the literature page, the glossary and the abbreviation list (Markdown sources).

Each chapter is an entry page (``index.md``: introduction, overview of its pages, summary, questions) and
sub-pages in the same folder, one per former section. The tests read the Markdown sources and run the build-time
scripts in ``docs_src/`` in-process; they do not build the site. Expected values are hand-computed (see each
docstring) or taken from the fact sheet.
"""

from __future__ import annotations

import contextlib
import io
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LITERATURE = DOCS / "literatur.md"
GLOSSARY = DOCS / "glossar.md"
ABBREVIATIONS = ROOT / "includes" / "abkuerzungen.md"

CHAPTERS = {
    "1_Grundlagen": [
        "foundation-models",
        "transformer",
        "self-attention",
        "multi-head",
        "rechenaufwand",
        "llm",
        "gpt-reihe",
        "gpt1",
        "gpt2",
        "gpt3",
        "rlhf",
        "rlhf-stufen",
        "reward-modell",
        "ppo",
        "skalierungsgesetze",
        "kaplan",
        "chinchilla",
        "grenzen",
        "grenzen-rechenaufwand",
        "grenzen-kosten",
        "grenzen-energie",
        "datenmauer",
        "kleine-modelle",
        "tokens-pro-parameter",
        "zusammenfassung",
    ],
    "3_SLMs_Architecture": [
        "textbooks",
        "phi-1",
        "attention-varianten",
        "kv-cache",
        "mha",
        "mqa",
        "gqa",
        "kv-cache-vergleich",
        "sliding-window",
        "gemma-local-global",
        "destillation",
        "soft-targets",
        "temperatur",
        "destillation-verlust",
        "destillation-praxis",
        "vergleich",
        "zusammenfassung",
    ],
}
ENTRY_PAGES = {name: DOCS / name / "index.md" for name in CHAPTERS}
#: The sub-pages each chapter must have (file names in the chapter folder), in the order of the chapter.
SUB_PAGES = {
    "1_Grundlagen": [
        "foundation-models.md",
        "transformer.md",
        "llm.md",
        "rlhf.md",
        "skalierungsgesetze.md",
        "grenzen.md",
        "kleine-modelle.md",
    ],
    "3_SLMs_Architecture": [
        "textbooks.md",
        "attention-varianten.md",
        "sliding-window.md",
        "destillation.md",
        "vergleich.md",
    ],
}
CHAPTER_PAGES = {
    name: [ENTRY_PAGES[name], *(DOCS / name / page for page in SUB_PAGES[name])] for name in CHAPTERS
}
ALL_PAGES = [(chapter, page) for chapter in CHAPTERS for page in CHAPTER_PAGES[chapter]]
PAGE_IDS = [f"{chapter}/{page.name}" for chapter, page in ALL_PAGES]
HEADING_RE = re.compile(r"^(#{2,3}) (.+?)\s*$", re.M)
PAGE_HEADING_RE = re.compile(r"^(#{1,3}) (.+?)\s*$", re.M)
ID_RE = re.compile(r"\{ #([A-Za-z0-9_-]+) \}$")
EXEC_BLOCK_RE = re.compile(r'```python exec="on"[^\n]*\n(.*?)```', re.S)
SNIPPET_RE = re.compile(r'--8<-- "([^"]+)"')
FOOTNOTE_DEF_RE = re.compile(r"^\[\^([^\]]+)\]: (.+)$", re.M)
FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]]+)\](?!:)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _ids(path: Path) -> set[str]:
    return set(re.findall(r"\{ #([A-Za-z0-9_-]+) \}", _text(path)))


def _chapter_text(chapter: str) -> str:
    return "\n".join(_text(page) for page in CHAPTER_PAGES[chapter])


def _chapter_ids(chapter: str) -> dict[str, set[str]]:
    """Ids per page of the chapter, keyed by the page's file name."""
    return {page.name: _ids(page) for page in CHAPTER_PAGES[chapter]}


def _scripts(chapter: str) -> list[str]:
    text = _chapter_text(chapter)
    return [path for block in EXEC_BLOCK_RE.findall(text) for path in SNIPPET_RE.findall(block)]


def _run_script(path: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(ROOT / path), run_name="__docs_src__")
    return buffer.getvalue()


ALL_SCRIPTS = sorted({script for chapter in CHAPTERS for script in _scripts(chapter)})


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_all_required_sections(chapter: str) -> None:
    """The chapter's pages together define every required section id (headings with explicit id)."""
    ids = set().union(*_chapter_ids(chapter).values())
    missing = [section for section in CHAPTERS[chapter] if section not in ids]
    assert not missing, f"{chapter}: fehlende Abschnitte {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_folder_holds_the_entry_page_and_exactly_its_sub_pages(chapter: str) -> None:
    """The chapter folder holds index.md and the sub-pages, each of which starts with one h1 that has an id."""
    assert sorted(p.name for p in (DOCS / chapter).glob("*.md")) == sorted(["index.md", *SUB_PAGES[chapter]])
    for page in CHAPTER_PAGES[chapter]:
        h1 = re.findall(r"^# (.+)$", _text(page), re.M)
        assert len(h1) == 1 and ID_RE.search(h1[0]), f"{page.name}: {h1}"
        assert _text(page).startswith("# "), page.name


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_entry_page_links_every_sub_page_in_chapter_order(chapter: str) -> None:
    """The entry page's overview („Die Seiten dieses Kapitels“) links each sub-page, in the order of the nav."""
    text = _text(ENTRY_PAGES[chapter])
    section = text[text.index("{ #seiten }") :]
    section = section[: section.index("\n## ")]
    positions = [section.index(f"]({page})") for page in SUB_PAGES[chapter]]
    assert positions == sorted(positions)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_heading_has_an_explicit_ascii_id_unique_within_the_chapter(chapter: str) -> None:
    """Every h1–h3 heading of the chapter's pages ends with an explicit ASCII id, and no id occurs twice in the
    chapter (old links to the one-page chapter are forwarded by id)."""
    ids = []
    for page in CHAPTER_PAGES[chapter]:
        headings = PAGE_HEADING_RE.findall(_text(page))
        assert headings, page.name
        for level, heading in headings:
            match = ID_RE.search(heading)
            assert match, f"{page.name}: Überschrift ohne ASCII-ID: {level} {heading}"
            ids.append(match.group(1))
    assert len(ids) == len(set(ids)), f"{chapter}: doppelte IDs"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_contains_display_formulas(chapter: str) -> None:
    """Each chapter has at least one display formula ($$ … $$) and inline math."""
    text = _chapter_text(chapter)
    assert text.count("$$") >= 2 and text.count("$$") % 2 == 0
    assert re.search(r"(?<!\$)\$[^$\n]+\$(?!\$)", text)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_mermaid_diagram_admonition_and_summary(chapter: str) -> None:
    """Each chapter has a mermaid diagram and at least one admonition; its entry page ends with the
    „Zusammenfassung“ section."""
    text = _chapter_text(chapter)
    assert "```mermaid" in text
    assert re.search(r"^!!! \w+", text, re.M)
    last_h2 = re.findall(r"^## (.+)$", _text(ENTRY_PAGES[chapter]), re.M)[-1]
    assert last_h2.startswith("Zusammenfassung")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_generates_a_figure_and_a_table_from_docs_src_scripts(chapter: str) -> None:
    """Each chapter includes docs_src scripts in exec blocks: one with html="true" (figure), one plain (table)."""
    text = _chapter_text(chapter)
    html_blocks = re.findall(r'```python exec="on" html="true"\n(.*?)```', text, re.S)
    plain_blocks = re.findall(r'```python exec="on"\n(.*?)```', text, re.S)
    assert any(SNIPPET_RE.search(b) for b in html_blocks), "kein Abbildungsskript"
    assert any(SNIPPET_RE.search(b) for b in plain_blocks), "kein Tabellen-/Textskript"
    for script in _scripts(chapter):
        assert script.startswith(("docs_src/1_grundlagen/", "docs_src/3_architektur/"))
        assert (ROOT / script).is_file(), f"Skript fehlt: {script}"


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_included_script_runs_and_prints_svg_table_or_text(
    script: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every included script runs and prints an inline SVG, a Markdown table or a paragraph without errors."""
    output = _run_script(script, monkeypatch)
    assert output.strip()
    assert "Traceback" not in output and "nan" not in output.lower().split()
    if output.lstrip().startswith("<svg"):
        assert output.rstrip().endswith("</svg>")
        assert "<title>" in output
    elif output.lstrip().startswith("|"):
        rows = [line for line in output.splitlines() if line.startswith("|")]
        assert len(rows) >= 3
        assert re.fullmatch(r"\|(\s*-*:?-+:?\s*\|)+", rows[1].replace(" ", ""))
        assert len({row.count("|") for row in rows}) == 1, "Zeilen mit unterschiedlicher Spaltenzahl"
    else:
        assert len(output.split()) > 15


def test_each_chapter_prints_at_least_one_svg_and_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Across its scripts, each chapter produces at least one SVG figure and one Markdown table."""
    for chapter in CHAPTERS:
        outputs = [_run_script(script, monkeypatch).lstrip() for script in _scripts(chapter)]
        assert any(o.startswith("<svg") for o in outputs), chapter
        assert any(o.startswith("|") for o in outputs), chapter


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chapter_has_footnotes(chapter: str) -> None:
    assert FOOTNOTE_DEF_RE.search(_chapter_text(chapter)), "keine Fußnoten"


@pytest.mark.parametrize(("chapter", "page"), ALL_PAGES, ids=PAGE_IDS)
def test_footnotes_are_defined_used_and_link_to_existing_literature_ids(chapter: str, page: Path) -> None:
    """On each page every footnote reference has a definition on that page, every definition is used there
    and links to an id in literatur.md."""
    text = _text(page)
    definitions = dict(FOOTNOTE_DEF_RE.findall(text))
    body = FOOTNOTE_DEF_RE.sub("", text)
    references = set(FOOTNOTE_REF_RE.findall(body))
    literature_ids = _ids(LITERATURE)
    assert references <= set(definitions), f"undefiniert: {references - set(definitions)}"
    assert set(definitions) <= references, f"unbenutzt: {set(definitions) - references}"
    for key, definition in definitions.items():
        links = re.findall(r"\]\(\.\./literatur\.md#([A-Za-z0-9_-]+)\)", definition)
        assert links, f"[^{key}] verweist nicht auf die Literaturseite"
        assert set(links) <= literature_ids, f"[^{key}]: unbekannte Literatur-ID {links}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_links_to_own_pages_glossary_and_literature_hit_existing_anchors(chapter: str) -> None:
    """Links from a chapter's pages to pages of chapters 1/3, the glossary, the literature page or their own
    anchors resolve; a link to a page of chapter 1/3 without anchor names an existing page."""
    targets = {"../glossar.md": _ids(GLOSSARY), "../literatur.md": _ids(LITERATURE)}
    for other in CHAPTERS:
        for name, ids in _chapter_ids(other).items():
            targets[f"../{other}/{name}"] = ids
            if other == chapter:
                targets[name] = ids
    checked = 0
    for page in CHAPTER_PAGES[chapter]:
        text = _text(page)
        for target, anchor in re.findall(r"\]\(([^)#\s]*)#([A-Za-z0-9_-]+)\)", text):
            key = target or page.name
            if key in targets:
                checked += 1
                assert anchor in targets[key], f"{page.name}: Anker fehlt: {target}#{anchor}"
        for target in re.findall(r"\]\(((?:\.\./(?:1_Grundlagen|3_SLMs_Architecture)/)?[a-z-]+\.md)\)", text):
            if target.startswith("../") or target in SUB_PAGES[chapter] or target == "index.md":
                assert target in targets, f"{page.name}: Seite fehlt: {target}"
    assert checked > 10


def test_glossary_links_to_chapters_1_and_3_hit_existing_pages_and_anchors() -> None:
    """Glossary links into chapters 1 and 3 point to pages that exist and to ids that exist on those pages."""
    text = _text(GLOSSARY)
    links = re.findall(
        r"\]\(((?:1_Grundlagen|3_SLMs_Architecture)/[a-z-]+\.md)(?:#([A-Za-z0-9_-]+))?\)", text
    )
    assert len(links) > 10
    for page, anchor in links:
        assert (DOCS / page).is_file(), f"glossar.md: {page} fehlt"
        if anchor:
            assert anchor in _ids(DOCS / page), f"glossar.md: {page}#{anchor} fehlt"


def test_literature_entries_have_unique_ascii_ids_and_a_link() -> None:
    """Every literature entry (h3) has a unique ASCII id and a URL; chapter sections kap1 … kap5 exist."""
    text = _text(LITERATURE)
    for section in ("kap1", "kap2", "kap3", "kap4", "kap5"):
        assert f"{{ #{section} }}" in text
    entries = re.split(r"^### ", text, flags=re.M)[1:]
    assert len(entries) >= 30
    ids = []
    for entry in entries:
        heading, _, rest = entry.partition("\n")
        match = ID_RE.search(heading.strip())
        assert match, f"Literatureintrag ohne ID: {heading}"
        ids.append(match.group(1))
        assert "<https://" in rest, f"{match.group(1)}: kein Link"
        if "arXiv:" in rest:
            number = re.search(r"arXiv:(\d{4}\.\d{4,5})", rest).group(1)
            assert f"arxiv.org/abs/{number}" in rest, f"{match.group(1)}: arXiv-Link passt nicht zur Nummer"
    assert len(ids) == len(set(ids)), "doppelte Literatur-IDs"


def test_glossary_terms_have_unique_ascii_ids() -> None:
    """Every glossary term (h3) and letter section (h2) has an explicit, unique ASCII id."""
    headings = HEADING_RE.findall(_text(GLOSSARY))
    assert len(headings) >= 30
    ids = []
    for level, heading in headings:
        match = ID_RE.search(heading)
        assert match, f"Glossarbegriff ohne ID: {level} {heading}"
        ids.append(match.group(1))
    assert len(ids) == len(set(ids))


def test_abbreviation_file_has_well_formed_unique_entries() -> None:
    """Each line of includes/abkuerzungen.md is an abbreviation definition; no abbreviation is defined twice."""
    lines = [line for line in _text(ABBREVIATIONS).splitlines() if line.strip()]
    names = []
    for line in lines:
        match = re.fullmatch(r"\*\[([^\]]+)\]: (\S.*)", line)
        assert match, f"fehlerhafte Zeile: {line}"
        names.append(match.group(1))
    assert len(names) == len(set(names))
    for required in ("GQA", "MHA", "MQA", "RLHF", "SFT", "PPO", "LLM", "SLM", "KV"):
        assert required in names


def test_no_placeholder_text_in_owned_files() -> None:
    """Owned pages, shared reference pages and build scripts contain no TODO/FIXME/XXX/Lorem ipsum."""
    files = [page for _chapter, page in ALL_PAGES] + [LITERATURE, GLOSSARY, ABBREVIATIONS]
    files += sorted((ROOT / "docs_src" / "1_grundlagen").glob("*.py"))
    files += sorted((ROOT / "docs_src" / "3_architektur").glob("*.py"))
    for path in files:
        text = _text(path)
        for marker in ("TODO", "FIXME", "XXX", "Lorem ipsum"):
            assert marker not in text, f"{path.name}: {marker}"


def test_training_data_sources_exist_in_literature() -> None:
    """Every training run in the chapter-1 data structure names a source id that exists in literatur.md."""
    data = runpy.run_path(str(ROOT / "docs_src/1_grundlagen/trainingsdaten.py"))
    ids = _ids(LITERATURE)
    for run in data["TRAINING_RUNS"]:
        assert run.source_id in ids, run


def test_tokens_per_parameter_table_shows_hand_computed_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ratios match hand computation: Chinchilla 1,4e12/70e9 = 20; Qwen3-0.6B 36e12/0,6e9 = 60.000; GPT-3 ≈ 1,7."""
    output = _run_script("docs_src/1_grundlagen/tokens_pro_parameter_tabelle.py", monkeypatch)
    rows = {line.split("|")[1].strip(): line for line in output.splitlines() if line.startswith("| ")}
    assert "| 20 |" in rows["Chinchilla"]
    assert "| 60.000 |" in rows["Qwen3-0.6B"]
    assert "| 1,7 |" in rows["GPT-3"]
    assert "über 1.875" in rows["Llama 3 8B"]  # 15e12 / 8e9, Quelle nennt „mehr als 15 Billionen“


def test_chinchilla_table3_fit_gives_exponent_near_one_half() -> None:
    """A log-log fit of Table 3 gives N_opt ∝ C^a with a ≈ 0,50 (Hoffmann et al. 2022, Tabelle 2: a = 0,50)."""
    data = runpy.run_path(str(ROOT / "docs_src/1_grundlagen/trainingsdaten.py"))
    table = data["CHINCHILLA_TABLE3"]
    _, a = data["fit_power_law"]([r.flops for r in table], [r.params for r in table])
    assert a == pytest.approx(0.50, abs=0.01)


def test_six_nd_reproduces_gpt3_compute() -> None:
    """6 · 175e9 · 300e9 = 3,15e23 FLOPs, within 1 % of GPT-3's published 3,14e23 (Brown et al. 2020, Tab. D.1)."""
    data = runpy.run_path(str(ROOT / "docs_src/1_grundlagen/trainingsdaten.py"))
    assert data["training_flops"](175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)
    assert data["scientific"](3.14e23) == "3,14\u202f·\u202f10²³"


def test_kv_cache_table_matches_hand_computed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """KV table values match hand computation with 2 · layers · kv_heads · head_dim · tokens · 2 Byte.

    Qwen3-4B (36 Schichten, 8 KV-Köpfe, 128): 32.768 Tokens → 4,5 GiB (Faktenblatt §3.2: 4,5 GiB);
    hypothetische MHA mit 32 KV-Köpfen → 18 GiB. Gemma 3 1B mit Fenster 512 (4 globale Schichten × 32.768
    + 22 lokale × 511 Tokens) × 1.024 Byte = 145.729.536 Byte ≈ 139 MiB.
    """
    output = _run_script("docs_src/3_architektur/kv_cache_tabelle.py", monkeypatch)
    lines = output.splitlines()
    qwen_gqa = next(line for line in lines if "Qwen3-4B" in line and "GQA 32/8" in line)
    qwen_mha = next(line for line in lines if "Qwen3-4B" in line and "MHA 32/32" in line)
    gemma_1b = next(line for line in lines if "Gemma 3 1B" in line and "SWA 512" in line)
    assert "4,50\xa0GiB" in qwen_gqa
    assert "18,00\xa0GiB" in qwen_mha
    assert "139\xa0MiB" in gemma_1b


def test_gemma3_window_table_uses_correction_c2() -> None:
    """Gemma 3 window sizes follow fact-sheet correction C2: 512 for 270M and 1B, 1024 for 4B and larger."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        runpy.run_path(str(ROOT / "docs_src/3_architektur/gemma3_fenster_tabelle.py"))
    rows = [line for line in output.getvalue().splitlines() if line.startswith("| Gemma")]
    for row in rows:
        window = row.split("|")[3].strip()
        assert window == ("512" if ("270M" in row or " 1B" in row) else "1.024"), row
