"""Abbildung: Speicherposten beim QLoRA-Training (Kapitel 5, Hardware).

Gestapelte Balken aus `slmwiki.memory.estimate_training_memory` (QLoRA, 1.024 Token, Batch 1, r = 16 auf allen
linearen Schichten, Gradient Checkpointing, AdamW) mit den Speichergrößen der GPUs aus
`slmwiki.gpu_fit.DEFAULT_GPUS` als senkrechte Linien.
"""

from __future__ import annotations

from slmwiki.figures import PALETTE, german_ticks, new_figure, to_svg
from slmwiki.gpu_fit import DEFAULT_GPUS
from slmwiki.memory import GIB, estimate_training_memory

MODELS = ["gemma-3-1b", "qwen3-1.7b", "gemma-3-4b", "phi-4-mini", "qwen3-4b", "qwen3-8b"]
SEQ_LEN = 1024
PARTS = {
    "Gewichte (NF4, Rest fp32)": lambda b: b.weights,
    "LoRA, Gradienten, Optimierer": lambda b: b.lora_parameters + b.gradients + b.optimizer_states,
    "Aktivierungen": lambda b: b.activations,
    "Logits und Verlust": lambda b: b.logits,
    "CUDA-Kontext": lambda b: b.overhead,
}

fig, ax = new_figure(7.5, 3.8)
breakdowns = [estimate_training_memory(name, "qlora", SEQ_LEN, 1, 16) for name in MODELS]
left = [0.0] * len(MODELS)
for color, (label, part) in zip(PALETTE, PARTS.items(), strict=False):
    values = [part(b) / GIB for b in breakdowns]
    ax.barh(range(len(MODELS)), values, left=left, color=color, label=label, height=0.6)
    left = [a + b for a, b in zip(left, values, strict=True)]
for name, size in DEFAULT_GPUS.items():
    ax.axvline(size, color="0.4", linestyle=":", linewidth=1)
    ax.text(size, -0.7, name, fontsize=7, color="0.3", ha="center", va="center")
ax.set_yticks(range(len(MODELS)), MODELS)
ax.set_ylim(len(MODELS) - 0.5, -1.0)
ax.set_xlabel(f"geschätzter Spitzenbedarf in GiB (QLoRA, {SEQ_LEN} Token, Batch 1)")
german_ticks(ax, "x")
ax.legend(frameon=False, fontsize=8, loc="lower right")
print(
    to_svg(
        fig,
        "Geschätzte Speicherposten beim QLoRA-Training für sechs Modelle im Vergleich zum Speicher typischer GPUs",
    )
)
