"""Absatz: Trainings- gegen Inferenzaufwand am Beispiel Llama 3 8B, beim Bauen berechnet."""

from __future__ import annotations

import runpy

from slmwiki.formatting import number

data = runpy.run_path("docs_src/1_grundlagen/trainingsdaten.py")
sci = data["scientific"]

#: Llama 3 8B: 8 Milliarden Parameter, über 15 Billionen Tokens; Chinchilla-optimal laut Meta „~200B tokens“.
PARAMS = 8e9
TOKENS = 15e12
CHINCHILLA_OPTIMAL_TOKENS = 200e9
#: Vorwärtsdurchlauf: etwa 2 FLOPs pro Parameter und verarbeitetem Token (Kaplan et al. 2020, §2.1).
FORWARD_FLOPS_PER_PARAM = 2.0

train = data["training_flops"](PARAMS, TOKENS)
per_token = FORWARD_FLOPS_PER_PARAM * PARAMS
break_even = train / per_token
print(
    f"Ein Rechenbeispiel mit Llama 3 8B: Das Training auf 15 Billionen Tokens – das "
    f"{number(TOKENS / CHINCHILLA_OPTIMAL_TOKENS, 0)}-Fache der Chinchilla-optimalen Datenmenge von rund "
    f"200 Milliarden Tokens – kostet nach $6ND$ etwa {sci(train)} FLOPs. Jedes erzeugte Token kostet dagegen nur "
    f"$2N \\approx$ {sci(per_token, 1)} FLOPs. Erst nach {data['magnitude'](break_even, 0)} verarbeiteten oder "
    f"erzeugten Tokens hat die Nutzung so viel gerechnet wie das Training. Ein Modell mit zehnmal so vielen "
    f"Parametern kostet bei jedem dieser Tokens zehnmal so viel – und das für die gesamte Lebensdauer des Modells."
)
