"""Gemeinsamer Stil für Abbildungen, die beim Bauen der Seiten erzeugt werden.

Seiten führen kleine Skripte aus `docs_src/` mit markdown-exec aus; diese erzeugen Abbildungen mit
matplotlib und geben sie über `to_svg` als eingebettetes SVG aus. Dieses Modul importiert kein torch.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

#: Farben mit ausreichendem Kontrast auf hellem und dunklem Hintergrund.
PALETTE = ["#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0e7490"]


def new_figure(width: float = 7.0, height: float = 3.6) -> tuple[plt.Figure, plt.Axes]:
    """Erzeugt eine Abbildung im Stil des Wikis (deutsches Dezimalkomma an den Achsen).

    Args:
        width: Breite in Zoll.
        height: Höhe in Zoll.

    Returns:
        Das Paar aus Figure und Axes.
    """
    plt.rcParams.update(
        {
            "axes.formatter.use_locale": False,
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "svg.fonttype": "none",
            "svg.hashsalt": "slmwiki",
        }
    )
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def german_ticks(ax: plt.Axes, axis: str = "both") -> None:
    """Stellt die Achsenbeschriftung auf Dezimalkomma und Tausenderpunkt um.

    Args:
        ax: Die Achse.
        axis: ``"x"``, ``"y"`` oder ``"both"``.
    """
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos: int) -> str:
        text = f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"
        return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")

    if axis in ("x", "both"):
        ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    if axis in ("y", "both"):
        ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def to_svg(fig: plt.Figure, title: str) -> str:
    """Gibt eine Abbildung als eingebettetes, barrierearmes SVG zurück und schließt sie.

    Args:
        fig: Die Abbildung.
        title: Kurzbeschreibung (wird als ``<title>`` und ``aria-label`` gesetzt).

    Returns:
        SVG-Markup, das markdown-exec mit ``html="true"`` direkt in die Seite schreibt.
    """
    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    label = title.replace('"', "&quot;").replace("<", "&lt;")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="slmwiki-figure" ', 1)
    head_end = svg.index(">") + 1
    return svg[:head_end] + f"<title>{label}</title>" + svg[head_end:]
