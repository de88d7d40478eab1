"""Tabelle: Vortrainings-Rechenaufwand registrierter Modelle und das „Drittel“ der GPAI-Leitlinien (Datenschutzseite).

Der Aufwand des Vortrainings wird mit der Näherung C ≈ 6 · N · D geschätzt (N = Parameter aus `slmwiki.models`,
D = Vortrainings-Token laut Register). Bei gleicher Modellgröße ist das Verhältnis zweier Rechenmengen nach dieser
Näherung das Verhältnis der Token: Ein Fine-Tuning erreicht ein Drittel des Vortrainings erst mit D / 3 Token.
"""

from __future__ import annotations

import runpy

from slmwiki.models import get_spec

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
sci = data["scientific"]
magnitude = data["magnitude"]

MODELS = [
    ("gemma-3-1b", "Gemma 3 1B"),
    ("llama-3.2-3b", "Llama 3.2 3B"),
    ("gemma-3-4b", "Gemma 3 4B"),
    ("eurollm-9b", "EuroLLM-9B"),
    ("qwen3-4b", "Qwen3-4B"),
]
FINETUNE_TOKENS = 10e6  # Beispiel: 10 Millionen Token eigener Trainingsdaten

print(
    "| Modell | Parameter N | Vortrainings-Token D | C ≈ 6 · N · D | ein Drittel davon entspricht | "
    "Anteil eines Fine-Tunings mit 10 Mio. Token |"
)
print("|---|--:|--:|--:|--:|--:|")
for name, label in MODELS:
    spec = get_spec(name)
    params = spec.num_parameters()
    tokens = spec.training_tokens
    pretrain = data["training_flops"](params, tokens)
    share = data["training_flops"](params, FINETUNE_TOKENS) / pretrain
    print(
        f"| {label} | {magnitude(params, 2)} | {magnitude(tokens, 0)} | {sci(pretrain, 1)} FLOP "
        f"| {magnitude(tokens / 3, 1)} Token | {sci(share, 1)} |"
    )
print()
print(
    "*Berechnet beim Bauen der Seite: N mit `slmwiki.models.get_spec(name).num_parameters()`, D aus dem Modellregister "
    "(Angaben der Hersteller), C ≈ 6 · N · D (Kaplan et al. 2020). Ein QLoRA-Lauf rechnet je Token sogar weniger als "
    "6 · N (eingefrorene Gewichte brauchen keinen Gewichtsgradienten); die letzte Spalte ist also eine Obergrenze.*"
)
