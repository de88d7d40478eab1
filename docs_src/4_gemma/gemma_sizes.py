"""Tabellen der Gemma-3-Größen aus dem Modellregister (Kapitel 4, Abschnitt „Modellfamilie und Größen“).

Erste Tabelle: Architektur je Größe. Zweite Tabelle: Parameter (analytisch gezählt), Anteil der Einbettung,
Trainingstoken und Token pro Parameter.
"""

from __future__ import annotations

from slmwiki.formatting import number
from slmwiki.models import get_spec

GEMMA_SIZES = ["gemma-3-270m", "gemma-3-1b", "gemma-3-4b", "gemma-3-12b", "gemma-3-27b"]
#: Faustregel, abgeleitet aus Tabelle 3 der Chinchilla-Arbeit (Hoffmann et al. 2022).
CHINCHILLA_TOKENS_PER_PARAM = 20


def label(name: str) -> str:
    """Anzeigename, z. B. „Gemma 3 1B“."""
    return f"{get_spec(name).family} {name.rsplit('-', 1)[-1].upper()}"


def millions(value: float) -> str:
    """Parameterzahl in Millionen mit einer Nachkommastelle, z. B. „999,9 Mio.“."""
    return f"{number(value / 1e6, 1)} Mio."


print(
    "| Modell | Schichten (lokal / global) | $d_\\text{model}$ | FFN | Query- / KV-Köpfe | Kopfdimension | "
    "Fenster (Token) | Kontext (Token) |"
)
print("|---|---|---|---|---|---|---|---|")
for name in GEMMA_SIZES:
    spec = get_spec(name)
    cells = [
        label(name),
        f"{spec.num_layers} ({spec.num_local_layers()} / {spec.num_global_layers()})",
        number(spec.hidden_size),
        number(spec.intermediate_size),
        f"{spec.num_attention_heads} / {spec.num_key_value_heads}",
        str(spec.head_dim),
        number(spec.sliding_window) if spec.sliding_window else "–",
        number(spec.max_context),
    ]
    print("| " + " | ".join(cells) + " |")
print()
print("| Modell | Parameter (Text) | davon Einbettung | Trainingstoken | Token pro Parameter |")
print("|---|---|---|---|---|")
for name in GEMMA_SIZES:
    spec = get_spec(name)
    total = spec.num_parameters()
    embedding = spec.embedding_parameters()
    tokens = spec.training_tokens
    cells = [
        label(name),
        millions(total),
        f"{millions(embedding)} ({number(100 * embedding / total, 0)} %)",
        f"{number(tokens / 1e12)} Billionen" if tokens else "–",
        number(tokens / total) if tokens else "–",
    ]
    print("| " + " | ".join(cells) + " |")
print()
print(
    "*Berechnet mit `slmwiki.models.get_spec(...)`; Parameter nach `ModelSpec.num_parameters()` ohne Bildencoder, "
    "unter der Annahme geteilter Ein- und Ausgabematrix (nicht gesondert geprüft, passt aber zu Tabelle 1 des "
    "Berichts). Token pro Parameter = Trainingstoken / Parameter; zum Vergleich die Chinchilla-Faustregel von "
    f"etwa {CHINCHILLA_TOKENS_PER_PARAM} Token pro Parameter.*"
)
