"""Recipes: the shipped variants, and malformed files refused naming file, line and field."""

from __future__ import annotations

import pytest

from procskill.training import DEFAULT_RECIPE, RECIPES_DIR, Recipe, RecipeError, list_recipes, load_recipe


def test_shipped_recipes_are_distinct_named_variants_of_the_default():
    recipes = {r.name: r for r in list_recipes()}
    assert len(recipes) >= 5 and DEFAULT_RECIPE in recipes
    for recipe in recipes.values():
        assert recipe.source.stem == recipe.name and len(recipe.sha256) == 64
        assert recipe.tests.strip() and "\n" not in recipe.tests
        assert recipe.enable_thinking is False  # how the task evaluates Qwen3.5 by default
    default = recipes[DEFAULT_RECIPE]
    assert (default.method, default.lora.r, default.lora.target_modules, default.learning_rate) == (
        "lora",
        16,
        "all-linear",
        2e-4,
    )

    def differences(name):
        a, b = default.to_dict(), recipes[name].to_dict()
        return {k for k in a if k not in ("name", "tests", "source", "sha256") and a[k] != b[k]}

    # Each variant changes one dimension of the default (rank and alpha move together).
    assert differences("lora_r16_lr5e-5") == {"learning_rate"}
    assert differences("lora_r16_lr2e-4_ep8") == {"epochs"}
    assert differences("lora_r64_lr2e-4") == {"lora"} and recipes["lora_r64_lr2e-4"].lora.r == 64
    assert differences("lora_r16_attn_only") == {"lora"}
    assert recipes["lora_r16_attn_only"].lora.target_modules == ("q_proj", "k_proj", "v_proj", "o_proj")
    assert differences("no_skill_block") == {"skill_block"}
    full = recipes["full_ft_lr1e-5"]
    assert full.method == "full" and full.lora is None


def test_a_recipe_file_loads_by_path_and_overrides_are_validated(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text((RECIPES_DIR / f"{DEFAULT_RECIPE}.yaml").read_text().replace(DEFAULT_RECIPE, "mine"))
    mine = load_recipe(path)
    assert isinstance(mine, Recipe) and mine.name == "mine" and mine.source == path
    assert mine.replace(max_steps=3).max_steps == 3
    with pytest.raises(RecipeError, match="field 'max_steps' must be >= 1"):
        mine.replace(max_steps=0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t + "lerning_rate: 0.1\n", r"mine.yaml:22: unknown field 'lerning_rate'"),
        (
            lambda t: t.replace("learning_rate: 2.0e-4", "learning_rate: fast"),
            r"mine.yaml:5: field 'learning_rate' must be float or int, got 'fast'",
        ),
        (
            lambda t: t.replace("epochs: 3", "epochs: true"),
            r"mine.yaml:6: field 'epochs' must be float or int",
        ),
        (lambda t: t.replace("method: lora", "method: full"), r"field 'lora' is only for method 'lora'"),
        (lambda t: t.replace("  r: 16", "  r: 0"), r"mine.yaml:18: field 'lora.r' must be >= 1"),
        (lambda t: t.replace("  r: 16", "  rank: 16"), r"mine.yaml:18: unknown field 'lora.rank'"),
        (
            lambda t: t.replace("lr_scheduler: cosine", "lr_scheduler: zigzag"),
            r"field 'lr_scheduler' must be one of",
        ),
        (
            lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("tests:")),
            r"mine.yaml: field 'tests' is missing",
        ),
        (lambda t: "- just\n- a list\n", r"mine.yaml:1: a recipe must be a mapping"),
    ],
)
def test_malformed_recipes_name_file_line_and_field(tmp_path, edit, message):
    text = (RECIPES_DIR / f"{DEFAULT_RECIPE}.yaml").read_text()
    assert text.splitlines()[4].startswith("learning_rate") and text.splitlines()[17] == "  r: 16"
    path = tmp_path / "mine.yaml"
    path.write_text(edit(text))
    with pytest.raises(RecipeError, match=message):
        load_recipe(path)


def test_unknown_recipe_name_lists_the_shipped_ones():
    with pytest.raises(RecipeError, match=r"unknown recipe 'lora_r99'.*no_skill_block"):
        load_recipe("lora_r99")
