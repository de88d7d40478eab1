"""Der Ausgabeordner eines Laufs: Checkpoints, Fortsetzen, Adapter und `run.json`, atomar geschrieben.

- `adapter/` – LoRA-Adapter, Tokenizer und `slmwiki_adapter.json` (Name des Basismodells),
- `run.json` – das Laufprotokoll,
- `checkpoints/` – nur während des Trainings (oder mit `keep_checkpoints: true`).

Fertige Ordner entstehen erst als temporärer Nachbar und werden dann eingetauscht: Ein Abbruch
hinterlässt nie einen halben Adapter.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmwiki import __version__
from slmwiki.config import FinetuneConfig
from slmwiki.errors import ConfigError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel

#: Unterordner mit den Trainings-Checkpoints.
CHECKPOINTS = "checkpoints"
#: Unterordner mit dem fertigen Adapter.
ADAPTER = "adapter"
#: Laufprotokoll im Ausgabeordner.
RUN_FILE = "run.json"
#: Metadaten im Adapterordner (Basismodell, Rechengenauigkeit).
ADAPTER_INFO = "slmwiki_adapter.json"
#: Fingerabdruck des Laufs im Checkpoint-Ordner (prüft beim Fortsetzen, ob die Konfiguration passt).
RUN_STATE = "slmwiki_run_state.json"

#: Felder, die sich beim Fortsetzen ändern dürfen, ohne das Ergebnis zu verändern.
RESUME_MAY_CHANGE = frozenset(
    {
        "num_threads",
        "logging_steps",
        "save_steps",
        "save_total_limit",
        "keep_checkpoints",
        "eval_steps",
        "per_device_eval_batch_size",
        "eval_max_samples",
        "eval_file",
        "gpu_memory",
    }
)


def newest_checkpoint(checkpoints_dir: Path) -> Path | None:
    """Findet den neuesten vollständigen Checkpoint.

    Vollständig ist ein Checkpoint, wenn `trainer_state.json` existiert – transformers schreibt
    diese Datei nach Modell, Optimierer und Zufallszustand.

    Args:
        checkpoints_dir: Ordner mit `checkpoint-<schritt>`-Unterordnern.

    Returns:
        Den Checkpoint mit der höchsten Schrittzahl oder `None`.
    """
    if not checkpoints_dir.is_dir():
        return None
    found = []
    for child in checkpoints_dir.iterdir():
        match = re.fullmatch(r"checkpoint-(\d+)", child.name)
        if match and (child / "trainer_state.json").is_file():
            found.append((int(match.group(1)), child))
    return max(found)[1] if found else None


def fingerprint(config: FinetuneConfig) -> dict[str, Any]:
    """Fingerabdruck eines Laufs: die ergebnisrelevanten Felder und die Prüfsumme der Trainingsdaten.

    Args:
        config: Die Konfiguration.

    Returns:
        `{"config": …, "train_file_sha256": …}`.
    """
    relevant = {k: v for k, v in config.to_dict().items() if k not in RESUME_MAY_CHANGE}
    digest = hashlib.sha256(Path(config.train_file).read_bytes()).hexdigest()
    return {"config": relevant, "train_file_sha256": digest}


def find_resume_checkpoint(checkpoints_dir: Path, resume: bool, fingerprint: dict[str, Any]) -> Path | None:
    """Der Checkpoint, von dem aus fortgesetzt wird – oder ein deutscher Fehler, warum das nicht geht.

    Args:
        checkpoints_dir: Ordner mit den Checkpoints.
        resume: Ob fortgesetzt werden soll.
        fingerprint: `fingerprint(config)` des neuen Aufrufs.

    Returns:
        Der neueste vollständige Checkpoint oder `None` (ohne `resume`).

    Raises:
        ConfigError: Checkpoint ohne `--resume`, `--resume` ohne Checkpoint oder geänderte Daten/Konfiguration.
    """
    checkpoint = newest_checkpoint(checkpoints_dir)
    if not resume:
        if checkpoint is not None:
            raise ConfigError(
                f"In „{checkpoints_dir}“ liegt der Checkpoint eines früheren Laufs ({checkpoint.name}). "
                "Setzen Sie „--resume“, um dort fortzusetzen, oder löschen Sie den Ordner für einen Neustart."
            )
        return None
    if checkpoint is None:
        raise ConfigError(
            f"Zum Fortsetzen („--resume“) fehlt ein vollständiger Checkpoint in „{checkpoints_dir}“. "
            "Starten Sie ohne „--resume“."
        )
    state_file = checkpoints_dir / RUN_STATE
    if state_file.is_file():
        saved = json.loads(state_file.read_text(encoding="utf-8"))
        if saved.get("train_file_sha256") != fingerprint["train_file_sha256"]:
            raise ConfigError(
                "Die Trainingsdaten haben sich seit dem Checkpoint geändert; Fortsetzen ist nicht möglich."
            )
        before, now = saved.get("config", {}), fingerprint["config"]
        changed = sorted(k for k in now if before.get(k) != now[k])
        if changed:
            details = ", ".join(f"„{k}“: {before.get(k)!r} → {now[k]!r}" for k in changed)
            raise ConfigError(
                f"Die Konfiguration weicht vom unterbrochenen Lauf ab ({details}); so lässt er sich nicht fortsetzen."
            )
    return checkpoint


def discard_if_empty(checkpoints_dir: Path, output_dir: Path, output_existed: bool) -> None:
    """Räumt nach einem Fehler auf, wenn noch kein Checkpoint entstanden ist (nichts Halbes bleibt liegen)."""
    if newest_checkpoint(checkpoints_dir) is not None:
        return
    shutil.rmtree(checkpoints_dir, ignore_errors=True)
    if not output_existed and output_dir.is_dir() and not any(output_dir.iterdir()):
        output_dir.rmdir()


def write_json_atomic(path: Path, data: Any) -> None:
    """Schreibt JSON erst in eine temporäre Datei daneben und benennt sie dann um (nie halb geschrieben).

    Args:
        path: Zieldatei.
        data: JSON-taugliche Daten.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_outputs(
    model: PreTrainedModel,
    tokenizer,
    output_dir: Path,
    record: dict[str, Any],
    config: FinetuneConfig,
    compute_dtype: torch.dtype,
    state_dict: dict[str, Any] | None = None,
) -> Path:
    """Schreibt Adapter und Tokenizer in einen temporären Ordner und tauscht ihn dann ein.

    `state_dict` sind die unter FSDP eingesammelten Gewichte; sonst liest `save_pretrained` sie selbst.
    """
    from slmwiki.loading import dtype_name

    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_dir / ADAPTER
    tmp = make_temp_dir(output_dir, ADAPTER)
    try:
        if state_dict is None:
            model.save_pretrained(tmp, safe_serialization=True)
        else:
            from slmwiki.launch import save_gathered_adapter

            save_gathered_adapter(model, state_dict, tmp)
        tokenizer.save_pretrained(tmp)
        info = {
            "base_model": config.model,
            "compute_dtype": dtype_name(compute_dtype),
            "slmwiki_version": __version__,
        }
        (tmp / ADAPTER_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        record["adapter_dir"] = str(final)
        replace_dir(tmp, final)
        write_json_atomic(output_dir / RUN_FILE, record)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def make_temp_dir(parent: Path, name: str) -> Path:
    """Legt einen temporären Ordner `.<name>.tmp-…` neben dem Ziel an (gleiches Dateisystem).

    Args:
        parent: Übergeordneter Ordner des Ziels.
        name: Name des Zielordners.

    Returns:
        Den neuen, leeren Ordner mit üblichen Zugriffsrechten (nicht nur für den Eigentümer).
    """
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def replace_dir(tmp: Path, final: Path) -> None:
    """Ersetzt `final` durch den fertig geschriebenen Ordner `tmp`.

    Ein vorhandener Zielordner wird erst beiseitegelegt und nach dem Umbenennen gelöscht;
    schlägt das Umbenennen fehl, kommt er zurück. Ein vollständiger alter Ordner geht also
    nie verloren, ohne dass ein vollständiger neuer an seiner Stelle steht.

    Args:
        tmp: Fertiger temporärer Ordner (im selben Ordner wie `final`).
        final: Zielordner.
    """
    old: Path | None = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
        os.replace(final, old / final.name)
    try:
        os.replace(tmp, final)
    finally:
        if old is not None:
            if not final.exists() and (old / final.name).exists():
                os.replace(old / final.name, final)
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def read_run_record(output_dir: str | Path) -> dict[str, Any]:
    """Liest das Laufprotokoll `run.json` eines Ausgabeordners.

    Args:
        output_dir: Ausgabeordner eines Laufs.

    Returns:
        Das Laufprotokoll.

    Raises:
        ConfigError: Wenn `run.json` fehlt.
    """
    path = Path(output_dir) / RUN_FILE
    if not path.is_file():
        raise ConfigError(f"Im Ordner „{output_dir}“ fehlt das Laufprotokoll „{RUN_FILE}“.")
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = [
    "ADAPTER",
    "CHECKPOINTS",
    "RUN_FILE",
    "discard_if_empty",
    "find_resume_checkpoint",
    "fingerprint",
    "make_temp_dir",
    "newest_checkpoint",
    "read_run_record",
    "replace_dir",
    "save_outputs",
    "write_json_atomic",
]
