"""Text: rechnet die NF4-Konstruktionsformel der Seite nach und vergleicht sie mit nf4_codebook()."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from slmwiki.formatting import number
from slmwiki.quantization import NF4_OFFSET, nf4_codebook

quantile = NormalDist().inv_cdf
delta = NF4_OFFSET
top = quantile(delta)

# Formel von der Seite: p⁺_j und p⁻_j gleichabständig zwischen δ und 1/2.
positive = [quantile(delta - j * (delta - 0.5) / 8) / top for j in range(8)]
negative = [-quantile(delta - j * (delta - 0.5) / 7) / top for j in range(7)]
formula = np.sort(np.array(negative + [0.0] + positive))
deviation = float(np.max(np.abs(formula - nf4_codebook())))

if deviation < 1e-12:
    agreement = "stimmt bis auf Rundungsfehler unter $10^{-12}$ mit `nf4_codebook()` überein"
else:
    agreement = f"weicht um höchstens {number(deviation, 12)} von `nf4_codebook()` ab"
print(
    f"Mit $\\delta = {str(delta).replace('.', '{,}')}$ liegt der äußerste Codewert bei "
    f"$\\Phi^{{-1}}(\\delta) \\approx {number(top, 3).replace(',', '{,}')}$ Standardabweichungen. "
    f"Die Formel ergibt {formula.size} Werte – {int((formula < 0).sum())} negative, die Null und "
    f"{int((formula > 0).sum())} positive – und {agreement}."
)
