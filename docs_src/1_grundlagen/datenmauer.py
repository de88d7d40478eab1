"""Absatz: Anteil heutiger Trainingsmengen am geschätzten Textbestand (Villalobos et al.), beim Bauen berechnet."""

from __future__ import annotations

from slmwiki.formatting import percent

#: Geschätzter Bestand an öffentlichem, von Menschen erzeugtem Text in Tokens (Villalobos et al., arXiv:2211.04325).
PUBLIC_TEXT_STOCK_TOKENS = 300e12
#: Trainingsmengen laut Llama Team (2024) bzw. Qwen Team (2025).
LLAMA31_TOKENS = 15.6e12
QWEN3_TOKENS = 36e12

print(
    f"Zum Vergleich: Die 15,6 Billionen Trainings-Tokens von Llama 3.1 entsprechen "
    f"{percent(LLAMA31_TOKENS / PUBLIC_TEXT_STOCK_TOKENS, 1)} dieses geschätzten Bestands, die 36 Billionen "
    f"Tokens von Qwen3 bereits {percent(QWEN3_TOKENS / PUBLIC_TEXT_STOCK_TOKENS, 0)} – für ein einziges Modell, "
    f"auch wenn solche Trainingsmengen zum Teil aus synthetischen oder mehrfach verwendeten Daten bestehen. "
    f"Die Trainingsmengen der größten Läufe liegen also nur noch etwa eine Größenordnung unter dem, was an "
    f"menschlichem Text überhaupt verfügbar ist."
)
