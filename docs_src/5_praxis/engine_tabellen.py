"""Tabellen der Seite „Leistung“ aus `benchmarks/results/gpu_engine.json` (benchmarks/gpu_engine.py).

Das Skript definiert nur Funktionen; jeder Block der Seite ruft eine davon auf. Welche gemessene Zeile
`slmwiki finetune` bei welchem Speicherbudget nimmt, rechnet der Planer (`slmwiki.planner`) beim Bauen
der Seite aus; gezeigt wird die Messung mit genau diesen Einstellungen.
"""

from __future__ import annotations

from slmwiki.config import FinetuneConfig
from slmwiki.formatting import gib, number, percent
from slmwiki.memory import CUDA_CONTEXT_BYTES
from slmwiki.models import get_spec
from slmwiki.notebook import benchmark_result
from slmwiki.planner import plan_training

DATA = benchmark_result("gpu_engine.json")
MODELS = {"gemma-3-1b": "Gemma 3 1B", "gemma-3-4b": "Gemma 3 4B"}
GIB = 2**30
PEERS = {
    "trl_plain": "TRL, übliches Rezept: 4 Beispiele mit Auffüllen, Checkpointing",
    "trl_packing": "TRL `packing=True`: 4 Blöcke à 2.048 Token, Checkpointing",
    "trl_packing_gc_liger": "TRL Packing + Liger-Kernels, Checkpointing",
    "trl_packing_liger_b1": "TRL Packing + Liger, ohne Checkpointing, 1 Block je Vorwärtsdurchlauf",
    "trl_packing_liger_b2": "TRL Packing + Liger, ohne Checkpointing, 2 Blöcke je Vorwärtsdurchlauf",
    "trl_packing_liger": "TRL Packing + Liger-Kernels, ohne Checkpointing",
    "trl_packing_liger_flex": "TRL Packing + Liger + FlexAttention, ohne Checkpointing",
    "unsloth_packing_gc": "Unsloth, Packing, sein Checkpointing",
    "unsloth_packing_b2": "Unsloth, Packing, ohne Checkpointing, 2 Blöcke je Vorwärtsdurchlauf",
    "unsloth_packing": "Unsloth, Packing, ohne Checkpointing",
}
PROFILE_ROW = "profile_trl_packing_liger"
#: Kernel families of the profile, checked in this order (first match wins).
KERNEL_FAMILIES = (
    ("Profiler-Markierung", ("profilerstep",)),
    ("NF4 entpacken (bitsandbytes)", ("dequantize", "kdequant", "4bit")),
    ("Attention (cuDNN-SDPA)", ("sdpa", "flash", "fmha", "attention", "flex", "cudnn")),
    ("Matrixprodukte (cuBLAS)", ("gemm", "nvjet", "cutlass", "xmma", "cublas")),
    ("Liger-Kernels (Triton)", ("_rms_norm", "_geglu", "_swiglu", "rope", "_cross_entropy")),
    ("Elementweise Rechnung, Kopien, Typumwandlung", ("elementwise", "vectorized", "copy", "memcpy", "fill")),
)


def _rows(model: str) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for set_data in DATA["sets"].values():
        rows.update((set_data["models"].get(model) or {}).get("rows") or {})
    return {name: row for name, row in rows.items() if row.get("status") == "ok" and name != PROFILE_ROW}


def _signature(name: str, row: dict) -> tuple | None:
    """(Backend, Blöcke je Vorwärtsdurchlauf, Checkpointing, Liger, Dropout, Attention) einer Zeile."""
    if "plan" in row:
        plan, settings = row["plan"], row["trainer_settings"]
        backend = row["backend"]
        attention = (plan.get("attn_implementation") or "sdpa") if backend == "trl" else "unsloth"
        return (
            backend,
            plan["per_device_train_batch_size"],
            plan["gradient_checkpointing"],
            settings["use_liger_kernel"],
            row["settings"]["lora_dropout"],
            attention,
        )
    settings = row["settings"]
    if not settings.get("packing"):
        return None
    backend = settings["backend"]
    return (
        backend,
        settings.get("batch", 4),
        settings["gc"],
        bool(settings.get("liger")),
        settings.get("dropout", 0.0),
        (settings.get("attn") or "sdpa") if backend == "trl" else "unsloth",
    )


BUDGET_NAMES = {"16gb": "16 GB", "24gb": "24 GB", "full": "ganze Karte"}


