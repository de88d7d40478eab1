"""Tabelle: Kosten eines Fine-Tuning-Laufs nach GPU-Stunden (Kapitel 5, Wirtschaftlichkeit).

Die Stundenzahlen sind Rechenbeispiele; wie lange ein Lauf dauert, hängt von Modell, Daten und GPU ab
(`slmwiki.costs.training_hours` rechnet sie aus Tokens und gemessenem Durchsatz aus).
"""

from __future__ import annotations

from slmwiki.costs import finetune_run_cost, load_prices
from slmwiki.formatting import eur

data = load_prices()
model = data.defaults["model"]
hours = [1, 3, 10]
own_names = data.defaults.get("gpu", [])
cloud_names = list(
    dict.fromkeys(
        [
            *data.defaults.get("cloud", []),
            "runpod-h100-sxm-secure",
            "lambda-h100-sxm",
            "gcp-a3-h100",
            "aws-p5-h100",
        ]
    )
)

rows: list[tuple[str, list[str]]] = []
for name in own_names:
    own = data.own_hardware(name, model)
    rows.append((f"{own.label}: nur Strom", [eur(finetune_run_cost(own, h).total_eur) for h in hours]))
    rows.append(
        (
            f"{own.label}: Strom und anteilige Abschreibung",
            [eur(finetune_run_cost(own, h, include_depreciation=True).total_eur) for h in hours],
        )
    )
for name in cloud_names:
    price = data.cloud(name)
    cloud = data.cloud_gpu(name, model)
    label = price.label + ("" if price.source.verified else " (Preis ungeprüft)")
    if price.gpus > 1:
        label += f", je GPU-Stunde (Instanz mit {price.gpus} GPUs)"
    rows.append((label, [eur(finetune_run_cost(cloud, h).total_eur) for h in hours]))

print("| Option | " + " | ".join(f"{h} GPU-Stunde" + ("n" if h != 1 else "") for h in hours) + " |")
print("|---|" + "---:|" * len(hours))
for label, cells in rows:
    print(f"| {label} | " + " | ".join(cells) + " |")
