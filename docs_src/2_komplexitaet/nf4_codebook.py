"""Abbildung: die 16 NF4-Codewerte über der Normalverteilung, dazu die 15 Stufen von INT4-Absmax."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from slmwiki.figures import PALETTE, german_ticks, new_figure, to_svg
from slmwiki.quantization import NF4_OFFSET, nf4_codebook

codes = nf4_codebook()
int4_levels = np.arange(-7, 8) / 7
# Nach der Normierung auf [-1, 1] setzt NF4 eine Normalverteilung voraus, deren δ-Quantil bei 1 liegt.
sigma = 1.0 / NormalDist().inv_cdf(NF4_OFFSET)
density = NormalDist(0.0, sigma).pdf

xs = np.linspace(-1.2, 1.2, 481)
fig, ax = new_figure(7.0, 3.8)
ax.fill_between(xs, [density(x) for x in xs], color=PALETTE[0], alpha=0.12, linewidth=0)
ax.plot(
    xs,
    [density(x) for x in xs],
    color=PALETTE[0],
    linewidth=1.2,
    label=f"Normalverteilung (σ ≈ {sigma:.3f})".replace(".", ","),
)
ax.vlines(codes, 0, [density(c) for c in codes], color=PALETTE[0], linewidth=1.6)
ax.plot(codes, [density(c) for c in codes], "o", color=PALETTE[0], markersize=4, label="16 NF4-Codewerte")
rug = -0.06 * density(0.0)
ax.plot(
    int4_levels,
    np.full(int4_levels.size, rug),
    "|",
    color=PALETTE[1],
    markersize=11,
    markeredgewidth=1.6,
    label="15 INT4-Absmax-Stufen (−7 … 7)/7",
)
ax.axhline(0, color="#555555", linewidth=0.6)
ax.set_xlim(-1.2, 1.2)
ax.set_ylim(rug * 2.2, density(0.0) * 1.45)
ax.set_xlabel("normierter Gewichtswert w / absmax des Blocks")
ax.set_ylabel("Wahrscheinlichkeitsdichte")
ax.set_yticks([])
german_ticks(ax, "x")
ax.legend(loc="upper right", fontsize=8, frameon=False)
print(
    to_svg(
        fig,
        "Die 16 NF4-Codewerte als Stäbe unter der Glockenkurve der Normalverteilung: eng beieinander nahe null, "
        "weit auseinander an den Rändern; darunter die gleichabständigen INT4-Stufen",
    )
)
