"""Schemazeichnungen für die Kapitel: Decoder-Block, LoRA-Nebenpfad und Pruning-Masken.

Anders als die Diagramme in `slmwiki.figures` zeigen diese Abbildungen keine Messreihen, sondern den
Aufbau eines Verfahrens. Sie entstehen beim Bauen der Seiten mit matplotlib; die Zahlen in den
Beschriftungen (Modellbreiten, Parameterzahlen, Sparsity) berechnet der aufrufende Code. Jede Funktion gibt
barrierearmes SVG mit Titel und Alternativtext zurück (`slmwiki.figures.to_svg`). Dieses Modul importiert
kein torch.
"""

from __future__ import annotations

import warnings

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from slmwiki.figures import PALETTE, german_ticks, new_figure, to_svg
from slmwiki.formatting import number, percent
from slmwiki.models import ModelSpec
from slmwiki.pruning import sparsity_of

_FROZEN = "#dbe7f5"  # helles Blau: eingefrorene bzw. feste Bausteine
_TRAINABLE = "#fde2cf"  # helles Orange: trainierbare Bausteine
_NORM = "#e8f3ec"  # helles Grün: Normierung
_EDGE = "#1f2937"
_REMOVED = "#374151"  # dunkelgrau: entfernte (auf null gesetzte) Gewichte


