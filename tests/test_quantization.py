"""Tests für slmwiki.quantization: NF4 gegen bitsandbytes, INT8 gegen Handrechnung, Eigenschaften.

Erwartungswerte kommen entweder aus der installierten bitsandbytes-Bibliothek (Tabelle, Codes, Speicher)
oder sind von Hand gerechnet (Rechnung jeweils im Docstring).
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import bitsandbytes.functional as bnb_functional
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from slmwiki.errors import ConfigError
from slmwiki.quantization import (
    NF4Tensor,
    bits_per_parameter,
    dequantize_absmax_int8,
    dequantize_nf4,
    dequantize_zeropoint_int8,
    double_dequantize_absmax,
    double_quantize_absmax,
    nf4_codebook,
    quantization_error,
    quantize_absmax_int8,
    quantize_nf4,
    quantize_zeropoint_int8,
)

# ------------------------------------------------------------------------------------------------
# Hilfsfunktionen für den Vergleich mit bitsandbytes
# ------------------------------------------------------------------------------------------------


def _bnb_table() -> np.ndarray:
    """Die NF4-Tabelle, wie die installierte bitsandbytes-Version sie verwendet."""
    return bnb_functional.get_4bit_type("nf4", device="cpu").numpy().astype(np.float64)


def _unpack_bnb(packed: torch.Tensor, n: int) -> np.ndarray:
    """Entpackt bitsandbytes' uint8-Bytes in n Codes.

    Reihenfolge laut bitsandbytes 0.50.2, backends/default/ops.py (`quantize_4bit`):
    `packed = (q[::2] << 4) | q[1::2]` – gerader Index im oberen, ungerader im unteren Halbbyte.
    """
    raw = packed.view(torch.uint8).numpy().ravel()
    codes = np.empty(raw.size * 2, dtype=np.uint8)
    codes[0::2] = raw >> 4
    codes[1::2] = raw & 0x0F
    return codes[:n]


def _random_weights(shape: tuple[int, ...], seed: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Normalverteilte Gewichte (σ = 0,02, typisch für Sprachmodelle), reproduzierbar über den Seed."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator) * 0.02).to(dtype)


# ------------------------------------------------------------------------------------------------
# NF4-Tabelle
# ------------------------------------------------------------------------------------------------


def test_nf4_codebook_matches_bitsandbytes_table_within_1e_6() -> None:
    """Die aus Normalverteilungs-Quantilen berechnete Tabelle stimmt mit bitsandbytes' Tabelle überein."""
    ours = nf4_codebook()
    assert ours.shape == (16,)
    np.testing.assert_allclose(ours, _bnb_table(), rtol=0, atol=1e-6)


def test_nf4_codebook_is_asymmetric_with_exact_zero_and_unit_ends() -> None:
    """QLoRA §3: sieben negative Werte, eine exakte Null, acht positive Werte, Enden genau −1 und 1."""
    ours = nf4_codebook()
    assert np.all(np.diff(ours) > 0)
    assert (ours < 0).sum() == 7 and (ours > 0).sum() == 8
    assert ours[7] == 0.0
    assert ours[0] == -1.0 and ours[15] == 1.0


# ------------------------------------------------------------------------------------------------
# NF4 gegen bitsandbytes
# ------------------------------------------------------------------------------------------------

SHAPES = [((64, 64), 0), ((128, 384), 1), ((1000,), 2), ((999,), 3), ((7, 13), 4)]


