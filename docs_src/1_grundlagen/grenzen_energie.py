"""Tabelle: GPU-Stunden der Llama-3.1-Familie und die daraus berechnete Obergrenze der GPU-Energie."""

from __future__ import annotations

from slmwiki.formatting import number

#: GPU-Stunden auf H100-80GB laut Llama-3.1-Modellkarte (Meta, Juli 2024); Anker in docs/literatur.md.
SOURCE_ID = "meta2024llama31card"
GPU_HOURS = {"Llama 3.1 8B": 1.46e6, "Llama 3.1 70B": 7.0e6, "Llama 3.1 405B": 30.84e6}
#: Thermische Verlustleistung (TDP) einer H100-80GB laut derselben Modellkarte, in Watt.
TDP_WATT = 700
#: Jahresverbrauch des Drei-Personen-Musterhaushalts der BDEW-Strompreisanalyse in kWh (Anker bdew2025strompreis).
HOUSEHOLD_KWH_PER_YEAR = 3500

print(
    "| Modell | GPU-Stunden (H100-80GB) | GPU-Energie bei voller TDP (Obergrenze) | entspricht Haushalten à 3.500 kWh/Jahr |"
)
print("|---|--:|--:|--:|")
total_hours = 0.0
for name, hours in GPU_HOURS.items():
    total_hours += hours
    kwh = hours * TDP_WATT / 1000
    print(
        f"| {name} | {number(hours / 1e6, 2)} Mio. | {number(kwh / 1e6, 1)} GWh | {number(kwh / HOUSEHOLD_KWH_PER_YEAR, 0)} |"
    )
total_kwh = total_hours * TDP_WATT / 1000
print(
    f"| **Summe** | **{number(total_hours / 1e6, 2)} Mio.** | **{number(total_kwh / 1e6, 1)} GWh** "
    f"| **{number(total_kwh / HOUSEHOLD_KWH_PER_YEAR, 0)}** |"
)
