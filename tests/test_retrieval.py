"""Tests für `slmwiki.retrieval`: Abschnitte, BM25-Rangfolge, Kennzahlen, Quellenangaben, Prompt, Fragen."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from slmwiki.errors import ConfigError, DataError
from slmwiki.retrieval import (
    SYSTEM_PROMPT,
    WIKI_EXCLUDE,
    BM25Index,
    Chunk,
    Hit,
    Question,
    build_prompt,
    chunk_markdown,
    citation,
    evaluate,
    load_chunks,
    load_questions,
    slugify,
)

REPO = Path(__file__).resolve().parents[1]

PAGE = """# Hardware { #hardware }

Einleitung der Seite mit [Link](../x.md#y) und Fußnote.[^quelle]

!!! warning "Keine Rechtsberatung"
    Eingerückter Hinweistext.

## Speicherposten { #speicherposten }

Gewichte und Adapter.

```bash
# Kommentar im Code ist keine Überschrift
slmwiki memory
```

```python exec="on"
--8<-- "docs_src/5_praxis/tabelle.py"
tabelle()
```

### Größe & Speicher

Text unter H3.

#### Feinheit

Text unter H4.

## Leer { #leer }

--8<-- "includes/nur_einbindung.md"

## Schluss { #schluss }

Ende.

[^quelle]: Eine Quelle – siehe [Literatur](../literatur.md#x).
*[GPU]: Graphics Processing Unit
"""


def chunk(text: str, name: str) -> Chunk:
    """Ein Abschnitt ohne Titel, damit nur `text` in den Index eingeht."""
    return Chunk(page=f"{name}.md", anchor="a", title="", page_title="", text=text)


#: Winziger Korpus für die Handrechnung: d0 hat 3, d1 2, d2 4 Terme (avgdl = 3, N = 3).
TINY = [
    chunk("hund bellt laut", "d0"),
    chunk("katze schläft", "d1"),
    chunk("hund katze spielen garten", "d2"),
]


def test_chunks_follow_headings_and_skip_code_directives_and_empty_sections():
    """Geschnitten wird an H1–H3; H4, Code-Kommentare und leere Abschnitte erzeugen keinen Abschnitt."""
    chunks = chunk_markdown(PAGE, "5_Praxis_Guide/hardware.md")
    assert [c.source for c in chunks] == [
        "5_Praxis_Guide/hardware.md#hardware",
        "5_Praxis_Guide/hardware.md#speicherposten",
        "5_Praxis_Guide/hardware.md#groe-speicher",
        "5_Praxis_Guide/hardware.md#schluss",
    ]
    by_anchor = {c.anchor: c for c in chunks}
    assert by_anchor["hardware"].text == (
        "Einleitung der Seite mit Link und Fußnote.\n\nKeine Rechtsberatung\n    Eingerückter Hinweistext."
    )
    assert by_anchor["schluss"].text == "Ende."
    speicher = by_anchor["speicherposten"].text
    assert "# Kommentar im Code ist keine Überschrift" in speicher
    assert "tabelle()" not in speicher and "--8<--" not in speicher
    assert by_anchor["groe-speicher"].title == "Größe & Speicher"
    assert by_anchor["groe-speicher"].text == "Text unter H3.\n\nFeinheit\n\nText unter H4."
    assert all(c.page_title == "Hardware" for c in chunks)


def test_max_level_two_keeps_h3_inside_its_parent():
    """Mit `max_level=2` gehört die H3-Überschrift samt Text zum vorangehenden H2-Abschnitt."""
    anchors = [c.anchor for c in chunk_markdown(PAGE, "p.md", max_level=2)]
    assert anchors == ["hardware", "speicherposten", "schluss"]


@pytest.mark.parametrize("level", [0, 7, 2.0, True])
def test_invalid_max_level_is_rejected_in_german(level):
    """Ebenen außerhalb 1–6 oder keine ganze Zahl ergeben eine deutsche Fehlermeldung."""
    with pytest.raises(ConfigError, match="max_level"):
        chunk_markdown(PAGE, "p.md", max_level=level)


def test_slugify_matches_python_markdown_toc():
    """Anker ohne eigenes `{ #id }` entstehen wie bei Python-Markdown (Vergleich mit dessen `slugify`)."""
    toc = pytest.importorskip("markdown.extensions.toc")
    for title in ["Größe & Speicher", "Selbst rechnen: `slmwiki costs`", "Rang *r* und α"]:
        assert slugify(title) == toc.slugify(title.replace("`", ""), "-").replace("*", "")
    assert slugify("Größe & Speicher") == "groe-speicher"


def test_bm25_ranking_and_scores_match_hand_computation():
    """Rangfolge und Werte folgen der Handrechnung mit k1 = 1,5, b = 0,75 und Lucene-IDF.

    idf(hund) = idf(katze) = ln(1 + 1,5/2,5) = ln 1,6; Termanteil tf/(tf + 1,5·(0,25 + 0,75·|d|/3)):
    d0 (|d| = 3) 1/2,5, d1 (|d| = 2) 1/2,125, d2 (|d| = 4) 1/2,875 je Term.
    """
    index = BM25Index(TINY, language=None, stem=False)
    hits = index.search("hund katze", k=3)
    assert [h.chunk.page for h in hits] == ["d2.md", "d1.md", "d0.md"]
    assert [h.rank for h in hits] == [1, 2, 3]
    expected = [2 * math.log(1.6) / 2.875, math.log(1.6) / 2.125, math.log(1.6) / 2.5]
    assert [h.score for h in hits] == pytest.approx(expected, rel=1e-5)


def test_chunks_without_a_shared_term_are_not_hits():
    """Nur Abschnitte mit mindestens einem Anfrageterm erscheinen; unbekannte Wörter ergeben nichts."""
    index = BM25Index(TINY, language=None, stem=False)
    hits = index.search("garten", k=3)
    assert [h.chunk.page for h in hits] == ["d2.md"]
    assert hits[0].score == pytest.approx(math.log(1 + 2.5 / 1.5) / 2.875, rel=1e-5)
    assert index.search("zebra", k=3) == []


def test_german_stemming_joins_inflected_forms_and_stop_words_are_dropped():
    """Mit Snowball-Stemmer findet „Modelle“ den Abschnitt mit „Modell“; ohne Stemmer nicht."""
    corpus = [chunk("Ein kleines Modell auf der GPU", "m"), chunk("Daten im Chat-Format", "d")]
    assert [h.chunk.page for h in BM25Index(corpus).search("Welche Modelle?", 2)] == ["m.md"]
    assert BM25Index(corpus, stem=False).search("Welche Modelle?", 2) == []
    assert BM25Index(corpus).tokenize(["der die das und Modelle"]) == [["modell"]]


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_search_rejects_invalid_k_and_empty_query(k):
    """Ungültiges `k` und eine leere Anfrage ergeben deutsche Fehlermeldungen."""
    index = BM25Index(TINY, language=None, stem=False)
    with pytest.raises(ConfigError, match="„k“"):
        index.search("hund", k=k)
    with pytest.raises(ConfigError, match="leer"):
        index.search("  ", k=1)


def test_index_needs_chunks_and_a_language_for_stemming():
    """Ein leerer Korpus und Stemming ohne Sprache werden abgelehnt."""
    with pytest.raises(ConfigError, match="mindestens einen Abschnitt"):
        BM25Index([])
    with pytest.raises(ConfigError, match="Sprache"):
        BM25Index(TINY, language=None, stem=True)


def test_evaluation_metrics_match_hand_computation():
    """Trefferquote, Recall@k und MRR auf vier Fragen mit bekannter Rangfolge (Handrechnung im Kommentar).

    „hund katze“ → d1 auf Rang 2; „garten“ → d2 auf Rang 1; „zebra“ → kein Treffer;
    „hund“ → d0 (0,188) vor d2 (0,163), beide gesucht. MRR = (1/2 + 1 + 0 + 1)/4 = 0,625.
    """
    index = BM25Index(TINY, language=None, stem=False)
    questions = [
        Question("hund katze", ("d1.md#a",)),
        Question("garten", ("d2.md#a",)),
        Question("zebra", ("d0.md#a",)),
        Question("hund", ("d0.md#a", "d2.md#a")),
    ]
    result = evaluate(index, questions, ks=(1, 3))
    assert result.ranks == (2, 1, None, 1)
    assert result.hit_rate == {1: pytest.approx(2 / 4), 3: pytest.approx(3 / 4)}
    assert result.recall == {1: pytest.approx((0 + 1 + 0 + 0.5) / 4), 3: pytest.approx((1 + 1 + 0 + 1) / 4)}
    assert result.mrr == pytest.approx(0.625)
    assert result.depth == 3


def test_evaluation_rejects_empty_questions_and_bad_ks():
    """Ohne Fragen oder mit k ≤ 0 gibt es keine Bewertung."""
    index = BM25Index(TINY, language=None, stem=False)
    with pytest.raises(ConfigError, match="mindestens eine Frage"):
        evaluate(index, [])
    with pytest.raises(ConfigError, match="„ks“"):
        evaluate(index, [Question("hund", ("d0.md#a",))], ks=(0,))


def test_citation_names_number_titles_and_source():
    """Die Quellenangabe nennt Nummer, Seiten- und Abschnittstitel und die Fundstelle."""
    section = Chunk("5_Praxis_Guide/hardware.md", "speicherposten", "Speicherposten", "Hardware", "…")
    top = Chunk("5_Praxis_Guide/hardware.md", "hardware", "Hardware", "Hardware", "…")
    assert citation(2, section) == "[2] Hardware › Speicherposten (5_Praxis_Guide/hardware.md#speicherposten)"
    assert citation(1, top) == "[1] Hardware (5_Praxis_Guide/hardware.md#hardware)"


def test_prompt_numbers_sources_in_order_shortens_long_text_and_ends_with_question():
    """Quellen stehen nummeriert vor der Frage; zu lange Texte enden an einer Wortgrenze mit „…“."""
    long = Chunk("b.md", "b", "B", "Seite B", "eins zwei drei vier fünf sechs")
    short = Chunk("a.md", "a", "A", "Seite A", "Kurzer\nText.")
    prompt = build_prompt(" Was gilt? ", [Hit(1, 2.0, short), Hit(2, 1.0, long)], max_chars=14)
    assert prompt.system == SYSTEM_PROMPT
    assert prompt.citations == ("[1] Seite A › A (a.md#a)", "[2] Seite B › B (b.md#b)")
    assert prompt.user == (
        "Quellen:\n\n[1] Seite A › A (a.md#a)\nKurzer Text.\n\n[2] Seite B › B (b.md#b)\neins zwei drei …"
        "\n\nFrage: Was gilt?"
    )


def test_prompt_needs_question_and_hits():
    """Ohne Frage oder ohne Treffer entsteht kein Prompt."""
    hit = Hit(1, 1.0, TINY[0])
    with pytest.raises(ConfigError, match="Frage"):
        build_prompt(" ", [hit])
    with pytest.raises(ConfigError, match="Quellen"):
        build_prompt("Was?", [])
    with pytest.raises(ConfigError, match="max_chars"):
        build_prompt("Was?", [hit], max_chars=0)


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "fragen.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_questions_load_in_order_and_skip_blank_lines(tmp_path):
    """Gültige Zeilen kommen in Dateireihenfolge zurück, Leerzeilen entfallen."""
    lines = [
        json.dumps({"question": " Was? ", "sources": ["a.md#x"]}),
        "",
        json.dumps({"question": "Wie?", "sources": ["b.md", "c.md#y"]}),
    ]
    assert load_questions(write(tmp_path, lines)) == [
        Question("Was?", ("a.md#x",)),
        Question("Wie?", ("b.md", "c.md#y")),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{kein json", "Zeile 2: kein gültiges JSON"),
        ('["a"]', "Zeile 2: erwartet wird ein Objekt"),
        ('{"question": "", "sources": ["a.md"]}', "Zeile 2: „question“"),
        ('{"question": "Was?", "sources": []}', "Zeile 2: „sources“"),
        ('{"question": "Was?", "sources": "a.md"}', "Zeile 2: „sources“"),
    ],
)
def test_bad_question_lines_name_file_and_line(tmp_path, line, message):
    """Fehlerhafte Zeilen melden Datei und Zeilennummer auf Deutsch."""
    good = json.dumps({"question": "Was?", "sources": ["a.md"]})
    with pytest.raises(DataError, match=message):
        load_questions(write(tmp_path, [good, line]))


def test_missing_or_empty_question_file_and_docs_dir_are_reported(tmp_path):
    """Eine fehlende oder leere Fragendatei und ein Ordner ohne Seiten ergeben deutsche Meldungen."""
    with pytest.raises(DataError, match="existiert nicht"):
        load_questions(tmp_path / "fehlt.jsonl")
    with pytest.raises(DataError, match="keine Frage"):
        load_questions(write(tmp_path, [""]))
    with pytest.raises(DataError, match="existiert nicht"):
        load_chunks(tmp_path / "fehlt")
    with pytest.raises(DataError, match="keine Markdown-Seite"):
        load_chunks(tmp_path)


def test_shipped_questions_point_to_existing_sections_of_the_wiki():
    """Jede der mindestens 20 Fragen nennt Abschnitte, die es im Wiki gibt."""
    questions = load_questions(REPO / "data" / "rag_eval.jsonl")
    sources = {c.source for c in load_chunks(REPO / "docs", exclude=WIKI_EXCLUDE)}
    assert len(questions) >= 20
    assert [s for q in questions for s in q.sources if s not in sources] == []


def test_wiki_retrieval_finds_most_answers_in_the_top_five():
    """Die Suche über die echten Seiten findet für die meisten Fragen die Fundstelle unter den ersten drei."""
    questions = load_questions(REPO / "data" / "rag_eval.jsonl")
    index = BM25Index(load_chunks(REPO / "docs", exclude=WIKI_EXCLUDE))
    result = evaluate(index, questions, ks=(1, 3))
    assert result.hit_rate[3] >= 0.75
    assert result.hit_rate[1] < result.hit_rate[3]


@pytest.mark.parametrize(
    ("max_chars", "shown"),
    [(30, "eins zwei drei vier fünf sechs"), (14, "eins zwei drei …"), (12, "eins zwei …"), (3, "ein …")],
)
def test_source_text_is_cut_at_the_last_whole_word(max_chars, shown):
    """Gekürzt wird hinter dem letzten ganzen Wort; ein einzelnes zu langes Wort wird hart geschnitten."""
    text = "eins zwei drei vier fünf sechs"
    prompt = build_prompt("Was?", [Hit(1, 1.0, Chunk("b.md", "b", "B", "B", text))], max_chars=max_chars)
    assert prompt.user.split("\n")[3] == shown
