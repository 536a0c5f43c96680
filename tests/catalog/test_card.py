"""docs/DATASET.md shows the current catalog."""

from pathlib import Path

from procskill.generators.build import catalog_card

DATASET_MD = Path(__file__).parents[2] / "docs" / "DATASET.md"


def test_dataset_card_is_current():
    text = DATASET_MD.read_text(encoding="utf-8")
    body = text.split("-->\n", 1)[1].split("<!-- catalog-card:end -->")[0]
    assert body == catalog_card(), "regenerate the tables with `procskill catalog card`"


def test_best_constant_guess_counts_decisions_not_wording():
    from procskill.generators.build import best_constant_guess

    targets = [
        "SEV2: payments fail; page on-call.",
        "SEV2: 5% of users; page.",
        "SEV3: internal tool.",
        "SEV1: data loss.",
    ]
    assert best_constant_guess("incident-triage", targets) == ("SEV2", 2)
    assert best_constant_guess("gcd-euclid", ["4", "7", " 4"]) == ("4", 2)
    assert best_constant_guess("gcd-euclid", ["9", "3"]) == ("3", 1)  # a tie goes to the first decision


def test_no_constant_guess_wins_a_skill():
    """No one answer (decision) covers more than 2 of a skill's 5 holdout tasks; 3 where only two decisions exist."""
    from procskill.generators.build import best_constant_guess, max_same_decision
    from procskill.skills import BUILTIN_DIR, load_packs

    over = {}
    for pack in load_packs(BUILTIN_DIR):
        guess, hits = best_constant_guess(pack.id, [t.target for t in pack.split("holdout")])
        if hits > max_same_decision(pack.id):
            over[pack.id] = (guess, hits)
    assert not over, over
