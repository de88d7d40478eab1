"""Tabellen der Seite „RAG“: Index, Treffer mit Quellen, Prompt und Bewertung auf den Testfragen.

Das Skript definiert nur Funktionen; jeder Block der Seite bindet zuerst `rag_pipeline.py` ein und ruft dann
eine davon auf. Alle Zahlen entstehen beim Bauen aus den Seiten unter docs/ und `data/rag_eval.jsonl`.
Kein `from __future__ import annotations` hier: markdown-exec hängt diese Datei an `rag_pipeline.py` an, und
eine solche Zeile ist nur am Anfang einer Datei erlaubt.
"""

from collections import Counter

from slmwiki.formatting import number, percent
from slmwiki.notebook import markdown_table, repo_root
from slmwiki.retrieval import evaluate, load_questions

EXAMPLE = "Welche Pflichten nach der DSGVO bleiben bestehen, auch wenn das Modell lokal läuft?"
SETTINGS = {
    "ohne Stoppwörter, ohne Stemming": {"language": None, "stem": False},
    "deutsche Stoppwörter": {"language": "german", "stem": False},
    "Stoppwörter + Snowball-Stemmer": {"language": "german", "stem": True},
}
KS = (1, 3, 5, 10)


def site_link(source: str) -> str:
    """Link von der Seite `5_Praxis_Guide/rag/` zur Fundstelle, als fertige Adresse der gebauten Website.

    Ausgaben von Codeblöcken schreibt MkDocs nicht um; der Link zeigt deshalb direkt auf den Ordner der
    Zielseite (`seite.md` → `seite/`, `ordner/index.md` → `ordner/`).
    """
    page, _, anchor = source.partition("#")
    folder = page.removesuffix(".md").removesuffix("index").rstrip("/")
    url = "../../" + (folder + "/" if folder else "")
    return f"{url}#{anchor}" if anchor else url


def questions():
    """Die Testfragen aus `data/rag_eval.jsonl`."""
    return load_questions(repo_root() / "data" / "rag_eval.jsonl")


def index_table() -> None:
    """Umfang des Index: Seiten, Abschnitte, Länge der Abschnitte."""
    index = wiki_index()  # noqa: F821 – aus rag_pipeline.py, das die Seite vorher einbindet
    lengths = sorted(len(c.text) for c in index.chunks)
    pages = Counter(c.page for c in index.chunks)
    rows = [
        ("Seiten im Index", number(len(pages))),
        ("Abschnitte (H1 bis H3)", number(len(index.chunks))),
        ("Zeichen je Abschnitt, Median", number(lengths[len(lengths) // 2])),
        ("Zeichen je Abschnitt, größter", number(lengths[-1])),
        ("Testfragen", number(len(questions()))),
    ]
    print(markdown_table(["Größe", "Wert"], rows, align="lr"))


def hits_table(question: str = EXAMPLE, k: int = 3) -> None:
    """Die k besten Abschnitte zu einer Frage mit Rang, BM25-Wert und Quellenangabe."""
    index = wiki_index()  # noqa: F821
    prompt = rag_prompt(index, question, k)  # noqa: F821
    hits = index.search(question, k)
    rows = []
    for hit, cite in zip(hits, prompt.citations, strict=True):
        rows.append((hit.rank, number(hit.score, 2), f"[{cite}]({site_link(hit.chunk.source)})"))
    print(f"**Frage:** {question}\n")
    print(markdown_table(["Rang", "BM25-Wert", "Quelle"], rows, align="rrl"))


def prompt_text(question: str = EXAMPLE, k: int = 3) -> None:
    """Der vollständige Prompt (System- und Nutzer-Nachricht), wie ihn das Chat-Modell erhält."""
    prompt = rag_prompt(wiki_index(), question, k)  # noqa: F821
    print("```text")
    print(f"[system]\n{prompt.system}\n\n[user]\n{prompt.user}")
    print("```")


def evaluation_table() -> None:
    """Trefferquote@k und MRR für drei Einstellungen der Termzerlegung."""
    items = questions()
    rows = []
    for label, options in SETTINGS.items():
        result = evaluate(wiki_index(**options), items, KS)  # noqa: F821
        rows.append(
            (
                label,
                *(percent(result.hit_rate[k], 0) for k in KS),
                number(result.mrr, 2),
                percent(result.page_hit_rate[1], 0),
            )
        )
    headers = ["Termzerlegung", *(f"Treffer@{k}" for k in KS), "MRR@10", "richtige Seite@1"]
    print(markdown_table(headers, rows, align="lrrrrrr"))
    print()
    print(
        f"*Eigene Messung beim Bauen dieser Seite: {number(len(items))} Fragen aus `data/rag_eval.jsonl`, "
        "BM25 (`bm25s`, k1 = 1,5, b = 0,75) über die Abschnitte der Wiki-Seiten. Treffer@k: Anteil der Fragen, "
        "deren Fundstelle unter den ersten k Abschnitten ist; mit einer Fundstelle je Frage ist das zugleich "
        f"Recall@k. Eine Frage entspricht {percent(1 / len(items), 1)}.*"
    )


def misses_table(k: int = 3) -> None:
    """Fragen, deren Fundstelle nicht unter den ersten k Treffern liegt, mit dem stattdessen besten Treffer."""
    index = wiki_index()  # noqa: F821
    items = questions()
    result = evaluate(index, items, (k, 10))
    rows = []
    for item, rank in zip(items, result.ranks, strict=True):
        if rank is None or rank > k:
            top = index.search(item.question, 1)[0].chunk
            rows.append((item.question, item.sources[0], "–" if rank is None else rank, top.source))
    if not rows:
        print(f"Alle Fundstellen liegen unter den ersten {k} Treffern.")
        return
    print(markdown_table(["Frage", "Fundstelle", "Rang", "stattdessen Rang 1"], rows, align="llrl"))
