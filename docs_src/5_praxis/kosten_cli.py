"""Ausgabe von `slmwiki costs` beim Beispielvolumen, beim Bauen der Seite erzeugt (Kapitel 5)."""

from __future__ import annotations

import contextlib
import io

from slmwiki.cli import main
from slmwiki.costs import load_prices

volume = int(load_prices().assumption("example_tokens_per_month"))
argv = ["costs", "--tokens-per-month", str(volume)]
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    code = main(argv)
if code != 0:
    raise SystemExit(f"slmwiki {' '.join(argv)} endete mit Exit-Code {code}")
print(f"$ slmwiki {' '.join(argv)}")
print(buffer.getvalue())
