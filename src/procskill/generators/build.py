"""Build the frozen built-in skill packs from the registered generators.

Run ``python -m procskill.generators.build`` (or ``procskill catalog build``) to
regenerate ``src/procskill/skills/builtin``. The output is a pure function of the
generator code: a test regenerates into a temporary folder and compares byte for byte.
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import random
import re
from collections import Counter
from pathlib import Path

from procskill.generators import load_generators
from procskill.generators._base import HOLDOUT_DIFFICULTY, GeneratedTask, SkillSpec
from procskill.skills import BUILTIN_DIR, CATALOG_VERSION, write_manifest
from procskill.skills._text import is_near_duplicate, normalise_prompt

HOLDOUT_PER_SKILL = 5
TRAIN_PER_SKILL = 24
MAX_ATTEMPTS_PER_TASK = 200


def _task_row(spec: SkillSpec, task: GeneratedTask, split: str, index: int, difficulty: int) -> dict:
    prefix = "h" if split == "holdout" else "t"
    row = {
        "id": f"{spec.id}-{prefix}{index:03d}",
        "skill": spec.id,
        "split": split,
        "difficulty": difficulty,
        "answer_type": spec.answer_type,
        "prompt": task.prompt,
        "target": task.target,
        "solution": task.solution(),
        "params": task.params,
    }
    if task.rubric is not None:
        row["rubric"] = task.rubric
    return row


def _check_task(spec: SkillSpec, task: GeneratedTask) -> None:
    if len(task.steps) != 5:
        raise ValueError(f"skill {spec.id}: generator produced {len(task.steps)} steps, not 5")
    if spec.answer_type == "free" and not task.rubric:
        raise ValueError(f"skill {spec.id}: free-form task without a rubric")
    if "\n" in task.target:
        raise ValueError(f"skill {spec.id}: target must be one line, got {task.target!r}")


def generate_split(
    spec: SkillSpec,
    split: str,
    count: int,
    difficulties: list[int],
    taken: list[dict],
) -> list[dict]:
    """Generate ``count`` tasks for one split, disjoint from ``taken`` and from each other.

    Two tasks clash when they share generating params, normalised prompt text, or are
    near-duplicates (character n-gram overlap, :func:`is_near_duplicate`). In the holdout, a
    candidate is also redrawn when its decision already covers as many tasks as the skill may share
    (:func:`max_same_decision`), so no constant guess wins a skill.

    Args:
        spec: The skill.
        split: ``"holdout"`` or ``"train"``; part of every seed.
        count: How many tasks to produce.
        difficulties: Difficulty of task ``i`` is ``difficulties[i % len(difficulties)]``.
        taken: Rows already produced for this skill (another split) to stay disjoint from.

    Returns:
        The rows, in index order.
    """
    rows: list[dict] = []
    seen = list(taken)
    for index in range(1, count + 1):
        difficulty = difficulties[(index - 1) % len(difficulties)]
        for attempt in range(MAX_ATTEMPTS_PER_TASK):
            rng = random.Random(f"procskill:{seed_key(spec.id)}:{split}:{index}:{attempt}")
            task = spec.generate(rng, difficulty)
            _check_task(spec, task)
            if (
                not any(_clashes(task, other) for other in seen)
                and not _too_common(spec, task, split, rows)
                and not _leaks(spec, task, split, rows, taken)
            ):
                break
        else:
            raise RuntimeError(
                f"skill {spec.id}: no task distinct from the others after "
                f"{MAX_ATTEMPTS_PER_TASK} attempts ({split} #{index}); widen the generator"
            )
        row = _task_row(spec, task, split, index, difficulty)
        rows.append(row)
        seen.append(row)
    return rows


_BUILTINS = frozenset(dir(builtins))


class _Canonical(ast.NodeTransformer):
    """Renames every non-builtin identifier to v0, v1, ... in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        if name in _BUILTINS:
            return name
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._name(node.name)
        if ast.get_docstring(node) is not None:
            node.body = node.body[1:]
        self.generic_visit(node)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id)
        return node


@functools.lru_cache(maxsize=4096)
def code_bodies(prompt: str) -> frozenset[str]:
    """Each function in a prompt's numbered code listing, docstring dropped and names normalised."""
    code = "\n".join(
        re.sub(r"^ *\d+ \|(?: |$)", "", line) for line in re.findall(r"^ *\d+ \|.*$", prompt, re.MULTILINE)
    )
    if not code:
        return frozenset()
    return frozenset(
        ast.unparse(_Canonical().visit(fn)) for fn in ast.parse(code).body if isinstance(fn, ast.FunctionDef)
    )


SUBSTANCE = {"code-review-verdict": code_bodies}
"""Per skill: what an item's substance is, beyond its params and text (for code, the function bodies)."""


def _leaks(spec: SkillSpec, task: GeneratedTask, split: str, rows: list[dict], taken: list[dict]) -> bool:
    """Whether a candidate repeats substance: a train item that of a holdout item, a holdout item that of
    another holdout item (no two holdout tasks test the same case)."""
    substance = SUBSTANCE.get(spec.id)
    if substance is None:
        return False
    against = rows if split == "holdout" else taken
    mine = substance(task.prompt)
    return any(mine & substance(r["prompt"]) for r in against)


