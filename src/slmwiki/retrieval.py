"""Retrieval für Retrieval-Augmented Generation (RAG) über Markdown-Seiten.

Das Modul deckt die Schritte vor der Generierung ab, die ohne GPU laufen:

- `chunk_markdown`, `load_chunks`: Markdown-Seiten an ihren Überschriften in Abschnitte zerlegen; jeder
  Abschnitt trägt Seite und Anker als Quelle.
- `BM25Index`: lexikalische Suche mit BM25 (Bibliothek `bm25s`), wahlweise mit deutschen Stoppwörtern und
  dem Snowball-Stemmer (Bibliothek `PyStemmer`).
- `load_questions`, `evaluate`: Fragen mit bekannter Fundstelle laden und die Suche mit Trefferquote,
  Recall@k und MRR bewerten.
- `build_prompt`, `citation`: die gefundenen Abschnitte nummeriert und mit Quellenangabe zu einem Prompt
  zusammensetzen, den ein Chat-Modell (z. B. mit `slmwiki.inference.generate`) beantwortet.

Das Modul importiert weder torch noch transformers.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from slmwiki.errors import ConfigError, DataError

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
_ATTR_ID = re.compile(r"\s*\{[^}]*#([A-Za-z0-9_-]+)[^}]*\}\s*$")
_DIRECTIVE = re.compile(r"^\s*(--8<--|:::|\[\^[^\]]+\]:|\*\[[^\]]+\]:)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ADMONITION = re.compile(r"^(\s*)(?:!!!|\?\?\?\+?)\s+[\w-]+(?:\s+\"([^\"]*)\")?\s*$")

SYSTEM_PROMPT = (
    "Sie beantworten Fragen ausschließlich auf Grundlage der nummerierten Quellen. Belegen Sie jede Aussage "
    "mit der Nummer ihrer Quelle in eckigen Klammern, z. B. [1]. Steht die Antwort nicht in den Quellen, "
    "sagen Sie das, statt zu raten."
)
"""System-Nachricht des RAG-Prompts: nur aus den Quellen antworten, jede Aussage belegen."""

WIKI_EXCLUDE = ("literatur.md", "changelog.md", "referenz/")
"""Seiten des Wikis, die der Beispielindex auslässt: Literaturangaben, Änderungsliste und API-Referenz
enthalten Titel und Verweise, aber keine Antworten."""


@dataclass(frozen=True)
class Chunk:
    """Ein Abschnitt einer Seite: der Text unter einer Überschrift bis zur nächsten.

    Attributes:
        page: Pfad der Seite relativ zum Dokumentordner, z. B. ``5_Praxis_Guide/hardware.md``.
        anchor: Anker der Überschrift (leer für Text vor der ersten Überschrift).
        title: Text der Überschrift ohne Attribut-Block.
        page_title: Titel der Seite (ihre erste Überschrift der Ebene 1).
        text: Fließtext des Abschnitts ohne ausgeführte Codeblöcke.
    """

    page: str
    anchor: str
    title: str
    page_title: str
    text: str

    @property
    def source(self) -> str:
        """Fundstelle als ``seite.md#anker`` – die Form, in der Fragen ihre Antwort angeben."""
        return f"{self.page}#{self.anchor}" if self.anchor else self.page


@dataclass(frozen=True)
class Hit:
    """Ein Suchtreffer.

    Attributes:
        rank: Rang in der Trefferliste, beginnend bei 1.
        score: BM25-Wert (größer ist besser).
        chunk: Der gefundene Abschnitt.
    """

    rank: int
    score: float
    chunk: Chunk


@dataclass(frozen=True)
class Question:
    """Eine Frage mit den Abschnitten, die sie beantworten.

    Attributes:
        question: Die Frage im Wortlaut.
        sources: Fundstellen als ``seite.md#anker``; jede davon beantwortet die Frage.
    """

    question: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Prompt:
    """Ein zusammengesetzter RAG-Prompt.

    Attributes:
        system: System-Nachricht mit der Anweisung, nur aus den Quellen zu antworten.
        user: Nutzer-Nachricht mit den nummerierten Quellen und der Frage.
        citations: Quellenangaben in der Reihenfolge ihrer Nummern.
    """

    system: str
    user: str
    citations: tuple[str, ...]


