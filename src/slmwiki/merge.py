"""LoRA-Adapter in das Basismodell einrechnen („mergen“) und das Ergebnis prüfen.

Für den Einsatz ohne peft – etwa als Grundlage für eine GGUF-Umwandlung – wird die
LoRA-Aktualisierung $W' = W + \\frac{\\alpha}{r} B A$ in die Gewichte einer **unquantisierten**
Kopie des Basismodells (fp32 oder bf16) eingerechnet. In ein 4-Bit-Modell lässt sich nicht
verlustfrei mergen. Beachten Sie: der Adapter wurde auf den NF4-Gewichten trainiert; das
gemergte Modell nutzt die ursprünglichen Gewichte und weicht deshalb minimal vom
trainierten 4-Bit-Modell ab.

`check_merge` vergleicht die Logits des gemergten Modells mit denen von „Adapter auf
unquantisiertem Basismodell“ und liefert die größte absolute Abweichung.
"""

from __future__ import annotations

from pathlib import Path

from slmwiki.errors import ConfigError

#: Erlaubte Datentypen des gemergten Modells.
MERGE_DTYPES = ("fp32", "bf16")

#: Eingebaute Prüf-Prompts für `check_merge`.
CHECK_PROMPTS = (
    "Was ist QLoRA?",
    "Erklären Sie NF4 in einem Satz.",
    "Nennen Sie einen Vorteil kleiner Sprachmodelle.",
)

#: Zulässige größte Logit-Abweichung je Datentyp (fp32: Rundung beim Aufsummieren; bf16: 8 Bit Mantisse).
TOLERANCE = {"fp32": 1e-3, "bf16": 0.25}


def _torch_dtype(name: str):
    import torch

    if name not in MERGE_DTYPES:
        raise ConfigError(f"„dtype“ muss 'fp32' oder 'bf16' sein, erhalten: {name!r}.")
    return {"fp32": torch.float32, "bf16": torch.bfloat16}[name]


def _base_name(adapter_dir: Path, model: str | None) -> str:
    from slmwiki.inference import adapter_base_model
    from slmwiki.loading import DEFAULT_MODEL

    return model or adapter_base_model(adapter_dir) or DEFAULT_MODEL


def merge_adapter(
    adapter_dir: str | Path,
    output_dir: str | Path,
    dtype: str = "fp32",
    *,
    model: str | None = None,
    trust_remote_code: bool = False,
) -> Path:
    """Rechnet einen LoRA-Adapter in eine unquantisierte Kopie des Basismodells ein.

    Das Ergebnis (Modell + Tokenizer) wird in einen temporären Ordner neben `output_dir`
    geschrieben und erst vollständig umbenannt.

    Args:
        adapter_dir: Adapterordner aus `slmwiki finetune`.
        output_dir: Zielordner des gemergten Modells.
        dtype: `fp32` oder `bf16`.
        model: Basismodell; `None` nimmt das im Adapter vermerkte.
        trust_remote_code: Fremden Modellcode ausführen.

    Returns:
        Den Zielordner.

    Raises:
        ConfigError: Bei fehlendem oder unpassendem Adapter oder ungültigem `dtype`.
    """
    from slmwiki.finetune import make_temp_dir, replace_dir
    from slmwiki.inference import attach_adapter, check_adapter_dir
    from slmwiki.loading import ResolvedModel, load_base_model, load_tokenizer, resolve_model

    adapter = check_adapter_dir(adapter_dir)
    torch_dtype = _torch_dtype(dtype)
    name = _base_name(adapter, model)
    target = Path(output_dir)
    if target.resolve() == adapter.resolve():
        raise ConfigError("Der Zielordner („--output“) darf nicht der Adapterordner sein.")
    resolved = resolve_model(name)
    base = load_base_model(
        resolved, quantize=False, compute_dtype=torch_dtype, trust_remote_code=trust_remote_code
    )
    merged = attach_adapter(base, adapter, name).merge_and_unload()
    has_tokenizer = (adapter / "tokenizer_config.json").is_file()
    source = ResolvedModel(str(adapter), str(adapter), is_hub_id=False) if has_tokenizer else resolved
    tokenizer = load_tokenizer(source, trust_remote_code=trust_remote_code)
    tmp = make_temp_dir(target.parent, target.name)
    try:
        merged.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        replace_dir(tmp, target)
    finally:
        if tmp.exists():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return target


def check_merge(
    merged_dir: str | Path,
    adapter_dir: str | Path,
    *,
    dtype: str = "fp32",
    model: str | None = None,
    prompts: tuple[str, ...] | list[str] = CHECK_PROMPTS,
) -> float:
    """Vergleicht die Logits des gemergten Modells mit „Adapter auf unquantisiertem Basismodell“.

    Args:
        merged_dir: Ordner aus `merge_adapter`.
        adapter_dir: Der eingerechnete Adapter.
        dtype: Datentyp beider Modelle (`fp32` oder `bf16`).
        model: Basismodell; `None` nimmt das im Adapter vermerkte.
        prompts: Prüf-Prompts (werden mit der Chat-Vorlage gerendert).

    Returns:
        Die größte absolute Abweichung der Logits über alle Prompts und Positionen.

    Raises:
        ConfigError: Bei fehlendem Ordner oder unpassendem Adapter.
    """
    import torch

    from slmwiki.inference import attach_adapter, chat_inputs, check_adapter_dir
    from slmwiki.loading import ResolvedModel, load_base_model, load_tokenizer

    adapter = check_adapter_dir(adapter_dir)
    torch_dtype = _torch_dtype(dtype)
    if not (Path(merged_dir) / "config.json").is_file():
        raise ConfigError(f"„{merged_dir}“ enthält kein gemergtes Modell („config.json“ fehlt).")
    name = _base_name(adapter, model)
    if (adapter / "tokenizer_config.json").is_file():
        tokenizer = load_tokenizer(ResolvedModel(str(adapter), str(adapter), is_hub_id=False))
    else:
        tokenizer = load_tokenizer(name)
    merged = load_base_model(str(merged_dir), quantize=False, compute_dtype=torch_dtype)
    with_adapter = attach_adapter(
        load_base_model(name, quantize=False, compute_dtype=torch_dtype), adapter, name
    )
    worst = 0.0
    with torch.inference_mode():
        for prompt in prompts:
            inputs = chat_inputs(tokenizer, prompt)
            inputs = {k: v.to(next(merged.parameters()).device) for k, v in inputs.items()}
            a = merged(**inputs).logits.float()
            b = with_adapter(**inputs).logits.float()
            worst = max(worst, float((a - b).abs().max()))
    return worst
