"""Größe des KV-Caches für MHA, MQA, GQA und Sliding-Window-Hybride.

Beim Generieren speichert jedes Modell für jede Schicht die Keys und Values aller bisherigen Token,
damit sie nicht neu berechnet werden müssen. Für eine Schicht mit voller Attention gilt
(vLLM-Paper, Kwon et al. 2023, arXiv:2309.06180, §3):

    Bytes = 2 (K und V) · n_kv_heads · head_dim · Token · Batch · Bytes_pro_Element

MHA, MQA und GQA unterscheiden sich nur in `n_kv_heads` (alle Köpfe, einer, eine Gruppe).
Bei Sliding-Window-Attention (Gemma 3: 5 lokale Schichten je globaler Schicht) halten die lokalen
Schichten nur die letzten Token des Fensters.

Wie transformers (Version 5) den Cache anlegt, bestimmt die genaue Tokenzahl der lokalen Schichten:

- „dynamic“ (`DynamicCache`, Standard bei `generate()` und `forward(use_cache=True)`):
  `DynamicSlidingWindowLayer` behält nach jedem Schritt nur die letzten `sliding_window − 1` Token;
  das neue Token kommt im nächsten Schritt hinzu, so dass jede Abfrage genau `sliding_window` Token sieht.
- „static“ (`StaticCache`, `cache_implementation="static"`): `StaticSlidingWindowLayer` reserviert
  `min(max_cache_len, sliding_window)` Plätze, die globalen Schichten `max_cache_len` Plätze.

Dieses Modul importiert kein torch.
"""

from __future__ import annotations

from slmwiki.errors import ConfigError, require_positive, require_positive_int
from slmwiki.models import ModelSpec

CACHE_LAYOUTS: tuple[str, ...] = ("dynamic", "static")
"""Unterstützte Cache-Anordnungen von transformers."""


def cached_tokens_per_layer(spec: ModelSpec, seq_len: int, layout: str = "dynamic") -> list[int]:
    """Zahl der gespeicherten Token je Schicht nach `seq_len` verarbeiteten Token.

    Args:
        spec: Architekturdaten des Modells.
        seq_len: Zahl der Token im Cache (Prompt plus bereits eingespeiste erzeugte Token), > 0.
        layout: „dynamic“ (lokale Schichten: höchstens `sliding_window − 1` Token) oder „static“
            (lokale Schichten: höchstens `sliding_window` Plätze; `seq_len` ist dann `max_cache_len`).

    Returns:
        Eine Liste mit einer Tokenzahl je Schicht.

    Raises:
        ConfigError: Bei nicht positiver Länge oder unbekannter Anordnung.
    """
    require_positive_int("seq_len", seq_len)
    if layout not in CACHE_LAYOUTS:
        raise ConfigError(f"Unbekannte Cache-Anordnung „{layout}“. Erlaubt: {', '.join(CACHE_LAYOUTS)}.")
    window = spec.sliding_window
    result = []
    for kind in spec.layer_types():
        if kind == "sliding_attention" and window is not None:
            limit = window - 1 if layout == "dynamic" else window
            result.append(min(seq_len, limit))
        else:
            result.append(seq_len)
    return result


def kv_cache_bytes(
    spec: ModelSpec,
    seq_len: int,
    batch: int = 1,
    bytes_per_element: float = 2,
    layout: str = "dynamic",
) -> int:
    """Bytes des KV-Caches für `seq_len` Token und `batch` Sequenzen.

    Formel: Σ über Schichten von 2 · n_kv_heads · head_dim · Token_der_Schicht · Batch · Bytes.
    Ohne Sliding Window ist Token_der_Schicht = `seq_len` für alle Schichten; bei Gemma 3 halten
    die lokalen Schichten höchstens das Fenster (siehe `cached_tokens_per_layer`).

    Args:
        spec: Architekturdaten des Modells.
        seq_len: Zahl der Token im Cache (> 0).
        batch: Zahl gleichzeitiger Sequenzen (> 0).
        bytes_per_element: Bytes je gespeichertem Wert (bf16/fp16: 2, fp32: 4, int8: 1), > 0.
        layout: „dynamic“ oder „static“ wie in transformers.

    Returns:
        Die Größe in Bytes (auf ganze Bytes gerundet).

    Raises:
        ConfigError: Bei nicht positiven Größen oder unbekannter Anordnung.
    """
    require_positive_int("batch", batch)
    require_positive("bytes_per_element", bytes_per_element)
    tokens = sum(cached_tokens_per_layer(spec, seq_len, layout))
    return round(2 * spec.num_key_value_heads * spec.head_dim * tokens * batch * bytes_per_element)


