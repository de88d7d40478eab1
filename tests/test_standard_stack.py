"""Test für `docs_src/5_praxis/qlora_standard_stack.py`: das QLoRA-Skript ohne slmwiki läuft und lernt.

Die Seite „QLoRA-Workflow“ bindet das Skript ein; hier läuft es mit dem Mini-Gemma-3 (im Prozess gebaut,
zufällige Gewichte) zwei Schritte auf der CPU.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs_src" / "5_praxis" / "qlora_standard_stack.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("qlora_standard_stack", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_standard_stack_script_trains_a_4bit_lora_adapter_and_saves_only_the_adapter(
    tmp_path, gemma_dir, session_chat_files
):
    """Zwei Schritte: NF4-Schichten im Modell, endlicher Verlust, LoRA-B-Gewichte ≠ 0, gespeichert nur der Adapter."""
    import bitsandbytes as bnb
    from safetensors.torch import load_file

    output = tmp_path / "adapter"
    trainer = _load_script().train(str(gemma_dir), str(session_chat_files["train"]), str(output), max_steps=2)
    linear4bit = [m for m in trainer.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert linear4bit and all(m.weight.quant_state.quant_type == "nf4" for m in linear4bit)
    losses = [entry["train_loss"] for entry in trainer.state.log_history if "train_loss" in entry]
    assert len(losses) == 1 and math.isfinite(losses[0]) and losses[0] > 0
    assert trainer.state.global_step == 2
    config = json.loads((output / "adapter_config.json").read_text(encoding="utf-8"))
    assert config["r"] == 16 and config["lora_alpha"] == 32
    weights = load_file(output / "adapter_model.safetensors")
    lora_b = [t for name, t in weights.items() if "lora_B" in name]
    assert lora_b and any(float(t.abs().max()) > 0 for t in lora_b)  # B starts at zero: it was trained
    assert not any("lora" not in name for name in weights)  # no base weights in the adapter file
    assert (output / "tokenizer_config.json").is_file()