def slugify(title: str, separator: str = "-") -> str:
    """Bildet den Anker einer Überschrift ohne eigenes ``{ #id }`` so wie Python-Markdowns `toc`.

    Umlaute werden wie dort nach Unicode-Zerlegung (NFKD) auf ASCII reduziert („Größe“ → „groe“).

    Args:
        title: Text der Überschrift.
        separator: Trennzeichen zwischen Wörtern.

    Returns:
        Den Anker in Kleinbuchstaben.
    """
    text = re.sub(r"`([^`]*)`", r"\1", title)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(rf"[{re.escape(separator)}\s]+", separator, text)


def _heading(line: str) -> tuple[int, str, str] | None:
    match = _HEADING.match(line)
    if not match:
        return None
    raw = match.group(2)
    attr = _ATTR_ID.search(raw)
    title = raw[: attr.start()].strip() if attr else raw.strip()
    title = title.rstrip("#").strip()
    return len(match.group(1)), title, attr.group(1) if attr else slugify(title)


def _plain(line: str) -> str:
    admonition = _ADMONITION.match(line)
    if admonition:
        return admonition.group(1) + (admonition.group(2) or "")
    return _LINK.sub(r"\1", _FOOTNOTE_REF.sub("", line))


def chunk_markdown(markdown: str, page: str, max_level: int = 3) -> list[Chunk]:
    """Zerlegt eine Markdown-Seite an ihren Überschriften in Abschnitte.

    Ein Abschnitt reicht von einer Überschrift der Ebene 1 bis `max_level` bis zur nächsten solchen
    Überschrift; tiefere Überschriften bleiben Teil des umgebenden Abschnitts. Zeilen mit ``#`` in
    Codeblöcken sind keine Überschriften. Ausgeführte Codeblöcke (``exec="on"``), Mermaid-Diagramme,
    Einbinde-Zeilen (``--8<--``, ``:::``) sowie Fußnoten- und Abkürzungsdefinitionen tragen keinen Text bei;
    von Links bleibt der Linktext, von Hinweisboxen (``!!! note "Titel"``) der Titel, Fußnotenverweise
    entfallen. Abschnitte ohne Text entfallen.

    Args:
        markdown: Inhalt der Seite.
        page: Pfad der Seite relativ zum Dokumentordner (wird Teil der Fundstelle).
        max_level: Tiefste Überschriftenebene, an der geschnitten wird (1 bis 6).

    Returns:
        Die Abschnitte in der Reihenfolge der Seite.

    Raises:
        ConfigError: Wenn `max_level` nicht zwischen 1 und 6 liegt.
    """
    if isinstance(max_level, bool) or not isinstance(max_level, int) or not 1 <= max_level <= 6:
        raise ConfigError(f"„max_level“ muss eine ganze Zahl von 1 bis 6 sein, erhalten: {max_level!r}.")
    sections: list[tuple[str, str, list[str]]] = [("", "", [])]
    page_title = ""
    fence: str | None = None
    skip_fence = False
    for line in markdown.splitlines():
        fence_match = _FENCE.match(line)
        if fence is None and fence_match:
            fence = fence_match.group(1)
            info = fence_match.group(2)
            skip_fence = 'exec="on"' in info or info.strip().startswith("mermaid")
            continue
        if fence is not None:
            if fence_match and fence_match.group(1).startswith(fence) and not fence_match.group(2).strip():
                fence, skip_fence = None, False
            elif not skip_fence:
                sections[-1][2].append(line)
            continue
        heading = _heading(line)
        if heading and heading[0] <= max_level:
            level, title, anchor = heading
            if level == 1 and not page_title:
                page_title = title
            sections.append((anchor, title, []))
            continue
        if heading:
            sections[-1][2].append(heading[1])
        elif not _DIRECTIVE.match(line):
            sections[-1][2].append(_plain(line))
    chunks = []
    for anchor, title, lines in sections:
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        if text:
            chunks.append(Chunk(page, anchor, title or page_title, page_title or page, text))
    return chunks


