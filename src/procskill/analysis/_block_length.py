"""Δ against skill-block length across skills (issue #14 item 5): does a longer block help more or cost more?"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries
from scipy.stats import spearmanr

from procskill.analysis._logs import Configuration
from procskill.skills._ids import id_mapper
from procskill.solvers import BLOCK_TOKENS_KEY


def block_length(configs: Sequence[Configuration], view: dict[str, Any]) -> dict[str, Any]:
    """Per skill: its block length (characters and files not shown from the logs' ``skill_blocks`` metadata;
    tokens from the skill episodes' ``block_tokens``) beside its mean Δ.

    Lengths are tokens of the evaluated model's tokenizer when a log counted them, else characters (the unit is
    stated); the first configuration with a count for a skill supplies it. Spearman's ρ relates Δ to length
    across the skills that have both (``None`` below three skills or with constant lengths).
    """
    lengths: dict[str, dict[str, Any]] = {}
    for c in configs:
        for file in c.logs:
            header = read_eval_log(file, header_only=True)
            meta = header.eval.metadata or {}
            blocks = meta.get("skill_blocks") or {}
            if not blocks:
                continue
            current_id = id_mapper(meta.get("dataset"))
            for skill, size in (blocks.get("skills") or {}).items():
                entry = lengths.setdefault(current_id(skill), {})
                entry.setdefault("characters", size.get("characters"))
                entry.setdefault("not_shown", size.get("not_shown") or [])
            for summary in read_eval_log_sample_summaries(file):
                sample = summary.metadata or {}
                tokens = sample.get(BLOCK_TOKENS_KEY)
                entry = lengths.get(current_id(str(sample.get("skill"))))
                if tokens is not None and entry is not None and entry.get("tokens") is None:
                    entry.update(tokens=tokens, tokenizer=f"{header.eval.model} (evaluated model)")
    rows = []
    for r in view.get("summary", []):
        size = lengths.get(r["skill"])
        if size is None:
            continue
        rows.append({"skill": r["skill"], "mean_delta": r["mean_delta"], **size})
    unit = "tokens" if rows and all(r.get("tokens") is not None for r in rows) else "characters"
    rho = None
    xs = [r[unit] for r in rows]
    if len(rows) >= 3 and len(set(xs)) > 1 and len({r["mean_delta"] for r in rows}) > 1:
        rho = float(spearmanr(xs, [r["mean_delta"] for r in rows]).statistic)
    return {"scorer": view.get("scorer"), "unit": unit, "spearman_rho": rho, "skills": rows}
