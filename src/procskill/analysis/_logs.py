"""Reading procskill eval logs into tables.

One eval log is one *configuration*: an evaluated model (a base model or an SFT
checkpoint), a holdout, generation settings and the scores in it. Everything the report
knows about a configuration comes from the log itself — the task's metadata
(``log.eval.metadata``: dataset hash, split, placement) and the run facts the task records
while it runs (each sample's ``procskill_run`` metadata: model parameters, generation settings,
and the checkpoint's own metadata file for an SFT model; logs of task 1.1.0 and earlier kept them
in the task metadata), never from file names.

Samples are read from each log's *sample summaries* (Inspect's per-sample index: ids,
sample metadata, every score with its metadata, token usage) rather than full samples:
measured on 7 logs × 400 episodes, ~5× less CPU than ``read_eval_log`` and ~2× less
than ``inspect_ai.analysis.samples_df`` (which drops score metadata the report needs).
A log whose summaries lack a score listed in its results is read in full instead.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from inspect_ai.log import (
    EvalLog,
    EvalSampleSummary,
    read_eval_log,
    read_eval_log_sample,
    read_eval_log_sample_summaries,
)
from inspect_ai.scorer import value_to_float

from procskill.analysis._logfiles import is_procskill_log, log_files
from procskill.checkpoint_meta import recipe_name
from procskill.errors import ProcskillError
from procskill.scorers import verdict_keys
from procskill.skills._ids import id_mapper
from procskill.solvers import RUN_FACTS_KEY, logged_run_facts

_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmbt]?)\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


class ReportInputError(ProcskillError):
    """The logs cannot be read into a report (names the file and the field)."""


@dataclass(frozen=True)
class Configuration:
    """One evaluated configuration, as recorded in its log(s).

    Pairing a checkpoint with its base model (see :func:`base_model_matches`) uses
    ``identities`` of the candidate base and ``base_identities`` of the checkpoint.
    """

    label: str
    """Short unique display name: the model's last name component, ``+SFT (recipe)`` for a
    checkpoint, and the distinguishing setting when two configurations would share a name."""
    model: str
    """``log.eval.model``, e.g. ``hf/Qwen/Qwen3.5-0.8B`` or ``anthropic/claude-haiku-4-5``."""
    model_path: str | None
    checkpoint: dict[str, Any] | None
    """The checkpoint metadata the task copied into the log; ``None`` for a base model."""
    recipe: str | None
    identities: tuple[str, ...]
    """Names this model is known by (with and without provider, its model path)."""
    base_identities: tuple[str, ...]
    """For a checkpoint: the names of the model it was trained from."""
    parameters: float | None
    size_source: str | None
    """``override``, ``metadata`` (counted by the task) or ``checkpoint``; ``None`` when unknown."""
    dataset_hash: str
    split: str
    placement: str | None
    thinking: bool | None
    max_tokens: int | None
    generation: dict[str, Any]
    scorers: tuple[str, ...]
    epochs: int
    logs: tuple[str, ...]
    created: str
    catalog_version: str | None = None
    """The skill catalog's version the log records (``log.eval.metadata.dataset.catalog_version``)."""

    @property
    def is_sft(self) -> bool:
        return self.checkpoint is not None

    def settings(self) -> dict[str, Any]:
        """What must be equal for two configurations' numbers to be comparable."""
        return {
            "holdout hash (catalog content)": self.dataset_hash,
            "catalog version": self.catalog_version,
            "thinking": self.thinking,
            "max_tokens": self.max_tokens,
            "placement": self.placement,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "model": self.model,
            "model_path": self.model_path,
            "sft": self.is_sft,
            "base_model": (self.checkpoint or {}).get("base_model"),
            "recipe": self.recipe,
            "checkpoint": self.checkpoint,
            "parameters": self.parameters,
            "size_source": self.size_source,
            "dataset_hash": self.dataset_hash,
            "split": self.split,
            "placement": self.placement,
            "thinking": self.thinking,
            "max_tokens": self.max_tokens,
            "generation": self.generation,
            "scorers": list(self.scorers),
            "epochs": self.epochs,
            "logs": list(self.logs),
        }


