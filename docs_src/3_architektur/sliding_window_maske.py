"""Abbildung: Attention-Masken – kausal-global, Sliding Window und das Schichtmuster von Gemma 3 (aus get_spec)."""

from __future__ import annotations

import warnings

from matplotlib.colors import ListedColormap

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.models import get_spec

#: Kleine Beispielgröße für die Masken (Tokens) und Fensterbreite – nur zur Veranschaulichung.
N_TOKENS = 12
WINDOW = 4


def mask(n: int, window: int | None) -> list[list[int]]:
    """Maske als 0/1-Matrix: Zeile i (Query) darf Spalte j (Key) sehen, wenn j ≤ i und i − j < window."""
    return [[1 if j <= i and (window is None or i - j < window) else 0 for j in range(n)] for i in range(n)]


fig, _unused = new_figure(7.2, 4.6)
fig.clf()
grid = fig.add_gridspec(2, 2, height_ratios=[3.2, 1.0], hspace=0.55, wspace=0.25)
cmap = ListedColormap(["#f1f5f9", PALETTE[0]])
for col, (window, title) in enumerate(
    [(None, "Globale (kausale) Attention"), (WINDOW, f"Sliding Window, W = {WINDOW}")]
):
    ax = fig.add_subplot(grid[0, col])
    ax.imshow(mask(N_TOKENS, window), cmap=cmap, vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("Key-Position j (frühere Tokens)", fontsize=8)
    ax.set_ylabel("Query-Position i", fontsize=8)
    ax.set_xticks(range(0, N_TOKENS, 2))
    ax.set_yticks(range(0, N_TOKENS, 2))
    ax.tick_params(labelsize=7)

spec = get_spec("gemma-3-4b")
types = spec.layer_types()
ax = fig.add_subplot(grid[1, :])
colors = [PALETTE[0] if t == "sliding_attention" else PALETTE[1] for t in types]
ax.bar(range(1, len(types) + 1), [1] * len(types), color=colors, width=0.85)
ax.set_xlim(0.4, len(types) + 0.6)
ax.set_yticks([])
ax.set_xticks([i for i in range(1, len(types) + 1) if types[i - 1] == "full_attention"])
ax.tick_params(labelsize=7)
ax.spines["left"].set_visible(False)
ax.set_title(
    f"Gemma 3 4B: {spec.num_local_layers()} lokale Schichten (blau, Fenster {spec.sliding_window}) und "
    f"{spec.num_global_layers()} globale Schichten (orange, Nummern)",
    fontsize=8.5,
)
with warnings.catch_warnings():
    warnings.simplefilter(
        "ignore", UserWarning
    )  # tight_layout meldet die Bildachsen als nicht exakt einpassbar
    svg = to_svg(
        fig,
        "Attention-Masken für globale und Sliding-Window-Attention sowie das Schichtmuster von Gemma 3 4B",
    )
print(svg)
