"""``procskill catalog …``: build and check the skill catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from procskill.cli._app import app

catalog_app = typer.Typer(help="Build and check skill packs.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("build")
def catalog_build(
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the package's built-in catalog).")
    ] = None,
) -> None:
    """Regenerate the built-in skill packs from the seeded generators."""
    from procskill.generators.build import build_catalog
    from procskill.skills import BUILTIN_DIR

    typer.echo(build_catalog(out or BUILTIN_DIR))


@catalog_app.command("check")
def catalog_check(
    skills_dir: Annotated[
        Path, typer.Argument(help="A folder of skill packs (Agent Skills folders + task files).")
    ],
) -> None:
    """Validate a folder of skill packs and list every problem (file, line, field); exit 2 if any.

    Each SKILL.md is checked against the Agent Skills spec with its reference library (skills-ref), then
    procskill's rules: metadata fields, the numbered-steps rule for packs that opt in (metadata ``steps``),
    task rows, unique task ids and, with a MANIFEST.json, each split's content hash. Files the model is
    never shown (scripts/, references/, assets/, …) are listed, not refused.
    """
    from procskill.skills import SPLITS, SkillPackError, check_packs, verify_manifest
    from procskill.skills._pack import not_shown_files, pack_folders

    if not skills_dir.is_dir():  # nothing to list: one line, like every other user error
        raise SkillPackError(f"{skills_dir}: not a folder: give a folder of skill packs")
    packs, problems = check_packs(skills_dir)
    manifest_problems = []
    if not problems:
        for split in SPLITS:
            try:
                verify_manifest(skills_dir, packs, split)
            except SkillPackError as err:
                manifest_problems.append(str(err))
    for folder in pack_folders(skills_dir) if skills_dir.is_dir() else []:
        hidden = not_shown_files(folder)
        if hidden:
            typer.echo(f"{folder}: not shown to the model (only SKILL.md's body is): {', '.join(hidden)}")
    if problems or manifest_problems:
        lines = [str(p) for p in problems] + manifest_problems
        for line in lines:
            typer.echo(line, err=True)
        typer.echo(f"{skills_dir}: {len(lines)} problem{'s' if len(lines) != 1 else ''}", err=True)
        raise typer.Exit(2)
    counts = {s: sum(len(p.split(s)) for p in packs) for s in SPLITS}
    typer.echo(
        f"{skills_dir}: {len(packs)} skills, " + ", ".join(f"{n} {s} tasks" for s, n in counts.items())
    )


@catalog_app.command("card")
def catalog_card_command(
    skills_dir: Annotated[
        Path | None, typer.Argument(help="A folder of skill packs (default: built-in).")
    ] = None,
) -> None:
    """Print the dataset card tables (splits, hashes, domains, skills) as Markdown."""
    from procskill.generators.build import catalog_card
    from procskill.skills import BUILTIN_DIR

    typer.echo(catalog_card(skills_dir or BUILTIN_DIR), nl=False)
