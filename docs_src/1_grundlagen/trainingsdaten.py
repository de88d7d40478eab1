"""Datengrundlage für Kapitel 1: Modellgrößen, Trainings-Tokens und Chinchilla-Tabelle 3.

Jeder Eintrag trägt seine Quelle (Anker auf der Literaturseite ``docs/literatur.md``). Alle abgeleiteten
Größen (Tokens pro Parameter, Rechenaufwand nach ``C ≈ 6·N·D``) berechnen die Skripte dieses Ordners beim
Bauen der Seite aus diesen Werten. Das Modul wird von den anderen Skripten mit ``runpy.run_path`` geladen.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from slmwiki.formatting import number

#: Faustregel „etwa 20 Tokens pro Parameter“, abgelesen aus Tabelle 3 von Hoffmann et al. (2022).
CHINCHILLA_TOKENS_PER_PARAM = 20.0

#: Faktor der Näherung für den Trainingsaufwand eines Transformers, C ≈ 6·N·D (Kaplan et al. 2020, §2.1).
FLOPS_PER_PARAM_AND_TOKEN = 6.0


class TrainingRun(NamedTuple):
    """Ein veröffentlichter Trainingslauf: Modellgröße, Trainings-Tokens und Quelle."""

    name: str
    """Modellname, wie er im Text erscheint."""
    params: float
    """Parameterzahl (Nenngröße laut Quelle)."""
    tokens: float
    """Zahl der Trainings-Tokens laut Quelle."""
    source_id: str
    """Anker des Eintrags in ``docs/literatur.md``."""
    source: str
    """Kurzzitat der Quelle mit Fundstelle."""
    kind: str
    """``"LLM"`` für große Modelle, ``"SLM"`` für Modelle unter 10 Milliarden Parametern."""
    at_least: bool = False
    """``True``, wenn die Quelle nur eine Untergrenze nennt („mehr als 15 Billionen“)."""


#: Veröffentlichte Trainingsläufe; jede Zeile nennt ihre Primärquelle (Anker in docs/literatur.md).
TRAINING_RUNS: list[TrainingRun] = [
    TrainingRun("GPT-3", 175e9, 300e9, "brown2020gpt3", "Brown et al. (2020)", "LLM"),
    TrainingRun("Gopher", 280e9, 300e9, "hoffmann2022chinchilla", "Hoffmann et al. (2022), Tab. 1", "LLM"),
    TrainingRun(
        "Chinchilla", 70e9, 1.4e12, "hoffmann2022chinchilla", "Hoffmann et al. (2022), Tab. 1", "LLM"
    ),
    TrainingRun(
        "Llama 3.1 405B",
        405e9,
        15.6e12,
        "grattafiori2024llama3",
        "Llama Team (2024), arXiv:2407.21783",
        "LLM",
    ),
    TrainingRun(
        "Llama 3 8B", 8e9, 15e12, "meta2024llama3", "Meta (2024), Blog zu Llama 3", "SLM", at_least=True
    ),
    TrainingRun("Gemma 2 2B", 2e9, 2e12, "gemma2024gemma2", "Gemma Team (2024), Gemma-2-Bericht", "SLM"),
    TrainingRun("Gemma 2 9B", 9e9, 8e12, "gemma2024gemma2", "Gemma Team (2024), Gemma-2-Bericht", "SLM"),
    TrainingRun(
        "Gemma 3 270M", 0.27e9, 6e12, "google2025gemma3card", "Google (2025), Modellkarte Gemma 3", "SLM"
    ),
    TrainingRun("Gemma 3 1B", 1e9, 2e12, "gemma2025gemma3", "Gemma Team (2025), §2.2", "SLM"),
    TrainingRun("Gemma 3 4B", 4e9, 4e12, "gemma2025gemma3", "Gemma Team (2025), §2.2", "SLM"),
    TrainingRun("Phi-3-mini", 3.8e9, 3.3e12, "abdin2024phi3", "Abdin et al. (2024), Abstract", "SLM"),
    TrainingRun(
        "Phi-4-mini", 3.8e9, 5e12, "microsoft2025phi4minicard", "Microsoft (2025), Modellkarte", "SLM"
    ),
    TrainingRun("Qwen3-4B", 4e9, 36e12, "qwen2025qwen3", "Qwen Team (2025), arXiv:2505.09388", "SLM"),
    TrainingRun("Qwen3-0.6B", 0.6e9, 36e12, "qwen2025qwen3", "Qwen Team (2025), arXiv:2505.09388", "SLM"),
]


class ChinchillaRow(NamedTuple):
    """Eine Zeile aus Tabelle 3 (Ansatz 1) von Hoffmann et al. (2022)."""

    params: float
    """Modellgröße N."""
    flops: float
    """Rechenbudget C in FLOPs laut Tabelle."""
    tokens: float
    """Compute-optimale Zahl der Trainings-Tokens D laut Tabelle."""


#: Hoffmann et al. (2022), arXiv:2203.15556, Tabelle 3 (Ansatz 1).
CHINCHILLA_TABLE3: list[ChinchillaRow] = [
    ChinchillaRow(400e6, 1.92e19, 8.0e9),
    ChinchillaRow(1e9, 1.21e20, 20.2e9),
    ChinchillaRow(10e9, 1.23e22, 205.1e9),
    ChinchillaRow(67e9, 5.76e23, 1.5e12),
    ChinchillaRow(175e9, 3.85e24, 3.7e12),
    ChinchillaRow(280e9, 9.90e24, 5.9e12),
    ChinchillaRow(520e9, 3.43e25, 11.0e12),
    ChinchillaRow(1e12, 1.27e26, 21.2e12),
    ChinchillaRow(10e12, 1.30e28, 216.2e12),
]


def tokens_per_param(params: float, tokens: float) -> float:
    """Gibt das Verhältnis von Trainings-Tokens zu Parametern zurück."""
    return tokens / params


def training_flops(params: float, tokens: float) -> float:
    """Schätzt den Trainingsaufwand mit der Näherung C ≈ 6·N·D in FLOPs."""
    return FLOPS_PER_PARAM_AND_TOKEN * params * tokens


def fit_power_law(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Passt y = k·x^a per kleinster Quadrate in doppelt logarithmischer Darstellung an.

    Returns:
        Das Paar (k, a).
    """
    lx = [math.log10(x) for x in xs]
    ly = [math.log10(y) for y in ys]
    mx = sum(lx) / len(lx)
    my = sum(ly) / len(ly)
    a = sum((u - mx) * (v - my) for u, v in zip(lx, ly, strict=True)) / sum((u - mx) ** 2 for u in lx)
    return 10 ** (my - a * mx), a


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def scientific(value: float, digits: int = 2) -> str:
    """Formatiert eine Zahl wissenschaftlich mit Dezimalkomma, z. B. ``3,14 · 10²³``."""
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    if round(mantissa, digits) >= 10:
        exponent += 1
        mantissa /= 10
    return f"{number(mantissa, digits)}\u202f·\u202f10{str(exponent).translate(_SUPERSCRIPT)}"


def magnitude(value: float, digits: int = 1) -> str:
    """Formatiert eine große Anzahl deutsch in Worten, z. B. ``1,4 Billionen`` oder ``70 Milliarden``.

    Nachkommastellen werden nur gezeigt, wenn sie nicht null sind.
    """
    for factor, singular, plural in (
        (1e12, "Billion", "Billionen"),
        (1e9, "Milliarde", "Milliarden"),
        (1e6, "Million", "Millionen"),
    ):
        if abs(value) >= factor:
            scaled = value / factor
            text = number(scaled, digits)
            if "," in text:
                text = text.rstrip("0").rstrip(",")
            word = singular if text == "1" else plural
            return f"{text}\u00a0{word}"
    return number(value, 0)
