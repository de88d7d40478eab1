"""Deutsche Zahlen-, Geld- und Prozentformatierung über Babel.

Babel rundet wie Python „half to even“. Geldbeträge werden deshalb vorher als `Decimal`
kaufmännisch (`ROUND_HALF_UP`) gerundet. Dieses Modul importiert kein torch.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "de_DE"


def round_money(value: Decimal | float | int, digits: int = 2) -> Decimal:
    """Rundet einen Betrag kaufmännisch auf `digits` Nachkommastellen.

    Args:
        value: Betrag.
        digits: Nachkommastellen (Standard 2).

    Returns:
        Den gerundeten Betrag als `Decimal`.
    """
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def eur(value: Decimal | float | int, digits: int = 2) -> str:
    """Formatiert einen Euro-Betrag deutsch, z. B. ``1.234,56 €``.

    Args:
        value: Betrag in Euro.
        digits: Nachkommastellen nach kaufmännischer Rundung.

    Returns:
        Den formatierten Betrag.
    """
    rounded = round_money(value, digits)
    pattern = "#,##0." + "0" * digits + "\xa0¤" if digits > 0 else "#,##0\xa0¤"
    return format_currency(rounded, "EUR", format=pattern, locale=LOCALE, currency_digits=False)


def number(value: float | int | Decimal, digits: int = 0) -> str:
    """Formatiert eine Zahl deutsch mit Tausenderpunkt und Dezimalkomma, z. B. ``12.345,6``.

    Args:
        value: Zahl.
        digits: Feste Zahl an Nachkommastellen (kaufmännisch gerundet).

    Returns:
        Die formatierte Zahl.
    """
    rounded = round_money(value, digits)
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return format_decimal(rounded, format=pattern, locale=LOCALE)


def percent(value: float | Decimal, digits: int = 1) -> str:
    """Formatiert einen Anteil (0,125 = 12,5 %) deutsch, z. B. ``12,5 %``.

    Args:
        value: Anteil als Bruch (1,0 = 100 %).
        digits: Nachkommastellen.

    Returns:
        Den formatierten Prozentwert.
    """
    rounded = round_money(Decimal(str(value)) * 100, digits) / 100
    pattern = "#,##0." + "0" * digits + "\xa0%" if digits > 0 else "#,##0\xa0%"
    return format_percent(rounded, format=pattern, locale=LOCALE)


def gib(num_bytes: float, digits: int = 2) -> str:
    """Formatiert eine Byte-Zahl in GiB (2^30 Byte), z. B. ``1,25 GiB``.

    Args:
        num_bytes: Anzahl Bytes.
        digits: Nachkommastellen.

    Returns:
        Die formatierte Größe.
    """
    return f"{number(num_bytes / 2**30, digits)}\xa0GiB"


def mib(num_bytes: float, digits: int = 1) -> str:
    """Formatiert eine Byte-Zahl in MiB (2^20 Byte), z. B. ``166,0 MiB``.

    Args:
        num_bytes: Anzahl Bytes.
        digits: Nachkommastellen.

    Returns:
        Die formatierte Größe.
    """
    return f"{number(num_bytes / 2**20, digits)}\xa0MiB"
