"""Tabellen der Seite „Serving“ aus der eingecheckten Messung `benchmarks/results/gpu_inference.json`.

Das Skript definiert nur Funktionen; jeder Block der Seite ruft eine davon auf. Gemessen wurde transformers'
`generate` ohne Serving-Engine (Zufallsgewichte, bf16); die Tabellen übernehmen die Werte der Datei, nichts ist
abgetippt. Die Bandbreiten-Obergrenze beim Decode ist gemessene Kopierbandbreite der Karte geteilt durch die
Bytes der Gewichte (ein Schritt muss jedes Gewicht einmal lesen; der KV-Cache kommt noch hinzu).
"""

from __future__ import annotations

from slmwiki.formatting import gib, number
from slmwiki.notebook import benchmark_result, markdown_table

RESULT = benchmark_result("gpu_inference.json", required=False)
MODELS = {"gemma-3-1b": "Gemma 3 1B", "gemma-3-4b": "Gemma 3 4B"}
VARIANTS = {
    "eager": "dynamischer Cache",
    "static_cudagraphs": "statischer Cache + CUDA-Graph",
    "static_inductor": "statischer Cache + torch.compile (Inductor)",
}
BATCHES = (1, 8, 32)


def _missing() -> bool:
    if RESULT is None:
        print("*Die Messdatei `benchmarks/results/gpu_inference.json` liegt in diesem Stand nicht vor.*")
        return True
    return False


def setup_table() -> None:
    """GPU, gemessene Obergrenzen der Karte, Versionen und Arbeitslast."""
    if _missing():
        return
    versions = RESULT["versions"]
    rows = [
        ("GPU", f"{RESULT['gpu']['name']} ({gib(RESULT['gpu']['memory_bytes'], 0)})"),
        ("gemessene bf16-Matrixrate", f"{number(RESULT['bf16_matmul_tflops'])} TFLOP/s"),
        ("gemessene Kopierbandbreite", f"{number(RESULT['copy_bandwidth_gbps'])} GB/s"),
        ("Software", f"PyTorch {versions['torch']}, transformers {versions['transformers']}"),
        ("Gewichte", "Zufallsgewichte in der Architektur der Modelle, bf16"),
        ("Arbeitslast", "Prompt mit 1.024 Token je Anfrage, 128 neue Token, gierige Auswahl"),
    ]
    print(markdown_table(["Größe", "Wert"], rows))


def prefill_table() -> None:
    """Prefill: Token je Sekunde über alle Prompts eines Batches."""
    if _missing():
        return
    rows = []
    for key, label in MODELS.items():
        by_batch = {p["batch"]: p for p in RESULT["models"][key]["prefill"]}
        rows.append(
            (label, *(number(by_batch[b]["tokens_per_s"]) if b in by_batch else "–" for b in BATCHES))
        )
    print(markdown_table(["Modell", *(f"Batch {b}" for b in BATCHES)], rows, align="lrrr"))
    print()
    print("*Token je Sekunde beim Verarbeiten der Prompts (1.024 Token je Anfrage), Median von fünf Läufen.*")


def decode_table() -> None:
    """Decode: neue Token je Sekunde insgesamt und je Anfrage, neben der Bandbreiten-Obergrenze."""
    if _missing():
        return
    rows = []
    for key, label in MODELS.items():
        model = RESULT["models"][key]
        bound = RESULT["copy_bandwidth_gbps"] * 1e9 / model["weight_bytes"]
        runs = {(d["variant"], d["batch"]): d for d in model["decode"]}
        for variant, name in VARIANTS.items():
            cells = []
            for batch in BATCHES:
                run = runs.get((variant, batch))
                cells.append(
                    f"{number(run['tokens_per_s'])} ({number(run['per_request_tokens_per_s'])})"
                    if run
                    else "–"
                )
            rows.append((label, name, *cells))
        rows.append((label, "Obergrenze aus Bandbreite, je Anfrage bei Batch 1", number(bound), "", ""))
    print(markdown_table(["Modell", "Variante", *(f"Batch {b}" for b in BATCHES)], rows, align="llrrr"))
    print()
    print(
        "*Neue Token je Sekunde über alle Anfragen des Batches, in Klammern je Anfrage; Median der Schrittzeit "
        "ohne die ersten vier Schritte. „–“: in diesem Lauf nicht gemessen. Obergrenze: gemessene "
        "Kopierbandbreite geteilt durch die Bytes der Gewichte.*"
    )
