"""Text: wie gleichmäßig die 16 NF4-Codes im Fehlerexperiment tatsächlich genutzt werden (live berechnet)."""

from __future__ import annotations

import runpy
from statistics import NormalDist

import numpy as np

from slmwiki.formatting import number, percent
from slmwiki.quantization import NF4_OFFSET, quantize_nf4

experiment = runpy.run_path("docs_src/2_komplexitaet/fehler_experiment.py")
weights = experiment["run_experiment"]()["weights"]
q = quantize_nf4(weights, block_size=experiment["BLOCK_SIZE"])
shares = np.bincount(q.codes.ravel(), minlength=16) / weights.size
rarest, commonest = int(np.argmin(shares)), int(np.argmax(shares))

print(
    f"Im Experiment oben nutzt der seltenste Code ({rarest}) {percent(float(shares[rarest]), 1)} der Gewichte, "
    f"der häufigste ({commonest}) {percent(float(shares[commonest]), 1)}; ideal wären {percent(1 / 16, 2)} für jeden. "
    f"Das Betragsmaximum eines Blocks aus {experiment['BLOCK_SIZE']} Gewichten liegt im Mittel bei "
    f"{number(float(q.absmax.mean()), 2)}\xa0σ, die Tabelle setzt es aber bei "
    f"$\\Phi^{{-1}}(\\delta) \\approx {number(NormalDist().inv_cdf(NF4_OFFSET), 2).replace(',', '{,}')}\\,\\sigma$ an."
)