@pytest.mark.parametrize(("shape", "seed"), SHAPES)
def test_nf4_codes_absmax_and_dequantized_values_match_bitsandbytes(
    shape: tuple[int, ...], seed: int
) -> None:
    """Codes identisch, Absmax identisch, Rekonstruktion bis auf die Tabellenabweichung gleich bitsandbytes.

    Toleranz der Rekonstruktion: 1e-6 · Absmax des Blocks – die beiden Tabellen dürfen um 1e-6 abweichen
    (siehe Tabellentest, gemessen etwa 1,1e-7), dazu kommt höchstens eine float32-Rundung (≈ 6e-8 relativ).
    (999,) und (7, 13) prüfen den kürzeren letzten Block und die ungerade Elementzahl.
    """
    weights = _random_weights(shape, seed)
    packed, state = bnb_functional.quantize_4bit(weights, blocksize=64, quant_type="nf4")
    bnb_dequantized = bnb_functional.dequantize_4bit(packed, state).numpy().reshape(shape)
    n = weights.numel()

    q = quantize_nf4(weights, block_size=64)

    assert q.codes.dtype == np.uint8 and q.codes.shape == shape
    np.testing.assert_array_equal(q.codes.ravel(), _unpack_bnb(packed, n))
    np.testing.assert_array_equal(q.absmax, state.absmax.numpy())  # beide: max |w| in float32, exakt
    np.testing.assert_array_equal(q.packed(), packed.numpy().ravel())

    tolerance = 1e-6 * np.repeat(q.absmax, 64)[:n].reshape(shape)
    assert np.all(np.abs(dequantize_nf4(q) - bnb_dequantized) <= tolerance)


def test_nf4_accepts_bfloat16_tensor_like_bitsandbytes() -> None:
    """bfloat16-Tensoren werden wie in bitsandbytes nach float32 umgewandelt und gleich quantisiert."""
    weights = _random_weights((32, 128), seed=5, dtype=torch.bfloat16)
    packed, state = bnb_functional.quantize_4bit(weights, blocksize=64, quant_type="nf4")
    q = quantize_nf4(weights)
    np.testing.assert_array_equal(q.codes.ravel(), _unpack_bnb(packed, weights.numel()))
    np.testing.assert_array_equal(q.absmax, state.absmax.numpy())


def test_nf4_torch_and_numpy_inputs_give_identical_results() -> None:
    """Ein PyTorch-Tensor und dasselbe NumPy-Array liefern dieselben Codes und Konstanten."""
    weights = _random_weights((16, 40), seed=6)
    from_torch = quantize_nf4(weights, block_size=32)
    from_numpy = quantize_nf4(weights.numpy(), block_size=32)
    np.testing.assert_array_equal(from_torch.codes, from_numpy.codes)
    np.testing.assert_array_equal(from_torch.absmax, from_numpy.absmax)


def test_nf4_fact_sheet_example_block_absmax_0_8_weight_0_23() -> None:
    """Faktenblatt 2.3: absmax 0,8, w = 0,23 → 0,2875 → Code 10 (0,2461…) → 0,24611230 · 0,8 = 0,19688984.

    0,8 selbst wird zu 1,0 normiert (Code 15) und exakt rekonstruiert.
    """
    q = quantize_nf4(np.array([0.8, 0.23], dtype=np.float32))
    assert q.codes.tolist() == [15, 10]
    np.testing.assert_allclose(dequantize_nf4(q), [0.8, 0.19688984], rtol=1e-6)


def test_nf4_all_zero_block_gives_zero_code_and_zero_reconstruction() -> None:
    """Ein Block aus Nullen: Absmax 0, Code 7 (die Null liegt hinter sieben negativen Werten), Rückweg 0."""
    q = quantize_nf4(np.zeros(10, dtype=np.float32), block_size=4)
    assert q.absmax.tolist() == [0.0, 0.0, 0.0]
    assert set(q.codes.tolist()) == {7}
    assert np.all(dequantize_nf4(q) == 0)


def test_nf4_packing_puts_even_index_into_high_nibble_and_pads_with_zero_code() -> None:
    """Codes [1, 2, 3] → Bytes 0x12 und 0x37 (letztes Halbbyte aufgefüllt mit Code 7 = Wert 0,0)."""
    q = NF4Tensor(
        codes=np.array([1, 2, 3], dtype=np.uint8), absmax=np.array([1.0]), shape=(3,), block_size=64
    )
    assert q.packed().tolist() == [0x12, 0x37]


