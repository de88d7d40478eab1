"""Absatz: Exponent der Chinchilla-optimalen Modellgröße, beim Bauen aus Tabelle 3 angepasst."""

from __future__ import annotations

import runpy

from slmwiki.formatting import number

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
table = data["CHINCHILLA_TABLE3"]
_, a_params = data["fit_power_law"]([r.flops for r in table], [r.params for r in table])
_, a_tokens = data["fit_power_law"]([r.flops for r in table], [r.tokens for r in table])
ratios = [data["tokens_per_param"](r.params, r.tokens) for r in table]


def tex(value: float, digits: int) -> str:
    """Formatiert eine Zahl für LaTeX mit Dezimalkomma ohne Zusatzabstand (``0{,}50``)."""
    return number(value, digits).replace(",", "{,}")


print(
    f"Passt man an die neun Zeilen von Tabelle 3 eine Gerade in doppelt logarithmischer Darstellung an, ergibt "
    f"sich $N_{{\\text{{opt}}}} \\propto C^{{{tex(a_params, 2)}}}$ und $D_{{\\text{{opt}}}} \\propto "
    f"C^{{{tex(a_tokens, 2)}}}$. Das Verhältnis $D/N$ liegt in allen Zeilen zwischen "
    f"{number(min(ratios), 1)} und {number(max(ratios), 1)}. Bei zehnfachem Rechenbudget wachsen Modell und "
    f"Daten demnach jeweils etwa um den Faktor $10^{{{tex(a_params, 2)}}} \\approx {tex(10**a_params, 2)}$."
)