def _label(name: str, row: dict) -> str:
    if name in PEERS:
        return PEERS[name]
    return f"`slmwiki finetune`, Backend {row['backend']}, Budget {BUDGET_NAMES[row['settings']['budget']]}"


def _blocks(count: int) -> str:
    return "1 Block" if count == 1 else f"{count} Blöcke"


def _budgets() -> dict[str, int]:
    full = DATA["sets"]["trl"]["gpu"]["memory_bytes"]
    return {
        "16 GB (z. B. T4)": 16 * GIB,
        "24 GB (z. B. RTX 4090)": 24 * GIB,
        f"ganze Karte ({gib(full, 0)})": full,
    }


def _fits(row: dict, budget: int) -> bool:
    return row["peak_allocated_bytes"] + CUDA_CONTEXT_BYTES <= budget


def _plan(model: str, backend: str, budget: int):
    data = DATA["sets"]["trl"]["models"][model]["data"]
    recipe = DATA["workload"]["slmwiki_recipe"]
    return plan_training(
        FinetuneConfig(**recipe),
        get_spec(model),
        backend=backend,
        memory_bytes=budget,
        device_name="Budget",
        example_lengths=[round(data["mean"])] * data["examples"],
        liger=True,
        flex=True,
    )


def _picked(model: str, backend: str, budget: int) -> tuple[str, dict] | None:
    plan = _plan(model, backend, budget)
    wanted = (
        backend,
        plan.per_device_train_batch_size,
        plan.gradient_checkpointing,
        plan.use_liger_kernel,
        FinetuneConfig.__dataclass_fields__["lora_dropout"].default,
        (plan.attn_implementation or "sdpa") if backend == "trl" else "unsloth",
    )
    matches = [(n, r) for n, r in _rows(model).items() if _signature(n, r) == wanted]
    if not matches:
        return None
    own = [r for _, r in matches if "plan" in r] or [
        r for _, r in matches
    ]  # runs through `slmwiki finetune` first
    mean = {
        "tokens_per_s": sum(r["tokens_per_s"] for r in own) / len(own),
        "mfu": sum(r["mfu"] for r in own) / len(own),
        "peak_allocated_bytes": max(r["peak_allocated_bytes"] for r in own),
        "runs": len(own),
        "low": min(r["tokens_per_s"] for r in own),
        "high": max(r["tokens_per_s"] for r in own),
    }
    return matches[0][0], mean


def setup_table() -> None:
    """Messaufbau: Karte, Versionen, Daten, Rechenrate."""
    trl = DATA["sets"]["trl"]
    work = DATA["workload"]
    versions = trl["versions"]
    data = trl["models"]["gemma-3-1b"]["data"]
    print("| Was | Wert |\n|---|---|")
    print(f"| GPU | {trl['gpu']['name']}, {gib(trl['gpu']['memory_bytes'], 0)} |")
    print(f"| gemessene bf16-Matrixrate | {number(trl['bf16_matmul']['tflops'], 0)} TFLOP/s |")
    print(
        f"| Daten | {data['examples']} Chat-Beispiele, {number(data['tokens'])} Token, im Mittel {number(data['mean'], 0)} |"
    )
    print(f"| LoRA | {work['lora']} |")
    print("| Bibliotheken | " + ", ".join(f"{k} {v}" for k, v in versions.items() if v != "missing") + " |")


def engine_table() -> None:
    """Alle gemessenen Wege, beide Modelle nebeneinander."""
    names: list[str] = []
    for model in MODELS:
        names += [n for n in _rows(model) if n not in names]
    order = [n for n in PEERS if n in names] + sorted(n for n in names if n not in PEERS)
    print("| Weg | " + " | ".join(f"{m}: Token/s | Spitze | MFU" for m in MODELS.values()) + " |")
    print("|---|" + "---:|---:|---:|" * len(MODELS))
    earlier = False
    for name in order:
        cells = []
        for model in MODELS:
            row = _rows(model).get(name)
            mark = "*" if row and "earlier_call" in row else ""
            earlier = earlier or bool(mark)
            cells += (
                [number(row["tokens_per_s"]) + mark, gib(row["peak_allocated_bytes"], 1), percent(row["mfu"])]
                if row
                else ["–", "–", "–"]
            )
        source = next(_rows(m)[name] for m in MODELS if name in _rows(m))
        print(f"| {_label(name, source)} | " + " | ".join(cells) + " |")
    if earlier:
        print(
            "\n\\* aus einem früheren Aufruf auf derselben Art Karte mit denselben Versionen (im letzten Aufruf "
            "reichte die Zeit für diese Zeile nicht)."
        )


