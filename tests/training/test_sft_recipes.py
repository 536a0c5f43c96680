"""Recipes: TRL's SFTConfig and PEFT's LoraConfig verbatim; the shipped ones train exactly as before conversion.

``data/recipe_configs_before_conversion.json`` holds the SFTConfig / LoraConfig values the recipes
produced before they were converted to ``sft:`` / ``lora:`` sections (recorded with the old code);
``BEFORE`` holds the steps and losses the old code trained to on the tiny model with ``SMOKE``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procskill.training import (
    DEFAULT_RECIPE,
    RECIPES_DIR,
    Recipe,
    RecipeError,
    build_corpus,
    list_recipes,
    load_recipe,
    train,
)
from testkit.packs import write_synthetic_packs

BEFORE_CONVERSION = json.loads(
    (Path(__file__).parent / "data" / "recipe_configs_before_conversion.json").read_text()
)
SMOKE = {
    "max_steps": 3,
    "per_device_train_batch_size": 2,
    "gradient_accumulation_steps": 1,
    "logging_steps": 1,
    "save_steps": 2,
}
# Old code, tiny Qwen3.5, synthetic packs (2 skills x 3 training tasks), procedural corpus, SMOKE, and uniform
# random order (`group_by_length: false` then, `train_sampling_strategy: random` now): the length-grouped order
# changed on purpose (it is now seeded per epoch so that a resumed run replays it), the random one did not.
BEFORE = {
    "demo_tiny_lora": {"steps": 3, "final_loss": 7.0612287521362305, "train_loss": 7.452561378479004},
    "full_ft_lr1e-5": {"steps": 3, "final_loss": 7.649618625640869, "train_loss": 7.648691336313884},
    "lora_r16_attn_only": {"steps": 3, "final_loss": 7.651612758636475, "train_loss": 7.649356047312419},
    "lora_r16_lr2e-4": {"steps": 3, "final_loss": 7.635862827301025, "train_loss": 7.6441060702006025},
}


def test_shipped_recipes_are_distinct_named_variants_of_the_default():
    recipes = {r.name: r for r in list_recipes()}
    assert len(recipes) >= 5 and DEFAULT_RECIPE in recipes
    for recipe in recipes.values():
        assert recipe.source.stem == recipe.name and len(recipe.sha256) == 64
        assert recipe.tests.strip() and "\n" not in recipe.tests
        assert recipe.enable_thinking is False  # how the task evaluates Qwen3.5 by default
    default = recipes[DEFAULT_RECIPE]
    assert (
        default.method,
        default.lora["r"],
        default.lora["target_modules"],
        default.sft["learning_rate"],
    ) == (
        "lora",
        16,
        "all-linear",
        2e-4,
    )

    def differences(name):
        a, b = default.to_dict(), recipes[name].to_dict()
        keys = {f"sft.{k}" for k in {*a["sft"], *b["sft"]} if a["sft"].get(k) != b["sft"].get(k)}
        keys |= {"lora"} if a["lora"] != b["lora"] else set()
        return keys | {k for k in ("skill_block", "enable_thinking") if a[k] != b[k]}

    # Each variant changes one dimension of the default (rank and alpha move together).
    assert differences("lora_r16_lr5e-5") == {"sft.learning_rate"}
    assert differences("lora_r16_lr2e-4_ep8") == {"sft.num_train_epochs"}
    assert differences("lora_r64_lr2e-4") == {"lora"} and recipes["lora_r64_lr2e-4"].lora["r"] == 64
    assert differences("lora_r16_attn_only") == {"lora"}
    assert recipes["lora_r16_attn_only"].lora["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert differences("no_skill_block") == {"skill_block"}
    full = recipes["full_ft_lr1e-5"]
    assert full.method == "full" and full.lora is None and full.lora_config() is None


@pytest.mark.parametrize("name", sorted(BEFORE_CONVERSION))
def test_converted_recipes_configure_trl_and_peft_exactly_as_before(name, tmp_path):
    recipe = load_recipe(name)
    before = BEFORE_CONVERSION[name]
    config = recipe.sft_config(tmp_path, use_cpu=True, bf16=False)
    for key, value in before["sft"].items():
        now = getattr(config, key)
        assert (now.value if hasattr(now, "value") else now) == value, key
    lora = recipe.lora_config()
    if before["lora"] is None:
        assert lora is None
    else:
        targets = lora.target_modules if isinstance(lora.target_modules, str) else sorted(lora.target_modules)
        now = {
            "r": lora.r,
            "lora_alpha": lora.lora_alpha,
            "lora_dropout": lora.lora_dropout,
            "target_modules": targets,
        }
        assert now == before["lora"] and lora.task_type == "CAUSAL_LM"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BEFORE))
def test_converted_recipes_train_to_the_same_steps_and_loss(name, tiny_model_dir, tmp_path):
    packs = write_synthetic_packs(tmp_path / "packs", skills=2, tasks_per_skill=2, train_per_skill=3)
    corpus = build_corpus("procedural", skills_dir=packs, out=tmp_path / "corpus")
    result = train(
        tiny_model_dir,
        corpus.path,
        load_recipe(name).with_sft(**SMOKE, train_sampling_strategy="random"),
        out=tmp_path / "run",
        merge=False,
    )
    meta = result.metadata
    assert meta["steps"] == BEFORE[name]["steps"]
    assert meta["final_loss"] == pytest.approx(BEFORE[name]["final_loss"], abs=1e-6)
    assert meta["train_loss"] == pytest.approx(BEFORE[name]["train_loss"], abs=1e-5)


def test_a_recipe_file_loads_by_path_and_overrides_are_validated(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text((RECIPES_DIR / f"{DEFAULT_RECIPE}.yaml").read_text().replace(DEFAULT_RECIPE, "mine"))
    mine = load_recipe(path)
    assert isinstance(mine, Recipe) and mine.name == "mine" and mine.source == path
    assert mine.with_sft(max_steps=3).sft["max_steps"] == 3
    with pytest.raises(RecipeError, match=r"mine.yaml \(override\): sft.max_steps: must be int, got 'x'"):
        mine.with_sft(max_steps="x")


DEFAULT_TEXT = (RECIPES_DIR / f"{DEFAULT_RECIPE}.yaml").read_text()


def _line(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if line.strip().startswith(start))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("learning_rate: 2.0e-4", "lerning_rate: 2.0e-4"),
            (
                rf"mine.yaml:{_line(DEFAULT_TEXT, 'learning_rate')}: sft.lerning_rate: unknown trl.SFTConfig field "
                r"\(did you mean 'learning_rate'\?\)"
            ),
        ),
        (
            lambda t: t.replace("learning_rate: 2.0e-4", "learning_rate: fast"),
            rf"mine.yaml:{_line(DEFAULT_TEXT, 'learning_rate')}: sft.learning_rate: must be float, got 'fast'",
        ),
        (
            lambda t: t.replace("num_train_epochs: 3", "num_train_epochs: true"),
            rf"mine.yaml:{_line(DEFAULT_TEXT, 'num_train_epochs')}: sft.num_train_epochs: must be float",
        ),
        (
            lambda t: t.replace("lr_scheduler_type: cosine", "lr_scheduler_type: zigzag"),
            (
                rf"mine.yaml:{_line(DEFAULT_TEXT, 'lr_scheduler_type')}: sft.lr_scheduler_type: is refused "
                r"by trl.SFTConfig: zigzag is not a valid SchedulerType"
            ),
        ),
        (
            lambda t: t.replace("  r: 16", "  rank: 16"),
            rf"mine.yaml:{_line(DEFAULT_TEXT, 'r: 16')}: lora.rank: unknown peft.LoraConfig field",
        ),
        (
            lambda t: t.replace("lora_alpha: 32", "lora_alpha: [32]"),
            rf"mine.yaml:{_line(DEFAULT_TEXT, 'lora_alpha')}: lora.lora_alpha: must be int",
        ),
        (
            lambda t: t.replace("  seed: 0", "  seed: 0\n  output_dir: elsewhere"),
            r"mine.yaml:\d+: sft.output_dir: is set by procskill, not by a recipe",
        ),
        (
            lambda t: t.replace("skill_block: true", "skil_block: true"),
            r"mine.yaml:4: skil_block: unknown field \(did you mean 'skill_block'\?\)",
        ),
        (lambda t: t + "epochs: 3\n", r"epochs: unknown field.*training arguments go under 'sft:'"),
        (
            lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("tests:")),
            r"mine.yaml:\d+: tests: is required",
        ),
        (lambda t: "- just\n- a list\n", r"mine.yaml:1: a recipe must be a mapping"),
    ],
)
def test_malformed_recipes_name_file_line_and_field(tmp_path, edit, message):
    path = tmp_path / "mine.yaml"
    path.write_text(edit(DEFAULT_TEXT))
    with pytest.raises(RecipeError, match=message):
        load_recipe(path)


def test_unknown_recipe_name_lists_the_shipped_ones():
    with pytest.raises(RecipeError, match=r"unknown recipe 'lora_r99'.*no_skill_block"):
        load_recipe("lora_r99")
