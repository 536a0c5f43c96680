"""Memory: peak RSS of an eval with ``--model hf/...`` against the size of one copy of the weights.

Each measurement runs in a fresh subprocess that imports everything first (torch, transformers, Inspect,
procskill), resets its peak-RSS mark to its current RSS (``/proc/self/clear_refs``), then does one thing and
reports how far its peak RSS (``VmHWM`` in ``/proc/self/status``) rose above that RSS. (``ru_maxrss`` is
not used: Linux carries a parent's high-water mark into a child across ``exec``.)

* ``inspect``: ``inspect_ai.eval("procskill/procskill", model="hf/local", ...)`` on a couple of episodes,
  counting calls of ``AutoModelForCausalLM.from_pretrained`` (the hf provider used to load the weights
  twice; the task's model-info registration keeps it to one);
* ``raw``: one ``AutoModelForCausalLM.from_pretrained`` and the same prompts, the same few greedy tokens
  (what one copy costs).

The weights are a random Qwen3.5 of a size where they dominate the process (default ~180M parameters,
float32, ~0.7 GB), built offline with :func:`procskill.testing.tiny_model.build_tiny_qwen35`.

Usage::

    python benchmarks/bench_memory.py --hidden-size 1024 --layers 16
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, emit

_CHILD = r"""
import json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
mode, model_dir, log_dir, episodes, bench_dir = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, bench_dir)
from _common import holdout_episodes
import torch, transformers
import inspect_ai
from inspect_ai import eval as inspect_eval
import procskill
torch.set_num_threads(1)

def status_mib(field):
    # VmHWM (peak RSS) belongs to this process's address space, which exec made new; ru_maxrss would
    # carry over the high-water mark of the parent process, whatever it was.
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")

def peak_mib():
    return status_mib("VmHWM")

try:  # reset the peak to the current RSS, so the peak measured below is the eval's own
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass

loads = []
original = transformers.AutoModelForCausalLM.from_pretrained.__func__
def counting(cls, *args, **kwargs):
    loads.append(str(args[0]) if args else str(kwargs.get("pretrained_model_name_or_path")))
    return original(cls, *args, **kwargs)
transformers.AutoModelForCausalLM.from_pretrained = classmethod(counting)

before = status_mib("VmRSS")
if mode == "inspect":
    [log] = inspect_eval("procskill/procskill", model="hf/local",
                         model_args={"model_path": model_dir, "do_sample": False, "enable_thinking": False},
                         limit=episodes, max_tokens=2, max_connections=episodes, log_dir=log_dir, display="none")
    assert log.status == "success", log.error
else:
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    tok.pad_token, tok.padding_side = tok.eos_token, "left"
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir)
    texts = [tok.apply_chat_template(e["messages"], add_generation_prompt=True, tokenize=False,
                                     enable_thinking=False) for e in holdout_episodes(episodes)]
    with torch.inference_mode():
        model.generate(**tok(texts, return_tensors="pt", padding=True), max_new_tokens=2, do_sample=False)
print(json.dumps({"rss_before_mib": before, "peak_after_mib": peak_mib(), "weight_loads": len(loads)}))
"""


def measure(mode: str, model_dir: Path, log_dir: Path, episodes: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(model_dir), str(log_dir), str(episodes), str(BENCH_DIR)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(
    hidden_size: int = 1024,
    layers: int = 16,
    episodes: int = 2,
    repeats: int = 2,
    work_dir: str | Path | None = None,
    fixed_baseline: bool = True,
    modes: tuple[str, ...] = ("inspect", "raw"),
) -> dict[str, Any]:
    from procskill.testing.tiny_model import build_tiny_qwen35

    work = Path(work_dir) if work_dir else Path(tempfile.gettempdir()) / "procskill-bench"
    model_dir = build_tiny_qwen35(
        work / f"qwen35-mem-{hidden_size}x{layers}", hidden_size=hidden_size, num_hidden_layers=layers
    )
    weights_mib = sum(f.stat().st_size for f in model_dir.glob("*.safetensors")) / 2**20
    rows: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for _ in range(repeats):
        for mode, runs in rows.items():
            m = measure(mode, model_dir, work / "logs-mem", episodes)
            m["growth_mib"] = round(m["peak_after_mib"] - m["rss_before_mib"], 1)
            m["growth_over_weights"] = round(m["growth_mib"] / weights_mib, 3)
            runs.append(m)
    best = {mode: min(r["growth_mib"] for r in rs) for mode, rs in rows.items()}
    result = {
        "hidden_size": hidden_size,
        "layers": layers,
        "weights_mib": round(weights_mib, 1),
        "runs": rows,
        **{f"{mode}_growth_over_weights": round(best[mode] / weights_mib, 3) for mode in modes},
        "weight_loads": {mode: sorted({r["weight_loads"] for r in rs}) for mode, rs in rows.items()},
    }
    if {"inspect", "raw"} <= set(modes) and best["raw"] > 0:
        result["inspect_over_raw"] = round(best["inspect"] / best["raw"], 3)
    if fixed_baseline:
        # What each mode costs besides the weights (Inspect, the task, the log; torch's first forward): the
        # same run on a ~1 MB model. Subtracted, what is left is what the weights cost.
        tiny_dir = build_tiny_qwen35(work / "qwen35-mem-tiny")
        for mode in modes:
            tiny = measure(mode, tiny_dir, work / "logs-mem", episodes)
            fixed = tiny["peak_after_mib"] - tiny["rss_before_mib"]
            result[f"{mode}_fixed_growth_mib_tiny_model"] = round(fixed, 1)
            result[f"{mode}_growth_minus_fixed_over_weights"] = round((best[mode] - fixed) / weights_mib, 3)
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden-size", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=16)
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    return emit(
        "memory", run(args.hidden_size, args.layers, args.episodes, args.repeats, args.work_dir), args.out
    )


if __name__ == "__main__":
    main()
