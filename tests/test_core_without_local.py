"""The core runs without the ``local`` extra (torch, transformers, PEFT, TRL, Accelerate).

vLLM's environment holds procskill's core and vLLM's own, older transformers (README, "Bigger than one
machine"), so nothing on the core's paths may import the local stack: one subprocess, with those modules
made unimportable, evaluates the task on a scripted mockllm model and on the ``vllm/`` provider (pointed
at the fake OpenAI-compatible server), re-judges, computes agreement, writes the report, builds the
procedural corpus and prints the GPU study's plan. Local-only commands there must fail with the install hint, not a bare ImportError.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from procskill._local import INSTALL_HINT, LOCAL_MODULES, LocalStackMissing, require_local

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, json, os, sys, traceback

    BLOCKED = set(sys.argv[1].split(","))
    attempts = []

    class Unimportable(importlib.abc.MetaPathFinder):
        # what an environment without the package looks like to `import` and to importlib.util.find_spec
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                attempts.append(name)
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
            return None

    sys.meta_path.insert(0, Unimportable())
    results = {}

    tried = {}

    def step(name, fn):
        attempts.clear()
        try:
            results[name] = fn()
        except BaseException as ex:  # noqa: BLE001 - the report below names the step and the error
            results[name] = {"error": "".join(traceback.format_exception(ex))[-3000:]}
        tried[name] = sorted(set(attempts))

    from inspect_ai import eval as inspect_eval
    from typer.testing import CliRunner

    from procskill.analysis import agreement, build_report, rejudge
    from procskill.cli import app
    from testkit.fake_openai import FakeOpenAIServer
    from testkit.scripted import scripted_model

    def evaluate():
        [log] = inspect_eval(
            "procskill/procskill", model=scripted_model("Step 1.\\nANSWER: 7"),
            model_roles={"grader": scripted_model("VERDICT: PASS", name="judge-a")},
            task_args={"skills": "luhn-check-digit", "scoring": "extract,llm"},
            limit=2, log_dir="logs", display="none",
        )
        return {"status": log.status, "samples": len(log.samples), "error": str(log.error) if log.error else None}

    def evaluate_vllm():
        with FakeOpenAIServer("ANSWER: 7") as server:
            os.environ["VLLM_BASE_URL"], os.environ["VLLM_API_KEY"] = server.base_url, "dummy"
            [log] = inspect_eval(
                "procskill/procskill", model="vllm/Qwen/Qwen3.5-4B", task_args={"skills": "luhn-check-digit"},
                limit=1, log_dir="logs-vllm", display="none",
                extra_body={"chat_template_kwargs": {"enable_thinking": False}},
            )
            return {"status": log.status, "bodies": [r.get("chat_template_kwargs") for r in server.requests]}

    def rejudge_logs():
        results = rejudge("logs", scripted_model("VERDICT: FAIL", name="judge-b"))
        return [r.action for r in results]

    def agree():
        rows = agreement("logs", "llm@mockllm/judge-a", "llm@mockllm/judge-b", resamples=20)
        return [r.table for r in rows]

    def report():
        build_report(["logs"], "report")
        return sorted(os.listdir("report"))

    def cli(*args):
        result = CliRunner().invoke(app, list(args))
        return {"exit_code": result.exit_code, "output": result.output[-2000:]}

    step("eval", evaluate)
    step("eval_vllm", evaluate_vllm)
    step("rejudge", rejudge_logs)
    step("agreement", agree)
    step("report", report)
    step("study_dry_run", lambda: cli("study", "paper-gpu-cluster", "--dry-run"))
    step("demo", lambda: cli("demo", "--quick", "--out", "demo-out"))
    step("corpus", lambda: cli("corpus", "build", "--teacher", "procedural", "--skills", "luhn-check-digit",
                               "--out", "corpus"))
    step("train", lambda: cli("train", "--base", "Qwen/Qwen3.5-0.8B", "--corpus", "corpus", "--out", "ckpt"))
    step("merge", lambda: cli("merge", "--base", "Qwen/Qwen3.5-0.8B", "--adapter", "ckpt", "--out", "merged"))
    results["imported"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    results["tried"] = tried
    print("RESULTS " + json.dumps(results))
    """
)


def test_core_paths_never_import_the_local_stack(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BASE_URL")}
    env |= {"HF_HUB_OFFLINE": "1", "INSPECT_CACHE_DIR": str(tmp_path / "cache")}
    tests_dir = str(Path(__file__).resolve().parent)  # the test kit (testkit.*) is not installed
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), tests_dir) if p)
    env.pop("INSPECT_LOG_DIR", None)
    (tmp_path / "run.py").write_text(SCRIPT)
    proc = subprocess.run(
        [sys.executable, "run.py", ",".join(LOCAL_MODULES)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULTS ")), None)
    assert line is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(line.removeprefix("RESULTS "))
    failed = {
        k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v and v["error"]
    }
    assert not failed, failed

    assert results["eval"] == {"status": "success", "samples": 2, "error": None}
    assert results["eval_vllm"] == {"status": "success", "bodies": [{"enable_thinking": False}]}
    assert results["rejudge"] == ["added"]
    # a says PASS, b FAIL: both episodes in the pass-fail cell, in the log's row and the pooled one
    assert results["agreement"] == [[[0, 0], [2, 0]], [[0, 0], [2, 0]]]
    assert "summary.json" in results["report"]
    dry_run = results["study_dry_run"]
    assert dry_run["exit_code"] == 0 and "--extra-body" in dry_run["output"], dry_run
    assert results["corpus"]["exit_code"] == 0, results["corpus"]  # the corpus builder is core
    for command in ("demo", "train", "merge"):
        out = results[command]
        # 2: the CLI's one handler of user errors; 1: a command's own catch (train, merge) until that is removed
        assert out["exit_code"] in (1, 2) and INSTALL_HINT in out["output"], (command, out)
        assert "Traceback" not in out["output"]
    assert not (tmp_path / "demo-out").exists() and not (tmp_path / "ckpt").exists()  # refused up front
    assert results["imported"] == [], results["imported"]
    # the core does not even try (a caught ImportError would still load torch wherever it is installed)
    core = ("eval", "eval_vllm", "rejudge", "agreement", "report", "study_dry_run", "corpus")
    assert {name: results["tried"][name] for name in core} == {name: [] for name in core}


def test_require_local_names_what_is_missing(monkeypatch):
    require_local("anything", ("json",))  # present: no error
    monkeypatch.setitem(sys.modules, "trl", None)  # how Python marks a module as unimportable
    try:
        require_local("procskill train", ("json", "trl"))
    except LocalStackMissing as err:
        assert str(err).startswith(
            "procskill train needs the local-model stack, and trl is not installed here."
        )
        assert INSTALL_HINT in str(err) and isinstance(err, ImportError)
    else:
        raise AssertionError("require_local did not raise")


def test_the_local_extra_holds_the_stack_and_the_core_does_not():
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]

    def names(requirements):
        return {
            r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip()
            for r in requirements
        }

    assert names(project["optional-dependencies"]["local"]) == set(LOCAL_MODULES)
    assert not names(project["dependencies"]) & set(LOCAL_MODULES)
    assert "procskill[local]" in project["optional-dependencies"]["test"]  # .ci/run installs [test]
