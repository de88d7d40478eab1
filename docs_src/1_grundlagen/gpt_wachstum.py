"""Absatz: Wachstumsfaktoren von GPT-1 zu GPT-3, beim Bauen aus den veröffentlichten Größen berechnet."""

from __future__ import annotations

from slmwiki.formatting import number

#: Veröffentlichte Größen (Radford et al. 2018/2019, Brown et al. 2020; GPT-2 nach Tabelle 2 des Papiers).
GPT = {
    "GPT-1": {"params": 117e6, "context": 512, "layers": 12, "source_id": "radford2018gpt"},
    "GPT-2": {"params": 1542e6, "context": 1024, "layers": 48, "source_id": "radford2019gpt2"},
    "GPT-3": {"params": 175e9, "context": 2048, "layers": 96, "source_id": "brown2020gpt3"},
}

g1, g2, g3 = GPT["GPT-1"], GPT["GPT-2"], GPT["GPT-3"]


def round_significant(value: float, digits: int = 2) -> float:
    """Rundet auf `digits` signifikante Stellen (1.496 → 1.500)."""
    return float(f"{value:.{digits}g}")


print(
    f"Von GPT-1 zu GPT-3 wuchs die Parameterzahl in zwei Jahren auf rund das "
    f"{number(round_significant(g3['params'] / g1['params']), 0)}-Fache (davon von GPT-2 zu GPT-3 allein um das "
    f"{number(g3['params'] / g2['params'], 0)}-Fache), die Zahl der Schichten um das "
    f"{number(g3['layers'] / g1['layers'], 0)}-Fache und das Kontextfenster nur um das "
    f"{number(g3['context'] / g1['context'], 0)}-Fache."
)
