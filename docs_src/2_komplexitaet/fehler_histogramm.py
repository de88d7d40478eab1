"""Abbildung: Quantisierungsfehler von NF4 und INT4-Absmax in Abhängigkeit vom Gewichtswert, dazu die Häufigkeit."""

from __future__ import annotations

import runpy

import numpy as np

from slmwiki.figures import PALETTE, german_ticks, new_figure, to_svg

experiment = runpy.run_path("docs_src/2_komplexitaet/fehler_experiment.py")
result = experiment["run_experiment"]()
weights = result["weights"]
methods = result["methods"]

edges = np.linspace(-3.5, 3.5, 29)
centers = (edges[:-1] + edges[1:]) / 2
bin_of = np.digitize(weights, edges) - 1
inside = (bin_of >= 0) & (bin_of < centers.size)

fig, ax = new_figure(7.0, 3.9)
counts = np.bincount(bin_of[inside], minlength=centers.size)
share = ax.twinx()
share.bar(
    centers, counts / weights.size * 100, width=edges[1] - edges[0], color="#9ca3af", alpha=0.35, linewidth=0
)
share.set_ylabel("Anteil der Gewichte je Intervall in %", color="#6b7280")
share.spines["top"].set_visible(False)
german_ticks(share, "y")
ax.set_zorder(share.get_zorder() + 1)
ax.patch.set_visible(False)

for name, color, marker in [("INT4-Absmax", PALETTE[1], "s"), ("NF4", PALETTE[0], "o")]:
    squared = (weights - methods[name][1]) ** 2
    sums = np.bincount(bin_of[inside], weights=squared[inside], minlength=centers.size)
    rmse = np.sqrt(np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0))
    ax.plot(
        centers[counts > 0],
        rmse[counts > 0],
        marker=marker,
        markersize=3.5,
        color=color,
        linewidth=1.6,
        label=name,
    )

ax.set_xlabel("Gewichtswert in Standardabweichungen σ")
ax.set_ylabel("RMSE je Intervall in σ")
ax.set_ylim(bottom=0)
german_ticks(ax, "both")
ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
print(
    to_svg(
        fig,
        "Linien: mittlerer Quantisierungsfehler von NF4 und INT4-Absmax je Wertebereich; NF4 ist nahe null genauer, "
        "an den seltenen Rändern ungenauer. Graue Balken: Anteil der Gewichte je Bereich",
    )
)