def picks_table() -> None:
    """Was `slmwiki finetune` je Budget wählt, mit der Messung dieser Einstellungen."""
    print("| Modell | Budget | Backend | Plan | Token/s | Spitze | passt |\n|---|---|---|---|---:|---:|---|")
    for model, label in MODELS.items():
        for budget_name, budget in _budgets().items():
            for backend in ("unsloth", "trl"):
                plan = _plan(model, backend, budget)
                text = f"{_blocks(plan.per_device_train_batch_size)}, " + (
                    "Checkpointing" if plan.gradient_checkpointing else "ohne Checkpointing"
                )
                if plan.use_liger_kernel:
                    text += ", Liger"
                if plan.attn_implementation == "flex_attention":
                    text += ", FlexAttention"
                picked = _picked(model, backend, budget)
                if picked is None:
                    print(f"| {label} | {budget_name} | {backend} | {text} | nicht gemessen | – | – |")
                    continue
                row = picked[1]
                fits = "ja" if _fits(row, budget) else "nein"
                runs = (
                    f" (Mittel aus {row['runs']} Läufen: {number(row['low'])} bis {number(row['high'])})"
                    if row["runs"] > 1
                    else ""
                )
                print(
                    f"| {label} | {budget_name} | {backend} | {text} | {number(row['tokens_per_s'])}{runs} | "
                    f"{gib(row['peak_allocated_bytes'], 1)} | {fits} |"
                )


def goals_table() -> None:
    """Ziele: so schnell wie der schnellste passende Vergleichsweg, 10× TRL, MFU."""
    print(
        "| Modell | Budget | schnellster passender Vergleichsweg | slmwiki (Plan, bestes Backend) | "
        "Verhältnis | × übliches TRL |\n|---|---|---|---|---:|---:|"
    )
    for model, label in MODELS.items():
        rows = _rows(model)
        plain = rows["trl_plain"]["tokens_per_s"]
        for budget_name, budget in _budgets().items():
            peers = [(n, r) for n, r in rows.items() if n in PEERS and n != "trl_plain" and _fits(r, budget)]
            best_peer = max(peers, key=lambda item: item[1]["tokens_per_s"], default=None)
            ours = [
                p
                for p in (_picked(model, b, budget) for b in ("unsloth", "trl"))
                if p and _fits(p[1], budget)
            ]
            best_ours = max(ours, key=lambda item: item[1]["tokens_per_s"], default=None)
            peer_text = (
                f"{number(best_peer[1]['tokens_per_s'])} ({PEERS[best_peer[0]]})" if best_peer else "–"
            )
            if best_ours is None:
                print(f"| {label} | {budget_name} | {peer_text} | nicht gemessen | – | – |")
                continue
            ours_rate = best_ours[1]["tokens_per_s"]
            ratio = number(ours_rate / best_peer[1]["tokens_per_s"], 2) + "×" if best_peer else "–"
            signature = _signature(best_ours[0], rows[best_ours[0]])
            if best_peer and _signature(*best_peer) == signature:
                # the same settings: the plan *is* the fastest peer; the runs differ only by noise
                runs = [r["tokens_per_s"] for n, r in rows.items() if _signature(n, r) == signature]
                ratio = "1,00× (gleiche Einstellungen"
                ratio += f"; Läufe {number(min(runs))} bis {number(max(runs))})" if len(runs) > 1 else ")"
            print(
                f"| {label} | {budget_name} | {peer_text} | {number(ours_rate)} (MFU {percent(best_ours[1]['mfu'])}) | "
                f"{ratio} | {number(ours_rate / plain, 1)}× |"
            )


def estimate_table() -> None:
    """Speichermodell gegen gemessene Spitze für jede gemessene Einstellung."""
    from slmwiki.memory import estimate_training_memory

    print("| Modell | Weg | gemessen | geschätzt | Abweichung |\n|---|---|---:|---:|---:|")
    for model, label in MODELS.items():
        for name, row in _rows(model).items():
            signature = _signature(name, row)
            if signature is None:
                continue
            backend, micro, gc, _, dropout, attention = signature
            estimate = estimate_training_memory(
                model,
                "qlora",
                seq_len=micro * 2048,
                batch=1,
                gradient_checkpointing=gc,
                loss_implementation="chunked",
                backend=backend,
                lora_dropout=dropout,
                attention="flex_attention" if attention == "flex_attention" else "sdpa",
                overhead_bytes=0,
            ).total
            measured = row["peak_allocated_bytes"]
            print(
                f"| {label} | {_label(name, row)} | {gib(measured, 1)} | {gib(estimate, 1)} | "
                f"{percent((estimate - measured) / measured)} |"
            )


