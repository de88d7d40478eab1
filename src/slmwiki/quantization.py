"""Quantisierung von Gewichten: NF4 (QLoRA), Double Quantization, INT8 und Fehlermaße.

Dieses Modul rechnet die Verfahren aus Kapitel 2 nach – lesbar in NumPy, ohne GPU:

* **NF4** (4-Bit-NormalFloat, Dettmers et al. 2023, QLoRA, arXiv:2305.14314, §3): 16 Codewerte aus
  Quantilen der Standardnormalverteilung, blockweise skaliert mit dem Betragsmaximum („absmax“) von je
  64 Gewichten. Codes und Absmax-Werte stimmen mit `bitsandbytes.functional.quantize_4bit(...,
  quant_type="nf4")` überein (geprüft in `tests/test_quantization.py`).
* **Double Quantization** (QLoRA, §3): die 32-Bit-Absmax-Konstanten werden selbst noch einmal mit 8 Bit
  quantisiert (Blockgröße 256). Das senkt den Speicherbedarf von 4,5 auf etwa 4,127 Bit pro Parameter.
* **INT8** nach Absmax (symmetrisch) und mit Nullpunkt (asymmetrisch), wie in LLM.int8()
  (Dettmers et al. 2022, arXiv:2208.07339, §2.1) beschrieben – pro Tensor oder blockweise.
* **Fehlermaße** (MSE, RMSE, maximaler und mittlerer absoluter Fehler, SQNR in dB).

Alle Funktionen nehmen NumPy-Arrays, Listen oder PyTorch-Tensoren entgegen (Tensoren werden nach
`float32` auf der CPU umgewandelt; das Modul importiert PyTorch selbst nicht) und geben NumPy-Arrays zurück.
Gerechnet wird wie in bitsandbytes in `float32`.

**Blockeinteilung.** Die Blöcke laufen über den zeilenweise (C-Reihenfolge) flachgelegten Tensor. Geht die
Elementzahl nicht in der Blockgröße auf, ist der letzte Block kürzer und bekommt seine eigene Konstante –
wie in bitsandbytes. Das ist gleichwertig damit, den letzten Block mit Nullen aufzufüllen: Nullen ändern das
Betragsmaximum nicht und werden nach der Quantisierung wieder entfernt.

Beispiel:
    ```python
    import numpy as np
    from slmwiki.quantization import dequantize_nf4, quantization_error, quantize_nf4

    w = np.random.default_rng(0).normal(0.0, 0.02, size=(128, 384)).astype(np.float32)
    q = quantize_nf4(w)                # 768 Blöcke zu je 64 Gewichten
    fehler = quantization_error(w, dequantize_nf4(q))
    print(q.codes.shape, q.absmax.shape, round(fehler.sqnr_db, 1))
    ```
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from slmwiki.errors import ConfigError, require_positive_int

NF4_OFFSET = 0.9677083
"""Äußerste Quantil-Wahrscheinlichkeit δ der NF4-Tabelle (Standardwert von bitsandbytes'
`create_normal_map`). Zahlenmäßig ist δ der Mittelwert von 1 − 1/(2·15) und 1 − 1/(2·16); eine Herleitung
haben die Autoren nicht veröffentlicht (bitsandbytes-Issues #440, #938, #968 fragen danach)."""

NF4_BITS = 4
"""Bits pro Gewicht im NF4-Format."""

CONSTANT_BITS = 32
"""Bits einer nicht weiter quantisierten Skalierungskonstante (float32)."""

DOUBLE_QUANT_BITS = 8
"""Bits einer doppelt quantisierten Absmax-Konstante (QLoRA, §3)."""

INT8_MAX = 127
"""Größter INT8-Code; beide Verfahren nutzen den symmetrischen Bereich −127 … 127."""

_NF4_ZERO_CODE = 7
"""Index des Codewerts 0,0 in der sortierten NF4-Tabelle (7 negative Werte liegen davor)."""


# --------------------------------------------------------------------------------------------------
# Eingaben prüfen und in Blöcke zerlegen
# --------------------------------------------------------------------------------------------------


def _as_float32_array(values: Any, name: str) -> np.ndarray:
    """Wandelt Array, Liste oder PyTorch-Tensor in ein endliches `float32`-Array um (prüft auf Fehler)."""
    if hasattr(values, "detach") and hasattr(values, "numpy"):  # PyTorch-Tensor, ohne torch zu importieren
        values = values.detach().cpu().float().numpy()
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"„{name}“ muss ein Zahlen-Array sein, erhalten: {type(values).__name__}.") from exc
    if array.dtype.kind not in "iuf":
        raise ConfigError(f"„{name}“ muss reelle Zahlen enthalten, erhalten: Datentyp {array.dtype}.")
    if array.size == 0:
        raise ConfigError(f"„{name}“ ist leer (Form {array.shape}); es wird mindestens ein Wert benötigt.")
    with np.errstate(over="ignore"):
        array32 = array.astype(np.float32)
    bad = ~np.isfinite(array32)
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ConfigError(
            f"„{name}“ enthält {int(bad.sum())} nicht endliche Werte (NaN, ±inf oder außerhalb des "
            f"float32-Bereichs), z. B. {float(array.flat[np.flatnonzero(bad)[0]])!r} an Position {position}."
        )
    return array32