@dataclass
class LogTables:
    """The logs as tables.

    ``scores`` has one row per (episode, score): ``config`` (label), ``task_id``,
    ``skill``, ``domain``, ``condition``, ``answer_type``, ``epoch``, ``scorer`` (the score's
    label, :func:`procskill.scorers.score_label`: ``extract``, ``llm@<judge>``), ``path``,
    ``judge``, ``value`` (1.0 / 0.0, NaN = unscored), ``compliant``, ``truncated``,
    ``lenient_correct``, ``judge_input_tokens``, ``judge_output_tokens`` (the judge call's tokens
    from the score's ``judge_usage`` metadata; NaN when no judge was called).

    ``episodes`` has one row per episode: ``config``, ``task_id``, ``skill``,
    ``condition``, ``epoch``, ``input_tokens``, ``output_tokens``, ``error``.
    """

    configurations: list[Configuration]
    scores: pd.DataFrame
    episodes: pd.DataFrame
    skipped: list[dict[str, str]] = field(default_factory=list)
    """Files not used, with the reason (another task, another split, a failed run)."""

    def configuration(self, label: str) -> Configuration:
        for config in self.configurations:
            if config.label == label:
                return config
        raise KeyError(f"no configuration {label!r}; have {[c.label for c in self.configurations]}")


def parse_size(value: str | float) -> float:
    """A parameter count from ``800000000``, ``0.8B``, ``800M``, ``335k`` or ``2e9``.

    Raises:
        ReportInputError: Not a positive number with an optional k/M/B/T suffix.
    """
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise ReportInputError(
                f"model size {value!r}: expected a parameter count such as 0.8B, 800M or 8e8"
            )
        number = float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
    if not number > 0:
        raise ReportInputError(f"model size {value!r} must be positive")
    return number


def _strip_provider(model: str) -> str:
    return model.split("/", 1)[1] if "/" in model else model


def _normalise(name: str) -> set[str]:
    """A model name in the forms it may be written in: as is, without ``@revision``, and
    (for an existing or absolute path) as an absolute normalised path."""
    name = str(name).strip().rstrip("/")
    if not name:
        return set()
    forms = {name}
    if "@" in name and not name.startswith("/"):
        forms.add(name.split("@", 1)[0])  # hub_id@commit (base_model_resolved of a hub model)
    return forms | {
        os.path.normpath(os.path.abspath(f)) for f in forms if os.path.isabs(f) or os.path.isdir(f)
    }


def model_identities(model: str, model_path: str | None) -> tuple[str, ...]:
    """The names a base model's log answers to, for pairing it with checkpoints.

    ``log.eval.model`` (``hf/Qwen/Qwen3.5-0.8B``), the same without the provider prefix
    (``Qwen/Qwen3.5-0.8B``) and, for a local model, its ``model_path`` (absolute).
    """
    names: set[str] = set()
    for name in (model, _strip_provider(model), model_path):
        if name:
            names |= _normalise(name)
    return tuple(sorted(names))


