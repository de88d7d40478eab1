"""Tabellen der Seite „Leistung“ aus den eingecheckten GPU-Messungen (`benchmarks/results/`).

Das Skript definiert nur Funktionen; jeder Block der Seite ruft eine davon auf. Alle Zahlen stammen aus
`gpu_qlora.json` (Basislinie und Schnellpfad im selben Aufruf auf derselben GPU) und
`gpu_qlora_extra.json` (Zusatzmessungen auf einer anderen Karte) – nichts ist abgetippt.
"""

from __future__ import annotations

from slmwiki.acceleration import ModelDims, estimate_peak_bytes
from slmwiki.formatting import gib, number, percent
from slmwiki.notebook import benchmark_result

MAIN = benchmark_result("gpu_qlora.json")
EXTRA = benchmark_result("gpu_qlora_extra.json", required=False) or {"models": {}}
MODELS = {"gemma-3-1b": "Gemma 3 1B", "gemma-3-4b": "Gemma 3 4B"}
LADDER = ("A_baseline", "B_fused_ce", "C_sdpa", "D_padding_free", "E_micro_batch", "F_no_gc")
T4, RTX4090 = 16 * 10**9, 24 * 10**9


def _runs(model: str, source: dict | None = None) -> dict:
    return ((source or MAIN)["models"].get(model) or {}).get("experiments") or {}


def _ok(run: dict | None) -> bool:
    return bool(run) and run.get("status") == "ok"


def _baseline(model: str) -> float:
    return _runs(model)["A_baseline"]["tokens_per_s"]


def _gc(run: dict) -> str:
    return "an" if run["gc"] else "aus"


def _attention(run: dict) -> str:
    return {"eager": "eager", "sdpa": "SDPA", "slmwiki_varlen": "Varlen-Flash"}.get(run["attn"], run["attn"])


def setup_table() -> None:
    """GPU, Messrate, Versionen und Arbeitslast."""
    first = next(iter(MAIN["models"].values()))
    workload = MAIN["workload"]
    stats = workload["train_stats"]
    versions = first["versions"]
    rows = [
        (
            "GPU",
            f"{first['gpu']['name']} ({gib(first['gpu']['memory_bytes'], 0)}, Treiber {first['gpu'].get('driver', '–')})",
        ),
        (
            "gemessene bf16-Matrixrate (8192³, Median)",
            " / ".join(
                f"{MODELS[m]}: {number(MAIN['models'][m]['bf16_matmul']['tflops'])} TFLOP/s" for m in MODELS
            ),
        ),
        (
            "Bibliotheken",
            ", ".join(
                f"{k} {v}"
                for k, v in versions.items()
                if k in ("torch", "transformers", "peft", "trl", "bitsandbytes", "liger-kernel")
            ),
        ),
        (
            "Daten",
            f"{stats['examples']} Chat-Beispiele, {number(stats['tokens'])} Token, im Mittel {number(stats['mean'], 1)} Token (min. {stats['min']}, max. {stats['max']})",
        ),
        (
            "LoRA",
            f"r = {workload['lora']['r']}, α = {workload['lora']['alpha']}, Dropout {number(workload['lora']['dropout'], 2)}, alle linearen Schichten",
        ),
        ("Beispiele je Optimierungsschritt", str(workload["effective_batch_examples"])),
    ]
    print("| Einstellung | Wert |\n|---|---|")
    for key, value in rows:
        print(f"| {key} | {value} |")


def ladder_table(model: str) -> None:
    """Ablationsleiter eines Modells: jede Zeile fügt eine Änderung hinzu."""
    runs = _runs(model)
    base = _baseline(model)
    print(
        "| Stufe | Attention | Mikro-Batch × Accumulation | Checkpointing | Token/s | Faktor | Spitzen-Speicher | MFU |"
    )
    print("|---|---|---|---|---:|---:|---:|---:|")
    for name in LADDER:
        run = runs.get(name)
        if not _ok(run):
            continue
        print(
            f"| {run['label']} | {_attention(run)}{' + Padding' if run['padded'] else ''} | "
            f"{run['micro']} × {run['accum']} | {_gc(run)} | {number(run['tokens_per_s'])} | "
            f"{number(run['tokens_per_s'] / base, 1)} × | {gib(run['peak_allocated_bytes'], 1)} | {percent(run['mfu'])} |"
        )