def _box(
    ax: Axes, x: float, y: float, width: float, height: float, text: str, fill: str, size: float = 9
) -> None:
    """Zeichnet einen abgerundeten Kasten mit zentriertem Text; (x, y) ist die Mitte."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor=fill,
            edgecolor=_EDGE,
            linewidth=1.0,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=size, color="#111827")


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = _EDGE) -> None:
    """Zeichnet einen Pfeil von `start` nach `end`."""
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 1.2, "shrinkA": 0, "shrinkB": 0},
    )


def _plus(ax: Axes, x: float, y: float, radius: float = 0.22) -> None:
    """Zeichnet das Additionszeichen der Residualverbindung als Kreis mit „+“."""
    ax.add_patch(Circle((x, y), radius, facecolor="#ffffff", edgecolor=_EDGE, linewidth=1.0))
    ax.text(x, y, "+", ha="center", va="center", fontsize=11, color="#111827")


def _blank_axes(width: float, height: float, xlim: float, ylim: float) -> tuple:
    """Eine Abbildung ohne Achsen mit einem Koordinatensystem von (0, 0) bis (xlim, ylim)."""
    fig, ax = new_figure(width, height)
    ax.set_xlim(0, xlim)
    ax.set_ylim(0, ylim)
    ax.set_axis_off()
    return fig, ax


def decoder_block_svg(spec: ModelSpec, example_name: str) -> str:
    """Schema eines Decoder-Blocks mit Pre-Norm: RMSNorm, Attention, RMSNorm, SwiGLU-MLP, je mit Residualverbindung.

    Args:
        spec: Architekturdaten, deren Maße als Beispiel in die Beschriftung eingehen.
        example_name: Anzeigename des Beispielmodells, z. B. „Qwen3-4B“.

    Returns:
        SVG-Markup mit Titel und Alternativtext.
    """
    fig, ax = _blank_axes(6.4, 6.2, 10.0, 12.2)
    main_x, res_x = 4.2, 8.3
    d, ff = number(spec.hidden_size), number(spec.intermediate_size)
    rows = {
        "in": 11.7,
        "norm1": 10.5,
        "attn": 9.0,
        "add1": 7.6,
        "norm2": 6.5,
        "mlp": 5.0,
        "add2": 3.6,
        "out": 2.5,
    }

    _box(ax, main_x, rows["in"], 5.4, 0.7, f"Eingabe: Residualstrom x  (je Token {d} Werte)", "#f3f4f6")
    _box(ax, main_x, rows["norm1"], 3.2, 0.65, "RMSNorm", _NORM)
    _box(
        ax,
        main_x,
        rows["attn"],
        5.4,
        1.4,
        "Self-Attention mit kausaler Maske\n"
        f"{spec.num_attention_heads} Query-Köpfe, {spec.num_key_value_heads} Key-/Value-Köpfe "
        f"({spec.attention_kind})\n" + ("RoPE, QK-Norm" if spec.has_qk_norm else "RoPE"),
        _FROZEN,
    )
    _plus(ax, main_x, rows["add1"])
    _box(ax, main_x, rows["norm2"], 3.2, 0.65, "RMSNorm", _NORM)
    _box(
        ax,
        main_x,
        rows["mlp"],
        5.4,
        1.3,
        f"SwiGLU-MLP (Breite {ff})\nW_down · ( SiLU(W_gate · x) ⊙ W_up · x )",
        _FROZEN,
    )
    _plus(ax, main_x, rows["add2"])
    _box(ax, main_x, rows["out"], 5.4, 0.7, "Ausgabe: Residualstrom zum nächsten Block", "#f3f4f6")

    top = {"in": rows["in"] - 0.35, "norm1": rows["norm1"] + 0.33, "norm2": rows["norm2"] + 0.33}
    _arrow(ax, (main_x, top["in"]), (main_x, top["norm1"]))
    _arrow(ax, (main_x, rows["norm1"] - 0.33), (main_x, rows["attn"] + 0.65))
    _arrow(ax, (main_x, rows["attn"] - 0.65), (main_x, rows["add1"] + 0.22))
    _arrow(ax, (main_x, rows["add1"] - 0.22), (main_x, top["norm2"]))
    _arrow(ax, (main_x, rows["norm2"] - 0.33), (main_x, rows["mlp"] + 0.65))
    _arrow(ax, (main_x, rows["mlp"] - 0.65), (main_x, rows["add2"] + 0.22))
    _arrow(ax, (main_x, rows["add2"] - 0.22), (main_x, rows["out"] + 0.35))

    # Residualverbindungen: vom Strom vor der Norm am Teilblock vorbei zur Addition.
    residual = PALETTE[1]
    for start_y, end_y in ((rows["in"] - 0.6, rows["add1"]), (rows["add1"] - 0.45, rows["add2"])):
        ax.plot([main_x, res_x, res_x], [start_y, start_y, end_y], color=residual, linewidth=1.6)
        _arrow(ax, (res_x, end_y), (main_x + 0.22, end_y), color=residual)
    ax.text(
        res_x + 0.15, (rows["norm1"] + rows["add1"]) / 2, "Residual-\nverbindung", fontsize=8, color=residual
    )
    ax.text(
        res_x + 0.15, (rows["norm2"] + rows["add2"]) / 2, "Residual-\nverbindung", fontsize=8, color=residual
    )
    ax.text(
        0.1,
        1.3,
        f"{example_name}: {spec.num_layers} solche Blöcke hintereinander; davor die Einbettung,\n"
        "danach eine letzte RMSNorm und die Ausgabeschicht (Logits).",
        fontsize=8,
        color="#374151",
        va="top",
    )
    title = (
        "Schema eines Decoder-Blocks mit Pre-Norm: Der Residualstrom x läuft durch RMSNorm und Self-Attention, "
        "das Ergebnis wird über eine Residualverbindung zu x addiert; danach folgen RMSNorm und ein SwiGLU-MLP, "
        f"wieder mit Residualverbindung. Beispielmaße {example_name}: Breite {d}, "
        f"{spec.num_attention_heads} Query- und {spec.num_key_value_heads} Key-/Value-Köpfe "
        f"({spec.attention_kind}{', QK-Norm' if spec.has_qk_norm else ''}), MLP-Breite {ff}, "
        f"{spec.num_layers} Blöcke."
    )
    return to_svg(fig, title)


def lora_path_svg(d: int, k: int, r: int, alpha: float, example: str) -> str:
    """Schema des LoRA-Nebenpfads: eingefrorenes W₀ (d × k) parallel zu B · A mit Rang r, skaliert mit α/r.

    Die Rechtecke der Matrizen sind in der Form (hoch, breit, schmal) angedeutet, aber nicht maßstäblich.

    Args:
        d: Ausgabedimension der Schicht.
        k: Eingabedimension der Schicht.
        r: LoRA-Rang.
        alpha: Skalierung α.
        example: Kurzbeschreibung der Beispielschicht für die Beschriftung, z. B. „q_proj von Gemma 3 1B“.

    Returns:
        SVG-Markup mit Titel und Alternativtext.
    """
    full, lora = d * k, r * (d + k)
    fig, ax = _blank_axes(7.2, 4.8, 12.0, 8.2)
    ax.text(
        0.1,
        7.95,
        f"Beispiel {example}: d = {number(d)}, k = {number(k)}, r = {r}, α = {number(alpha)}",
        fontsize=8.5,
    )
    ax.text(
        0.1,
        7.45,
        f"trainierbar: r · (d + k) = {number(lora)} statt d · k = {number(full)} ({percent(lora / full, 2)})",
        fontsize=8.5,
        color=PALETTE[1],
    )
    _box(ax, 1.0, 3.9, 1.4, 0.8, "x\n(Länge k)", "#f3f4f6")
    # Hauptpfad: W₀ als großes Rechteck (d Zeilen, k Spalten)
    ax.add_patch(Rectangle((3.2, 4.4), 2.6, 2.4, facecolor=_FROZEN, edgecolor=_EDGE))
    ax.text(4.5, 6.0, "W₀", ha="center", va="center", fontsize=13, color="#111827")
    ax.text(4.5, 5.15, "d × k\neingefroren", ha="center", va="center", fontsize=8.5, color="#111827")
    # Nebenpfad: A flach und breit (r × k), B hoch und schmal (d × r)
    ax.add_patch(Rectangle((3.2, 1.3), 2.6, 0.55, facecolor=_TRAINABLE, edgecolor=_EDGE))
    ax.text(4.5, 1.575, "A  (r × k)", ha="center", va="center", fontsize=9, color="#111827")
    ax.text(
        4.5, 0.95, "trainierbar, Start: zufällig", ha="center", va="center", fontsize=7.5, color="#374151"
    )
    ax.add_patch(Rectangle((7.0, 0.45), 0.8, 2.4, facecolor=_TRAINABLE, edgecolor=_EDGE))
    ax.text(7.4, 1.95, "B", ha="center", va="center", fontsize=10, color="#111827")
    ax.text(7.4, 1.3, "d × r", ha="center", va="center", fontsize=7.5, color="#111827")
    ax.text(7.4, 0.2, "trainierbar, Start: 0", ha="center", va="center", fontsize=7.5, color="#374151")
    _box(ax, 8.75, 1.65, 0.9, 0.6, "· α/r", "#ffffff")
    _plus(ax, 9.7, 3.9, 0.28)
    _box(ax, 11.0, 3.9, 1.7, 1.0, "h = W₀x\n+ (α/r)·BAx", "#f3f4f6", size=8.5)

    _arrow(ax, (1.7, 4.1), (3.2, 5.6))
    _arrow(ax, (1.7, 3.7), (3.2, 1.575))
    _arrow(ax, (5.8, 5.6), (9.5, 4.1))
    _arrow(ax, (5.8, 1.575), (7.0, 1.575))
    ax.text(6.4, 1.75, "Ax\n(Länge r)", ha="center", va="bottom", fontsize=7.5, color="#374151")
    _arrow(ax, (7.8, 1.65), (8.3, 1.65))
    _arrow(ax, (9.0, 1.95), (9.6, 3.64))
    _arrow(ax, (9.98, 3.9), (10.15, 3.9))

    title = (
        "Schema von LoRA: Die Eingabe x läuft durch die eingefrorene Matrix W₀ (d × k) und parallel durch den "
        "trainierbaren Nebenpfad A (r × k) und B (d × r); dessen Ergebnis wird mit α/r skaliert und addiert, "
        f"h = W₀x + (α/r)·BAx. Beispiel {example} mit d = {number(d)}, k = {number(k)}, r = {r}: "
        f"{number(lora)} trainierbare Parameter statt {number(full)}."
    )
    return to_svg(fig, title)


def pruning_masks_svg(weights: np.ndarray, unstructured: np.ndarray, structured: np.ndarray) -> str:
    """Zwei Heatmaps derselben Gewichtsmatrix: unstrukturiert und strukturiert ausgedünnt.

    Args:
        weights: Die ursprüngliche Gewichtsmatrix.
        unstructured: Maske des unstrukturierten Pruning (`True` = behalten).
        structured: Maske des strukturierten Pruning (ganze Zeilen).

    Returns:
        SVG-Markup mit Titel und Alternativtext.
    """
    fig, _unused = new_figure(7.6, 3.6)
    fig.clf()
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 0.05])
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])]
    limit = float(np.abs(weights).max())
    # Abweichende Farbe für entfernte Gewichte: eine eigene Ebene statt einer Farbe der Skala.
    removed_cmap = ListedColormap([_REMOVED])
    panels = (
        (axes[0], unstructured, "Unstrukturiert: betragskleinste\nGewichte der ganzen Matrix"),
        (axes[1], structured, "Strukturiert: ganze Zeilen\n(Ausgabekanäle) mit kleinster Norm"),
    )
    image = None
    for ax, mask, heading in panels:
        image = ax.imshow(np.where(mask, weights, np.nan), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.imshow(np.where(mask, np.nan, 0.0), cmap=removed_cmap, vmin=0, vmax=1)
        ax.set_title(f"{heading}\nSparsity {percent(sparsity_of(mask), 0)}", fontsize=8.5)
        ax.set_xlabel("Eingabemerkmal (Spalte)", fontsize=8)
        ax.set_ylabel("Ausgabekanal (Zeile)", fontsize=8)
        ax.set_xticks(range(0, weights.shape[1], 4))
        ax.set_yticks(range(0, weights.shape[0], 4))
        ax.tick_params(labelsize=7)
    bar = fig.colorbar(image, cax=fig.add_subplot(grid[0, 2]))
    bar.set_label("Gewicht (dunkelgrau: entfernt)", fontsize=7.5)
    bar.ax.tick_params(labelsize=7)
    german_ticks(bar.ax, "y")
    rows, cols = weights.shape
    title = (
        f"Zwei Heatmaps derselben zufälligen Gewichtsmatrix mit {rows} Zeilen und {cols} Spalten nach "
        f"Magnitude Pruning: links unstrukturiert mit {percent(sparsity_of(unstructured), 0)} verstreut "
        f"entfernten Gewichten, rechts strukturiert mit {percent(sparsity_of(structured), 0)} entfernten "
        "Gewichten in ganzen Zeilen; entfernte Gewichte sind dunkelgrau."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tight_layout und Farbbalken vertragen sich nicht ganz
        return to_svg(fig, title)
