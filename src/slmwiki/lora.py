"""LoRA: die Aktualisierung W₀ + (α/r)·B·A und die Zahl trainierbarer Parameter.

LoRA (Hu et al. 2021, arXiv:2106.09685) friert die vortrainierte Gewichtsmatrix W₀ (Form d_out × d_in)
ein und lernt nur eine Änderung niedrigen Rangs ΔW = (α/r)·B·A mit A (r × d_in) und B (d_out × r).
A wird zufällig, B mit Nullen initialisiert; zu Beginn gilt also ΔW = 0 und das Modell verhält sich
exakt wie das Ausgangsmodell.

Je angepasster Schicht kommen r·(d_in + d_out) trainierbare Parameter hinzu. `count_lora_parameters`
summiert das über alle Zielmodule aller Schichten; die Tests vergleichen mit der Zahl, die peft für
dasselbe Modell meldet.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from slmwiki.errors import ConfigError, closest_names, require_positive, require_positive_int
from slmwiki.models import ModelSpec


class LoRALinear(nn.Module):
    """Eine lineare Schicht mit eingefrorenem Gewicht W₀ und trainierbarer LoRA-Ergänzung.

    Vorwärtsrechnung: y = W₀·x + b + (α/r)·B·(A·x). Die Klasse ist absichtlich klein und lesbar;
    für das eigentliche Training nutzt das Projekt peft, das dieselbe Rechnung ausführt.

    Attributes:
        base: Die eingefrorene ursprüngliche Schicht (`nn.Linear`).
        lora_A: Matrix A der Form (r, in_features), zufällig initialisiert.
        lora_B: Matrix B der Form (out_features, r), mit Nullen initialisiert.
        scaling: Der Faktor α/r.
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16.0) -> None:
        """Umhüllt eine vorhandene lineare Schicht.

        Args:
            base: Die ursprüngliche Schicht; ihre Parameter werden eingefroren.
            r: Rang der Aktualisierung (> 0).
            alpha: Skalierungsparameter α (> 0); wirksam ist α/r.

        Raises:
            ConfigError: Bei nicht positivem Rang oder α.
        """
        super().__init__()
        require_positive_int("r", r)
        require_positive("alpha", alpha)
        self.base = base
        for parameter in self.base.parameters():
            parameter.requires_grad_(False)
        self.r = r
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=base.weight.dtype))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=base.weight.dtype))
        # Wie im LoRA-Paper: A zufällig (hier Kaiming-uniform wie in peft), B = 0.
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Berechnet W₀·x + b + (α/r)·B·A·x.

        Args:
            x: Eingabe der Form (…, in_features).

        Returns:
            Ausgabe der Form (…, out_features).
        """
        return self.base(x) + self.scaling * (x @ self.lora_A.T @ self.lora_B.T)

    def delta_weight(self) -> torch.Tensor:
        """Die gelernte Änderung ΔW = (α/r)·B·A (Form out_features × in_features)."""
        return self.scaling * (self.lora_B @ self.lora_A)

    def merged_weight(self) -> torch.Tensor:
        """Das Gewicht W₀ + ΔW, das nach dem Zusammenführen („merge“) in der Schicht stünde."""
        return self.base.weight + self.delta_weight()


def valid_target_modules(spec: ModelSpec) -> list[str]:
    """Namen der linearen Module je Decoder-Schicht, die LoRA anpassen kann.

    Args:
        spec: Architekturdaten des Modells.

    Returns:
        Die Modulnamen, z. B. `["q_proj", "k_proj", …]` (Phi-3: `qkv_proj`, `gate_up_proj`, …).
    """
    return list(spec.linear_shapes())


def resolve_target_modules(spec: ModelSpec, target_modules: str | list[str] | tuple[str, ...]) -> list[str]:
    """Übersetzt „all-linear“ oder eine Liste in die geprüften Modulnamen einer Schicht.

    Args:
        spec: Architekturdaten des Modells.
        target_modules: „all-linear“, ein einzelner Modulname oder eine Liste von Modulnamen.

    Returns:
        Die Modulnamen ohne Duplikate, in der angegebenen Reihenfolge.

    Raises:
        ConfigError: Bei leerer Liste oder unbekannten Namen (die Meldung nennt die gültigen).
    """
    valid = valid_target_modules(spec)
    if isinstance(target_modules, str):
        if target_modules == "all-linear":
            return valid
        targets = [target_modules]
    else:
        targets = list(target_modules)
    if not targets:
        raise ConfigError(
            f"Die Liste „target_modules“ ist leer. Gültig für {spec.name}: all-linear, {', '.join(valid)}."
        )
    unknown = [t for t in targets if t not in valid]
    if unknown:
        hint = closest_names(unknown[0], valid)
        raise ConfigError(
            f"Unbekannte Zielmodule für {spec.name} ({spec.architecture}): {', '.join(unknown)}."
            f"{hint} Zusätzlich erlaubt: „all-linear“."
        )
    return list(dict.fromkeys(targets))


def count_lora_parameters(spec: ModelSpec, r: int, target_modules: str | list[str] = "all-linear") -> int:
    """Zahl der trainierbaren LoRA-Parameter, analytisch berechnet.

    Formel: Σ über Schichten und Zielmodule von r · (d_in + d_out). „all-linear“ meint wie bei peft
    alle linearen Schichten der Decoder-Blöcke, aber nicht die Ausgabeschicht `lm_head`.

    Args:
        spec: Architekturdaten des Modells.
        r: LoRA-Rang (> 0).
        target_modules: „all-linear“ oder eine Liste von Modulnamen (siehe `valid_target_modules`).

    Returns:
        Die Zahl der trainierbaren Parameter.

    Raises:
        ConfigError: Bei nicht positivem Rang oder unbekannten Modulnamen.
    """
    require_positive_int("r", r)
    shapes = spec.linear_shapes()
    targets = resolve_target_modules(spec, target_modules)
    per_layer = sum(r * (shapes[name][0] + shapes[name][1]) for name in targets)
    return spec.num_layers * per_layer


def lora_parameter_fraction(spec: ModelSpec, r: int, target_modules: str | list[str] = "all-linear") -> float:
    """Anteil der LoRA-Parameter an den Parametern des Basismodells.

    Args:
        spec: Architekturdaten des Modells.
        r: LoRA-Rang (> 0).
        target_modules: „all-linear“ oder eine Liste von Modulnamen.

    Returns:
        Der Bruch `count_lora_parameters / num_parameters`, z. B. 0,013 für 1,3 %.
    """
    return count_lora_parameters(spec, r, target_modules) / spec.num_parameters()
