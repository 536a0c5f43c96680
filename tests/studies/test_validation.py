"""procskill.validation: a YAML file into a typed model, every problem as ``file:line: field: problem``."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from procskill.errors import ProcskillError
from procskill.validation import field_path, load_yaml_model, read_yaml


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    count: int = 1


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    items: list[Item]


class MyError(ProcskillError):
    pass


def test_every_problem_with_its_line(tmp_path):
    path = tmp_path / "doc.yaml"
    path.write_text("title: t\nitems:\n  - name: a\n    count: many\n  - {}\n  - name: c\n    colour: red\n")
    with pytest.raises(MyError) as raised:
        load_yaml_model(path, Doc, MyError)
    assert str(raised.value).splitlines() == [
        f"{path}:4: items[0].count: Input should be a valid integer, unable to parse string as an integer",
        f"{path}:5: items[1].name: is required",
        f"{path}:7: items[2].colour: unknown field (misspelt?)",
    ]


def test_valid_file_and_transform(tmp_path):
    path = tmp_path / "doc.yaml"
    path.write_text("title: '{x}'\nitems: [{name: a}]\n")
    doc = load_yaml_model(path, Doc, transform=lambda d: {**d, "title": d["title"].replace("{x}", "filled")})
    assert doc.title == "filled" and doc.items[0].count == 1


def test_unreadable_and_unparseable_files(tmp_path):
    with pytest.raises(ProcskillError, match=r"nope.yaml: cannot read the file"):
        read_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: t\nitems: [\n  - a\n")
    with pytest.raises(ProcskillError, match=r"bad.yaml:3: not valid YAML"):
        read_yaml(bad)


def test_problem_lines_for_cross_references(tmp_path):
    path = tmp_path / "doc.yaml"
    path.write_text("title: t\nitems:\n  - name: a\n  - name: b\n")
    doc = read_yaml(path)
    assert doc.problem(("items", 1, "name"), "taken") == f"{path}:4: items[1].name: taken"
    assert doc.line(("items", 5)) == 3  # a missing entry points at its list
    assert field_path(()) == "(top level)"
