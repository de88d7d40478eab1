"""Tests für die Seiten „RAG“ und „Serving“: Anker, Fußnoten, ausgeführte Blöcke und ihre Ausgaben."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = {"rag": DOCS / "5_Praxis_Guide" / "rag.md", "serving": DOCS / "5_Praxis_Guide" / "serving.md"}
HEADING = re.compile(r"^(#{2,3})\s+(.*)$")
HEADING_ID = re.compile(r"\{ #([a-z0-9-]+) \}$")
EXEC_BLOCK = re.compile(r'^( *)```python exec="on"\n(.*?)^\1```', re.M | re.S)
SNIPPET = re.compile(r'^\s*--8<-- "([^":]+)"\s*$')


def literature_ids() -> set[str]:
    """Alle `{ #id }`-Anker der Literaturseite."""
    return set(re.findall(r"\{ #([A-Za-z0-9_-]+) \}", (DOCS / "literatur.md").read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_h2_and_h3_has_an_explicit_unique_id(page):
    """Jede Überschrift der Ebenen 2 und 3 außerhalb von Codeblöcken trägt eine eigene ASCII-ID."""
    ids, fenced = [], False
    for line in PAGES[page].read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            found = HEADING_ID.search(match.group(2))
            assert found, f"{page}: Überschrift ohne ID: {line!r}"
            ids.append(found.group(1))
    assert len(ids) == len(set(ids)) and "zusammenfassung" in ids


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_footnote_is_used_and_points_to_an_existing_literature_entry(page):
    """Fußnoten sind definiert und benutzt, und jede verweist auf einen vorhandenen Anker der Literaturseite."""
    text = PAGES[page].read_text(encoding="utf-8")
    definitions = dict(re.findall(r"^\[\^([\w-]+)\]:(.*)$", text, re.M))
    body = re.sub(r"^\[\^[\w-]+\]:.*$", "", text, flags=re.M)
    assert set(re.findall(r"\[\^([\w-]+)\]", body)) == set(definitions)
    anchors = literature_ids()
    for name, definition in definitions.items():
        links = re.findall(r"\]\(\.\./literatur\.md#([A-Za-z0-9_-]+)\)", definition)
        assert links and all(anchor in anchors for anchor in links), name


def run_block(lines: list[str], monkeypatch) -> str:
    """Führt einen exec-Block wie markdown-exec aus: eingebundene Dateien hintereinander, dann die Aufrufe."""
    monkeypatch.chdir(ROOT)
    source = []
    for line in lines:
        match = SNIPPET.match(line)
        source.append((ROOT / match.group(1)).read_text(encoding="utf-8") if match else line.strip())
    code = "\n".join(source)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "block", "exec"), {"__name__": "block"})
    return buffer.getvalue()


def rag_blocks() -> list[list[str]]:
    text = PAGES["rag"].read_text(encoding="utf-8")
    return [m.group(2).strip("\n").splitlines() for m in EXEC_BLOCK.finditer(text)]


@pytest.mark.parametrize("lines", rag_blocks(), ids=lambda lines: lines[-1].strip())
def test_rag_page_blocks_run_offline_and_print_markdown(lines, monkeypatch):
    """Jeder ausgeführte Block der RAG-Seite läuft ohne Netz und gibt eine Tabelle oder einen Codeblock aus."""
    output = run_block(lines, monkeypatch)
    assert re.search(r"^\|[-:| ]+\|$", output, re.M) or output.startswith("```text")


def test_rag_hits_link_to_built_pages_and_prompt_ends_with_the_question(monkeypatch):
    """Die Treffer verlinken die gebauten Seiten (nicht .md), und der Prompt endet mit der Beispielfrage."""
    code = ['--8<-- "docs_src/5_praxis/rag_pipeline.py"', '--8<-- "docs_src/5_praxis/rag_auswertung.py"']
    links = re.findall(r"\]\(([^)]+)\)", run_block([*code, "hits_table()"], monkeypatch))
    assert links and all(link.startswith("../../") and ".md" not in link for link in links)
    prompt = run_block([*code, "prompt_text()"], monkeypatch)
    assert prompt.rstrip().endswith(
        "Frage: " + run_block([*code, "print(EXAMPLE)"], monkeypatch).strip() + "\n```"
    )


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("index.md#colab", "../../#colab"),
        ("glossar.md#nf4", "../../glossar/#nf4"),
        ("5_Praxis_Guide/index.md#seiten", "../../5_Praxis_Guide/#seiten"),
        ("5_Praxis_Guide/hardware.md#gpus", "../../5_Praxis_Guide/hardware/#gpus"),
        ("notebooks/index.md", "../../notebooks/"),
    ],
)
def test_site_link_maps_sources_to_directory_urls(source, url, monkeypatch):
    """Fundstellen werden zu Adressen der Website mit Verzeichnis-URLs, von `5_Praxis_Guide/rag/` aus gesehen."""
    code = ['--8<-- "docs_src/5_praxis/rag_pipeline.py"', '--8<-- "docs_src/5_praxis/rag_auswertung.py"']
    assert run_block([*code, f"print(site_link({source!r}))"], monkeypatch).strip() == url


def serving_output(call: str, monkeypatch) -> str:
    """Ausgabe eines Aufrufs aus `serving_messung.py`, wie ihn ein Block der Serving-Seite macht."""
    return run_block(['--8<-- "docs_src/5_praxis/serving_messung.py"', call], monkeypatch)


def test_serving_decode_table_shows_measured_rates_and_bandwidth_bound(monkeypatch):
    """Die Decode-Tabelle zeigt die Werte der Messdatei und die Obergrenze Bandbreite / Gewichtsbytes.

    Handrechnung aus der Datei: Gemma 3 1B, 1.999.771.904 Byte Gewichte, 4.270,39 GB/s → 2.135 Token/s;
    eager, Batch 32: 924,68 Token/s insgesamt, 28,90 je Anfrage → „925 (29)“. Gemma 3 4B mit Inductor:
    152,08 / 942,52 (117,81 je Anfrage) / 1.787,68 (55,87) → „152 (152) | 943 (118) | 1.788 (56)“.
    """
    output = serving_output("decode_table()", monkeypatch)
    assert "| Gemma 3 1B | dynamischer Cache | 30 (30) | 261 (33) | 925 (29) |" in output
    assert "| Gemma 3 1B | Obergrenze aus Bandbreite, je Anfrage bei Batch 1 | 2.135 |" in output
    assert (
        "| Gemma 3 4B | statischer Cache + torch.compile (Inductor) | 152 (152) | 943 (118) | 1.788 (56) |"
        in output
    )


def test_serving_prefill_table_lists_both_models_for_three_batch_sizes(monkeypatch):
    """Die Prefill-Tabelle hat je Modell eine Zeile mit den Batchgrößen 1, 8 und 32."""
    output = serving_output("prefill_table()", monkeypatch)
    assert "| Modell | Batch 1 | Batch 8 | Batch 32 |" in output
    assert "| Gemma 3 1B | 22.878 | 146.520 | 174.472 |" in output
