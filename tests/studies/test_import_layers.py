"""One-way imports (docs/ARCHITECTURE.md): no package imports one of a higher layer. Static (AST), ~0.1 s."""

from __future__ import annotations

import ast
from pathlib import Path

import procskill

ROOT = Path(procskill.__file__).parent

LAYER = {
    **dict.fromkeys(("errors", "validation", "prompts", "stats", "_files", "_local", "checkpoint_meta"), 0),
    **dict.fromkeys(("generators", "skills"), 1),
    **dict.fromkeys(("solvers", "scorers", "tasks"), 2),
    **dict.fromkeys(("analysis", "training", "testing"), 3),
    "studies": 4,
    **dict.fromkeys(("cli", "_registry", "_alias"), 5),
}
"""The layer of each top-level module or package of procskill (the table in docs/ARCHITECTURE.md)."""

KNOWN = {"training/__main__.py imports procskill.cli._training"}
"""`python -m procskill.training` reuses the train command; moving it is the training owner's (issue 18-4)."""


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "procskill" else None


def upward_imports() -> set[str]:
    found = set()
    for file in ROOT.rglob("*.py"):
        rel = file.relative_to(ROOT)
        me = rel.parts[0].removesuffix(".py")
        if me == "__init__":
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = (
                    [f"procskill.{a.name}" for a in node.names]
                    if node.module == "procskill"
                    else [node.module]
                )
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                other = _unit(name)
                if other in LAYER and other != me and LAYER[other] > LAYER[me]:
                    found.add(f"{rel.as_posix()} imports {name}")
    return found


def test_every_module_has_a_layer():
    units = {
        p.name.removesuffix(".py")
        for p in ROOT.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").is_file()
    }
    assert units - {"__init__"} <= set(LAYER), units - set(LAYER)


def test_no_upward_imports():
    assert upward_imports() <= KNOWN
