"""Laufprotokoll eines Trainings: Versionen, Hardware, Schrittzeiten, Token/s, Spitzen-Speicher.

`RunWatcher` ist ein `TrainerCallback`: Er misst die Schritte, zählt die Token (ohne Füll-Token,
`include_num_input_tokens_seen="non_padding"`), erkennt einen NaN-Verlust und beendet das Training
nach SIGINT/SIGTERM mit einem Checkpoint (`stop_on_signal`).
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from importlib import metadata
from typing import Any

from transformers import TrainerCallback

from slmwiki import __version__

#: Bibliotheken, deren Versionen im Laufprotokoll stehen.
LIBRARIES = (
    "torch",
    "transformers",
    "peft",
    "trl",
    "bitsandbytes",
    "accelerate",
    "datasets",
    "safetensors",
    "liger-kernel",
    "unsloth",
)


def library_versions(names: Sequence[str] = LIBRARIES) -> dict[str, str]:
    """Versionen von Python, `slmwiki` und den Trainingsbibliotheken.

    Args:
        names: Paketnamen, deren Versionen gesucht werden.

    Returns:
        Paketname → Version (fehlende Pakete als „nicht installiert“).
    """
    versions = {"python": platform.python_version(), "slmwiki": __version__}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "nicht installiert"
    return versions


def hardware_info() -> dict[str, Any]:
    """Beschreibt die Hardware des Laufs.

    Returns:
        Gerät, CPU-Modell, Kerne, torch-Threads, bf16-Fähigkeit und ggf. GPU-Name und -Speicher.
    """
    import torch

    from slmwiki.loading import CPU_BF16_FLAGS, cpu_flags, cpu_model_name

    flags = cpu_flags()
    info: dict[str, Any] = {
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "cpu_model": cpu_model_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_bf16_flags": sorted(f for f in CPU_BF16_FLAGS if f in flags),
        "cpu_has_avx512f": "avx512f" in flags,
        "platform": platform.platform(),
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        info.update(
            gpu_name=props.name,
            gpu_memory_bytes=int(props.total_memory),
            gpu_capability=f"{props.major}.{props.minor}",
        )
    return info


def peak_memory(cuda: bool) -> dict[str, Any]:
    """Spitzen-Speicher des Prozesses.

    Args:
        cuda: GPU-Speicher (`torch.cuda.max_memory_allocated`) statt CPU-RSS messen.

    Returns:
        `peak_memory_bytes` und `peak_memory_kind`.
    """
    if cuda:
        import torch

        return {
            "peak_memory_bytes": int(torch.cuda.max_memory_allocated()),
            "peak_memory_kind": "cuda_max_allocated",
        }
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    factor = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB
    return {"peak_memory_bytes": int(rss * factor), "peak_memory_kind": "cpu_max_rss_process"}


def trainer_settings(trainer: Any) -> dict[str, Any]:
    """Die Einstellungen, mit denen der gebaute Trainer wirklich trainiert (für `run.json`).

    Gelesen aus den Argumenten des Trainers und dem Modell selbst, nicht aus einem Plan.

    Args:
        trainer: Ein gebauter `SFTTrainer`.

    Returns:
        Mikro-Batch, Accumulation, Aktivierungs-Checkpointing (Argument und Modellzustand), Packing,
        Padding-frei, Liger, Attention-Implementierung und der Name des Collators.
    """
    args = trainer.args
    checkpointing = getattr(args, "activation_checkpointing", None)
    if checkpointing is None:
        checkpointing = getattr(args, "gradient_checkpointing", False)
    model = trainer.model
    model_checkpointing = any(
        getattr(module, "gradient_checkpointing", False) is True for module in model.modules()
    )
    config = getattr(model, "config", None)
    return {
        "per_device_train_batch_size": args.per_device_train_batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "activation_checkpointing": bool(checkpointing),
        "model_checkpointing_active": model_checkpointing,
        "packing": getattr(args, "packing", None),
        "packing_strategy": getattr(args, "packing_strategy", None)
        if getattr(args, "packing", False)
        else None,
        "padding_free": bool(getattr(trainer, "padding_free", getattr(args, "padding_free", False))),
        "max_length": getattr(args, "max_length", None),
        "use_liger_kernel": bool(getattr(args, "use_liger_kernel", False)),
        "attn_implementation": getattr(config, "_attn_implementation", None),
        "data_collator": type(trainer.data_collator).__name__,
    }


class RunWatcher(TrainerCallback):
    """TrainerCallback: Schrittzeiten, Token, NaN-Erkennung und Stopp auf Signal."""

    def __init__(self) -> None:
        self.signal_received: int | None = None
        self.diverged = False
        self.diverged_step: int | None = None
        self.start_step = 0
        self.start_tokens = 0
        self.end_tokens = 0
        self.end_step = 0
        self.step_seconds: list[float] = []
        self.step_tokens: list[int] = []
        self._step_started = 0.0
        self._tokens_before = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.start_step = state.global_step
        self.start_tokens = state.num_input_tokens_seen
        self._tokens_before = state.num_input_tokens_seen

    def on_step_begin(self, args, state, control, **kwargs):
        self._step_started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.step_seconds.append(time.perf_counter() - self._step_started)
        self.step_tokens.append(int(state.num_input_tokens_seen - self._tokens_before))
        self._tokens_before = state.num_input_tokens_seen
        self.end_step = state.global_step
        self.end_tokens = state.num_input_tokens_seen
        if self.signal_received is not None:
            control.should_save = True
            control.should_training_stop = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged = True
            self.diverged_step = state.global_step
            control.should_training_stop = True
        return control

    def throughput(self) -> dict[str, Any]:
        """Schritte, Sekunden und Token dieses Laufs.

        Returns:
            Die Felder für `run.json`; `tokens_per_second_after_first_step` lässt den ersten
            Schritt (Aufwärmen, Kompilieren) weg.
        """
        steps = len(self.step_seconds)
        seconds = sum(self.step_seconds)
        tokens = self.end_tokens - self.start_tokens
        later_s, later_t = sum(self.step_seconds[1:]), sum(self.step_tokens[1:])
        return {
            "train_steps_this_session": steps,
            "train_seconds": round(seconds, 3),
            "seconds_per_step": round(seconds / steps, 4) if steps else None,
            "step_seconds": [round(x, 3) for x in self.step_seconds],
            "step_tokens": list(self.step_tokens),
            "train_tokens": int(tokens),
            "tokens_per_second": round(tokens / seconds, 2) if seconds > 0 else None,
            "tokens_per_second_after_first_step": round(later_t / later_s, 2) if later_s > 0 else None,
        }


@contextlib.contextmanager
def stop_on_signal(watcher: RunWatcher) -> Iterator[None]:
    """Fängt SIGINT/SIGTERM ab: der laufende Schritt endet, ein Checkpoint wird gespeichert.

    Ein zweites Signal wirkt wie gewohnt (die alten Handler sind dann wieder aktiv).

    Args:
        watcher: Der `RunWatcher` des Laufs.

    Yields:
        Nichts; solange der Block läuft, gilt der Handler.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handler(signum, frame):
        watcher.signal_received = signum
        for sig, old in previous.items():
            signal.signal(sig, old)

    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


__all__ = [
    "LIBRARIES",
    "RunWatcher",
    "hardware_info",
    "library_versions",
    "peak_memory",
    "stop_on_signal",
    "trainer_settings",
]
