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
    out: Annotated[Path | None, typer.Option(help="Output folder (default: the package's built-in catalog).")] = None,
) -> None:
    """Regenerate the built-in skill packs from the seeded generators."""
    from procskill.generators.build import build_catalog
    from procskill.skills import BUILTIN_DIR

    typer.echo(build_catalog(out or BUILTIN_DIR))


@catalog_app.command("check")
def catalog_check(
    skills_dir: Annotated[Path, typer.Argument(help="A folder of skill packs.")],
) -> None:
    """Validate a folder of skill packs (front matter, 5 steps, task rows, unique ids, manifest hash)."""
    from procskill.skills import SPLITS, load_packs, verify_manifest

    packs = load_packs(skills_dir)
    for split in SPLITS:
        verify_manifest(skills_dir, packs, split)
    counts = {s: sum(len(p.split(s)) for p in packs) for s in SPLITS}
    typer.echo(f"{skills_dir}: {len(packs)} skills, " + ", ".join(f"{n} {s} tasks" for s, n in counts.items()))


@catalog_app.command("card")
def catalog_card_command(
    skills_dir: Annotated[Path | None, typer.Argument(help="A folder of skill packs (default: built-in).")] = None,
) -> None:
    """Print the dataset card tables (splits, hashes, domains, skills) as Markdown."""
    from procskill.generators.build import catalog_card
    from procskill.skills import BUILTIN_DIR

    typer.echo(catalog_card(skills_dir or BUILTIN_DIR), nl=False)