def goals_table() -> None:
    """Die Ziele des Issues und das gemessene Ergebnis."""
    print("| Ziel | Messung | erreicht? |\n|---|---|---|")
    for model, label in MODELS.items():
        runs = _runs(model)
        best = max(
            (runs[k] for k in ("E_micro_batch", "F_no_gc") if _ok(runs.get(k))),
            key=lambda r: r["tokens_per_s"],
        )
        factor = best["tokens_per_s"] / _baseline(model)
        print(
            f"| {label}: mindestens 5 × Token/s der Basislinie | {number(factor, 1)} × ({best['label']}) | "
            f"{'ja' if factor >= 5 else 'nein'} |"
        )
    for model, policy, card, limit in (
        ("gemma-3-1b", "policy_16GB", "T4 (16 GB)", T4),
        ("gemma-3-4b", "policy_24GB", "RTX 4090 (24 GB)", RTX4090),
    ):
        run = _runs(model).get(policy)
        if _ok(run):
            fits = run["peak_allocated_bytes"] < limit * 0.9
            print(
                f"| {MODELS[model]}: gewählte Einstellung passt auf eine {card} | Spitze {gib(run['peak_allocated_bytes'], 1)} "
                f"({run['micro']} × {run['accum']}, Checkpointing {_gc(run)}, {number(run['tokens_per_s'])} Token/s) | "
                f"{'ja' if fits else 'nein'} |"
            )
    runs4 = [r for r in _runs("gemma-3-4b").values() if _ok(r)]
    best4 = max(runs4, key=lambda r: r["mfu"])
    extra4 = [r for r in _runs("gemma-3-4b", EXTRA).values() if _ok(r)]
    note = ""
    if extra4:
        top = max(extra4, key=lambda r: r["mfu"])
        note = f"; Zusatzmessung auf {EXTRA['models']['gemma-3-4b']['gpu']['name']}: {percent(top['mfu'])} ({top.get('label') or top['name']})"
    print(
        f"| Gemma 3 4B: MFU mindestens 35 % | höchstens {percent(best4['mfu'])} ({best4.get('label') or best4['name']}){note} | "
        f"{'ja' if best4['mfu'] >= 0.35 else 'nein'} |"
    )
    if best4["mfu"] < 0.35:
        print("\nDas MFU-Ziel verfehlt die Messung; die Gründe stehen im nächsten Abschnitt.")


def equivalence_table() -> None:
    """Gleicher Batch, gleiche Gewichte: Verlust und Gradienten der Pfade gegen die Referenz."""
    labels = {
        "sdpa_padded_standard_ce": "SDPA statt eager (Referenz für das Rauschen von bf16)",
        "eager_padded_fused_ce": "gestückelte Kreuzentropie",
        "varlen_padding_free_fused_ce": "Schnellpfad: padding-frei, Varlen-Flash, gestückelte Kreuzentropie",
    }
    print(
        "| Modell | Pfad | relativer Unterschied im Verlust | Kosinus der LoRA-Gradienten | relativer L2-Abstand |"
    )
    print("|---|---|---:|---:|---:|")
    for model, label in MODELS.items():
        eq = MAIN["models"][model].get("equivalence") or {}
        for key, text in labels.items():
            row = eq.get(key)
            if row:
                print(
                    f"| {label} | {text} | {number(row['loss_rel_diff'] * 1e6, 1)} · 10⁻⁶ | "
                    f"{number(row['grad_cosine'], 5)} | {percent(row['grad_rel_l2'], 2)} |"
                )


def loss_table() -> None:
    """Verlust je Optimierungsschritt (gleiche Beispiele je Schritt) für Basislinie und Schnellpfad."""
    for model, label in MODELS.items():
        runs = _runs(model)
        names = [n for n in LADDER if _ok(runs.get(n))]
        steps = min(len(runs[n]["loss_curve"]) for n in names)
        base = runs["A_baseline"]["loss_curve"]
        worst = max(abs(runs[n]["loss_curve"][i] - base[i]) / base[i] for n in names for i in range(steps))
        print(
            f"**{label}** – größte relative Abweichung vom Verlust der Basislinie in den ersten {steps} Schritten: "
            f"{percent(worst, 3)}.\n"
        )
        print("| Stufe | " + " | ".join(f"Schritt {i + 1}" for i in range(steps)) + " |")
        print("|---|" + "---:|" * steps)
        for n in names:
            print(
                f"| {runs[n]['label']} | "
                + " | ".join(number(x, 3) for x in runs[n]["loss_curve"][:steps])
                + " |"
            )
        print()


def _tradeoff_rows(model: str) -> list[dict]:
    runs = _runs(model)
    rows = [
        r
        for r in runs.values()
        if _ok(r) and not r["padded"] and not r.get("liger") and not r.get("bf16_residual")
    ]
    seen, unique = set(), []
    order = sorted(
        rows, key=lambda r: (isinstance(r.get("data"), int), r.get("data") or 0, not r["gc"], r["micro"])
    )
    for run in order:
        key = (run["gc"], run["micro"], run["accum"], run.get("data"))
        if key not in seen:
            seen.add(key)
            unique.append(run)
    return unique