def checkpoint_base_identities(checkpoint: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of the model a checkpoint was trained from: its ``base_model`` and
    ``base_model_resolved`` (an absolute folder, or ``hub_id@commit``), each with and
    without a provider prefix."""
    names: set[str] = set()
    for key in ("base_model", "base_model_resolved"):
        value = checkpoint.get(key)
        if value:
            names |= _normalise(str(value))
            if "/" in str(value) and not os.path.isabs(str(value)):
                names |= _normalise(_strip_provider(str(value)))
    return tuple(sorted(names))


def base_model_matches(base: Configuration, sft: Configuration) -> bool:
    """The pairing rule: ``sft`` was trained from ``base``.

    True when one of the checkpoint's ``base_model`` / ``base_model_resolved`` names equals
    one of the base log's names — ``log.eval.model``, that name without its provider
    prefix, or its ``model_path`` — after removing trailing slashes and a ``@revision``
    and making local paths absolute. Folder *basenames* are never compared: two
    checkpoints in folders both called ``merged`` are not the same model.
    """
    return base is not sft and bool(set(base.identities) & set(sft.base_identities))


def _short(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1] or name


def _display_name(model: str, model_path: str | None) -> str:
    if model_path and _strip_provider(model) in ("local", ""):
        return _short(model_path)
    return _short(model)


@dataclass
class _LogRead:
    file: str
    log: EvalLog
    summaries: list[EvalSampleSummary]
    facts: dict[str, Any]
    key: str
    created: str


def _config_key(log: EvalLog, facts: Mapping[str, Any]) -> str:
    meta = log.eval.metadata or {}
    args = log.eval.model_args or {}
    key = {
        "model": log.eval.model,
        "model_path": args.get("model_path"),
        "checkpoint": facts.get("checkpoint"),
        "dataset": (meta.get("dataset") or {}).get("content_hash"),
        "split": (meta.get("dataset") or {}).get("split"),
        "placement": meta.get("placement"),
        "generation": facts.get("generation"),
    }
    return json.dumps(key, sort_keys=True, default=str)


def _summaries(file: str, log: EvalLog) -> list[EvalSampleSummary]:
    summaries = read_eval_log_sample_summaries(file)
    expected = {s.name for s in (log.results.scores if log.results else [])}
    complete = all(
        expected <= set(s.scores or {}) for s in summaries if s.error is None and s.completed is not False
    )
    if complete:
        return summaries
    # A log written without up-to-date summaries (e.g. edited by other tools): read in full.
    full = read_eval_log(file)
    return [sample.summary() for sample in full.samples or []]


def _run_facts(file: str, meta: Mapping[str, Any], summaries: list[EvalSampleSummary]) -> dict[str, Any]:
    """The log's run facts; from one full sample when the summaries lack them (Inspect thins sample
    metadata values over 1 kB out of summaries: a checkpoint's metadata makes the facts that large)."""
    facts = logged_run_facts(meta, [s.metadata for s in summaries])
    if facts or not summaries:
        return facts
    first = summaries[0]
    return logged_run_facts(meta, [read_eval_log_sample(file, first.id, first.epoch).metadata])


def _require(meta: Mapping[str, Any], path: Sequence[str], file: str) -> Any:
    value: Any = meta
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            raise ReportInputError(
                f"{file}: log.eval.metadata has no {'.'.join(path)} (not written by procskill?)"
            )
        value = value[part]
    return value


def _usage(summary: EvalSampleSummary, model: str) -> tuple[float, float]:
    usage = summary.model_usage or {}
    entry = usage.get(model)
    if entry is None and len(usage) == 1:
        entry = next(iter(usage.values()))
    if entry is None:
        return math.nan, math.nan
    return float(entry.input_tokens), float(entry.output_tokens)


def _judge_tokens(metadata: Mapping[str, Any], key: str) -> float:
    """Tokens of the judge call behind a score (``judge_usage`` in its metadata); NaN when no judge was called."""
    usage = metadata.get("judge_usage")
    if not isinstance(usage, Mapping) or usage.get(key) is None:
        return math.nan
    return float(usage[key])


def _as_bool(value: Any) -> float:
    if value is None:
        return math.nan
    return 1.0 if bool(value) else 0.0


def read_logs(
    logs: str | Path | Iterable[str | Path],
    size_overrides: Mapping[str, str | float] | None = None,
    split: str = "holdout",
) -> LogTables:
    """Read procskill logs into configurations and score/episode tables.

    Logs of the same configuration (same model, checkpoint, dataset hash, placement and
    generation settings) are combined episode by episode; where two hold the same
    episode (task, condition, epoch), the most recently created log counts. Logs of
    other tasks found in a folder, of another split, or whose run did not finish are
    skipped (and listed in ``skipped``).

    Args:
        logs: Log files and/or folders (searched recursively).
        size_overrides: Parameter counts by model name (``log.eval.model``, the same
            without provider, a model path, a label or a checkpoint's ``base_model``),
            e.g. ``{"hf/local": "0.8B"}``; they win over the counts in the logs.
        split: The dataset split to report on.

    Returns:
        The tables.

    Raises:
        FileNotFoundError: A path does not exist or a folder holds no logs.
        ReportInputError: A named file is not a procskill log, a log lacks the task's
            metadata, or no usable log remains.
    """
    overrides = {str(k): parse_size(v) for k, v in (size_overrides or {}).items()}
    reads: list[_LogRead] = []
    skipped: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    for path, named in log_files(logs):
        file = str(path)
        try:
            header = read_eval_log(file, header_only=True)
        except Exception as err:  # noqa: BLE001 - a corrupt file is skipped and named, the rest is reported
            skipped.append({"log": file, "reason": f"unreadable ({type(err).__name__}: {err})"})
            continue
        eval_id = header.eval.eval_id
        if eval_id in seen:
            skipped.append(
                {"log": file, "reason": f"the same evaluation (eval id {eval_id}) as {seen[eval_id]}"}
            )
            continue
        seen[eval_id] = file
        if not is_procskill_log(header):
            if named:
                raise ReportInputError(
                    f"{file}: not a procskill log (no procskill_version in log.eval.metadata)"
                )
            skipped.append({"log": file, "reason": f"another task ({header.eval.task})"})
            continue
        meta = header.eval.metadata or {}
        log_split = _require(meta, ("dataset", "split"), file)
        if log_split != split:
            skipped.append({"log": file, "reason": f"split {log_split!r} (reporting on {split!r})"})
            continue
        if header.status != "success":
            skipped.append(
                {"log": file, "reason": f"run status {header.status!r} (only finished runs count)"}
            )
            continue
        _require(meta, ("dataset", "content_hash"), file)
        try:
            summaries = _summaries(file, header)
            facts = _run_facts(file, meta, summaries)
        except Exception as err:  # noqa: BLE001 - header readable, samples not (truncated archive)
            skipped.append({"log": file, "reason": f"unreadable samples ({type(err).__name__}: {err})"})
            continue
        if not isinstance(facts.get("generation"), Mapping):
            raise ReportInputError(
                f"{file}: no generation settings recorded (sample metadata {RUN_FACTS_KEY!r}, or "
                "log.eval.metadata.generation for task 1.1.0 logs): not written by procskill?"
            )
        reads.append(
            _LogRead(file, header, summaries, facts, _config_key(header, facts), header.eval.created)
        )
    if not reads:
        raise ReportInputError(
            "no usable procskill log: "
            + ("; ".join(f"{s['log']}: {s['reason']}" for s in skipped) or "none given")
        )

    groups: dict[str, list[_LogRead]] = {}
    # eval.created has one-second resolution: two runs started within a second (a quick rerun) are
    # ordered by when their files were last written, so the rerun still wins.
    for read in sorted(reads, key=lambda r: (r.created, os.stat(r.file).st_mtime_ns, r.file)):
        groups.setdefault(read.key, []).append(read)
    configs = [_configuration(group) for group in groups.values()]
    configs = _unique_labels(configs)
    configs = _apply_overrides(configs, overrides)
    order = _display_order(configs)
    ordered = sorted(zip(configs, groups.values()), key=lambda pair: order(pair[0]))
    configs = [config for config, _ in ordered]

    score_rows: list[dict[str, Any]] = []
    episode_rows: list[dict[str, Any]] = []
    for config, group in ordered:
        for order, read in enumerate(group):
            _rows(config.label, order, read, score_rows, episode_rows)
    episodes = pd.DataFrame(episode_rows, columns=[*_EPISODE_COLUMNS, "_order"])
    scores = pd.DataFrame(score_rows, columns=[*_SCORE_COLUMNS, "_order"])
    # Latest log wins per episode (a rerun of the same configuration replaces it whole).
    keys = ["config", "task_id", "condition", "epoch"]
    episodes = episodes.sort_values("_order", kind="stable").drop_duplicates(keys, keep="last")
    scores = scores.merge(episodes[[*keys, "_order"]], on=[*keys, "_order"], how="inner")
    return LogTables(
        configurations=configs,
        scores=scores.drop(columns="_order").reset_index(drop=True),
        episodes=episodes.drop(columns="_order").reset_index(drop=True),
        skipped=skipped,
    )


_EPISODE_COLUMNS = [
    "config",
    "task_id",
    "skill",
    "domain",
    "condition",
    "epoch",
    "input_tokens",
    "output_tokens",
    "error",
]
_SCORE_COLUMNS = [
    "config",
    "task_id",
    "skill",
    "domain",
    "condition",
    "answer_type",
    "epoch",
    "scorer",
    "path",
    "judge",
    "value",
    "compliant",
    "truncated",
    "lenient_correct",
    "judge_input_tokens",
    "judge_output_tokens",
]


def _rows(
    label: str,
    order: int,
    read: _LogRead,
    score_rows: list[dict[str, Any]],
    episode_rows: list[dict[str, Any]],
) -> None:
    to_float = value_to_float()
    model = read.log.eval.model
    current_id = id_mapper((read.log.eval.metadata or {}).get("dataset"))  # 1.x built-in logs: old skill ids
    # One key per label: a judge scored twice on one path counts once.
    keys = {key: label for label, key in verdict_keys(read.summaries).items()}
    for summary in read.summaries:
        meta = summary.metadata or {}
        try:
            task_id, skill, condition = (
                current_id(meta["task_id"]),
                current_id(meta["skill"]),
                meta["condition"],
            )
        except KeyError as missing:
            raise ReportInputError(
                f"{read.file}: sample {summary.id} epoch {summary.epoch}: metadata has no {missing} "
                "(not a procskill sample)"
            ) from None
        input_tokens, output_tokens = _usage(summary, model)
        base = {
            "config": label,
            "task_id": task_id,
            "skill": skill,
            "domain": meta.get("domain"),
            "condition": condition,
            "epoch": summary.epoch,
            "_order": order,
        }
        episode_rows.append(
            {
                **base,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "error": summary.error is not None,
            }
        )
        for name, score in (summary.scores or {}).items():
            if name not in keys:
                continue
            smeta = score.metadata or {}
            try:
                value = to_float(score.value)
            except Exception:  # noqa: BLE001 - a non-numeric score is no pass/fail verdict
                value = math.nan
            score_rows.append(
                {
                    **base,
                    "answer_type": meta.get("answer_type"),
                    "scorer": keys[name],
                    "path": smeta.get("path") or name.split("@", 1)[0],
                    "judge": smeta.get("judge"),
                    "value": value,
                    "compliant": _as_bool(smeta.get("compliant")),
                    "truncated": _as_bool(smeta.get("truncated")),
                    "lenient_correct": _as_bool(smeta.get("lenient_correct")),
                    "judge_input_tokens": _judge_tokens(smeta, "input_tokens"),
                    "judge_output_tokens": _judge_tokens(smeta, "output_tokens"),
                }
            )


def _configuration(group: list[_LogRead]) -> Configuration:
    latest = group[-1].log
    meta = latest.eval.metadata or {}
    facts = group[-1].facts
    args = latest.eval.model_args or {}
    model = latest.eval.model
    model_path = args.get("model_path")
    model_path = str(model_path) if model_path else None
    checkpoint = facts.get("checkpoint")
    if checkpoint is not None and not isinstance(checkpoint, Mapping):
        raise ReportInputError(
            f"{group[-1].file}: the recorded checkpoint metadata must be an object or null"
        )
    generation = dict(facts.get("generation") or {})
    recipe = recipe_name(checkpoint) if checkpoint else None
    if checkpoint:
        base_name = checkpoint.get("base_model") or checkpoint.get("base_model_resolved") or "?"
        label = f"{_short(str(base_name))}+SFT ({recipe or 'unnamed recipe'})"
    else:
        label = _display_name(model, model_path)
    parameters, source = None, None
    counted = (facts.get("model") or {}).get("parameters")
    if counted:
        parameters, source = float(counted), "metadata"
    elif checkpoint and checkpoint.get("parameters"):
        parameters, source = float(checkpoint["parameters"]), "checkpoint"
    epochs = max((s.epoch for read in group for s in read.summaries), default=1)
    scorers = sorted({label for read in group for label in verdict_keys(read.summaries)})
    return Configuration(
        label=label,
        model=model,
        model_path=model_path,
        checkpoint=dict(checkpoint) if checkpoint else None,
        recipe=recipe,
        identities=model_identities(model, model_path),
        base_identities=checkpoint_base_identities(checkpoint) if checkpoint else (),
        parameters=parameters,
        size_source=source,
        dataset_hash=str((meta.get("dataset") or {}).get("content_hash")),
        split=str((meta.get("dataset") or {}).get("split")),
        placement=meta.get("placement"),
        thinking=generation.get("enable_thinking"),
        max_tokens=generation.get("max_tokens"),
        generation=generation,
        scorers=tuple(scorers),
        epochs=int(epochs),
        logs=tuple(read.file for read in group),
        created=group[-1].created,
        catalog_version=(meta.get("dataset") or {}).get("catalog_version"),
    )


def _unique_labels(configs: list[Configuration]) -> list[Configuration]:
    """Disambiguate labels shared by several configurations with the first setting that differs."""
    counts: dict[str, int] = {}
    for c in configs:
        counts[c.label] = counts.get(c.label, 0) + 1
    out = []
    for c in configs:
        if counts[c.label] == 1:
            out.append(c)
            continue
        twins = [o for o in configs if o.label == c.label]
        differing = next(
            (name for name in _DISTINGUISHING if len({_field(o, name) for o in twins}) > 1), None
        )
        out.append(replace(c, label=f"{c.label} [{differing}={_field(c, differing)}]") if differing else c)
    # Anything still shared (configurations differing in a setting not listed): number them.
    seen: dict[str, int] = {}
    final = []
    for c in out:
        seen[c.label] = seen.get(c.label, 0) + 1
        final.append(c if seen[c.label] == 1 else replace(c, label=f"{c.label} #{seen[c.label]}"))
    return final


_DISTINGUISHING = ("model", "thinking", "max_tokens", "placement", "hash", "seed", "temperature")


def _field(c: Configuration, name: str) -> Any:
    return {
        "model": c.model if c.checkpoint is None else c.model_path or c.model,
        "thinking": c.thinking,
        "max_tokens": c.max_tokens,
        "placement": c.placement,
        "hash": c.dataset_hash[:8],
        "seed": (c.checkpoint or {}).get("seed"),
        "temperature": c.generation.get("temperature"),
    }[name]


def _display_order(configs: Sequence[Configuration]) -> Any:
    """Sort key: each base model followed by its checkpoints, groups by size; unsized groups
    after sized ones, groups without any checkpoint (reference models) last."""

    def group(c: Configuration) -> str:
        return c.label.split("+SFT")[0]

    sizes: dict[str, float] = {}
    has_sft: set[str] = set()
    for c in configs:
        sizes[group(c)] = min(sizes.get(group(c), math.inf), c.parameters or math.inf)
        if c.is_sft:
            has_sft.add(group(c))

    def key(c: Configuration) -> tuple[Any, ...]:
        g = group(c)
        reference = g not in has_sft and sizes[g] == math.inf
        return (reference, sizes[g], g, c.is_sft, c.recipe or "", c.label)

    return key


def _apply_overrides(configs: list[Configuration], overrides: Mapping[str, float]) -> list[Configuration]:
    if not overrides:
        return configs
    used: set[str] = set()
    out = []
    for c in configs:
        names = [c.label, *c.identities, *(c.base_identities if c.is_sft else ())]
        hit = next((n for n in names if n in overrides), None)
        if hit is not None:
            used.add(hit)
            c = replace(c, parameters=overrides[hit], size_source="override")
        out.append(c)
    unused = sorted(set(overrides) - used)
    if unused:
        known = sorted({n for c in configs for n in (c.label, c.model)})
        raise ReportInputError(f"--size for unknown model(s) {unused}; the logs have {known}")
    return out
