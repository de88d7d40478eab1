"""Packing ohne Füll-Token (TRL-Collator, padding-frei) mit SDPA und FlexAttention: gepackte Beispiele sehen einander nicht.

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


@pytest.fixture(scope="module", params=["sdpa", "flex_attention"])
def tiny_gemma(request):
    """SDPA (transformers' default) and FlexAttention (the planner's choice on a GPU); both must separate."""
    config = get_spec("gemma-3-1b").to_transformers_config()
    config.update({"num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "vocab_size": 512})
    config.update({"num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32, "sliding_window": 4})
    config.update(
        {"layer_types": ["sliding_attention", "full_attention"], "attn_implementation": request.param}
    )
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
