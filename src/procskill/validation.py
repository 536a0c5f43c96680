"""One validation layer for procskill's YAML files: a typed model, ``file:line: field: problem`` errors.

Study files and skill packs (SKILL.md ``metadata``, task-file rows) use it; recipes can adopt it the same way. The API:

* :func:`load_yaml_model` ``(path, Model, error=ProcskillError, transform=None)`` reads a YAML file and
  validates it into ``Model`` (a pydantic ``BaseModel``; declare ``model_config = ConfigDict(extra="forbid")``
  so that a misspelt key is an error). Every problem pydantic finds becomes one line
  ``<file>:<line>: <field>: <problem>`` (``models[2].model``), all of them in one ``error``, raised from
  ``None`` so no traceback of ours or pydantic's is attached. ``transform`` may rewrite the parsed data before
  validation (e.g. fill in ``{out}``) as long as it keeps its shape, so that lines still map.
* :class:`YamlDocument` (from :func:`read_yaml`): the parsed data plus the line of every node, for checks a
  model cannot express (a reference to another entry):
  ``doc.problem(("sft", 0, "base"), "is not a model id")`` gives the same ``file:line: field: problem`` line.
* :func:`field_path` renders a location tuple as ``models[2].model``.
* :func:`pydantic_problems` gives the same wording for other sources (a JSONL task row, SKILL.md front matter),
  which place each location on their own line.

Line numbers come from PyYAML's node marks (``yaml.compose``), 1-based; a missing key points at the mapping
that lacks it. A file that is not valid YAML fails with the line of the syntax error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from procskill._files import read_text
from procskill.errors import ProcskillError

M = TypeVar("M", bound=BaseModel)

Location = Sequence[str | int]


def field_path(loc: Location) -> str:
    """``("models", 2, "model")`` -> ``models[2].model`` (the root is ``(top level)``)."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the node tree that knows every value's line."""

    path: Path
    data: Any
    node: yaml.Node | None

    def line(self, loc: Location) -> int:
        """The 1-based line of the value at ``loc``, or of its deepest existing parent."""
        node = self.node
        if node is None:
            return 1
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            elif (
                isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    def problem(self, loc: Location, message: str) -> str:
        """One line ``<file>:<line>: <field>: <message>``."""
        return f"{self.path}:{self.line(loc)}: {field_path(loc)}: {message}"


def read_yaml(path: str | Path, error: type[ProcskillError] = ProcskillError) -> YamlDocument:
    """Parse a YAML file, keeping the line of every node.

    Raises:
        error: The file cannot be read, is not UTF-8 or is not valid YAML (the message names its line).
    """
    path = Path(path)
    try:
        text = read_text(path, error)  # a byte that is not UTF-8 is named with its line
    except OSError as err:
        raise error(f"{path}: cannot read the file ({err.strerror or err})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise error(f"{where}: not valid YAML: {problem}") from None
    return YamlDocument(path, data, node)


def pydantic_problems(err: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Every problem of a pydantic ``ValidationError`` as ``(location, message)``, in procskill's wording
    (``unknown field (misspelt?)``, ``is required``), for sources other than YAML (a JSONL row, front matter)
    that place each location on their own line."""
    problems = []
    for e in err.errors(include_url=False):
        message = e["msg"]
        if e["type"] == "extra_forbidden":
            message = "unknown field (misspelt?)"
        elif e["type"] == "missing":
            message = "is required"
        elif e["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append((tuple(e["loc"]), message))
    return problems


def _pydantic_problem(doc: YamlDocument, loc: tuple[str | int, ...], message: str) -> str:
    return doc.problem(loc, message)


def validate_document(
    doc: YamlDocument, model: type[M], error: type[ProcskillError] = ProcskillError, data: Any = None
) -> M:
    """Validate ``data`` (default: the document's) into ``model``; problems as ``file:line: field: …``."""
    data = doc.data if data is None else data
    if not isinstance(data, dict):
        raise error(f"{doc.path}:1: expected a mapping of fields, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = [_pydantic_problem(doc, loc, message) for loc, message in pydantic_problems(err)]
        raise error("\n".join(problems)) from None


def load_yaml_model(
    path: str | Path,
    model: type[M],
    error: type[ProcskillError] = ProcskillError,
    transform: Callable[[Any], Any] | None = None,
) -> M:
    """Read ``path`` and validate it into ``model`` (see the module docstring)."""
    doc = read_yaml(path, error)
    data = transform(doc.data) if transform is not None and isinstance(doc.data, dict) else doc.data
    return validate_document(doc, model, error, data)


__all__ = [
    "YamlDocument",
    "field_path",
    "load_yaml_model",
    "pydantic_problems",
    "read_yaml",
    "validate_document",
]
