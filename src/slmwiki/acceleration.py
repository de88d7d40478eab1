"""GPU-Schnellpfad für QLoRA: Padding-freie Batches, Varlen-Attention, Mikro-Batch nach Speicher.

Auf einer CUDA-GPU trainiert `slmwiki finetune` standardmäßig über diesen Pfad. Er ändert nicht,
*was* gelernt wird – dieselben Beispiele je Optimierungsschritt, derselbe Verlust –, sondern nur,
*wie* gerechnet wird:

1. **Padding-frei** (`PaddingFreeCollator`): Die Beispiele eines Mikro-Batches werden ohne
   Füll-Token hintereinander in eine Zeile gelegt. `position_ids` beginnen je Beispiel bei 0, die
   Grenzen stehen in `cu_seq_lens_q/k` (kumulierte Längen), und das erste Token jedes Beispiels
   trägt das Label -100, damit kein Token das erste Token des Nachbarn vorhersagen muss.
2. **Varlen-Attention** (`VARLEN_ATTENTION`): Eine bei transformers registrierte
   Attention-Funktion rechnet je Beispiel getrennt – auf der GPU mit dem Flash-Attention-Kern von
   PyTorch für Sequenzen variabler Länge (`cu_seqlens`, Sliding Window, GQA), auf der CPU mit
   einer Schleife über die Beispiele (Referenz für die Tests). Kein Token sieht über die Grenze
   seines Beispiels hinweg, und es entsteht keine quadratische Maske über den ganzen Mikro-Batch.
3. **Gestückelte Kreuzentropie**: TRL ab Version 1 berechnet den Verlust mit einem gestückelten
   LM-Kopf (`fused_lm_head`), der die Logits über das Vokabular (Gemma 3: 262.144 Token) nie
   vollständig anlegt und nur Positionen mit Label bewertet. Der Pfad nutzt ihn unverändert.
4. **Mikro-Batch und Gradient Checkpointing nach Speicher** (`gpu_training_settings`): Aus dem
   Grafikspeicher, den Modellmaßen und den Beispiellängen folgt, wie viele Beispiele ein
   Vorwärtsdurchlauf aufnimmt. Das Produkt aus Mikro-Batch und Gradient Accumulation bleibt gleich
   der Konfiguration (`per_device_train_batch_size` · `gradient_accumulation_steps`), damit jeder
   Optimierungsschritt genau dieselben Beispiele sieht wie ohne Schnellpfad.

Dazu kommen die Rechenhilfen für die Leistungsmessung: `ModelDims.matmul_parameters`,
`attention_pairs` und `training_flops` (nützliche Rechenoperationen für die MFU).

Ausschalten lässt sich der Pfad mit der Umgebungsvariablen `SLMWIKI_GPU_FAST_PATH=0` oder einem
Konfigurationsfeld `gpu_fast_path: false` (falls vorhanden).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from slmwiki.errors import ConfigError, require_positive_int

if TYPE_CHECKING:
    import torch

#: Name der Attention-Implementierung, unter dem `register_varlen_attention` die Funktion anmeldet.
VARLEN_ATTENTION = "slmwiki_varlen"

#: Umgebungsvariable, mit der sich der GPU-Schnellpfad abschalten lässt („0“, „false“, „nein“).
FAST_PATH_ENV = "SLMWIKI_GPU_FAST_PATH"

#: Lineare Schichten eines Decoder-Blocks, auf die „all-linear“ LoRA legt (Gemma/Llama/Qwen-Namen).
LINEAR_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

#: Reserve für CUDA-Kontext und cuBLAS-Arbeitsspeicher, die `max_memory_allocated` nicht zählt.
CUDA_CONTEXT_RESERVE = 768 * 2**20

#: Anteil des verbleibenden Grafikspeichers, den die Planung höchstens verplant (Rest: Fragmentierung).
MEMORY_FILL = 0.85

#: Ohne Gradient Checkpointing muss ein Mikro-Batch mindestens so viele Token fassen, sonst ist
#: Checkpointing mit größerem Mikro-Batch schneller (siehe die Abwägungstabelle auf der Seite „Leistung“).
MIN_TOKENS_WITHOUT_CHECKPOINTING = 4096

#: Korrekturfaktor der Aktivierungsschätzung ohne Gradient Checkpointing: gemessen/geschätzt auf einer
#: H100 (Gemma 3 1B: 0,87; Gemma 3 4B: 0,79; `benchmarks/results/gpu_qlora.json`). Mit Checkpointing
#: liegt die Formel 0–8 % über der Messung und bleibt unkorrigiert.
CALIBRATION_WITHOUT_CHECKPOINTING = 0.85

#: Zwischenspeicher des gestückelten LM-Kopfs von TRL: bis zu 4096 Token × 32.768 Vokabularspalten in
#: bf16, je einer für Vorwärts- und Rückwärtsdurchlauf.
FUSED_HEAD_TOKENS, FUSED_HEAD_COLUMNS = 4096, 32768

#: Bytes je NF4-Gewicht mit Double Quantization (4 Bit + 8-Bit-Absmax je 64 + fp32 je 256 Blöcke).
NF4_BYTES_PER_PARAMETER = 0.5 + 1 / 64 + 4 / (64 * 256)


# ---------------------------------------------------------------------- Modellmaße und FLOPs


@dataclass(frozen=True)
class ModelDims:
    """Die Maße eines Decoder-Modells, die Rechenaufwand und Speicher bestimmen."""

    hidden_size: int
    """Breite des Residualstroms h."""
    intermediate_size: int
    """Breite der FFN-Zwischenschicht f."""
    num_layers: int
    """Zahl der Decoder-Schichten L."""
    num_attention_heads: int
    """Zahl der Query-Köpfe H."""
    num_key_value_heads: int
    """Zahl der Key/Value-Köpfe K."""
    head_dim: int
    """Dimension eines Kopfes d."""
    vocab_size: int
    """Vokabulargröße V (Zeilen der Ausgabeschicht)."""
    layer_types: tuple[str, ...] = ()
    """Art jeder Schicht („full_attention“ oder „sliding_attention“); leer = alle global."""
    sliding_window: int | None = None
    """Fenster der lokalen Schichten in Token (`None` ohne Sliding Window)."""

    def __post_init__(self) -> None:
        for name in (
            "hidden_size",
            "intermediate_size",
            "num_layers",
            "num_attention_heads",
            "num_key_value_heads",
            "head_dim",
            "vocab_size",
        ):
            require_positive_int(name, getattr(self, name))
        if self.num_attention_heads % self.num_key_value_heads:
            raise ConfigError(
                f"„num_attention_heads“ ({self.num_attention_heads}) ist nicht durch „num_key_value_heads“ "
                f"({self.num_key_value_heads}) teilbar."
            )
        if self.layer_types and len(self.layer_types) != self.num_layers:
            raise ConfigError(
                f"„layer_types“ nennt {len(self.layer_types)} Schichten, das Modell hat {self.num_layers}."
            )
        if self.sliding_window is not None:
            require_positive_int("sliding_window", self.sliding_window)

    @classmethod
    def from_config(cls, config: Any) -> ModelDims:
        """Liest die Maße aus einer transformers-Konfiguration (bei multimodalen Modellen dem Textteil).

        Args:
            config: z. B. `Gemma3TextConfig` oder `model.config`.

        Returns:
            Die Maße.
        """
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        heads = text.num_attention_heads
        head_dim = getattr(text, "head_dim", None) or text.hidden_size // heads
        layer_types = tuple(getattr(text, "layer_types", None) or ())
        window = getattr(text, "sliding_window", None) if "sliding_attention" in layer_types else None
        return cls(
            hidden_size=text.hidden_size,
            intermediate_size=text.intermediate_size,
            num_layers=text.num_hidden_layers,
            num_attention_heads=heads,
            num_key_value_heads=getattr(text, "num_key_value_heads", None) or heads,
            head_dim=head_dim,
            vocab_size=text.vocab_size,
            layer_types=layer_types,
            sliding_window=window,
        )

    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """Formen (Eingang, Ausgang) der sieben linearen Schichten eines Decoder-Blocks.

        Returns:
            Modulname → (in_features, out_features).
        """
        h, f = self.hidden_size, self.intermediate_size
        q, kv = self.num_attention_heads * self.head_dim, self.num_key_value_heads * self.head_dim
        return {
            "q_proj": (h, q),
            "k_proj": (h, kv),
            "v_proj": (h, kv),
            "o_proj": (q, h),
            "gate_proj": (h, f),
            "up_proj": (h, f),
            "down_proj": (f, h),
        }

    def layer_linear_parameters(self) -> int:
        """Gewichte der linearen Schichten eines Decoder-Blocks.

        Returns:
            Σ in · out über die sieben Projektionen.
        """
        return sum(i * o for i, o in self.linear_shapes().values())

    def matmul_parameters(self) -> int:
        """Parameter, die je Token in einer Matrixmultiplikation stecken.

        Das sind die linearen Schichten aller Blöcke plus die Ausgabeschicht (V · h); das
        Eingabe-Embedding ist ein Nachschlagen ohne Multiplikation und zählt nicht (bei geteilten
        Gewichten steckt dieselbe Matrix als Ausgabeschicht trotzdem einmal in der Summe).

        Returns:
            L · Σ(in · out) + V · h.
        """
        return self.num_layers * self.layer_linear_parameters() + self.vocab_size * self.hidden_size

    def lora_parameters(self, r: int, targets: Sequence[str] = LINEAR_MODULES) -> int:
        """Trainierbare LoRA-Parameter: je Zielmodul r · (in + out), über alle Schichten.

        Args:
            r: LoRA-Rang.
            targets: Zielmodule.

        Returns:
            Die Anzahl.

        Raises:
            ConfigError: Bei unbekanntem Modulnamen oder r ≤ 0.
        """
        require_positive_int("lora_r", r)
        shapes = self.linear_shapes()
        for name in targets:
            if name not in shapes:
                raise ConfigError(f"Unbekanntes Zielmodul „{name}“; bekannt sind {', '.join(shapes)}.")
        return self.num_layers * sum(r * (shapes[n][0] + shapes[n][1]) for n in targets)

    def window_of_layer(self, index: int) -> int | None:
        """Fenstergröße der Schicht `index` (`None` = globale Attention).

        Args:
            index: Schichtindex ab 0.

        Returns:
            `sliding_window` für lokale Schichten, sonst `None`.
        """
        if self.layer_types and self.layer_types[index] == "sliding_attention":
            return self.sliding_window
        return None


def attention_pairs(length: int, window: int | None = None) -> int:
    """Zahl der (Query, Key)-Paare kausaler Attention über eine Sequenz.

    Token i (ab 0) sieht die Token max(0, i − W + 1) … i, also min(i + 1, W) Keys; ohne Fenster
    ergibt die Summe n · (n + 1) / 2.

    Args:
        length: Sequenzlänge n ≥ 0.
        window: Fenster W (Token einschließlich des eigenen) oder `None`.

    Returns:
        Σ_i min(i + 1, W).
    """
    if length <= 0:
        return 0
    if window is None or window >= length:
        return length * (length + 1) // 2
    return window * (window + 1) // 2 + (length - window) * window


def training_flops(
    dims: ModelDims,
    seq_lengths: Sequence[int],
    lora_parameters: int = 0,
    lm_head_tokens: int | None = None,
) -> dict[str, float]:
    """Nützliche Rechenoperationen eines QLoRA-Trainingsschritts (Vorwärts + Rückwärts).

    Definition (Issue „GPU performance“): etwa 4 · Parameter · Token plus Attention. Die
    eingefrorenen Basisgewichte brauchen im Rückwärtsdurchlauf nur den Gradienten der Eingabe
    (2 FLOPs je Parameter und Token), keinen Gewichtsgradienten: 2 (vorwärts) + 2 = 4. LoRA-Gewichte
    sind trainierbar: 2 + 2 + 2 = 6. Attention (keine Gewichte): je (Query, Key)-Paar und Kopf
    vorwärts 2 · d für QKᵀ und 2 · d für PV, rückwärts das Doppelte, zusammen 12 · H · d.
    Neu berechnete Aktivierungen (Gradient Checkpointing) und Füll-Token zählen nicht.

    Args:
        dims: Modellmaße.
        seq_lengths: Längen der echten Sequenzen des Schritts (ohne Padding).
        lora_parameters: Zahl der LoRA-Parameter.
        lm_head_tokens: Positionen, die durch die Ausgabeschicht gehen; `None` = alle Token
            (Definition des Issues). Mit der Zahl der Verlust-Token ergibt sich die strengere Zählung.

    Returns:
        `tokens`, `linear`, `lm_head`, `lora`, `attention` und `total` (FLOPs).
    """
    tokens = int(sum(seq_lengths))
    head_tokens = tokens if lm_head_tokens is None else int(lm_head_tokens)
    body = 4.0 * dims.num_layers * dims.layer_linear_parameters() * tokens
    head = 4.0 * dims.vocab_size * dims.hidden_size * head_tokens
    lora = 6.0 * lora_parameters * tokens
    per_pair = 12.0 * dims.num_attention_heads * dims.head_dim
    windows: dict[int | None, int] = {}
    for layer in range(dims.num_layers):
        window = dims.window_of_layer(layer)
        windows[window] = windows.get(window, 0) + 1
    attention = 0.0
    for window, count in windows.items():
        attention += count * per_pair * sum(attention_pairs(n, window) for n in seq_lengths)
    return {
        "tokens": float(tokens),
        "linear": body,
        "lm_head": head,
        "lora": lora,
        "attention": attention,
        "total": body + head + lora + attention,
    }


# ---------------------------------------------------------------------- Padding-freie Batches


@dataclass
class PaddingFreeCollator:
    """Legt die Beispiele eines Mikro-Batches ohne Padding hintereinander in eine Zeile.

    Eingabe: TRL-tokenisierte Beispiele mit `input_ids` und optional `labels` (-100 = kein Verlust,
    so baut TRL sie aus der Antwortmaske), `completion_mask` (1 = Token der Antwort) bzw.
    `assistant_masks`. Ausgabe (alles mit Batch-Dimension 1):

    - `input_ids`, `labels`: Länge T = Summe der Beispiellängen; Labels sind -100 außerhalb der
      Antwort (wenn `completion_only_loss`) und am ersten Token jedes Beispiels,
    - `position_ids`: 0, 1, …, n₁−1, 0, 1, …, n₂−1, … (RoPE je Beispiel),
    - `cu_seq_lens_q`/`cu_seq_lens_k` (int32, [0, n₁, n₁+n₂, …]) und `max_length_q`/`max_length_k`:
      die Grenzen für Varlen-Attention; ohne Attention-Maske.
    """

    max_length: int | None = None
    """Beispiele werden am Ende auf so viele Token gekürzt (`None` = nicht kürzen)."""
    completion_only_loss: bool = True
    """Verlust nur auf der Antwort (`completion_mask`), wenn die Beispiele eine Maske tragen."""
    pad_to_multiple_of: int | None = None
    """Zeile mit Füll-Token (Label -100, eigene Pseudo-Sequenz) auf ein Vielfaches auffüllen."""
    pad_token_id: int = 0
    """Token-ID der Füll-Token (nur mit `pad_to_multiple_of`)."""

    def __post_init__(self) -> None:
        if self.max_length is not None:
            require_positive_int("max_length", self.max_length)
        if self.pad_to_multiple_of is not None:
            require_positive_int("pad_to_multiple_of", self.pad_to_multiple_of)

    def __call__(self, examples: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Baut den Batch.

        Args:
            examples: Beispiele mit `input_ids` (Liste oder Tensor).

        Returns:
            Das Wörterbuch für `model(**batch)`.

        Raises:
            DataError: Bei leerem Batch oder leerem Beispiel.
        """
        import torch

        from slmwiki.errors import DataError

        if not examples:
            raise DataError("Ein Mikro-Batch ohne Beispiele kann nicht gebaut werden.")
        ids: list[int] = []
        labels: list[int] = []
        positions: list[int] = []
        lengths: list[int] = []
        for number, example in enumerate(examples, start=1):
            tokens = _as_list(example["input_ids"])
            if self.max_length is not None:
                tokens = tokens[: self.max_length]
            if not tokens:
                raise DataError(f"Beispiel {number} des Mikro-Batches hat keine Token.")
            given = example.get("labels")
            row_labels = _as_list(given)[: len(tokens)] if given is not None else list(tokens)
            if self.completion_only_loss:
                for key in ("completion_mask", "assistant_masks"):
                    if example.get(key) is not None:
                        keep = _as_list(example[key])[: len(tokens)]
                        row_labels = [label if k else -100 for label, k in zip(row_labels, keep, strict=True)]
            row_labels[0] = -100
            ids.extend(tokens)
            labels.extend(row_labels)
            positions.extend(range(len(tokens)))
            lengths.append(len(tokens))
        if self.pad_to_multiple_of:
            missing = -len(ids) % self.pad_to_multiple_of
            if missing:
                ids.extend([self.pad_token_id] * missing)
                labels.extend([-100] * missing)
                positions.extend(range(missing))
                lengths.append(missing)
        cu = torch.tensor([0, *_cumsum(lengths)], dtype=torch.int32)
        longest = max(lengths)
        return {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            "cu_seq_lens_q": cu,
            "cu_seq_lens_k": cu,
            "max_length_q": longest,
            "max_length_k": longest,
        }