def kv_cache_bytes_per_token(spec: ModelSpec, bytes_per_element: float = 2, sliding: bool = False) -> int:
    """Bytes, die ein zusätzliches Token im KV-Cache belegt (Batch 1).

    Args:
        spec: Architekturdaten des Modells.
        bytes_per_element: Bytes je Wert (bf16: 2).
        sliding: `False` zählt alle Schichten (so wächst der Cache, solange die Sequenz kürzer als das
            Fenster ist; entspricht einem Modell ohne Sliding Window). `True` zählt nur die globalen
            Schichten: So wächst der Cache, sobald das Fenster gefüllt ist.

    Returns:
        Bytes pro Token: 2 · Schichten · n_kv_heads · head_dim · Bytes.
    """
    require_positive("bytes_per_element", bytes_per_element)
    layers = spec.num_global_layers() if sliding else spec.num_layers
    return round(2 * layers * spec.num_key_value_heads * spec.head_dim * bytes_per_element)


ATTENTION_KINDS: tuple[str, ...] = ("mha", "mqa", "gqa", "gemma3-hybrid")
"""Arten der Mini-Modelle aus `tiny_attention_spec`."""


def tiny_attention_spec(
    kind: str,
    num_layers: int = 6,
    num_attention_heads: int = 4,
    head_dim: int = 8,
    sliding_window: int = 4,
) -> ModelSpec:
    """Baut eine winzige Modellspezifikation einer Attention-Art (für Tests und Beispiele).

    MHA, MQA und GQA nutzen die Llama-Architektur; „gemma3-hybrid“ nutzt Gemma 3 mit 5 lokalen Schichten
    je globaler Schicht und dem angegebenen Fenster.

    Args:
        kind: „mha“ (KV-Köpfe = Query-Köpfe), „mqa“ (ein KV-Kopf), „gqa“ (halb so viele KV-Köpfe)
            oder „gemma3-hybrid“ (GQA mit halb so vielen KV-Köpfen und Sliding Window).
        num_layers: Zahl der Schichten.
        num_attention_heads: Zahl der Query-Köpfe (für GQA gerade und mindestens 4).
        head_dim: Dimension je Kopf.
        sliding_window: Fenster der lokalen Schichten (nur „gemma3-hybrid“).

    Returns:
        Eine `ModelSpec` mit Vokabular 64 und Breite `num_attention_heads · head_dim`.

    Raises:
        ConfigError: Bei unbekannter Art oder unpassender Kopfzahl.
    """
    if kind not in ATTENTION_KINDS:
        raise ConfigError(f"Unbekannte Attention-Art „{kind}“. Erlaubt: {', '.join(ATTENTION_KINDS)}.")
    require_positive_int("num_attention_heads", num_attention_heads)
    if kind in ("gqa", "gemma3-hybrid") and (num_attention_heads < 4 or num_attention_heads % 2):
        raise ConfigError(
            f"Für „{kind}“ braucht es eine gerade Zahl von mindestens 4 Query-Köpfen, erhalten: {num_attention_heads}."
        )
    kv_heads = {"mha": num_attention_heads, "mqa": 1}.get(kind, num_attention_heads // 2)
    hidden = num_attention_heads * head_dim
    common = {
        "name": f"tiny-{kind}",
        "family": "Mini-Modell",
        "hf_id": "-",
        "num_layers": num_layers,
        "hidden_size": hidden,
        "intermediate_size": 2 * hidden,
        "num_attention_heads": num_attention_heads,
        "num_key_value_heads": kv_heads,
        "head_dim": head_dim,
        "vocab_size": 64,
        "max_context": 4096,
        "sources": {"*": "Mini-Modell für Tests, keine realen Werte"},
    }
    if kind == "gemma3-hybrid":
        return ModelSpec(
            architecture="gemma3_text", sliding_window=sliding_window, local_global_pattern=(5, 1), **common
        )
    return ModelSpec(architecture="llama", **common)