def load_chunks(docs_dir: str | Path, max_level: int = 3, exclude: Iterable[str] = ()) -> list[Chunk]:
    """Liest alle Markdown-Seiten unter `docs_dir` (rekursiv, sortiert) und zerlegt sie in Abschnitte.

    Args:
        docs_dir: Dokumentordner, z. B. ``docs``.
        max_level: Tiefste Überschriftenebene, an der geschnitten wird.
        exclude: Seitenpfade relativ zu `docs_dir` oder Ordner mit Schrägstrich am Ende
            (z. B. ``referenz/``), die nicht in den Index sollen.

    Returns:
        Alle Abschnitte aller Seiten.

    Raises:
        DataError: Wenn der Ordner fehlt oder keine Markdown-Seite enthält.
    """
    root = Path(docs_dir)
    if not root.is_dir():
        raise DataError(f"Der Dokumentordner „{root}“ existiert nicht.")
    skipped = tuple(exclude)
    chunks: list[Chunk] = []
    pages = 0
    for path in sorted(root.rglob("*.md")):
        page = path.relative_to(root).as_posix()
        if any(page == item or (item.endswith("/") and page.startswith(item)) for item in skipped):
            continue
        pages += 1
        chunks.extend(chunk_markdown(path.read_text(encoding="utf-8"), page, max_level))
    if not pages:
        raise DataError(f"Im Dokumentordner „{root}“ liegt keine Markdown-Seite (*.md).")
    return chunks


class BM25Index:
    """BM25-Suche über Abschnitte mit `bm25s` (Variante „lucene“, Kamphuis et al. 2020).

    Der Wert eines Abschnitts d für die Anfrage q ist die Summe über die Anfrage-Terme t in d von
    ``ln(1 + (N − df + 0,5) / (df + 0,5)) · tf / (tf + k1 · (1 − b + b · |d| / avgdl))``.

    Args:
        chunks: Die zu durchsuchenden Abschnitte.
        language: Sprache der Stoppwörter und des Stemmers, z. B. ``"german"``; ``None`` = keine.
        stem: Den Snowball-Stemmer der Sprache anwenden („Modelle“ und „Modell“ werden gleich).
        k1: Sättigung der Termhäufigkeit (Standard 1,5).
        b: Stärke der Längennormierung (Standard 0,75).

    Raises:
        ConfigError: Wenn keine Abschnitte übergeben werden oder `stem` ohne Sprache gesetzt ist.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        *,
        language: str | None = "german",
        stem: bool = True,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        import bm25s

        if not chunks:
            raise ConfigError("Der Index braucht mindestens einen Abschnitt.")
        if stem and not language:
            raise ConfigError("„stem“ braucht eine Sprache („language“).")
        self.chunks = list(chunks)
        self.language = language
        self._stemmer = None
        if stem:
            import Stemmer

            self._stemmer = Stemmer.Stemmer(language)
        self._bm25 = bm25s.BM25(method="lucene", k1=k1, b=b)
        self._bm25.index(self.tokenize([_index_text(c) for c in self.chunks]), show_progress=False)

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """Zerlegt Texte so in Terme, wie der Index sie sieht.

        Args:
            texts: Texte.

        Returns:
            Je Text die Liste seiner Terme (klein geschrieben, ohne Stoppwörter, ggf. gestemmt).
        """
        import bm25s

        return bm25s.tokenize(
            list(texts),
            stopwords=self.language or [],
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Sucht die `k` besten Abschnitte zu einer Anfrage.

        Args:
            query: Die Anfrage, z. B. eine Frage.
            k: Höchstzahl der Treffer.

        Returns:
            Die Treffer nach absteigendem Wert; Abschnitte ohne gemeinsamen Term fehlen.

        Raises:
            ConfigError: Bei leerer Anfrage oder ungültigem `k`.
        """
        if not query or not query.strip():
            raise ConfigError("Die Anfrage darf nicht leer sein.")
        if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
            raise ConfigError(f"„k“ muss eine ganze Zahl größer als 0 sein, erhalten: {k!r}.")
        tokens = self.tokenize([query])
        if not tokens[0]:
            return []
        k = min(k, len(self.chunks))
        ids, scores = self._bm25.retrieve(tokens, k=k, show_progress=False)
        hits = []
        for doc, score in zip(ids[0], scores[0], strict=True):
            if score > 0:
                hits.append(Hit(len(hits) + 1, float(score), self.chunks[int(doc)]))
        return hits