def _too_common(spec: SkillSpec, task: GeneratedTask, split: str, rows: list[dict]) -> bool:
    """Whether a holdout candidate's decision is already taken by as many tasks as a skill may share.

    This keeps a constant answer from winning a skill's holdout (see :func:`max_same_decision`).
    """
    if split != "holdout":
        return False
    chosen = decision(spec.id, task.target)
    return sum(decision(spec.id, r["target"]) == chosen for r in rows) >= max_same_decision(spec.id)


def _clashes(task: GeneratedTask, row: dict) -> bool:
    return (
        task.params == row["params"]
        or normalise_prompt(task.prompt) == normalise_prompt(row["prompt"])
        or is_near_duplicate(task.prompt, row["prompt"])
    )


def skill_md(spec: SkillSpec) -> str:
    """The SKILL.md text of a generated skill: a valid Agent Skill (``name`` is the folder name).

    procskill's own fields go under the spec's ``metadata`` string map; ``steps: "5"`` opts the pack
    into the numbered-steps check, and ``title`` is the human name the procedure block's header shows.
    """
    metadata = {
        "title": spec.name,
        "domain": spec.domain,
        "answer_type": spec.answer_type,
        "steps": str(len(spec.procedure)),
        "why": spec.why,
    }
    head = [
        f"name: {spec.id}",
        f"description: {json.dumps(spec.description, ensure_ascii=False)}",
        "metadata:",
    ]
    head += [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in metadata.items()]
    steps = "\n".join(f"{i}. {s}" for i, s in enumerate(spec.procedure_steps(), start=1))
    return "---\n" + "\n".join(head) + f"\n---\n\n{steps}\n"


def seed_key(skill_id: str) -> str:
    """The skill's part of every task seed: its id before the Agent Skills rename (hyphens back to the
    underscores of catalog 1.x), so the rename changed the ids and nothing else in the generated tasks."""
    return skill_id.replace("-", "_")