def test_nf4_last_short_block_gets_its_own_absmax() -> None:
    """10 Werte, Blockgröße 4 → ceil(10/4) = 3 Konstanten; der letzte Block [5, −9] hat Absmax 9."""
    values = np.array([1, -2, 3, 0.5, 4, 4, -1, 2, 5, -9], dtype=np.float32)
    q = quantize_nf4(values, block_size=4)
    assert q.absmax.tolist() == [3.0, 4.0, 9.0]


# ------------------------------------------------------------------------------------------------
# Double Quantization und Bits pro Parameter
# ------------------------------------------------------------------------------------------------


def test_bits_per_parameter_hand_computed_values() -> None:
    """Von Hand: 4 + 32/64 = 4,5; 4 + 8/64 + 32/(64·256) = 4 + 0,125 + 0,001953125 = 4,126953125.

    Blockgröße 128 ohne DQ: 4 + 32/128 = 4,25. Die Ersparnis durch DQ ist 4,5 − 4,126953125 = 0,373046875.
    """
    assert bits_per_parameter(64) == 4.5
    assert bits_per_parameter(64, double_quant=True) == 4 + 1 / 8 + 1 / 512 == 4.126953125
    assert bits_per_parameter(128) == 4.25
    assert bits_per_parameter() - bits_per_parameter(double_quant=True) == pytest.approx(0.373046875)


def test_bits_per_parameter_equals_storage_of_bitsandbytes_tensors() -> None:
    """Bits, die bitsandbytes tatsächlich speichert, geteilt durch die Gewichtszahl, ergeben die Formel.

    128·256 = 32.768 Gewichte = 512 Blöcke à 64 = 2 DQ-Blöcke à 256 Konstanten. Gezählt werden gepackte
    Codes, Konstanten und Skalen der zweiten Stufe; Größen je Tensor (Mittelwert, Code-Tabellen) nicht.
    """
    weights = _random_weights((128, 256), seed=7)
    n = weights.numel()

    packed, plain = bnb_functional.quantize_4bit(weights, blocksize=64, quant_type="nf4")
    plain_bits = packed.numel() * 8 + plain.absmax.numel() * 32
    assert plain.absmax.dtype == torch.float32
    assert plain_bits / n == bits_per_parameter(64, double_quant=False)

    packed, nested = bnb_functional.quantize_4bit(
        weights, blocksize=64, quant_type="nf4", compress_statistics=True
    )
    assert nested.absmax.dtype == torch.uint8 and nested.state2.absmax.dtype == torch.float32
    assert nested.state2.blocksize == 256
    nested_bits = packed.numel() * 8 + nested.absmax.numel() * 8 + nested.state2.absmax.numel() * 32
    assert nested_bits / n == bits_per_parameter(64, double_quant=True, dq_block_size=256)


def test_double_quant_error_is_same_order_as_bitsandbytes_compress_statistics() -> None:
    """Unsere lineare 8-Bit-DQ rekonstruiert die Konstanten mindestens halb so gut wie bitsandbytes' DQ.

    bitsandbytes nimmt eine nichtlineare 8-Bit-Tabelle, wir lineares INT8 – beide mit 8 Bit, Block 256,
    Mittelwert abgezogen. Geprüft: relativer RMSE beider unter 1 %, unserer höchstens doppelt so groß,
    und der SQNR der rekonstruierten Gewichte unterscheidet sich um weniger als 0,1 dB.
    """
    weights = _random_weights((256, 512), seed=8)
    packed, nested = bnb_functional.quantize_4bit(
        weights, blocksize=64, quant_type="nf4", compress_statistics=True
    )
    bnb_absmax = (bnb_functional.dequantize_blockwise(nested.absmax, nested.state2) + nested.offset).numpy()
    bnb_weights = bnb_functional.dequantize_4bit(packed, nested).numpy()

    q = quantize_nf4(weights)
    our_absmax = double_dequantize_absmax(double_quantize_absmax(q.absmax, block_size=256))
    our_weights = dequantize_nf4(dataclasses.replace(q, absmax=our_absmax))

    def relative_rmse(estimate: np.ndarray) -> float:
        return quantization_error(q.absmax, estimate).rmse / float(np.sqrt(np.mean(q.absmax**2)))

    assert relative_rmse(bnb_absmax) < 0.01 and relative_rmse(our_absmax) < 0.01
    assert relative_rmse(our_absmax) <= 2 * relative_rmse(bnb_absmax)
    original = weights.numpy()
    bnb_sqnr = quantization_error(original, bnb_weights).sqnr_db
    our_sqnr = quantization_error(original, our_weights).sqnr_db
    assert abs(our_sqnr - bnb_sqnr) < 0.1


