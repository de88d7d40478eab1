"""Magnitude Pruning: Masken für unstrukturiertes und strukturiertes Ausdünnen einer Gewichtsmatrix.

Das Modul rechnet mit numpy (kein torch) und dient den Abbildungen von Kapitel 2. Eine Maske ist eine
boolesche Matrix derselben Form wie die Gewichte: `True` behält ein Gewicht, `False` setzt es auf null.

Beispiel:
    >>> import numpy as np
    >>> weights = np.array([[0.1, -2.0], [0.5, 0.05]])
    >>> unstructured_mask(weights, 0.5).tolist()
    [[False, True], [True, False]]
"""

from __future__ import annotations

import math

import numpy as np

from slmwiki.errors import ConfigError, require_positive_int


def _checked(weights: np.ndarray, sparsity: object) -> tuple[np.ndarray, float]:
    matrix = np.asarray(weights, dtype=float)
    if matrix.ndim != 2 or matrix.size == 0:
        raise ConfigError(f"Die Gewichte müssen eine nichtleere Matrix sein, erhalten: Form {matrix.shape}.")
    if isinstance(sparsity, bool) or not isinstance(sparsity, int | float) or not 0 <= sparsity <= 1:
        raise ConfigError(f"„sparsity“ muss ein Anteil zwischen 0 und 1 sein, erhalten: {sparsity!r}.")
    if not np.isfinite(matrix).all():
        raise ConfigError("Die Gewichte enthalten NaN oder unendliche Werte.")
    return matrix, float(sparsity)


def _count(total: int, sparsity: float) -> int:
    """Zahl der zu entfernenden Einheiten: kaufmännisch gerundet, damit 50 % von 5 gleich 3 ist."""
    return min(total, math.floor(sparsity * total + 0.5))


def unstructured_mask(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """Maske des unstrukturierten Magnitude Pruning: die betragskleinsten Gewichte der ganzen Matrix entfallen.

    Bei gleichen Beträgen entscheidet die Position (zeilenweise gelesen), sodass das Ergebnis eindeutig ist.

    Args:
        weights: Gewichtsmatrix (zwei Dimensionen).
        sparsity: Anteil der zu entfernenden Gewichte zwischen 0 und 1, z. B. ``0.5`` für 50 %.

    Returns:
        Boolesche Maske; genau ``round(sparsity · Anzahl)`` Einträge sind `False`.

    Raises:
        ConfigError: Wenn die Gewichte keine endliche Matrix sind oder der Anteil nicht in [0, 1] liegt.
    """
    matrix, share = _checked(weights, sparsity)
    removed = _count(matrix.size, share)
    order = np.argsort(np.abs(matrix), axis=None, kind="stable")
    mask = np.ones(matrix.size, dtype=bool)
    mask[order[:removed]] = False
    return mask.reshape(matrix.shape)


def structured_row_mask(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """Maske des strukturierten Pruning: ganze Zeilen (Ausgabekanäle) mit der kleinsten L2-Norm entfallen.

    Args:
        weights: Gewichtsmatrix; jede Zeile gehört zu einem Ausgabekanal (Neuron).
        sparsity: Anteil der zu entfernenden Zeilen zwischen 0 und 1.

    Returns:
        Boolesche Maske, in der jede Zeile entweder ganz `True` oder ganz `False` ist.

    Raises:
        ConfigError: Wenn die Gewichte keine endliche Matrix sind oder der Anteil nicht in [0, 1] liegt.
    """
    matrix, share = _checked(weights, sparsity)
    removed = _count(matrix.shape[0], share)
    order = np.argsort(np.linalg.norm(matrix, axis=1), kind="stable")
    keep_rows = np.ones(matrix.shape[0], dtype=bool)
    keep_rows[order[:removed]] = False
    return np.repeat(keep_rows[:, None], matrix.shape[1], axis=1)


def sparsity_of(mask: np.ndarray) -> float:
    """Anteil der entfernten Gewichte (`False`-Einträge) einer Maske.

    Args:
        mask: Boolesche Maske.

    Returns:
        Die Sparsity als Anteil zwischen 0 und 1.
    """
    values = np.asarray(mask, dtype=bool)
    return float(1.0 - values.mean())


def example_weights(rows: int = 12, cols: int = 16, seed: int = 0) -> np.ndarray:
    """Eine reproduzierbare, normalverteilte Beispielmatrix (Standardabweichung 1).

    Args:
        rows: Zahl der Zeilen (Ausgabekanäle).
        cols: Zahl der Spalten (Eingabemerkmale).
        seed: Startwert des Zufallsgenerators.

    Returns:
        Die Matrix der Form ``(rows, cols)``.

    Raises:
        ConfigError: Wenn Zeilen- oder Spaltenzahl keine positive ganze Zahl ist.
    """
    require_positive_int("rows", rows)
    require_positive_int("cols", cols)
    return np.random.default_rng(seed).standard_normal((rows, cols))