def _index_text(chunk: Chunk) -> str:
    return f"{chunk.page_title}\n{chunk.title}\n{chunk.text}"


def load_questions(path: str | Path) -> list[Question]:
    """Lädt Fragen mit Fundstellen aus einer JSONL-Datei.

    Jede Zeile ist ein Objekt ``{"question": "…", "sources": ["seite.md#anker", …]}``.

    Args:
        path: Pfad der Datei.

    Returns:
        Die Fragen in der Reihenfolge der Datei.

    Raises:
        DataError: Wenn die Datei fehlt, leer ist oder eine Zeile nicht dem Format entspricht.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"Die Fragendatei „{file}“ existiert nicht.")
    questions = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"„{file}“, Zeile {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: kein gültiges JSON ({exc.msg}).") from None
        if not isinstance(record, dict):
            raise DataError(f"{where}: erwartet wird ein Objekt mit „question“ und „sources“.")
        question = record.get("question")
        sources = record.get("sources")
        if not isinstance(question, str) or not question.strip():
            raise DataError(f"{where}: „question“ muss ein nicht leerer Text sein.")
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(s, str) and s.strip() for s in sources)
        ):
            raise DataError(f"{where}: „sources“ muss eine nicht leere Liste von Fundstellen sein.")
        questions.append(Question(question.strip(), tuple(s.strip() for s in sources)))
    if not questions:
        raise DataError(f"Die Fragendatei „{file}“ enthält keine Frage.")
    return questions


@dataclass(frozen=True)
class Evaluation:
    """Ergebnis der Bewertung einer Suche auf Fragen mit bekannter Fundstelle.

    Attributes:
        questions: Zahl der Fragen.
        hit_rate: Je k der Anteil der Fragen mit mindestens einer richtigen Fundstelle unter den ersten k.
        recall: Je k der mittlere Anteil der richtigen Fundstellen einer Frage unter den ersten k.
        page_hit_rate: Je k der Anteil der Fragen, bei denen die richtige Seite unter den ersten k ist.
        mrr: Mittlerer Kehrwert des Rangs der ersten richtigen Fundstelle (0 ohne Treffer bis `depth`).
        ranks: Je Frage der Rang der ersten richtigen Fundstelle oder `None`.
        depth: Länge der ausgewerteten Trefferlisten.
    """

    questions: int
    hit_rate: dict[int, float]
    recall: dict[int, float]
    page_hit_rate: dict[int, float]
    mrr: float
    ranks: tuple[int | None, ...]
    depth: int


def evaluate(index: BM25Index, questions: Sequence[Question], ks: Sequence[int] = (1, 3, 5)) -> Evaluation:
    """Bewertet eine Suche mit Trefferquote, Recall@k und MRR.

    Args:
        index: Die Suche.
        questions: Fragen mit ihren Fundstellen.
        ks: Listenlängen, für die Trefferquote und Recall berechnet werden; die größte ist auch die
            Tiefe der MRR.

    Returns:
        Die Kennzahlen.

    Raises:
        ConfigError: Ohne Fragen oder bei ungültigen `ks`.
    """
    if not questions:
        raise ConfigError("Zur Bewertung wird mindestens eine Frage gebraucht.")
    if not ks or any(isinstance(k, bool) or not isinstance(k, int) or k <= 0 for k in ks):
        raise ConfigError(f"„ks“ muss ganze Zahlen größer als 0 enthalten, erhalten: {list(ks)!r}.")
    depth = max(ks)
    hits = {k: 0.0 for k in ks}
    recall = {k: 0.0 for k in ks}
    page_hits = {k: 0.0 for k in ks}
    reciprocal = 0.0
    ranks: list[int | None] = []
    for item in questions:
        found = [hit.chunk.source for hit in index.search(item.question, depth)]
        pages = [source.split("#")[0] for source in found]
        wanted = set(item.sources)
        wanted_pages = {source.split("#")[0] for source in wanted}
        first = next((rank for rank, source in enumerate(found, start=1) if source in wanted), None)
        ranks.append(first)
        reciprocal += 1 / first if first else 0.0
        for k in ks:
            hits[k] += first is not None and first <= k
            recall[k] += len(wanted & set(found[:k])) / len(wanted)
            page_hits[k] += bool(wanted_pages & set(pages[:k]))
    n = len(questions)
    return Evaluation(
        questions=n,
        hit_rate={k: v / n for k, v in hits.items()},
        recall={k: v / n for k, v in recall.items()},
        page_hit_rate={k: v / n for k, v in page_hits.items()},
        mrr=reciprocal / n,
        ranks=tuple(ranks),
        depth=depth,
    )


def citation(number: int, chunk: Chunk) -> str:
    """Formatiert die Quellenangabe eines Abschnitts, z. B. ``[2] Hardware › Speicher (hardware.md#speicher)``.

    Args:
        number: Nummer der Quelle im Prompt, ab 1.
        chunk: Der Abschnitt.

    Returns:
        Die Quellenangabe mit Nummer, Seiten- und Abschnittstitel und Fundstelle.
    """
    title = chunk.page_title if chunk.title == chunk.page_title else f"{chunk.page_title} › {chunk.title}"
    return f"[{number}] {title} ({chunk.source})"


def _shorten(text: str, max_chars: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    head = flat[: max_chars + 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else flat[:max_chars]
    return cut.rstrip() + " …"


def build_prompt(question: str, hits: Sequence[Hit], max_chars: int = 1200) -> Prompt:
    """Setzt Frage und gefundene Abschnitte zu einem Prompt mit nummerierten Quellen zusammen.

    Die Quellen stehen vor der Frage, jede mit ihrer Angabe aus `citation` und höchstens `max_chars`
    Zeichen Text (an einer Wortgrenze gekürzt, mit „…“ markiert).

    Args:
        question: Die Frage.
        hits: Die Treffer der Suche, in der gewünschten Reihenfolge.
        max_chars: Höchstlänge des Textes je Quelle in Zeichen.

    Returns:
        System- und Nutzer-Nachricht sowie die Quellenangaben.

    Raises:
        ConfigError: Bei leerer Frage, ohne Treffer oder bei ungültigem `max_chars`.
    """
    if not question or not question.strip():
        raise ConfigError("Die Frage darf nicht leer sein.")
    if not hits:
        raise ConfigError("Ohne gefundene Quellen lässt sich kein RAG-Prompt bilden.")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0:
        raise ConfigError(f"„max_chars“ muss eine ganze Zahl größer als 0 sein, erhalten: {max_chars!r}.")
    citations = tuple(citation(number, hit.chunk) for number, hit in enumerate(hits, start=1))
    blocks = [
        f"{cite}\n{_shorten(hit.chunk.text, max_chars)}" for cite, hit in zip(citations, hits, strict=True)
    ]
    user = "Quellen:\n\n" + "\n\n".join(blocks) + f"\n\nFrage: {question.strip()}"
    return Prompt(SYSTEM_PROMPT, user, citations)