def build_catalog(out_dir: Path = BUILTIN_DIR, train_per_skill: int = TRAIN_PER_SKILL) -> Path:
    """Write every registered skill as a pack under ``out_dir``, plus the manifest.

    Args:
        out_dir: Destination folder (one sub-folder per skill).
        train_per_skill: Training-pool size per skill.

    Returns:
        The path of the written manifest.
    """
    registry = load_generators()
    out_dir.mkdir(parents=True, exist_ok=True)
    for spec in registry.values():
        pack = out_dir / spec.id
        pack.mkdir(exist_ok=True)
        holdout = generate_split(spec, "holdout", HOLDOUT_PER_SKILL, [HOLDOUT_DIFFICULTY], [])
        train = generate_split(spec, "train", train_per_skill, [1, 2, 3], holdout)
        (pack / "SKILL.md").write_text(skill_md(spec), encoding="utf-8")
        for split, rows in (("holdout", holdout), ("train", train)):
            lines = (json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
            (pack / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return write_manifest(out_dir, version=CATALOG_VERSION)


DOMAIN_WHY = {
    "numbers": "Check-digit and modular procedures fail on one skipped rule (alternation, subtract-9, "
    "letter-to-digit mapping); the steps name each rule and end with a verification.",
    "calendar": "Day counts, weekends, holidays and UTC offsets are easy to miscount mentally; the steps "
    "anchor on a known date and count in explicit units.",
    "units": "Chained conversions and rounding conventions go wrong when factors are inverted or rounding "
    "is done early; the steps write each factor and round once at the end.",
    "text": "Character-level transformations (ciphers, run lengths, slugs, numerals) need position-by-position "
    "bookkeeping that models skip; the steps force it.",
    "tables": "Filtering, joining and grouping small tables need every row visited once; the steps make the "
    "model list matching rows before aggregating.",
    "algorithms": "Graph and stack procedures need explicit state (queue, frontier, stack) carried between "
    "steps; the procedure makes that state visible.",
    "finance": "Money needs a fixed order of operations and rounding rule; the steps fix both.",
    "formal_rules": "Precedence, masks and truth tables are rule systems with edge cases (pre-releases, "
    "network boundaries) that the steps enumerate.",
    "diagnostics": "Finding a root cause means ordering evidence and ruling out symptoms; the steps separate "
    "the first abnormal event from its knock-on effects.",
    "decisions": "Rubric-based decisions go wrong when one criterion is skipped; the steps walk each "
    "criterion before the conclusion.",
}
"""One sentence per domain on why the procedure helps (the dataset card)."""


DECISIONS: dict[str, str | dict[str, str]] = {
    "incident-triage": r"^(SEV\d)",
    "capacity-decision": r"^Choose option ([A-Z])",
    "code-review-verdict": r"^(Approve|Request changes)",
    "stat-test-choice": r"^Use (?:the )?(.+?):",
    "log-root-cause": {
        "out of memory": r"ran out of memory",
        "disk full": r"filled its data volume",
        "expired certificate": r"is serving an expired",
        "bad configuration": r"bad configuration change",
        "deadlock": r"deadlocked",
        "lost primary (read-only)": r"lost its primary",
    },
    "flaky-test-diagnosis": {
        "parallel workers": r"fails exactly when the suite runs with \d+ or more workers",
        "time of day": r"fails exactly when the run starts between",
        "test order": r"fails exactly when it runs right after",
        "runner platform": r"fails exactly on the [\w.-]+ runners",
        "locale": r"fails exactly when LANG",
    },
    "data-quality-diagnosis": {
        "duplicate load": r" has a duplicate load",
        "partial load": r" has a partial \(incomplete\) load",
        "unit change": r" has a unit change",
        "null spike": r" has a spike of missing \(null\)",
    },
}
"""Per free-form skill: how to read the decision the rubric turns on from a gold conclusion (one capture
group, or one pattern per decision label)."""

TWO_DECISION_SKILLS = frozenset({"code-review-verdict"})
"""Skills with only two possible decisions (approve / request changes)."""


def decision(skill_id: str, target: str) -> str:
    """The decision a target commits to: the normalised answer, or for free-form skills the deciding phrase."""
    rule = DECISIONS.get(skill_id)
    if rule is None:
        return " ".join(target.lower().split())
    if isinstance(rule, dict):
        labels = [label for label, pattern in rule.items() if re.search(pattern, target)]
        if len(labels) == 1:
            return labels[0]
    elif match := re.search(rule, target):
        return match[1]
    raise ValueError(f"skill {skill_id}: no single decision in target {target!r}")


def max_same_decision(skill_id: str) -> int:
    """How many of a skill's holdout tasks may share one decision: 2 of 5, or 3 where only two exist."""
    return 3 if skill_id in TWO_DECISION_SKILLS else 2


def best_constant_guess(skill_id: str, targets: list[str]) -> tuple[str, int]:
    """The single answer (decision) that matches the most of ``targets``, and how many it matches.

    This is the score a model gets on the skill by always giving the same answer: the skill's floor.
    Ties go to the alphabetically first decision, so the card is deterministic.
    """
    counts = Counter(decision(skill_id, t) for t in targets)
    best = min(counts, key=lambda d: (-counts[d], d))
    return best, counts[best]


def catalog_card(skills_dir: Path = BUILTIN_DIR) -> str:
    """The dataset card's tables in Markdown: splits with hashes, domains, and one row per skill."""
    from procskill.skills import load_packs, read_manifest

    packs = load_packs(skills_dir)
    manifest = read_manifest(skills_dir) or {}
    lines = [
        f"Catalog version {manifest.get('version', '?')}: {len(packs)} skills in "
        f"{len({p.domain for p in packs})} domains. Holdout tasks are generated at difficulty "
        f"{HOLDOUT_DIFFICULTY} (of 1-3), {HOLDOUT_PER_SKILL} per skill; the training pool mixes all "
        "three levels.",
        "",
        "| split | tasks | free-form | sha256 |",
        "|---|---|---|---|",
    ]
    for split, info in manifest.get("splits", {}).items():
        free = sum(1 for p in packs for t in p.split(split) if t.answer_type == "free")
        lines.append(f"| {split} | {info['tasks']} | {free} | `{info['sha256']}` |")
    lines += ["", "| domain | why the procedure helps |", "|---|---|"]
    for domain in sorted({p.domain for p in packs}):
        lines.append(f"| {domain} | {DOMAIN_WHY.get(domain, '')} |")
    lines += [
        "",
        (
            "Skill ids follow the Agent Skills spec (lowercase, hyphens) since catalog 2.0.0; the id before is "
            "listed for logs made with 1.x (they still re-judge and report: procskill maps the old ids)."
        ),
        "",
        "| skill | id before 2.0.0 | domain | answer type | description |",
        "|---|---|---|---|---|",
    ]
    for p in packs:
        types = sorted({t.answer_type for t in p.tasks})
        renamed = Path(skills_dir).resolve() == BUILTIN_DIR.resolve() and seed_key(p.id) != p.id
        former = f"`{seed_key(p.id)}`" if renamed else "(same)"
        lines.append(f"| `{p.id}` | {former} | {p.domain} | {', '.join(types)} | {p.description} |")
    lines += [
        "",
        "Best constant guess per skill: the one answer (for free-form skills, the one decision) that matches the most "
        "holdout tasks, and the holdout score a model gets by always giving it.",
        "",
        "| skill | best constant guess | holdout score |",
        "|---|---|---|",
    ]
    for p in packs:
        holdout = p.split("holdout")
        guess, hits = best_constant_guess(p.id, [t.target for t in holdout])
        shown = f"`{guess}`" if hits > 1 else "(none: no two holdout answers agree)"
        lines.append(f"| `{p.id}` | {shown} | {hits}/{len(holdout)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(build_catalog())
