"""The typer application that every command module registers on."""

import typer

app = typer.Typer(
    name="procskill",
    help="Procedural-skill evaluation on Inspect AI: paired base vs skill-block episodes, "
    "judges, SFT and the study report.",
    no_args_is_help=True,
    add_completion=False,
)