def test_double_quant_keeps_one_scale_per_256_constants_and_the_mean() -> None:
    """600 Konstanten → ceil(600/256) = 3 Skalen; der Mittelwert von 1 … 600 ist 300,5."""
    constants = np.arange(1, 601, dtype=np.float32)
    dq = double_quantize_absmax(constants)
    assert dq.quantized.scales.shape == (3,)
    assert dq.quantized.codes.dtype == np.int8
    assert dq.offset == 300.5


# ------------------------------------------------------------------------------------------------
# INT8
# ------------------------------------------------------------------------------------------------


def test_absmax_int8_fact_sheet_example() -> None:
    """Faktenblatt 2.1: x = [0,5; −1,2; 3,0; 0,1], s = 127/3 = 42,333…

    s·x = [21,17; −50,8; 127; 4,23] → q = [21, −51, 127, 4];
    zurück q/s = [63/127, −153/127, 3, 12/127] = [0,496063; −1,204724; 3,0; 0,094488].
    """
    q = quantize_absmax_int8([0.5, -1.2, 3.0, 0.1])
    assert q.codes.tolist() == [21, -51, 127, 4]
    np.testing.assert_allclose(q.scales, [127 / 3], rtol=1e-6)
    np.testing.assert_allclose(dequantize_absmax_int8(q), [63 / 127, -153 / 127, 3.0, 12 / 127], rtol=1e-6)


def test_zeropoint_int8_hand_example() -> None:
    """Von Hand: x = [0,5; −1,2; 3,0; 0,1], nd = 254/4,2 = 60,476…, zp = round(−127 + 1,2·nd) = round(−54,43) = −54.

    q = round(nd·x) + zp = [30 − 54, −73 − 54, 181 − 54, 6 − 54] = [−24, −127, 127, −48];
    zurück (q − zp)/nd = [30, −73, 181, 6] · 4,2/254.
    """
    q = quantize_zeropoint_int8([0.5, -1.2, 3.0, 0.1])
    assert q.codes.tolist() == [-24, -127, 127, -48]
    assert q.zero_points.tolist() == [-54]
    expected = np.array([30, -73, 181, 6]) * 4.2 / 254
    np.testing.assert_allclose(dequantize_zeropoint_int8(q), expected, rtol=1e-6)


def test_zeropoint_uses_all_levels_for_one_sided_data_where_absmax_uses_half() -> None:
    """Daten in [0, 1] (z. B. nach ReLU): Nullpunkt nutzt alle 255 Codes −127 … 127, Absmax nur 0 … 127."""
    values = np.linspace(0.0, 1.0, 5001, dtype=np.float32)
    assert len(np.unique(quantize_zeropoint_int8(values).codes)) == 255
    assert len(np.unique(quantize_absmax_int8(values).codes)) == 128
    zero_point = quantize_zeropoint_int8(values)
    assert dequantize_zeropoint_int8(zero_point)[0] == 0.0  # die Null bleibt exakt


def test_blockwise_int8_isolates_an_outlier_in_its_own_block() -> None:
    """[0,1; 0,2; 0,3; 0,5 | 100; 1; 2; 3]: pro Tensor ist s = 1,27 und die kleinen Werte werden 0.

    Blockweise (4) ist s₁ = 127/0,5 = 254 → [25,4; 50,8; 76,2; 127] → [25, 51, 76, 127].
    """
    values = [0.1, 0.2, 0.3, 0.5, 100.0, 1.0, 2.0, 3.0]
    per_tensor = quantize_absmax_int8(values)
    blockwise = quantize_absmax_int8(values, block_size=4)
    assert per_tensor.codes[:4].tolist() == [0, 0, 0, 1]  # 0,5·1,27 = 0,635 → 1
    assert blockwise.codes[:4].tolist() == [25, 51, 76, 127]
    assert blockwise.scales.shape == (2,)


