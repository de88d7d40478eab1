"""Abbildung: Aufbau eines Decoder-Blocks (Pre-Norm, RMSNorm, Attention, SwiGLU-MLP) mit den Maßen von Qwen3-4B."""

from __future__ import annotations

from slmwiki.diagrams import decoder_block_svg
from slmwiki.models import get_spec

print(decoder_block_svg(get_spec("qwen3-4b"), "Qwen3-4B"))
