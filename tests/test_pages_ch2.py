"""Prüft Kapitel 2 (Komplexitätsreduktion): Gliederung, Formeln, Build-Skripte, Zitate und gezeigte Zahlen.

Die Tests lesen die Markdown-Quelle und führen die eingebundenen Skripte aus `docs_src/2_komplexitaet/` so aus,
wie markdown-exec es beim Bauen tut (Arbeitsverzeichnis = Repository-Wurzel). Erwartete Zahlen sind von Hand
gerechnet oder stammen aus dem Faktenblatt (`slm-facts.md`, Kapitel 2); die Herkunft steht jeweils dabei.
"""

from __future__ import annotations

import functools
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE_DIR = ROOT / "docs" / "2_Komplexitaetsreduktion"
PAGE = PAGE_DIR / "index.md"
SCRIPT_DIR = ROOT / "docs_src" / "2_komplexitaet"
LITERATURE = ROOT / "docs" / "literatur.md"

REQUIRED_SECTION_IDS = [
    "warum",
    "quantisierung",
    "absmax",
    "zero-point",
    "granularitaet",
    "llm-int8",
    "nf4",
    "quantilquantisierung",
    "nf4-codewerte",
    "blockweise",
    "double-quantization",
    "quantisierungsfehler",
    "lora",
    "lora-mathematik",
    "lora-initialisierung",
    "rang-alpha",
    "lora-zielmodule",
    "lora-merge",
    "qlora",
    "qlora-datenfluss",
    "paged-optimizers",
    "speicherbudget",
    "pruning",
    "pruning-unstrukturiert",
    "pruning-2-4",
    "pruning-strukturiert",
    "zusammenfassung",
]

EXEC_BLOCK = re.compile(
    r'^```python exec="on"(?P<html> html="true")?\n(?P<body>.*?)^```$', re.MULTILINE | re.DOTALL
)
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^"]+)"$', re.MULTILINE)
TEXT_SCRIPTS = {"nf4_konstruktion.py", "nf4_nutzung.py"}
"""Skripte, die statt einer Tabelle einen berechneten Satz ausgeben."""
TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", re.MULTILINE)


def _pages() -> list[Path]:
    return sorted(PAGE_DIR.glob("*.md"))


def _text_without_code(text: str) -> str:
    """Entfernt eingezäunte Codeblöcke, damit Kommentare in Code nicht als Überschriften zählen."""
    return re.sub(r"^```.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)


def _exec_blocks() -> list[tuple[Path, bool, str]]:
    """Alle markdown-exec-Blöcke der Kapitelseiten als (Seite, html, eingebundener Skriptpfad)."""
    blocks = []
    for page in _pages():
        for match in EXEC_BLOCK.finditer(page.read_text(encoding="utf-8")):
            for snippet in SNIPPET.finditer(match["body"]):
                blocks.append((page, bool(match["html"]), snippet["path"]))
    return blocks


@functools.cache
def _run_script(relative_path: str) -> str:
    """Führt ein Build-Skript wie markdown-exec aus (cwd = Repository-Wurzel) und liefert seine Ausgabe."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", MPLBACKEND="Agg")
    result = subprocess.run(
        [sys.executable, relative_path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{relative_path} ist fehlgeschlagen:\n{result.stderr}"
    return result.stdout


def _literature_ids() -> set[str]:
    text = LITERATURE.read_text(encoding="utf-8")
    return set(re.findall(r"\{\s*#([A-Za-z0-9_-]+)\s*\}", text)) | set(
        re.findall(r'id="([A-Za-z0-9_-]+)"', text)
    )


def test_every_h2_and_h3_heading_has_an_explicit_ascii_id():
    """Jede Überschrift der Ebenen 2 und 3 trägt eine explizite ASCII-ID der Form `{ #id }`."""
    for page in _pages():
        for line in _text_without_code(page.read_text(encoding="utf-8")).splitlines():
            if line.startswith(("## ", "### ")):
                assert re.search(r"\{ #[a-z0-9][a-z0-9-]* \}$", line), (
                    f"{page.name}: Überschrift ohne ID: {line}"
                )


def test_required_sections_are_present_by_heading_id():
    """Alle Pflichtabschnitte (Quantisierung, NF4, LoRA, QLoRA, Pruning, Zusammenfassung …) sind vorhanden."""
    ids = set()
    for page in _pages():
        ids |= set(
            re.findall(r"^#{1,3} .*\{ #([a-z0-9-]+) \}$", page.read_text(encoding="utf-8"), re.MULTILINE)
        )
    missing = [section for section in REQUIRED_SECTION_IDS if section not in ids]
    assert not missing, f"Fehlende Abschnitte: {missing}"


def test_heading_ids_are_unique():
    """Keine Abschnitts-ID kommt auf einer Seite doppelt vor (sonst wären Anker mehrdeutig)."""
    for page in _pages():
        ids = re.findall(r"\{ #([a-z0-9-]+) \}", page.read_text(encoding="utf-8"))
        assert len(ids) == len(set(ids)), f"{page.name}: doppelte IDs"


def test_summary_is_the_last_section():
    """Die „Zusammenfassung“ ist der letzte Abschnitt der Hauptseite."""
    headings = re.findall(r"^## .*\{ #([a-z0-9-]+) \}$", PAGE.read_text(encoding="utf-8"), re.MULTILINE)
    assert headings[-1] == "zusammenfassung"


def test_page_contains_display_formulas_for_absmax_nf4_and_lora():
    """Die Seiten enthalten abgesetzte LaTeX-Formeln, darunter Absmax-Skala, NF4-Codebuch und LoRA-Zerlegung."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in _pages())
    formulas = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)
    assert len(formulas) >= 5
    joined = "\n".join(formulas)
    assert r"\frac{127}{\max_i |x_i|}" in joined
    assert r"\mathcal{C}_\text{NF4}" in joined
    assert r"\frac{\alpha}{r}\, B A\, x" in joined


