"""slmwiki – Small Language Models verstehen, feinabstimmen und betreiben.

Das Paket hinter dem deutschsprachigen SLM-Wiki. Jedes Modul behandelt genau ein Thema:

- `slmwiki.quantization`: Absmax-/Zero-Point-INT8, NF4 und Double Quantization.
- `slmwiki.models`: Architekturdaten realer SLMs (Gemma 3, Qwen3, Phi-4-mini, SmolLM2).
- `slmwiki.lora`: die LoRA-Aktualisierung und die Zahl trainierbarer Parameter.
- `slmwiki.attention`: Größe des KV-Caches für MHA, MQA, GQA und Sliding Window.
- `slmwiki.memory`: Speicherbedarf für Inferenz und Training (QLoRA, LoRA, Full).
- `slmwiki.costs`: Wirtschaftlichkeitsrechnung (eigene Hardware, Cloud-GPU, API); importiert kein torch.
- `slmwiki.config`, `slmwiki.data`, `slmwiki.loading`, `slmwiki.finetune`, `slmwiki.inference`,
  `slmwiki.merge`: der QLoRA-Workflow.
- `slmwiki.cli`: die Kommandozeile `slmwiki …`.

`import slmwiki` lädt bewusst keine schweren Abhängigkeiten; importieren Sie die Module direkt.
"""

import logging

__version__ = "0.1.0"


class _OptionalKernelNotice(logging.Filter):
    """Unterdrückt bitsandbytes' englischen Hinweis auf das fehlende optionale Paket `kernels`.

    bitsandbytes versucht auf CPUs mit AVX512-BF16, einen Kernel vom Hugging Face Hub zu laden, und
    rechnet ohne ihn mit seiner eigenen torch-Implementierung weiter: für Nutzer nur Rauschen.
    Andere Meldungen von bitsandbytes bleiben sichtbar.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to load CPU gemm_4bit_forward from kernels-community")


logging.getLogger("bitsandbytes.backends.cpu.ops").addFilter(_OptionalKernelNotice())

__all__ = ["__version__"]
