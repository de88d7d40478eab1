"""RAG über die Seiten dieses Wikis: Index bauen, suchen, Prompt bilden, generieren (Kapitel 5, RAG).

Die Seite bindet die markierten Abschnitte als Code ein und führt dieselben Funktionen beim Bauen aus.
Suche und Prompt laufen offline auf der CPU; `generate_answer` lädt ein Chat-Modell und ist für die GPU oder
Colab gedacht (beim Bauen der Website wird es nicht aufgerufen).
"""

from __future__ import annotations

from slmwiki.notebook import repo_root
from slmwiki.retrieval import WIKI_EXCLUDE, BM25Index, Prompt, build_prompt, load_chunks


# --8<-- [start:index]
def wiki_index(stem: bool = True, language: str | None = "german") -> BM25Index:
    """BM25-Index über alle Seiten unter docs/, an den Überschriften H1 bis H3 zerlegt."""
    chunks = load_chunks(repo_root() / "docs", max_level=3, exclude=WIKI_EXCLUDE)
    return BM25Index(chunks, language=language, stem=stem)


# --8<-- [end:index]


# --8<-- [start:prompt]
def rag_prompt(index: BM25Index, question: str, k: int = 3) -> Prompt:
    """Sucht die k besten Abschnitte und setzt sie nummeriert mit Quellenangabe vor die Frage."""
    return build_prompt(question, index.search(question, k), max_chars=1200)


# --8<-- [end:prompt]


# --8<-- [start:generate]
def generate_answer(index: BM25Index, question: str, model: str = "google/gemma-3-1b-it") -> str:
    """Beantwortet die Frage mit einem Chat-Modell aus den gefundenen Quellen (GPU oder Colab)."""
    from slmwiki.inference import generate, load_for_inference

    prompt = rag_prompt(index, question)
    llm, tokenizer = load_for_inference(model)
    return generate(llm, tokenizer, prompt.user, system=prompt.system, temperature=0, max_new_tokens=300)


# --8<-- [end:generate]
