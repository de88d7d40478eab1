"""Abbildung: Folge lokaler und globaler Attention-Schichten der Gemma-3-Modelle (Kapitel 4)."""

from __future__ import annotations

from matplotlib.patches import Patch, Rectangle

from slmwiki.figures import PALETTE, new_figure, to_svg
from slmwiki.formatting import number
from slmwiki.models import get_spec

NAMES = ["gemma-3-270m", "gemma-3-1b", "gemma-3-4b", "gemma-3-12b", "gemma-3-27b"]
LOCAL, GLOBAL = PALETTE[0], PALETTE[1]

fig, ax = new_figure(7.5, 3.0)
labels = []
for row, name in enumerate(reversed(NAMES)):
    spec = get_spec(name)
    for index, kind in enumerate(spec.layer_types()):
        color = GLOBAL if kind == "full_attention" else LOCAL
        ax.add_patch(Rectangle((index + 0.08, row - 0.35), 0.84, 0.7, facecolor=color, edgecolor="none"))
    labels.append(f"{spec.family} {name.rsplit('-', 1)[-1].upper()} – Fenster {number(spec.sliding_window)}")
max_layers = max(get_spec(name).num_layers for name in NAMES)
ax.set_xlim(0, max_layers)
ax.set_ylim(-0.6, len(NAMES) - 0.4)
ax.set_yticks(range(len(NAMES)), labels)
ax.set_xticks(
    [0.5, *[i - 0.5 for i in range(6, max_layers + 1, 6)]],
    ["1", *[str(i) for i in range(6, max_layers + 1, 6)]],
)
ax.set_xlabel("Schicht (von der Eingabe zur Ausgabe)")
ax.tick_params(axis="y", length=0)
ax.spines["left"].set_visible(False)
ax.legend(
    handles=[
        Patch(color=LOCAL, label="lokal (Sliding Window)"),
        Patch(color=GLOBAL, label="global (volle Attention)"),
    ],
    loc="upper center",
    bbox_to_anchor=(0.5, 1.18),
    ncol=2,
    frameon=False,
)
print(to_svg(fig, "Schichtfolge der Gemma-3-Modelle: auf fünf lokale Schichten folgt jeweils eine globale"))
