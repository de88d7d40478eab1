"""Gemeinsame Datengrundlage für die KV-Cache-Tabelle und -Abbildung in Kapitel 3.

Die Architekturdaten kommen aus `slmwiki.models.get_spec`, die Cache-Größen aus
`slmwiki.attention.kv_cache_bytes`. Hypothetische Varianten entstehen mit `dataclasses.replace`:
„MHA“ gibt jedem Query-Kopf einen eigenen Key/Value-Kopf, „ohne Sliding Window“ macht alle Schichten global.
Das Modul wird von den anderen Skripten mit ``runpy.run_path`` geladen.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from slmwiki.attention import kv_cache_bytes
from slmwiki.models import ModelSpec, get_spec

#: Registernamen der Modelle und ihre Anzeigenamen.
MODELS = {
    "qwen3-4b": "Qwen3-4B",
    "phi-4-mini": "Phi-4-mini",
    "gemma-3-4b": "Gemma 3 4B",
    "gemma-3-1b": "Gemma 3 1B",
}

#: Kontextlängen (Tokens), für die Tabelle und Abbildung die Cache-Größe berechnen.
CONTEXT_LENGTHS = [1024, 4096, 8192, 32768, 131072]


class Variant(NamedTuple):
    """Eine Attention-Variante eines Modells."""

    model: str
    """Anzeigename des Modells."""
    label: str
    """Beschreibung der Attention-Art, z. B. „GQA 32/8“."""
    spec: ModelSpec
    """Architekturdaten der Variante."""
    hypothetical: bool
    """``True`` für gedachte Varianten, die es so nicht gibt."""


def as_mha(spec: ModelSpec) -> ModelSpec:
    """Gibt dieselbe Architektur mit einem Key/Value-Kopf je Query-Kopf zurück (hypothetische MHA)."""
    return dataclasses.replace(
        spec,
        name=f"{spec.name}-mha",
        num_key_value_heads=spec.num_attention_heads,
        sliding_window=None,
        local_global_pattern=None,
    )


def without_window(spec: ModelSpec) -> ModelSpec:
    """Gibt dieselbe Architektur mit voller Attention in allen Schichten zurück."""
    return dataclasses.replace(
        spec, name=f"{spec.name}-global", sliding_window=None, local_global_pattern=None
    )


def kind_label(spec: ModelSpec) -> str:
    """Beschreibt die Attention-Art einer Spezifikation, z. B. „GQA 32/8“ oder „MQA 4/1 + SWA 512“."""
    text = f"{spec.attention_kind} {spec.num_attention_heads}/{spec.num_key_value_heads}"
    if spec.sliding_window is not None:
        local, global_ = spec.local_global_pattern
        text += f" + SWA {spec.sliding_window} ({local}:{global_})"
    return text


def variants() -> list[Variant]:
    """Liefert die Varianten in der Reihenfolge der Tabelle (hypothetische zuerst, veröffentlichte zuletzt)."""
    result: list[Variant] = []
    for name, display in MODELS.items():
        spec = get_spec(name)
        result.append(Variant(display, kind_label(as_mha(spec)), as_mha(spec), True))
        if spec.sliding_window is not None:
            plain = without_window(spec)
            result.append(Variant(display, kind_label(plain), plain, True))
        result.append(Variant(display, kind_label(spec), spec, False))
    return result


def cache_bytes(spec: ModelSpec, tokens: int) -> int:
    """KV-Cache in Bytes für eine Sequenz in bf16 (2 Byte je Wert), Batch 1."""
    return kv_cache_bytes(spec, tokens, batch=1, bytes_per_element=2)
