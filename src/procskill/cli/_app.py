"""The typer application that every command module registers on."""

from typing import Any

import typer
import yaml

app = typer.Typer(
    name="procskill",
    help="Procedural-skill evaluation on Inspect AI: paired base vs skill-block episodes, "
    "judges, SFT and the study report.",
    no_args_is_help=True,
    add_completion=False,
)


def parse_model_args(pairs: list[str] | None) -> dict[str, Any]:
    """``-M KEY=VALUE`` options as a dict, values parsed as YAML (``true``, ``0.5``, ``[a, b]``)."""
    args: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="-M")
        args[key.strip()] = yaml.safe_load(value)
    return args
