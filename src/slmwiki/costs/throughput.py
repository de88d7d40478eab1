"""Durchsatz für die Kostenrechnung: gemessen auf einer GPU, übertragen auf andere Karten (Roofline-Regel).

Die Messung (`benchmarks/results/gpu_inference.json`) enthält für Gemma 3 1B und 4B getrennt die
Verarbeitung der Eingabe (*Prefill*) und das Erzeugen der Ausgabe (*Decode*) bei mehreren gleichzeitigen
Anfragen (Batch 1, 8, 32). `load_measurements` prüft die Datei gegen das erwartete Schema.

Für eine andere Karte $X$ überträgt `throughput` die Messung auf der Messkarte $M$ mit einer Roofline-Regel:
Eine Karte ist nie schneller, als es ihre Rechenleistung oder Speicherbandbreite erlaubt, und nie schneller als
die Messung (der Aufwand der Software je Schritt bleibt):

- Decode (je Schritt ein Token je Anfrage; dabei werden alle Gewichte $W$ und der KV-Cache gelesen):
  $t_\\text{dec}(X) = \\max\\bigl(t_\\text{dec}(M),\\ (W + \\text{KV}) / (B_X \\cdot \\eta_B)\\bigr)$;
- Prefill (Matrixmultiplikationen, $2 N$ FLOPs je Token mit $N$ Parametern ohne Einbettung):
  $t_\\text{pre}(X) = \\max\\bigl(t_\\text{pre}(M),\\ 2 N T / (F_X \\cdot \\eta_F)\\bigr)$.

$B_X$ und $F_X$ sind Speicherbandbreite und dichte BF16-Rechenleistung laut Datenblatt; $\\eta_B$ und $\\eta_F$
sind die auf der Messkarte gemessenen Anteile davon (Kopierbandbreite bzw. Matrixmultiplikation ÷
Datenblatt). Decode-Schritte, die auf der Messkarte durch den Aufwand je Schritt begrenzt sind, werden so nicht
fälschlich im Verhältnis der Bandbreiten verlangsamt. Je Batchgröße nimmt die Rechnung die schnellste gemessene
Variante (z. B. mit CUDA Graphs).

Übertragene Werte heißen „abgeleitet“, nicht „gemessen“. Modelle, deren Gewichte nicht in den Speicher der
Karte passen, meldet `throughput` als nicht lauffähig.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from slmwiki.costs.prices import GpuSpec
from slmwiki.errors import ConfigError, DataError

__all__ = [
    "DecodePoint",
    "Measurements",
    "ModelMeasurement",
    "PrefillPoint",
    "Throughput",
    "default_measurements_path",
    "kv_cache_bytes",
    "load_measurements",
    "throughput",
]


@dataclass(frozen=True)
class PrefillPoint:
    """Eine Prefill-Messung: `batch` Anfragen mit je `prompt_tokens` Tokens in `seconds` Sekunden."""

    batch: int
    prompt_tokens: int
    seconds: float
    tokens_per_s: float


@dataclass(frozen=True)
class DecodePoint:
    """Eine Decode-Messung: ein Schritt erzeugt je Anfrage ein Token; `tokens_per_s` gilt für alle Anfragen."""

    variant: str
    """Ausführungsvariante, z. B. „eager“, „static_cudagraphs“."""
    batch: int
    context_tokens: int
    new_tokens: int
    step_ms: float
    tokens_per_s: float
    per_request_tokens_per_s: float


@dataclass(frozen=True)
class ModelMeasurement:
    """Messungen eines Modells, nach Batchgröße."""

    name: str
    parameters: int
    weight_bytes: int
    prefill: dict[int, PrefillPoint]
    decode: dict[int, DecodePoint]
    """Schnellste gemessene Variante je Batchgröße."""
    decode_all: tuple[DecodePoint, ...] = ()
    """Alle Decode-Messungen (alle Varianten)."""


@dataclass(frozen=True)
class Measurements:
    """Inhalt von `gpu_inference.json`."""

    path: Path
    stand: str
    gpu_name: str
    gpu_memory_bytes: int
    weights: str
    dtype: str
    bf16_matmul_tflops: float
    copy_bandwidth_gb_s: float
    models: dict[str, ModelMeasurement]

    def model(self, name: str) -> ModelMeasurement:
        """Messung eines Modells nach Namen (`ConfigError`, wenn es nicht gemessen wurde)."""
        from slmwiki.costs.validation import known

        return self.models[known("Modell", name, self.models)]


@dataclass(frozen=True)
class Throughput:
    """Durchsatz eines Modells auf einer Karte bei `batch` gleichzeitigen Anfragen."""

    model: str
    gpu: str
    batch: int
    prefill_tokens_per_s: float
    """Verarbeitete Eingabe-Tokens je Sekunde, alle Anfragen zusammen."""
    decode_tokens_per_s: float
    """Erzeugte Ausgabe-Tokens je Sekunde, alle Anfragen zusammen."""
    derived: bool
    """`True`, wenn mit der Roofline-Regel von der Messkarte übertragen."""
    basis: str


def default_measurements_path() -> Path:
    """Pfad von `benchmarks/results/gpu_inference.json` im Repository."""
    return Path(__file__).resolve().parents[3] / "benchmarks" / "results" / "gpu_inference.json"


def _fail(path: Path, where: str, message: str) -> DataError:
    return DataError(f"{path}: „{where}“ {message}")


def _field(path: Path, entry: object, where: str, key: str, kind: type | tuple[type, ...]) -> object:
    if not isinstance(entry, dict) or key not in entry:
        raise _fail(path, f"{where}.{key}", "fehlt.")
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise _fail(path, f"{where}.{key}", f"hat den falschen Typ ({type(value).__name__}).")
    if isinstance(value, int | float) and value <= 0:
        raise _fail(path, f"{where}.{key}", f"muss größer als 0 sein, erhalten: {value!r}.")
    return value


def _points(path: Path, raw: object, where: str, keys: list[str], *, variant: bool = False) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, where, "muss eine nicht leere Liste sein.")
    points = []
    for i, entry in enumerate(raw):
        point = {"batch": _field(path, entry, f"{where}[{i}]", "batch", int)}
        if variant:
            point["variant"] = entry.get("variant", "") if isinstance(entry, dict) else ""
            if not isinstance(point["variant"], str):
                raise _fail(path, f"{where}[{i}].variant", "muss ein Text sein.")
        for key in keys:
            point[key] = _field(path, entry, f"{where}[{i}]", key, int | float)
        points.append(point)
    ids = [(p.get("variant", ""), p["batch"]) for p in points]
    if len(set(ids)) != len(ids):
        raise _fail(path, where, f"nennt eine Batchgröße doppelt: {[b for _, b in ids]}.")
    return points


def _decode(points: list[dict]) -> tuple[dict[int, DecodePoint], tuple[DecodePoint, ...]]:
    """Alle Decode-Punkte und je Batchgröße der schnellste."""
    all_points = tuple(
        DecodePoint(
            p.get("variant") or "eager",
            p["batch"],
            int(p["context_tokens"]),
            int(p["new_tokens"]),
            float(p["step_ms"]),
            float(p["tokens_per_s"]),
            float(p["per_request_tokens_per_s"]),
        )
        for p in points
    )
    best: dict[int, DecodePoint] = {}
    for point in all_points:
        if point.batch not in best or point.tokens_per_s > best[point.batch].tokens_per_s:
            best[point.batch] = point
    return dict(sorted(best.items())), all_points


def kv_cache_bytes(model: str, batch: int, context_tokens: int, bytes_per_value: int = 2) -> int:
    """Bytes des KV-Caches für `batch` Anfragen mit je `context_tokens` Tokens (Architektur aus `slmwiki.models`).

    Schichten mit gleitendem Fenster (Gemma 3: fünf von sechs) speichern höchstens das Fenster.
    """
    from slmwiki.models import get_spec

    spec = get_spec(model)
    per_token_layer = spec.num_key_value_heads * spec.head_dim * 2 * bytes_per_value
    total = 0
    for kind in spec.layer_types():
        kept = (
            context_tokens
            if kind == "full_attention"
            else min(context_tokens, spec.sliding_window or context_tokens)
        )
        total += per_token_layer * kept
    return batch * total


def load_measurements(path: str | Path | None = None) -> Measurements:
    """Lädt und prüft die Durchsatzmessung.

    Args:
        path: Pfad der JSON-Datei; `None` nimmt `default_measurements_path()`.

    Returns:
        Die geprüfte Messung.

    Raises:
        DataError: Wenn die Datei fehlt, kein JSON ist oder vom Schema abweicht.
    """
    file = Path(path) if path is not None else default_measurements_path()
    if not file.is_file():
        raise DataError(f"Die Durchsatzmessung „{file}“ gibt es nicht.")
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{file}: kein gültiges JSON ({exc}).") from None
    stand = _field(file, raw, "", "stand", str)
    gpu = _field(file, raw, "", "gpu", dict)
    models_raw = _field(file, raw, "", "models", dict)
    models = {}
    for name, entry in models_raw.items():
        where = f"models.{name}"
        prefill = _points(
            file,
            entry.get("prefill") if isinstance(entry, dict) else None,
            f"{where}.prefill",
            ["prompt_tokens", "seconds", "tokens_per_s"],
        )
        decode = _points(
            file,
            entry.get("decode") if isinstance(entry, dict) else None,
            f"{where}.decode",
            ["context_tokens", "new_tokens", "step_ms", "tokens_per_s", "per_request_tokens_per_s"],
            variant=True,
        )
        models[name] = ModelMeasurement(
            name,
            int(_field(file, entry, where, "parameters", int)),
            int(_field(file, entry, where, "weight_bytes", int)),
            {
                p["batch"]: PrefillPoint(
                    p["batch"], int(p["prompt_tokens"]), float(p["seconds"]), float(p["tokens_per_s"])
                )
                for p in prefill
            },
            *_decode(decode),
        )
    return Measurements(
        path=file,
        stand=str(stand),
        gpu_name=str(_field(file, gpu, "gpu", "name", str)),
        gpu_memory_bytes=int(_field(file, gpu, "gpu", "memory_bytes", int)),
        weights=str(_field(file, raw, "", "weights", str)),
        dtype=str(_field(file, raw, "", "dtype", str)),
        bf16_matmul_tflops=float(_field(file, raw, "", "bf16_matmul_tflops", int | float)),
        copy_bandwidth_gb_s=float(_field(file, raw, "", "copy_bandwidth_gbps", int | float)),
        models=models,
    )


def throughput(
    measurements: Measurements, model: str, target: GpuSpec, reference: GpuSpec, batch: int
) -> Throughput:
    """Durchsatz von `model` auf `target` bei `batch` gleichzeitigen Anfragen.

    Args:
        measurements: Die Messung auf der Messkarte.
        model: Modellname, z. B. „gemma-3-4b“.
        target: Zielkarte (Datenblattwerte).
        reference: Messkarte (Datenblattwerte), z. B. H200.
        batch: Zahl gleichzeitiger Anfragen; muss gemessen sein.

    Returns:
        Prefill- und Decode-Durchsatz, gemessen (Zielkarte = Messkarte) oder abgeleitet.

    Raises:
        ConfigError: Wenn die Batchgröße nicht gemessen wurde oder das Modell nicht in den Speicher passt.
    """
    m = measurements.model(model)
    if batch not in m.prefill or batch not in m.decode:
        measured = sorted(set(m.prefill) & set(m.decode))
        raise ConfigError(
            f"Für Batchgröße {batch} gibt es keine Messung; gemessen sind: {', '.join(map(str, measured))}."
        )
    if m.weight_bytes > target.memory_gb * 1e9:
        raise ConfigError(
            f"{model} ({m.weight_bytes / 1e9:.1f} GB Gewichte in {measurements.dtype}) passt nicht in den "
            f"Speicher der {target.label} ({target.memory_gb:g} GB)."
        )
    pre, dec = m.prefill[batch], m.decode[batch]
    if target.name == reference.name:
        return Throughput(
            model,
            target.name,
            batch,
            pre.tokens_per_s,
            dec.tokens_per_s,
            False,
            f"gemessen auf {measurements.gpu_name} (Decode: {dec.variant})",
        )
    from slmwiki.models import get_spec

    eta_flops = measurements.bf16_matmul_tflops / reference.bf16_dense_tflops
    eta_bandwidth = measurements.copy_bandwidth_gb_s / reference.bandwidth_gb_s
    linear = m.parameters - get_spec(model).embedding_parameters()
    tokens = pre.batch * pre.prompt_tokens
    t_pre = max(pre.seconds, 2 * linear * tokens / (target.bf16_dense_tflops * 1e12 * eta_flops))
    step_bytes = m.weight_bytes + kv_cache_bytes(model, dec.batch, dec.context_tokens)
    t_step = max(dec.step_ms / 1000, step_bytes / (target.bandwidth_gb_s * 1e9 * eta_bandwidth))
    return Throughput(
        model,
        target.name,
        batch,
        tokens / t_pre,
        dec.batch / t_step,
        True,
        (
            f"abgeleitet von {reference.label}: Prefill höchstens {target.bf16_dense_tflops:g} TFLOPS × "
            f"{eta_flops:.2f}, Decode höchstens {target.bandwidth_gb_s:g} GB/s × {eta_bandwidth:.2f}"
        ),
    )
