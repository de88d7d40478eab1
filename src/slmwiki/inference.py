"""Ein (feinabgestimmtes) Modell benutzen: laden, antworten lassen, vergleichen.

- `load_for_inference` lädt das Basismodell (4-Bit-NF4 oder unquantisiert) und optional einen
  LoRA-Adapter darauf.
- `generate` beantwortet eine Frage über die Chat-Vorlage des Modells; auf Wunsch erscheinen die
  Token schon während der Erzeugung im Terminal.
- `compare` beantwortet dieselben Fragen mit dem Basismodell und dem feinabgestimmten Modell
  (gierig, also reproduzierbar) – der „Inferenz-Test“ aus dem Notebook.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmwiki.errors import ConfigError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

#: Metadaten im Adapterordner (geschrieben von `slmwiki.finetune`).
ADAPTER_INFO = "slmwiki_adapter.json"

#: Fragen für `compare`, wenn weder eine Fragendatei noch Auswertungsdaten vorliegen.
DEFAULT_QUESTIONS = (
    "Was ist QLoRA?",
    "Wofür steht NF4, und warum eignet es sich für Gewichte von Sprachmodellen?",
    "Warum ist ein lokal betriebenes Sprachmodell für die DSGVO interessant?",
)


def adapter_base_model(adapter_dir: str | Path) -> str | None:
    """Liest den Namen des Basismodells, auf dem ein Adapter trainiert wurde.

    Args:
        adapter_dir: Adapterordner.

    Returns:
        Den Modellnamen aus `slmwiki_adapter.json` oder `None`, wenn die Datei fehlt.
    """
    info = Path(adapter_dir) / ADAPTER_INFO
    if not info.is_file():
        return None
    return json.loads(info.read_text(encoding="utf-8")).get("base_model")


def check_adapter_dir(adapter_dir: str | Path) -> Path:
    """Prüft, dass ein Ordner einen LoRA-Adapter enthält.

    Args:
        adapter_dir: Adapterordner.

    Returns:
        Den Ordner als `Path`.

    Raises:
        ConfigError: Wenn der Ordner oder `adapter_config.json` fehlt.
    """
    path = Path(adapter_dir)
    if not path.is_dir():
        raise ConfigError(f"Der Adapterordner „{adapter_dir}“ existiert nicht.")
    if not (path / "adapter_config.json").is_file():
        raise ConfigError(f"„{adapter_dir}“ ist kein LoRA-Adapterordner („adapter_config.json“ fehlt).")
    return path


def attach_adapter(base: PreTrainedModel, adapter_dir: str | Path, base_name: str = "Basismodell") -> Any:
    """Setzt einen gespeicherten LoRA-Adapter auf ein Basismodell.

    Args:
        base: Das geladene Basismodell.
        adapter_dir: Adapterordner.
        base_name: Name des Basismodells für Fehlermeldungen.

    Returns:
        Das `PeftModel` im Auswertungsmodus.

    Raises:
        ConfigError: Wenn der Adapter nicht zum Basismodell passt (andere Schichten oder Formen).
    """
    from peft import PeftModel

    path = check_adapter_dir(adapter_dir)
    try:
        with warnings.catch_warnings():
            # peft reads the deprecated `is_gradient_checkpointing` property of transformers 5 models
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            model = PeftModel.from_pretrained(base, path, is_trainable=False)
    except (RuntimeError, ValueError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"Der Adapter „{adapter_dir}“ passt nicht zum Basismodell „{base_name}“: {first[:300]}"
        ) from exc
    model.eval()
    return model


def load_for_inference(
    model: str | None = None,
    adapter: str | Path | None = None,
    *,
    quantize: bool = True,
    compute_dtype: str = "auto",
    trust_remote_code: bool = False,
    attn_implementation: str | None = None,
) -> tuple[Any, PreTrainedTokenizerBase]:
    """Lädt Basismodell und optional einen Adapter für die Inferenz.

    Args:
        model: Basismodell; `None` nimmt das Basismodell des Adapters oder `smollm2-135m`.
        adapter: Adapterordner aus `slmwiki finetune` oder `None`.
        quantize: Basismodell als 4-Bit-NF4 laden (wie beim Training) statt unquantisiert.
        compute_dtype: `auto`, `bf16`, `fp16` oder `fp32`.
        trust_remote_code: Fremden Modellcode ausführen.
        attn_implementation: z. B. `eager` oder `sdpa`.

    Returns:
        `(modell, tokenizer)`; mit Adapter ist das Modell ein `PeftModel`.

    Raises:
        ConfigError: Wenn Modell oder Adapter fehlen oder nicht zusammenpassen.
    """
    from slmwiki.loading import (
        DEFAULT_MODEL,
        ResolvedModel,
        choose_compute_dtype,
        load_base_model,
        load_tokenizer,
        resolve_model,
    )

    if adapter is not None:
        check_adapter_dir(adapter)
    name = model or (adapter_base_model(adapter) if adapter is not None else None) or DEFAULT_MODEL
    dtype = choose_compute_dtype(compute_dtype)
    resolved = resolve_model(name)
    # An adapter from `slmwiki finetune` carries the tokenizer (and chat template) it was trained with;
    # other adapters fall back to the base model's tokenizer.
    with_tokenizer = adapter is not None and (Path(adapter) / "tokenizer_config.json").is_file()
    tokenizer = load_tokenizer(
        ResolvedModel(str(adapter), str(adapter), is_hub_id=False) if with_tokenizer else resolved,
        trust_remote_code=trust_remote_code,
    )
    base = load_base_model(
        resolved,
        quantize=quantize,
        compute_dtype=dtype,
        trust_remote_code=trust_remote_code,
        attn_implementation=attn_implementation,
    )
    loaded = attach_adapter(base, adapter, name) if adapter is not None else base
    return loaded, tokenizer


def chat_inputs(
    tokenizer: PreTrainedTokenizerBase, prompt: str, system: str | None = None
) -> dict[str, torch.Tensor]:
    """Rendert eine Frage mit der Chat-Vorlage und tokenisiert sie.

    Übergeben werden nur `input_ids` und `attention_mask`: manche Tokenizer (z. B. Gemma 3)
    liefern zusätzlich `token_type_ids`, die ein reines Textmodell nicht erwartet.

    Args:
        tokenizer: Tokenizer mit Chat-Vorlage.
        prompt: Die Frage.
        system: Optionale System-Nachricht.

    Returns:
        `input_ids` und `attention_mask` als Tensoren der Form (1, länge).
    """
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": prompt}
    ]
    encoded = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_tensors="pt", return_dict=True
    )
    return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}


def _stop_token_ids(model, tokenizer) -> list[int]:
    ids: list[int] = []
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in [tokenizer.eos_token_id, configured]:
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in ids:
                ids.append(int(item))
    return ids


def generate(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    prompt: str,
    *,
    max_new_tokens: int = 200,
    temperature: float = 0.7,
    top_p: float = 0.9,
    do_sample: bool | None = None,
    repetition_penalty: float = 1.0,
    system: str | None = None,
    stream: bool = False,
) -> str:
    """Beantwortet eine Frage mit der Chat-Vorlage des Modells.

    Args:
        model: Modell (mit oder ohne Adapter).
        tokenizer: Passender Tokenizer.
        prompt: Die Frage.
        max_new_tokens: Höchstzahl neuer Token.
        temperature: Sampling-Temperatur; 0 bedeutet gierige (deterministische) Auswahl.
        top_p: Nucleus-Sampling: nur die wahrscheinlichsten Token mit zusammen `top_p` Masse.
        do_sample: Sampling erzwingen oder abschalten; `None` = Sampling genau dann, wenn `temperature` > 0.
        repetition_penalty: Strafe für Wiederholungen (1,0 = keine).
        system: Optionale System-Nachricht.
        stream: Token schon während der Erzeugung auf die Standardausgabe schreiben.

    Returns:
        Die Antwort ohne Prompt und ohne Sondertoken.

    Raises:
        ConfigError: Bei leerer Frage oder ungültigen Sampling-Werten.
    """
    import torch
    from transformers import TextStreamer

    if not prompt or not prompt.strip():
        raise ConfigError("Die Frage („PROMPT“) darf nicht leer sein.")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens <= 0:
        raise ConfigError(
            f"„max_new_tokens“ muss eine ganze Zahl größer als 0 sein, erhalten: {max_new_tokens!r}."
        )
    if temperature < 0:
        raise ConfigError(f"„temperature“ darf nicht negativ sein, erhalten: {temperature!r}.")
    if not 0 < top_p <= 1:
        raise ConfigError(f"„top_p“ muss im Intervall (0, 1] liegen, erhalten: {top_p!r}.")
    if repetition_penalty <= 0:
        raise ConfigError(f"„repetition_penalty“ muss größer als 0 sein, erhalten: {repetition_penalty!r}.")
    sample = temperature > 0 if do_sample is None else do_sample
    inputs = chat_inputs(tokenizer, prompt, system)
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in inputs.items()}
    kwargs: dict[str, Any] = {
        "max_new_tokens": max_new_tokens,
        "do_sample": sample,
        "eos_token_id": _stop_token_ids(model, tokenizer),
        "pad_token_id": tokenizer.pad_token_id
        if tokenizer.pad_token_id is not None
        else tokenizer.eos_token_id,
        "repetition_penalty": repetition_penalty,
    }
    if sample:
        kwargs.update(temperature=temperature if temperature > 0 else 1.0, top_p=top_p)
    else:
        kwargs.update(temperature=None, top_p=None, top_k=None)
    if stream:
        kwargs["streamer"] = TextStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    with torch.inference_mode():
        output = model.generate(**inputs, **kwargs)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    return tokenizer.decode(new_tokens, skip_special_tokens=True).strip()


def load_questions(
    path: str | Path | None = None, eval_file: str | Path = "data/eval.jsonl", limit: int = 3
) -> list[str]:
    """Liest Fragen für den Vergleich.

    Args:
        path: Textdatei (eine Frage pro Zeile) oder Chat-JSONL (die letzte Nutzerfrage je
            Beispiel); `None` nimmt die ersten Fragen aus `eval_file` oder eingebaute Beispielfragen.
        eval_file: Auswertungsdaten als Rückfall.
        limit: Höchstzahl der Fragen ohne `path`.

    Returns:
        Die Fragen.

    Raises:
        ConfigError: Wenn die Datei fehlt oder keine Fragen enthält.
        DataError: Wenn eine JSONL-Datei fehlerhaft ist.
    """
    from slmwiki.data import load_chat_jsonl

    def last_user(example: dict[str, Any]) -> str:
        return [m["content"] for m in example["messages"] if m["role"] == "user"][-1]

    if path is None:
        if Path(eval_file).is_file():
            return [last_user(e) for e in load_chat_jsonl(eval_file)[:limit]]
        return list(DEFAULT_QUESTIONS[:limit])
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"Die Fragendatei „{path}“ existiert nicht.")
    if file.suffix == ".jsonl":
        return [last_user(e) for e in load_chat_jsonl(file)]
    questions = [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not questions:
        raise ConfigError(f"Die Fragendatei „{path}“ enthält keine Fragen.")
    return questions


def compare(
    questions: list[str],
    base: str | None = None,
    adapter: str | Path | None = None,
    *,
    max_new_tokens: int = 120,
    repetition_penalty: float = 1.1,
    quantize: bool = True,
    loaded: tuple[Any, PreTrainedTokenizerBase] | None = None,
) -> list[dict[str, str]]:
    """Beantwortet dieselben Fragen mit Basismodell und feinabgestimmtem Modell (gierig).

    Das Modell wird nur einmal geladen; für die Antworten des Basismodells wird der Adapter
    vorübergehend abgeschaltet (`disable_adapter`).

    Args:
        questions: Die Fragen.
        base: Basismodell; `None` nimmt das Basismodell des Adapters.
        adapter: Adapterordner.
        max_new_tokens: Höchstzahl neuer Token je Antwort.
        repetition_penalty: Strafe für Wiederholungen (kleine Modelle verfallen gierig sonst leicht in Schleifen).
        quantize: Basismodell als 4-Bit-NF4 laden.
        loaded: Schon geladenes `(modell_mit_adapter, tokenizer)`; dann werden `base`,
            `adapter` und `quantize` ignoriert.

    Returns:
        Je Frage ein Wörterbuch mit `question`, `base` und `finetuned`.

    Raises:
        ConfigError: Ohne Fragen oder ohne Adapter.
    """
    if not questions:
        raise ConfigError("Für den Vergleich fehlen Fragen.")
    if loaded is None:
        if adapter is None:
            raise ConfigError("Für den Vergleich fehlt der Adapter („--adapter“).")
        loaded = load_for_inference(base, adapter, quantize=quantize)
    model, tokenizer = loaded
    if not hasattr(model, "disable_adapter"):
        raise ConfigError("Für den Vergleich muss ein Adapter geladen sein.")
    settings = {
        "max_new_tokens": max_new_tokens,
        "temperature": 0.0,
        "repetition_penalty": repetition_penalty,
    }
    rows = []
    for question in questions:
        with model.disable_adapter():
            base_answer = generate(model, tokenizer, question, **settings)
        tuned_answer = generate(model, tokenizer, question, **settings)
        rows.append({"question": question, "base": base_answer, "finetuned": tuned_answer})
    return rows
