"""Absatz: Was die Kaplan-Exponenten konkret bedeuten, beim Bauen aus den veröffentlichten Exponenten berechnet."""

from __future__ import annotations

from slmwiki.formatting import number, percent

#: Exponenten der Potenzgesetze nach Kaplan et al. (2020), Gl. 1.1–1.3.
ALPHA_N = 0.076
ALPHA_D = 0.095
ALPHA_C = 0.050

halving = 2 ** (1 / ALPHA_C)
print(
    f"Was diese kleinen Exponenten bedeuten, zeigt eine Rechnung: Eine Verdopplung der Parameterzahl senkt den "
    f"Verlust nach $L(N)$ nur um {percent(1 - 2**-ALPHA_N, 1)}, eine Verzehnfachung um "
    f"{percent(1 - 10**-ALPHA_N, 1)}. Zehnmal mehr Daten senken ihn nach $L(D)$ um "
    f"{percent(1 - 10**-ALPHA_D, 1)}, zehnmal mehr Rechenaufwand nach $L(C_{{\\min}})$ um "
    f"{percent(1 - 10**-ALPHA_C, 1)}. Um den Verlust zu halbieren, bräuchte man nach $L(C_{{\\min}})$ das "
    f"$2^{{1/\\alpha_C}}$-Fache an Rechenaufwand, also das {number(halving, 0)}-Fache."
)
