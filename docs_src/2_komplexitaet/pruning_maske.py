"""Abbildung: unstrukturiertes und strukturiertes Magnitude Pruning derselben zufälligen Matrix bei 50 %."""

from __future__ import annotations

from slmwiki.diagrams import pruning_masks_svg
from slmwiki.pruning import example_weights, structured_row_mask, unstructured_mask

#: Angestrebter Anteil entfernter Gewichte bzw. Zeilen.
SPARSITY = 0.5

weights = example_weights(rows=12, cols=16, seed=0)
print(
    pruning_masks_svg(weights, unstructured_mask(weights, SPARSITY), structured_row_mask(weights, SPARSITY))
)
