"""Architekturtabelle Gemma 3 / Phi-4-mini / Qwen3 aus dem Modellregister (Kapitel 4, Vergleichsseite).

Jede Spalte ist ein Modell, jede Zeile ein Feld von `slmwiki.models.ModelSpec`. Der Spaltenkopf nennt den
Registernamen in Backticks, damit die Tests jede Zahl wieder der richtigen `ModelSpec` zuordnen können.
"""

from __future__ import annotations

from slmwiki.formatting import number
from slmwiki.models import get_spec

MODELS = ["gemma-3-1b", "gemma-3-4b", "phi-4-mini", "qwen3-1.7b", "qwen3-4b"]
LABELS = {
    "gemma-3-1b": "Gemma 3 1B",
    "gemma-3-4b": "Gemma 3 4B",
    "phi-4-mini": "Phi-4-mini",
    "qwen3-1.7b": "Qwen3-1.7B",
    "qwen3-4b": "Qwen3-4B",
}


def pattern(spec) -> str:
    """Lokal-global-Muster mit Schichtzahlen, z. B. „5 : 1 (22 lokal, 4 global)“."""
    if spec.local_global_pattern is None:
        return "– (alle global)"
    local, global_ = spec.local_global_pattern
    return f"{local} : {global_} ({spec.num_local_layers()} lokal, {spec.num_global_layers()} global)"


ROWS = [
    ("Schichten", lambda s: str(s.num_layers)),
    ("Breite $d_\\text{model}$", lambda s: number(s.hidden_size)),
    ("FFN-Breite", lambda s: number(s.intermediate_size)),
    ("Query-Köpfe", lambda s: str(s.num_attention_heads)),
    ("KV-Köpfe", lambda s: str(s.num_key_value_heads)),
    ("Attention-Art", lambda s: s.attention_kind),
    ("Kopfdimension", lambda s: str(s.head_dim)),
    ("Sliding Window (Token)", lambda s: number(s.sliding_window) if s.sliding_window else "–"),
    ("lokal : global", pattern),
    ("QK-Norm", lambda s: "ja" if s.has_qk_norm else "nein"),
    ("Vokabular", lambda s: number(s.vocab_size)),
    ("max. Kontext (Token)", lambda s: number(s.max_context)),
    ("geteilte Embeddings", lambda s: "ja" if s.tie_word_embeddings else "nein"),
    (
        "Trainingstoken",
        lambda s: f"{number(s.training_tokens / 1e12)} Billionen" if s.training_tokens else "–",
    ),
    ("Parameter (Text)", lambda s: f"{number(s.num_parameters() / 1e9, 2)} Mrd."),
    ("Lizenz", lambda s: s.license),
]

specs = [get_spec(name) for name in MODELS]
lines = [
    "| Merkmal | " + " | ".join(f"{LABELS[name]}<br>`{name}`" for name in MODELS) + " |",
    "|---|" + "---|" * len(MODELS),
]
for label, cell in ROWS:
    lines.append(f"| {label} | " + " | ".join(cell(spec) for spec in specs) + " |")
print("\n".join(lines))
print()
print(
    "*Berechnet mit `slmwiki.models.get_spec(...)`. Quellen der Werte: Gemma 3 – offizielle "
    "Konfigurationen (gemma_pytorch) und Technical Report; Phi-4-mini – `config.json` und Modellkarte; Qwen3 – "
    "Technical Report und `config.json` (Vokabular einschließlich Auffüllung). Geteilte Embeddings bei Gemma 3: "
    "Standard der Konfiguration, nicht gesondert geprüft. Qwen3-4B: 32.768 Token nativ, bis 131.072 mit YaRN.*"
)
