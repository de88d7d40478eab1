"""Kleine Helfer für die Notebooks in `notebooks/` – lokal wie auf Google Colab.

Die Notebooks enthalten keine eigene Logik; sie rufen das Paket `slmwiki` auf und erzählen, was
passiert. Dieses Modul erledigt das, was jedes Notebook braucht:

- `repo_root`, `data_path`, `config_path`: das Repository mit `data/` und `configs/` finden – in
  einem lokalen Klon, beim Ausführen für die Website (in einem temporären Arbeitsordner) und auf
  Colab nach `git clone` nach `/content/slmwiki`.
- `environment_report`: Versionen der Bibliotheken und die Hardware für die erste Codezelle.
- `on_colab`: erkennt eine Colab-Laufzeit.
- `quiet_progress`: schaltet Fortschrittsbalken und Hinweise der Hugging-Face-Bibliotheken ab, damit
  die Ausgaben der Zellen lesbar bleiben.
- `export_run_record`: das Laufprotokoll eines Fine-Tunings ohne rechnerspezifische Pfade für die
  Website speichern.
- `markdown_table`, `show_markdown`, `show_figure`: Tabellen und Abbildungen so ausgeben, dass sie
  im Notebook und auf der Website gleich aussehen (Abbildungen als SVG im Stil von `slmwiki.figures`).

Das Modul importiert torch nur in `environment_info` (für die GPU-Erkennung) und nur, wenn torch
installiert ist.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmwiki import __version__
from slmwiki.errors import ConfigError, DataError

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

REPO_ENV = "SLMWIKI_REPO"
"""Umgebungsvariable, die den Ordner des Repositorys ausdrücklich festlegt."""

COLAB_CLONE = Path("/content/slmwiki")
"""Ordner, in den die Installationszelle der Notebooks das Repository auf Colab klont."""

LIBRARIES = ("torch", "transformers", "peft", "trl", "bitsandbytes", "accelerate", "datasets")
"""Bibliotheken, deren Versionen `environment_report` nennt (dazu Python und slmwiki)."""


def on_colab() -> bool:
    """Prüft, ob das Notebook in einer Google-Colab-Laufzeit läuft.

    Returns:
        `True`, wenn das Modul `google.colab` geladen ist oder Colab seine Umgebungsvariable
        `COLAB_RELEASE_TAG` gesetzt hat.
    """
    return "google.colab" in sys.modules or bool(os.environ.get("COLAB_RELEASE_TAG"))


def _is_repo(folder: Path) -> bool:
    """Ein Ordner gilt als slmwiki-Repository, wenn er `pyproject.toml` (Projekt „slmwiki“) und `data/` hat."""
    project = folder / "pyproject.toml"
    if not project.is_file() or not (folder / "data").is_dir():
        return False
    try:
        text = project.read_text(encoding="utf-8")
    except OSError:
        return False
    return 'name = "slmwiki"' in text


def _candidates() -> list[Path]:
    cwd = Path.cwd().resolve()
    package = Path(__file__).resolve()
    return [cwd, *cwd.parents, *package.parents, COLAB_CLONE]


def repo_root() -> Path:
    """Findet den Ordner des slmwiki-Repositorys (mit `data/` und `configs/`).

    Gesucht wird in dieser Reihenfolge: der Ordner aus `$SLMWIKI_REPO`, der aktuelle Arbeitsordner und
    seine übergeordneten Ordner, die Ordner oberhalb des installierten Pakets (bei `pip install -e .`
    ist das der Klon) und schließlich `/content/slmwiki` (Colab).

    Returns:
        Den Ordner als absoluten Pfad.

    Raises:
        ConfigError: Wenn `$SLMWIKI_REPO` auf keinen gültigen Ordner zeigt oder kein Repository
            gefunden wird.
    """
    explicit = os.environ.get(REPO_ENV)
    if explicit:
        folder = Path(explicit).expanduser().resolve()
        if not _is_repo(folder):
            raise ConfigError(
                f"„{REPO_ENV}“ = „{explicit}“ ist kein slmwiki-Repository (erwartet: pyproject.toml "
                "des Projekts „slmwiki“ und den Ordner „data/“)."
            )
        return folder
    for folder in _candidates():
        if _is_repo(folder):
            return folder
    raise ConfigError(
        "Das slmwiki-Repository wurde nicht gefunden. Klonen Sie es („git clone …“) und starten Sie das "
        f"Notebook darin, installieren Sie es mit „pip install -e .“ oder setzen Sie „{REPO_ENV}“ auf "
        "seinen Ordner."
    )


def data_path(*parts: str) -> Path:
    """Pfad einer Datei oder eines Ordners unter `data/` des Repositorys.

    Args:
        *parts: Pfadbestandteile unterhalb von `data/`, z. B. `"train.jsonl"`.

    Returns:
        Den absoluten Pfad.

    Raises:
        DataError: Wenn der Pfad nicht existiert.
        ConfigError: Wenn das Repository nicht gefunden wird.
    """
    path = repo_root().joinpath("data", *parts)
    if not path.exists():
        raise DataError(f"Die Datei „{Path('data', *parts).as_posix()}“ fehlt im Repository ({path}).")
    return path


def config_path(*parts: str) -> Path:
    """Pfad einer Konfigurationsdatei unter `configs/` des Repositorys.

    Args:
        *parts: Pfadbestandteile unterhalb von `configs/`, z. B. `"smollm2-135m-cpu.yaml"`.

    Returns:
        Den absoluten Pfad.

    Raises:
        ConfigError: Wenn die Datei fehlt oder das Repository nicht gefunden wird.
    """
    path = repo_root().joinpath("configs", *parts)
    if not path.exists():
        raise ConfigError(f"Die Konfigurationsdatei „{Path('configs', *parts).as_posix()}“ fehlt ({path}).")
    return path


def benchmark_result(name: str, *, required: bool = True) -> dict[str, Any] | None:
    """Liest eine eingecheckte Messung aus `benchmarks/results/` des Repositorys.

    Die Seiten des Wikis zeigen Messwerte nur über diese Funktion, damit nichts abgetippt wird.

    Args:
        name: Dateiname, z. B. `"gpu_qlora.json"`.
        required: Ob eine fehlende Datei ein Fehler ist; sonst kommt `None` zurück.

    Returns:
        Den Inhalt der JSON-Datei, oder `None`, wenn sie fehlt und `required` falsch ist.

    Raises:
        DataError: Wenn die Datei fehlt (und `required` wahr ist).
        ConfigError: Wenn das Repository nicht gefunden wird.
    """
    import json

    path = repo_root() / "benchmarks" / "results" / name
    if not path.is_file():
        if not required:
            return None
        raise DataError(f"Die Messung „benchmarks/results/{name}“ fehlt ({path}).")
    return json.loads(path.read_text(encoding="utf-8"))


# --- Environment --------------------------------------------------------------------------------


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "nicht installiert"


def _cpu_name() -> str:
    from slmwiki.loading import cpu_model_name

    return cpu_model_name()


def environment_info() -> dict[str, Any]:
    """Sammelt Versionen und Hardware, ohne die Trainingsbibliotheken zu importieren.

    Die Versionen stammen aus den Paket-Metadaten (`importlib.metadata`). Nur für die GPU-Erkennung
    wird torch importiert, falls es installiert ist.

    Returns:
        Ein Wörterbuch mit `versions` (Name → Version, auch „python“ und „slmwiki“), `cpu` (Bezeichnung),
        `cpu_count`, `torch_threads` (oder `None`), `gpu` (Name der ersten CUDA-GPU oder `None`),
        `gpu_memory_bytes` (oder `None`), `platform` und `colab`.
    """
    versions = {"python": platform.python_version(), "slmwiki": __version__}
    versions.update({name: _version(name) for name in LIBRARIES})
    info: dict[str, Any] = {
        "versions": versions,
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": None,
        "gpu": None,
        "gpu_memory_bytes": None,
        "platform": platform.platform(),
        "colab": on_colab(),
    }
    if importlib.util.find_spec("torch") is not None:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            info["gpu"] = props.name
            info["gpu_memory_bytes"] = int(props.total_memory)
    return info


def environment_report(info: dict[str, Any] | None = None) -> str:
    """Beschreibt Bibliotheksversionen und Hardware in wenigen deutschen Zeilen.

    Gedacht für die erste Codezelle jedes Notebooks: Wer ein Ergebnis nachvollziehen will, sieht sofort,
    mit welchen Versionen und auf welcher Hardware es entstanden ist.

    Args:
        info: Ergebnis von `environment_info`; `None` sammelt es neu.

    Returns:
        Den Bericht als mehrzeiligen Text.
    """
    from slmwiki.formatting import gib

    info = environment_info() if info is None else info
    versions = info["versions"]
    libs = ", ".join(f"{name} {versions[name]}" for name in versions if name not in ("python", "slmwiki"))
    threads = info.get("torch_threads")
    cpu = f"{info['cpu']} ({info['cpu_count']} logische Kerne"
    cpu += (f", {threads} torch-Thread" + ("s)" if threads != 1 else ")")) if threads else ")"
    if info.get("gpu"):
        gpu = f"{info['gpu']} ({gib(info['gpu_memory_bytes'], 1)})"
    else:
        gpu = "keine CUDA-GPU – es wird auf der CPU gerechnet"
    lines = [
        f"Python {versions['python']} · slmwiki {versions['slmwiki']}",
        f"Bibliotheken: {libs}",
        f"CPU: {cpu}",
        f"GPU: {gpu}",
        f"Plattform: {info['platform']}" + (" (Google Colab)" if info.get("colab") else ""),
    ]
    return "\n".join(lines)


def quiet_progress() -> None:
    """Schaltet Fortschrittsbalken und Info-Meldungen von transformers, datasets und huggingface_hub ab.

    Die Balken landen sonst als viele Zeilen auf stderr in den Ausgaben der Zellen. Ebenso werden
    `FutureWarning`s (Hinweise auf künftig entfallende Funktionen der Bibliotheken) ausgeblendet; andere
    Warnungen bleiben sichtbar. Bibliotheken, die nicht installiert sind, werden übersprungen.
    """
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # tqdm warns once that ipywidgets is missing; the text progress bars are switched off anyway.
    warnings.filterwarnings("ignore", message="IProgress not found")
    # Deprecation notices of the libraries (FutureWarning) concern their authors, not the reader.
    warnings.filterwarnings("ignore", category=FutureWarning)
    if importlib.util.find_spec("transformers") is not None:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_warning()
        hf_logging.disable_progress_bar()
    if importlib.util.find_spec("datasets") is not None:
        import datasets

        datasets.disable_progress_bars()
    if importlib.util.find_spec("huggingface_hub") is not None:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()


# --- Run record ---------------------------------------------------------------------------------


def _portable(value: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {key: _portable(item, replacements) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_portable(item, replacements) for item in value]
    if isinstance(value, str):
        for prefix, short in replacements:
            if value == prefix:
                return short
            if value.startswith(prefix + os.sep):
                return short + "/" + Path(value[len(prefix) + 1 :]).as_posix()
    return value


def export_run_record(record: dict[str, Any], path: str | Path) -> Path:
    """Schreibt ein Laufprotokoll (`run.json` von `slmwiki.finetune`) ohne rechnerspezifische Pfade.

    Pfade im Repository werden relativ („./data/train.jsonl“), Pfade im aktuellen Arbeitsordner
    beginnen mit „.“, Pfade im Benutzerordner mit „~“. Alle anderen Werte bleiben unverändert. Die Datei
    wird erst vollständig in eine temporäre Datei geschrieben und dann umbenannt.

    Args:
        record: Das Laufprotokoll, z. B. `RunResult.record`.
        path: Zieldatei, z. B. `"SLM_Finetuning_Demo.run.json"`.

    Returns:
        Den Pfad der geschriebenen Datei.
    """
    import json

    replacements: list[tuple[str, str]] = []
    try:
        replacements.append((str(repo_root()), "."))
    except ConfigError:
        pass
    replacements += [(str(Path.cwd().resolve()), "."), (str(Path.home()), "~")]
    # Longest prefix first, so a working folder inside the home folder becomes "." and not "~/…".
    replacements.sort(key=lambda pair: len(pair[0]), reverse=True)
    portable = _portable(record, replacements)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(portable, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


# --- Output -------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """Baut eine Markdown-Tabelle aus fertig formatierten Zellen.

    Args:
        headers: Spaltenüberschriften.
        rows: Zeilen; jede Zelle wird mit `str()` umgewandelt, „|“ und „<“ werden maskiert,
            Zeilenumbrüche durch Leerzeichen ersetzt.
        align: Je Spalte ein Zeichen: „l“ (links), „r“ (rechts) oder „c“ (zentriert); `None` = alle links.

    Returns:
        Die Tabelle als Markdown-Text (ohne abschließenden Zeilenumbruch).

    Raises:
        ConfigError: Wenn eine Zeile oder `align` nicht so viele Einträge hat wie `headers`, oder bei
            einem unbekannten Ausrichtungszeichen.
    """
    width = len(headers)
    if align is None:
        align = "l" * width
    if len(align) != width:
        raise ConfigError(f"„align“ braucht {width} Zeichen (eines je Spalte), erhalten: „{align}“.")
    markers = {"l": "---", "r": "---:", "c": ":---:"}
    unknown = sorted(set(align) - set(markers))
    if unknown:
        raise ConfigError(f"Unbekanntes Ausrichtungszeichen „{unknown[0]}“ in „align“; erlaubt: l, r, c.")

    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join(markers[a] for a in align) + "|",
    ]
    for index, row in enumerate(rows):
        if len(row) != width:
            raise ConfigError(f"Zeile {index + 1} hat {len(row)} Zellen, die Tabelle aber {width} Spalten.")
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def show_markdown(text: str) -> None:
    """Zeigt Markdown als formatierte Ausgabe der Zelle an (Notebook, Colab und Website).

    Args:
        text: Der Markdown-Text, z. B. aus `markdown_table`.
    """
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_figure(fig: plt.Figure, title: str) -> None:
    """Zeigt eine matplotlib-Abbildung als barrierearmes SVG an und schließt sie.

    Args:
        fig: Die Abbildung (z. B. aus `slmwiki.figures.new_figure`).
        title: Kurzbeschreibung für Screenreader (`<title>` und `aria-label`).
    """
    from IPython.display import SVG, display

    from slmwiki.figures import to_svg

    display(SVG(to_svg(fig, title)))
