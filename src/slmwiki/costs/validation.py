"""Prüfung von Eingaben der Kostenrechnung: Zahlen, Anteile, Namen (deutsche Fehlermeldungen).

Alle Prüfungen lösen `slmwiki.errors.ConfigError` aus; die Kommandozeile zeigt die Meldung und endet mit
Exit-Code 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from slmwiki.errors import ConfigError, closest_names


def number(name: str, value: object) -> float:
    """Wandelt eine endliche Zahl oder einen Zahltext („1e6“, „0,5“) in `float` um.

    Args:
        name: Name des Feldes für die Fehlermeldung.
        value: Zahl oder Text.

    Returns:
        Die Zahl.

    Raises:
        ConfigError: Wenn der Wert keine endliche Zahl ist.
    """
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"„{name}“ muss eine Zahl sein, erhalten: „{value}“.") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"„{name}“ muss eine Zahl sein, erhalten: {value!r}.")
    result = float(value)
    if math.isnan(result) or math.isinf(result):
        raise ConfigError(f"„{name}“ muss eine endliche Zahl sein, erhalten: {value!r}.")
    return result


def positive(name: str, value: object) -> float:
    """Wie `number`, verlangt aber einen Wert größer als 0."""
    result = number(name, value)
    if result <= 0:
        raise ConfigError(f"„{name}“ muss größer als 0 sein, erhalten: {value!r}.")
    return result


def non_negative(name: str, value: object) -> float:
    """Wie `number`, verlangt aber einen Wert von mindestens 0."""
    result = number(name, value)
    if result < 0:
        raise ConfigError(f"„{name}“ darf nicht negativ sein, erhalten: {value!r}.")
    return result


def share(name: str, value: object) -> float:
    """Ein Anteil größer als 0 und höchstens 1 (1 = 100 %)."""
    result = number(name, value)
    if not 0 < result <= 1:
        raise ConfigError(
            f"„{name}“ muss größer als 0 und höchstens 1 sein (Anteil, 1 = 100 %), erhalten: {value!r}."
        )
    return result


def at_most(name: str, value: float, limit: float, unit: str) -> float:
    """Prüft eine Obergrenze, z. B. 24 Stunden je Tag."""
    if value > limit:
        raise ConfigError(f"„{name}“ darf höchstens {limit:g} {unit} betragen, erhalten: {value:g}.")
    return value


def known(kind: str, name: str, names: Iterable[str]) -> str:
    """Prüft, dass `name` einer der bekannten Namen ist, und schlägt sonst ähnliche vor.

    Args:
        kind: Art des Namens für die Meldung, z. B. „Grafikkarte“.
        name: Gesuchter Name.
        names: Bekannte Namen.

    Returns:
        Den Namen.

    Raises:
        ConfigError: Wenn der Name unbekannt ist.
    """
    names = list(names)
    if name not in names:
        raise ConfigError(f"{kind} „{name}“ ist unbekannt.{closest_names(name, names)}")
    return name