def loss_table() -> None:
    """Verlust je Schritt: gleiche Daten, gleiche Einstellungen, verschiedene Wege (Gemma 3 4B)."""
    rows = _rows("gemma-3-4b")
    wanted = (
        "trl_packing",
        "trl_packing_liger",
        "trl_packing_liger_flex",
        "unsloth_packing_gc",
        "unsloth_packing",
    )
    names = [n for n in wanted if n in rows]
    steps = max(len(rows[n]["loss_curve"]) for n in names)
    print("| Schritt | " + " | ".join(PEERS[n] for n in names) + " |")
    print("|---:|" + "---:|" * len(names))
    for i in range(steps):
        cells = [
            number(rows[n]["loss_curve"][i][1], 2) if i < len(rows[n]["loss_curve"]) else "–" for n in names
        ]
        print(f"| {i + 1} | " + " | ".join(cells) + " |")


def _family(name: str) -> str:
    lower = name.lower()
    return next((label for label, keys in KERNEL_FAMILIES if any(k in lower for k in keys)), "Sonstige")


def profile_table() -> None:
    """Wohin die GPU-Zeit geht: Kernel-Familien der 40 größten Kernels, Gemma 3 4B, TRL + Liger, SDPA."""
    row = DATA["sets"]["trl"]["models"]["gemma-3-4b"]["rows"][PROFILE_ROW]
    profile = row["profile"]
    families: dict[str, float] = {}
    for kernel in profile["top_kernels"]:
        family = _family(kernel["name"])
        if family != "Profiler-Markierung":
            families[family] = families.get(family, 0.0) + kernel["s"]
    total = sum(families.values())
    print("| Kernel-Familie | GPU-Zeit je Schritt | Anteil |\n|---|---:|---:|")
    for family, seconds in sorted(families.items(), key=lambda kv: -kv[1]):
        per_step = seconds / profile["steps"] * 1000
        print(f"| {family} | {number(per_step, 0)} ms | {percent(seconds / total)} |")
    wall = profile["wall_s"] / profile["steps"] * 1000
    print(
        f"\nEin Schritt dauerte beim Profilieren {number(wall, 0)} ms; die 40 größten Kernels belegen davon "
        f"{number(total / profile['steps'] * 1000, 0)} ms GPU-Zeit."
    )


def flex_gain() -> None:
    """FlexAttention gegen SDPA, gleiche Einstellungen (TRL Packing + Liger, ohne Checkpointing)."""
    print("| Modell | SDPA: Token/s | FlexAttention: Token/s | Faktor | Spitze SDPA | Spitze Flex |")
    print("|---|---:|---:|---:|---:|---:|")
    for model, label in MODELS.items():
        rows = _rows(model)
        sdpa, flex = rows["trl_packing_liger"], rows["trl_packing_liger_flex"]
        print(
            f"| {label} | {number(sdpa['tokens_per_s'])} | {number(flex['tokens_per_s'])} | "
            f"{number(flex['tokens_per_s'] / sdpa['tokens_per_s'], 2)}× | {gib(sdpa['peak_allocated_bytes'], 1)} | "
            f"{gib(flex['peak_allocated_bytes'], 1)} |"
        )
    check = DATA["packing_check"]
    print(
        "\nTrennt die Attention die gepackten Beispiele? Eine Zeile aus drei Beispielen "
        f"({', '.join(number(n) for n in check['lengths'])} Token), Gemma 3 1B in bf16, größte Abweichung der Logits "
        "gegenüber den einzeln gerechneten Beispielen:\n"
    )
    print("| Attention | mit `position_ids` je Beispiel | ohne (Beispiele sehen einander) | größter Logit |")
    print("|---|---:|---:|---:|")
    for attn, values in check["attn"].items():
        name = "FlexAttention" if attn == "flex_attention" else "SDPA"
        print(
            f"| {name} | {number(values['max_abs_diff_packed_vs_separate'], 3)} | "
            f"{number(values['max_abs_diff_unseparated_vs_separate'], 2)} | {number(values['max_abs_logit'], 2)} |"
        )