def test_zeropoint_blockwise_handles_short_last_block() -> None:
    """10 Werte, Blockgröße 4 → 3 Blöcke; letzter Block [2, 4] → lo = 0, nd = 254/4, zp = −127 → [0, 127]."""
    values = np.array([1, 2, 3, 4, -1, -2, -3, -4, 2, 4], dtype=np.float32)
    q = quantize_zeropoint_int8(values, block_size=4)
    assert q.scales.shape == (3,) and q.zero_points.shape == (3,)
    assert q.codes[-2:].tolist() == [0, 127]  # round(63,5·2) − 127 = 127 − 127 = 0
    np.testing.assert_allclose(dequantize_zeropoint_int8(q)[-2:], [2.0, 4.0], rtol=1e-6)


# ------------------------------------------------------------------------------------------------
# Fehlermaße
# ------------------------------------------------------------------------------------------------


def test_quantization_error_hand_example() -> None:
    """x = [1, 2, 3, 4], x̂ = [1, 2, 3, 5]: MSE = 1/4, RMSE = 1/2, max 1, Mittel 1/4, SQNR = 10·log10(30/1)."""
    result = quantization_error([1, 2, 3, 4], [1, 2, 3, 5])
    assert result.mse == 0.25 and result.rmse == 0.5
    assert result.max_abs_error == 1.0 and result.mean_abs_error == 0.25
    assert result.sqnr_db == pytest.approx(10 * math.log10(30), rel=1e-12)


def test_quantization_error_perfect_reconstruction_has_infinite_sqnr() -> None:
    """Ohne Fehler sind alle Fehlermaße 0 und der SQNR unendlich."""
    result = quantization_error([0.5, -1.0], [0.5, -1.0])
    assert result.mse == 0 and result.max_abs_error == 0
    assert result.sqnr_db == math.inf


# ------------------------------------------------------------------------------------------------
# Eigenschaften (hypothesis)
# ------------------------------------------------------------------------------------------------

_weights = arrays(
    np.float32,
    shape=st.integers(min_value=1, max_value=300),
    elements=st.floats(-1e4, 1e4, width=32, allow_nan=False, allow_subnormal=False),
)
_block_sizes = st.sampled_from([1, 3, 16, 64, 100])


@settings(max_examples=100, deadline=None)
@given(weights=_weights, block_size=_block_sizes)
def test_property_nf4_error_is_at_most_half_the_largest_code_gap_times_absmax(
    weights: np.ndarray, block_size: int
) -> None:
    """|w − ŵ| ≤ (größte Lücke der bitsandbytes-Tabelle / 2 + 1e-6) · Absmax des Blocks.

    Die 1e-6 decken float32-Rundung und die Tabellenabweichung (≤ 1e-6) ab.
    """
    table = _bnb_table()
    half_gap = float(np.max(np.diff(table))) / 2  # 1 − 0,7229… = 0,277… → 0,1385…
    q = quantize_nf4(weights, block_size=block_size)
    absmax = np.repeat(q.absmax, block_size)[: weights.size]
    error = np.abs(weights.astype(np.float64) - dequantize_nf4(q))
    assert np.all(error <= (half_gap + 1e-6) * absmax)


@settings(max_examples=100, deadline=None)
@given(weights=_weights, block_size=_block_sizes)
def test_property_nf4_codes_are_uint8_in_0_to_15_with_input_shape(
    weights: np.ndarray, block_size: int
) -> None:
    """Codes sind immer uint8 in 0 … 15, haben die Form der Eingabe; eine Konstante pro Block."""
    q = quantize_nf4(weights, block_size=block_size)
    assert q.codes.dtype == np.uint8 and q.codes.shape == weights.shape
    assert int(q.codes.min()) >= 0 and int(q.codes.max()) <= 15
    assert q.absmax.shape == (math.ceil(weights.size / block_size),)


