"""Nützliche Rechenoperationen eines QLoRA-Trainingsschritts (für die MFU).

Die MFU (Model FLOPs Utilization) teilt die nützlichen FLOPs je Sekunde durch die gemessene
bf16-Matrixrate der Karte. Nützlich heißt: was der Schritt mathematisch braucht, ohne neu
berechnete Aktivierungen (Gradient Checkpointing) und ohne Füll-Token. Die Modellmaße kommen aus
`slmwiki.models.ModelSpec` (eine Beschreibung für Speicher, FLOPs und Seiten).
"""

from __future__ import annotations

from collections.abc import Sequence

from slmwiki.models import ModelSpec


def attention_pairs(length: int, window: int | None = None) -> int:
    """Zahl der (Query, Key)-Paare kausaler Attention über eine Sequenz.

    Token i (ab 0) sieht die Token max(0, i − W + 1) … i, also min(i + 1, W) Keys; ohne Fenster
    ergibt die Summe n · (n + 1) / 2.

    Args:
        length: Sequenzlänge n ≥ 0.
        window: Fenster W (Token einschließlich des eigenen) oder `None`.

    Returns:
        Σ_i min(i + 1, W).
    """
    if length <= 0:
        return 0
    if window is None or window >= length:
        return length * (length + 1) // 2
    return window * (window + 1) // 2 + (length - window) * window


def lora_parameters(spec: ModelSpec, r: int, targets: Sequence[str] | None = None) -> int:
    """Trainierbare LoRA-Parameter: je Zielmodul r · (in + out), über alle Schichten.

    Args:
        spec: Modellmaße.
        r: LoRA-Rang.
        targets: Zielmodule; `None` = alle linearen Schichten eines Blocks („all-linear“).

    Returns:
        Die Anzahl.
    """
    shapes = spec.linear_shapes()
    names = list(shapes) if targets is None else list(targets)
    return spec.num_layers * sum(r * (shapes[n][0] + shapes[n][1]) for n in names)


def training_flops(
    spec: ModelSpec,
    seq_lengths: Sequence[int],
    lora_params: int = 0,
    lm_head_tokens: int | None = None,
) -> dict[str, float]:
    """Nützliche FLOPs eines QLoRA-Trainingsschritts (Vorwärts + Rückwärts).

    Die eingefrorenen Basisgewichte brauchen im Rückwärtsdurchlauf nur den Gradienten der Eingabe
    (2 FLOPs je Parameter und Token), keinen Gewichtsgradienten: 2 (vorwärts) + 2 = 4. LoRA-Gewichte
    sind trainierbar: 2 + 2 + 2 = 6. Attention (keine Gewichte): je (Query, Key)-Paar und Kopf
    vorwärts 2 · d für QKᵀ und 2 · d für PV, rückwärts das Doppelte, zusammen 12 · H · d.

    Args:
        spec: Modellmaße.
        seq_lengths: Längen der echten Sequenzen (Beispiele) des Schritts, ohne Padding.
        lora_params: Zahl der LoRA-Parameter.
        lm_head_tokens: Positionen, die durch die Ausgabeschicht gehen; `None` = alle Token.

    Returns:
        `tokens`, `linear`, `lm_head`, `lora`, `attention` und `total` (FLOPs).
    """
    tokens = int(sum(seq_lengths))
    head_tokens = tokens if lm_head_tokens is None else int(lm_head_tokens)
    body = 4.0 * spec.linear_parameters() * tokens
    head = 4.0 * spec.vocab_size * spec.hidden_size * head_tokens
    lora = 6.0 * lora_params * tokens
    per_pair = 12.0 * spec.num_attention_heads * spec.head_dim
    attention = 0.0
    for kind in set(spec.layer_types()):
        count = spec.layer_types().count(kind)
        window = spec.sliding_window if kind == "sliding_attention" else None
        attention += count * per_pair * sum(attention_pairs(n, window) for n in seq_lengths)
    return {
        "tokens": float(tokens),
        "linear": body,
        "lm_head": head,
        "lora": lora,
        "attention": attention,
        "total": body + head + lora + attention,
    }


__all__ = ["attention_pairs", "lora_parameters", "training_flops"]
