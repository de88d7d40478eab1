"""Gemeinsame Fehlerklassen und Prüfungen mit deutschen Meldungen.

Alle Eingabefehler des Pakets sind `ValueError`-Unterklassen. Die Kommandozeile fängt sie ab,
gibt die Meldung ohne Traceback aus und beendet sich mit Exit-Code 2.
"""

from __future__ import annotations

import math
from numbers import Real


class SlmwikiError(ValueError):
    """Basisklasse für Eingabe- und Konfigurationsfehler mit deutscher Meldung."""


class ConfigError(SlmwikiError):
    """Eine Konfiguration oder ein Argument ist ungültig."""


class DataError(SlmwikiError):
    """Eine Daten- oder Preisdatei ist fehlerhaft."""


def _as_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ConfigError(f"„{name}“ muss eine Zahl sein, erhalten: {value!r}.")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ConfigError(f"„{name}“ muss eine endliche Zahl sein, erhalten: {value!r}.")
    return number


def require_positive(name: str, value: object) -> float:
    """Prüft, dass `value` eine endliche Zahl größer als null ist.

    Args:
        name: Name des Feldes für die Fehlermeldung.
        value: Zu prüfender Wert.

    Returns:
        Den Wert als `float`.

    Raises:
        ConfigError: Wenn der Wert keine Zahl, nicht endlich oder nicht größer als null ist.
    """
    number = _as_real(name, value)
    if number <= 0:
        raise ConfigError(f"„{name}“ muss größer als 0 sein, erhalten: {value!r}.")
    return number


def require_non_negative(name: str, value: object) -> float:
    """Prüft, dass `value` eine endliche Zahl größer oder gleich null ist.

    Args:
        name: Name des Feldes für die Fehlermeldung.
        value: Zu prüfender Wert.

    Returns:
        Den Wert als `float`.

    Raises:
        ConfigError: Wenn der Wert keine Zahl, nicht endlich oder negativ ist.
    """
    number = _as_real(name, value)
    if number < 0:
        raise ConfigError(f"„{name}“ darf nicht negativ sein, erhalten: {value!r}.")
    return number


def require_positive_int(name: str, value: object) -> int:
    """Prüft, dass `value` eine ganze Zahl größer als null ist.

    Args:
        name: Name des Feldes für die Fehlermeldung.
        value: Zu prüfender Wert.

    Returns:
        Den Wert als `int`.

    Raises:
        ConfigError: Wenn der Wert keine ganze Zahl oder nicht größer als null ist.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"„{name}“ muss eine ganze Zahl sein, erhalten: {value!r}.")
    if value <= 0:
        raise ConfigError(f"„{name}“ muss größer als 0 sein, erhalten: {value!r}.")
    return value


def closest_names(name: str, known: list[str], n: int = 3) -> str:
    """Formatiert einen deutschen Hinweis auf ähnliche bekannte Namen.

    Args:
        name: Der unbekannte Name.
        known: Alle bekannten Namen.
        n: Höchstzahl vorgeschlagener Namen.

    Returns:
        Einen Satz wie „Meinten Sie: gemma-3-1b? Bekannt: …“.
    """
    import difflib

    close = difflib.get_close_matches(name, known, n=n, cutoff=0.4)
    hint = f" Meinten Sie: {', '.join(close)}?" if close else ""
    return f"{hint} Bekannt: {', '.join(sorted(known))}."