@settings(max_examples=100, deadline=None)
@given(weights=_weights, block_size=_block_sizes)
def test_property_nf4_quantize_dequantize_quantize_is_idempotent(
    weights: np.ndarray, block_size: int
) -> None:
    """Quantisieren der Rekonstruktion liefert dieselben Codes und dieselben Konstanten wieder."""
    first = quantize_nf4(weights, block_size=block_size)
    second = quantize_nf4(dequantize_nf4(first), block_size=block_size)
    np.testing.assert_array_equal(second.codes, first.codes)
    np.testing.assert_array_equal(second.absmax, first.absmax)


# ------------------------------------------------------------------------------------------------
# Fehlerhafte Eingaben
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("block_size", [0, -64, 2.5, True])
def test_nf4_rejects_invalid_block_size_with_german_message(block_size: object) -> None:
    """Blockgröße 0, negativ, keine ganze Zahl oder bool: ConfigError nennt Feld und Wert."""
    with pytest.raises(ConfigError, match=r"„block_size“ muss .*erhalten: " + repr(block_size)):
        quantize_nf4(np.ones(8), block_size=block_size)


def test_empty_weights_are_rejected_with_german_message() -> None:
    """Ein leeres Array ergibt „ist leer“ mit der Form."""
    with pytest.raises(ConfigError, match=r"„weights“ ist leer \(Form \(0,\)\)"):
        quantize_nf4(np.array([], dtype=np.float32))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e300])
def test_non_finite_weights_are_rejected_naming_the_value(bad: float) -> None:
    """NaN, ±inf und Werte außerhalb des float32-Bereichs: Meldung nennt Anzahl, Wert und Position."""
    weights = np.array([[0.1, 0.2], [bad, 0.3]])
    with pytest.raises(
        ConfigError, match=r"„weights“ enthält 1 nicht endliche Werte.*an Position \(1, 0\)"
    ) as info:
        quantize_nf4(weights)
    assert repr(float(bad)) in str(info.value)


def test_non_numeric_weights_are_rejected() -> None:
    """Zeichenketten statt Zahlen: ConfigError mit dem Datentyp."""
    with pytest.raises(ConfigError, match="„weights“ muss reelle Zahlen enthalten"):
        quantize_nf4(["a", "b"])


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: quantize_absmax_int8([1.0, 2.0], block_size=0), "block_size"),
        (lambda: quantize_zeropoint_int8([1.0, 2.0], block_size=-1), "block_size"),
        (lambda: double_quantize_absmax([0.1, 0.2], block_size=0), "block_size"),
        (lambda: bits_per_parameter(block_size=0), "block_size"),
        (lambda: bits_per_parameter(dq_block_size=-256, double_quant=True), "dq_block_size"),
        (lambda: quantize_absmax_int8([]), "values"),
        (lambda: double_quantize_absmax([0.1, float("nan")]), "absmax"),
    ],
)
def test_other_functions_reject_bad_input_naming_the_field(call, field: str) -> None:
    """INT8, Double Quantization und Bits pro Parameter melden den fehlerhaften Parameter beim Namen."""
    with pytest.raises(ConfigError, match=f"„{field}“"):
        call()


def test_quantization_error_rejects_different_shapes() -> None:
    """Verschiedene Formen von Original und Rekonstruktion werden mit beiden Formen gemeldet."""
    with pytest.raises(ConfigError, match=r"Form \(3,\).*\(2,\)"):
        quantization_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_nf4_tensor_rejects_codes_above_15() -> None:
    """Ein von Hand gebauter NF4Tensor mit Code 16 ist ungültig."""
    with pytest.raises(ConfigError, match="„codes“ muss uint8-Werte von 0 bis 15"):
        NF4Tensor(codes=np.array([16], dtype=np.uint8), absmax=np.array([1.0]), shape=(1,), block_size=64)


def test_importing_the_module_does_not_import_torch() -> None:
    """`import slmwiki.quantization` bleibt leicht: PyTorch wird erst gebraucht, wenn Tensoren kommen."""
    code = "import sys, slmwiki.quantization; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