def _check_block_size(name: str, value: Any) -> int:
    """Prüft eine Blockgröße (ganze Zahl > 0); NumPy-Ganzzahlen werden akzeptiert."""
    if isinstance(value, np.integer):
        value = int(value)
    return require_positive_int(name, value)


def _to_blocks(flat: np.ndarray, block_size: int) -> np.ndarray:
    """Formt ein flaches Array in Blöcke `(Anzahl Blöcke, block_size)` um; der Rest wird mit Nullen aufgefüllt."""
    num_blocks = -(-flat.size // block_size)  # Aufrunden: ceil(n / block_size)
    padded = np.zeros(num_blocks * block_size, dtype=flat.dtype)
    padded[: flat.size] = flat
    return padded.reshape(num_blocks, block_size)


def _readonly(array: np.ndarray) -> np.ndarray:
    """Gibt eine schreibgeschützte Kopie zurück, damit die eingefrorenen Datenklassen unveränderlich bleiben."""
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


# --------------------------------------------------------------------------------------------------
# NF4
# --------------------------------------------------------------------------------------------------


def nf4_codebook() -> np.ndarray:
    """Berechnet die 16 NF4-Codewerte aus Quantilen der Standardnormalverteilung.

    Vorgehen nach QLoRA (§3, „4-bit NormalFloat Quantization“) bzw. bitsandbytes' `create_normal_map`:

    1. Sei `Q(p)` die Quantilfunktion (Umkehrfunktion der Verteilungsfunktion) von N(0, 1) und
       δ = 0,9677083 die äußerste Wahrscheinlichkeit (`NF4_OFFSET`).
    2. Positiver Teil: 2^(k−1) + 1 = 9 gleichmäßig verteilte Wahrscheinlichkeiten von δ bis 0,5 liefern
       die Quantile `Q(p)` – acht positive Werte und `Q(0,5) = 0`.
    3. Negativer Teil: 2^(k−1) = 8 Wahrscheinlichkeiten von δ bis 0,5 liefern `−Q(p)` – sieben negative
       Werte und noch einmal die Null.
    4. Beide Mengen werden vereinigt, eine der beiden Nullen entfällt: 7 + 1 + 8 = 16 Werte. Die Tabelle
       ist also asymmetrisch und enthält die Null exakt (wichtig für Nullen und Auffüllwerte).
    5. Division durch den größten Wert `Q(δ) ≈ 1,848` normiert auf [−1, 1]; die Enden sind genau −1 und 1.

    Jeder Codewert steht damit für ungefähr gleich viel Wahrscheinlichkeitsmasse einer Normalverteilung –
    dort, wo viele Gewichte liegen (nahe 0), sind die Werte dichter.

    bitsandbytes rechnet die Tabelle in `float32` und hat sie fest im Quelltext stehen; die hier in
    `float64` berechneten Werte weichen davon um höchstens etwa 1,1·10⁻⁷ ab.

    Returns:
        Array der Form (16,) in `float64`, aufsteigend sortiert; Index = 4-Bit-Code (0 = −1,0; 7 = 0,0;
        15 = 1,0).
    """
    quantile = NormalDist().inv_cdf
    negative = [-quantile(p) for p in np.linspace(NF4_OFFSET, 0.5, 2 ** (NF4_BITS - 1))]
    positive = [quantile(p) for p in np.linspace(NF4_OFFSET, 0.5, 2 ** (NF4_BITS - 1) + 1)]
    values = np.sort(np.array(negative[:-1] + positive))  # negative[-1] ist die doppelte Null
    return values / values.max()


@dataclass(frozen=True, eq=False)
class NF4Tensor:
    """Ein blockweise NF4-quantisierter Tensor (ungepackt: ein Code pro Element).

    Gespeichert werden nur die 4-Bit-Codes und eine `float32`-Konstante pro Block. Der Speicherbedarf ist
    `4 + 32 / block_size` Bit pro Gewicht (siehe `bits_per_parameter`). Zur Anschauung liegen die Codes
    hier ungepackt als `uint8` vor; `packed()` liefert die echte Speicherform mit zwei Codes pro Byte.
    """

    codes: np.ndarray
    """4-Bit-Codes als `uint8` (Werte 0 bis 15) in der Form `shape`; Code `i` steht für `nf4_codebook()[i]`."""

    absmax: np.ndarray
    """Betragsmaximum jedes Blocks (`float32`, Form `(num_blocks,)`); Skalierungskonstante des Blocks."""

    shape: tuple[int, ...]
    """Form des ursprünglichen Tensors."""

    block_size: int
    """Anzahl aufeinanderfolgender Elemente (flach, C-Reihenfolge), die sich eine Konstante teilen."""

    def __post_init__(self) -> None:
        block_size = _check_block_size("block_size", self.block_size)
        shape = tuple(int(d) for d in self.shape)
        codes = np.asarray(self.codes)
        if codes.shape != shape:
            raise ConfigError(f"„codes“ hat die Form {codes.shape}, erwartet wird „shape“ = {shape}.")
        if codes.dtype != np.uint8 or (codes.size and int(codes.max()) > 15):
            raise ConfigError(
                f"„codes“ muss uint8-Werte von 0 bis 15 enthalten, erhalten: Datentyp {codes.dtype}."
            )
        absmax = np.asarray(self.absmax, dtype=np.float32)
        expected_blocks = -(-codes.size // block_size)
        if absmax.shape != (expected_blocks,):
            raise ConfigError(
                f"„absmax“ hat die Form {absmax.shape}, erwartet werden {expected_blocks} Werte "
                f"({codes.size} Elemente / Blockgröße {block_size}, aufgerundet)."
            )
        if not np.all(np.isfinite(absmax)) or np.any(absmax < 0):
            raise ConfigError("„absmax“ muss endliche Werte größer oder gleich 0 enthalten.")
        object.__setattr__(self, "codes", _readonly(codes))
        object.__setattr__(self, "absmax", _readonly(absmax))
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "block_size", block_size)

    @property
    def num_blocks(self) -> int:
        """Anzahl der Blöcke (und damit der Absmax-Konstanten)."""
        return int(self.absmax.size)

    def packed(self) -> np.ndarray:
        """Packt je zwei Codes in ein Byte – so, wie bitsandbytes sie speichert.

        Das Element mit geradem Index (0, 2, 4, …) kommt in das höherwertige Halbbyte („Nibble“), das
        folgende in das niederwertige: `byte = (code[2i] << 4) | code[2i + 1]`. Bei ungerader Elementzahl
        wird mit dem Code 7 aufgefüllt – das ist der Codewert 0,0, den auch bitsandbytes für die
        aufgefüllte Null erhält.

        Returns:
            Flaches `uint8`-Array mit `ceil(n / 2)` Bytes.
        """
        flat = self.codes.ravel()
        if flat.size % 2:
            flat = np.append(flat, np.uint8(_NF4_ZERO_CODE))
        return (flat[0::2] << 4) | flat[1::2]


def quantize_nf4(weights: Any, block_size: int = 64) -> NF4Tensor:
    """Quantisiert Gewichte blockweise auf 4-Bit-NormalFloat (NF4).

    Für jeden Block `b` aus `block_size` aufeinanderfolgenden Gewichten:

    1. Skalierungskonstante `absmax_b = max |w|` über den Block.
    2. Normieren: `x = w · (1 / absmax_b)`, damit liegt `x` in [−1, 1]. (Wie bitsandbytes wird mit dem
       Kehrwert multipliziert und in `float32` gerechnet; ein Block aus lauter Nullen bleibt null.)
    3. Nächstgelegenen Codewert suchen: Code `i`, dessen Wert `nf4_codebook()[i]` am nächsten an `x` liegt.
       Dafür genügen die 15 Mittelpunkte zwischen benachbarten Codewerten als Entscheidungsgrenzen; liegt
       `x` genau auf einer Grenze, gewinnt der kleinere Code (wie `torch.bucketize` in bitsandbytes).

    Rechenbeispiel (Codewerte aus bitsandbytes `get_4bit_type("nf4")`): Block mit `absmax = 0,8`, Gewicht
    `w = 0,23` → `x = 0,2875`; die Nachbarwerte sind 0,2461 (Code 10) und 0,3379 (Code 11); 0,2461 liegt
    näher → Code 10 → rekonstruiert `0,2461 · 0,8 ≈ 0,197`.

    Geht die Elementzahl nicht in `block_size` auf, ist der letzte Block kürzer (gleichwertig zum Auffüllen
    mit Nullen, wie in bitsandbytes). Die Tabelle wird in `float32` verwendet; bitsandbytes' fest
    hinterlegte Tabelle weicht davon um höchstens etwa 1,1·10⁻⁷ ab. Codes können daher nur für Werte
    abweichen, die näher als etwa 10⁻⁷ an einer Entscheidungsgrenze liegen.

    Args:
        weights: Gewichte beliebiger Form (NumPy-Array, Liste oder PyTorch-Tensor), endlich, nicht leer.
        block_size: Elemente pro Block; QLoRA verwendet 64.

    Returns:
        `NF4Tensor` mit Codes (Form wie `weights`) und einer Absmax-Konstante pro Block.

    Raises:
        ConfigError: Wenn `weights` leer ist, NaN/±inf enthält oder keine Zahlen enthält, oder wenn
            `block_size` keine ganze Zahl größer als 0 ist.
    """
    block_size = _check_block_size("block_size", block_size)
    array = _as_float32_array(weights, "weights")
    blocks = _to_blocks(array.ravel(), block_size)

    absmax = np.abs(blocks).max(axis=1)
    # Kehrwert wie in bitsandbytes; die Untergrenze verhindert eine Division durch null bei Nullblöcken.
    inverse = np.float32(1.0) / np.maximum(absmax, np.finfo(np.float32).tiny)
    normalized = np.clip(blocks * inverse[:, None], -1.0, 1.0)

    codebook = nf4_codebook().astype(np.float32)
    boundaries = (codebook[:-1] + codebook[1:]) / 2
    codes = np.searchsorted(boundaries, normalized, side="left").astype(np.uint8)

    codes = codes.ravel()[: array.size].reshape(array.shape)
    return NF4Tensor(codes=codes, absmax=absmax, shape=array.shape, block_size=block_size)


def dequantize_nf4(q: NF4Tensor) -> np.ndarray:
    """Rekonstruiert Gewichte aus einem `NF4Tensor`: `ŵ = nf4_codebook()[code] · absmax_block`.

    Args:
        q: Ergebnis von `quantize_nf4` (oder ein `NF4Tensor` mit z. B. doppelt dequantisierten
            Absmax-Werten, siehe `double_dequantize_absmax`).

    Returns:
        `float32`-Array in der Form `q.shape`.

    Raises:
        ConfigError: Wenn `q` kein `NF4Tensor` ist.
    """
    if not isinstance(q, NF4Tensor):
        raise ConfigError(f"„q“ muss ein NF4Tensor sein, erhalten: {type(q).__name__}.")
    codebook = nf4_codebook().astype(np.float32)
    blocks = _to_blocks(q.codes.ravel(), q.block_size)
    values = codebook[blocks] * q.absmax[:, None]
    return values.ravel()[: q.codes.size].reshape(q.shape)


# --------------------------------------------------------------------------------------------------
# INT8: Absmax (symmetrisch) und Nullpunkt (asymmetrisch)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Int8Tensor:
    """Ein INT8-quantisierter Tensor mit einer Skala (und einem Nullpunkt) pro Block.

    Rekonstruktion für jedes Element: `x̂ = (code − zero_point) / scale`. Bei Absmax-Quantisierung ist
    der Nullpunkt immer 0.
    """

    codes: np.ndarray
    """INT8-Codes (`int8`, Werte −127 … 127) in der Form `shape`."""

    scales: np.ndarray
    """Skala pro Block (`float32`): so viele Code-Stufen pro Einheit des Originalwerts."""

    zero_points: np.ndarray
    """Ganzzahliger Nullpunkt pro Block (`int16`): der Code, auf den der Wert 0,0 abgebildet wird."""

    shape: tuple[int, ...]
    """Form des ursprünglichen Tensors."""

    block_size: int | None
    """Elemente pro Block; `None` heißt: eine Skala für den ganzen Tensor."""

    def __post_init__(self) -> None:
        shape = tuple(int(d) for d in self.shape)
        codes = np.asarray(self.codes)
        if codes.shape != shape or codes.dtype != np.int8:
            raise ConfigError(
                f"„codes“ muss ein int8-Array der Form {shape} sein, erhalten: {codes.dtype} {codes.shape}."
            )
        block_size = None if self.block_size is None else _check_block_size("block_size", self.block_size)
        expected_blocks = 1 if block_size is None else -(-codes.size // block_size)
        scales = np.asarray(self.scales, dtype=np.float32)
        zero_points = np.asarray(self.zero_points, dtype=np.int16)
        if scales.shape != (expected_blocks,) or zero_points.shape != (expected_blocks,):
            raise ConfigError(
                f"„scales“ und „zero_points“ brauchen je {expected_blocks} Werte, erhalten: "
                f"{scales.shape} und {zero_points.shape}."
            )
        if not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise ConfigError("„scales“ muss endliche Werte größer als 0 enthalten.")
        object.__setattr__(self, "codes", _readonly(codes))
        object.__setattr__(self, "scales", _readonly(scales))
        object.__setattr__(self, "zero_points", _readonly(zero_points))
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "block_size", block_size)


def _int8_blocks(values: Any, block_size: int | None) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Gemeinsame Vorbereitung: prüft die Eingabe und liefert `(array, blocks, block_size)`."""
    checked = None if block_size is None else _check_block_size("block_size", block_size)
    array = _as_float32_array(values, "values")
    blocks = _to_blocks(array.ravel(), checked if checked is not None else array.size)
    return array, blocks, checked


def quantize_absmax_int8(values: Any, block_size: int | None = None) -> Int8Tensor:
    """Symmetrische INT8-Quantisierung nach dem Betragsmaximum (LLM.int8(), §2.1).

    Formeln (pro Block bzw. für den ganzen Tensor):

    * Skala `s = 127 / max |x|`
    * Code `q = round(s · x)`, Bereich −127 … 127
    * Rekonstruktion `x̂ = q / s`

    Gerundet wird mit `numpy.rint` (bei exakt ,5 zur geraden Zahl, wie `torch.round`). Ein Block aus lauter
    Nullen bekommt die Skala 1 und nur Nullcodes.

    Rechenbeispiel (Verfahren nach LLM.int8(), arXiv:2208.07339, §2.1): `x = [0,5; −1,2; 3,0; 0,1]` →
    `max |x| = 3,0` → `s = 42,33` → `q = round([21,17; −50,8; 127; 4,23]) = [21; −51; 127; 4]`.

    Args:
        values: Werte beliebiger Form (NumPy-Array, Liste oder PyTorch-Tensor), endlich, nicht leer.
        block_size: Elemente pro Block (flach, C-Reihenfolge); `None` = eine Skala für den ganzen Tensor.

    Returns:
        `Int8Tensor` mit Nullpunkten 0.

    Raises:
        ConfigError: Bei leerer oder nicht endlicher Eingabe oder einer Blockgröße, die keine ganze Zahl
            größer als 0 ist.
    """
    array, blocks, block_size = _int8_blocks(values, block_size)
    absmax = np.abs(blocks).max(axis=1)
    scales = np.where(absmax > 0, np.float32(INT8_MAX) / np.where(absmax > 0, absmax, 1), np.float32(1))
    codes = np.clip(np.rint(blocks * scales[:, None]), -INT8_MAX, INT8_MAX).astype(np.int8)
    return Int8Tensor(
        codes=codes.ravel()[: array.size].reshape(array.shape),
        scales=scales.astype(np.float32),
        zero_points=np.zeros(scales.size, dtype=np.int16),
        shape=array.shape,
        block_size=block_size,
    )


def quantize_zeropoint_int8(values: Any, block_size: int | None = None) -> Int8Tensor:
    """Asymmetrische INT8-Quantisierung mit Nullpunkt (Zero-Point, LLM.int8(), §2.1).

    Statt `[−max|x|, max|x|]` wird nur der tatsächlich belegte Bereich `[min, max]` auf −127 … 127
    abgebildet – bei einseitigen Daten (z. B. nach ReLU) bleibt so kein Code ungenutzt. Formeln:

    * Bereich so erweitern, dass er 0 enthält: `lo = min(min x, 0)`, `hi = max(max x, 0)`
      (dann ist 0,0 exakt darstellbar und der Nullpunkt passt in den INT8-Bereich).
    * Skala („normalized dynamic range“) `nd = 254 / (hi − lo)`
    * Ganzzahliger Nullpunkt `zp = round(−127 − nd · lo)`, also der Code für den Wert 0,0
    * Code `q = clip(round(nd · x) + zp, −127, 127)`
    * Rekonstruktion `x̂ = (q − zp) / nd`

    Ein Block aus lauter Nullen bekommt die Skala 1 und den Nullpunkt 0.

    Args:
        values: Werte beliebiger Form (NumPy-Array, Liste oder PyTorch-Tensor), endlich, nicht leer.
        block_size: Elemente pro Block (flach, C-Reihenfolge); `None` = eine Skala für den ganzen Tensor.

    Returns:
        `Int8Tensor` mit Skala und Nullpunkt pro Block.

    Raises:
        ConfigError: Bei leerer oder nicht endlicher Eingabe oder einer Blockgröße, die keine ganze Zahl
            größer als 0 ist.
    """
    array, blocks, block_size = _int8_blocks(values, block_size)
    # Aufgefüllte Nullen im letzten Block ändern nichts, weil der Bereich die 0 ohnehin enthält.
    lo = np.minimum(blocks.min(axis=1), 0)
    hi = np.maximum(blocks.max(axis=1), 0)
    spread = hi - lo
    scales = np.where(spread > 0, np.float32(2 * INT8_MAX) / np.where(spread > 0, spread, 1), np.float32(1))
    zero_points = np.rint(-INT8_MAX - scales * lo)
    codes = np.clip(np.rint(blocks * scales[:, None]) + zero_points[:, None], -INT8_MAX, INT8_MAX)
    return Int8Tensor(
        codes=codes.astype(np.int8).ravel()[: array.size].reshape(array.shape),
        scales=scales.astype(np.float32),
        zero_points=zero_points.astype(np.int16),
        shape=array.shape,
        block_size=block_size,
    )


def _dequantize_int8(q: Int8Tensor) -> np.ndarray:
    """Gemeinsame Rekonstruktion `x̂ = (q − zp) / s` pro Block."""
    if not isinstance(q, Int8Tensor):
        raise ConfigError(f"„q“ muss ein Int8Tensor sein, erhalten: {type(q).__name__}.")
    block_size = q.block_size if q.block_size is not None else q.codes.size
    blocks = _to_blocks(q.codes.ravel().astype(np.float32), block_size)
    values = (blocks - q.zero_points[:, None].astype(np.float32)) / q.scales[:, None]
    return values.ravel()[: q.codes.size].reshape(q.shape)


def dequantize_absmax_int8(q: Int8Tensor) -> np.ndarray:
    """Rekonstruiert Werte aus `quantize_absmax_int8`: `x̂ = q / s`.

    Args:
        q: Ergebnis von `quantize_absmax_int8`.

    Returns:
        `float32`-Array in der Form `q.shape`.

    Raises:
        ConfigError: Wenn `q` kein `Int8Tensor` ist.
    """
    return _dequantize_int8(q)


def dequantize_zeropoint_int8(q: Int8Tensor) -> np.ndarray:
    """Rekonstruiert Werte aus `quantize_zeropoint_int8`: `x̂ = (q − zp) / nd`.

    Args:
        q: Ergebnis von `quantize_zeropoint_int8`.

    Returns:
        `float32`-Array in der Form `q.shape`.

    Raises:
        ConfigError: Wenn `q` kein `Int8Tensor` ist.
    """
    return _dequantize_int8(q)


# --------------------------------------------------------------------------------------------------
# Double Quantization der Absmax-Konstanten
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DoubleQuantizedAbsmax:
    """Doppelt quantisierte Absmax-Konstanten: 8-Bit-Codes, eine Skala pro 256 Konstanten, ein Mittelwert."""

    quantized: Int8Tensor
    """Die um den Mittelwert verschobenen Konstanten, blockweise Absmax-INT8-quantisiert."""

    offset: float
    """Mittelwert der ursprünglichen Konstanten (einmal pro Tensor als float32 gespeichert)."""


def double_quantize_absmax(absmax: Any, block_size: int = 256) -> DoubleQuantizedAbsmax:
    """Quantisiert die NF4-Konstanten ein zweites Mal mit 8 Bit (QLoRA, §3 „Double Quantization“).

    Die Absmax-Werte sind alle positiv und liegen eng beieinander. Daher wird zuerst ihr Mittelwert `μ`
    abgezogen (so nutzen die Werte den symmetrischen Bereich aus), dann werden die Differenzen blockweise
    (Blockgröße 256) mit 8 Bit quantisiert. Gespeichert werden pro Konstante 8 statt 32 Bit, dazu pro
    256 Konstanten eine 32-Bit-Skala und einmal `μ`.

    Hinweis zum 8-Bit-Format: QLoRA verwendet „8-bit Floats“, bitsandbytes dafür seine nichtlineare
    „dynamische“ 8-Bit-Tabelle. Dieses Modul nimmt der Lesbarkeit halber die lineare
    Absmax-INT8-Quantisierung (`quantize_absmax_int8`). Der Speicherbedarf ist derselbe (8 Bit pro
    Konstante plus 32 Bit pro Block); der Rekonstruktionsfehler liegt in derselben Größenordnung (Test
    gegen bitsandbytes' `compress_statistics=True`).

    Args:
        absmax: Konstanten eines `NF4Tensor` (`q.absmax`) oder beliebige endliche Werte.
        block_size: Konstanten pro Block der zweiten Quantisierung; QLoRA verwendet 256.

    Returns:
        `DoubleQuantizedAbsmax`; zurück mit `double_dequantize_absmax`.

    Raises:
        ConfigError: Bei leerer oder nicht endlicher Eingabe oder ungültiger Blockgröße.
    """
    block_size = _check_block_size("block_size", block_size)
    constants = _as_float32_array(absmax, "absmax").ravel()
    offset = constants.mean(dtype=np.float32)
    return DoubleQuantizedAbsmax(
        quantized=quantize_absmax_int8(constants - offset, block_size=block_size), offset=float(offset)
    )


def double_dequantize_absmax(dq: DoubleQuantizedAbsmax) -> np.ndarray:
    """Rekonstruiert die Absmax-Konstanten: `absmax ≈ dequantize_absmax_int8(codes) + μ`.

    Zusammen mit `dataclasses.replace` ergibt das NF4 mit Double Quantization:

    ```python
    q = quantize_nf4(w)
    absmax_dq = double_dequantize_absmax(double_quantize_absmax(q.absmax))
    w_dq = dequantize_nf4(dataclasses.replace(q, absmax=absmax_dq))
    ```

    Args:
        dq: Ergebnis von `double_quantize_absmax`.

    Returns:
        `float32`-Array der Form `(Anzahl Konstanten,)`; negative Ergebnisse (nur bei extrem ungleichen
        Konstanten denkbar) werden auf 0 gesetzt.

    Raises:
        ConfigError: Wenn `dq` kein `DoubleQuantizedAbsmax` ist.
    """
    if not isinstance(dq, DoubleQuantizedAbsmax):
        raise ConfigError(f"„dq“ muss ein DoubleQuantizedAbsmax sein, erhalten: {type(dq).__name__}.")
    restored = dequantize_absmax_int8(dq.quantized) + np.float32(dq.offset)
    return np.maximum(restored, 0).astype(np.float32)


def bits_per_parameter(block_size: int = 64, double_quant: bool = False, dq_block_size: int = 256) -> float:
    """Speicherbedarf von NF4 in Bit pro Gewicht, einschließlich der Skalierungskonstanten.

    * Ohne Double Quantization: `4 + 32 / block_size`; für Blockgröße 64 also `4 + 0,5 = 4,5` Bit.
    * Mit Double Quantization: `4 + 8 / block_size + 32 / (block_size · dq_block_size)`; für 64 und 256
      also `4 + 0,125 + 0,00195 ≈ 4,127` Bit. Die Ersparnis beträgt `0,5 − 0,127 ≈ 0,373` Bit pro
      Parameter (QLoRA, arXiv:2305.14314, §3 „Double Quantization“; 0,373 Bit ist die Ersparnis, nicht der
      verbleibende Bedarf der Konstanten).

    Nicht mitgezählt werden Größen, die nur einmal pro Tensor anfallen (der Mittelwert `μ` und die
    Code-Tabellen) – bei Millionen Gewichten pro Tensor ist ihr Anteil verschwindend.

    Args:
        block_size: Gewichte pro NF4-Block.
        double_quant: Ob die Absmax-Konstanten mit 8 Bit quantisiert werden.
        dq_block_size: Konstanten pro Block der zweiten Quantisierung.

    Returns:
        Bit pro Parameter als `float`.

    Raises:
        ConfigError: Wenn eine Blockgröße keine ganze Zahl größer als 0 ist.
    """
    block_size = _check_block_size("block_size", block_size)
    dq_block_size = _check_block_size("dq_block_size", dq_block_size)
    if not double_quant:
        return NF4_BITS + CONSTANT_BITS / block_size
    return NF4_BITS + DOUBLE_QUANT_BITS / block_size + CONSTANT_BITS / (block_size * dq_block_size)


# --------------------------------------------------------------------------------------------------
# Fehlermaße
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantizationError:
    """Kennzahlen für den Unterschied zwischen Originalwerten `x` und Rekonstruktion `x̂` (n Elemente)."""

    mse: float
    """Mittlerer quadratischer Fehler `MSE = (1/n) · Σ (x − x̂)²`; bestraft große Abweichungen stark."""

    rmse: float
    """Wurzel daraus, `RMSE = √MSE`; in derselben Einheit wie die Gewichte, typischer Fehler pro Element."""

    max_abs_error: float
    """Größter Einzelfehler `max |x − x̂|`; zeigt Ausreißer, die im Mittel untergehen."""

    mean_abs_error: float
    """Mittlerer absoluter Fehler `(1/n) · Σ |x − x̂|`."""

    sqnr_db: float
    """Signal-Quantisierungsrausch-Abstand `SQNR = 10 · log10(Σ x² / Σ (x − x̂)²)` in Dezibel.

    Je größer, desto besser; +6 dB entsprechen ungefähr einem zusätzlichen Bit Auflösung. Ohne Fehler
    ist der Wert `inf`, bei einem Signal aus lauter Nullen mit Fehler `-inf`."""


def quantization_error(original: Any, reconstructed: Any) -> QuantizationError:
    """Berechnet Fehlermaße zwischen Original und Rekonstruktion (gerechnet in `float64`).

    Args:
        original: Ursprüngliche Werte (Array, Liste oder PyTorch-Tensor), endlich, nicht leer.
        reconstructed: Rekonstruierte Werte in derselben Form.

    Returns:
        `QuantizationError` mit MSE, RMSE, maximalem und mittlerem absolutem Fehler und SQNR in dB.

    Raises:
        ConfigError: Wenn eine Eingabe leer oder nicht endlich ist oder die Formen verschieden sind.
    """
    x = _as_float32_array(original, "original").astype(np.float64)
    x_hat = _as_float32_array(reconstructed, "reconstructed").astype(np.float64)
    if x.shape != x_hat.shape:
        raise ConfigError(f"„reconstructed“ hat die Form {x_hat.shape}, „original“ aber {x.shape}.")
    error = x - x_hat
    mse = float(np.mean(error**2))
    signal_power = float(np.sum(x**2))
    noise_power = float(np.sum(error**2))
    if noise_power == 0:
        sqnr_db = math.inf
    elif signal_power == 0:
        sqnr_db = -math.inf
    else:
        sqnr_db = 10 * math.log10(signal_power / noise_power)
    return QuantizationError(
        mse=mse,
        rmse=math.sqrt(mse),
        max_abs_error=float(np.max(np.abs(error))),
        mean_abs_error=float(np.mean(np.abs(error))),
        sqnr_db=sqnr_db,
    )
