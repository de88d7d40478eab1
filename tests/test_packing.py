"""Packing ohne Füll-Token (TRL-Collator, padding-frei) mit SDPA: gepackte Beispiele sehen einander nicht.

Das ist die Voraussetzung für den GPU-Plan (`slmwiki.planner`): transformers erkennt die Grenzen an den
neu beginnenden `position_ids` und trennt die Beispiele in der Attention – aber nur ohne KV-Cache, deshalb
rufen die Tests das Modell wie TRLs `SFTTrainer.compute_loss` mit `use_cache=False` auf. Geprüft mit einem
winzigen Gemma-3-Modell (lokale und globale Schichten) auf der CPU.
"""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM
from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

from slmwiki.models import get_spec


@pytest.fixture(scope="module")
def tiny_gemma():
    config = get_spec("gemma-3-1b").to_transformers_config()
    config.update({"num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "vocab_size": 512})
    config.update({"num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32, "sliding_window": 4})
    config.update({"layer_types": ["sliding_attention", "full_attention"], "attn_implementation": "sdpa"})
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config).eval()


def test_packed_example_has_the_same_logits_as_alone(tiny_gemma):
    first, second = list(range(5, 14)), list(range(100, 107))
    batch = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)(
        [{"input_ids": first}, {"input_ids": second}]
    )
    assert batch["position_ids"][0].tolist() == list(range(9)) + list(range(7))
    with torch.no_grad():
        packed = tiny_gemma(
            input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False
        ).logits[0]
        alone = tiny_gemma(input_ids=torch.tensor([second])).logits[0]
    torch.testing.assert_close(packed[len(first) :], alone, atol=1e-5, rtol=1e-4)


def test_changing_the_neighbour_leaves_an_example_unchanged(tiny_gemma):
    def logits_of_second(first):
        batch = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)(
            [{"input_ids": first}, {"input_ids": [7, 8, 9, 10]}]
        )
        with torch.no_grad():
            out = tiny_gemma(
                input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False
            ).logits[0]
        return out[len(first) :]

    torch.testing.assert_close(
        logits_of_second([1, 2, 3]), logits_of_second([400, 401, 402]), atol=1e-5, rtol=1e-4
    )


def test_first_token_of_each_example_carries_no_loss():
    batch = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)(
        [{"input_ids": [5, 6, 7]}, {"input_ids": [8, 9]}]
    )
    assert batch["labels"][0].tolist() == [-100, 6, 7, -100, 9]


@pytest.mark.parametrize("attention", ["eager", "sdpa", "flex_attention"])
def test_packed_row_gives_each_example_the_logits_it_has_alone(attention):
    """Wie der Planer packt: Beispiele hintereinander, `position_ids` je Beispiel ab 0, ohne Maske, ohne Cache.

    transformers baut daraus eine Block-Maske (auch mit Sliding Window); ohne die Trennung sähen die
    Beispiele einander, und die Logits wichen um ein Vielfaches ab (auf der GPU gemessen:
    `benchmarks/results/gpu_engine.json`, `packing_check`).
    """
    import torch
    from transformers import AutoModelForCausalLM, Gemma3TextConfig

    config = Gemma3TextConfig(
        vocab_size=256,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=16,
        sliding_window=8,
        layer_types=["sliding_attention", "full_attention"],
        query_pre_attn_scalar=16,
        max_position_embeddings=256,
    )
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, attn_implementation=attention).eval()
    first, second = torch.randint(0, 256, (1, 13)), torch.randint(0, 256, (1, 9))
    packed = torch.cat([first, second], 1)
    positions = torch.cat([torch.arange(13), torch.arange(9)]).unsqueeze(0)
    with torch.no_grad():
        joined = model(input_ids=packed, position_ids=positions, use_cache=False).logits
        alone = torch.cat([model(input_ids=x, use_cache=False).logits for x in (first, second)], 1)
        unseparated = model(input_ids=packed, use_cache=False).logits
    assert torch.allclose(joined, alone, atol=1e-5)
    assert not torch.allclose(unseparated[:, 13:], alone[:, 13:], atol=1e-2)  # the test can tell them apart
