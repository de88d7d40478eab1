"""Speicherbedarf für Inferenz und Training (QLoRA, LoRA, volles Fine-Tuning).

Die Schätzung zerlegt den Spitzenbedarf in Posten (`MemoryBreakdown`), jeder mit einer Formel.
Bezeichnungen: B = Batchgröße, S = Sequenzlänge, h = `hidden_size`, f = `intermediate_size`,
L = Schichten, V = Vokabular, H/K = Query-/KV-Köpfe, d = `head_dim`, P = alle Parameter,
P_lin = Parameter der linearen Schichten in den Decoder-Blöcken, N = LoRA-Parameter.

**Gewichte.** bf16/fp16: 2 Byte, fp32: 4 Byte je Parameter. NF4 (bitsandbytes, Blockgröße 64):
je linearer Schicht n/2 Byte für die 4-Bit-Codes plus die Absmax-Konstanten – ohne Double
Quantization ⌈n/64⌉ · 4 Byte, mit Double Quantization ⌈n/64⌉ · 1 Byte plus ⌈n/64/256⌉ · 4 Byte und
die 8-Bit-Codetabelle (256 · 4 Byte) –, zusammen etwa 4,127 Bit je Parameter (QLoRA, §3). INT8
(LLM.int8()): 1 Byte je Gewicht plus ein fp32-Skalierungsfaktor je Ausgabezeile. Embedding, Normen
und eine eigene `lm_head` werden nicht quantisiert; bei QLoRA wandelt
`peft.prepare_model_for_kbit_training` sie nach fp32 um (4 Byte je Parameter).

**LoRA-Parameter, Gradienten, Optimierer.** peft legt die Adaptergewichte in fp32 an
(`autocast_adapter_dtype=True`): N · 4 Byte, dazu Gradienten N · 4 Byte. AdamW hält zwei Momente
in fp32 (8 Byte je trainierbarem Parameter), `paged_adamw_8bit` zwei 8-Bit-Momente plus je 256 Werte
eine fp32-Konstante (2 + 2 · 4/256 Byte). Volles Fine-Tuning: fp32-Gewichte, fp32-Gradienten und
AdamW – die bekannten 16 Byte je Parameter.

**Aktivierungen.** Mit Gradient Checkpointing speichert jede Schicht nur ihre Eingabe:
(L + 1) · B · S · h · a Byte, a = Bytes des Residualstroms (bf16: 2; fp32: 4 – bei QLoRA mit
`prepare_model_for_kbit_training` wird der Residualstrom fp32, weil das Embedding fp32 ist). Im
Rückwärtsdurchlauf wird je eine Schicht neu berechnet; dieser Arbeitsspeicher tritt erst nach dem
Logits-Spitzenwert auf und zählt nur, soweit er größer ist als dieser. Ohne Checkpointing hält jede
Schicht alle für den Rückwärtsdurchlauf nötigen Tensoren (Formel in `layer_activation_bytes`).

**Logits.** Die Ausgabeschicht erzeugt B · S · V Werte. Der Verlust wird in fp32 berechnet
(`logits.float()`, dann `log_softmax`); im Rückwärtsdurchlauf existieren gleichzeitig das gespeicherte
`log_softmax`-Ergebnis, dessen Gradient und der Gradient der Logits, je 4 Byte: B · S · V · 12 Byte.
Im Vorwärtsdurchlauf sind es höchstens bf16-Logits (2) + fp32-Kopie (4) + `log_softmax` (4) = 10 Byte.
Bei 262.144 Token Vokabular (Gemma 3) und S = 2048 sind das 6 GiB – oft der größte Posten.
Trainer, die den Verlust stückweise berechnen, brauchen viel weniger: TRL 1.x (`SFTTrainer`) rechnet
die Log-Wahrscheinlichkeiten in Kacheln von höchstens 4.096 Token × 32.768 Vokabeln
(`trl/kernels/chunked_logprob.py`). Dafür rechnet `loss_implementation="chunked"` mit zwei solchen
fp32-Kacheln plus vier fp32-Werten je Token – eine Näherung aus dem Quelltext, nicht gemessen.

**Kalibrierung.** Die Formeln sind aus dem Autograd-Ablauf hergeleitet, nicht an Messwerte angepasst.
Geprüft werden sie gegen Messungen des Projekts in `benchmarks/results/`: LoRA auf bf16-Gewichten auf
einer H100 (`memory_lora_h100_reference.json`, aus `qlora_measurement_log.txt`), QLoRA mit SmolLM2 auf
der CPU (`memory_cpu.json`) und echtes QLoRA auf der GPU (`memory_gpu.json`). Jede gemessene
Konfiguration muss innerhalb von 15 % liegen (`tests/test_memory_measurements.py`).

**Zusatzbedarf.** `torch.cuda.max_memory_allocated` enthält den CUDA-Kontext nicht. Für die Frage
„passt das auf die Karte?“ rechnet das Modul pauschal `CUDA_CONTEXT_BYTES` hinzu; zum Vergleich mit Messungen setzen Sie
`overhead_bytes=0`. Welche Modelle auf welche Karte passen, rechnet `slmwiki.gpu_fit` damit aus.

Dieses Modul importiert torch nur indirekt über `slmwiki.lora` (für `LoRALinear`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from slmwiki.errors import ConfigError, closest_names, require_non_negative, require_positive_int
from slmwiki.lora import count_lora_parameters
from slmwiki.models import ModelSpec, get_spec

GIB = 2**30
"""Bytes in einem GiB."""

CUDA_CONTEXT_BYTES = 768 * 2**20
"""Speicher, den `torch.cuda.max_memory_allocated` nicht zählt: CUDA-Kontext, cuBLAS- und Triton-Arbeitsspeicher.