def test_page_contains_a_mermaid_diagram_and_admonitions():
    """Der QLoRA-Datenfluss ist als Mermaid-Diagramm enthalten, Kernaussagen stehen in Hinweisboxen."""
    assert re.search(
        r"^```mermaid\nflowchart", (PAGE_DIR / "qlora.md").read_text(encoding="utf-8"), re.MULTILINE
    )
    text = "\n".join(page.read_text(encoding="utf-8") for page in _pages())
    assert len(re.findall(r'^!!! note "Kernaussage"$', text, re.MULTILINE)) >= 3


def test_exec_blocks_include_only_existing_chapter_scripts():
    """Jeder markdown-exec-Block bindet genau ein vorhandenes Skript aus docs_src/2_komplexitaet/ ein."""
    blocks = _exec_blocks()
    assert len(blocks) >= 10
    for page in _pages():
        for match in EXEC_BLOCK.finditer(page.read_text(encoding="utf-8")):
            body = match["body"].strip()
            assert SNIPPET.fullmatch(body), (
                f"{page.name}: exec-Block enthält mehr als eine Snippet-Zeile: {body!r}"
            )
    for _page, _html, path in blocks:
        assert path.startswith("docs_src/2_komplexitaet/"), path
        assert (ROOT / path).is_file(), f"Skript fehlt: {path}"


def test_at_least_two_figures_are_generated_at_build_time():
    """Mindestens zwei Blöcke erzeugen beim Bauen eine Abbildung (html="true")."""
    assert sum(1 for _page, html, _path in _exec_blocks() if html) >= 2


@pytest.mark.parametrize(
    "html,path", [(html, path) for _page, html, path in _exec_blocks()], ids=lambda v: str(v)
)
def test_included_script_runs_and_prints_svg_or_markdown_table(html, path):
    """Jedes eingebundene Skript läuft fehlerfrei und gibt ein SVG (Abbildung) bzw. eine Markdown-Tabelle aus."""
    output = _run_script(path)
    if html:
        assert output.lstrip().startswith("<svg"), f"{path} gibt kein SVG aus"
        assert "<title>" in output
    else:
        if Path(path).name in TEXT_SCRIPTS:
            assert len(output.split()) >= 15, f"{path} gibt keinen Satz aus"
        else:
            assert TABLE_RULE.search(output), f"{path} gibt keine Tabelle aus"
        assert output.strip(), f"{path} gibt nichts aus"


def test_every_footnote_reference_has_a_definition_linking_to_the_literature_page():
    """Jede Fußnote ist definiert, wird benutzt und verweist auf einen vorhandenen Anker in docs/literatur.md."""
    known = _literature_ids()
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        definitions = dict(re.findall(r"^\[\^([^\]]+)\]: (.+)$", text, re.MULTILINE))
        references = set(re.findall(r"\[\^([^\]]+)\](?!:)", text))
        assert references or page == PAGE, f"{page.name}: keine Fußnoten"  # the entry page cites nothing
        assert references == set(definitions), f"{page.name}: {references ^ set(definitions)}"
        for label, definition in definitions.items():
            links = re.findall(r"\]\(\.\./literatur\.md#([A-Za-z0-9_-]+)\)", definition)
            assert links, f"Fußnote {label} verweist nicht auf die Literaturseite"
            for anchor in links:
                assert anchor in known, f"Fußnote {label}: Anker #{anchor} fehlt in docs/literatur.md"


