"""Abbildung: RoPE-Wellenlängen für die lokale und die globale Basis von Gemma 3 (Kapitel 4, Abschnitt RoPE).

Die Wellenlänge des Komponentenpaares i ist 2π / θ_i mit θ_i = b^(-2i/d_head) (Su et al. 2021).
Basen und Kopfdimension stammen aus dem Modellregister.
"""

from __future__ import annotations

import math

from slmwiki.figures import german_ticks, new_figure, to_svg
from slmwiki.formatting import number
from slmwiki.models import get_spec

spec = get_spec("gemma-3-4b")
d_head = spec.head_dim
pairs = list(range(d_head // 2))


def wavelengths(base: float) -> list[float]:
    """Wellenlängen 2π·b^(2i/d) aller Komponentenpaare in Token."""
    return [2 * math.pi * base ** (2 * i / d_head) for i in pairs]


fig, ax = new_figure(7.0, 3.4)
ax.plot(
    pairs,
    wavelengths(spec.rope_local_theta),
    label=f"lokale Schichten, $b$ = {number(spec.rope_local_theta)}",
)
ax.plot(pairs, wavelengths(spec.rope_theta), label=f"globale Schichten, $b$ = {number(spec.rope_theta)}")
ax.axhline(spec.sliding_window, color="0.45", linestyle=":", linewidth=1)
ax.text(1, spec.sliding_window * 1.3, f"Fenster {number(spec.sliding_window)} Token", fontsize=8, color="0.3")
ax.axhline(spec.max_context, color="0.45", linestyle="--", linewidth=1)
ax.text(1, spec.max_context * 1.3, f"Kontext {number(spec.max_context)} Token", fontsize=8, color="0.3")
ax.set_yscale("log")
ax.set_xlabel(f"Komponentenpaar $i$ (Kopfdimension {d_head})")
ax.set_ylabel("Wellenlänge in Token")
german_ticks(ax, "x")
ax.legend(frameon=False, loc="lower right")
print(
    to_svg(fig, "RoPE-Wellenlängen der lokalen und globalen Schichten von Gemma 3 auf logarithmischer Skala")
)
