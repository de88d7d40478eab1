"""Tests des GPU-Schnellpfads (`slmwiki.acceleration`) – auf der CPU, mit winzigen Modellen.

Geprüft wird Verhalten: padding-freie Batches lassen kein Token über die Grenze seines Beispiels
sehen (gleiche Logits wie jedes Beispiel allein), der gestückelte Verlust auf dem gepackten Batch
gleicht der gewöhnlichen Kreuzentropie, und die Planung hält Speicherbudget und Beispiele je
Optimierungsschritt ein. Erwartete Zahlen sind von Hand gerechnet (siehe Docstrings).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from slmwiki.acceleration import (
    FAST_PATH_ENV,
    VARLEN_ATTENTION,
    DeviceInfo,
    ModelDims,
    PaddingFreeCollator,
    attention_pairs,
    estimate_peak_bytes,
    fast_path_enabled,
    gpu_training_settings,
    register_varlen_attention,
    training_flops,
)
from slmwiki.errors import ConfigError, DataError

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "gpu_qlora.json"


def tiny_gemma(window: int = 4):
    """Ein Gemma-3-Textmodell mit 3 Schichten (2 lokal mit Fenster `window`, 1 global), fp32."""
    from transformers import AutoModelForCausalLM, Gemma3TextConfig

    config = Gemma3TextConfig(
        vocab_size=97,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        sliding_window=window,
        layer_types=["sliding_attention", "full_attention", "sliding_attention"],
        query_pre_attn_scalar=8,
    )
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()


def examples(lengths=(7, 5, 9), prompt=3, seed=1):
    """Beispiele mit zufälligen Token; die ersten `prompt` Token sind Prompt (Maske 0)."""
    generator = torch.Generator().manual_seed(seed)
    return [
        {
            "input_ids": torch.randint(3, 97, (n,), generator=generator).tolist(),
            "completion_mask": [0] * prompt + [1] * (n - prompt),
        }
        for n in lengths
    ]


# ---------------------------------------------------------------------- collator


def test_collator_flattens_and_restarts_positions_per_example():
    """Zwei Beispiele (3 und 2 Token) ergeben eine Zeile mit Positionen 0,1,2,0,1 und cu_seq_lens 0,3,5."""
    batch = PaddingFreeCollator()(
        [
            {"input_ids": [11, 12, 13], "completion_mask": [0, 1, 1]},
            {"input_ids": [21, 22], "completion_mask": [0, 1]},
        ]
    )
    assert batch["input_ids"].tolist() == [[11, 12, 13, 21, 22]]
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    assert batch["cu_seq_lens_q"].tolist() == [0, 3, 5]
    assert batch["cu_seq_lens_q"].dtype == torch.int32
    assert batch["max_length_q"] == 3
    assert "attention_mask" not in batch
    # prompt tokens and the first token of every example carry no loss
    assert batch["labels"].tolist() == [[-100, 12, 13, -100, 22]]


def test_collator_never_lets_an_example_predict_its_neighbour():
    """Ohne Antwortmaske trägt trotzdem das erste Token jedes Beispiels -100 (kein Ziel über die Grenze)."""
    batch = PaddingFreeCollator(completion_only_loss=False)([{"input_ids": [5, 6]}, {"input_ids": [7, 8, 9]}])
    assert batch["labels"].tolist() == [[-100, 6, -100, 8, 9]]


def test_collator_uses_trl_labels_and_truncates():
    """TRL-Labels (-100 im Prompt) werden übernommen; `max_length` kürzt jedes Beispiel am Ende."""
    batch = PaddingFreeCollator(max_length=3)([{"input_ids": [1, 2, 3, 4], "labels": [-100, -100, 3, 4]}])
    assert batch["input_ids"].tolist() == [[1, 2, 3]]
    assert batch["labels"].tolist() == [[-100, -100, 3]]


def test_collator_pads_to_multiple_as_separate_pseudo_sequence():
    """Füll-Token bilden eine eigene Sequenz mit Label -100, damit kein echtes Token sie sieht."""
    batch = PaddingFreeCollator(pad_to_multiple_of=4, pad_token_id=0)([{"input_ids": [5, 6, 7, 8, 9]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7, 8, 9, 0, 0, 0]]
    assert batch["cu_seq_lens_q"].tolist() == [0, 5, 8]
    assert batch["labels"][0, 5:].tolist() == [-100, -100, -100]


def test_collator_rejects_empty_batches():
    """Ein leerer Mikro-Batch oder ein Beispiel ohne Token ist ein Datenfehler."""
    with pytest.raises(DataError):
        PaddingFreeCollator()([])
    with pytest.raises(DataError, match="keine Token"):
        PaddingFreeCollator()([{"input_ids": []}])


# ---------------------------------------------------------------------- attention and loss


@pytest.fixture(scope="module")
def packed_setup():
    register_varlen_attention()
    model = tiny_gemma()
    model.set_attn_implementation(VARLEN_ATTENTION)
    reference = tiny_gemma()
    reference.load_state_dict(model.state_dict())
    reference.set_attn_implementation("eager")
    return model, reference


def _forward(model, batch):
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        return model(**inputs).logits[0]


def test_packed_logits_equal_each_example_alone(packed_setup):
    """Gepackt (Längen 7, 5, 9; Fenster 4) gleich einzeln mit eager-Attention, bis 1e-5."""
    model, reference = packed_setup
    rows = examples()
    packed = _forward(model, PaddingFreeCollator()(rows))
    start = 0
    for row in rows:
        n = len(row["input_ids"])
        with torch.no_grad():
            alone = reference(input_ids=torch.tensor([row["input_ids"]])).logits[0]
        torch.testing.assert_close(packed[start : start + n], alone, atol=1e-5, rtol=1e-5)
        start += n


def test_changing_a_neighbour_leaves_an_example_unchanged(packed_setup):
    """Andere Token im zweiten Beispiel ändern die Logits des ersten und dritten nicht."""
    model, _ = packed_setup
    rows = examples()
    before = _forward(model, PaddingFreeCollator()(rows))
    rows[1]["input_ids"] = [(t * 7 + 3) % 97 for t in rows[1]["input_ids"]]
    after = _forward(model, PaddingFreeCollator()(rows))
    torch.testing.assert_close(after[:7], before[:7], atol=0, rtol=0)
    torch.testing.assert_close(after[12:], before[12:], atol=0, rtol=0)
    assert not torch.allclose(after[7:12], before[7:12])


def test_chunked_loss_on_packed_batch_equals_plain_cross_entropy(packed_setup):
    """Der gestückelte LM-Kopf (TRL, Pfad von slmwiki) auf dem gepackten Batch gleicht der Kreuzentropie.

    Referenz: volle Logits jedes Beispiels einzeln (eager), `F.cross_entropy` mit Summe über die
    Antwort-Token aller Beispiele geteilt durch deren Zahl – Verlust und Gradient bis 1e-5.
    """
    from trl.trainer.utils import add_fused_lm_head

    model, reference = packed_setup
    rows = examples()
    batch = PaddingFreeCollator()(rows)
    fused = tiny_gemma()
    fused.load_state_dict(model.state_dict())
    fused.set_attn_implementation(VARLEN_ATTENTION)
    add_fused_lm_head(fused)
    out = fused(**batch, fused_lm_head=True)
    out.loss.backward()
    grad_fused = fused.model.layers[0].mlp.down_proj.weight.grad.clone()

    total, count = torch.zeros(()), 0
    for row in rows:
        ids = torch.tensor([row["input_ids"]])
        logits = reference(input_ids=ids).logits[0, :-1]
        targets = torch.tensor(row["input_ids"][1:])
        keep = torch.tensor(row["completion_mask"][1:]).bool()
        total = total + torch.nn.functional.cross_entropy(logits[keep], targets[keep], reduction="sum")
        count += int(keep.sum())
    plain = total / count
    plain.backward()
    grad_plain = reference.model.layers[0].mlp.down_proj.weight.grad
    assert abs(out.loss.item() - plain.item()) < 1e-5
    torch.testing.assert_close(grad_fused, grad_plain, atol=1e-5, rtol=1e-4)
    reference.zero_grad(set_to_none=True)


def test_reference_attention_respects_padding_mask():
    """Ohne Sequenzgrenzen dient die 2D-Padding-Maske: rechts aufgefüllte Zeilen gleich ungepaddet."""
    from slmwiki.acceleration import varlen_attention_forward

    torch.manual_seed(0)
    q, k, v = torch.randn(2, 4, 6, 8), torch.randn(2, 2, 6, 8), torch.randn(2, 2, 6, 8)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]])
    out, _ = varlen_attention_forward(None, q, k, v, mask, scaling=0.5)
    alone, _ = varlen_attention_forward(None, q[1:, :, :4], k[1:, :, :4], v[1:, :, :4], None, scaling=0.5)
    torch.testing.assert_close(out[1, :4], alone[0], atol=1e-6, rtol=1e-6)


# ---------------------------------------------------------------------- FLOPs


def test_attention_pairs_hand_computed():
    """n = 5 kausal: 1+2+3+4+5 = 15 Paare; mit Fenster 2: 1+2+2+2+2 = 9."""
    assert attention_pairs(5) == 15
    assert attention_pairs(5, 2) == 9
    assert attention_pairs(5, 10) == 15
    assert attention_pairs(0) == 0


def test_matmul_parameters_of_gemma3_1b_hand_computed():
    """Gemma 3 1B: 26 · (1152·1024 + 2·1152·256 + 1024·1152 + 3·1152·6912) + 262144·1152 = 999.751.680."""
    from slmwiki.models import get_spec

    dims = ModelDims.from_config(get_spec("gemma-3-1b").to_transformers_config())
    assert dims.matmul_parameters() == 999_751_680
    assert dims.layer_types.count("full_attention") == 4  # layers 6, 12, 18, 24 (1-based) are global


def test_training_flops_hand_computed():
    """1 Schicht, h=2, f=4, 1 Kopf d=2, V=3; zwei Sequenzen (3, 2), ohne Fenster.

    Linear je Schicht: q 2·2 + k 2·2 + v 2·2 + o 2·2 + 3 · 2·4 = 40 → 4 · 40 · 5 Token = 800;
    Ausgabeschicht 4 · 3 · 2 · 5 = 120; Attention 12 · 1 · 2 · (6 + 3 Paare) = 216.
    """
    dims = ModelDims(2, 4, 1, 1, 1, 2, 3)
    flops = training_flops(dims, [3, 2])
    assert flops["linear"] == 800
    assert flops["lm_head"] == 120
    assert flops["attention"] == 216
    assert flops["total"] == 1136
    assert training_flops(dims, [3, 2], lm_head_tokens=2)["lm_head"] == 48


# ---------------------------------------------------------------------- settings


def _config(batch=4, accumulation=16, max_seq_length=2048, attn=None):
    return SimpleNamespace(
        per_device_train_batch_size=batch,
        gradient_accumulation_steps=accumulation,
        max_seq_length=max_seq_length,
        lora_r=16,
        attn_implementation=attn,
    )


def _dims(name):
    from slmwiki.models import get_spec

    return ModelDims.from_config(get_spec(name).to_transformers_config())


LENGTHS = [150] * 300 + [205]


def test_settings_keep_examples_per_optimizer_step():
    """Mikro-Batch · Accumulation bleibt 64 (= 4 · 16 der Konfiguration) auf jeder Karte."""
    for memory in (16, 24, 48, 80):
        s = gpu_training_settings(_config(), DeviceInfo("gpu", memory * 10**9), _dims("gemma-3-4b"), LENGTHS)
        assert s.per_device_train_batch_size * s.gradient_accumulation_steps == 64


def test_settings_fit_the_memory_budget_and_grow_with_memory():
    """Die geschätzte Spitze passt ins Budget; mehr Speicher gibt nie weniger Token je Vorwärtsdurchlauf."""
    previous = 0
    for memory in (16, 24, 48, 80):
        device = DeviceInfo("gpu", memory * 10**9)
        s = gpu_training_settings(_config(), device, _dims("gemma-3-4b"), LENGTHS)
        assert s.estimated_peak_bytes <= device.memory_bytes * 0.9
        throughput_proxy = s.micro_batch_tokens * (1.35 if not s.gradient_checkpointing else 1.0)
        assert throughput_proxy >= previous
        previous = throughput_proxy


def test_small_card_gets_checkpointing_for_gemma3_4b():
    """Auf 24 GB passen ohne Checkpointing weniger als 4096 Token: Checkpointing an, ein Mikro-Batch."""
    s = gpu_training_settings(
        _config(), DeviceInfo("RTX 4090", 24 * 10**9, (8, 9)), _dims("gemma-3-4b"), LENGTHS
    )
    assert s.gradient_checkpointing
    assert s.attn_implementation == VARLEN_ATTENTION and s.padding_free


def test_pre_ampere_card_keeps_padding_and_sdpa():
    """Eine T4 (Compute Capability 7.5) hat keinen Flash-Kern: SDPA mit Padding."""
    s = gpu_training_settings(
        _config(), DeviceInfo("Tesla T4", 16 * 10**9, (7, 5)), _dims("gemma-3-1b"), LENGTHS
    )
    assert s.attn_implementation == "sdpa"
    assert not s.padding_free
    assert s.data_collator() is None


def test_explicit_attention_is_respected():
    """„eager“ aus der Konfiguration bleibt (mit Padding), „flash_attention_2“ bleibt padding-frei."""
    device = DeviceInfo("gpu", 80 * 10**9)
    eager = gpu_training_settings(_config(attn="eager"), device, _dims("gemma-3-1b"), LENGTHS)
    flash = gpu_training_settings(_config(attn="flash_attention_2"), device, _dims("gemma-3-1b"), LENGTHS)
    assert (eager.attn_implementation, eager.padding_free) == ("eager", False)
    assert (flash.attn_implementation, flash.padding_free) == ("flash_attention_2", True)


def test_impossible_fit_names_max_seq_length():
    """Passt schon ein Beispiel nicht (4B auf 2 GB), nennt der Fehler „max_seq_length“."""
    with pytest.raises(ConfigError, match="max_seq_length"):
        gpu_training_settings(_config(), DeviceInfo("tiny", 2 * 10**9), _dims("gemma-3-4b"), [2048])
    with pytest.raises(ConfigError):
        gpu_training_settings(_config(), DeviceInfo("gpu", 80 * 10**9), _dims("gemma-3-4b"), [])


def test_fast_path_can_be_switched_off(monkeypatch):
    """`SLMWIKI_GPU_FAST_PATH=0` oder `gpu_fast_path: false` schalten den Schnellpfad ab."""
    monkeypatch.delenv(FAST_PATH_ENV, raising=False)
    assert fast_path_enabled(SimpleNamespace())
    assert not fast_path_enabled(SimpleNamespace(gpu_fast_path=False))
    monkeypatch.setenv(FAST_PATH_ENV, "0")
    assert not fast_path_enabled(SimpleNamespace())


def test_estimate_grows_with_tokens_and_without_checkpointing():
    """Mehr Token brauchen nie weniger Speicher; ohne Checkpointing mehr als mit."""
    dims = _dims("gemma-3-1b")
    assert estimate_peak_bytes(dims, 8192, True) > estimate_peak_bytes(dims, 4096, True)
    assert estimate_peak_bytes(dims, 4096, False) > estimate_peak_bytes(dims, 4096, True)


@pytest.mark.skipif(not RESULTS.is_file(), reason="keine GPU-Messung eingecheckt")
def test_estimate_matches_measured_gpu_peaks():
    """`estimate_peak_bytes` liegt für jede gemessene Schnellpfad-Einstellung höchstens 10 % neben der Messung.

    Messwerte: `benchmarks/results/gpu_qlora*.json` (H100/H200, `torch.cuda.max_memory_allocated`,
    padding-frei, gestückelter Verlust, fp32-Hochstufung wie `prepare_model_for_kbit_training`).
    """
    checked = 0
    for file in sorted(RESULTS.parent.glob("gpu_qlora*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))
        for model in data["models"].values():
            raw = dict(model["model"]["dims"])
            raw["layer_types"] = tuple(raw["layer_types"])
            dims = ModelDims(**raw)
            for run in (model.get("experiments") or {}).values():
                fast = run.get("status") == "ok" and not run["padded"] and run["loss"] == "fused"
                if not fast or run.get("bf16_residual") or run.get("liger"):
                    continue
                estimate = estimate_peak_bytes(dims, run["largest_micro_batch_slots"], run["gc"])
                ratio = estimate / run["peak_allocated_bytes"]
                assert 0.9 <= ratio <= 1.1, (file.name, run["name"], ratio)
                checked += 1
    assert checked >= 10


def test_trl_packing_keeps_trl_collator_and_plans_in_packs():
    """Mit `packing: true` bleibt TRLs Collator; geplant wird mit vollen Paketen à `max_seq_length` Token."""
    config = _config()
    config.packing = True
    s = gpu_training_settings(
        config, DeviceInfo("RTX 4090", 24 * 10**9, (8, 9)), _dims("gemma-3-4b"), LENGTHS
    )
    assert s.trl_packing
    assert s.data_collator() is None
    assert "packing" not in s.sft_overrides()
    assert s.micro_batch_tokens == s.per_device_train_batch_size * 2048