def test_chapter_sources_are_listed_in_the_chapter_2_section_of_the_literature_page():
    """Die Quellen von Kapitel 2 stehen im Abschnitt „Kapitel 2“ der Literaturseite (arXiv-IDs laut Faktenblatt)."""
    text = LITERATURE.read_text(encoding="utf-8")
    section = text[text.index("{ #kap2 }") : text.index("{ #kap3 }")]
    for anchor, arxiv in [
        ("dettmers2022int8", "2208.07339"),
        ("dettmers2023qlora", "2305.14314"),
        ("hu2021lora", "2106.09685"),
        ("frantar2023sparsegpt", "2301.00774"),
        ("sun2023wanda", "2306.11695"),
        ("muralidharan2024minitron", "2407.14679"),
    ]:
        entry = re.search(r"\{ #" + anchor + r" \}\n\n(.*?)(?=\n### |\Z)", section, re.DOTALL)
        assert entry, f"#{anchor} fehlt im Abschnitt Kapitel 2"
        assert f"arXiv:{arxiv}" in entry[1]


def test_no_placeholder_text_in_pages_or_scripts():
    """Weder Seiten noch Build-Skripte enthalten Platzhalter wie TODO, FIXME, XXX oder Lorem ipsum."""
    files = _pages() + sorted(SCRIPT_DIR.glob("*.py"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        for marker in ("TODO", "FIXME", "XXX", "Lorem ipsum", "lorem ipsum"):
            assert marker not in text, f"{path.name} enthält „{marker}“"


def test_double_quant_table_shows_bits_per_parameter_from_the_module():
    """Die Tabelle zeigt 4,5 und 4,127 Bit pro Parameter so, wie bits_per_parameter sie liefert.

    Handrechnung (QLoRA §3, Faktenblatt C1): 4 + 32/64 = 4,5; 4 + 8/64 + 32/(64·256) = 4,126953125 ≈ 4,127;
    Ersparnis 0,373046875 ≈ 0,373 Bit, bei 65 Milliarden Parametern 65e9 · 0,373046875 / 8 ≈ 3,03 GB.
    """
    from slmwiki.formatting import number
    from slmwiki.quantization import bits_per_parameter

    output = _run_script("docs_src/2_komplexitaet/double_quant.py")
    assert number(bits_per_parameter(64, True), 3) in output
    assert number(bits_per_parameter(64, False), 3) in output
    row = next(line for line in output.splitlines() if line.startswith("| Bit pro Parameter"))
    assert [cell.strip() for cell in row.strip("|").split("|")][1:] == ["4,500", "4,127", "0,373"]
    row_65b = next(line for line in output.splitlines() if "65 Milliarden" in line)
    assert row_65b.rstrip(" |").endswith("3,03\xa0GB")


def test_absmax_example_reproduces_the_fact_sheet_calculation():
    """Das Absmax-Beispiel zeigt die Codes 21, −51, 127, 4 und die Rekonstruktion aus dem Faktenblatt (§2.1)."""
    output = _run_script("docs_src/2_komplexitaet/absmax_beispiel.py")
    rows = [line for line in output.splitlines() if line.startswith("| ") and not line.startswith("| Wert")]
    codes = [row.strip("|").split("|")[2].strip() for row in rows]
    restored = [row.strip("|").split("|")[3].strip() for row in rows]
    assert codes == ["21", "-51", "127", "4"]
    assert restored == ["0,496", "-1,205", "3,000", "0,094"]
    assert "42{,}33" in output


def test_nf4_example_and_codebook_match_the_fact_sheet():
    """NF4-Tabelle und Blockbeispiel zeigen die Werte aus dem Faktenblatt (bitsandbytes-Tabelle, Beispiel §2.3)."""
    table = _run_script("docs_src/2_komplexitaet/nf4_tabelle.py")
    # bitsandbytes get_4bit_type("nf4"): −0,6961928…, 0,0795803…, 0,2461123…, 0,7229568… (Faktenblatt §2.3)
    for code, value in [
        (1, "-0,6962"),
        (7, "0,0000"),
        (8, "0,0796"),
        (10, "0,2461"),
        (14, "0,7230"),
        (15, "1,0000"),
    ]:
        assert re.search(rf"^\| {code} \| `{code:04b}` \| {re.escape(value)} \|", table, re.MULTILINE)
    example = _run_script("docs_src/2_komplexitaet/nf4_block_beispiel.py")
    # Faktenblatt: 0,23 / 0,8 = 0,2875 → Code 10 (0,2461) → 0,2461 · 0,8 ≈ 0,197
    assert "| 0,2875 |" in example
    assert "| 10 (`1010`) |" in example
    assert "| 0,1969 |" in example


def test_lora_layer_table_matches_the_hand_computed_gemma_example():
    """Gemma-3-1B-q_proj: 1152 · 1024 = 1.179.648 Parameter voll, 16 · (1152 + 1024) = 34.816 mit r = 16 (≈ 2,95 %)."""
    output = _run_script("docs_src/2_komplexitaet/lora_schicht.py")
    assert "| 1.179.648 |" in output
    assert re.search(r"^\| LoRA, \$r = 16\$ \| 34\.816 \| 2,95\xa0% \|$", output, re.MULTILINE)


def test_int4_absmax_helper_rounds_to_the_seven_level_grid():
    """Der INT4-Vergleich im Fehlerexperiment quantisiert auf (−7 … 7)/7 · absmax; Werte von Hand gerechnet."""
    experiment = runpy.run_path(str(SCRIPT_DIR / "fehler_experiment.py"))
    roundtrip = experiment["absmax_int4_roundtrip"]
    # Block [0,7; −0,35; 0,1; 0,0]: s = 7/0,7 = 10 → Codes [7; −4 (−3,5 zur geraden Zahl); 1; 0] → /10
    result = roundtrip(np.array([0.7, -0.35, 0.1, 0.0], dtype=np.float32), block_size=4)
    np.testing.assert_allclose(result, [0.7, -0.4, 0.1, 0.0], atol=1e-6)
    # Ein Block aus Nullen bleibt null; der zweite Block [1,4; −0,6] hat s = 7/1,4 = 5 → Codes [7; −3] → /5.
    result = roundtrip(np.array([0.0, 0.0, 1.4, -0.6], dtype=np.float32), block_size=2)
    np.testing.assert_allclose(result, [0.0, 0.0, 1.4, -0.6], atol=1e-6)


def test_error_table_shows_nf4_below_int4_at_equal_bit_budget():
    """Bei gleichem Bitbudget (4,5 Bit) zeigt die Fehlertabelle für NF4 einen kleineren RMSE als für INT4-Absmax."""
    output = _run_script("docs_src/2_komplexitaet/fehler_tabelle.py")
    rows = {
        line.strip("|").split("|")[0].strip(): line.strip("|").split("|")
        for line in output.splitlines()
        if line.startswith("| ") and "Verfahren" not in line
    }

    def rmse(name: str) -> float:
        return float(rows[name][2].replace("\xa0σ", "").replace(",", "."))

    assert rows["NF4"][1].strip() == rows["INT4-Absmax"][1].strip() == "4,500"
    assert rmse("NF4") < rmse("INT4-Absmax")


def test_memory_table_shows_16_bytes_per_parameter_for_full_fine_tuning():
    """Volles Fine-Tuning von Gemma 3 1B: 4 + 4 + 8 Byte je Parameter, die Summe stammt aus estimate_training_memory.

    Parameterzahl 999.885.952 aus der Projektmessung (`qlora_measurement_log.txt`, echtes HF-Modell):
    · 4 Byte / 2³⁰ = 3,72 GiB (Gewichte, Gradienten), · 8 Byte / 2³⁰ = 7,45 GiB (zwei AdamW-Momente).
    """
    from slmwiki.formatting import gib
    from slmwiki.memory import estimate_training_memory

    output = _run_script("docs_src/2_komplexitaet/speicher_tabelle.py")
    header = next(line for line in output.splitlines() if line.startswith("| Posten"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    rows = {
        line.strip("|").split("|")[0].strip(): [cell.strip() for cell in line.strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith("| ") and not line.startswith("| Posten")
    }
    full = columns.index("gemma-3-1b<br>volles Fine-Tuning")
    assert rows["Gewichte"][full] == "3,72\xa0GiB"
    assert rows["Gradienten"][full] == "3,72\xa0GiB"
    assert rows["Optimierer-Zustände"][full] == "7,45\xa0GiB"
    qlora = columns.index("qwen3-4b<br>QLoRA (NF4-Basis)")
    expected = estimate_training_memory("qwen3-4b", method="qlora", seq_len=1024, batch=1, r=16).total
    assert rows["**Summe**"][qlora] == f"**{gib(expected)}**"


def test_lora_table_matches_the_trainable_parameters_peft_reported():
    """Bei r = 16 an allen linearen Schichten zeigt die Tabelle die von peft gemeldeten Zahlen.

    Projektmessung (`qlora_measurement_log.txt`, peft auf den echten Modellen): Gemma 3 1B 13.045.760,
    Qwen3-4B 33.030.144, Phi-4-mini 23.068.672 trainierbare Parameter → 13,0 / 33,0 / 23,1 Mio.
    """
    output = _run_script("docs_src/2_komplexitaet/lora_modelle.py")
    cells = {
        line.strip("|").split("|")[0].strip(): [cell.strip() for cell in line.strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith("| ") and not line.startswith("| Modell")
    }
    assert cells["gemma-3-1b"][3].startswith("13,0\xa0Mio.")
    assert cells["qwen3-4b"][3].startswith("33,0\xa0Mio.")
    assert cells["phi-4-mini"][3].startswith("23,1\xa0Mio.")