def tradeoff_table() -> None:
    """Geschwindigkeit gegen Speicher: Checkpointing, Mikro-Batch, Sequenzlänge (Schnellpfad, H100)."""
    print(
        "| Modell | Sequenzen | Checkpointing | Mikro-Batch (Beispiele) | Token je Vorwärtsdurchlauf | Token/s | MFU | Spitzen-Speicher | 16 GB | 24 GB |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|:-:|:-:|")
    for model, label in MODELS.items():
        for run in _tradeoff_rows(model):
            seqs = (
                f"{run['data']} Token (verkettete Dialoge)"
                if isinstance(run.get("data"), int)
                else "Chat-Beispiele"
            )
            peak = run["peak_allocated_bytes"]
            print(
                f"| {label} | {seqs} | {_gc(run)} | {run['micro']} | {number(run['mean_micro_batch_tokens'])} | "
                f"{number(run['tokens_per_s'])} | {percent(run['mfu'])} | {gib(peak, 1)} | "
                f"{'✓' if peak < T4 * 0.9 else '–'} | {'✓' if peak < RTX4090 * 0.9 else '–'} |"
            )


def extra_table() -> None:
    """Zusatzmessungen auf einer anderen Karte: nur untereinander vergleichen."""
    model = "gemma-3-4b"
    section = EXTRA["models"].get(model)
    if not section:
        print("*Keine Zusatzmessungen eingecheckt.*")
        return
    labels = {
        "grid_gc0_m16": "ohne Checkpointing, Mikro-Batch 16",
        "seq_2048": "Checkpointing, Sequenzen à 2048 Token",
        "seq_8192": "Checkpointing, Sequenzen à 8192 Token",
        "G_liger": "Mikro-Batch 64, Checkpointing + Liger-Kerne",
        "H_bf16_residual": "Mikro-Batch 64, Checkpointing + bf16-Residualstrom",
        "I_bf16_residual_gc1_m256": "Mikro-Batch 256, Checkpointing + bf16-Residualstrom",
    }
    print(
        f"Gemessen auf **{section['gpu']['name']}** (bf16-Rate {number(section['bf16_matmul']['tflops'])} TFLOP/s), "
        "während auf der zweiten GPU derselben Maschine die Speichermessung lief.\n"
    )
    print(
        "| Gemma 3 4B | Token je Vorwärtsdurchlauf | Token/s | MFU | Spitzen-Speicher |\n|---|---:|---:|---:|---:|"
    )
    for name, text in labels.items():
        run = section["experiments"].get(name)
        if _ok(run):
            print(
                f"| {text} | {number(run['mean_micro_batch_tokens'])} | {number(run['tokens_per_s'])} | "
                f"{percent(run['mfu'])} | {gib(run['peak_allocated_bytes'], 1)} |"
            )


def estimate_table() -> None:
    """Speicherschätzung des Schnellpfads (`estimate_peak_bytes`) gegen die gemessene Spitze."""
    print(
        "| Modell | Einstellung | Token je Vorwärtsdurchlauf | gemessen | geschätzt | Abweichung |\n|---|---|---:|---:|---:|---:|"
    )
    for source in (MAIN, EXTRA):
        for model, label in MODELS.items():
            section = source["models"].get(model)
            if not section:
                continue
            raw = dict(section["model"]["dims"])
            raw["layer_types"] = tuple(raw["layer_types"])
            dims = ModelDims(**raw)
            for run in _tradeoff_rows_all(section):
                estimate = estimate_peak_bytes(dims, run["largest_micro_batch_slots"], run["gc"])
                print(
                    f"| {label} | Checkpointing {_gc(run)}, {run['micro']} × {run['accum']} | "
                    f"{number(run['largest_micro_batch_slots'])} | {gib(run['peak_allocated_bytes'], 2)} | "
                    f"{gib(estimate, 2)} | {percent(estimate / run['peak_allocated_bytes'] - 1)} |"
                )


def _tradeoff_rows_all(section: dict) -> list[dict]:
    runs = section.get("experiments") or {}
    rows = [
        r
        for r in runs.values()
        if _ok(r)
        and not r["padded"]
        and r["loss"] == "fused"
        and not r.get("liger")
        and not r.get("bf16_residual")
    ]
    seen, unique = set(), []
    for run in rows:
        key = (run["gc"], run["micro"], run["accum"], run.get("data"))
        if key not in seen:
            seen.add(key)
            unique.append(run)
    return sorted(unique, key=lambda r: (not r["gc"], r["largest_micro_batch_slots"]))


def policy_table() -> None:
    """Was `gpu_training_settings` für welche Karte wählt, und was das auf der H100 ergab."""
    cards = {
        "policy_16GB": "T4 (16 GB, vor Ampere)",
        "policy_24GB": "RTX 4090 (24 GB)",
        "policy_85GB": "H100 (80 GB)",
    }
    print(
        "| Modell | Karte | Attention | Mikro-Batch × Accumulation | Checkpointing | Token/s | Spitzen-Speicher |\n|---|---|---|---:|---|---:|---:|"
    )
    for model, label in MODELS.items():
        for name, card in cards.items():
            run = _runs(model).get(name)
            if _ok(run):
                print(
                    f"| {label} | {card} | {_attention(run)}{' + Padding' if run['padded'] else ''} | "
                    f"{run['micro']} × {run['accum']} | {_gc(run)} | {number(run['tokens_per_s'])} | "
                    f"{gib(run['peak_allocated_bytes'], 1)} |"
                )