Eigene Schätzung mit Spielraum: Der CUDA-Kontext allein belegt je nach Karte und Treiber einige hundert MiB.
Der Trainingsplan (`slmwiki.planner`) und die Passt-Tabelle (`slmwiki.gpu_fit`) rechnen beide damit."""

LOGITS_BYTES_PER_ELEMENT = 12
"""Bytes je Logit-Wert an der Verlust-Spitze: log_softmax (4) + dessen Gradient (4) + Logit-Gradient (4)."""

DTYPE_BYTES: dict[str, int] = {"fp32": 4, "bf16": 2, "fp16": 2}
"""Bytes je Wert der Gleitkomma-Datentypen."""

WEIGHT_FORMATS: tuple[str, ...] = ("fp32", "bf16", "fp16", "int8", "nf4")
"""Speicherformate der Gewichte."""

METHODS: tuple[str, ...] = ("qlora", "lora", "full")
"""Trainingsverfahren."""

OPTIMIZERS: tuple[str, ...] = ("adamw", "paged_adamw_8bit")
"""Unterstützte Optimierer."""

LOSS_IMPLEMENTATIONS: tuple[str, ...] = ("full", "chunked")
"""Verlustberechnung: alle Logits auf einmal (transformers) oder in Kacheln (TRL 1.x)."""

CHUNK_TOKENS = 4096
"""Token je Kachel der gestückelten Verlustberechnung (TRL: `TOKEN_CHUNK_SIZE`)."""

CHUNK_VOCAB = 32_768
"""Vokabelspalten je Kachel der gestückelten Verlustberechnung (TRL: `_CHUNKED_LOGPROB_CHUNK_SIZE`)."""

NF4_BLOCK_SIZE = 64
"""Gewichte je NF4-Block (bitsandbytes-Standard, QLoRA §3)."""

DQ_BLOCK_SIZE = 256
"""Absmax-Konstanten je Block der Double Quantization (QLoRA §3)."""

DQ_CODE_BYTES = 256 * 4
"""Codetabelle der 8-Bit-Quantisierung der Absmax-Werte (256 float32-Werte) je quantisierter Schicht."""

LORA_DROPOUT_BYTES = 1.7
"""Bytes je Eingangswert eines LoRA-Zielmoduls mit Dropout (bf16-Kopie, Maske); gemessen als Unterschied
der Spitzen mit Dropout 0,05 und 0 (Gemma 3 1B: 1,62; 4B: 1,75; `benchmarks/results/gpu_engine.json`)."""

ACTIVATION_CALIBRATION: dict[tuple[str, bool], float] = {
    ("trl", False): 0.49,
    ("trl", True): 0.87,
    ("unsloth", False): 0.42,  # plus UNSLOTH_BYTES_PER_LOGIT
    ("unsloth", True): 1.0,  # not used: see UNSLOTH_CHECKPOINT_BASE / _PER_TOKEN
}
"""Faktor auf die Aktivierungsformel je (Backend, Gradient Checkpointing), angepasst an die gemessenen
Spitzen von Gemma 3 1B und 4B auf einer H200 (`benchmarks/results/gpu_engine.json`, LoRA-Dropout 0).
TRL trifft beide Modelle auf wenige Prozent. Für Unsloth ohne Checkpointing reicht ein Faktor allein
nicht (1B bräuchte 0,8, 4B 0,58): Dort kommt ein Anteil je Token hinzu, der nicht mit der Breite der
Schichten wächst (`UNSLOTH_BYTES_PER_LOGIT`)."""

UNSLOTH_BYTES_PER_LOGIT = 6
"""Unsloth ohne Checkpointing: Bytes je Token und Vokabeleintrag zusätzlich zu 0,42 × Aktivierungsformel.
Gemessen ist nur, dass dieser Anteil nicht von der Breite der Schichten abhängt; beide gemessenen Modelle
haben dasselbe Vokabular (262.144 bzw. 262.208), die Skalierung mit dem Vokabular ist also angenommen
(wie bei den Logits der Verlustberechnung; 6 Byte entsprächen bf16-Logits und einer fp32-Kopie). Angepasst
an Gemma 3 1B allein sagt das Modell die drei Spitzen von Gemma 3 4B auf höchstens 3,6 % genau voraus und
umgekehrt (Faktor 0,42 in beiden Richtungen)."""

UNSLOTH_CHECKPOINT_BASE = int(4.0 * 2**30)
"""Unsloths Gradient Checkpointing lagert die Schichteingänge in den Hauptspeicher aus; auf der GPU bleibt
ein Sockel plus ein Anteil je Token, der kaum von der Modellgröße abhängt. Dieselbe Einstellung schwankt
zwischen Aufrufen deutlich (Gemma 3 1B bei 8.192 Token: 16,7 GiB am 2., 13,0 GiB am 3. Dezember 2026;
Gemma 3 4B 15,1 GiB). Sockel und Anteil je Token (`UNSLOTH_CHECKPOINT_PER_TOKEN`) halten den größten
Fehler über alle sieben Messungen beider Aufrufe klein: höchstens 12,6 % zu hoch oder zu niedrig."""

UNSLOTH_CHECKPOINT_PER_TOKEN = int(0.00104 * 2**30)
"""Bytes je Token auf der GPU unter Unsloths Checkpointing (siehe `UNSLOTH_CHECKPOINT_BASE`)."""

FLEX_ACTIVATION_FACTOR = 0.8
"""Faktor auf die Aktivierungen ohne Checkpointing, wenn die Attention mit FlexAttention rechnet
(`attention="flex_attention"`, die Wahl des Plans im TRL-Backend): Sie speichert für gepackte Blöcke
weniger als SDPA mit Maske. Angepasst an die Läufe mit Liger-Kernels von Gemma 3 1B und 4B auf einer H200
(`benchmarks/results/gpu_engine.json`, Zeilen mit „flex“)."""

ATTENTION_IMPLEMENTATIONS = ("sdpa", "flex_attention")
"""Attention-Implementierungen, die das Speichermodell unterscheidet."""


@dataclass(frozen=True)
class MemoryBreakdown:
    """Geschätzter Spitzenbedarf, aufgeteilt in Posten (alle Werte in Byte)."""

    weights: int
    """Gewichte des Basismodells im gewählten Format (ohne LoRA)."""
    lora_parameters: int
    """LoRA-Adaptergewichte (fp32): N · 4."""
    gradients: int
    """Gradienten der trainierbaren Parameter (fp32)."""
    optimizer_states: int
    """Zustände des Optimierers (AdamW: zwei Momente je trainierbarem Parameter)."""
    activations: int
    """Für den Rückwärtsdurchlauf gespeicherte Aktivierungen bzw. Arbeitsspeicher der Inferenz."""
    logits: int
    """Logits über das Vokabular samt Verlustberechnung (Training: B · S · V · 12)."""
    kv_cache: int
    """KV-Cache (nur Inferenz; im Training abgeschaltet)."""
    overhead: int
    """Pauschaler Zusatzbedarf (CUDA-Kontext)."""

    def __post_init__(self) -> None:
        for item in fields(self):
            require_non_negative(item.name, getattr(self, item.name))

    @property
    def total(self) -> int:
        """Summe aller Posten in Byte."""
        return sum(getattr(self, item.name) for item in fields(self))

    @property
    def total_gib(self) -> float:
        """Summe aller Posten in GiB."""
        return self.total / GIB

    def as_dict(self) -> dict[str, int]:
        """Alle Posten und `total` als Wörterbuch (Byte)."""
        result = {item.name: getattr(self, item.name) for item in fields(self)}
        result["total"] = self.total
        return result


LABELS_DE: dict[str, str] = {
    "weights": "Gewichte",
    "lora_parameters": "LoRA-Parameter",
    "gradients": "Gradienten",
    "optimizer_states": "Optimierer-Zustände",
    "activations": "Aktivierungen",
    "logits": "Logits und Verlust",
    "kv_cache": "KV-Cache",
    "overhead": "CUDA-Kontext",
    "total": "Summe",
}
"""Deutsche Bezeichnungen der Posten für Tabellen."""


# ---------------------------------------------------------------------- Hilfsfunktionen


def _spec(spec: ModelSpec | str) -> ModelSpec:
    return get_spec(spec) if isinstance(spec, str) else spec


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(
            f"Unbekannter Wert für „{name}“: „{value}“.{closest_names(str(value), list(allowed))}"
        )
    return value


def nf4_module_bytes(n: int, double_quant: bool = True) -> int:
    """Bytes einer in NF4 gespeicherten Gewichtsmatrix mit `n` Einträgen (bitsandbytes-Layout).

    Args:
        n: Zahl der Gewichte.
        double_quant: Ob die Absmax-Konstanten 8-Bit-quantisiert sind (QLoRA-Standard).

    Returns:
        n/2 Byte Codes plus Absmax-Konstanten (siehe Moduldokumentation).
    """
    require_positive_int("n", n)
    blocks = math.ceil(n / NF4_BLOCK_SIZE)
    codes = math.ceil(n / 2)
    if not double_quant:
        return codes + 4 * blocks
    return codes + blocks + 4 * math.ceil(blocks / DQ_BLOCK_SIZE) + DQ_CODE_BYTES


def weight_bytes(
    spec: ModelSpec | str,
    weight_format: str = "bf16",
    non_quantized_dtype: str = "bf16",
    double_quant: bool = True,
) -> int:
    """Bytes aller Gewichte des Basismodells.

    Args:
        spec: Modell oder Registername.
        weight_format: „fp32“, „bf16“, „fp16“, „int8“ oder „nf4“ für die linearen Schichten der Decoder-Blöcke.
        non_quantized_dtype: Datentyp der nicht quantisierten Teile (Embedding, Normen, eigene `lm_head`)
            bei „int8“/„nf4“.
        double_quant: Double Quantization bei „nf4“.

    Returns:
        Die Bytes der Gewichte.

    Raises:
        ConfigError: Bei unbekanntem Format oder Datentyp.
    """
    spec = _spec(spec)
    _choice("weight_format", weight_format, WEIGHT_FORMATS)
    _choice("non_quantized_dtype", non_quantized_dtype, tuple(DTYPE_BYTES))
    if weight_format in DTYPE_BYTES:
        return spec.num_parameters() * DTYPE_BYTES[weight_format]
    other = (spec.num_parameters() - spec.linear_parameters()) * DTYPE_BYTES[non_quantized_dtype]
    shapes = spec.linear_shapes().values()
    if weight_format == "nf4":
        per_layer = sum(nf4_module_bytes(i * o, double_quant) for i, o in shapes)
    else:
        per_layer = sum(i * o + 4 * o for i, o in shapes)
    return other + spec.num_layers * per_layer


def layer_activation_bytes(
    spec: ModelSpec,
    tokens: int,
    act_bytes: int,
    lora_targets: list[str] | None,
    quantized_compute_bytes: int | None = None,
) -> int:
    """Für den Rückwärtsdurchlauf gespeicherte Bytes einer Decoder-Schicht (aus dem Autograd-Ablauf).

    Je Token, mit a = Bytes des Residualstroms und eingefrorenen Basisgewichten:

    - RMSNorm vor Attention und FFN: (4 + a) · h (fp32-Eingang für die Varianz plus Ergebnis, das die
      folgende lineare Schicht speichert); Gemma 3 hat zusätzlich zwei Nach-Normen mit je 4 · h.
    - QK-Norm (Gemma 3, Qwen3): 4 · (H + K) · d.
    - Attention (SDPA): a · (3·H·d + 2·K·d) – Q, K, V, Ausgabe und deren zusammenhängende Kopie für
      `o_proj`; bei Gemma 3 (Sliding-Window-Maske) werden K und V auf H Köpfe kopiert: a · 5·H·d.
    - FFN (SwiGLU): a · 4·f (Gate, Up, Aktivierung, Produkt).
    - LoRA: Ist der Residualstrom nicht fp32, kopiert peft den Eingang jedes Zielmoduls nach fp32
      (4 · d_in); bei QLoRA castet bitsandbytes den Eingang jeder 4-Bit-Schicht in den Rechendatentyp
      c, wenn c ≠ a (c · d_in), und speichert die Kopie.

    Diese Näherung wurde ohne Gradient Checkpointing auf der CPU gemessen (SmolLM2, fp32), siehe
    `benchmarks/results/memory_cpu.json`.

    Args:
        spec: Architekturdaten.
        tokens: B · S.
        act_bytes: Bytes des Residualstroms (2 oder 4).
        lora_targets: LoRA-Zielmodule oder `None` ohne LoRA.
        quantized_compute_bytes: Rechendatentyp der 4-Bit-Schichten in Byte (nur QLoRA), sonst `None`.

    Returns:
        Die Bytes einer Schicht.
    """
    h, f, d = spec.hidden_size, spec.intermediate_size, spec.head_dim
    q, kv = spec.num_attention_heads * d, spec.num_key_value_heads * d
    gemma = spec.architecture == "gemma3_text"
    norms = 2 * (4 + act_bytes) * h + (2 * 4 * h if gemma else 0)
    qk_norm = 4 * (q + kv) if spec.has_qk_norm else 0
    attention = act_bytes * (5 * q if gemma else 3 * q + 2 * kv)
    mlp = act_bytes * 4 * f
    shapes = spec.linear_shapes()
    lora = 4 * sum(shapes[name][0] for name in lora_targets) if lora_targets and act_bytes != 4 else 0
    casts = 0
    if quantized_compute_bytes is not None and quantized_compute_bytes != act_bytes:
        casts = quantized_compute_bytes * sum(d_in for d_in, _ in shapes.values())
    return tokens * (norms + qk_norm + attention + mlp + lora + casts)


# ---------------------------------------------------------------------- Inferenz


def estimate_inference_memory(
    spec: ModelSpec | str,
    seq_len: int,
    batch: int = 1,
    weight_format: str = "bf16",
    kv_bytes_per_element: float = 2,
    double_quant: bool = True,
    overhead_bytes: int = CUDA_CONTEXT_BYTES,
) -> MemoryBreakdown:
    """Schätzt den Spitzenbedarf beim Generieren mit `seq_len` Token Kontext.

    Posten: Gewichte im Format `weight_format` (nicht quantisierte Teile in bf16), KV-Cache für
    `seq_len` Token (`slmwiki.attention.kv_cache_bytes`, Sliding Window berücksichtigt), Arbeitsspeicher
    des Prefill für eine Schicht B · S · (3·h + 2·H·d + 2·K·d + 3·f) · 2 Byte (Näherung) und Logits nur
    der letzten Position B · V · (2 + 4) Byte (bf16 plus fp32 für die Auswahl des nächsten Tokens).

    Args:
        spec: Modell oder Registername.
        seq_len: Kontextlänge (Prompt plus Antwort) in Token, > 0.
        batch: Zahl gleichzeitiger Sequenzen, > 0.
        weight_format: „fp32“, „bf16“, „fp16“, „int8“ oder „nf4“.
        kv_bytes_per_element: Bytes je KV-Wert (bf16: 2, int8-Cache: 1).
        double_quant: Double Quantization bei „nf4“.
        overhead_bytes: Pauschaler Zusatzbedarf (Standard: CUDA-Kontext; 0 für den Vergleich mit
            `torch.cuda.max_memory_allocated`).

    Returns:
        Die Aufschlüsselung (`MemoryBreakdown`).

    Raises:
        ConfigError: Bei nicht positiven Größen oder unbekanntem Format.
    """
    from slmwiki.attention import kv_cache_bytes

    spec = _spec(spec)
    require_positive_int("seq_len", seq_len)
    require_positive_int("batch", batch)
    require_non_negative("overhead_bytes", overhead_bytes)
    act = 4 if weight_format == "fp32" else 2
    h, f = spec.hidden_size, spec.intermediate_size
    q, kv = spec.num_attention_heads * spec.head_dim, spec.num_key_value_heads * spec.head_dim
    return MemoryBreakdown(
        weights=weight_bytes(spec, weight_format, "bf16", double_quant),
        lora_parameters=0,
        gradients=0,
        optimizer_states=0,
        activations=batch * seq_len * (3 * h + 2 * q + 2 * kv + 3 * f) * act,
        logits=batch * spec.vocab_size * (act + 4),
        kv_cache=kv_cache_bytes(spec, seq_len, batch, kv_bytes_per_element),
        overhead=int(overhead_bytes),
    )


# ---------------------------------------------------------------------- Training


def estimate_training_memory(
    spec: ModelSpec | str,
    method: str = "qlora",
    seq_len: int = 512,
    batch: int = 1,
    r: int = 16,
    target_modules: str | list[str] = "all-linear",
    gradient_checkpointing: bool = True,
    compute_dtype: str = "bf16",
    optimizer: str = "adamw",
    upcast_non_quantized: bool = True,
    double_quant: bool = True,
    loss_implementation: str = "full",
    overhead_bytes: int = CUDA_CONTEXT_BYTES,
    backend: str | None = None,
    lora_dropout: float = 0.0,
    attention: str = "sdpa",
) -> MemoryBreakdown:
    """Schätzt den Spitzenbedarf eines Trainingsschritts (Formeln in der Moduldokumentation).

    Annahmen: Verlust wie in transformers (`logits.float()` + Kreuzentropie, nicht gestückelt), sofern
    `loss_implementation="full"`; KV-Cache aus (`use_cache=False`). Die Gradienten der LoRA-Parameter
    entstehen erst nach dem Logits-Spitzenwert; sie werden trotzdem mitgezählt (konservativ; bei LoRA
    klein gegenüber Gewichten und Logits).

    Args:
        spec: Modell oder Registername.
        method: „qlora“ (NF4-Basis + LoRA), „lora“ (Basis in `compute_dtype` + LoRA) oder „full“.
        seq_len: Token je Sequenz, > 0.
        batch: Sequenzen je Schritt, > 0.
        r: LoRA-Rang (nur „qlora“/„lora“).
        target_modules: LoRA-Zielmodule („all-linear“ oder Liste).
        gradient_checkpointing: Ob nur die Schichteingänge gespeichert werden.
        compute_dtype: „bf16“, „fp16“ oder „fp32“ (Datentyp der Rechnung und der Basisgewichte bei LoRA).
        optimizer: „adamw“ oder „paged_adamw_8bit“.
        upcast_non_quantized: Nur „qlora“: Embedding, Normen und `lm_head` liegen in fp32 (Wirkung von
            `peft.prepare_model_for_kbit_training`); damit wird auch der Residualstrom fp32.
        double_quant: Nur „qlora“: Double Quantization der NF4-Konstanten.
        loss_implementation: „full“ (transformers: alle Logits, gemessen) oder „chunked“ (TRL 1.x:
            Kacheln, Näherung ohne Messung).
        overhead_bytes: Pauschaler Zusatzbedarf (0 für den Vergleich mit `max_memory_allocated`).
        backend: `None` (reine Formeln) oder das GPU-Rezept, das `slmwiki finetune` rechnet: „trl“
            bzw. „unsloth“ (beide mit bf16-Embedding und -Residualstrom); dann gelten die an
            GPU-Messungen kalibrierten Faktoren `ACTIVATION_CALIBRATION`.
        lora_dropout: LoRA-Dropout > 0 hält je Zielmodul eine Kopie des Eingangs samt Maske für den
            Rückwärtsdurchlauf (`LORA_DROPOUT_BYTES` je Eingangswert; mit Checkpointing nur für eine Schicht).
        attention: „sdpa“ oder „flex_attention“; nur mit `backend` und ohne Checkpointing wirksam
            (`FLEX_ACTIVATION_FACTOR`).

    Returns:
        Die Aufschlüsselung (`MemoryBreakdown`).

    Raises:
        ConfigError: Bei nicht positiven Größen, unbekanntem Verfahren, Optimierer, Datentyp oder Modul.
    """
    spec = _spec(spec)
    if backend is not None:
        _choice("backend", backend, tuple(sorted({b for b, _ in ACTIVATION_CALIBRATION})))
        upcast_non_quantized = False  # both GPU recipes keep embeddings and residual stream in bf16
    _choice("method", method, METHODS)
    _choice("optimizer", optimizer, OPTIMIZERS)
    _choice("compute_dtype", compute_dtype, tuple(DTYPE_BYTES))
    _choice("loss_implementation", loss_implementation, LOSS_IMPLEMENTATIONS)
    _choice("attention", attention, ATTENTION_IMPLEMENTATIONS)
    require_positive_int("seq_len", seq_len)
    require_positive_int("batch", batch)
    require_non_negative("overhead_bytes", overhead_bytes)
    tokens = batch * seq_len
    compute = DTYPE_BYTES[compute_dtype]

    if method == "full":
        trainable = spec.num_parameters()
        weights = spec.num_parameters() * 4
        lora_bytes = 0
        targets = None
        act = compute
    else:
        from slmwiki.lora import resolve_target_modules

        targets = resolve_target_modules(spec, target_modules)
        trainable = count_lora_parameters(spec, r, targets)
        lora_bytes = trainable * 4
        if method == "lora":
            weights = weight_bytes(spec, compute_dtype)
            act = compute
        else:
            other_dtype = "fp32" if upcast_non_quantized else compute_dtype
            weights = weight_bytes(spec, "nf4", other_dtype, double_quant)
            act = DTYPE_BYTES[other_dtype]

    gradients = trainable * 4
    if optimizer == "adamw":
        optimizer_states = trainable * 8
    else:
        optimizer_states = math.ceil(trainable * (2 + 2 * 4 / 256))

    if loss_implementation == "full":
        logits = tokens * spec.vocab_size * LOGITS_BYTES_PER_ELEMENT
    else:
        logits = 2 * min(tokens, CHUNK_TOKENS) * min(spec.vocab_size, CHUNK_VOCAB) * 4 + tokens * 4 * 4
    one_layer = layer_activation_bytes(spec, tokens, act, targets, compute if method == "qlora" else None)
    dropout = 0
    if targets and lora_dropout > 0:
        shapes = spec.linear_shapes()
        dropout = int(tokens * LORA_DROPOUT_BYTES * sum(shapes[name][0] for name in targets))
    if gradient_checkpointing:
        activations = (spec.num_layers + 1) * tokens * spec.hidden_size * act + max(0, one_layer - logits)
    else:
        activations = spec.num_layers * one_layer + tokens * spec.hidden_size * act
    if backend == "unsloth" and gradient_checkpointing:
        activations = UNSLOTH_CHECKPOINT_BASE + UNSLOTH_CHECKPOINT_PER_TOKEN * tokens
    elif backend is not None:
        activations = int(activations * ACTIVATION_CALIBRATION[(backend, gradient_checkpointing)])
        if backend == "unsloth":
            activations += UNSLOTH_BYTES_PER_LOGIT * tokens * spec.vocab_size
        if attention == "flex_attention" and not gradient_checkpointing:
            activations = int(activations * FLEX_ACTIVATION_FACTOR)
    activations += dropout if gradient_checkpointing else spec.num_layers * dropout

    return MemoryBreakdown(
        weights=weights,
        lora_parameters=lora_bytes,
        gradients=gradients,
        optimizer_states=optimizer_states,
        activations=activations,
        logits=logits,
        kv_cache=0,
        overhead=int(overhead_bytes),
    )


def with_vocab(spec: ModelSpec | str, vocab_size: int) -> ModelSpec:
    """Kopie einer Spezifikation mit anderem Vokabular (z. B. Gemma 3 4B mit 262.144 statt 262.208).

    Args:
        spec: Modell oder Registername.
        vocab_size: Neue Vokabulargröße.

    Returns:
        Die geänderte Spezifikation.
    """
    return replace(_spec(spec), vocab_size=vocab_size)
