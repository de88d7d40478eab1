"""Abbildung: Verlustkurve des Fine-Tuning-Notebooks aus seinem Laufprotokoll (Kapitel 5, QLoRA-Workflow).

Liest `docs/notebooks/SLM_Finetuning_Demo.run.json` (oder den Pfad aus `SLMWIKI_RUN_JSON`) und zeichnet den
Trainingsverlust je protokolliertem Schritt sowie den Auswertungsverlust vor und nach dem Training.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from slmwiki.figures import german_ticks, new_figure, to_svg

RUN_JSON = Path(os.environ.get("SLMWIKI_RUN_JSON", "docs/notebooks/SLM_Finetuning_Demo.run.json"))

if not RUN_JSON.is_file():
    print(
        '<div class="admonition note"><p class="admonition-title">Verlustkurve noch nicht vorhanden</p>'
        f"<p>Die Datei <code>{RUN_JSON.as_posix()}</code> fehlt; sie entsteht beim Ausführen des Notebooks "
        "<code>SLM_Finetuning_Demo.ipynb</code>.</p></div>"
    )
else:
    run = json.loads(RUN_JSON.read_text(encoding="utf-8"))
    curve = run.get("loss_curve") or []
    fig, ax = new_figure(7.0, 3.4)
    if curve:
        ax.plot(
            [step for step, _ in curve],
            [loss for _, loss in curve],
            marker="o",
            markersize=3,
            label="Trainingsverlust",
        )
    last_step = max([step for step, _ in curve] + [run.get("global_step") or 0])
    before = (run.get("eval_before") or {}).get("loss")
    after = (run.get("eval_after") or {}).get("loss")
    if before is not None:
        ax.scatter([0], [before], marker="s", s=40, zorder=3, label="Auswertungsverlust vorher")
    if after is not None:
        ax.scatter([last_step], [after], marker="D", s=40, zorder=3, label="Auswertungsverlust nachher")
    ax.set_xlabel("Optimierungsschritt")
    ax.set_ylabel("Verlust (Kreuzentropie)")
    german_ticks(ax)
    ax.legend(frameon=False)
    print(to_svg(fig, "Verlustkurve des QLoRA-Fine-Tunings im Notebook SLM_Finetuning_Demo"))
