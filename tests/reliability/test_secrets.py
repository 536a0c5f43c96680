"""Secrets and code execution: planted API keys are written nowhere by a full run (eval with a judge,
re-judge, corpus, report); models load without remote code unless asked, weights from safetensors.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import get_model
from reliability_helpers import correct_answer, request_text

from procskill.analysis import build_report, rejudge
from testkit.fake_openai import FakeOpenAIServer

PLANTED = {
    "OPENAI_API_KEY": "sk-procskill-PLANTED-openai-3f9c1d",
    "ANTHROPIC_API_KEY": "sk-ant-procskill-PLANTED-anthropic-8e2a",
    "OPENROUTER_API_KEY": "sk-or-procskill-PLANTED-openrouter-77b0",
    "HF_TOKEN": "hf_procskillPLANTEDtoken51d4",
    "FAKE_API_KEY": "sk-procskill-PLANTED-fake-server-c0de",
}
EXPLICIT_KEY = "sk-procskill-PLANTED-passed-in-python-42aa"  # get_model(..., api_key=...)


def _answer_or_judge(request):
    if "[BEGIN TASK]" in request_text(request):
        return "The response gives the gold code.\nVERDICT: PASS"
    return correct_answer(request)


def _texts(path: Path):
    """Every readable form of a file: its bytes, and the members of a zip (.eval) or gzip archive."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member)
    elif data[:2] == b"\x1f\x8b":
        yield f"{path}!gunzip", gzip.decompress(data)


def _leaks(paths, secrets: list[str]) -> list[str]:
    found = []
    for path in paths:
        for where, data in _texts(path):
            found += [f"{where}: {s}" for s in secrets if s.encode() in data]
    return found


def test_a_full_run_writes_no_api_key_anywhere(packs, tmp_path, monkeypatch, capfd, caplog):
    from inspect_ai._util.trace import inspect_trace_file

    from procskill.training import build_corpus

    for name, value in PLANTED.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "study"
    with FakeOpenAIServer(_answer_or_judge, retry_after_ms=1) as server:
        monkeypatch.setenv("FAKE_BASE_URL", server.base_url)
        judge = get_model(
            "openai-api/fake/judge", base_url=server.base_url, api_key=EXPLICIT_KEY, memoize=False
        )
        (log,) = inspect_eval(
            "procskill/procskill",
            model="openai-api/fake/student",
            model_roles={"grader": judge},
            task_args={"skills_dir": str(packs), "scoring": "extract,llm"},
            log_dir=str(out / "logs"),
            display="log",
        )
        (rejudged,) = rejudge(log.location, "openai-api/fake/judge-2")
        corpus = build_corpus(
            "openai-api/fake/teacher",
            skills_dir=packs,
            judge="openai-api/fake/judge",
            out=out / "corpus",
            display="log",
        )
        report = build_report(out / "logs", out / "report", resamples=50, figures=False)
        used_keys = {h.get("authorization", "").removeprefix("Bearer ") for h in server.request_headers}

    # The run really happened, with the planted keys in use.
    assert log.status == "success" and rejudged.action == "added" and corpus.card["rows"] > 0
    assert {"summary.json", "report.md"} <= {p.name for p in report.out_dir.iterdir()}
    assert used_keys == {PLANTED["FAKE_API_KEY"], EXPLICIT_KEY}

    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # logs, corpus, report, Inspect's cache
    assert any(p.suffix == ".eval" for p in written) and any("inspect-cache" in p.parts for p in written)
    trace = inspect_trace_file()
    secrets = [*PLANTED.values(), EXPLICIT_KEY]
    assert _leaks(written + ([trace] if trace.exists() else []), secrets) == []
    console = capfd.readouterr()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert [s for s in secrets if s in console.out + console.err + logged] == []


# -- code execution and weights ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("user_choice", [None, True])
def test_the_task_loads_local_models_without_remote_code_unless_asked(
    user_choice, load_calls, tiny_model_dir, packs, tmp_path
):
    model_args = {"model_path": str(tiny_model_dir), "do_sample": False}
    if user_choice is not None:
        model_args["trust_remote_code"] = user_choice
    (log,) = inspect_eval(
        "procskill/procskill",
        model="hf/local",
        model_args=model_args,
        task_args={"skills_dir": str(packs), "skills": "skill-00"},
        limit=1,
        max_tokens=2,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success"
    loads = [(name, kwargs) for name, kwargs in load_calls if name != "AutoConfig"]
    assert {name for name, _ in loads} >= {"AutoTokenizer"} and len(loads) >= 2
    assert {kwargs.get("trust_remote_code", False) for _, kwargs in loads} == {bool(user_choice)}


@pytest.fixture
def procedural_corpus(packs, tmp_path):
    from procskill.training import build_corpus

    return build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus").path


@pytest.mark.slow
def test_the_trainer_loads_without_remote_code_and_only_from_safetensors(
    load_calls, tiny_model_dir, procedural_corpus, tmp_path
):
    from procskill.training import prepare_run

    prepare_run(tiny_model_dir, procedural_corpus, out=tmp_path / "run", max_steps=1)
    loads = dict((name, kwargs) for name, kwargs in load_calls if name != "AutoConfig")
    assert loads["AutoTokenizer"].get("trust_remote_code") is False
    assert loads["AutoModelForCausalLM"]["trust_remote_code"] is False
    assert loads["AutoModelForCausalLM"]["use_safetensors"] is True


@pytest.mark.slow
def test_the_trainer_refuses_pickled_weights(tiny_model_dir, procedural_corpus, tmp_path):
    import shutil

    import torch
    from safetensors.torch import load_file

    # The same weights as a pickle (torch.save), the only weights file in the folder.
    pickled = shutil.copytree(tiny_model_dir, tmp_path / "pickled-base")
    for weights in pickled.glob("*.safetensors"):
        torch.save(load_file(weights), pickled / "pytorch_model.bin")
        weights.unlink()

    from procskill.training import prepare_run

    with pytest.raises(OSError, match="safetensors"):
        prepare_run(pickled, procedural_corpus, out=tmp_path / "run", max_steps=1)


def test_secret_search_finds_a_key_inside_an_eval_archive(tmp_path):
    """The search above would see a key that Inspect compresses into a .eval file."""
    archive = tmp_path / "x.eval"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "samples/1.json", json.dumps({"headers": {"authorization": f"Bearer {EXPLICIT_KEY}"}}) * 50
        )
    archive.write_bytes(buffer.getvalue())
    assert EXPLICIT_KEY.encode() not in archive.read_bytes()  # compressed: a plain grep misses it
    assert _leaks([archive], [EXPLICIT_KEY]) == [f"{archive}!samples/1.json: {EXPLICIT_KEY}"]