def _as_list(values: Any) -> list[int]:
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _cumsum(values: Sequence[int]) -> list[int]:
    total, out = 0, []
    for value in values:
        total += value
        out.append(total)
    return out


# ---------------------------------------------------------------------- Varlen-Attention


def _flash_dtype(query: torch.Tensor) -> torch.dtype | None:
    """bf16/fp16 für den Flash-Kern, oder `None`.

    Nach `prepare_model_for_kbit_training` ist der Residualstrom fp32, und RoPE macht Q/K zu fp32;
    unter Autocast rechnet der Kern dann im Autocast-Typ (wie die Flash-Anbindung von transformers).
    """
    import torch

    if query.dtype in (torch.float16, torch.bfloat16):
        return query.dtype
    if query.dtype == torch.float32 and query.is_cuda and torch.is_autocast_enabled("cuda"):
        return torch.get_autocast_dtype("cuda")
    return None


def _flash_supported(query: torch.Tensor) -> bool:
    import torch

    if not query.is_cuda or _flash_dtype(query) is None:
        return False
    major, _ = torch.cuda.get_device_capability(query.device)
    return major >= 8 and query.shape[-1] <= 256 and query.shape[-1] % 8 == 0


def _sequence_bounds(
    query: torch.Tensor, attention_mask: Any, kwargs: dict[str, Any]
) -> list[tuple[int, int, int]]:
    """Liefert (Zeile, Anfang, Ende) jeder Sequenz; ohne `cu_seq_lens` ist jede Zeile eine Sequenz."""
    cu = kwargs.get("cu_seq_lens_q")
    batch, length = query.shape[0], query.shape[2]
    if cu is not None and batch == 1:
        bounds = [int(x) for x in cu.tolist()]
        return [(0, a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    if attention_mask is not None and attention_mask.dim() == 2:
        rows = []
        for row in range(batch):
            valid = attention_mask[row].nonzero().flatten()
            if valid.numel():
                rows.append((row, int(valid[0]), int(valid[-1]) + 1))
        return rows
    return [(row, 0, length) for row in range(batch)]


def _reference_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    bounds: list[tuple[int, int, int]],
    scaling: float,
    window: int | None,
    softcap: float | None,
) -> torch.Tensor:
    """Attention je Sequenz mit expliziter kausaler (und ggf. Fenster-)Maske; Ausgabe [B, S, H, d]."""
    import torch

    batch, heads, length, dim = query.shape
    groups = heads // key.shape[1]
    out = query.new_zeros(batch, length, heads, dim)
    for row, start, end in bounds:
        q = query[row, :, start:end].float()
        k = key[row, :, start:end].float().repeat_interleave(groups, dim=0)
        v = value[row, :, start:end].float().repeat_interleave(groups, dim=0)
        scores = q @ k.transpose(-1, -2) * scaling
        if softcap is not None:
            scores = softcap * torch.tanh(scores / softcap)
        n = end - start
        i = torch.arange(n, device=query.device)
        allowed = i[None, :] <= i[:, None]
        if window is not None:
            allowed &= (i[:, None] - i[None, :]) < window
        scores = scores.masked_fill(~allowed, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        out[row, start:end] = (probs @ v).transpose(0, 1).to(out.dtype)
    return out


def varlen_attention_forward(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    sliding_window: int | None = None,
    softcap: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention für transformers (Schnittstelle `AttentionInterface`), je Sequenz getrennt.

    Erwartet die Formen von transformers: `query` [B, H, S, d], `key`/`value` [B, K, S, d]. Mit
    `cu_seq_lens_q` (aus `PaddingFreeCollator`, B = 1) rechnet jede Sequenz nur mit sich selbst.
    Auf CUDA-GPUs ab Ampere (bf16/fp16 oder fp32 unter Autocast, d ≤ 256, ohne Softcapping und
    Dropout) läuft der Flash-Attention-Kern von PyTorch für variable Längen, sonst eine exakte
    Referenz in fp32 (eine Schleife über die Sequenzen – langsam, aber für jede Hardware).

    Args:
        module: Das Attention-Modul (für `is_causal`; Decoder sind kausal).
        query: Queries.
        key: Keys.
        value: Values.
        attention_mask: 2D-Padding-Maske oder `None` (die registrierte Maskenfunktion erzeugt keine 4D-Maske).
        scaling: Faktor der Scores (Standard 1/√d).
        dropout: Attention-Dropout (nur die Referenz unterstützt 0).
        sliding_window: Fenstergröße dieser Schicht oder `None`.
        softcap: Softcapping der Scores oder `None`.
        **kwargs: u. a. `cu_seq_lens_q`, `max_length_q`.

    Returns:
        (Ausgabe [B, S, H, d], `None` für die Attention-Gewichte).

    Raises:
        ConfigError: Bei Dropout > 0 im Training (nicht unterstützt).
    """
    import torch

    if dropout:
        raise ConfigError("Die Varlen-Attention von slmwiki unterstützt kein Attention-Dropout (> 0).")
    dim = query.shape[-1]
    scale = float(scaling) if scaling is not None else dim**-0.5
    cu = kwargs.get("cu_seq_lens_q")
    packed = cu is not None and query.shape[0] == 1
    unpadded = attention_mask is None or bool(attention_mask.all())
    if _flash_supported(query) and softcap is None and (packed or unpadded):
        batch, heads, length, _ = query.shape
        if packed:
            cu = cu.to(device=query.device, dtype=torch.int32)
            longest = int(kwargs.get("max_length_q") or int((cu[1:] - cu[:-1]).max()))
        else:
            cu = torch.arange(0, (batch + 1) * length, length, device=query.device, dtype=torch.int32)
            longest = length
        dtype = _flash_dtype(query)
        q = query.transpose(1, 2).reshape(batch * length, heads, dim).to(dtype)
        k = key.transpose(1, 2).reshape(batch * length, key.shape[1], dim).to(dtype)
        v = value.transpose(1, 2).reshape(batch * length, value.shape[1], dim).to(dtype)
        left = sliding_window - 1 if sliding_window else -1
        out = torch.ops.aten._flash_attention_forward(
            q,
            k,
            v,
            cu,
            cu,
            longest,
            longest,
            0.0,
            True,
            False,
            scale=scale,
            window_size_left=left,
            window_size_right=0 if sliding_window else -1,
        )[0]
        return out.reshape(batch, length, heads, dim), None
    bounds = _sequence_bounds(query, attention_mask, kwargs)
    return _reference_attention(query, key, value, bounds, scale, sliding_window, softcap), None


def register_varlen_attention() -> str:
    """Meldet `varlen_attention_forward` bei transformers an (Attention- und Maskenschnittstelle).

    Die Maskenfunktion ist die von Flash Attention: Sie liefert keine 4D-Maske, nur ggf. die
    2D-Padding-Maske. Mehrfaches Aufrufen schadet nicht.

    Returns:
        Den Namen `VARLEN_ATTENTION` für `attn_implementation`.
    """
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, flash_attention_mask

    AttentionInterface.register(VARLEN_ATTENTION, varlen_attention_forward)
    ALL_MASK_ATTENTION_FUNCTIONS.register(VARLEN_ATTENTION, flash_attention_mask)
    return VARLEN_ATTENTION


# ---------------------------------------------------------------------- Speicher und Einstellungen


@dataclass(frozen=True)
class DeviceInfo:
    """Die GPU, für die geplant wird."""

    name: str
    """Bezeichnung, z. B. „NVIDIA H100 80GB HBM3“ oder „Tesla T4“."""
    memory_bytes: int
    """Gesamter Grafikspeicher in Byte."""
    capability: tuple[int, int] = (8, 0)
    """CUDA Compute Capability; Flash-Attention braucht mindestens (8, 0) (Ampere)."""

    def __post_init__(self) -> None:
        require_positive_int("memory_bytes", self.memory_bytes)

    @property
    def supports_flash(self) -> bool:
        """Ob PyTorchs Flash-Attention-Kern auf der Karte läuft (ab Ampere)."""
        return self.capability[0] >= 8

    @classmethod
    def current(cls) -> DeviceInfo | None:
        """Beschreibt die aktuelle CUDA-GPU.

        Returns:
            Die GPU oder `None` ohne CUDA.
        """
        import torch

        if not torch.cuda.is_available():
            return None
        index = torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        return cls(props.name, int(props.total_memory), (props.major, props.minor))


def static_training_bytes(dims: ModelDims, lora_r: int = 16, upcast_non_quantized: bool = True) -> int:
    """Speicher, der unabhängig von der Token-Zahl belegt ist (QLoRA).

    NF4-Gewichte der linearen Schichten (≈ 4,127 Bit je Parameter), Embedding/Ausgabeschicht in
    fp32 (nach `prepare_model_for_kbit_training`) oder bf16, LoRA in bf16 mit Gradient und zwei
    AdamW-Momenten (8 Byte je Parameter) und die größte entpackte bf16-Gewichtsmatrix
    (bitsandbytes entpackt je Schicht, zwei gleichzeitig).

    Args:
        dims: Modellmaße.
        lora_r: LoRA-Rang.
        upcast_non_quantized: Embedding in fp32 (4 Byte) statt bf16 (2 Byte).

    Returns:
        Bytes.
    """
    linear = dims.num_layers * dims.layer_linear_parameters()
    embedding = dims.vocab_size * dims.hidden_size * (4 if upcast_non_quantized else 2)
    largest = max(i * o for i, o in dims.linear_shapes().values())
    lora = dims.lora_parameters(lora_r) * 8
    return int(linear * NF4_BYTES_PER_PARAMETER + embedding + lora + 2 * largest * 2)


def activation_bytes_per_token(
    dims: ModelDims, gradient_checkpointing: bool, residual_bytes: int = 4, lora_dropout: bool = True
) -> float:
    """Für den Rückwärtsdurchlauf gehaltene Bytes je Token (Näherung, QLoRA mit bf16-Autocast).

    Je Schicht und Token (a = Bytes des Residualstroms, fp32 nach `prepare_model_for_kbit_training`;
    c = 2 Byte für bf16-Zwischenwerte): vier RMSNormen (4 + a) · h, QK-Normen (4 + c) · (q + kv),
    Attention c · (3 · q + 3 · kv) (Q/K vor und nach RoPE, V, Ausgabe), FFN c · 4 · f + a · h,
    bf16-Kopien der fp32-Eingänge von fünf Projektionen c · 5 · h, und bei LoRA-Dropout je
    Zielmodul eine Kopie des Eingangs samt Maske. Mit Gradient Checkpointing bleibt je Schicht nur
    der Eingang (a · h) plus eine Schicht, die im Rückwärtsdurchlauf neu berechnet wird.

    Args:
        dims: Modellmaße.
        gradient_checkpointing: Ob Checkpointing aktiv ist.
        residual_bytes: a (4 oder 2).
        lora_dropout: Ob LoRA-Dropout (> 0) Kopien der Eingänge anlegt.

    Returns:
        Bytes je Token (ohne Checkpointing mal `CALIBRATION_WITHOUT_CHECKPOINTING`).
    """
    h, f = dims.hidden_size, dims.intermediate_size
    q, kv = dims.num_attention_heads * dims.head_dim, dims.num_key_value_heads * dims.head_dim
    a, c = residual_bytes, 2
    layer = 4 * (4 + a) * h + (4 + c) * (q + kv) + c * (3 * q + 3 * kv) + c * 4 * f + a * h + c * 5 * h
    if lora_dropout:
        layer += 5 * h * (a + 1) + q * (c + 1) + f * (c + 1)
    if gradient_checkpointing:
        return float((dims.num_layers + 1) * a * h + layer)
    return (dims.num_layers * layer + a * h) * CALIBRATION_WITHOUT_CHECKPOINTING


def estimate_peak_bytes(
    dims: ModelDims,
    micro_batch_tokens: int,
    gradient_checkpointing: bool,
    lora_r: int = 16,
    upcast_non_quantized: bool = True,
) -> int:
    """Schätzt `torch.cuda.max_memory_allocated` eines QLoRA-Schritts mit dem Schnellpfad.

    Summe aus `static_training_bytes`, Aktivierungen (`activation_bytes_per_token` · Token), dem
    fp32-Gradienten der Eingänge der Ausgabeschicht und dem Zwischenspeicher des gestückelten
    LM-Kopfs; geprüft gegen die GPU-Messungen in `benchmarks/results/gpu_qlora*.json`.

    Args:
        dims: Modellmaße.
        micro_batch_tokens: Token je Vorwärtsdurchlauf.
        gradient_checkpointing: Ob Checkpointing aktiv ist.
        lora_r: LoRA-Rang.
        upcast_non_quantized: Embedding und Residualstrom in fp32.

    Returns:
        Bytes.
    """
    require_positive_int("micro_batch_tokens", micro_batch_tokens)
    per_token = activation_bytes_per_token(dims, gradient_checkpointing, 4 if upcast_non_quantized else 2)
    head = micro_batch_tokens * dims.hidden_size * 4 * 2  # Gradient der Verlust-Positionen (fp32) + Eingang
    workspace = 2 * min(micro_batch_tokens, FUSED_HEAD_TOKENS) * FUSED_HEAD_COLUMNS * 2
    static = static_training_bytes(dims, lora_r, upcast_non_quantized)
    return int(static + per_token * micro_batch_tokens + head + workspace)


@dataclass
class GpuTrainingSettings:
    """Vom Schnellpfad gewählte Einstellungen für einen Lauf auf einer GPU."""

    attn_implementation: str | None
    """Attention-Implementierung (`VARLEN_ATTENTION`, oder die der Konfiguration)."""
    padding_free: bool
    """Padding-freie Mikro-Batches (`PaddingFreeCollator`)."""
    gradient_checkpointing: bool
    """Gradient Checkpointing an/aus."""
    per_device_train_batch_size: int
    """Beispiele je Vorwärtsdurchlauf."""
    gradient_accumulation_steps: int
    """Mikro-Batches je Optimierungsschritt; Produkt = Beispiele je Schritt der Konfiguration."""
    micro_batch_tokens: int
    """Erwartete Token je Mikro-Batch (Mittelwert der Beispiellängen · Batchgröße)."""
    estimated_peak_bytes: int
    """Geschätzter Spitzen-Speicher (`max_memory_allocated`) mit der größten Beispiellänge."""
    device_name: str
    """GPU, für die geplant wurde."""
    device_memory_bytes: int
    """Deren Grafikspeicher."""
    max_length: int | None = None
    """Kürzung der Beispiele (aus `max_seq_length`)."""
    trl_packing: bool = False
    """Die Konfiguration verlangt TRL-Packing (`packing: true`): TRLs eigener padding-freier Collator bleibt."""
    reasons: list[str] = field(default_factory=list)
    """Begründungen der Wahl (deutsch, für Protokoll und Ausgabe)."""

    def sft_overrides(self) -> dict[str, Any]:
        """Felder der TRL-`SFTConfig`, die der Schnellpfad setzt (an `build_sft_config(overrides=…)`).

        Returns:
            Feldname → Wert.
        """
        overrides: dict[str, Any] = {
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "gradient_checkpointing": self.gradient_checkpointing,
            # FSDP-QLoRA needs reentrant checkpointing (peft documentation), otherwise non-reentrant
            "gradient_checkpointing_kwargs": {"use_reentrant": fsdp_enabled()}
            if self.gradient_checkpointing
            else None,
        }
        if not self.trl_packing:
            # TRL's own padding_free flag would force its collator; ours is passed explicitly
            overrides.update(padding_free=False, packing=False)
        return overrides

    def data_collator(self) -> PaddingFreeCollator | None:
        """Der Collator für den `SFTTrainer` (`None` = TRLs Standard mit Padding).

        Returns:
            Ein `PaddingFreeCollator` oder `None`.
        """
        if self.trl_packing or not self.padding_free:
            return None
        return PaddingFreeCollator(max_length=self.max_length)

    def prepare_model(self, model: Any) -> Any:
        """Schaltet die Attention-Implementierung des geladenen Modells um.

        Args:
            model: Das (quantisierte) Basismodell, vor LoRA.

        Returns:
            Dasselbe Modell.
        """
        if self.attn_implementation == VARLEN_ATTENTION:
            register_varlen_attention()
        if (
            self.attn_implementation
            and getattr(model.config, "_attn_implementation", None) != self.attn_implementation
        ):
            model.set_attn_implementation(self.attn_implementation)
        return model

    def as_dict(self) -> dict[str, Any]:
        """Die Einstellungen als JSON-taugliches Wörterbuch (für `run.json`).

        Returns:
            Feldname → Wert.
        """
        return asdict(self)


def fast_path_enabled(config: Any = None) -> bool:
    """Ob der GPU-Schnellpfad gewünscht ist (Umgebungsvariable und Konfigurationsfeld).

    Args:
        config: Eine `FinetuneConfig` (ein Feld `gpu_fast_path` wird beachtet, falls vorhanden).

    Returns:
        `False`, wenn `SLMWIKI_GPU_FAST_PATH` „0“/„false“/„nein“/„off“ ist oder `gpu_fast_path` falsch ist.
    """
    value = os.environ.get(FAST_PATH_ENV, "").strip().lower()
    if value in {"0", "false", "no", "nein", "off"}:
        return False
    return bool(getattr(config, "gpu_fast_path", True))


def gpu_training_settings(
    config: Any,
    device: DeviceInfo,
    dims: ModelDims,
    example_tokens: Sequence[int],
) -> GpuTrainingSettings:
    """Plant Attention, Padding, Mikro-Batch und Gradient Checkpointing für eine GPU.

    Regeln:

    - Beispiele je Optimierungsschritt E = `per_device_train_batch_size` · `gradient_accumulation_steps`
      der Konfiguration bleiben unverändert; aufgeteilt wird nur in Mikro-Batches.
    - Ab Ampere: Varlen-Attention und padding-freie Batches (außer die Konfiguration verlangt
      „eager“ oder „sdpa“ ausdrücklich; mit „flash_attention_2/3“ bleibt padding-frei an).
    - Speicherbudget: (Grafikspeicher − `CUDA_CONTEXT_RESERVE`) · `MEMORY_FILL`. Ein Mikro-Batch darf
      m · (längstes Beispiel) Token haben, wenn `estimate_peak_bytes` ins Budget passt.
    - Ohne Checkpointing nur, wenn so mindestens `MIN_TOKENS_WITHOUT_CHECKPOINTING` Token (im
      Mittel) oder gleich alle E Beispiele in einen Mikro-Batch passen; sonst mit Checkpointing und
      dem größten Mikro-Batch, der passt.

    Args:
        config: Eine `FinetuneConfig` (gelesen werden `per_device_train_batch_size`,
            `gradient_accumulation_steps`, `max_seq_length`, `lora_r`, `attn_implementation`).
        device: Die GPU.
        dims: Modellmaße.
        example_tokens: Tokenlängen der Trainingsbeispiele (nach der Chat-Vorlage).

    Returns:
        Die Einstellungen.

    Raises:
        ConfigError: Wenn keine Längen übergeben werden oder schon ein einzelnes Beispiel mit
            Checkpointing nicht in den Speicher passt.
    """
    if not example_tokens:
        raise ConfigError("Für die Planung des Mikro-Batches fehlen die Tokenlängen der Beispiele.")
    max_length = getattr(config, "max_seq_length", None)
    lengths = [min(int(n), max_length) if max_length else int(n) for n in example_tokens]
    trl_packing = bool(getattr(config, "packing", False)) and device.supports_flash and max_length is not None
    if trl_packing:
        # with TRL packing, one "example" is a pack of up to max_seq_length tokens
        lengths = [int(max_length)]
    longest, mean = max(lengths), sum(lengths) / len(lengths)
    effective = int(config.per_device_train_batch_size) * int(config.gradient_accumulation_steps)
    lora_r = int(getattr(config, "lora_r", 16))
    budget = (device.memory_bytes - CUDA_CONTEXT_RESERVE) * MEMORY_FILL
    reasons: list[str] = []

    requested = getattr(config, "attn_implementation", None)
    if not device.supports_flash:
        attn, padding_free = (requested or "sdpa"), False
        reasons.append(f"{device.name}: keine Flash-Attention (vor Ampere) – Padding mit „{attn}“.")
    elif requested in (None, VARLEN_ATTENTION):
        attn, padding_free = VARLEN_ATTENTION, True
        reasons.append("Padding-freie Mikro-Batches mit Varlen-Flash-Attention.")
    elif requested.startswith("flash_attention"):
        attn, padding_free = requested, True
        reasons.append(f"Padding-frei mit der angegebenen Attention „{requested}“.")
    else:
        attn, padding_free = requested, False
        reasons.append(f"Attention „{requested}“ aus der Konfiguration – mit Padding.")

    def plan(checkpointing: bool) -> tuple[int, int] | None:
        best = None
        for m in range(1, effective + 1):
            if estimate_peak_bytes(dims, m * longest, checkpointing, lora_r) > budget:
                break
            best = m
        if best is None:
            return None
        micro = max(m for m in range(1, best + 1) if effective % m == 0)
        return micro, effective // micro

    without = plan(False)
    with_gc = plan(True)
    if without and (without[0] * mean >= MIN_TOKENS_WITHOUT_CHECKPOINTING or without[1] == 1):
        checkpointing, (micro, accumulation) = False, without
        reasons.append(f"Ohne Gradient Checkpointing passen {micro} Beispiele (≈ {micro * mean:.0f} Token).")
    elif with_gc:
        checkpointing, (micro, accumulation) = True, with_gc
        reasons.append(
            f"Mit Gradient Checkpointing passen {micro} Beispiele (≈ {micro * mean:.0f} Token) je Vorwärtsdurchlauf."
        )
    else:
        raise ConfigError(
            f"Schon ein Beispiel mit {longest} Token passt mit Gradient Checkpointing nicht in "
            f"{device.memory_bytes / 2**30:.1f} GiB ({device.name}). Senken Sie „max_seq_length“."
        )
    return GpuTrainingSettings(
        attn_implementation=attn,
        padding_free=padding_free,
        gradient_checkpointing=checkpointing,
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        micro_batch_tokens=round(micro * mean),
        estimated_peak_bytes=estimate_peak_bytes(dims, micro * longest, checkpointing, lora_r),
        device_name=device.name,
        device_memory_bytes=device.memory_bytes,
        max_length=max_length,
        trl_packing=trl_packing,
        reasons=reasons,
    )


def example_token_lengths(
    tokenizer: Any, examples: Sequence[dict[str, Any]], max_length: int | None = None
) -> list[int]:
    """Tokenlängen der Chat-Beispiele nach der Chat-Vorlage (wie TRL sie tokenisiert).

    Args:
        tokenizer: Tokenizer mit Chat-Vorlage.
        examples: Beispiele `{"messages": [...]}`.
        max_length: Obergrenze (Kürzung) oder `None`.

    Returns:
        Eine Länge je Beispiel.
    """
    lengths = []
    for example in examples:
        text = tokenizer.apply_chat_template(example["messages"], tokenize=False)
        n = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        lengths.append(min(n, max_length) if max_length else n)
    return lengths


def gpu_fast_path(
    config: Any, model: Any, tokenizer: Any, examples: Sequence[dict[str, Any]]
) -> GpuTrainingSettings | None:
    """Plant den Schnellpfad für den aktuellen Lauf und schaltet die Attention des Modells um.

    Args:
        config: Die `FinetuneConfig`.
        model: Das geladene (quantisierte) Basismodell, vor `prepare_model_for_kbit_training`.
        tokenizer: Der Tokenizer mit Chat-Vorlage.
        examples: Die Trainingsbeispiele (`load_chat_jsonl`).

    Returns:
        Die Einstellungen, oder `None` ohne CUDA-GPU bzw. wenn der Pfad abgeschaltet ist.
    """
    if not fast_path_enabled(config):
        return None
    device = DeviceInfo.current()
    if device is None:
        return None
    lengths = example_token_lengths(tokenizer, examples, getattr(config, "max_seq_length", None))
    settings = gpu_training_settings(config, device, ModelDims.from_config(model.config), lengths)
    settings.prepare_model(model)
    return settings


# ---------------------------------------------------------------------- mehrere GPUs (accelerate launch / torchrun)


def fsdp_enabled() -> bool:
    """Ob der Prozess unter `accelerate launch` mit FSDP läuft (`ACCELERATE_USE_FSDP`).

    Returns:
        `True` bei FSDP.
    """
    return os.environ.get("ACCELERATE_USE_FSDP", "false").strip().lower() in {"1", "true", "yes"}


def bind_local_device() -> int | None:
    """Setzt die CUDA-Karte dieses Prozesses auf `LOCAL_RANK` (DDP/FSDP mit einem Prozess je GPU).

    Ohne diesen Schritt lädt jeder Prozess sein Modell auf `cuda:0`, bevor der Trainer die Karte
    wählt, und NCCL bricht mit „Duplicate GPU detected“ ab.

    Returns:
        Den Kartenindex oder `None` (kein verteilter Start oder keine GPU).
    """
    rank = os.environ.get("LOCAL_RANK")
    if rank is None:
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    torch.cuda.set_device(int(rank))
    return int(rank)


def distributed_load_kwargs(compute_dtype: torch.dtype) -> dict[str, Any]:
    """Zusätzliche Ladeargumente für FSDP-QLoRA.

    FSDP verteilt nur Gleitkomma-Tensoren: bitsandbytes legt die 4-Bit-Codes dafür in
    `bnb_4bit_quant_storage` (hier `compute_dtype`) ab, alle übrigen Gewichte haben denselben Typ,
    und das Modell bekommt keine `device_map` (FSDP verteilt selbst). Ohne FSDP: leer.

    Args:
        compute_dtype: Rechengenauigkeit (bf16).

    Returns:
        `{"quant_storage": …, "dtype": …, "device_map": None}` unter FSDP, sonst `{}`.
    """
    if not fsdp_enabled():
        return {}
    return {"quant_storage": compute_dtype, "dtype": compute_dtype, "device_map": None}


__all__ = [
    "FAST_PATH_ENV",
    "LINEAR_MODULES",
    "VARLEN_ATTENTION",
    "DeviceInfo",
    "GpuTrainingSettings",
    "ModelDims",
    "PaddingFreeCollator",
    "activation_bytes_per_token",
    "bind_local_device",
    "distributed_load_kwargs",
    "fsdp_enabled",
    "attention_pairs",
    "estimate_peak_bytes",
    "example_token_lengths",
    "fast_path_enabled",
    "gpu_fast_path",
    "gpu_training_settings",
    "register_varlen_attention",
    "static_training_bytes",
    "training_flops",
    "varlen_attention_forward",
]
