"""Gradienten durch bitsandbytes-NF4-Schichten auf der CPU, geprüft gegen eine dequantisierte Referenz.

bitsandbytes 0.50 packt NF4-Gewichte auf CPUs mit AVX512-BF16 nach einem Vorwärtslauf ohne Gradient im
Auswertungsmodus in ein Inferenzformat um, durch das kein Gradient fließt (torch warnt dann „an autograd
kernel was not registered“). Die Referenz rechnet dieselbe Schicht mit `dequantize_4bit` und `F.linear`.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
bnb = pytest.importorskip("bitsandbytes")


def nf4_layer(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    dense = torch.nn.Linear(64, 32, bias=False)
    layer = bnb.nn.Linear4bit(64, 32, bias=False, compute_dtype=torch.float32, quant_type="nf4")
    layer.weight = bnb.nn.Params4bit(dense.weight.data.clone(), requires_grad=False, quant_type="nf4")
    layer.to("cpu")  # quantizes on the CPU
    return torch.nn.Sequential(layer)


def input_gradient(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    x = x.clone().requires_grad_(True)
    model.train()
    model(x).square().sum().backward()
    return x.grad


def reference_gradient(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    weight = model[0].weight
    dense = bnb.functional.dequantize_4bit(weight.data, weight.quant_state).float()
    x = x.clone().requires_grad_(True)
    torch.nn.functional.linear(x, dense).square().sum().backward()
    return x.grad


def evaluate_once(model: torch.nn.Module, x: torch.Tensor) -> None:
    model.eval()
    with torch.no_grad():
        model(x)


def test_input_gradient_after_an_evaluation_matches_the_dequantized_reference():
    """Nach `keep_4bit_layout_for_training` ist der Eingabegradient nach einer Auswertung der der Referenz."""
    from slmwiki.loading import keep_4bit_layout_for_training

    model = nf4_layer()
    x = torch.randn(3, 5, 64)
    reference = reference_gradient(model, x)
    assert keep_4bit_layout_for_training(model) == 1
    evaluate_once(model, x)
    grad = input_gradient(model, x)
    assert grad is not None
    torch.testing.assert_close(grad, reference, rtol=1e-4, atol=1e-4)


def test_quantization_state_is_unchanged_by_an_evaluation_once_the_layout_is_kept():
    """Codes und Skalen (absmax) bleiben nach einer Auswertung bitgleich."""
    from slmwiki.loading import keep_4bit_layout_for_training

    model = nf4_layer()
    before = (model[0].weight.data.clone(), model[0].weight.quant_state.absmax.clone())
    keep_4bit_layout_for_training(model)
    evaluate_once(model, torch.randn(2, 64))
    assert torch.equal(model[0].weight.data, before[0])
    assert torch.equal(model[0].weight.quant_state.absmax, before[1])


def test_an_already_repacked_model_is_refused_with_a_german_error():
    """Wurde schon umgepackt (nur auf CPUs mit AVX512-BF16), verlangt die Funktion ein neu geladenes Modell."""
    from slmwiki.errors import ConfigError
    from slmwiki.loading import keep_4bit_layout_for_training

    model = nf4_layer()
    evaluate_once(model, torch.randn(2, 64))
    if not getattr(model[0].weight.quant_state, "packing_format_for_cpu", False):
        pytest.skip("Diese CPU hat kein AVX512-BF16: bitsandbytes packt hier nicht um.")
    with pytest.raises(ConfigError, match="neu"):
        keep_4bit_layout_for_training(model)


def test_bitsandbytes_optional_kernel_notice_is_not_printed(capfd):
    """Ein Import von bitsandbytes über slmwiki gibt den englischen `kernels`-Hinweis nicht aus."""
    import subprocess
    import sys

    code = "import slmwiki, bitsandbytes.backends.cpu.ops"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "kernels-community" not in result.stderr + result.stdout
    unfiltered = subprocess.run(
        [sys.executable, "-c", "import bitsandbytes.backends.cpu.ops"], capture_output=True, text=True
    )
    if "avx512_bf16" in open("/proc/cpuinfo").read():
        assert (
            "kernels-community" in unfiltered.stderr
        )  # the notice exists here, so the filter is what hides it
