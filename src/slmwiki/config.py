"""Die Konfiguration eines QLoRA-Fine-Tunings: `FinetuneConfig`.

Eine Konfiguration entsteht aus einer YAML-Datei (siehe `configs/`) und optionalen
Überschreibungen von der Kommandozeile:

    config = FinetuneConfig.from_yaml("configs/smollm2-135m-cpu.yaml", ["--max_steps", "20"])

Jedes Feld wird beim Anlegen geprüft; ein unmöglicher Wert ergibt einen `ConfigError`, der das
Feld nennt. Ob die Datendateien existieren, prüft `check_files()` zu Beginn des Trainings.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmwiki.errors import (
    ConfigError,
    DataError,
    closest_names,
    require_non_negative,
    require_positive,
    require_positive_int,
)

#: Lernraten-Verläufe, die transformers ohne Zusatzparameter kennt.
LR_SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup")

#: Attention-Implementierungen von transformers (`None` = transformers wählt).
ATTN_IMPLEMENTATIONS = ("eager", "sdpa", "flex_attention", "flash_attention_2", "flash_attention_3")

#: Trainings-Backends (`slmwiki.backends`): „auto“ wählt Unsloth nur, wenn es auf einer CUDA-GPU installiert ist.
BACKENDS = ("auto", "trl", "unsloth")

#: Optimierer; die 8-Bit- und „paged“-Varianten von bitsandbytes brauchen eine CUDA-GPU.
OPTIMIZERS = ("adamw_torch", "adamw_torch_fused", "adamw_8bit", "paged_adamw_8bit", "paged_adamw_32bit")

_TRUE = {"true", "1", "yes", "ja", "on"}
_FALSE = {"false", "0", "no", "nein", "off"}
_NONE = {"none", "null", "~", ""}


@dataclass
class FinetuneConfig:
    """Alle Einstellungen eines QLoRA-Laufs (Modell, Daten, LoRA, Training, Ausgabe)."""

    # --- Modell ---
    model: str = "smollm2-135m"
    """Basismodell: „smollm2-135m“ (offline), ein lokaler Ordner oder eine Hugging-Face-Kennung wie „google/gemma-3-1b-it“."""

    trust_remote_code: bool = False
    """Fremden Python-Code aus dem Modell-Repository ausführen. Nur für Quellen, denen Sie vertrauen."""

    attn_implementation: str | None = None
    """Attention-Implementierung („eager“, „sdpa“, …); `None` lässt transformers wählen. Gemma 3 trainiert mit „eager“."""

    backend: str = "auto"
    """Trainings-Backend: „trl“ (Hugging Face: transformers, peft, TRL), „unsloth“ (Zusatz `slmwiki[unsloth]`, nur CUDA) oder „auto“ (Unsloth, wenn auf einer CUDA-GPU installiert, sonst TRL)."""

    gpu_memory: str | None = None
    """Für eine kleinere Karte planen, z. B. „16GB“ (T4) oder „24GB“ (RTX 4090); `None` = Speicher der eingebauten GPU."""

    auto_plan: bool = True
    """Auf der GPU Packing, Mikro-Batch, Gradient Checkpointing und Liger-Kernels selbst wählen (`slmwiki.planner`); `false` übernimmt die Werte dieser Konfiguration."""

    compute_dtype: str = "auto"
    """Rechengenauigkeit: „auto“ (GPU: bf16, sonst fp16; CPU: bf16 nur mit bf16-Befehlen, sonst fp32), „bf16“, „fp16“ oder „fp32“."""

    # --- Daten ---
    train_file: str = "data/train.jsonl"
    """Trainingsdaten: JSONL, jede Zeile `{"messages": [{"role": "user", …}, {"role": "assistant", …}]}`."""

    eval_file: str | None = "data/eval.jsonl"
    """Zurückgehaltene Auswertungsdaten im selben Format; `None` schaltet die Auswertung ab."""

    eval_max_samples: int | None = None
    """Höchstens so viele Auswertungsbeispiele verwenden (schnellere Auswertung); `None` = alle."""

    max_seq_length: int = 256
    """Höchste Sequenzlänge in Token; längere Beispiele werden am Ende abgeschnitten."""

    packing: bool = False
    """Mehrere Beispiele ohne Padding zu Blöcken von `max_seq_length` Token bündeln (TRL „bfd“-Packing; die Attention bleibt je Beispiel getrennt). Gilt auf der CPU und mit `auto_plan: false`; auf der GPU packt der Plan immer."""

    group_by_length: bool = False
    """Beispiele ähnlicher Länge in dieselbe Batch legen (weniger Padding, Reihenfolge bleibt zufällig zwischen Gruppen)."""

    # --- LoRA ---
    lora_r: int = 16
    """Rang r der LoRA-Matrizen A (r × d) und B (d × r)."""

    lora_alpha: float = 32
    """Skalierung: die LoRA-Aktualisierung wird mit alpha / r multipliziert."""

    lora_dropout: float = 0.0
    """Dropout-Rate vor den LoRA-Matrizen, im Intervall [0, 1). Standard 0 wie in peft (`LoraConfig`) und
    Unsloth: ohne Dropout braucht jede LoRA-Schicht keine Kopie ihrer Eingabe, das Training ist schneller und
    schlanker. Bei wenigen Beispielen und Anzeichen von Überanpassung sind 0,05 bis 0,1 übliche Werte."""

    target_modules: str | list[str] = "all-linear"
    """Schichten mit LoRA: „all-linear“ (alle linearen Schichten außer dem Ausgabekopf) oder eine Liste wie [q_proj, v_proj]."""

    # --- Training ---
    max_steps: int | None = None
    """Anzahl der Optimierungsschritte; `None` trainiert `num_train_epochs` Epochen."""

    num_train_epochs: float = 1.0
    """Anzahl der Epochen, wenn `max_steps` nicht gesetzt ist."""

    per_device_train_batch_size: int = 4
    """Beispiele (bzw. gepackte Blöcke) pro Vorwärtsdurchlauf."""

    per_device_eval_batch_size: int = 8
    """Beispiele pro Vorwärtsdurchlauf bei der Auswertung."""

    gradient_accumulation_steps: int = 1
    """So viele Vorwärtsdurchläufe werden zu einem Optimierungsschritt summiert (effektive Batchgröße = Produkt)."""

    learning_rate: float = 2e-4
    """Lernrate des Optimierers für die LoRA-Gewichte."""

    lr_scheduler: str = "cosine"
    """Verlauf der Lernrate: „linear“, „cosine“, „constant“ oder „constant_with_warmup“."""

    warmup_ratio: float = 0.05
    """Anteil der Schritte, in denen die Lernrate linear von 0 ansteigt, im Intervall [0, 1)."""

    weight_decay: float = 0.0
    """Gewichtsabnahme (L2) der LoRA-Gewichte."""

    max_grad_norm: float = 1.0
    """Gradienten werden auf diese Norm begrenzt."""

    optim: str = "adamw_torch"
    """Optimierer; „paged_adamw_8bit“ spart GPU-Speicher, braucht aber CUDA."""

    gradient_checkpointing: bool = False
    """Aktivierungen im Rückwärtsdurchlauf neu berechnen: spart Speicher, kostet Zeit. Auf der GPU entscheidet der Plan (außer mit `auto_plan: false`)."""

    seed: int = 42
    """Startwert der Zufallszahlen (LoRA-Initialisierung, Datenreihenfolge, Dropout)."""

    num_threads: int | None = None
    """CPU-Threads für torch; `None` lässt torch wählen (meist alle Kerne)."""

    # --- Protokoll und Ausgabe ---
    output_dir: str = "runs/smollm2-demo"
    """Ausgabeordner: darin `adapter/` (Adapter + Tokenizer), `run.json` (Laufprotokoll) und während des Trainings `checkpoints/`."""

    logging_steps: int = 5
    """Alle so viele Schritte wird der Trainingsverlust protokolliert (Verlustkurve in `run.json`)."""

    eval_steps: int | None = None
    """Zusätzliche Auswertung alle so viele Schritte; `None` wertet nur vor und nach dem Training aus."""

    save_steps: int = 20
    """Alle so viele Schritte wird ein Checkpoint gespeichert (zum Fortsetzen mit `--resume`)."""

    save_total_limit: int | None = 2
    """Höchstens so viele Checkpoints behalten; `None` behält alle."""

    keep_checkpoints: bool = False
    """Checkpoints nach erfolgreichem Ende behalten; sonst werden sie gelöscht (der Adapter bleibt)."""

    def __post_init__(self) -> None:
        for name in ("model", "train_file", "output_dir"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"„{name}“ muss ein nicht leerer Text sein, erhalten: {value!r}.")
        if self.eval_file is not None and (not isinstance(self.eval_file, str) or not self.eval_file.strip()):
            raise ConfigError(
                f"„eval_file“ muss ein Dateipfad oder leer (None) sein, erhalten: {self.eval_file!r}."
            )
        for name in (
            "trust_remote_code",
            "packing",
            "group_by_length",
            "gradient_checkpointing",
            "keep_checkpoints",
            "auto_plan",
        ):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"„{name}“ muss true oder false sein, erhalten: {getattr(self, name)!r}.")
        _require_choice("compute_dtype", self.compute_dtype, ("auto", "bf16", "fp16", "fp32"))
        _require_choice("backend", self.backend, BACKENDS)
        if self.gpu_memory is not None:
            from slmwiki.planner import parse_memory

            parse_memory(self.gpu_memory)
        if self.attn_implementation is not None:
            _require_choice("attn_implementation", self.attn_implementation, ATTN_IMPLEMENTATIONS)
        _require_choice("lr_scheduler", self.lr_scheduler, LR_SCHEDULERS)
        _require_choice("optim", self.optim, OPTIMIZERS)
        for name in (
            "max_seq_length",
            "per_device_train_batch_size",
            "per_device_eval_batch_size",
            "gradient_accumulation_steps",
            "lora_r",
            "logging_steps",
            "save_steps",
        ):
            require_positive_int(name, getattr(self, name))
        for name in ("max_steps", "eval_max_samples", "eval_steps", "save_total_limit", "num_threads"):
            if getattr(self, name) is not None:
                require_positive_int(name, getattr(self, name))
        if self.max_seq_length < 16:
            raise ConfigError(f"„max_seq_length“ muss mindestens 16 sein, erhalten: {self.max_seq_length!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"„seed“ muss eine ganze Zahl ≥ 0 sein, erhalten: {self.seed!r}.")
        require_positive("lora_alpha", self.lora_alpha)
        require_positive("learning_rate", self.learning_rate)
        require_positive("num_train_epochs", self.num_train_epochs)
        require_positive("max_grad_norm", self.max_grad_norm)
        require_non_negative("weight_decay", self.weight_decay)
        for name in ("lora_dropout", "warmup_ratio"):
            value = require_non_negative(name, getattr(self, name))
            if value >= 1:
                raise ConfigError(
                    f"„{name}“ muss im Intervall [0, 1) liegen, erhalten: {getattr(self, name)!r}."
                )
        self.target_modules = _normalize_target_modules(self.target_modules)

    # --- Construction -----------------------------------------------------------------------

    @classmethod
    def field_names(cls) -> list[str]:
        """Liefert alle Feldnamen.

        Returns:
            Die Namen in Deklarationsreihenfolge.
        """
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "Konfiguration") -> FinetuneConfig:
        """Baut eine Konfiguration aus einem Wörterbuch und wandelt Texte in den Feldtyp um.

        Args:
            values: Feldname → Wert (Werte dürfen Texte sein, z. B. „20“ für eine ganze Zahl).
            source: Herkunft für Fehlermeldungen, z. B. der Dateiname.

        Returns:
            Die geprüfte Konfiguration.

        Raises:
            ConfigError: Bei unbekanntem Schlüssel oder ungültigem Wert.
        """
        known = cls.field_names()
        hints = typing.get_type_hints(cls)
        converted: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(
                    f"Unbekannter Schlüssel „{key}“ in {source}.{closest_names(str(key), known)}"
                )
            converted[key] = _coerce(key, value, hints[key])
        return cls(**converted)

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: list[str] | None = None) -> FinetuneConfig:
        """Liest eine YAML-Datei und wendet Überschreibungen von der Kommandozeile an.

        Args:
            path: YAML-Datei mit Feldnamen als Schlüsseln.
            overrides: z. B. `["--max_steps", "20"]`, `["max_steps=20"]` oder `["--max-steps=20"]`.

        Returns:
            Die geprüfte Konfiguration.

        Raises:
            ConfigError: Wenn die Datei fehlt, kein gültiges YAML ist, einen unbekannten Schlüssel
                enthält oder ein Wert ungültig ist.
        """
        import yaml

        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"Die Konfigurationsdatei „{path}“ existiert nicht.")
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"„{path}“ ist kein gültiges YAML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"„{path}“ ist nicht UTF-8-kodiert.") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"„{path}“ muss Schlüssel-Wert-Paare enthalten (ein YAML-Mapping).")
        values = {str(k): v for k, v in loaded.items()}
        for key in values:
            if key not in cls.field_names():
                raise ConfigError(
                    f"Unbekannter Schlüssel „{key}“ in „{path}“.{closest_names(key, cls.field_names())}"
                )
        values.update(parse_overrides(overrides or [], cls.field_names()))
        return cls.from_dict(values, source=f"„{path}“ oder den Überschreibungen")

    @classmethod
    def field_docs(cls) -> dict[str, str]:
        """Liest die deutsche Beschreibung jedes Feldes (den Docstring unter dem Feld).

        Returns:
            Feldname → Beschreibung (für `slmwiki finetune --help` und die Dokumentation).
        """
        import ast
        import inspect

        tree = ast.parse(inspect.getsource(cls))
        body = tree.body[0].body  # type: ignore[attr-defined]
        docs: dict[str, str] = {}
        for node, following in zip(body, body[1:], strict=False):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[node.target.id] = " ".join(following.value.value.split())
        return docs

    def to_dict(self) -> dict[str, Any]:
        """Liefert die Konfiguration als JSON-taugliches Wörterbuch.

        Returns:
            Feldname → Wert.
        """
        return dataclasses.asdict(self)

    def check_files(self) -> None:
        """Prüft zu Beginn eines Laufs, dass die Datendateien existieren.

        Raises:
            DataError: Wenn `train_file` oder `eval_file` fehlt.
        """
        for name in ("train_file", "eval_file"):
            value = getattr(self, name)
            if value is not None and not Path(value).is_file():
                raise DataError(f"Die Datei „{value}“ („{name}“) existiert nicht.")


def parse_overrides(tokens: list[str], known: list[str]) -> dict[str, str]:
    """Zerlegt Überschreibungen von der Kommandozeile in Schlüssel und Text-Werte.

    Args:
        tokens: z. B. `["--max_steps", "20", "lora_r=8", "--learning-rate=1e-4"]`.
        known: Erlaubte Schlüssel.

    Returns:
        Schlüssel → Wert als Text (die Typumwandlung folgt in `FinetuneConfig.from_dict`).

    Raises:
        ConfigError: Bei unbekanntem Schlüssel oder fehlendem Wert.
    """
    result: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        raw = token.removeprefix("--")
        if "=" in raw:
            key, value = raw.split("=", 1)
            i += 1
        else:
            key = raw
            if not token.startswith("--"):
                raise ConfigError(
                    f"Überschreibung „{token}“ nicht verstanden. Schreiben Sie „--schluessel wert“ oder „schluessel=wert“."
                )
            if i + 1 >= len(tokens):
                raise ConfigError(f"Für „{token}“ fehlt der Wert.")
            value = tokens[i + 1]
            i += 2
        key = key.replace("-", "_")
        if key not in known:
            raise ConfigError(f"Unbekannter Schlüssel „{key}“.{closest_names(key, known)}")
        result[key] = value
    return result


def _require_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(
            f"Ungültiger Wert für „{name}“: {value!r}.{closest_names(str(value), list(choices))}"
        )


def _normalize_target_modules(value: object) -> str | list[str]:
    if isinstance(value, str):
        text = value.strip()
        if text == "all-linear":
            return text
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            raise ConfigError(
                "„target_modules“ darf nicht leer sein; Beispiel: „all-linear“ oder [q_proj, v_proj]."
            )
        return parts
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) and v.strip() for v in value):
        return [v.strip() for v in value]
    raise ConfigError(
        f"„target_modules“ muss „all-linear“ oder eine nicht leere Liste von Namen sein, erhalten: {value!r}."
    )


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """Wandelt `value` (oft ein Text aus YAML oder von der Kommandozeile) in den Feldtyp um."""
    is_union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    args = typing.get_args(hint) if is_union else ()
    options = [a for a in args if a is not type(None)] if args else [hint]
    optional = type(None) in args
    if isinstance(value, str) and optional and value.strip().lower() in _NONE:
        return None
    if value is None:
        return None  # __post_init__ reports fields that may not be empty
    for option in options:
        origin = typing.get_origin(option)
        if option is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
        elif option is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except ValueError:
                    pass
        elif option is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                try:
                    number = float(value.strip())
                except ValueError:
                    continue
                if math.isfinite(number):
                    return number
        elif origin is list:
            if isinstance(value, list):
                return value
        elif option is str and isinstance(value, str):
            return value
    if isinstance(value, list | dict):
        raise ConfigError(f"„{name}“ hat den falschen Typ: {value!r}.")
    return value  # __post_init__ produces the specific German message


__all__ = ["FinetuneConfig", "parse_overrides"]
