"""Ausgabe von `slmwiki costs` für ein Szenario, beim Bauen der Seite erzeugt (Kapitel 5)."""

from __future__ import annotations

import contextlib
import io

from slmwiki.cli import main

argv = ["costs", "--scenario", "klinik"]
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    code = main(argv)
if code != 0:
    raise SystemExit(f"slmwiki {' '.join(argv)} endete mit Exit-Code {code}")
print(f"$ slmwiki {' '.join(argv)}")
print(buffer.getvalue())
